"""Signals of risk on screen (issue 17): the queue's Risk column (sortable, reasons on hover), the saved
view "At risk of escalation", the detail pane's risk line, channel history and reply notes, and the shift
report's Care and quality tab."""

from __future__ import annotations

import html
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.domain.risk.score import AT_RISK
from console.live.metrics import saved_views
from console.live.risk import RiskBook
from tests.helpers.queue import Feed, column, make_model, plain_of_tooltip
from widgets.app.session import Session
from widgets.queue.text import COLUMNS, Col

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
TOOLTIP = Qt.ItemDataRole.ToolTipRole


@pytest.fixture(autouse=True)
def _app(qapp: Any) -> Any:
    return qapp


def _book(feed: Feed) -> RiskBook:
    return RiskBook.build([(e.customer_handle, e.created_at) for e in feed.rows.values()])


def test_the_risk_column_shows_the_score_and_its_reasons_and_sorts_highest_first(feed: Feed, qtmodeltester):
    model = make_model(feed)
    model.set_risk_book(_book(feed))
    assert COLUMNS[Col.RISK] == "Risk"
    qtmodeltester.check(model)
    model.sort(Col.RISK)
    scores = []
    for row in range(model.rowCount()):
        e = model.enquiry_at(row)
        assert e is not None
        risk = model.risk_of(e.id)
        assert risk is not None
        expected = risk.score if risk.score else None
        text = model.index(row, Col.RISK).data()
        assert text == (f"{risk.score} · {risk.level}" if expected else "")
        scores.append(risk.score)
    assert scores == sorted(scores, reverse=True) and scores[0] >= AT_RISK  # the demo floor has risk
    tip = plain_of_tooltip(model.index(0, Col.RISK).data(TOOLTIP))
    top = model.risk_of(model.enquiry_at(0).id)  # type: ignore[union-attr]
    assert top is not None and tip.startswith(f"Escalation risk {top.score} ({top.level})")
    assert all(f"• {r}" in tip for r in top.reasons)


def test_a_new_book_rescores_and_resorts_the_column(feed: Feed):
    model = make_model(feed)
    model.sort(Col.RISK)
    target = next(e for e in feed.rows.values() if e.is_open and e.visibility == "private" and not e.flags)
    before = model.risk_of(target.id)
    assert before is not None
    # Three earlier enquiries from the same customer this week: the row gains the reason and moves up.
    earlier = [(target.customer_handle, target.created_at - k * 3600) for k in (1, 2, 3)]
    model.set_risk_book(RiskBook.build([*earlier, (target.customer_handle, target.created_at)]))
    after = model.risk_of(target.id)
    assert after is not None and after.score > before.score
    assert "wrote to us 3 times before within 7 days +25" in [str(r) for r in after.reasons]
    scores = [model.risk_of(e.id).score for e in (model.enquiry_at(r) for r in range(model.rowCount())) if e]  # type: ignore[union-attr]
    assert scores == sorted(scores, reverse=True)


def test_hostile_text_stays_out_of_the_risk_tooltip(feed: Feed):
    e = next(x for x in feed.rows.values() if x.is_open)
    hostile = replace(e, customer_handle="<b>@x</b>", text="<img src=x> I am furious, this is awful!!")
    model = make_model(feed, [hostile])
    tip = model.index(0, Col.RISK).data(TOOLTIP)
    # the reasons are the console's own words: no customer text reaches the (rich-text) tooltip
    assert tip.startswith("<p") and "<img" not in html.unescape(tip) and "@x" not in tip


def test_the_saved_view_holds_the_enquiries_at_risk(feed: Feed):
    model = make_model(feed)
    model.set_risk_book(_book(feed))

    def risk(e: Any) -> int:
        r = model.risk_of(e.id)
        return 0 if r is None else r.score

    views = {v.key: v for v in saved_views(feed.now, lambda e: None, risk)}
    assert views["at_risk"].label == "At risk of escalation"
    model.set_filter("", views["at_risk"].predicate)
    shown = column(model, Col.RISK)
    assert model.visible_count() > 0
    assert all(int(t.split(" ")[0]) >= AT_RISK for t in shown)
    expected = sum(1 for e in feed.rows.values() if e.is_open and risk(e) >= AT_RISK)
    assert model.visible_count() == expected
    assert "at_risk" not in {v.key for v in saved_views(feed.now, lambda e: None)}  # no scores, no view


