"""The live console end to end: the real reference service on 127.0.0.1, a real encrypted cache file,
the real sync thread. The window opens from a warm cache with the network down, says "Offline", goes
live when the service comes back, and shows a new enquiry the service adds."""

from __future__ import annotations

import json
import secrets
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, QSettings, QSize
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.api.client import ApiClient, ApiSettings
from console.courtesy import ui_is_busy
from console.domain.model import ChangeSet
from console.platform.credentials import SecretStore
from console.platform.gil import PAINT_SWITCH_INTERVAL_S, PAINT_TIMER_SLACK_NS, timer_slack_ns
from console.platform.settings import Settings
from console.service.server import DemoService
from console.store.cache import Store
from console.sync import backoff
from console.sync.engine import Syncer
from widgets.app.session import Session, SessionConfig
from widgets.main_window.window import MainWindow
from widgets.queue.model import QueueModel
from widgets.queue.view import QueueView

SEED, OPEN = 11, 150
# The offscreen platform cannot pass size hints to a window manager; nothing is wrong with the window.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def warm_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, int, set[str]]:
    """A cache synced from a service that is then stopped: (path, the service's port, open ids)."""
    port = free_port()
    key = secrets.token_bytes(32)
    path = tmp_path / "cache.db"
    service = DemoService(seed=SEED, open_enquiries=OPEN, speed=0, port=port)
    url = service.start()
    try:
        with ApiClient(ApiSettings(url)) as api:
            api.login("supervisor", "demo-supervisor")
            store = Store(path, key)
            Syncer(api, store).run_once()
            open_ids = {e.id for e in store.load_open()}
            store.close()
    finally:
        service.stop()
    # Headless credentials, as an unattended console would have them: never written anywhere.
    monkeypatch.setenv("CONCIERGE_CACHE_KEY", key.hex())
    monkeypatch.setenv("CONCIERGE_PASSWORD", "demo-supervisor")
    monkeypatch.delenv("CONCIERGE_TOKEN", raising=False)
    # Say "offline" after half a second of failures instead of thirty, so the test stays short.
    monkeypatch.setattr(backoff, "OFFLINE_AFTER_S", 0.5)
    monkeypatch.setattr(backoff, "CAP_S", 1.0)
    return path, port, open_ids


@pytest.fixture
def session_factory(qapp: QApplication) -> Iterator[list[Session]]:
    made: list[Session] = []
    yield made
    for s in made:
        s.stop()


def start_session(made: list[Session], qapp: QApplication, url: str, cache: Path) -> Session:
    config = SessionConfig(api_url=url, demo=False, cache_path=cache, username="supervisor", headless=True)
    session = Session(qapp, config, secret_store=SecretStore.open())
    made.append(session)
    session.start()
    return session


