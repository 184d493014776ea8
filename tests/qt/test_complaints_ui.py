"""Complaints in the running console (demo service on 127.0.0.1, its own encrypted cache): a proposal
shows its words in the detail pane; Confirm and Not a complaint are written to the audit trail before the
console treats the enquiry as decided, and reach the service (which keeps them on the enquiry); the flags
cell, the navigator's views and the pane follow. The complaint box on its own: plain text, privacy,
buttons per state. The queue model with the clocks in its flags cells passes qtmodeltester."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from console.domain import wire
from console.domain.complaints import default_rules
from console.domain.complaints.status import BY_SERVICE, BY_SUPERVISOR, NOT_COMPLAINT, PROPOSED, Decision
from console.live.complaints import ComplaintDesk
from console.store.cache import StoreReader
from tests.helpers.detail import NOW, enq
from tests.helpers.queue import Feed, make_model, open_rows
from widgets.app.session import Session
from widgets.detail.complaint_box import ComplaintBox
from widgets.queue.text import Col

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")  # offscreen


@pytest.fixture
def session(demo_session: Session) -> Session:
    return demo_session  # the console on its demo service (tests/qt/conftest.py)


def audit_actions(session: Session) -> list[tuple[str, str]]:
    with StoreReader(session._cache, session._key) as reader:
        assert reader.verify_audit() is None
        return [(a.action, a.subject) for a in reader.audit_entries()]


def service_decision(session: Session, ident: str) -> str | None:
    assert session.service is not None
    made = session.service.snapshot()[ident].get("complaint_decision")
    return None if made is None else str(made["decision"])


@pytest.mark.expected_log(r"^calendar 'social' is unknown", logger="concierge.sla")
def test_confirm_and_dismiss_are_audited_and_every_view_follows(qtbot: QtBot, session: Session) -> None:
    window, c = session.window, session.controller
    assert window is not None and c is not None
    qtbot.waitUntil(session.synced, timeout=30_000)
    qtbot.waitUntil(lambda: c.window.nav_model.count("all") == c.model.total_count(), timeout=10_000)
    desk = c.reference.complaints
    proposed = [e for e in c.model.all_enquiries() if desk.state(e) == PROPOSED]
    assert proposed, "the demo floor has unflagged angry threads"
    e = proposed[0]
    c.select(e.id)
    box = window.detail.complaint
    assert box.isVisible() and box.label.text().startswith("Possible complaint")
    assert not box.confirm.isHidden() and not box.dismiss.isHidden()
    row = c.model.row_of(e.id)
    assert row is not None
    assert "Complaint?" in c.model.index(row, Col.FLAGS).data()
    confirmed_before = c.window.nav_model.count("view:complaints") or 0

    box.confirm.click()
    qtbot.waitUntil(lambda: ("complaint.confirmed", e.id) in audit_actions(session), timeout=10_000)
    qtbot.waitUntil(lambda: c.reference.complaints.state(e) == BY_SUPERVISOR, timeout=5_000)
    assert box.label.text().startswith("Confirmed as a complaint (decided by supervisor")
    assert box.confirm.isHidden() and not box.dismiss.isHidden()
    row = c.model.row_of(e.id)
    assert row is not None
    flags = c.model.index(row, Col.FLAGS).data()
    assert flags.startswith("Complaint ") and "left" in flags
    clocks = window.detail.clocks
    names = [item.text(0) for i in range(clocks.topLevelItemCount()) if (item := clocks.topLevelItem(i))]
    assert any("Summary resolution" in n or "Response (15 days)" in n or "payment" in n for n in names)
    qtbot.waitUntil(lambda: (c.window.nav_model.count("view:complaints") or 0) == confirmed_before + 1)
    # Sent through the outbox: the service keeps it on the enquiry (so every console counts the same),
    # and the pane stops saying it is on its way.
    qtbot.waitUntil(lambda: service_decision(session, e.id) == "confirmed", timeout=10_000)
    qtbot.waitUntil(lambda: "not yet with the service" not in box.label.text(), timeout=10_000)
    # Dated on the service's clock as the console measured it (not the PC's), as its audit entry is.
    assert session.service is not None
    made = session.service.snapshot()[e.id]["complaint_decision"]
    with StoreReader(session._cache, session._key) as reader:
        entry = [a for a in reader.audit_entries() if (a.action, a.subject) == ("complaint.confirmed", e.id)]
    assert made["decided_at"] == wire.iso(entry[-1].at)
    assert abs(entry[-1].at - session.service.server_now()) < 120

    box.dismiss.click()
    qtbot.waitUntil(lambda: ("complaint.dismissed", e.id) in audit_actions(session), timeout=10_000)
    qtbot.waitUntil(lambda: c.reference.complaints.state(e) == NOT_COMPLAINT, timeout=5_000)
    assert box.label.text().startswith("Not a complaint (decided by supervisor")
    assert not box.confirm.isHidden()
    row = c.model.row_of(e.id)
    assert row is not None
    assert "Complaint" not in c.model.index(row, Col.FLAGS).data()
    qtbot.waitUntil(lambda: service_decision(session, e.id) == "dismissed", timeout=10_000)


def test_the_box_is_plain_text_respects_privacy_and_offers_what_can_be_decided(qtbot: QtBot) -> None:
    box = ComplaintBox()
    qtbot.addWidget(box)
    box.show()
    e = enq(text="<b>disgraceful</b>")
    box.show_state(
        e, PROPOSED, ("<b>disgraceful</b>", "4111 1111 1111 1111 again"), None, privacy="partial", tz="UTC"
    )
    assert box.label.textFormat() == Qt.TextFormat.PlainText
    assert "“<b>disgraceful</b>”" in box.label.text()
    assert "4111 1111 1111 1111" not in box.label.text()  # masked in partial mode
    box.show_state(e, PROPOSED, ("disgraceful",), None, privacy="masked", tz="UTC")
    assert box.label.text() == "Possible complaint."
    box.show_state(e, BY_SERVICE, (), None, privacy="full", tz="UTC")
    assert box.confirm.isHidden() and box.dismiss.isHidden() and box.isVisible()
    box.show_state(e, NOT_COMPLAINT, (), None, privacy="full", tz="UTC")
    assert box.isHidden()
    seen: list[tuple[str, str]] = []
    box.decided.connect(lambda i, d: seen.append((i, d)))
    box.show_state(e, NOT_COMPLAINT, (), Decision(e.id, "dismissed", NOW, "sam"), privacy="full", tz="UTC")
    assert box.isVisible() and not box.confirm.isHidden() and box.dismiss.isHidden()
    box.confirm.click()
    assert seen == [(e.id, "confirmed")]
    # Still in the outbox: the pane says so; once the service has it, it does not.
    waiting = Decision(e.id, "confirmed", NOW, "sam", pending=True)
    box.show_state(e, BY_SUPERVISOR, (), waiting, privacy="full", tz="UTC")
    assert "not yet with the service" in box.label.text()
    box.show_state(e, BY_SUPERVISOR, (), Decision(e.id, "confirmed", NOW, "sam"), privacy="full", tz="UTC")
    assert box.label.text().startswith("Confirmed as a complaint") and "not yet" not in box.label.text()


def test_the_queue_model_with_complaint_clocks_passes_the_model_tester(
    qtbot: QtBot, feed: Feed, qtmodeltester: Any
) -> None:
    model = make_model(feed, open_rows(feed)[:300])
    desk = ComplaintDesk(default_rules(), "uk")
    model.set_flag_cells(lambda e, base, now, tz: desk.flag_cell(e, base, now, tz))
    qtmodeltester.check(model, force_py=True)
    spans: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, roles=(): spans.append((a.column(), b.column())))
    model.tick(0, 9)
    # The countdowns in the flags cells move each tick too; the risk follows the clocks' states. Each clock
    # column on its own: the channel, customer and topic between them are not repainted.
    assert spans == [(c, c) for c in (Col.SLA, Col.AGE, Col.FLAGS, Col.RISK)]
    texts = [model.index(r, Col.FLAGS).data() for r in range(model.rowCount())]
    assert any(t.startswith("Complaint") for t in texts)
    tips = [
        model.index(r, Col.FLAGS).data(Qt.ItemDataRole.ToolTipRole) or "" for r in range(model.rowCount())
    ]
    assert any("Complaint: flagged by the bank" in t for t in tips)  # escaped for the rich-text tooltip
