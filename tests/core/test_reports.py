"""Shift report figures against a naive independent computation on simulated data, edge cases, and the
JSON round trip. The SLA engine is the real one with the default policies and calendars."""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.domain.model import Assignment, Enquiry
from console.reports.shift_report import ReportFormatError, ShiftReport, StatusInterval, compute_shift_report
from tests.helpers.reports import AGENTS, END, HOURS, OUTCOME_FLAGS, SHIFT, START, TEAMS, engine, simulate

Data = tuple[list[Enquiry], list[Assignment], list[StatusInterval]]


def nearest_rank_p90(values: list[float]) -> float:
    ordered = sorted(values)
    k = math.ceil(0.9 * len(ordered))
    return ordered[k - 1]


@pytest.fixture(scope="module")
def data() -> tuple[list[Enquiry], list[Assignment], list[tuple[str, str, float, float | None]]]:
    return simulate(1500)


@pytest.fixture(scope="module")
def report(
    data: tuple[list[Enquiry], list[Assignment], list[tuple[str, str, float, float | None]]],
) -> ShiftReport:
    enquiries, moves, log = data
    return compute_shift_report(SHIFT, enquiries, moves, log, AGENTS, TEAMS, engine(), END + 3600)


def in_scope(e: Enquiry) -> bool:
    return e.team_id is None or e.team_id in SHIFT.team_ids


