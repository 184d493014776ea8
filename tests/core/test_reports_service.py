"""A shift report from the real reference service on 127.0.0.1: reference data, the change feed and a
supervisor's move read over HTTP and parsed by console.domain.wire, clocks from a real SlaEngine built
from the API's own policies and calendars."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from console.domain.model import Enquiry
from console.domain.wire import (
    agent_from_wire,
    assignment_from_wire,
    calendar_from_wire,
    enquiry_from_wire,
    policy_from_wire,
    shift_from_wire,
    team_from_wire,
    ts,
)
from console.reports.shift_report import ShiftReport, compute_shift_report, to_csv, to_pdf
from console.service.auth import USERS
from console.service.server import DemoService
from console.sla.engine import SlaEngine

REASON = "Card query, customer gave acct 12345678"


class Client:
    def __init__(self, service: DemoService) -> None:
        self.url = service.url
        password = USERS["supervisor"][0]
        body = {"username": "supervisor", "password": password, "scope": "supervisor"}
        token = requests.post(f"{self.url}/v1/auth/token", json=body, timeout=10).json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> Any:
        resp = requests.get(self.url + path, headers=self.headers, timeout=10)
        resp.raise_for_status()
        return resp.json()

    def items(self, path: str) -> list[Any]:
        items: list[Any] = self.get(path)["items"]
        return items

    def feed(self) -> list[Enquiry]:
        out, cursor = [], ""
        while True:
            page = self.get(f"/v1/changes?cursor={cursor}&limit=5000")
            out += [enquiry_from_wire(c["enquiry"]) for c in page["items"] if c["op"] == "upsert"]
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return out


@pytest.fixture(scope="module")
def service() -> Iterator[DemoService]:
    svc = DemoService(seed=3, open_enquiries=300, speed=0)  # speed 0: the service's clock stands still
    svc.start()
    yield svc
    svc.stop()


@pytest.fixture(scope="module")
def pulled(service: DemoService) -> dict[str, Any]:
    api = Client(service)
    moved = next(e for e in api.feed() if e.topic == "cards" and e.team_id == "social" and e.is_open)
    resp = requests.post(
        f"{api.url}/v1/enquiries/{moved.id}/assignment",
        headers={**api.headers, "If-Match": f'"{moved.version}"', "Idempotency-Key": "report-test-1"},
        json={"team_id": "cards", "agent_id": None, "reason": REASON, "actor": "sup.test"},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    now = ts(api.get("/v1/time")["now"], "now")
    teams = [team_from_wire(t) for t in api.items("/v1/teams")]
    calendars = {c.id: c for c in (calendar_from_wire(c) for c in api.items("/v1/calendars"))}
    policies = [policy_from_wire(p) for p in api.items("/v1/sla-policies")]
    agents = [agent_from_wire(a) for a in api.items("/v1/agents")]
    shift = next(s for s in map(shift_from_wire, api.items("/v1/shifts")) if s.start <= now < s.end)
    return {
        "now": now,
        "shift": shift,
        "teams": teams,
        "agents": agents,
        "enquiries": api.feed(),
        "moves": [assignment_from_wire(a) for a in api.items("/v1/assignments")],
        # The API has each agent's current status and since when: the log's open last interval.
        "log": [(a.id, a.status, a.status_since, None) for a in agents],
        "engine": SlaEngine(policies, calendars, {t.id: t for t in teams}),
        "moved": moved,
    }


@pytest.fixture(scope="module")
def report(pulled: dict[str, Any]) -> ShiftReport:
    p = pulled
    return compute_shift_report(
        p["shift"], p["enquiries"], p["moves"], p["log"], p["agents"], p["teams"], p["engine"], p["now"]
    )


def in_scope(e: Enquiry, team_ids: tuple[str, ...]) -> bool:
    return e.team_id is None or e.team_id in team_ids


def test_a_mid_shift_report_from_the_service(pulled: dict[str, Any], report: ShiftReport) -> None:
    shift, now, enquiries = pulled["shift"], pulled["now"], pulled["enquiries"]
    assert report.cutoff == now < report.end
    created = [e for e in enquiries if in_scope(e, shift.team_ids) and shift.start <= e.created_at <= now]
    assert report.summary.created == len(created) > 0
    still_open = {
        e.id for e in enquiries if in_scope(e, shift.team_ids) and e.is_open and e.created_at <= now
    }
    assert {c.enquiry_id for c in report.carried_over} == still_open
    due = met = 0
    for e in enquiries:
        if in_scope(e, shift.team_ids) and e.created_at <= now:
            for c in pulled["engine"].clocks(e):
                if shift.start <= c.due_at < now:
                    due += 1
                    met += c.stopped_at is not None and c.stopped_at <= c.due_at
    assert (report.summary.sla_due, report.summary.sla_met) == (due, met)
    assert report.summary.breaches == due - met
    agents = {a.agent_id: a for a in report.agents}
    busy = next(a for a in pulled["agents"] if a.status == "busy" and a.team_id in shift.team_ids)
    assert agents[busy.id].busy_s == pytest.approx(now - max(busy.status_since, shift.start))


def test_the_supervisors_move_is_listed_with_its_reason_masked(
    pulled: dict[str, Any], report: ShiftReport
) -> None:
    mine = [m for m in report.reassignments if m.enquiry_id == pulled["moved"].id]
    assert [(m.actor, m.from_team, m.to_team, m.result) for m in mine] == [
        ("sup.test", "social", "cards", "accepted")
    ]
    assert "12345678" not in mine[0].reason and mine[0].reason.startswith("Card query, customer gave acct")
    actor = next(a for a in report.reassignments_by_actor if a.actor == "sup.test")
    assert actor.moves == 1 and actor.reasons[0].n == 1


def test_no_customer_data_leaves_in_the_stored_report_or_exports(
    pulled: dict[str, Any], report: ShiftReport, tmp_path: Path
) -> None:
    stored = report.to_json()
    assert ShiftReport.from_json(stored) == report
    handles = {
        e.customer_handle for e in pulled["enquiries"] if e.id in {c.enquiry_id for c in report.carried_over}
    }
    # Agents' names are in the report on purpose (and the demo draws both from one list of names).
    names = {e.customer_name for e in pulled["enquiries"]} - {a.name for a in pulled["agents"]}
    assert handles and not any(h in stored for h in handles)
    assert not any(n in stored for n in names if n)
    with zipfile.ZipFile(to_csv(report, tmp_path / "r.zip")) as zf:
        everything = "".join(zf.read(n).decode("utf-8-sig") for n in zf.namelist())
    assert not any(h in everything for h in handles)
    assert to_pdf(report, tmp_path / "r.pdf").stat().st_size > 10_000
