"""The contract checks of test_contract.py, against the gateway on PostgreSQL: the spec served unchanged,
every response of a normal sync valid against it, a move and a conflict valid, and schemathesis fuzzing
every operation (bounded) with a viewer token, then the changing ones with a supervisor token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from console.gateway.http.server import Gateway
from tests.helpers.contract import BUSINESS, CONFIG, SPEC, assert_valid
from tests.helpers.gateway import seed, users, world
from tests.helpers.postgres import Cluster, database


@pytest.fixture(scope="module")
def gateway(pg_cluster: Cluster) -> Iterator[Gateway]:
    with database(pg_cluster) as dsn, Gateway(dsn) as gw:
        users(dsn)
        seed(gw.ledger, world(60))
        yield gw


def _token(gw: Gateway, user: str = "supervisor", password: str = "demo-supervisor", scope: str = "") -> Any:
    body = {"username": user, "password": password, "scope": scope or "supervisor"}
    resp = requests.post(f"{gw.url}/v1/auth/token", json=body, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_the_spec_is_served(gateway: Gateway) -> None:
    served = requests.get(f"{gateway.url}/openapi.json", timeout=10)
    assert served.status_code == 200 and served.json() == SPEC


def test_every_response_of_a_normal_sync_validates(gateway: Gateway) -> None:
    url = gateway.url
    tokens = _token(gateway)
    assert_valid("TokenPair", tokens)
    with requests.Session() as s:
        s.headers["Authorization"] = f"Bearer {tokens['access_token']}"
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
        cursor, pages, ids = "", 0, []
        while True:
            page = s.get(f"{url}/v1/changes", params={"cursor": cursor, "limit": "25"}).json()
            assert_valid("ChangesPage", page)
            pages, cursor = pages + 1, page["next_cursor"]
            ids += [c["enquiry"]["id"] for c in page["items"] if c["op"] == "upsert"]
            if not page["has_more"]:
                break
        assert pages >= 3 and len(ids) >= 60
        cursor, messages = "", 0
        while True:
            page = s.get(f"{url}/v1/messages", params={"cursor": cursor, "limit": "100"}).json()
            assert_valid("MessagesPage", page)
            cursor, messages = page["next_cursor"], messages + len(page["items"])
            if not page["has_more"]:
                break
        assert messages > 100
        assert_valid("Enquiry", s.get(f"{url}/v1/enquiries/{ids[0]}").json())
        assert_valid("MessageList", s.get(f"{url}/v1/enquiries/{ids[0]}/messages").json())
        assert s.get(f"{url}/v1/enquiries/{ids[0]}/messages").json()["items"]
        assert_valid("AssignmentList", s.get(f"{url}/v1/enquiries/{ids[0]}/assignments").json())
        assert_valid("AssignmentList", s.get(f"{url}/v1/assignments").json())
        problem = s.get(f"{url}/v1/enquiries/nope")
        assert problem.headers["Content-Type"].startswith("application/problem+json")
        assert_valid("Problem", problem.json())


schema = schemathesis.openapi.from_dict(SPEC, config=CONFIG)


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_fuzz_the_gateway_against_the_spec(case: Any, gateway: Gateway) -> None:
    token = _token(gateway, "wallboard", "demo-viewer", "viewer")["access_token"]
    case.call_and_validate(base_url=gateway.url, headers={"Authorization": f"Bearer {token}"})


changing = schemathesis.openapi.from_dict(SPEC, config=BUSINESS).include(method=["POST", "PUT"])


@changing.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_fuzz_the_gateway_s_changing_operations(case: Any, gateway: Gateway) -> None:
    if case.path_parameters and "id" in case.path_parameters and case.path_parameters["id"].startswith("0"):
        first = json.loads(gateway.api.feed.page(0, 1).items[0])
        real = "ag-cards-01" if case.path.startswith("/v1/agents") else first["enquiry"]["id"]
        case.path_parameters["id"] = real
    token = _token(gateway)["access_token"]
    case.call_and_validate(base_url=gateway.url, headers={"Authorization": f"Bearer {token}"})