# Offline at first: the selected row's conversation fetch retries against nothing listening.
@pytest.mark.expected_log(r"retrying in .*Cannot reach", logger="concierge.api")
@pytest.mark.expected_log(r"(no longer knows|forgot) our feed cursor", logger="concierge.sync")
def test_opens_from_a_warm_cache_offline_then_goes_live_and_shows_new_rows(
    qtbot: QtBot, qapp: QApplication, warm_cache: tuple[Path, int, set[str]], session_factory: list[Session]
) -> None:
    cache, port, open_ids = warm_cache
    session = start_session(session_factory, qapp, f"http://127.0.0.1:{port}", cache)
    window, controller = session.window, session.controller
    assert window is not None and controller is not None
    model = controller.model

    # Before any network answer (nothing listens): every cached open enquiry is on screen, read by a
    # worker thread; the counts and header figures follow.
    qtbot.waitUntil(lambda: controller.loaded, timeout=5_000)
    assert set(model.ids()) == open_ids
    qtbot.waitUntil(lambda: window.nav_model.count("all") == len(open_ids), timeout=5_000)
    assert window.header.unanswered.value.text() != "—"

    # Nothing listens on the port: the state says so plainly, with the age of the data.
    qtbot.waitUntil(lambda: window.connection.text_shown().startswith("Offline since"), timeout=15_000)
    assert "data from" in window.connection.text_shown()
    assert set(model.ids()) == open_ids  # still all there

    # The service comes back on the same address: the console goes live by itself.
    service = DemoService(seed=SEED, open_enquiries=OPEN, speed=0, port=port)
    service.start()
    try:
        qtbot.waitUntil(lambda: window.connection.text_shown() == "Live", timeout=20_000)
        before = controller.changes_seen
        added = service.add_enquiry(text="<b>new</b> enquiry from the test", channel="whatsapp")
        qtbot.waitUntil(lambda: model.row_of(added["id"]) is not None, timeout=20_000)
        assert controller.changes_seen > before
        qtbot.waitUntil(lambda: window.nav_model.count("all") == len(open_ids) + 1, timeout=5_000)

        # Picking it shows it in the detail pane; its conversation is fetched in the background.
        controller.select(added["id"])
        assert window.detail.current_id() == added["id"]
        first = window.detail.clocks.topLevelItem(0)
        assert first is not None
        assert first.text(0) == "First response"  # a new enquiry: nobody answered yet
        state, waited = first.text(2).split(" · ")
        assert state in ("On track", "At risk", "Urgent", "Breached")
        assert waited.startswith("customer waited ")  # the customer's own wait beside the time left
        # A private WhatsApp message: 4 hours of the social team's working hours (the service's policy).
        assert " working time " in first.text(1)
        qtbot.waitUntil(
            lambda: "enquiry from the test" in window.detail.conversation.toPlainText(), timeout=10_000
        )
    finally:
        session.stop_sync()
        service.stop()
    # Reports the sync thread queued before it stopped may still arrive after the window closed.
    session.stop()
    late = ChangeSet(changed={added["id"]}, reference_changed=True)
    controller.on_changes(late)  # would read through the closed cache connection
    assert controller.sync_state is not None
    controller.on_state(controller.sync_state)


