"""Stored shift reports (immutable, computed at the shift's end from the cache alone), the window queries,
and the agents' status log, on real encrypted cache files."""

from __future__ import annotations

import gc
import json
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import apsw
import pytest

from console.domain import wire
from console.domain.model import Agent, Assignment, Enquiry
from console.reports.care.consumer_duty import compute_consumer_duty
from console.reports.codec import decode, encode
from console.reports.cutoff import as_of
from console.reports.shift_report import ReportFormatError, ShiftReport, compute_shift_report
from console.reports.types import ComplaintStats
from console.store.cache import KnownError, Store, StoreReader
from console.store.reports import (
    load_report,
    log_agent_statuses,
    report_amendments,
    save_report,
    status_log,
    stored_reports,
    window_assignments,
    window_enquiries,
)
from console.sync import shift_close
from console.sync.shift_close import (
    AMEND_EVERY_S,
    GRACE_S,
    SALT_KEY,
    all_shifts,
    amend_reports,
    close_ended_shifts,
    close_shifts_quietly,
    local_shifts,
)
from tests.helpers.reports import AGENTS, END, SHIFT, START, TEAMS, engine, fill, simulate
from tests.helpers.store import new_key

TAKEN_BACK = {
    "status", "first_response_at", "resolved_at", "handoff_requested_at", "handoff_accepted_at", "pauses",
    "last_customer_message_at", "last_agent_message_at", "outcome", "text", "updated_at",
}  # fmt: skip


@pytest.fixture(scope="module")
def data() -> tuple[list[Enquiry], list[Assignment], list[tuple[str, str, float, float | None]]]:
    return simulate(800, seed=11)


def test_the_report_is_computed_at_the_shift_end_from_the_cache_and_stored_once(
    tmp_path: Path, data: tuple[list[Enquiry], list[Assignment], list[tuple[str, str, float, float | None]]]
) -> None:
    enquiries, moves, log = data
    path, key = tmp_path / "c.db", new_key()
    with Store(path, key) as store:
        fill(store, enquiries, moves)
        store._conn.executemany(
            "INSERT INTO agent_status_log (agent_id, status, from_ts, to_ts) VALUES (?, ?, ?, ?)", log
        )
        # Before the end (and within the grace after it) nothing is computed.
        assert close_ended_shifts(store, END - 60, [SHIFT]).stored == []
        assert close_ended_shifts(store, END + 30, [SHIFT]).stored == []
        now = END + 600
        # A cache last synced before the shift's end (offline since) must not store a report for good.
        assert close_ended_shifts(store, now, [SHIFT], synced_at=END - 5).stored == []
        assert close_ended_shifts(store, now, [SHIFT], synced_at=now - 60).stored == ["s1"]
        assert close_ended_shifts(store, now + 3600, [SHIFT]).stored == []  # already there
        salt = store.get_meta(SALT_KEY) or ""
    # Independent: every simulated enquiry, move and interval in memory, not the window queries; the
    # data up to the cut-off (the end plus the grace), made "at" the cut-off whenever it is computed.
    cutoff = END + GRACE_S
    expected = compute_shift_report(
        SHIFT, enquiries, moves, log, AGENTS, TEAMS, engine(), cutoff, handle_salt=salt, data_cutoff=cutoff
    )
    with StoreReader(path, key) as reader:
        stored = load_report(reader, "s1")
        # The complaint figures come from the cache's decisions too (tests/core/test_complaint_report.py).
        assert stored is not None and stored.complaints.received > 0
        # Consumer Duty over the same enquiries; no conversation is cached, so quality checked none.
        duty = compute_consumer_duty(
            [as_of(e, cutoff) for e in enquiries],
            engine(),
            team_ids=SHIFT.team_ids,
            start=SHIFT.start,
            end=SHIFT.end,
            cutoff=expected.cutoff,
        )
        assert stored.quality is not None and stored.quality.checked == 0 < stored.quality.resolved
        assert replace(stored, quality=None, complaints=ComplaintStats()) == replace(
            expected, consumer_duty=duty
        )
        assert stored.summary.created > 100 and stored.summary.breaches > 0
        assert [(r.shift_id, r.generated_at) for r in stored_reports(reader)] == [("s1", cutoff)]
        audit = reader.audit_entries()
        assert [(a.action, a.subject) for a in audit] == [("report.stored", "s1")]
        assert reader.verify_audit() is None


def test_a_stored_report_is_immutable(tmp_path: Path) -> None:
    enquiries, moves, _ = simulate(60, seed=3)
    path, key = tmp_path / "c.db", new_key()
    first = compute_shift_report(SHIFT, enquiries, moves, [], AGENTS, TEAMS, engine(), END)
    with Store(path, key) as store:
        assert save_report(store, first)
        later = replace(first, generated_at=END + 99, shift_name="rewritten")
        assert not save_report(store, later)  # a second report for the shift is ignored
        for sql in (
            "UPDATE shift_reports SET name = 'x' WHERE shift_id = 's1'",
            "DELETE FROM shift_reports WHERE shift_id = 's1'",
        ):
            with pytest.raises(apsw.ConstraintError, match="immutable"):
                store._conn.execute(sql)
        assert load_report(store, "s1") == first
        assert len(store.audit_entries()) == 1


