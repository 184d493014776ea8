"""The thread rule: receivers of the sync thread's signals run on the UI thread, and the two paths that
broke when they did not (ISSUE 11): a session the service revokes brings up the sign-in dialog; a
wallboard whose service goes away and comes back resumes by itself. Real reference service on
127.0.0.1, real encrypted caches, real sync threads, real Qt (offscreen)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from console.api.client import ApiClient, ApiSettings
from console.platform.credentials import SecretStore
from console.service.server import DemoService
from console.sync import backoff, runner
from tests.helpers.thread_rule import ThreadRule
from tests.helpers.wallboard import free_port, start_wallboard
from widgets.app.dialogs import LoginDialog
from widgets.app.session import Session, SessionConfig
from widgets.main_window.controller import Controller
from widgets.wallboard import session as wallboard_session
from widgets.wallboard.session import WallboardSession
from widgets.wallboard.views import LiveViews

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")  # offscreen


class _Emitter(QObject):
    """Like the old SyncWorker: moved to its own QThread, emitting from there."""

    ping = Signal()

    @Slot()
    def run(self) -> None:
        self.ping.emit()


class _Receiver(QObject):
    @Slot()
    def on_ping(self) -> None:
        pass


class _Plain:
    def on_ping(self) -> None:
        pass


def test_the_helper_catches_a_plain_object_receiving_a_worker_signal(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The defect's shape: a method of a plain object connected to the signal of a worker living on
    another thread runs on that thread; a QObject made on the UI thread gets the call queued."""
    rule = ThreadRule(monkeypatch)
    rule.watch(_Plain, "on_ping")
    rule.watch(_Receiver, "on_ping")
    thread = QThread()
    thread.setObjectName("worker")
    emitter, plain, receiver = _Emitter(), _Plain(), _Receiver()
    emitter.moveToThread(thread)
    emitter.ping.connect(plain.on_ping)
    emitter.ping.connect(receiver.on_ping)
    thread.started.connect(emitter.run)
    thread.start()
    try:
        qtbot.waitUntil(lambda: rule.calls["_Receiver.on_ping"] == 1, timeout=5_000)
    finally:
        thread.quit()
        assert thread.wait(5_000)
    assert rule.calls["_Plain.on_ping"] == 1
    assert [label for label, _ in rule.offenders] == ["_Plain.on_ping"]
    with pytest.raises(pytest.fail.Exception, match=r"_Plain.on_ping ran on thread"):
        rule.check()


def _login_dialogs(session: Session) -> list[LoginDialog]:
    assert session.window is not None
    return [d for d in session.window.findChildren(LoginDialog) if d.isVisible()]


@pytest.mark.expected_log(r"retrying in .*Cannot reach|token refresh .* was refused", logger="concierge.api")
def test_a_revoked_session_brings_up_the_sign_in_dialog(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, thread_rule: ThreadRule
) -> None:
    thread_rule.watch(Session, "_on_state", "_on_writer", "_on_worker_finished")
    thread_rule.watch(Controller, "on_changes", "on_state", "on_outbox", "on_failed")
    monkeypatch.setenv("CONCIERGE_CACHE_KEY", secrets.token_hex(32))
    monkeypatch.delenv("CONCIERGE_PASSWORD", raising=False)  # nothing to sign in with quietly
    monkeypatch.delenv("CONCIERGE_TOKEN", raising=False)
    service = DemoService(seed=7, open_enquiries=40, speed=0)
    url = service.start()
    # Yesterday's sign-in: a refresh token in the secret store (memory here: no desktop keyring).
    store = SecretStore("concierge-test", None, "memory", None)
    with ApiClient(ApiSettings(url)) as api:
        tokens = api.login("supervisor", "demo-supervisor")
    assert tokens.refresh_token
    store.set(f"refresh_token:supervisor@{url}", tokens.refresh_token)
    config = SessionConfig(api_url=url, demo=False, cache_path=tmp_path / "cache.db", username="supervisor")
    session = Session(qapp, config, secret_store=store)
    try:
        session.start()
        window = session.window
        assert window is not None
        qtbot.waitUntil(lambda: window.connection.text_shown() == "Live", timeout=20_000)
        assert not _login_dialogs(session)

        # An administrator signs the supervisor out everywhere; the next call of the sync thread is refused.
        assert service.tokens.revoke("supervisor") >= 2
        service.add_enquiry(text="wakes the long-poll")
        qtbot.waitUntil(lambda: bool(_login_dialogs(session)), timeout=20_000)
        assert window.connection.text_shown().startswith("Signed out")
        assert store.get(f"refresh_token:supervisor@{url}") is None  # the spent token is gone
        assert len(_login_dialogs(session)) == 1

        # Signing in through the dialog brings the console back to live.
        dialog = _login_dialogs(session)[0]
        dialog.password.setText("demo-supervisor")
        dialog.submit()
        qtbot.waitUntil(lambda: not _login_dialogs(session), timeout=10_000)
        qtbot.waitUntil(lambda: window.connection.text_shown() == "Live", timeout=20_000)
    finally:
        session.stop()
        service.stop()
    assert thread_rule.calls["Session._on_state"] > 0 and thread_rule.calls["Controller.on_changes"] > 0


