"""Wallboard mode end to end: the real reference service, a real cache, the real sync thread, a viewer
token. Tiles fill from the feed, pages rotate, a crossed threshold changes a tile (colour, icon, words)
and reaches the status line without any dialog, and the board reconnects by itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from console.live.wallboard import Limit, WallboardThresholds
from console.service.server import DemoService
from console.sync import backoff
from tests.helpers.wallboard import free_port, start_wallboard
from widgets.app.launch import parse_args
from widgets.wallboard.tile import TileWidget

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def no_dialogs(app: QApplication) -> bool:
    return not any(isinstance(w, (QDialog, QMessageBox)) and w.isVisible() for w in app.topLevelWidgets())


def test_arguments() -> None:
    args = parse_args(["--wallboard", "--screen", "1"])
    assert (args.wallboard, args.screen) == (True, 1)
    assert parse_args([]).wallboard is False


# The wallboard logs each alert it raises; which ones depends on the simulated floor at that moment.
@pytest.mark.expected_log(r"ALERT|: Watch \(", logger="concierge.ui.wallboard")
def test_wallboard_fills_rotates_alerts_and_reconnects(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backoff, "OFFLINE_AFTER_S", 0.5)
    monkeypatch.setattr(backoff, "CAP_S", 0.5)
    port = free_port()
    # Nothing listens yet: the board says so on its status line (no dialog), then connects by itself.
    session = start_wallboard(
        qapp, f"http://127.0.0.1:{port}", tmp_path / "wall.db", monkeypatch, rotate_ms=400
    )
    service = DemoService(seed=5, open_enquiries=120, speed=0, port=port)
    try:
        views = session.views
        assert views is not None and views.wallboard is not None and views.feed is not None
        board = views.wallboard
        qtbot.waitUntil(lambda: board.status.text().startswith(("Offline", "Reconnecting")), timeout=20_000)
        assert no_dialogs(qapp)
        service.start()
        qtbot.waitUntil(lambda: board.status.text().startswith("Live"), timeout=30_000)
        qtbot.waitUntil(
            lambda: views.feed is not None and views.feed.latest is not None and views.feed.latest.open > 0,
            timeout=20_000,
        )
        qtbot.waitUntil(
            lambda: bool(board.pages) and board.pages[0].tiles[0].value != "nobody", timeout=10_000
        )
        assert [p.title for p in board.pages] == ["Queue now", "Team load", "Staffing"]
        first = board.page_widgets[0].tiles[0]
        assert first.title.text() == "Longest wait"
        assert first.words.text() in ("OK", "Watch", "ALERT")
        assert not first.icon.pixmap().isNull()  # the level has an icon, not just a colour

        # Pages rotate on their own.
        seen = {board.current_page()}

        def all_pages_seen() -> bool:
            seen.add(board.current_page())
            return len(seen) == 3

        qtbot.waitUntil(all_pages_seen, timeout=5_000)

        # A threshold crossed: with a longest-wait limit under the current wait, the tile turns to
        # ALERT and the status line names it. Never a dialog.
        def longest() -> TileWidget:
            return next(w for w in board.page_widgets[0].tiles if w.tile and w.tile.key == "longest_wait")

        board.thresholds = WallboardThresholds(longest_wait_s=Limit(1e9, 2e9))
        qtbot.waitUntil(lambda: longest().words.text() == "OK", timeout=10_000)
        calm = longest().styleSheet()
        board.thresholds = WallboardThresholds(longest_wait_s=Limit(0.0, 1.0))
        qtbot.waitUntil(lambda: "Longest wait: ALERT" in board.status.text(), timeout=10_000)
        assert longest().words.text() == "ALERT"
        assert longest().styleSheet() != calm  # the colours changed with the words and the icon
        assert len(board.alerts) <= board.alerts.size
        assert no_dialogs(qapp)

    finally:
        session.stop()
        service.stop()
