"""Against the real reference service on 127.0.0.1: sync keeps the agents' status log across syncs, and
stores each shift's report once the shift has ended (the service's clock is stepped, not waited for)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from console.domain import wire
from console.domain.model import Agent
from console.service.server import DemoService
from console.store.reports import load_report, status_log, stored_reports
from console.sync.engine import Syncer
from console.sync.shift_close import GRACE_S
from tests.helpers.service import new_client
from tests.helpers.store import new_store


def open_intervals(store: object, now: float) -> dict[str, tuple[str, float]]:
    return {a: (s, f) for a, s, f, t in status_log(store, now - 30 * 86400, now + 1) if t is None}  # type: ignore[arg-type]


def test_status_log_and_shift_reports_across_syncs(
    fresh_service: Callable[..., DemoService], tmp_path: Path
) -> None:
    svc = fresh_service(open_enquiries=80)
    api = new_client(svc)
    store = new_store(tmp_path)
    syncer = Syncer(api, store)
    syncer.run_once()
    now = api.now()
    agents = [wire.agent_from_wire(a) for a in api.reference("agents")]

    def matches(agents: list[Agent], now: float) -> None:
        held = open_intervals(store, now)
        assert held == {a.id: (a.status, a.status_since) for a in agents}

    matches(agents, now)  # one open interval per agent, from the API's status_since

    # The ended shifts are closed once the first pass has read both feeds to their end, not before.
    shifts = store.shifts()
    ended = {s.id for s in shifts if now - 7 * 86400 <= s.end <= now - GRACE_S}
    running = next(s for s in shifts if s.start <= now < s.end)
    assert ended and {r.shift_id for r in stored_reports(store)} == ended

    # A supervisor changes one agent's status; the next sync logs it at the server's status_since.
    target = next(a for a in agents if a.status != "away" and a.team_id in running.team_ids)
    changed_at = wire.agent_from_wire(api.set_agent_status(target.id, "away")).status_since
    syncer.run_once()
    assert ended and {r.shift_id for r in stored_reports(store)} == ended  # the running one is not
    mine = [(s, f, t) for a, s, f, t in status_log(store, 0, changed_at + 1) if a == target.id]
    assert mine == [(target.status, target.status_since, changed_at), ("away", changed_at, None)]
    # Time passes (the simulation moves other agents too) past the running shift's end.
    svc.advance(running.end - changed_at + GRACE_S + 60)
    syncer.run_once()
    now2 = api.now()
    matches([wire.agent_from_wire(a) for a in api.reference("agents")], now2)
    assert load_report(store, running.id) is None  # the cache had not caught up past its end yet
    # Nothing was logged twice: a sync with no change adds no interval.
    before = len(status_log(store, 0, now2 + 1))
    syncer.run_once()
    assert len(status_log(store, 0, now2 + 1)) == before

    # The shift that was running has ended: its report is stored, with the status log in it.
    report = load_report(store, running.id)
    assert report is not None and report.generated_at >= running.end and report.cutoff == running.end
    times = {a.agent_id: a for a in report.agents}
    assert times[target.id].logged_in_s > 0
    away = next(s.seconds for s in times[target.id].by_status if s.status == "away")
    assert away > 0
    store.close()
    api.close()