def test_volumes_match_a_naive_count(data: Data, report: ShiftReport) -> None:
    enquiries = data[0]
    by_channel: dict[str, int] = {}
    by_hour: dict[tuple[int, str], int] = {}
    for e in enquiries:
        if in_scope(e) and START <= e.created_at < END:
            by_channel[e.channel] = by_channel.get(e.channel, 0) + 1
            hour = int((e.created_at - START) // 3600)
            by_hour[(hour, e.channel)] = by_hour.get((hour, e.channel), 0) + 1
    assert {c.key: c.n for c in report.volumes_by_channel} == by_channel
    assert report.summary.created == sum(by_channel.values()) > 300
    assert len(report.volumes_by_hour) == HOURS
    got = {(i, c.key): c.n for i, h in enumerate(report.volumes_by_hour) for c in h.by_channel if c.n}
    assert got == by_hour
    assert [c.key for c in report.volumes_by_channel][-1] == "mastodon"  # an unknown channel is kept, last


def test_first_response_median_and_p90_per_channel(data: Data, report: ShiftReport) -> None:
    times: dict[str, list[float]] = {}
    unanswered: dict[str, int] = {}
    for e in data[0]:
        if in_scope(e) and START <= e.created_at < END:
            if e.first_response_at is None:
                unanswered[e.channel] = unanswered.get(e.channel, 0) + 1
            else:
                begin = (
                    e.first_customer_message_at if e.first_customer_message_at is not None else e.created_at
                )
                times.setdefault(e.channel, []).append(e.first_response_at - begin)
    stats = {f.channel: f for f in report.first_response}
    assert set(stats) == set(times)
    for ch, values in times.items():
        assert stats[ch].answered == len(values)
        assert stats[ch].unanswered == unanswered.get(ch, 0)
        assert stats[ch].median_s == pytest.approx(statistics.median(values))
        assert stats[ch].p90_s == pytest.approx(nearest_rank_p90(values))
        assert sum(stats[ch].histogram) == len(values)
    everything = [t for v in times.values() for t in v]
    assert report.summary.median_fr_s == pytest.approx(statistics.median(everything))
    assert report.summary.p90_fr_s == pytest.approx(nearest_rank_p90(everything))


def test_sla_attainment_and_breaches(data: Data, report: ShiftReport) -> None:
    eng = engine()
    due_kind: dict[str, list[bool]] = {}
    due_team: dict[str, list[bool]] = {}
    breaches = set()
    for e in data[0]:
        if not in_scope(e) or e.created_at >= END:
            continue
        for c in eng.clocks(e):
            if START <= c.due_at < END:
                met = c.stopped_at is not None and c.stopped_at <= c.due_at
                due_kind.setdefault(c.kind, []).append(met)
                due_team.setdefault(e.team_id or "", []).append(met)
                if not met:
                    stop = c.stopped_at if c.stopped_at is not None else END
                    breaches.add((e.id, c.kind, round(stop - c.due_at, 3)))
    assert {a.key: (a.due, a.met) for a in report.sla_by_kind} == {
        k: (len(v), sum(v)) for k, v in due_kind.items()
    }
    assert {a.key: (a.due, a.met) for a in report.sla_by_team} == {
        k: (len(v), sum(v)) for k, v in due_team.items()
    }
    assert {(b.enquiry_id, b.clock, round(b.over_s, 3)) for b in report.breaches} == breaches
    assert len(breaches) > 20 and report.summary.breaches == len(breaches)
    overs = [b.over_s for b in report.breaches]
    assert overs == sorted(overs, reverse=True)
    assert "(unassigned)" in {a.label for a in report.sla_by_team}


def test_carried_over_handoffs_ping_pong(data: Data, report: ShiftReport) -> None:
    carried, unanswered, handoff_times, requested, pingpong = set(), 0, [], 0, set()
    for e in data[0]:
        if not in_scope(e) or e.created_at >= END:
            continue
        still_open = (
            e.resolved_at >= END if e.resolved_at is not None else e.status not in ("resolved", "closed")
        )
        if still_open:
            carried.add(e.id)
            no_reply = e.first_response_at is None or e.first_response_at >= END
            if no_reply or (
                e.last_customer_message_at is not None
                and e.last_customer_message_at < END
                and (e.last_agent_message_at is None or e.last_customer_message_at > e.last_agent_message_at)
            ):
                unanswered += 1
        if e.handoff_requested_at is not None and START <= e.handoff_requested_at < END:
            requested += 1
            if e.handoff_accepted_at is not None:
                handoff_times.append(e.handoff_accepted_at - e.handoff_requested_at)
        if e.bounces > 2 and (e.resolved_at is None or e.resolved_at >= START):
            pingpong.add(e.id)
    assert {c.enquiry_id for c in report.carried_over} == carried
    assert report.summary.unanswered_at_end == unanswered > 0
    waiting = [c for c in report.carried_over if c.waiting_for in ("first_response", "reply")]
    assert report.carried_over[: len(waiting)] == tuple(waiting)  # unanswered listed first
    assert report.handoffs.requested == requested
    assert report.handoffs.accepted == len(handoff_times)
    assert report.handoffs.median_accept_s == pytest.approx(statistics.median(handoff_times))
    assert {p.enquiry_id for p in report.ping_pong} == pingpong
    assert all(p.bounces > 2 for p in report.ping_pong)


def test_customer_text_and_handles_are_masked(report: ShiftReport) -> None:
    assert report.carried_over
    for c in report.carried_over:
        assert "4111 11" not in c.text and "07700" not in c.text and "\u2022" in c.text
        assert c.handle.startswith("customer #") and "cust" not in c.handle[9:]
    assert all("12345678" not in m.reason for m in report.reassignments)
    stored = report.to_json()
    assert "12345678" not in stored and "4111 11" not in stored and "@cust" not in stored


def test_agent_time_is_clipped_to_the_shift(data: Data, report: ShiftReport) -> None:
    log = data[2]
    naive: dict[str, dict[str, float]] = {}
    for agent_id, status, t0, t1 in log:
        lo = max(t0, START)
        hi = min(END if t1 is None else t1, END)
        if hi > lo:
            naive.setdefault(agent_id, {}).setdefault(status, 0.0)
            naive[agent_id][status] += hi - lo
    rows = {a.agent_id: a for a in report.agents}
    assert "x1" not in rows  # another site's team
    assert rows["ghost"].team == "(not on the roster)"
    for agent_id, row in rows.items():
        per = naive[agent_id]
        assert {s.status: pytest.approx(s.seconds) for s in row.by_status} == per
        assert sum(s.seconds for s in row.by_status) == pytest.approx(END - START)
        logged_in = sum(v for k, v in per.items() if k != "offline")
        assert row.utilisation == pytest.approx(per.get("busy", 0.0) / logged_in)


def test_outcome_rates_over_known_flags(data: Data, report: ShiftReport) -> None:
    for o in report.outcomes:
        known = [
            e.outcome[o.flag]
            for e in data[0]
            if in_scope(e) and START <= e.created_at < END and o.flag in e.outcome
        ]
        assert (o.known, o.yes) == (len(known), sum(known))
        assert o.rate == pytest.approx(sum(known) / len(known))
    assert [o.flag for o in report.outcomes] == list(OUTCOME_FLAGS)


def test_reassignments_by_actor(data: Data, report: ShiftReport) -> None:
    naive: dict[str, list[Assignment]] = {}
    for m in data[1]:
        touches = m.from_team in SHIFT.team_ids or m.to_team in SHIFT.team_ids
        if START <= m.at < END and touches:
            naive.setdefault(m.actor or "(unknown)", []).append(m)
    got = {a.actor: a for a in report.reassignments_by_actor}
    assert set(got) == set(naive)
    for actor, moves in naive.items():
        assert got[actor].moves == len(moves)
        assert got[actor].accepted == sum(m.result == "accepted" for m in moves)
        assert got[actor].refused == sum(m.result in ("rejected", "conflict") for m in moves)
        assert sum(c.n for c in got[actor].reasons) == len(moves)
        assert "(no reason given)" in {c.key for c in got[actor].reasons}
    assert report.summary.reassignments == sum(len(v) for v in naive.values())


def test_json_round_trip_is_lossless(report: ShiftReport) -> None:
    text = report.to_json()
    back = ShiftReport.from_json(text)
    assert back == report
    assert back.to_json() == text
    json.loads(text)  # standard JSON: no NaN or Infinity


def test_a_damaged_stored_report_gets_a_clear_error(report: ShiftReport) -> None:
    data = json.loads(report.to_json())
    del data["summary"]["breaches"]
    with pytest.raises(ReportFormatError, match=r"report\.summary\.breaches: missing"):
        ShiftReport.from_dict(data)
    data = json.loads(report.to_json())
    data["breaches"][0]["over_s"] = "soon"
    with pytest.raises(ReportFormatError, match=r"report\.breaches\[0\]\.over_s: expected a number"):
        ShiftReport.from_dict(data)
    with pytest.raises(ReportFormatError, match="schema"):
        ShiftReport.from_dict({**json.loads(report.to_json()), "schema": 99})
    with pytest.raises(ReportFormatError, match="not valid JSON"):
        ShiftReport.from_json("{truncated")


def test_empty_shift() -> None:
    r = compute_shift_report(SHIFT, [], [], [], [], TEAMS, engine(), END)
    assert r.summary.created == 0 and r.summary.median_fr_s is None and r.summary.sla_rate is None
    assert r.volumes_by_channel == () and len(r.volumes_by_hour) == HOURS
    assert r.handoffs.median_accept_s is None and r.agents == ()
    assert all(o.known == 0 and o.rate is None for o in r.outcomes)
    assert ShiftReport.from_json(r.to_json()) == r


def test_no_first_responses_and_all_outcomes_unknown(data: Data) -> None:
    silent = [replace(e, first_response_at=None, outcome={}, resolved_at=None, status="new") for e in data[0]]
    r = compute_shift_report(SHIFT, silent, [], [], AGENTS, TEAMS, engine(), END)
    assert r.summary.answered == 0 and r.summary.median_fr_s is None and r.summary.p90_fr_s is None
    assert all(f.answered == 0 and f.median_s is None for f in r.first_response)
    assert r.summary.unanswered_at_end == r.summary.carried_over > 0
    assert all(o.rate is None for o in r.outcomes)
    fr = next(a for a in r.sla_by_kind if a.key == "first_response")
    assert fr.met == 0 and fr.due > 0
    assert ShiftReport.from_json(r.to_json()) == r


def test_a_report_made_mid_shift_stops_at_its_own_time(data: Data) -> None:
    now = START + 4 * 3600
    r = compute_shift_report(SHIFT, data[0], data[1], data[2], AGENTS, TEAMS, engine(), now)
    assert r.cutoff == now
    naive = sum(1 for e in data[0] if in_scope(e) and START <= e.created_at <= now)
    assert r.summary.created == naive
    assert all(b.due_at < now for b in r.breaches)
    assert all(sum(s.seconds for s in a.by_status) == pytest.approx(now - START) for a in r.agents)


def test_a_shift_without_teams_takes_every_enquiry(data: Data) -> None:
    whole = replace(SHIFT, team_ids=())
    r = compute_shift_report(whole, data[0], [], [], AGENTS, TEAMS, engine(), END)
    assert r.summary.created == sum(1 for e in data[0] if START <= e.created_at < END)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 80), seed=st.integers(0, 10_000), hours=st.floats(-1, HOURS + 2))
