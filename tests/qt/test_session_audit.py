"""A running console (demo service on 127.0.0.1, its own encrypted cache): a reveal in the detail pane is
written to the audit trail (by the sync thread) before the enquiry shows unmasked; a sign-in is audited;
Reports > Shift reports… opens the viewer from the read-only cache connection."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.platform.credentials import SecretStore
from console.store.cache import StoreReader
from console.store.reports import stored_reports
from console.sync.shift_close import GRACE_S, MAX_AGE_S
from widgets.app.session import Session, SessionConfig
from widgets.app.workers import SyncWorker

SHOTS = Path("/tmp/shots")
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")  # offscreen


@pytest.fixture
def session(qapp: QApplication) -> Iterator[Session]:
    config = SessionConfig(api_url=None, demo=True, demo_open=60, demo_speed=0.0, headless=True)
    s = Session(qapp, config, secret_store=SecretStore("test", None, "memory", None))
    s.start()
    yield s
    s.stop()


def audit_actions(session: Session) -> list[tuple[str, str, str]]:
    with StoreReader(session._cache, session._key) as reader:
        assert reader.verify_audit() is None
        return [(a.actor, a.action, a.subject) for a in reader.audit_entries()]


def test_a_reveal_is_audited_before_the_enquiry_shows_unmasked(qtbot: QtBot, session: Session) -> None:
    window, controller = session.window, session.controller
    assert window is not None and controller is not None
    qtbot.waitUntil(session.synced, timeout=30_000)
    qtbot.waitUntil(lambda: session.syncer is not None, timeout=10_000)
    first = controller.model.enquiry_at(0)
    assert first is not None
    controller.select(first.id)
    detail = window.detail
    assert detail.reveal_button.isVisible() or not detail.reveal_button.isHidden()
    assert first.customer_handle not in detail.title.text()  # partial privacy: the handle is shortened
    SHOTS.mkdir(exist_ok=True)
    window.grab().save(str(SHOTS / "detail-before-reveal.png"))
    detail.reveal_button.click()
    qtbot.waitUntil(lambda: ("supervisor", "reveal", first.id) in audit_actions(session), timeout=10_000)
    qtbot.waitUntil(lambda: first.customer_handle in detail.title.text(), timeout=5_000)
    assert detail.reveal_button.isHidden()
    window.grab().save(str(SHOTS / "detail-after-reveal.png"))
    # Another enquiry stays masked: the reveal was for one enquiry.
    other = controller.model.enquiry_at(1)
    assert other is not None
    controller.select(other.id)
    assert other.customer_handle not in detail.title.text() and not detail.reveal_button.isHidden()


def test_sign_in_is_audited_and_the_report_viewer_opens_offline(qtbot: QtBot, session: Session) -> None:
    assert session.window is not None
    qtbot.waitUntil(session.synced, timeout=30_000)
    assert session.tokens is not None
    session.signed_in(session.tokens)
    qtbot.waitUntil(lambda: ("supervisor", "login", "supervisor") in audit_actions(session), timeout=10_000)

    # The new sync closes the demo's ended shifts (the cache was synced past their ends): wait for them.
    # Live: the new syncer has measured the server's clock (the demo's runs days behind this one).
    qtbot.waitUntil(
        lambda: session.syncer is not None and session.syncer.state.state == "live", timeout=10_000
    )
    assert session.syncer is not None
    now = session.syncer.api.now()
    with StoreReader(session._cache, session._key) as reader:
        ended = {s.id for s in reader.shifts() if now - MAX_AGE_S <= s.end <= now - GRACE_S}
        assert ended
        qtbot.waitUntil(lambda: {r.shift_id for r in stored_reports(reader)} == ended, timeout=20_000)
        stored = stored_reports(reader)
    session.window.reportsRequested.emit()
    viewer = session.reports
    assert viewer is not None and viewer.isVisible()
    assert [s.shift_id for s in viewer.stored] == [s.shift_id for s in stored]
    assert viewer.panel.report is not None and viewer.panel.report.shift_id == stored[0].shift_id


def restarted(session: Session, old: SyncWorker) -> bool:
    return session.worker is not None and session.worker is not old


def test_each_sign_in_restarts_the_sync_and_frees_the_old_worker_only_once_its_thread_has_exited(
    qtbot: QtBot, session: Session
) -> None:
    # A worker deleted while its thread was still emitting `finished` lost the rest of that emission,
    # the session's restart included: after a sign-in the console stayed without a sync thread.
    qtbot.waitUntil(session.synced, timeout=30_000)
    assert session.tokens is not None
    exited_when_freed: list[bool] = []
    for _ in range(5):
        qtbot.waitUntil(lambda: session.syncer is not None and session.syncer.state.state == "live")
        old = session.worker
        assert old is not None
        old.destroyed.connect(lambda *_, w=old: exited_when_freed.append(w.exited))
        session.signed_in(session.tokens)
        qtbot.waitUntil(partial(restarted, session, old), timeout=10_000)
    qtbot.waitUntil(lambda: len(exited_when_freed) == 5, timeout=10_000)
    assert exited_when_freed == [True] * 5
