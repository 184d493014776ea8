"""The shift report's Consumer Duty and quality sections (issue 17)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace

from console.domain.model import Enquiry, Message, Shift
from console.reports.care.consumer_duty import compute_consumer_duty
from console.reports.care.quality import compute_quality
from console.reports.shift_report import compute_shift_report
from console.reports.types import ShiftReport
from tests.helpers.store import T0, make_enquiry

H = 3600.0
START, END = T0, T0 + 8 * H


@dataclass
class Clock:
    due_at: float | None
    stopped_at: float | None
    kind: str = "first_response"
    target_s: float = H


class Engine:
    """Each enquiry's first-response clock: due an hour after it arrived, stopped at the first reply."""

    def clocks(self, e: Enquiry) -> list[Clock]:
        return [Clock(e.created_at + H, e.first_response_at)]


def enq(
    i: int, *, vulnerable: bool, fr_min: float | None, resolved: bool, complaint: bool = False
) -> Enquiry:
    created = START + i * 60
    flags = {"vulnerable"} if vulnerable else set()
    if complaint:
        flags.add("complaint")
    return make_enquiry(
        i,
        created_at=created,
        first_customer_message_at=created,
        first_response_at=None if fr_min is None else created + fr_min * 60,
        resolved_at=created + 2 * H if resolved else None,
        status="resolved" if resolved else "open",
        flags=frozenset(flags),
        team_id="social",
    )


def test_vulnerable_customers_outcomes_beside_everyone_elses():
    rows = [enq(i, vulnerable=False, fr_min=10, resolved=True) for i in range(1, 11)]
    rows += [
        enq(20, vulnerable=True, fr_min=30, resolved=True),
        enq(21, vulnerable=True, fr_min=90, resolved=False, complaint=True),  # breached, not resolved
        enq(22, vulnerable=True, fr_min=None, resolved=False),  # unanswered: breached at the cut-off
        enq(23, vulnerable=False, fr_min=10, resolved=True),
    ]
    outside = make_enquiry(99, created_at=START - H, flags=frozenset({"vulnerable"}))  # before the shift
    other_team = enq(30, vulnerable=True, fr_min=5, resolved=True)
    other_team.team_id = "cards"
    duty = compute_consumer_duty(
        [*rows, outside, other_team], Engine(), team_ids=("social",), start=START, end=END, cutoff=END
    )
    v, o = duty.vulnerable, duty.everyone_else
    assert (v.enquiries, v.answered, v.resolved, v.complaints, v.breached) == (3, 2, 1, 1, 2)
    assert v.median_fr_s == 60 * 60  # of 30 and 90 minutes
    assert (o.enquiries, o.answered, o.resolved, o.breached) == (11, 11, 11, 0)
    assert o.median_fr_s == 600 and o.breach_rate == 0
    assert duty.gaps == (
        "first replies to vulnerable customers were slower",
        "fewer vulnerable customers' enquiries were resolved",
        "more vulnerable customers complained",
        "more vulnerable customers' enquiries breached an SLA",
    )


def test_equivalent_outcomes_show_no_gap_and_an_empty_group_no_verdict():
    rows = [enq(i, vulnerable=i % 2 == 0, fr_min=10, resolved=True) for i in range(1, 21)]
    duty = compute_consumer_duty(rows, Engine(), team_ids=(), start=START, end=END, cutoff=END)
    assert duty.vulnerable.enquiries == duty.everyone_else.enquiries == 10
    assert duty.gaps == ()
    nobody = compute_consumer_duty(rows[0::2], Engine(), team_ids=(), start=START, end=END, cutoff=END)
    assert nobody.vulnerable.enquiries == 0 and nobody.vulnerable.median_fr_s is None and nobody.gaps == ()


def msg(e: Enquiry, n: int, direction: str, text: str, author: str, channel: str, vis: str) -> Message:
    return Message(f"{e.id}-m{n}", e.id, direction, author, text, e.created_at + n * 60, channel, vis)


