"""POST /v1/enquiries/{id}/complaint on the real reference service: scopes, idempotency, the optional
If-Match (409 when stale), 422 for an invalid decision, 404; the decision is kept on the enquiry (its
version goes up) and reaches every client through the change feed, and the answers match the spec."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema_rs
import requests

from console.domain import wire
from console.service.server import DemoService

SPEC: dict[str, Any] = json.loads(
    (Path(__file__).parents[2] / "console" / "service" / "openapi.json").read_text(encoding="utf-8")
)
Headers = Callable[..., dict[str, str]]
BODY = {"decision": "confirmed", "reason": "", "actor": "sup.ann", "triggers": ["disgraceful", "complaint"]}


def assert_valid(name: str, doc: Any) -> None:
    root = {"$ref": f"#/components/schemas/{name}", "components": SPEC["components"]}
    errors = [
        e.message for e in jsonschema_rs.Draft202012Validator(root, validate_formats=True).iter_errors(doc)
    ]
    assert errors == [], errors[:5]


def decide(
    svc: DemoService,
    ident: str,
    auth: dict[str, str],
    body: Any = BODY,
    key: str | None = None,
    **headers: str,
) -> requests.Response:
    return requests.post(
        f"{svc.url}/v1/enquiries/{ident}/complaint",
        json=body,
        headers={**auth, "Idempotency-Key": key or str(uuid.uuid4()), **headers},
        timeout=10,
    )


def test_a_decision_is_kept_on_the_enquiry_and_a_later_one_replaces_it(
    fresh_service: Callable[..., DemoService], bearer: Headers
) -> None:
    svc = fresh_service()
    auth = bearer(svc)
    e = svc.add_enquiry(topic="cards", flags=[])
    done = decide(svc, e["id"], auth)
    assert done.status_code == 200, done.text
    assert_valid("ComplaintDecisionResult", done.json())
    got = done.json()["enquiry"]
    assert got["version"] == e["version"] + 1
    made = got["complaint_decision"]
    assert (made["decision"], made["decided_by"], made["triggers"]) == (
        "confirmed",
        "sup.ann",
        BODY["triggers"],
    )
    assert wire.enquiry_from_wire(got).complaint_decision is not None  # the console reads it back
    # A supervisor changes their mind: the later decision replaces the earlier one, with its reason.
    again = decide(svc, e["id"], auth, {**BODY, "decision": "dismissed", "reason": "a question about fees"})
    assert again.status_code == 200
    latest = again.json()["enquiry"]
    assert latest["version"] == got["version"] + 1
    assert (latest["complaint_decision"]["decision"], latest["complaint_decision"]["reason"]) == (
        "dismissed",
        "a question about fees",
    )
    assert [d.decision for d in svc.api.decisions.history[e["id"]]] == ["confirmed", "dismissed"]  # kept
    # Served by GET and through the change feed, like any change of the enquiry.
    served = requests.get(f"{svc.url}/v1/enquiries/{e['id']}", headers=auth, timeout=10).json()
    assert served["complaint_decision"]["decision"] == "dismissed"
    feed = requests.get(f"{svc.url}/v1/changes", params={"limit": "5000"}, headers=auth, timeout=10).json()
    assert_valid("ChangesPage", feed)
    mine = [c["enquiry"] for c in feed["items"] if c.get("enquiry", {}).get("id") == e["id"]]
    assert mine and mine[-1]["complaint_decision"]["decision"] == "dismissed"


def test_the_same_idempotency_key_returns_the_first_answer_and_decides_once(
    fresh_service: Callable[..., DemoService], bearer: Headers
) -> None:
    svc = fresh_service()
    auth = bearer(svc)
    e = svc.add_enquiry()
    key = str(uuid.uuid4())
    first = decide(svc, e["id"], auth, key=key)
    # The retry of a lost answer (even with another body) changes nothing and answers the same.
    second = decide(svc, e["id"], auth, {**BODY, "decision": "dismissed"}, key=key)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert svc.snapshot()[e["id"]]["version"] == e["version"] + 1
    assert len(svc.api.decisions.history[e["id"]]) == 1


def test_if_match_is_optional_and_a_stale_one_is_a_conflict(
    fresh_service: Callable[..., DemoService], bearer: Headers
) -> None:
    svc = fresh_service()
    auth = bearer(svc)
    e = svc.add_enquiry()
    current = decide(svc, e["id"], auth, **{"If-Match": f'"{e["version"]}"'})
    assert current.status_code == 200
    stale = decide(svc, e["id"], auth, {**BODY, "decision": "dismissed"}, **{"If-Match": f'"{e["version"]}"'})
    assert stale.status_code == 409
    assert_valid("ConflictProblem", stale.json())
    assert stale.json()["current"]["version"] == e["version"] + 1
    assert svc.snapshot()[e["id"]]["complaint_decision"]["decision"] == "confirmed"  # not applied


def test_invalid_decisions_are_422_and_unknown_enquiries_404(
    fresh_service: Callable[..., DemoService], bearer: Headers
) -> None:
    svc = fresh_service()
    auth = bearer(svc)
    e = svc.add_enquiry()
    for body in (
        {**BODY, "decision": "maybe"},
        {**BODY, "reason": "x" * 2001},
        {**BODY, "triggers": [f"w{i}" for i in range(21)]},
        {**BODY, "triggers": "disgraceful"},
        {k: v for k, v in BODY.items() if k != "decision"},
        {**BODY, "actor": "sup\x00ann"},
        ["confirmed"],
    ):
        refused = decide(svc, e["id"], auth, body)
        assert refused.status_code == 422, body
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        assert_valid("Problem", refused.json())
    no_key = requests.post(f"{svc.url}/v1/enquiries/{e['id']}/complaint", json=BODY, headers=auth, timeout=10)
    assert no_key.status_code == 422
    assert svc.snapshot()[e["id"]]["version"] == e["version"]  # nothing was decided
    missing = decide(svc, "E-none", auth)
    assert missing.status_code == 404
    assert_valid("Problem", missing.json())


def test_only_a_supervisor_decides(fresh_service: Callable[..., DemoService], bearer: Headers) -> None:
    svc = fresh_service()
    e = svc.add_enquiry()
    assert decide(svc, e["id"], bearer(svc, "wallboard")).status_code == 403  # a viewer token
    assert decide(svc, e["id"], {}).status_code == 401
    assert decide(svc, e["id"], {"Authorization": "Bearer nonsense"}).status_code == 401
    assert svc.snapshot()[e["id"]]["version"] == e["version"]


def _at(t: float) -> str:
    return wire.iso(t)


def test_a_decision_keeps_the_time_it_was_made_and_a_late_older_one_does_not_undo_a_newer(
    fresh_service: Callable[..., DemoService], bearer: Headers
) -> None:
    svc = fresh_service()
    auth = bearer(svc)
    e = svc.add_enquiry(topic="cards", flags=[])
    made_offline = svc.clock.now() + 60  # console A decides, offline; its outbox sends it hours later
    svc.advance(600)
    newer = decide(
        svc, e["id"], auth, {**BODY, "decision": "dismissed", "decided_at": _at(made_offline + 300)}
    )
    assert newer.status_code == 200, newer.text
    current = newer.json()["enquiry"]
    assert current["complaint_decision"]["decided_at"] == _at(made_offline + 300)
    svc.advance(3 * 3600)  # the enquiry lives on meanwhile
    stands = svc.snapshot()[e["id"]]
    late = decide(svc, e["id"], auth, {**BODY, "decided_at": _at(made_offline)})
    # Answered 200 with the enquiry as it stands: the newer decision, the version not moved.
    assert late.status_code == 200, late.text
    assert_valid("ComplaintDecisionResult", late.json())
    assert late.json()["enquiry"] == stands == svc.snapshot()[e["id"]]
    assert stands["complaint_decision"] == current["complaint_decision"]
    kept = svc.api.decisions.history[e["id"]]  # both kept, in the order received, each with its own time
    assert [(d.decision, wire.iso(d.decided_at)) for d in kept] == [
        ("dismissed", _at(made_offline + 300)),
        ("confirmed", _at(made_offline)),
    ]
    # A tie goes to the one received last; a decision without decided_at is dated when received.
    tie = decide(svc, e["id"], auth, {**BODY, "decided_at": _at(made_offline + 300)})
    assert tie.json()["enquiry"]["complaint_decision"]["decision"] == "confirmed"
    assert tie.json()["enquiry"]["version"] == stands["version"] + 1
    plain = decide(svc, e["id"], auth, {**BODY, "decision": "dismissed"})  # an old-style request
    assert plain.status_code == 200
    got = plain.json()["enquiry"]["complaint_decision"]
    assert got["decision"] == "dismissed"
    assert abs(wire.ts(got["decided_at"], "t") - svc.clock.now()) < 1


def test_a_decided_at_in_the_future_before_the_enquiry_or_unreadable_is_422(
    fresh_service: Callable[..., DemoService], bearer: Headers
) -> None:
    svc = fresh_service()
    auth = bearer(svc)
    e = svc.add_enquiry()
    created = wire.ts(e["created_at"], "created_at")
    now = svc.clock.now()
    assert decide(svc, e["id"], auth, {**BODY, "decided_at": _at(now + 290)}).status_code == 200  # slack
    for when, words in (
        (_at(now + 301), "ahead of the service's clock"),
        (_at(now + 86400), "ahead of the service's clock"),
        (_at(created - 1), "before the enquiry was created"),
        ("yesterday", "ISO 8601"),
        ("2026-12-05T10:00:00", "ISO 8601"),  # no timezone
        (None, "ISO 8601"),
        (1790000000, "ISO 8601"),
    ):
        refused = decide(svc, e["id"], auth, {**BODY, "decided_at": when})
        assert refused.status_code == 422, when
        assert_valid("Problem", refused.json())
        assert words in refused.json()["detail"], refused.json()["detail"]
    assert svc.snapshot()[e["id"]]["version"] == e["version"] + 1  # only the first was decided
