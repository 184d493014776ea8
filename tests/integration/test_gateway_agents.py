"""Agents through the gateway on a real PostgreSQL: loads counted from the enquiries it holds (so the
capacity rule holds across quick moves and processes), and a supervisor's status change sent to the platform
first (refused: 422, down: 503, and nothing changed)."""

from __future__ import annotations

from typing import Any

import psycopg
import requests

from console.gateway.http.server import Gateway
from tests.helpers.gateway import RecordingUpstream, auth_headers, gateway_records


def test_an_agents_load_is_counted_from_the_enquiries_so_capacity_holds_across_moves(
    seeded_gateway: Gateway, pg_dsn: str
) -> None:
    """The connector's load is stale the moment a console moves work: the gateway counts open enquiries
    per agent itself, so the third move to an agent with room for two needs a reason, as the rules say."""
    gw = seeded_gateway
    agents = gw.ledger.reference("agents")
    agent = dict(next(a for a in agents if a["team_id"] == "social"))
    gw.ledger.put_reference(  # the platform says: available, room for 2, nothing on (stale, as it will be)
        "agents",
        [
            {**a, "status": "available", "capacity": 2, "load": 0} if a["id"] == agent["id"] else a
            for a in agents
        ],
    )
    with psycopg.connect(pg_dsn) as conn:  # the agent starts with nothing on
        conn.execute(
            "UPDATE enquiries SET body = body - 'agent_id' WHERE body->>'agent_id' = %s", (agent["id"],)
        )
    candidates = [
        r
        for _, r in sorted(gateway_records(pg_dsn).items())
        if r["team_id"] == "social" and r["status"] == "open" and not r["flags"] and r.get("agent_id") is None
    ][:3]
    assert len(candidates) == 3
    headers = auth_headers(gw)

    def move(rec: dict[str, Any], n: int) -> Any:
        body = {"team_id": "social", "agent_id": agent["id"], "reason": "", "actor": "alice"}
        h = {**headers, "If-Match": f'"{rec["version"]}"', "Idempotency-Key": f"load-{n}"}
        return requests.post(
            f"{gw.url}/v1/enquiries/{rec['id']}/assignment", json=body, headers=h, timeout=30
        )

    assert [move(r, n).status_code for n, r in enumerate(candidates[:2])] == [200, 200]
    load = next(a["load"] for a in gw.ledger.reference("agents") if a["id"] == agent["id"])
    assert load == 2  # counted, not the platform's 0
    third = move(candidates[2], 2)
    assert third.status_code == 422 and "at capacity (2 of 2" in third.json()["detail"]


def test_an_agent_status_goes_to_the_platform_first(two: tuple[Gateway, Gateway, RecordingUpstream]) -> None:
    a, _, upstream = two
    agent = next(x for x in a.ledger.reference("agents") if x["status"] != "offline")

    def put(status: str) -> Any:
        url = f"{a.url}/v1/agents/{agent['id']}/status"
        return requests.put(url, json={"status": status}, headers=auth_headers(a), timeout=30)

    assert put("offline").status_code == 200 and upstream.statuses == [(agent["id"], "offline")]
    upstream.refuse = "Chatwoot has no status 'away' for agents"
    refused = put("away")
    assert refused.status_code == 422 and "no status 'away'" in refused.json()["detail"]
    upstream.refuse, upstream.down = None, True
    down = put("available")
    assert down.status_code == 503 and down.headers["Retry-After"]
    shown = next(x for x in a.ledger.reference("agents") if x["id"] == agent["id"])
    assert shown["status"] == "offline"  # neither refusal changed anything
