"""ApiClient against the real reference service (console.service.server.DemoService) on 127.0.0.1:
sign-in, refresh, every endpoint, and the service's fault switches (5xx, 429, drop, slow, malformed)."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from console.api.client import (
    ApiClient,
    ApiSettings,
    AuthError,
    BadDataError,
    ConflictError,
    GoneError,
    NetworkError,
    NotFound,
    PolicyError,
    RateLimited,
    ServerError,
    Tokens,
)
from console.domain import wire
from console.service.server import DemoService
from console.store.rows import REFERENCE_PARSERS

USER, PASSWORD = "supervisor", "demo-supervisor"


@pytest.fixture(scope="module")
def service() -> Iterator[DemoService]:
    with DemoService(seed=3, open_enquiries=40, speed=0) as svc:
        yield svc


@pytest.fixture
def svc(service: DemoService) -> Iterator[DemoService]:
    service.faults.clear()
    yield service
    service.faults.clear()


def client(svc: DemoService, **kw: Any) -> ApiClient:
    on_tokens = kw.pop("on_tokens", None)
    return ApiClient(ApiSettings(svc.url, backoff_s=0.01, **kw), on_tokens=on_tokens)


@pytest.fixture
def api(svc: DemoService) -> Iterator[ApiClient]:
    a = client(svc)
    a.login(USER, PASSWORD)
    yield a
    a.close()


def read_feed(api: ApiClient, cursor: str = "", limit: int = 15) -> tuple[list[Any], str]:
    items: list[Any] = []
    while True:
        page = api.changes(cursor, limit=limit)
        items += page.items
        cursor = page.next_cursor
        if not page.has_more:
            return items, cursor


# -- auth ----------------------------------------------------------------------------------------------


def test_sign_in_and_bad_credentials(svc: DemoService) -> None:
    got: list[Tokens] = []
    api = client(svc, on_tokens=got.append)
    tokens = api.login(USER, PASSWORD)
    assert tokens.scope == "supervisor" and tokens.refresh_token and got == [tokens]
    assert api.reference("teams")
    with pytest.raises(AuthError, match="user name or password is wrong"):
        client(svc).login(USER, "wrong")


def test_viewer_scope_cannot_change_anything(svc: DemoService) -> None:
    api = client(svc)
    api.login("wallboard", "demo-viewer", scope="viewer")
    assert api.reference("agents")
    with pytest.raises(AuthError, match="not allowed") as e:
        api.set_agent_status("ag-social-01", "away")
    assert e.value.status == 403


@pytest.mark.expected_log(r"^token refresh at .* was refused$", logger="concierge.api")
def test_a_refused_token_is_refreshed_once_and_the_old_refresh_token_dies(svc: DemoService) -> None:
    first = client(svc).login(USER, PASSWORD)
    got: list[Tokens] = []
    api = client(svc, on_tokens=got.append)
    # An access token the server does not know (as after expiry), with a good refresh token.
    api.use_tokens(Tokens("expired-access", first.refresh_token, None, "supervisor"))
    assert api.reference("channels")
    assert (
        len(got) == 1
        and got[0].access_token != "expired-access"
        and got[0].refresh_token != first.refresh_token
    )
    stale = client(svc)
    stale.use_tokens(Tokens("expired-access", first.refresh_token, None, "supervisor"))
    with pytest.raises(AuthError, match="sign in again"):
        stale.reference("channels")


def test_a_bare_access_token_works_until_refused(svc: DemoService) -> None:
    token = client(svc).login(USER, PASSWORD).access_token
    api = client(svc)
    api.use_access_token(token)
    assert api.reference("calendars")
    api.use_access_token("nonsense")
    with pytest.raises(AuthError):
        api.reference("calendars")


# -- every endpoint ------------------------------------------------------------------------------------


def test_reference_data_parses_with_the_wire_module(api: ApiClient) -> None:
    for kind, parse in REFERENCE_PARSERS.items():  # what the cache parses each kind with
        items = api.reference(kind)
        assert items, kind
        for item in items:
            parse(item)
    with pytest.raises(ValueError, match="unknown reference kind"):
        api.reference("users")


def test_server_time_and_clock_offset(svc: DemoService, api: ApiClient) -> None:
    server_now = api.server_time()
    assert abs(server_now - svc.server_now()) < 1
    assert abs(api.clock_offset - (svc.server_now() - time.time())) < 0.5
    svc.faults.set("skew=300")
    api.server_time()
    assert abs(api.clock_offset - (svc.server_now() - time.time())) < 0.5
    api.reference("teams")  # Date headers agree with the measured offset: no jump
    assert abs(api.now() - svc.server_now()) < 1.1


def test_the_feed_read_to_its_end_then_a_long_poll_wakes_on_a_change(
    svc: DemoService, api: ApiClient
) -> None:
    items, cursor = read_feed(api)
    upserts = {i["enquiry"]["id"] for i in items if i["op"] == "upsert"}
    assert upserts == set(svc.snapshot())
    for i in items:
        if i["op"] == "upsert":
            wire.enquiry_from_wire(i["enquiry"])
    assert api.changes(cursor).items == []
    pages: list[Any] = []
    poll = threading.Thread(target=lambda: pages.append(api.changes(cursor, wait=20)))
    poll.start()
    added = svc.add_enquiry(topic="cards")
    poll.join(25)
    assert [i["enquiry"]["id"] for i in pages[0].items] == [added["id"]]


def test_an_unknown_cursor_is_gone(api: ApiClient) -> None:
    with pytest.raises(GoneError):
        api.changes("someone-else.999999")


def test_enquiry_messages_and_history(svc: DemoService, api: ApiClient) -> None:
    ident = next(iter(svc.snapshot()))
    assert api.enquiry(ident)["id"] == ident
    messages = api.messages(ident)
    assert messages and all(wire.message_from_wire(m).enquiry_id == ident for m in messages)
    assert isinstance(api.assignments(ident), list)
    with pytest.raises(NotFound):
        api.enquiry("no-such-enquiry")


def test_assign_conflict_policy_and_idempotency(svc: DemoService, api: ApiClient) -> None:
    e = svc.add_enquiry(topic="cards", flags=frozenset(), status="open")
    key = str(uuid.uuid4())
    moved = api.assign(
        e["id"],
        team_id="cards",
        agent_id=None,
        reason="card query",
        actor="sup1",
        version=e["version"],
        idempotency_key=key,
    )
    assert moved["enquiry"]["team_id"] == "cards" and moved["enquiry"]["version"] > 0
    again = api.assign(
        e["id"],
        team_id="cards",
        agent_id=None,
        reason="card query",
        actor="sup1",
        version=e["version"],
        idempotency_key=key,
    )
    assert again == moved  # the same key: the first answer, nothing done twice
    with pytest.raises(ConflictError) as conflict:
        api.assign(
            e["id"],
            team_id="lending",
            agent_id=None,
            reason="r",
            actor="sup2",
            version=e["version"],
            idempotency_key="k2",
        )
    assert conflict.value.current["version"] == moved["enquiry"]["version"]
    assert set(conflict.value.current) >= {"team_id", "agent_id", "version", "moved_by", "moved_at"}
    fraud = svc.add_enquiry(topic="fraud", flags=frozenset({"fraud_risk"}), status="open")
    with pytest.raises(PolicyError) as refused:
        api.assign(
            fraud["id"],
            team_id="cards",
            agent_id=None,
            reason="r",
            actor="sup1",
            version=fraud["version"],
            idempotency_key="k3",
        )
    assert "fraud" in refused.value.detail.lower() and str(refused.value) == refused.value.detail


def test_agent_status_and_assignments_since(svc: DemoService, api: ApiClient) -> None:
    agent = api.set_agent_status("ag-cards-01", "away")
    assert agent["status"] == "away" and wire.agent_from_wire(agent).id == "ag-cards-01"
    assert isinstance(api.assignments_since(svc.server_now() - 3600), list)


# -- fault switches ------------------------------------------------------------------------------------


@pytest.mark.expected_log(r"^retrying in ", logger="concierge.api")
def test_intermittent_faults_are_ridden_out(svc: DemoService, api: ApiClient) -> None:
    svc.faults.set("5xx=0.1,429=0.1:0.01,drop=0.1")
    for kind in ("teams", "agents", "channels", "sla-policies", "calendars", "shifts") * 3:
        assert api.reference(kind)
    items, _ = read_feed(api)
    assert {i["enquiry"]["id"] for i in items if i["op"] == "upsert"} == set(svc.snapshot())


@pytest.mark.expected_log(r"^retrying in ", logger="concierge.api")
def test_assignment_through_dropped_answers_happens_once(
    svc: DemoService, caplog: pytest.LogCaptureFixture
) -> None:
    e = svc.add_enquiry(topic="lending", flags=frozenset(), status="open")
    svc.faults.set("drop=0.5,5xx=0.2")
    api = client(svc, max_retries=10)
    api.login(USER, PASSWORD)
    moved = api.assign(
        e["id"],
        team_id="lending",
        agent_id=None,
        reason="loan",
        actor="sup1",
        version=e["version"],
        idempotency_key="once-1",
    )
    svc.faults.clear()
    assert "retrying" in caplog.text  # the faults did hit this call
    history = [a for a in api.assignments(e["id"]) if a["result"] == "accepted"]
    assert len(history) == 1 and history[0]["id"] == moved["assignment"]["id"]
    assert api.enquiry(e["id"])["version"] == moved["enquiry"]["version"]


@pytest.mark.expected_log(r"^retrying in ", logger="concierge.api")
def test_persistent_faults_become_typed_errors(svc: DemoService, api: ApiClient) -> None:
    svc.faults.set("5xx=1")
    with pytest.raises(ServerError, match="try again later"):
        api.reference("teams")
    svc.faults.set("429=1:0")
    with pytest.raises(RateLimited):
        api.reference("teams")
    svc.faults.set("drop=1")
    with pytest.raises(NetworkError, match="Cannot reach 127"):
        api.reference("teams")
    svc.faults.set("malformed=1")
    with pytest.raises(BadDataError, match="not valid JSON"):
        api.reference("teams")


def test_a_slow_server_hits_the_read_timeout(svc: DemoService) -> None:
    api = client(svc, read_timeout=0.2, max_retries=0)
    api.login(USER, PASSWORD)
    svc.faults.set("slow=1:0.6")
    with pytest.raises(NetworkError, match="no answer within"):
        api.reference("teams")


def test_no_secret_in_any_log(svc: DemoService, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    got: list[Tokens] = []
    api = client(svc, on_tokens=got.append)
    first = api.login(USER, PASSWORD)
    api.use_tokens(Tokens("stale-access", first.refresh_token, None, "supervisor"))
    svc.faults.set("5xx=0.3")
    api.reference("teams")
    secrets = [PASSWORD, first.access_token, first.refresh_token or "?", got[-1].access_token]
    assert caplog.records and not [s for s in secrets if s in caplog.text]
    assert "Bearer" not in caplog.text
