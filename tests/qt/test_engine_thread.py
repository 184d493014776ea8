"""The thread rule for the SLA engine (DESIGN.md): an engine and its caches belong to the thread that
made it. The UI's engine is used only on the UI thread; a worker computes with a snapshot of it and hands
the clocks back. Checked on the console over its demo service, cache read on the loading worker."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from console.sla.engine import SlaEngine
from widgets.app.session import Session

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

ENTRY_POINTS = ("clocks", "current", "due_at", "forget", "status", "statuses", "clock_status", "cached")


class EngineOwners:
    """Records every use of an engine made by SlaEngine(...) from a thread other than its maker's.
    Snapshots (engine.snapshot()) are made for another thread, so they are not watched."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offenders: list[tuple[str, str]] = []
        self.uses = 0
        self._owners: dict[int, threading.Thread] = {}
        init = SlaEngine.__init__

        @functools.wraps(init)
        def made(engine: SlaEngine, *args: Any, **kwargs: Any) -> None:
            init(engine, *args, **kwargs)
            self._owners[id(engine)] = threading.current_thread()

        monkeypatch.setattr(SlaEngine, "__init__", made)
        for name in ENTRY_POINTS:
            monkeypatch.setattr(SlaEngine, name, self._watch(name, getattr(SlaEngine, name)))

    def _watch(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def watched(engine: SlaEngine, *args: Any, **kwargs: Any) -> Any:
            owner = self._owners.get(id(engine)) if engine.source is None else None
            here = threading.current_thread()
            if owner is not None:
                self.uses += 1
                if owner is not here:
                    self.offenders.append((name, here.name))
            return method(engine, *args, **kwargs)

        return watched


@pytest.fixture
def engine_owners(monkeypatch: pytest.MonkeyPatch) -> Iterator[EngineOwners]:
    yield EngineOwners(monkeypatch)


def test_the_ui_engine_is_only_used_on_the_ui_thread_while_the_cache_loads(
    engine_owners: EngineOwners, demo_session: Session, qtbot: QtBot
) -> None:
    session = demo_session
    assert session.window is not None and session.controller is not None and session.reader is not None
    qtbot.waitUntil(session.synced, timeout=30_000)
    model = session.window.queue_view.queue_model()
    qtbot.waitUntil(lambda: model.total_count() > 0, timeout=10_000)
    presenter = session.controller.queue
    presenter.load(session.reader, session.controller.reader_factory)  # again, on the loading worker
    qtbot.waitUntil(lambda: presenter.loaded and model.total_count() > 0, timeout=10_000)
    qtbot.waitUntil(lambda: session.window is not None and session.window.queue_groups.counts() is not None)
    assert engine_owners.uses > 0  # the watch saw the UI engine at work
    assert engine_owners.offenders == []
    shown = [model.index(r, 0).data() for r in range(min(5, model.rowCount()))]
    assert all(" left · " in s or " over · " in s for s in shown)  # clocks came back with the rows