def test_quality_per_agent_and_team_beside_the_services_flags_with_agreement():
    a = enq(1, vulnerable=False, fr_min=5, resolved=True)
    a.outcome = {"thanked": True, "offered_more_help": False, "same_channel": True}
    b = enq(2, vulnerable=False, fr_min=5, resolved=True)
    b.outcome = {"thanked": True, "same_channel": True}
    c = enq(3, vulnerable=False, fr_min=5, resolved=True)  # no conversation cached: counted, not checked
    c.outcome = {"thanked": False}
    conversations = {
        a.id: [
            msg(a, 1, "in", "My card was declined", "@c", "x", "public"),
            msg(a, 2, "out", "Thanks for letting us know. Please send us a DM.", "Sam", "x", "public"),
            msg(a, 3, "in", "Done", "@c", "x", "private"),
            msg(a, 4, "out", "Sorted now. Anything else we can help with?", "Sam", "x", "private"),
        ],
        b.id: [
            msg(b, 1, "in", "Where is my loan?", "@d", "facebook", "public"),
            msg(
                b,
                2,
                "out",
                "Please call us on 0345 000 000 and we'll sort it over the phone.",
                "Jo",
                "facebook",
                "public",
            ),
            msg(b, 3, "out", "What's your account number?", "Jo", "facebook", "public"),
        ],
    }
    q = compute_quality([a, b, c], conversations, lambda t: f"Team {t}", team_ids=(), start=START, cutoff=END)
    assert (q.resolved, q.checked) == (3, 2)
    shift = q.rows[0]
    assert (shift.kind, shift.enquiries, shift.replies, shift.public_detail_requests) == ("shift", 3, 4, 1)
    rate = {r.behaviour: r for r in shift.behaviours}
    # thanked: found in a, not in b; the service says yes for a, b and no for c (not checked)
    assert (rate["thanked"].checked, rate["thanked"].found) == (2, 1)
    assert (rate["thanked"].api_known, rate["thanked"].api_yes) == (3, 2)
    assert (rate["thanked"].both, rate["thanked"].agree, rate["thanked"].agreement) == (2, 1, 0.5)
    # same channel: a stayed on X (public to DM is the same channel); b sent the customer to the phone
    assert (rate["same_channel"].found, rate["same_channel"].agree) == (1, 1)
    # more help: found in a, where the service said no
    assert (rate["offered_more_help"].both, rate["offered_more_help"].agree) == (1, 0)
    agents = {r.key: r for r in q.rows if r.kind == "agent"}
    assert set(agents) == {"Sam", "Jo"}
    sam = {r.behaviour: r for r in agents["Sam"].behaviours}
    assert (agents["Sam"].replies, sam["thanked"].found, sam["offered_more_help"].found) == (2, 1, 1)
    assert agents["Jo"].public_detail_requests == 1
    assert [r.label for r in q.rows if r.kind == "team"] == ["Team social"]


def test_the_sections_survive_the_reports_json():
    rows = [enq(i, vulnerable=i == 1, fr_min=10, resolved=True) for i in range(1, 4)]
    duty = compute_consumer_duty(rows, Engine(), team_ids=(), start=START, end=END, cutoff=END)
    q = compute_quality(rows, {}, str, team_ids=(), start=START, cutoff=END)
    shift = Shift("s1", "Early", "Leeds", START, END, ("social",))
    base = compute_shift_report(shift, rows, [], [], [], [], Engine(), END)
    r = replace(base, consumer_duty=duty, quality=q)
    back = ShiftReport.from_json(r.to_json())
    assert back == r
    old = r.to_dict()
    del old["consumer_duty"], old["quality"]  # a report stored before these sections still reads
    assert ShiftReport.from_dict(old).consumer_duty is None


def test_the_csv_export_has_both_tables_and_guards_names_against_formulas():
    from console.reports.csv_tables import tables

    a = enq(1, vulnerable=True, fr_min=10, resolved=True)
    conversations = {
        a.id: [
            msg(a, 1, "in", "Help", "@c", "x", "public"),
            msg(a, 2, "out", "Thanks! Anything else?", '=HYPERLINK("http://x")', "x", "public"),
        ]
    }
    duty = compute_consumer_duty([a], Engine(), team_ids=(), start=START, end=END, cutoff=END)
    q = compute_quality([a], conversations, str, team_ids=(), start=START, cutoff=END)
    shift = Shift("s1", "Early", "Leeds", START, END, ())
    report = replace(
        compute_shift_report(shift, [a], [], [], [], [], Engine(), END), consumer_duty=duty, quality=q
    )
    out = tables(report)
    duty_csv = out["consumer_duty.csv"][1].splitlines()
    assert duty_csv[0].startswith("group,enquiries,answered,first_response_median_min")
    assert duty_csv[1].startswith("vulnerable,1,1,10.0,10.0,1,1.0")
    rows = out["reply_behaviours.csv"][1].splitlines()
    agents = [r for r in csv.reader(rows) if r[0] == "agent"]
    assert agents and all(r[1].startswith("'=HYPERLINK") for r in agents)  # a formula never runs in a sheet
    assert "shift,,Whole shift,thanked,1,1,1.0,0,0,0,0,,0" in rows
    old = compute_shift_report(shift, [a], [], [], [], [], Engine(), END)
    assert "consumer_duty.csv" not in tables(old)  # a report made before the sections
