"""Offline is impossible to miss (issue 15, item 2): a full-width warning with the date and the data's age,
and the figures greyed, on the console and on the wallboard; gone again once live."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot

from console.sync.state import SyncState, SyncStatus
from widgets.app.session import Session
from widgets.status.connection import stale_text
from widgets.wallboard.window import Wallboard

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
UTC = ZoneInfo("UTC")
T = 1_795_000_000.0  # Wed 18 Nov 2026 11:06:40 UTC (a fixed moment: the words below are exact)


def test_the_console_warns_full_width_with_the_date_and_age_and_greys_its_figures(
    demo_session: Session, qtbot: QtBot
) -> None:
    window, controller = demo_session.window, demo_session.controller
    assert window is not None and controller is not None
    qtbot.waitUntil(demo_session.synced, timeout=30_000)
    qtbot.waitUntil(lambda: window.connection.state == SyncState.LIVE, timeout=10_000)
    assert not window.stale_banner.isVisibleTo(window) and window.header.isEnabled()
    now = controller.now()
    controller.on_state(SyncStatus(SyncState.RECONNECTING, now - 300, now - 12 * 60 - 5))
    assert window.stale_banner.isVisibleTo(window)
    text = window.stale_banner.text()
    assert "Reconnecting since " in text and "data 12 min old" in text and "not live" in text
    assert not window.header.isEnabled() and not window.breach_strip.isEnabled()
    controller.on_failed("the service refused the connection")
    assert "Offline since " in window.stale_banner.text()
    controller.on_state(SyncStatus(SyncState.LIVE, now, now))
    assert not window.stale_banner.isVisibleTo(window) and window.header.isEnabled()


def test_the_wallboard_says_offline_with_the_age_and_greys_every_tile(qtbot: QtBot) -> None:
    wall = Wallboard(tz="UTC", now=lambda: T)
    qtbot.addWidget(wall)
    wall.set_connection(SyncState.OFFLINE, T - 600, T - 900)
    assert wall.title.text().startswith("⚠ Offline since Wed ") and "data 15 min old" in wall.title.text()
    assert not wall.stack.isEnabled()
    wall.set_connection(SyncState.LIVE, T, T)
    assert "⚠" not in wall.title.text() and wall.stack.isEnabled()


def test_the_words_name_the_state_the_day_and_the_age() -> None:
    assert stale_text(SyncState.LIVE, T, T, T, UTC) is None
    assert stale_text(SyncState.STARTING, 0.0, None, T, UTC) is None
    assert stale_text(SyncState.OFFLINE, T - 60, T - 2 * 3600 - 5 * 60, T, UTC) == (
        "Offline since Wed 11:05 · data 2 h 05 min old · the figures on screen are not live"
    )
    assert "no data yet" in (stale_text(SyncState.AUTH_REQUIRED, T, None, T, UTC) or "")
