"""Complaint decisions that keep their time, through the gateway on a real PostgreSQL: the decision made
last (by decided_at) is the enquiry's, so one a console sends late (it was offline) does not undo a newer
one from another console; it is kept, and answered with the enquiry as it stands (no new version, nothing
in the feed). A decided_at in the future or before the enquiry existed is 422; a request without one is
dated when received."""

from __future__ import annotations

import time
import uuid
from typing import Any

import psycopg
import pytest
import requests

from console.api.errors import PolicyError
from console.domain import wire
from console.gateway.http.server import Gateway
from tests.helpers.gateway import auth_headers, gateway_records, new_client

BODY = {"decision": "confirmed", "reason": "", "actor": "alice", "triggers": ["unfair"]}


def _undecided(dsn: str) -> dict[str, Any]:
    return next(
        r
        for _, r in sorted(gateway_records(dsn).items())
        if not r["flags"] and r.get("complaint_decision") is None and r["status"] == "open"
    )


def _kept(dsn: str, ident: str) -> list[tuple[str, str]]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT doc->>'decision', doc->>'decided_at' FROM complaint_decisions WHERE enquiry_id = %s "
            "ORDER BY n",
            (ident,),
        ).fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]


def test_a_late_older_decision_does_not_undo_a_newer_one_from_another_console(
    seeded_gateway: Gateway, pg_dsn: str
) -> None:
    gw = seeded_gateway
    e = _undecided(pg_dsn)
    ident = e["id"]
    offline, online = new_client(gw), new_client(gw)
    made_offline = round(time.time() - 600, 3)  # console A decided ten minutes ago, with no network
    # Console B decides later, and is online: its decision is the enquiry's.
    newer = online.decide_complaint(
        ident,
        decision="dismissed",
        reason="a question",
        actor="bo",
        triggers=[],
        idempotency_key="b-1",
        decided_at=made_offline + 120,
    )
    current = newer["enquiry"]
    assert current["version"] == e["version"] + 1
    assert current["complaint_decision"]["decided_at"] == wire.iso(made_offline + 120)
    head = gw.api.feed.head()
    # A's outbox sends its older decision now: kept, but the enquiry stands as it is.
    late = offline.decide_complaint(
        ident,
        decision="confirmed",
        reason="",
        actor="ann",
        triggers=["unfair"],
        idempotency_key="a-1",
        decided_at=made_offline,
    )
    assert late["enquiry"] == current == gateway_records(pg_dsn)[ident]
    assert gw.api.feed.head() == head, "an unchanged enquiry reached the feed"
    assert _kept(pg_dsn, ident) == [
        ("dismissed", wire.iso(made_offline + 120)),
        ("confirmed", wire.iso(made_offline)),
    ]
    # A's retry (its answer was lost) gets the same answer and records nothing more.
    again = offline.decide_complaint(
        ident,
        decision="confirmed",
        reason="",
        actor="ann",
        triggers=["unfair"],
        idempotency_key="a-1",
        decided_at=made_offline,
    )
    assert again == late and len(_kept(pg_dsn, ident)) == 2
    # A tie goes to the one received last.
    tie = offline.decide_complaint(
        ident,
        decision="confirmed",
        reason="",
        actor="ann",
        triggers=[],
        idempotency_key="a-2",
        decided_at=made_offline + 120,
    )
    assert tie["enquiry"]["version"] == current["version"] + 1
    assert tie["enquiry"]["complaint_decision"]["decided_by"] == "ann"
    offline.close()
    online.close()


def test_decided_at_is_checked_and_an_old_style_request_is_dated_when_received(
    seeded_gateway: Gateway, pg_dsn: str
) -> None:
    gw = seeded_gateway
    e = _undecided(pg_dsn)
    url = f"{gw.url}/v1/enquiries/{e['id']}/complaint"
    auth = auth_headers(gw)

    def post(body: dict[str, Any]) -> requests.Response:
        headers = {**auth, "Idempotency-Key": str(uuid.uuid4())}
        return requests.post(url, json=body, headers=headers, timeout=10)

    created = wire.ts(e["created_at"], "created_at")
    for when, words in (
        (wire.iso(time.time() + 3600), "ahead of the service's clock"),
        (wire.iso(created - 60), "before the enquiry was created"),
        ("2026-13-01T00:00:00Z", "ISO 8601"),
    ):
        refused = post({**BODY, "decided_at": when})
        assert refused.status_code == 422 and words in refused.json()["detail"], refused.text
    assert gateway_records(pg_dsn)[e["id"]]["version"] == e["version"]  # nothing decided, nothing kept
    assert _kept(pg_dsn, e["id"]) == []
    sent = time.time()
    plain = post(BODY)  # no decided_at: as before
    assert plain.status_code == 200, plain.text
    decided = plain.json()["enquiry"]["complaint_decision"]
    assert abs(wire.ts(decided["decided_at"], "decided_at") - sent) < 5
    # The console's client refuses nothing itself: the service's 422 is a PolicyError, said in words.
    api = new_client(gw)
    with pytest.raises(PolicyError, match="ahead of the service's clock"):
        api.decide_complaint(
            e["id"],
            decision="dismissed",
            reason="",
            actor="",
            triggers=[],
            idempotency_key="late-future",
            decided_at=time.time() + 3600,
        )
    api.close()