def test_a_damaged_stored_report_is_refused_with_its_shift_named(tmp_path: Path) -> None:
    enquiries, moves, _ = simulate(30, seed=5)
    report = compute_shift_report(SHIFT, enquiries, moves, [], AGENTS, TEAMS, engine(), END)
    with Store(tmp_path / "c.db", new_key()) as store:
        save_report(store, report)
        store._conn.execute("DROP TRIGGER shift_reports_no_update")
        store._conn.execute("UPDATE shift_reports SET body = zeroblob(40)")
        with pytest.raises(KnownError, match="shift 's1'"):
            load_report(store, "s1")
        assert load_report(store, "nope") is None


def test_the_window_holds_open_closed_and_resolved_enquiries(
    tmp_path: Path, data: tuple[list[Enquiry], list[Assignment], list[tuple[str, str, float, float | None]]]
) -> None:
    enquiries, moves, _ = data
    with Store(tmp_path / "c.db", new_key()) as store:
        fill(store, enquiries, moves)
        old_closed = replace(enquiries[0], id="old", created_at=START - 30 * 86400, status="closed")
        old_closed.resolved_at = START - 29 * 86400
        old_open = replace(enquiries[0], id="old-open", created_at=START - 30 * 86400, status="open")
        old_open.resolved_at = None
        store.apply_enquiries([old_closed, old_open])
        got = {e.id for e in window_enquiries(store, START, END)}
        created_in = {e.id for e in enquiries if START <= e.created_at < END}
        resolved_in = {e.id for e in enquiries if e.resolved_at and START <= e.resolved_at < END}
        closed_in = {e.id for e in enquiries if not e.is_open and START <= (e.resolved_at or 0) < END}
        assert created_in | resolved_in <= got and closed_in and closed_in <= got
        assert "old-open" in got and "old" not in got
        assert not any(e.created_at >= END for e in window_enquiries(store, START, END))
        in_window = window_assignments(store, START, END)
        assert {m.id for m in in_window} == {m.id for m in moves if START <= m.at < END}
        assert [m.at for m in in_window] == sorted(m.at for m in in_window)


