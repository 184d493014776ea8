"""The thread rule under test: a slot that runs off the UI thread fails the test.

DESIGN.md: every receiver of a signal that crosses threads is a QObject living on the UI thread (a
plain Python function, or a method of a plain object, connected to a worker's signal runs on the
worker's thread). Use the `thread_rule` fixture (a plugin: tests/conftest.py lists this module):

    def test_x(thread_rule: ThreadRule) -> None:
        thread_rule.watch(Session, "_on_state")   # before the objects are made and connected
        ...                                       # the test fails at teardown on any off-thread call

watch() wraps the named methods of a class for the test's duration and records the thread of every
call; `calls` counts them, so a test can also show that a watched slot ran at all.
"""

from __future__ import annotations

import functools
import gc
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication


class ThreadRule:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.offenders: list[tuple[str, str]] = []  # (Class.method, the thread it ran on)

    def watch(self, cls: type, *names: str) -> None:
        for name in names:
            original = getattr(cls, name)
            if not callable(original):
                raise TypeError(f"{cls.__name__}.{name} is not a method")
            self._monkeypatch.setattr(cls, name, self._wrap(f"{cls.__name__}.{name}", original))

    def _wrap(self, label: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def watched(*args: Any, **kwargs: Any) -> Any:
            self.record(label)
            return original(*args, **kwargs)

        return watched

    def record(self, label: str) -> None:
        # The UI thread is the one the application lives on: in tests, Python's main thread.
        main = threading.current_thread() is threading.main_thread()
        on_ui = main and QCoreApplication.instance() is not None
        with self._lock:
            self.calls[label] += 1
            if not on_ui:
                self.offenders.append((label, threading.current_thread().name))

    def check(self) -> None:
        with self._lock:
            offenders = list(self.offenders)
        if offenders:
            seen = sorted(set(offenders))
            lines = "\n".join(f"  {label} ran on thread {thread!r}" for label, thread in seen)
            pytest.fail(f"slots ran off the UI thread (connect them to a QObject on the UI thread):\n{lines}")


@pytest.fixture
def thread_rule(monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadRule]:
    rule = ThreadRule(monkeypatch)
    yield rule
    rule.check()


@pytest.fixture(autouse=True)
def cycles_freed_on_the_ui_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """As the console runs (widgets.app.gc_guard): while a Qt test runs, Python's cyclic collector is
    off, and the cycles are freed after it on this, the UI thread. Left automatic, it ran on whichever
    thread allocated: a test's worker thread freed an earlier test's model and its timer off the UI
    thread, and Qt then fired the dead timer (a segfault in tests/qt/test_queue_retime.py, seen when the
    queue's tests ran before it). Tests marked own_collector (the guard's own) are left alone."""
    qt = "qtbot" in request.fixturenames or "qapp" in request.fixturenames or "qt" in request.path.parts
    if not qt or request.node.get_closest_marker("own_collector") is not None:
        yield
        return
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        if was:
            gc.enable()
