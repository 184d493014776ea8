"""The console's steady work leaves no reference cycles behind. The GC guard (widgets.app.gc_guard)
freezes what is young after each job over the whole queue, so a cycle made in the steady work would be
kept for the session, once per freeze: a team-board regroup's self-calling closure kept two lists of every
row that way (~48,000 objects a minute at 100k open)."""

from __future__ import annotations

import gc
from collections import Counter

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.platform.credentials import SecretStore
from widgets.app.session import Session, SessionConfig
from widgets.board import view

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")


def test_the_live_console_makes_no_garbage_cycles(
    qapp: QApplication, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The regroup on the worker, read in slices, as at 100k (here from 100 rows).
    monkeypatch.setattr(view, "SYNC_ROWS", 100)
    monkeypatch.setattr(view, "SNAPSHOT_SLICE", 50)
    config = SessionConfig(api_url=None, demo=True, demo_open=300, demo_speed=30.0, headless=True)
    session = Session(qapp, config, secret_store=SecretStore.open())
    session.start()
    try:
        controller = session.controller
        assert controller is not None and not gc.isenabled()  # only reference counting frees here
        qtbot.waitUntil(session.synced, timeout=30_000)
        board = controller.board
        qtbot.waitUntil(lambda: board.rebuilds > 1 and controller.computed > 1, timeout=20_000)
        gc.collect()  # what start-up made once (the navigator's first tree) is not the steady work's
        rebuilds, computed = board.rebuilds, controller.computed
        # The demo service's enquiries arriving and changing live: the board regroups, the figures are
        # computed again, the clocks tick.
        qtbot.waitUntil(
            lambda: board.rebuilds > rebuilds + 3 and controller.computed > computed + 2, timeout=30_000
        )
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            gc.collect()
            left = Counter(type(o).__name__ for o in gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
        assert not left, f"reference cycles made by the steady work: {left.most_common(8)}"
    finally:
        session.stop()