def test_a_report_is_built_with_the_collector_paused_and_it_is_running_again_after(
    tmp_path: Path,
    data: tuple[list[Enquiry], list[Assignment], list[tuple[str, str, float, float | None]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No cycles among a report's objects: the collector would only walk the cache's rows (~2 s of a first
    sync at 100k). Paused while a report is built, it is running again afterwards, failure or not."""
    enquiries, moves, _ = data
    seen: list[bool] = []
    real = compute_shift_report

    def compute(*args: Any, **kwargs: Any) -> ShiftReport:
        seen.append(gc.isenabled())
        if len(seen) > 1:
            raise RuntimeError("a report that fails")
        return real(*args, **kwargs)

    monkeypatch.setattr(shift_close, "compute_shift_report", compute)
    other = replace(SHIFT, id="s2", start=START + 3600)
    with Store(tmp_path / "c.db", new_key()) as store:
        fill(store, enquiries, moves)
        assert gc.isenabled()
        assert close_ended_shifts(store, END + 3600, [SHIFT], synced_at=END + 3600).stored == ["s1"]
        assert gc.isenabled()
        with pytest.raises(RuntimeError):
            close_ended_shifts(store, END + 3600, [other], synced_at=END + 3600)
        assert gc.isenabled() and seen == [False, False]


def _agent(status: str, since: float, agent_id: str = "a1") -> dict[str, object]:
    return wire.agent_to_wire(Agent(agent_id, "Ann", "social", status, 4, 0, status_since=since))


def test_the_status_log_records_changes_only(tmp_path: Path) -> None:
    with Store(tmp_path / "c.db", new_key()) as store:
        assert log_agent_statuses(store, [_agent("available", START), _agent("busy", START, "a2")], now=START)
        assert (
            log_agent_statuses(
                store, [_agent("available", START), _agent("busy", START, "a2")], now=START + 60
            )
            == 0
        )
        # A status_since in the future (a skewed server) is not believed: now is used.
        assert (
            log_agent_statuses(
                store, [_agent("busy", START + 100), _agent("busy", START + 9e6, "a2")], now=START + 120
            )
            == 1
        )
        # a2 gone from the list: its interval ends.
        assert log_agent_statuses(store, [_agent("away", START + 300), {"id": 5}], now=START + 400) == 2
        assert status_log(store, START, START + 1000) == [
            ("a1", "available", START, START + 100),
            ("a1", "busy", START + 100, START + 300),
            ("a1", "away", START + 300, None),
            ("a2", "busy", START, START + 400),
        ]
        assert status_log(store, START + 150, START + 200) == [
            ("a1", "busy", START + 100, START + 300),
            ("a2", "busy", START, START + 400),
        ]


def test_local_shift_definitions(tmp_path: Path) -> None:
    good = wire.shift_to_wire(replace(SHIFT, id="local-1"))
    shifts, problems = local_shifts(
        {"shifts": [good, {"id": "bad"}, {**good, "id": "neg", "end": good["start"]}]}
    )
    assert [s.id for s in shifts] == ["local-1"]
    assert len(problems) == 2 and "shift 2" in problems[0] and "shift 3: shift: ends before" in problems[1]
    assert local_shifts({"shifts": "weekday"})[1] == ["settings: 'shifts' should be a list of shifts"]
    with Store(tmp_path / "c.db", new_key()) as store:
        store.replace_reference("shifts", [wire.shift_to_wire(replace(SHIFT, name="From the API"))])
        merged, _ = all_shifts(store, {"shifts": [good, {**good, "id": "s1", "name": "local s1"}]})
        assert [(s.id, s.name) for s in merged] == [("local-1", "Thursday day"), ("s1", "From the API")]


def test_a_report_stored_by_another_version_still_opens() -> None:
    enquiries, moves, _ = simulate(40, seed=8)
    report = compute_shift_report(SHIFT, enquiries, moves, [], AGENTS, TEAMS, engine(), END)
    body = json.loads(encode(report))
    assert decode(json.dumps(body).encode()) == report
    # An older version had no "schema" field (it has a default now) and an extra field we dropped since.
    body["layouts"]["ShiftReport"] = [
        "retired" if f == "schema" else f for f in body["layouts"]["ShiftReport"]
    ]
    assert decode(json.dumps(body).encode()) == report
    # A field with no default that the stored layout lacks: a clear refusal, not a wrong report.
    body["layouts"]["Breach"] = body["layouts"]["Breach"][1:]
    with pytest.raises(ReportFormatError, match=r"Breach\.enquiry_id is missing"):
        decode(json.dumps(body).encode())
    # The keyed exchange form (ShiftReport.to_json) is read too.
    assert decode(report.to_json().encode()) == report


def test_the_sync_loop_closes_a_shift_set_in_the_settings_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = replace(SHIFT, id="leeds-local")
    config = tmp_path / "config" / "concierge"
    config.mkdir(parents=True)
    (config / "settings.json").write_text(json.dumps({"shifts": [wire.shift_to_wire(local), {"id": 1}]}))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    enquiries, moves, _ = simulate(50, seed=2)
    with Store(tmp_path / "c.db", new_key()) as store:
        fill(store, enquiries, moves)
        store.set_meta("last_sync_at", repr(END + 3600))
        result = close_shifts_quietly(store, END + 3600)
        assert result.stored == ["leeds-local"]
        assert result.problems == ["settings: shift 2: start: expected an ISO 8601 time, got NoneType"]
        assert load_report(store, "leeds-local") is not None


def test_a_report_is_compared_with_what_came_after_its_cut_off_from_the_next_pass_on(
    tmp_path: Path, data: tuple[list[Enquiry], list[Assignment], list[tuple[str, str, float, float | None]]]
) -> None:
    """Closing a shift hours late (a first sync) and checking it for later changes in the same pass
    counted the shift twice: the check waits AMEND_EVERY_S of synced data, as every later one does."""
    enquiries, moves, _ = data
    with Store(tmp_path / "c.db", new_key()) as store:
        fill(store, enquiries, moves)
        now = END + 6 * 3600  # the simulated floor went on after the shift: later replies, resolutions
        store.set_meta("last_sync_at", repr(now))
        assert close_ended_shifts(store, now, [SHIFT], synced_at=now).stored == ["s1"]
        assert amend_reports(store, now, [SHIFT]) == []  # the same pass: not counted a second time
        later = now + AMEND_EVERY_S
        store.set_meta("last_sync_at", repr(later))
        assert amend_reports(store, later, [SHIFT]) == ["s1"]
        assert report_amendments(store, "s1")[0].changes  # what changed after the cut-off, recorded


def test_taking_an_enquiry_back_to_the_cut_off_keeps_every_other_field_as_it_was(
    data: tuple[list[Enquiry], list[Assignment], list[tuple[str, str, float, float | None]]],
) -> None:
    """as_of rebuilds the record positionally (not by dataclasses.replace): a field out of place would
    put one moment where another belongs, and every report would carry it alike."""
    enquiries, _, _ = data
    cutoff = END + GRACE_S
    kept = [f.name for f in fields(Enquiry) if f.name not in TAKEN_BACK]
    for e in enquiries:
        back = as_of(e, cutoff)
        assert all(getattr(back, name) == getattr(e, name) for name in kept), e.id
        moments = (back.first_response_at, back.resolved_at, back.handoff_requested_at)
        assert all(t is None or t <= cutoff for t in moments) and back.updated_at <= cutoff
        assert back.first_response_at == (
            e.first_response_at if (e.first_response_at or 0) <= cutoff else None
        )
        assert back.resolved_at == (e.resolved_at if (e.resolved_at or 0) <= cutoff else None)
        if back.resolved_at is None:
            assert back.text == "" and not back.outcome and back.status != "resolved"
        else:
            assert back.text == e.text and back.outcome == e.outcome and back.status in {"resolved", "closed"}
        assert as_of(back, cutoff) == back  # taken back once is taken back