def test_the_figures_agree_with_each_other_for_any_data(n: int, seed: int, hours: float) -> None:
    enquiries, moves, log = simulate(n, seed)
    r = compute_shift_report(SHIFT, enquiries, moves, log, AGENTS, TEAMS, engine(), START + hours * 3600)
    s = r.summary
    assert START <= r.cutoff <= END
    assert sum(h.total for h in r.volumes_by_hour) == sum(c.n for c in r.volumes_by_channel) == s.created
    assert s.answered + sum(f.unanswered for f in r.first_response) == s.created
    assert s.sla_due - s.sla_met == s.breaches == len(r.breaches)
    assert sum(a.due for a in r.sla_by_team) == sum(a.due for a in r.sla_by_kind) == s.sla_due
    assert all(0 <= a.met <= a.due for a in (*r.sla_by_kind, *r.sla_by_team))
    assert all(b.over_s > 0 and START <= b.due_at < r.cutoff for b in r.breaches)
    assert all(
        f.median_s <= f.p90_s for f in r.first_response if f.median_s is not None and f.p90_s is not None
    )
    assert s.unanswered_at_end <= s.carried_over == len(r.carried_over)
    assert r.handoffs.accepted + r.handoffs.pending == r.handoffs.requested
    for a in r.agents:
        assert sum(t.seconds for t in a.by_status) == pytest.approx(r.cutoff - START)
        assert a.utilisation is None or 0.0 <= a.utilisation <= 1.0
    assert ShiftReport.from_json(r.to_json()) == r