def _no_dialogs(app: QApplication) -> bool:
    return not any(isinstance(w, (QDialog, QMessageBox)) and w.isVisible() for w in app.topLevelWidgets())


@pytest.mark.expected_log(r"retrying in .*Cannot reach|token refresh .* was refused", logger="concierge.api")
@pytest.mark.expected_log(r"(no longer knows|forgot) our feed cursor", logger="concierge.sync")
# The tiles' alerts it logs depend on the simulated floor's moment (levels are ranked, so relative).
@pytest.mark.expected_log(r"ALERT|: Watch \(", logger="concierge.ui.wallboard")
def test_a_wallboard_whose_service_goes_down_and_comes_back_resumes_by_itself(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, thread_rule: ThreadRule
) -> None:
    thread_rule.watch(WallboardSession, "_on_wall_state", "_on_failed", "_on_writer", "_on_worker_finished")
    thread_rule.watch(LiveViews, "on_changes", "on_state")
    monkeypatch.setattr(backoff, "OFFLINE_AFTER_S", 0.5)
    monkeypatch.setattr(backoff, "CAP_S", 0.5)
    port = free_port()
    service = DemoService(seed=5, open_enquiries=60, speed=0, port=port)
    service.start()
    session = start_wallboard(qapp, f"http://127.0.0.1:{port}", tmp_path / "wall.db", monkeypatch)
    back: DemoService | None = None
    try:
        views = session.views
        assert views is not None and views.wallboard is not None
        board = views.wallboard
        qtbot.waitUntil(lambda: board.status.text().startswith("Live"), timeout=20_000)

        # The service goes away: the board says so on its status line, never in a dialog.
        service.stop()
        qtbot.waitUntil(lambda: board.status.text().startswith(("Offline", "Reconnecting")), timeout=20_000)
        assert _no_dialogs(qapp)

        # It comes back on the same address, restarted: it knows neither the board's session nor its
        # feed cursor. The board signs in again with its account and goes live by itself.
        back = DemoService(seed=5, open_enquiries=60, speed=0, port=port)
        back.start()
        qtbot.waitUntil(lambda: board.status.text().startswith("Live"), timeout=30_000)
        assert _no_dialogs(qapp)
        assert session.worker is not None and not session.worker.ended  # the same loop, resumed
        added = back.add_enquiry(text="after the restart")
        feed = views.feed
        assert feed is not None
        qtbot.waitUntil(lambda: feed.latest is not None and feed.latest.open >= 61, timeout=20_000)
        assert added["id"]
    finally:
        session.stop()
        if back is not None:
            back.stop()
    assert thread_rule.calls["WallboardSession._on_wall_state"] > 0
    assert thread_rule.calls["LiveViews.on_changes"] > 0


@pytest.mark.expected_log(r"sync loop ended with an error", logger="concierge.ui.workers", level="ERROR")
@pytest.mark.expected_log(r"Sync stopped .*restarting", logger="concierge.ui.wallboard")
def test_a_wallboard_whose_sync_loop_dies_says_so_and_starts_it_again(
    qtbot: QtBot,
    qapp: QApplication,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    thread_rule: ThreadRule,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The loop dies of an error no retry covers (a disk that fails under the cache, here the first
    maintenance pass): the board says so and, on the UI thread's timer, starts the sync again."""
    thread_rule.watch(WallboardSession, "_on_wall_state", "_on_failed", "_on_worker_finished")
    failures: list[int] = []

    def disk_fails_once(store: object, days: int, stop: object) -> None:
        if not failures:
            failures.append(days)
            raise OSError("disk I/O error")

    monkeypatch.setattr(runner, "maintain", disk_fails_once)
    monkeypatch.setattr(wallboard_session, "RESTART_MS", 200)
    service = DemoService(seed=5, open_enquiries=30, speed=0)
    url = service.start()
    session = start_wallboard(qapp, url, tmp_path / "wall.db", monkeypatch)
    try:
        views = session.views
        assert views is not None and views.wallboard is not None
        board = views.wallboard
        qtbot.waitUntil(lambda: thread_rule.calls["WallboardSession._on_failed"] == 1, timeout=10_000)
        # On the status line until the next figures replace it (they may already have): see the log too.
        said = "Sync stopped (disk I/O error); restarting"
        assert said in board.status.text() or said in caplog.text
        qtbot.waitUntil(lambda: board.status.text().startswith("Live"), timeout=20_000)
        assert _no_dialogs(qapp) and failures == [365]
    finally:
        session.stop()
        service.stop()
