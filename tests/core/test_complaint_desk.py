"""The live floor's view of complaints and reply windows: the flags cell, the detail pane's clock lines,
the saved views, the wallboard's counts, and the audit detail of a decision."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from console.domain.complaints import default_rules
from console.domain.complaints.detect import propose
from console.domain.complaints.status import (
    BY_SUPERVISOR,
    NOT_COMPLAINT,
    PROPOSED,
    Decision,
    complaints_calendar,
)
from console.domain.model import ComplaintDecision, Enquiry, Team
from console.live.complaints import (
    COMPLAINTS_VIEW,
    PROPOSED_VIEW,
    WINDOW_VIEW,
    ComplaintCounts,
    ComplaintDesk,
    decision_detail,
)
from console.sla.defaults import default_calendars
from tests.helpers.store import make_enquiry

LONDON = ZoneInfo("Europe/London")
TZ = "Europe/London"


def at(*parts: int) -> float:
    return datetime(*parts, tzinfo=LONDON).timestamp()  # type: ignore[misc, arg-type]


RECEIVED = at(2026, 9, 4, 16, 0)  # Friday


def desk(decisions: dict[str, Decision] | None = None) -> ComplaintDesk:
    calendars = {c.id: c for c in default_calendars()}
    return ComplaintDesk(default_rules(), "uk", calendars["business"], decisions)


def flagged(i: int, **kw: Any) -> Enquiry:
    base: dict[str, Any] = dict(
        topic="accounts", flags=frozenset({"complaint"}), first_customer_message_at=RECEIVED,
        channel="x", visibility="public", text="hi",
    )  # fmt: skip
    base.update(kw)
    return make_enquiry(i, **base)


def test_a_flagged_complaint_shows_its_nearest_clock_in_the_flags_cell():
    e = flagged(1)
    cell = desk().flag_cell(e, "Complaint", RECEIVED + 3600, TZ)
    assert cell.text == "Complaint 5 d left"
    assert cell.state is None  # on track: not coloured
    assert "flagged by the bank's systems" in cell.tip
    assert "Summary resolution (3 business days): 5 d left · due Wed 17:00" in cell.tip


def test_a_proposal_is_marked_and_a_dismissal_clears_it():
    e = make_enquiry(1, text="absolutely disgraceful service", channel="x", visibility="public")
    assert desk().flag_cell(e, "", RECEIVED, TZ).text == "Complaint?"
    gone = desk({e.id: Decision(e.id, "dismissed", RECEIVED, "sam")})
    assert gone.flag_cell(e, "", RECEIVED, TZ).text == ""
    kept = desk({e.id: Decision(e.id, "confirmed", RECEIVED, "sam")})
    cell = kept.flag_cell(e, "", RECEIVED, TZ)
    assert cell.text.startswith("Complaint ") and "confirmed by a supervisor" in cell.tip


def test_another_consoles_decision_counts_from_the_enquiry_and_ours_shows_while_on_its_way():
    e = make_enquiry(1, text="absolutely disgraceful service", channel="x", visibility="public")
    theirs = replace(
        e, complaint_decision=ComplaintDecision("confirmed", "", "sam", RECEIVED, ("disgraceful",))
    )
    d = desk()  # this console decided nothing: the service's copy (from the feed) counts
    assert d.state(theirs) == BY_SUPERVISOR and d.clocks(theirs)
    assert d.flag_cell(theirs, "", RECEIVED, TZ).text.startswith("Complaint ")
    # Ours, still in the outbox, shows at once; once sent (not pending) the service's copy counts again.
    mine = Decision(e.id, "dismissed", RECEIVED + 60, "ana", pending=True)
    assert desk({e.id: mine}).state(theirs) == NOT_COMPLAINT
    assert desk({e.id: replace(mine, pending=False)}).state(theirs) == BY_SUPERVISOR


def test_a_whatsapp_dm_shows_its_window_and_warns_before_it_closes():
    last = at(2026, 6, 1, 12, 0)
    e = make_enquiry(1, channel="whatsapp", visibility="private", last_customer_message_at=last, text="hi")
    d = desk()
    assert d.flag_cell(e, "", last + 3600, TZ).text == "Window 23 h left"
    closing = d.flag_cell(e, "", last + 23 * 3600, TZ)
    assert closing.state == "at_risk" and closing.text == "Window 1 h left"
    closed = d.flag_cell(e, "", last + 25 * 3600, TZ)
    assert closed.state == "breached" and closed.text == "Window closed"
    lines = d.clock_lines(e, last + 23 * 3600, TZ)
    assert [(x.name, x.state) for x in lines] == [("WhatsApp customer-service window", "Closing soon")]


def test_clock_lines_list_every_clock_of_a_confirmed_complaint():
    lines = desk().clock_lines(flagged(1), RECEIVED + 60, TZ)
    assert [x.name for x in lines] == [
        "Summary resolution (3 business days)",
        "Final or holding response (8 weeks)",
    ]
    late = desk().clock_lines(flagged(1), at(2026, 9, 10, 9, 0), TZ)
    assert late[0].state == "Passed: the next clock applies"
    assert late[1].state == "On track"


def test_views_and_counts():
    now = at(2026, 9, 9, 10, 0)  # Wednesday: the summary windows of Friday's complaints end today
    rows = [
        flagged(1),  # due today
        # 15 business days passed; its messages unknown, so the 35 days of a holding reply are assumed
        flagged(2, first_customer_message_at=at(2026, 8, 1, 10, 0), topic="payments"),
        make_enquiry(3, text="worst bank ever", channel="x", visibility="public"),  # proposed
        make_enquiry(4, text="what time do you open?", channel="x", visibility="public"),
        make_enquiry(5, channel="instagram", visibility="private", last_customer_message_at=now - 23 * 3600),
        flagged(6, status="resolved", resolved_at=now - 60),
    ]
    d = desk()
    views = {v.key: v for v in d.views(lambda: now)}
    assert [e.id for e in rows if views[COMPLAINTS_VIEW].predicate(e)] == ["E000001", "E000002"]
    assert [e.id for e in rows if views[PROPOSED_VIEW].predicate(e)] == ["E000003"]
    assert [e.id for e in rows if views[WINDOW_VIEW].predicate(e)] == ["E000005"]
    c = d.counts(rows, now, TZ)
    assert (c.open, c.due_today, c.overdue, c.proposed, c.windows_closing) == (2, 1, 0, 1, 1)


def test_the_complaints_calendar_is_the_complaints_teams():
    calendars = {c.id: c for c in default_calendars()}
    teams = [
        Team("s", "Social", "social", ("general",), "social"),
        Team("c", "Complaints", "specialist", ("complaint",), "business"),
    ]
    assert complaints_calendar(teams, calendars) is calendars["business"]
    assert complaints_calendar([], {}) is None


def test_a_decision_records_masked_cues_never_the_message():
    p = propose('you sent my card to "J Smith 4111 1111 1111 1111" and it is disgraceful')
    detail = decision_detail(p, "proposed")
    assert "disgraceful" in detail["words"]  # type: ignore[operator]
    assert "4111 1111 1111 1111" not in str(detail)
    assert detail["proposed"] is True and detail["before"] == "proposed"


def test_the_wallboard_shows_complaint_counts_with_a_level():
    from console.live.chart_data import BoardFigures, FrtDistribution, Hourly
    from console.live.metrics import Attainment
    from console.live.wallboard import Page, Tile, wallboard_pages

    def figures(complaints: ComplaintCounts) -> BoardFigures:
        return BoardFigures(
            at=RECEIVED, teams=(), channel_names={}, waiting_by_channel={}, longest_wait_s=0.0, open=8,
            waiting=0, breached_now=0, attainment=Attainment(0, 0), backlog=(), hourly=Hourly((), (), {}),
            frt=FrtDistribution((0.0,), (0,), None, 0, 0), shift_start=0.0, complaints=complaints,
        )  # fmt: skip

    def tile(pages: tuple[Page, ...], key: str) -> Tile:
        return next(t for p in pages for t in p.tiles if t.key == key)

    calm = tile(wallboard_pages(figures(complaints=ComplaintCounts(open=4, proposed=2))), "complaints")
    assert (calm.value, calm.level) == ("4", "ok")
    assert calm.detail == "0 due today · 0 overdue · 2 to confirm"
    due = tile(wallboard_pages(figures(complaints=ComplaintCounts(open=4, due_today=1))), "complaints")
    assert due.level == "warn"
    late = tile(
        wallboard_pages(figures(complaints=ComplaintCounts(open=4, due_today=1, overdue=2))), "complaints"
    )
    assert late.level == "alert"


def test_the_live_board_counts_complaints_from_its_rows_and_the_decisions():
    from console.live.chart_data import LiveBoard

    board = LiveBoard()
    calendars = default_calendars()
    teams = [Team("c", "Complaints", "specialist", ("complaint",), "business")]
    board.set_reference(teams, [], [], calendars)
    angry = make_enquiry(2, text="worst bank ever", channel="x", visibility="public")
    board.load([flagged(1), angry], RECEIVED + 60)
    assert board.figures(RECEIVED + 60).complaints == ComplaintCounts(open=1, proposed=1)
    board.complaints.set_decisions({angry.id: Decision(angry.id, "confirmed", RECEIVED, "sam")})
    assert board.figures(RECEIVED + 60).complaints.open == 2


def test_a_state_is_kept_per_version_and_asked_again_for_a_new_one():
    calm = make_enquiry(1, text="thanks, all sorted", channel="x", visibility="public")
    angry = make_enquiry(2, text="absolutely disgraceful service", channel="x", visibility="public")
    d = desk()
    assert [d.state(calm), d.state(angry)] == [NOT_COMPLAINT, PROPOSED]
    assert [d.state(calm), d.state(angry)] == [NOT_COMPLAINT, PROPOSED]  # kept
    worse = replace(calm, text="absolutely disgraceful service", version=calm.version + 1)
    calmer = replace(angry, text="thanks, all sorted", version=angry.version + 1)
    assert [d.state(worse), d.state(calmer)] == [PROPOSED, NOT_COMPLAINT]
    assert [d.state(calm), d.state(angry)] == [NOT_COMPLAINT, PROPOSED]  # older versions: asked anew
