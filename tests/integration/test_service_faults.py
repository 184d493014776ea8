"""Each fault switch of the reference service, the admin endpoint, and auth (tokens, refresh, scopes)."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
import requests

from console.domain import wire
from console.service.faults import FaultSwitches, parse_spec
from console.service.server import DemoService
from tests.helpers.service import login

Make = Callable[..., DemoService]
Bearer = Callable[..., dict[str, str]]


def page(svc: DemoService, h: dict[str, str], **params: Any) -> requests.Response:
    return requests.get(f"{svc.url}/v1/changes", params={"limit": 5000, **params}, headers=h, timeout=10)


def test_the_spec_string_is_parsed_strictly() -> None:
    spec = (
        "5xx=0.1,429=0.05:2,slow=0.1:1.5,drop=0.05,malformed=0.02,invalid=0.02,dup=0.1,reorder=0.1,skew=300"
    )
    switches, skew = parse_spec(spec)
    assert skew == 300 and switches["429"].parameter == 2 and switches["slow"].parameter == 1.5
    assert switches["dup"].probability == 0.1 and len(switches) == 8
    for bad, words in (("boom=1", "unknown fault"), ("5xx=2", "between 0 and 1"), ("5xx", "name=value"),
                       ("429=x", "not a number"), ("slow=0.1:-1", "negative")):  # fmt: skip
        with pytest.raises(ValueError, match=words):
            parse_spec(bad)


def test_faults_are_seeded_and_can_be_changed_at_run_time() -> None:
    a, b = FaultSwitches("5xx=0.5", seed=3), FaultSwitches("5xx=0.5", seed=3)
    rolls = [a.roll("5xx") for _ in range(50)]
    assert rolls == [b.roll("5xx") for _ in range(50)] and 10 < rolls.count(None) < 40
    a.set("dup=1,skew=-20")
    assert a.roll("5xx") is None and a.roll("dup") == 0.0 and a.skew == -20
    assert a.spec() == "dup=1,skew=-20"
    a.clear()
    assert a.spec() == "" and a.skew == 0


def test_5xx_and_429(fresh_service: Make, bearer: Bearer) -> None:
    svc = fresh_service(open_enquiries=5)
    h = bearer(svc)
    svc.faults.set("5xx=1")
    statuses = {requests.get(f"{svc.url}/v1/teams", headers=h).status_code for _ in range(30)}
    assert statuses == {500, 502, 503}
    resp = requests.get(f"{svc.url}/v1/time")
    assert (
        resp.headers["Content-Type"].startswith("application/problem+json") and resp.json()["status"] >= 500
    )
    assert requests.get(f"{svc.url}/openapi.json").status_code == 200  # never faulted
    svc.faults.set("429=1:7")
    resp = requests.get(f"{svc.url}/v1/teams", headers=h)
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "7"


def test_slow_answers(fresh_service: Make) -> None:
    svc = fresh_service(open_enquiries=5, faults="slow=1:0.3")
    started = time.monotonic()
    assert requests.get(f"{svc.url}/v1/time").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_dropped_connections_before_and_mid_body(fresh_service: Make, bearer: Bearer) -> None:
    svc = fresh_service(open_enquiries=50)
    h = bearer(svc)
    svc.faults.set("drop=1")
    kinds: Counter[str] = Counter()
    for _ in range(12):
        with pytest.raises(requests.exceptions.RequestException) as err:
            page(svc, h).json()
        kinds[type(err.value).__name__] += 1
    assert kinds["ConnectionError"] and kinds["ChunkedEncodingError"], kinds
    svc.faults.clear()
    assert page(svc, h).status_code == 200  # the server lives on


def test_malformed_json(fresh_service: Make, bearer: Bearer) -> None:
    svc = fresh_service(open_enquiries=20)
    h = bearer(svc)
    svc.faults.set("malformed=1")
    resp = page(svc, h)
    assert resp.status_code == 200
    with pytest.raises(ValueError):
        json.loads(resp.content)


def test_invalid_records_only_in_transit(fresh_service: Make, bearer: Bearer) -> None:
    svc = fresh_service(open_enquiries=30)
    h = bearer(svc)
    svc.faults.set("invalid=1")
    bad = []
    for _ in range(6):
        for item in page(svc, h).json()["items"]:
            try:
                wire.enquiry_from_wire(item["enquiry"])
            except wire.BadRecord as e:
                bad.append((item["enquiry"]["id"], str(e)))
    assert len(bad) == 6
    assert {("status" in reason) or ("created_at" in reason) for _, reason in bad} == {True}
    svc.faults.clear()
    for ident, _ in bad:  # a client that re-fetches a quarantined id heals
        good = requests.get(f"{svc.url}/v1/enquiries/{ident}", headers=h).json()
        assert wire.enquiry_from_wire(good).id == ident


def test_duplicates_and_stale_versions_after_newer_ones(fresh_service: Make, bearer: Bearer) -> None:
    svc = fresh_service(open_enquiries=6)
    h = bearer(svc)
    for ident in list(svc.snapshot()):
        svc.update_enquiry(ident, priority="urgent")  # now each has a previous version
    svc.faults.set("dup=1")
    items = page(svc, h).json()["items"]
    assert len(items) == 7 and max(Counter(json.dumps(i) for i in items).values()) == 2
    svc.faults.set("reorder=1")
    items = page(svc, h).json()["items"]
    seen: dict[str, int] = {}
    stale = 0
    for item in items:
        ident, version = item["enquiry"]["id"], item["enquiry"]["version"]
        stale += ident in seen and version < seen[ident]
        seen[ident] = max(version, seen.get(ident, -1))
    assert stale == 1
    assert seen == {i: r["version"] for i, r in svc.snapshot().items()}


def test_clock_skew(fresh_service: Make, bearer: Bearer) -> None:
    svc = fresh_service(open_enquiries=5)
    h = bearer(svc)
    before = wire.ts(requests.get(f"{svc.url}/v1/time").json()["now"], "now")
    svc.faults.set("skew=300")
    resp = requests.get(f"{svc.url}/v1/time")
    assert wire.ts(resp.json()["now"], "now") - before == pytest.approx(300, abs=0.01)
    assert parsedate_to_datetime(resp.headers["Date"]).timestamp() == pytest.approx(before + 300, abs=1)
    added = svc.add_enquiry()
    assert wire.ts(added["created_at"], "created_at") == pytest.approx(before + 300, abs=0.01)
    assert requests.get(f"{svc.url}/v1/enquiries/{added['id']}", headers=h).json() == added


def test_admin_endpoint_flips_switches_from_another_process(fresh_service: Make) -> None:
    svc = fresh_service(open_enquiries=5)
    admin = f"{svc.url}/_admin/faults"
    assert requests.post(admin, data="5xx=1").json() == {"faults": "5xx=1"}
    assert requests.get(f"{svc.url}/v1/time").status_code >= 500
    assert requests.get(admin).status_code == 200  # faults never hit /_admin
    refused = requests.post(admin, data="5xx=7")
    assert refused.status_code == 422 and "between 0 and 1" in refused.json()["detail"]
    assert requests.post(admin, data="").json() == {"faults": ""}
    assert requests.get(f"{svc.url}/v1/time").status_code == 200


# --- auth -------------------------------------------------------------------------------------------


def test_sign_in_scopes_and_bad_credentials(demo_service: DemoService) -> None:
    url = demo_service.url
    tokens = login(demo_service)
    assert (
        tokens["token_type"] == "Bearer" and tokens["scope"] == "supervisor" and tokens["expires_in"] == 3600
    )
    assert login(demo_service, "wallboard")["scope"] == "viewer"
    assert login(demo_service, "supervisor", "viewer")["scope"] == "viewer"
    cases = (
        ({"username": "supervisor", "password": "wrong"}, 401),
        ({"username": "nobody", "password": "demo-supervisor"}, 401),
        ({"username": "wallboard", "password": "demo-viewer", "scope": "supervisor"}, 403),
        ({"username": "supervisor", "password": "demo-supervisor", "scope": "admin"}, 422),
        ({"username": "supervisor"}, 422),
    )
    for body, status in cases:
        resp = requests.post(f"{url}/v1/auth/token", json=body)
        assert resp.status_code == status, body
        assert resp.headers["Content-Type"].startswith("application/problem+json")
        assert "demo-supervisor" not in resp.text
    assert requests.post(f"{url}/v1/auth/token", data=b"{not json").status_code == 400


def test_missing_bad_and_expired_tokens_get_401(fresh_service: Make) -> None:
    svc = fresh_service(open_enquiries=5, token_ttl_s=0.3)
    no_token = requests.get(f"{svc.url}/v1/teams")
    assert no_token.status_code == 401 and no_token.headers["WWW-Authenticate"].startswith("Bearer")
    assert requests.get(f"{svc.url}/v1/teams", headers={"Authorization": "Bearer nope"}).status_code == 401
    tokens = login(svc)
    h = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert requests.get(f"{svc.url}/v1/teams", headers=h).status_code == 200
    time.sleep(0.35)  # the token's lifetime is real time: nothing to wait on but the clock
    expired = requests.get(f"{svc.url}/v1/teams", headers=h)
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]


def test_refresh_rotates(demo_service: DemoService) -> None:
    url = demo_service.url
    first = login(demo_service, "wallboard")
    second = requests.post(f"{url}/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}).json()
    assert second["access_token"] != first["access_token"] and second["scope"] == "viewer"
    again = requests.post(f"{url}/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert again.status_code == 401  # the old refresh token stopped working
    h = {"Authorization": f"Bearer {second['access_token']}"}
    assert requests.get(f"{url}/v1/teams", headers=h).status_code == 200
