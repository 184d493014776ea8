"""The OpenAPI 3.1 spec against the running reference service: schemathesis fuzzes every operation
(bounded), and every response body of a normal sync validates against the spec's schemas."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from console.service.server import DemoService
from tests.helpers.contract import BUSINESS, CONFIG, SPEC, assert_valid, validator
from tests.helpers.service import login


def test_the_spec_is_served_and_covers_every_endpoint_of_the_contract(demo_service: DemoService) -> None:
    served = requests.get(f"{demo_service.url}/openapi.json", timeout=10)
    assert served.status_code == 200 and served.json() == SPEC
    assert SPEC["openapi"].startswith("3.1")
    contract = (Path(__file__).parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    for path, ops in SPEC["paths"].items():
        for method, op in ops.items():
            assert f"{method.upper()} {path}" in contract or path in contract, (method, path)
            assert "200" in op["responses"] and "422" in op["responses"]
            if op["security"]:
                assert {"401", "403"} <= set(op["responses"])
    for listed in ("teams", "agents", "channels", "sla-policies", "calendars", "shifts"):
        assert f"/v1/{listed}" in SPEC["paths"]
    assert SPEC["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    supervisor_only = [{"bearerAuth": ["supervisor"]}]
    assert SPEC["paths"]["/v1/enquiries/{id}/assignment"]["post"]["security"] == supervisor_only


def test_every_response_of_a_normal_sync_validates(demo_service: DemoService) -> None:
    url = demo_service.url
    tokens = login(demo_service)
    assert_valid("TokenPair", tokens)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    with requests.Session() as s:
        s.headers.update(headers)
        assert_valid("Time", s.get(f"{url}/v1/time").json())
        for path, schema in (
            ("teams", "TeamList"),
            ("agents", "AgentList"),
            ("channels", "ChannelList"),
            ("sla-policies", "SLAPolicyList"),
            ("calendars", "CalendarList"),
            ("shifts", "ShiftList"),
        ):
            resp = s.get(f"{url}/v1/{path}")
            assert resp.status_code == 200 and resp.json()["items"]
            assert_valid(schema, resp.json())
        cursor, pages, seen = "", 0, 0
        while True:
            page = s.get(f"{url}/v1/changes", params={"cursor": cursor, "limit": "120"}).json()
            assert_valid("ChangesPage", page)
            pages, seen, cursor = pages + 1, seen + len(page["items"]), page["next_cursor"]
            if not page["has_more"]:
                break
        assert pages >= 3 and seen >= 300
        ident = next(iter(demo_service.snapshot()))
        assert_valid("Enquiry", s.get(f"{url}/v1/enquiries/{ident}").json())
        assert_valid("MessageList", s.get(f"{url}/v1/enquiries/{ident}/messages").json())
        assert_valid("AssignmentList", s.get(f"{url}/v1/enquiries/{ident}/assignments").json())
        assert_valid("AssignmentList", s.get(f"{url}/v1/assignments").json())
        problem = s.get(f"{url}/v1/enquiries/nope")
        assert problem.headers["Content-Type"].startswith("application/problem+json")
        assert_valid("Problem", problem.json())


def test_a_record_the_spec_rejects_is_caught() -> None:
    # the validator used above is not vacuous
    bad = {"items": [{"seq": 1, "op": "upsert", "enquiry": {"id": "x", "status": "bogus"}}]}
    assert list(validator("ChangesPage").iter_errors({**bad, "next_cursor": "c", "has_more": False}))


def test_a_move_and_a_conflict_validate(fresh_service: Callable[..., DemoService]) -> None:
    svc = fresh_service(open_enquiries=5)
    headers = {"Authorization": f"Bearer {login(svc)['access_token']}"}
    e = svc.add_enquiry(topic="cards", flags=frozenset())
    url = f"{svc.url}/v1/enquiries/{e['id']}/assignment"
    body = {"team_id": "cards", "agent_id": None, "reason": "card question", "actor": "sup1"}
    done = requests.post(url, json=body, headers={**headers, "If-Match": '"0"', "Idempotency-Key": "a"})
    assert done.status_code == 200
    assert_valid("AssignmentResult", done.json())
    late = requests.post(url, json=body, headers={**headers, "If-Match": '"0"', "Idempotency-Key": "b"})
    assert late.status_code == 409
    assert_valid("ConflictProblem", late.json())


# Loaded from the file (the same bytes the service serves, checked above): tests/helpers/contract.py.
schema = schemathesis.openapi.from_dict(SPEC, config=CONFIG)


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_fuzz_the_api_against_its_spec(case: Any, demo_service: DemoService) -> None:
    # a viewer token: the fuzzer reads everything but cannot change the shared service
    token = login(demo_service, "wallboard")["access_token"]
    case.call_and_validate(base_url=demo_service.url, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def private_service() -> Iterator[DemoService]:
    with DemoService(seed=9, open_enquiries=20, speed=0) as svc:
        yield svc


changing = schemathesis.openapi.from_dict(SPEC, config=BUSINESS).include(method=["POST", "PUT"])


@changing.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_fuzz_the_changing_operations_with_a_supervisor_token(
    case: Any, private_service: DemoService
) -> None:
    # ids the fuzzer cannot guess would only ever meet 404: point some cases at real ones
    if case.path_parameters and "id" in case.path_parameters and case.path_parameters["id"].startswith("0"):
        real = "ag-cards-01" if case.path.startswith("/v1/agents") else next(iter(private_service.snapshot()))
        case.path_parameters["id"] = real
    token = login(private_service)["access_token"]
    case.call_and_validate(base_url=private_service.url, headers={"Authorization": f"Bearer {token}"})
