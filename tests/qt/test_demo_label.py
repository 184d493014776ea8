"""A demo says so on every screen (issue 15, item 1): simulated enquiries must never pass for a bank's
live queues. The embedded demo service behind a real Session, the real window, status bar and wallboard."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot

from console.sync.state import SyncState
from widgets.app.session import Session
from widgets.status.connection import describe

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def test_the_demo_says_demo_in_the_title_a_banner_the_status_bar_and_the_wallboard(
    demo_session: Session, qtbot: QtBot
) -> None:
    demo = demo_session
    window = demo.window
    assert window is not None and demo.views is not None
    assert "DEMO" in window.windowTitle()
    assert window.demo_banner.isVisibleTo(window) and "DEMO" in window.demo_banner.text()
    qtbot.waitUntil(demo.synced, timeout=30_000)
    qtbot.waitUntil(lambda: window.connection.state == SyncState.LIVE, timeout=10_000)
    shown = window.connection.text_shown()
    assert shown.startswith("DEMO") and "Live" not in shown
    wall = demo.views.open_wallboard(full_screen=False)
    qtbot.waitUntil(lambda: "DEMO" in wall.title.text(), timeout=10_000)
    assert "DEMO" in wall.windowTitle()
    wall.close()


def test_only_a_real_service_reads_live() -> None:
    utc = ZoneInfo("UTC")
    assert describe(SyncState.LIVE, 0.0, 0.0, utc) == "Live"
    assert describe(SyncState.LIVE, 0.0, 0.0, utc, demo=True) == "DEMO · simulated data"
    offline = describe(SyncState.OFFLINE, 0.0, 0.0, utc, demo=True)
    assert offline.startswith("DEMO · simulated data · Offline since")