def test_saved_view_filters_the_queue_and_themes_switch(
    qtbot: QtBot,
    qapp: QApplication,
    warm_cache: tuple[Path, int, set[str]],
    session_factory: list[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache, port, _ = warm_cache
    session = start_session(session_factory, qapp, f"http://127.0.0.1:{port}", cache)
    assert session.window is not None and session.controller is not None
    window, model = session.window, session.controller.model
    qtbot.waitUntil(lambda: session.controller is not None and session.controller.loaded, timeout=5_000)
    total = model.visible_count()
    qtbot.waitUntil(lambda: session.controller is not None and session.controller.computed > 0, timeout=5_000)
    window.navigator.select_key("view:unassigned")
    expected = window.nav_model.count("view:unassigned")
    assert expected is not None and 0 < expected < total
    assert model.visible_count() == expected
    assert all(model.enquiry_at(r).agent_id is None for r in range(model.visible_count()))  # type: ignore[union-attr]
    assert window.queue_title.text() == "Unassigned"
    window.navigator.select_key("all")
    assert model.visible_count() == total

    # The View menu's theme and text size apply at once to the window and the table's own colours.
    base = qapp.font().pointSizeF()
    session.set_theme("high_contrast", 2.0)
    assert model.theme().name == "high_contrast"
    assert qapp.font().pointSizeF() == pytest.approx(base * 2.0, rel=0.1)
    session.set_theme("light", 1.0)
    assert qapp.font().pointSizeF() == pytest.approx(base, rel=0.1)

    # The settings dialog's result: privacy and thresholds apply at once, and are saved (no secrets).
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    session.apply_settings(Settings(privacy="full", at_risk_minutes=20, urgent_minutes=5))
    assert model.privacy() == "full"
    assert session.controller.engine.thresholds.urgent_minutes == 5
    saved = json.loads((tmp_path / "config" / "concierge" / "settings.json").read_text())
    assert saved["privacy"] == "full" and saved["urgent_minutes"] == 5


def test_window_remembers_geometry_and_splitter_and_nothing_else(qtbot: QtBot, tmp_path: Path) -> None:
    qsettings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    first = MainWindow(QueueModel(), qsettings=qsettings)
    qtbot.addWidget(first)
    first.show()
    first.resize(700, 500)
    first.splitter.setSizes([150, 550])
    sizes = first.splitter.sizes()
    first.queue_view.setColumnHidden(3, True)  # the customer column, by hand
    first.close()  # closing saves
    again = MainWindow(QueueModel(), qsettings=qsettings)
    qtbot.addWidget(again)
    again.restore_window_state()
    again.show()
    assert again.size() == QSize(700, 500)
    assert again.splitter.sizes() == sizes
    assert again.queue_view.isColumnHidden(3)
    # What was kept is the supervisor's choice only: columns folded to fit a small window are not in it.
    plain = QueueView(QueueModel())
    qtbot.addWidget(plain)
    assert plain.restore_header_state(qsettings.value("window/queue_columns"))
    assert [c for c in range(plain.queue_model().columnCount()) if plain.isColumnHidden(c)] == [3]
    assert set(qsettings.allKeys()) == {
        "window/geometry",
        "window/state",
        "window/splitter",
        "window/queue_columns",
    }


def test_connection_state_texts(qtbot: QtBot) -> None:
    from zoneinfo import ZoneInfo

    from console.sync.state import SyncState
    from widgets.status.connection import ConnectionStatus, describe

    utc = ZoneInfo("UTC")
    t = 1_795_000_000.0 - 1_795_000_000.0 % 86_400 + 14 * 3600 + 2 * 60  # 14:02 UTC
    assert describe(SyncState.OFFLINE, t, t - 60, utc) == "Offline since 14:02 · data from 14:01"
    assert describe(SyncState.RECONNECTING, t, None, utc) == "Reconnecting… · data from never"
    assert describe(SyncState.LIVE, t, t, utc) == "Live"
    status = ConnectionStatus()
    qtbot.addWidget(status)
    status.set_state(SyncState.AUTH_REQUIRED, t, t, "token expired <b>")
    assert status.text_shown().startswith("Signed out")
    assert "&lt;b>" in status.text.toolTip()  # the detail comes from outside: escaped for the tooltip
    status.set_pending(3)
    assert status.pending.text() == "3 actions waiting to be sent" and not status.pending.isHidden()
    status.set_pending(0)
    assert status.pending.isHidden()


def test_signed_out_until_signed_in_and_tokens_stay_off_disk(
    qtbot: QtBot,
    qapp: QApplication,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    session_factory: list[Session],
) -> None:
    monkeypatch.setenv("CONCIERGE_CACHE_KEY", secrets.token_hex(32))
    monkeypatch.delenv("CONCIERGE_PASSWORD", raising=False)
    monkeypatch.delenv("CONCIERGE_TOKEN", raising=False)
    service = DemoService(seed=SEED, open_enquiries=40, speed=0)
    url = service.start()
    session = start_session(session_factory, qapp, url, tmp_path / "cache.db")
    assert session.window is not None and session.secrets is not None
    window = session.window
    name = f"refresh_token:supervisor@{url}"
    try:
        qtbot.waitUntil(lambda: window.connection.text_shown().startswith("Signed out"), timeout=10_000)
        with ApiClient(ApiSettings(url)) as api:
            tokens = api.login("supervisor", "demo-supervisor")
        session.signed_in(tokens)
        qtbot.waitUntil(lambda: window.connection.text_shown() == "Live", timeout=15_000)
        assert session.secrets.get(name) == tokens.refresh_token  # in the secret store (or memory)
        assert tokens.refresh_token
        for path in tmp_path.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert tokens.access_token.encode() not in data, path
                assert tokens.refresh_token.encode() not in data, path
    finally:
        session.secrets.delete(name)
        session.stop_sync()
        service.stop()


def test_site_time_zone_follows_the_social_team() -> None:
    from console.domain.model import Calendar, Team
    from console.live.metrics import site_time_zone

    cals = {"uk": Calendar("uk", "UK", "Europe/London"), "bad": Calendar("bad", "Bad", "Mars/Olympus")}
    teams = [Team("cards", "Cards", "specialist", (), "bad"), Team("social", "Social", "social", (), "uk")]
    assert site_time_zone(teams, cals) == "Europe/London"
    assert site_time_zone(teams[:1], cals) == "UTC"  # an unknown zone is never used
    assert site_time_zone([], {}) == "UTC"


@pytest.mark.expected_log(r"^quarantined ", logger="concierge.store")
def test_damaged_records_are_set_aside_with_a_message(
    qtbot: QtBot,
    qapp: QApplication,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    session_factory: list[Session],
) -> None:
    monkeypatch.setenv("CONCIERGE_CACHE_KEY", secrets.token_hex(32))
    monkeypatch.setenv("CONCIERGE_PASSWORD", "demo-supervisor")
    service = DemoService(seed=SEED, open_enquiries=120, speed=0, faults="invalid=1")
    url = service.start()
    try:
        session = start_session(session_factory, qapp, url, tmp_path / "cache.db")
        assert session.window is not None and session.controller is not None
        bar = session.window.statusBar()
        qtbot.waitUntil(lambda: "set aside" in bar.currentMessage(), timeout=15_000)
        # Everything good still arrives; the damaged ones heal when fetched again.
        qtbot.waitUntil(lambda: session.controller is not None and session.controller.model.total_count() > 0)
    finally:
        session.stop_sync()
        service.stop()


def test_background_jobs_after_shutdown_do_nothing(qtbot: QtBot) -> None:
    """Closing the window while the cache is still loading must not call back into a closed window."""
    from PySide6.QtCore import QCoreApplication

    from widgets.app.workers import BackgroundJobs

    jobs = BackgroundJobs()
    release = threading.Event()
    calls: list[object] = []
    running = jobs.submit(release.wait, calls.append, calls.append)
    jobs.shutdown()
    late = jobs.submit(lambda: 1, calls.append, calls.append)  # refused quietly, no exception
    assert late.cancelled()
    release.set()
    running.result(timeout=5)
    QCoreApplication.processEvents()  # the job's answer, had it been sent, is queued by now: deliver it
    assert calls == []


class PaintSpy(QObject):
    """What the GIL's hand-over was set to while a widget painted."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[float, int | None]] = []
        self.busy: list[bool] = []  # the workers' loops were giving way (console.courtesy)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.seen.append((sys.getswitchinterval(), timer_slack_ns()))
            self.busy.append(ui_is_busy())
        return False


def test_the_window_paints_with_the_gil_handed_to_it_at_once(qtbot: QtBot) -> None:
    # A paint calls from Qt into Python once per cell; while the jobs thread ran, each call waited ~0.15 ms
    # for the GIL. While the window paints, other threads hand it over within ~10 us; then all is as before.
    window = MainWindow(QueueModel())
    qtbot.addWidget(window)
    spy = PaintSpy()
    window.queue_view.viewport().installEventFilter(spy)
    window.show()
    qtbot.waitUntil(lambda: bool(spy.seen), timeout=5_000)  # shown: painted as the window was exposed
    spy.seen.clear()
    spy.busy.clear()
    interval, slack = sys.getswitchinterval(), timer_slack_ns()
    window.queue_view.viewport().update()  # painted in the window's next UpdateRequest
    qtbot.waitUntil(lambda: bool(spy.seen), timeout=5_000)
    assert spy.seen[0][0] == pytest.approx(PAINT_SWITCH_INTERVAL_S, rel=0.05)
    if slack is not None:  # Linux: the UI thread's waits for the GIL end within a microsecond
        assert spy.seen[0][1] == PAINT_TIMER_SLACK_NS
    assert spy.busy[0]  # the workers' long loops wait for the paint
    assert (sys.getswitchinterval(), timer_slack_ns()) == (interval, slack) and not ui_is_busy()