def test_the_detail_pane_explains_the_risk_and_the_channel_history(demo_session: Session, qtbot: QtBot):
    window, controller = demo_session.window, demo_session.controller
    assert window is not None and controller is not None
    qtbot.waitUntil(demo_session.synced, timeout=30_000)
    model = controller.model
    # a public post on a platform with DMs: in the demo many move to a DM (the enquiry stays public: where
    # it began, which chose its SLA policy)
    candidates = [
        e.id
        for e in (model.enquiry_at(r) for r in range(model.rowCount()))
        if e is not None and e.visibility == "public" and e.channel in ("x", "facebook", "instagram")
    ]
    assert candidates
    pane = window.detail
    for ident in candidates[:60]:
        controller.select(ident)

        def fetched(i: str = ident) -> bool:  # with its notes: a cached preview shows first, without them
            return pane.current_id() == i and " mood " in pane.conversation.toPlainText()

        qtbot.waitUntil(fetched, timeout=10_000)
        if "Channels:" in pane.risk_line.text():
            break
    line = pane.risk_line.text()
    assert line.startswith("Escalation risk")
    assert "Channels: " in line and "public → " in line
    conversation = pane.conversation.toPlainText()
    assert "· public · mood " in conversation  # each customer message: where, and the mood
    assert "same channel" in conversation  # each reply: what it did
    risk = model.risk_of(pane.current_id() or "")
    assert risk is not None and (not risk.reasons or str(risk.reasons[0]) in line)


def test_the_report_viewer_shows_consumer_duty_and_quality(qtbot: QtBot, qapp: QApplication):
    from console.domain.model import Message, Shift
    from console.reports.care.consumer_duty import compute_consumer_duty
    from console.reports.care.quality import compute_quality
    from console.reports.compute import compute_shift_report
    from tests.helpers.store import T0, make_enquiry
    from widgets.reports.panel import ReportPanel

    rows = [
        make_enquiry(
            i, created_at=T0 + i, first_response_at=T0 + i + 60, resolved_at=T0 + 3600, status="resolved"
        )
        for i in range(1, 8)
    ]
    rows[0].outcome = {"thanked": True}
    messages = {
        rows[0].id: [
            Message("m1", rows[0].id, "in", "@c", "Help", T0 + 1, "x", "public"),
            Message(
                "m2", rows[0].id, "out", "Sam", "Thanks for asking! Anything else?", T0 + 61, "x", "public"
            ),
        ]
    }

    class Engine:
        def clocks(self, e: Any) -> list[Any]:
            return []

    shift = Shift("s", "Early", "Leeds", T0, T0 + 8 * 3600, ())
    report = compute_shift_report(shift, rows, [], [], [], [], Engine(), T0 + 8 * 3600)
    duty = compute_consumer_duty(rows, Engine(), team_ids=(), start=T0, end=shift.end, cutoff=shift.end)
    quality = compute_quality(rows, messages, str, team_ids=(), start=T0, cutoff=shift.end)
    panel = ReportPanel(ZoneInfo("UTC"))
    qtbot.addWidget(panel)
    panel.set_report(replace(report, consumer_duty=duty, quality=quality))
    assert panel.tabs.tabText(panel.tabs.count() - 1) == "Care and quality"
    care = panel.care
    assert care.duty.rowCount() == 2 and care.duty.index(0, 0).data() == "Customers flagged vulnerable"
    assert "vulnerable" in care.verdict.text()
    assert "1 of the shift's 7 resolved" in care.coverage.text()
    who = [care.quality.index(r, 0).data() for r in range(care.quality.rowCount())]
    assert who[0] == "Whole shift" and "Sam" in who
    shift_row = [care.quality.index(0, c).data() for c in range(care.quality.columnCount())]
    assert "100.0% (1/1) · service 100.0%, agree 100.0%" in shift_row
    panel.set_report(report)  # a report made before these sections
    assert care.duty.rowCount() == 0 and "Not in this report" in care.verdict.text()
