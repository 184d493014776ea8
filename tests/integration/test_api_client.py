"""ApiClient fault behaviour against a tiny scripted HTTP server on 127.0.0.1 (a real server, real sockets):
retries, backoff, Retry-After, token refresh, typed errors, clock offset, and what never gets logged."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from email.utils import formatdate
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
from console.api.transport import proxies_for
from console.domain import wire
from tests.helpers.fake_api import DROP, HANG, Script, Seen, client_for, signed_in, tokens_body

# The client is driven through faults here: its retries and refused refreshes are expected.
pytestmark = [
    pytest.mark.expected_log(r"^retrying in ", logger="concierge.api"),
    pytest.mark.expected_log(r"^token refresh at .* was refused$", logger="concierge.api"),
]

OK_TEAMS: tuple[int, dict[str, str], Any] = (200, {}, {"items": [{"id": "t1"}]})


# -- configuration -------------------------------------------------------------------------------------


def test_plain_http_is_refused_for_remote_hosts_and_allowed_for_loopback() -> None:
    with pytest.raises(ValueError, match="plain http"):
        ApiClient(ApiSettings("http://api.bank.example"))
    for ok in ("http://127.0.0.1:8080", "http://localhost:1/", "http://[::1]:9", "https://api.bank.example"):
        ApiClient(ApiSettings(ok)).close()
    with pytest.raises(ValueError, match="web address"):
        ApiClient(ApiSettings("ftp://api.bank.example"))
    with pytest.raises(ValueError, match="user name or password"):
        ApiClient(ApiSettings("https://bob:pw@api.bank.example"))


def test_tls_verification_cannot_be_switched_off() -> None:
    with pytest.raises(ValueError, match="cannot be switched off"):
        ApiClient(ApiSettings("https://api.bank.example", ca_bundle=False))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot be switched off"):
        ApiClient(ApiSettings("https://api.bank.example", ca_bundle=""))
    api = ApiClient(ApiSettings("https://api.bank.example", ca_bundle="/etc/ssl/certs/ca-certificates.crt"))
    assert api._session.verify == "/etc/ssl/certs/ca-certificates.crt"
    assert ApiClient(ApiSettings("https://api.bank.example"))._session.verify is True


def test_proxy_choice_honours_loopback_and_no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    monkeypatch.delenv("https_proxy", raising=False)
    proxy = "http://proxy.corp:3128"
    assert proxies_for("https://api.bank.example/v1/teams", proxy) == {"http": proxy, "https": proxy}
    assert proxies_for("http://127.0.0.1:8080/v1/teams", proxy) == {}
    assert proxies_for("http://localhost:8080/v1/teams", proxy) == {}
    assert proxies_for("https://api.bank.example/v1/teams", None) == {}
    monkeypatch.setenv("NO_PROXY", ".bank.example")
    assert proxies_for("https://api.bank.example/v1/teams", proxy) == {}
    assert proxies_for("https://other.example/v1/teams", proxy) == {"http": proxy, "https": proxy}


def test_a_loopback_service_is_reached_directly_even_with_a_dead_proxy(fake: tuple[Script, str]) -> None:
    script, base = fake
    script.on("/v1/teams", OK_TEAMS)
    api = signed_in(base, proxy="http://127.0.0.1:9")  # nothing listens on port 9
    assert api.reference("teams") == [{"id": "t1"}]


# -- auth ----------------------------------------------------------------------------------------------


def test_login_sends_credentials_and_then_the_bearer_token(fake: tuple[Script, str]) -> None:
    script, base = fake
    script.on("/v1/auth/token", (200, {}, tokens_body(1)))
    script.on("/v1/teams", OK_TEAMS)
    got: list[Tokens] = []
    api = client_for(base, on_tokens=got.append)
    tokens = api.login("sam", "pw-SECRET")
    assert tokens.access_token == "acc-1-SECRET" and tokens.refresh_token == "ref-1-SECRET"
    assert got == [tokens]
    assert tokens.expires_at is not None and abs(tokens.expires_at - (time.time() + 900)) < 5
    assert "SECRET" not in repr(tokens)
    assert json.loads(script.seen[0].body) == {
        "username": "sam",
        "password": "pw-SECRET",
        "scope": "supervisor",
    }
    assert api.reference("teams") == [{"id": "t1"}]
    assert script.seen[1].headers["Authorization"] == "Bearer acc-1-SECRET"
    assert script.seen[1].headers["User-Agent"].startswith("Concierge/")


def test_bad_credentials_are_an_auth_error_with_the_servers_reason(fake: tuple[Script, str]) -> None:
    script, base = fake
    script.on(
        "/v1/auth/token", (401, {}, {"title": "Unauthorized", "status": 401, "detail": "Wrong password"})
    )
    with pytest.raises(AuthError, match="Wrong password"):
        client_for(base).login("sam", "nope")


def test_calls_before_sign_in_fail_clearly(fake: tuple[Script, str]) -> None:
    _, base = fake
    with pytest.raises(AuthError, match="Not signed in"):
        client_for(base).reference("teams")


def test_a_401_refreshes_once_and_retries_with_the_new_token(fake: tuple[Script, str]) -> None:
    script, base = fake

    def teams(seen: Seen) -> Any:
        ok = seen.headers.get("Authorization") == "Bearer acc-1-SECRET"
        return OK_TEAMS if ok else (401, {}, {"title": "Unauthorized", "status": 401})

    script.on("/v1/teams", teams)
    script.on("/v1/auth/refresh", (200, {}, tokens_body(1)))
    got: list[Tokens] = []
    api = signed_in(base, on_tokens=got.append)
    assert api.reference("teams") == [{"id": "t1"}]
    assert script.paths() == ["/v1/teams", "/v1/auth/refresh", "/v1/teams"]
    assert json.loads(script.seen[1].body) == {"refresh_token": "ref-0-SECRET"}
    assert [t.access_token for t in got] == ["acc-1-SECRET"]


def test_a_refused_refresh_is_an_auth_error(fake: tuple[Script, str]) -> None:
    script, base = fake
    script.on("/v1/teams", (401, {}, {"title": "Unauthorized", "status": 401}))
    script.on("/v1/auth/refresh", (401, {}, {"title": "Unauthorized", "status": 401}))
    with pytest.raises(AuthError, match="sign in again"):
        signed_in(base).reference("teams")
    assert script.paths() == ["/v1/teams", "/v1/auth/refresh"]


def test_a_bare_access_token_is_not_refreshed(fake: tuple[Script, str]) -> None:
    script, base = fake
    script.on("/v1/teams", (401, {}, {"title": "Unauthorized", "status": 401}))
    api = client_for(base)
    api.use_access_token("env-token-SECRET")
    with pytest.raises(AuthError):
        api.reference("teams")
    assert script.paths() == ["/v1/teams"]


def test_forbidden_scope_is_an_auth_error(fake: tuple[Script, str]) -> None:
    script, base = fake
    script.on(
        "/v1/agents/a1/status", (403, {}, {"title": "Forbidden", "status": 403, "detail": "viewer scope"})
    )
    with pytest.raises(AuthError, match="not allowed"):
        signed_in(base).set_agent_status("a1", "away")


# -- retries -------------------------------------------------------------------------------------------


def test_5xx_is_retried_then_succeeds(fake: tuple[Script, str]) -> None:
    script, base = fake
    script.on("/v1/teams", (503, {}, {"status": 503}), (500, {}, b"oops"), OK_TEAMS)
    assert signed_in(base).reference("teams") == [{"id": "t1"}]
    assert len(script.seen) == 3


def test_5xx_gives_up_after_max_retries(fake: tuple[Script, str]) -> None:
    script, base = fake
    script.on("/v1/teams", (502, {}, {"status": 502, "title": "Bad Gateway"}))
    with pytest.raises(ServerError, match="HTTP 502") as e:
        signed_in(base, max_retries=2).reference("teams")
    assert e.value.status == 502
    assert len(script.seen) == 3


def test_429_honours_retry_after_then_gives_up(fake: tuple[Script, str]) -> None:
    script, base = fake
    script.on("/v1/teams", (429, {"Retry-After": "0.3"}, {"status": 429}), OK_TEAMS)
    started = time.monotonic()
    assert signed_in(base).reference("teams") == [{"id": "t1"}]
    assert time.monotonic() - started >= 0.3  # the server's advice was longer than our own backoff
    script.on("/v1/teams", (429, {"Retry-After": "0"}, {"status": 429}))
    with pytest.raises(RateLimited, match="slow down") as e:
        signed_in(base, max_retries=1).reference("teams")
    assert e.value.retry_after == 0.0


def test_a_dropped_connection_is_retried(fake: tuple[Script, str]) -> None:
    script, base = fake
    script.on("/v1/teams", DROP, DROP, OK_TEAMS)
    assert signed_in(base).reference("teams") == [{"id": "t1"}]
    assert len(script.seen) == 3


def test_always_dropped_is_a_network_error_naming_the_host(fake: tuple[Script, str]) -> None:
    script, base = fake
    script.on("/v1/teams", DROP)
    with pytest.raises(NetworkError, match=r"Cannot reach 127\.0\.0\.1"):
        signed_in(base, max_retries=1).reference("teams")
    assert len(script.seen) == 2


def test_nothing_listening_is_a_network_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(NetworkError, match="Cannot reach"):
        signed_in(f"http://127.0.0.1:{port}", max_retries=1).reference("teams")


def test_a_slow_server_hits_the_read_timeout(fake: tuple[Script, str]) -> None:
    script, base = fake
    script.on("/v1/teams", HANG)
    with pytest.raises(NetworkError, match=r"no answer within 0\.2 s"):
        signed_in(base, read_timeout=0.2, max_retries=0).reference("teams")


def test_assignment_retry_reuses_the_idempotency_key(fake: tuple[Script, str]) -> None:
    script, base = fake
    done: tuple[int, dict[str, str], Any] = (
        200,
        {},
        {"enquiry": {"id": "e/1", "version": 4}, "assignment": {"id": "as1"}},
    )
    script.on("/v1/enquiries/e%2F1/assignment", (503, {}, {"status": 503}), DROP, done)
    result = signed_in(base).assign(
        "e/1",
        team_id="cards",
        agent_id=None,
        reason="card dispute",
        actor="sup1",
        version=3,
        idempotency_key="k-1",
    )
    assert result["assignment"]["id"] == "as1"
    assert len(script.seen) == 3
    assert {s.headers["Idempotency-Key"] for s in script.seen} == {"k-1"}
    assert {s.headers["If-Match"] for s in script.seen} == {'"3"'}
    assert json.loads(script.seen[0].body) == {
        "team_id": "cards",
        "agent_id": None,
        "reason": "card dispute",
        "actor": "sup1",
    }


def test_close_interrupts_a_backoff_wait(fake: tuple[Script, str]) -> None:
    script, base = fake
    script.on("/v1/teams", (503, {"Retry-After": "30"}, {"status": 503}))
    api = signed_in(base)
    errors: list[Exception] = []

    def call() -> None:
        try:
            api.reference("teams")
        except Exception as e:
            errors.append(e)

    thread = threading.Thread(target=call)
    started = time.monotonic()
    thread.start()
    while not script.seen:
        time.sleep(0.01)
    api.close()
    thread.join(5)
    assert not thread.is_alive() and time.monotonic() - started < 5
    assert isinstance(errors[0], NetworkError)


def test_a_client_closed_while_its_request_is_under_way_gives_up_without_announcing_a_retry(
    fake: tuple[Script, str],
) -> None:
    """Shutdown closes the clients of fetches still under way: their failure is the end, not a 'retrying'
    warning spilling into whatever runs next (no WARNING may be logged here: the logfail fixture)."""
    script, base = fake
    api = signed_in(base)

    def closed_meanwhile(_seen: object) -> tuple[int, dict[str, str], dict[str, int]]:
        api.close()
        return (503, {}, {"status": 503})

    script.on("/v1/teams", closed_meanwhile)
    with pytest.raises(NetworkError):
        api.reference("teams")
    assert len(script.paths()) == 1


# -- typed errors and shapes ---------------------------------------------------------------------------


def test_conflict_carries_the_current_state(fake: tuple[Script, str]) -> None:
    script, base = fake
    current = {
        "team_id": "fraud",
        "agent_id": "a9",
        "version": 5,
        "moved_by": "sup2",
        "moved_at": "2026-11-26T09:00:00Z",
    }
    script.on(
        "/v1/enquiries/e1/assignment", (409, {}, {"title": "Conflict", "status": 409, "current": current})
    )
    with pytest.raises(ConflictError, match="sup2") as e:
        signed_in(base).assign(
            "e1", team_id="cards", agent_id=None, reason="r", actor="sup1", version=3, idempotency_key="k"
        )
    assert e.value.current == current
    assert len(script.seen) == 1  # a refusal is an answer, not a failure: never retried


def test_policy_refusal_carries_the_servers_sentence(fake: tuple[Script, str]) -> None:
    script, base = fake
    sentence = "Fraud enquiries may only go to the Fraud team"
    script.on(
        "/v1/enquiries/e1/assignment", (422, {}, {"title": "Refused", "status": 422, "detail": sentence})
    )
    with pytest.raises(PolicyError) as e:
        signed_in(base).assign(
            "e1", team_id="cards", agent_id=None, reason="r", actor="sup1", version=3, idempotency_key="k"
        )
    assert e.value.detail == sentence and str(e.value) == sentence


def test_gone_cursor_and_not_found(fake: tuple[Script, str]) -> None:
    script, base = fake
    script.on("/v1/changes", (410, {}, {"title": "Gone", "status": 410}))
    script.on("/v1/enquiries/nope", (404, {}, {"title": "Not Found", "status": 404}))
    api = signed_in(base)
    with pytest.raises(GoneError, match="resync"):
        api.changes("old")
    with pytest.raises(NotFound):
        api.enquiry("nope")


@pytest.mark.parametrize(
    "payload",
    [
        b"{not json",
        b"[]",
        json.dumps({"items": {}, "next_cursor": "c", "has_more": False}).encode(),
        json.dumps({"items": [], "next_cursor": 7, "has_more": False}).encode(),
        json.dumps({"items": [], "next_cursor": "c", "has_more": "no"}).encode(),
    ],
)
def test_malformed_feed_pages_are_bad_data(fake: tuple[Script, str], payload: bytes) -> None:
    script, base = fake
    script.on("/v1/changes", (200, {}, payload))
    with pytest.raises(BadDataError, match="GET /v1/changes"):
        signed_in(base).changes("")


def test_feed_page_and_long_poll_parameters(fake: tuple[Script, str]) -> None:
    script, base = fake
    page = {"items": [{"seq": 1, "op": "delete", "id": "e1"}], "next_cursor": "c2", "has_more": True}
    script.on("/v1/changes", (200, {}, page))
    got = signed_in(base).changes("c1", limit=10, wait=1.5)
    assert got.items == page["items"] and got.next_cursor == "c2" and got.has_more is True
    assert script.seen[0].path == "/v1/changes?cursor=c1&limit=10&wait=1.5"
    with pytest.raises(ValueError):
        signed_in(base).changes("", limit=0)
    with pytest.raises(ValueError):
        signed_in(base).changes("", wait=61)


def test_ids_cannot_escape_their_path_segment(fake: tuple[Script, str]) -> None:
    script, base = fake
    script.on("/v1/enquiries/", (200, {}, {"items": []}))
    signed_in(base).messages("../agents?x=1")
    assert script.seen[0].path == "/v1/enquiries/..%2Fagents%3Fx%3D1/messages"


# -- clock ---------------------------------------------------------------------------------------------


def test_server_time_sets_the_clock_offset(fake: tuple[Script, str]) -> None:
    script, base = fake
    script.on("/v1/time", lambda _: (200, {}, {"now": wire.iso(time.time() + 120.0)}))
    api = client_for(base)
    api.server_time()
    assert abs(api.clock_offset - 120.0) < 0.5
    assert abs(api.now() - (time.time() + 120.0)) < 0.5


def test_date_headers_correct_a_wrong_offset(fake: tuple[Script, str]) -> None:
    script, base = fake
    script.on(
        "/v1/teams", lambda _: (200, {"Date": formatdate(time.time() - 3600, usegmt=True)}, {"items": []})
    )
    api = signed_in(base)
    api.reference("teams")
    assert abs(api.clock_offset + 3600) < 1.5


# -- secrets never logged ------------------------------------------------------------------------------


def test_no_secret_reaches_the_log(fake: tuple[Script, str], caplog: pytest.LogCaptureFixture) -> None:
    script, base = fake
    script.on("/v1/auth/token", (200, {}, tokens_body(1)))
    script.on("/v1/auth/refresh", (200, {}, tokens_body(2)))
    script.on("/v1/teams", (401, {}, {"status": 401}), (503, {}, {"status": 503}), OK_TEAMS)
    caplog.set_level(logging.DEBUG)
    api = client_for(base)
    api.login("sam", "pw-SECRET")
    api.reference("teams")
    assert "concierge.api" in {r.name for r in caplog.records}
    assert "SECRET" not in caplog.text
    assert "Authorization" not in caplog.text and "Bearer" not in caplog.text


def test_a_missing_ca_bundle_is_named() -> None:
    with pytest.raises(ValueError, match="does not exist"):
        ApiClient(ApiSettings("https://api.bank.example", ca_bundle="/nonexistent/ca.pem"))


def test_concurrent_401s_spend_the_refresh_token_once(fake: tuple[Script, str]) -> None:
    script, base = fake
    both_refused = threading.Barrier(2, timeout=5)

    def teams(seen: Seen) -> Any:
        if seen.headers.get("Authorization") == "Bearer acc-1-SECRET":
            return OK_TEAMS
        both_refused.wait()  # both threads hold the stale token before either refreshes
        return (401, {}, {"status": 401})

    script.on("/v1/teams", teams)
    # Rotation: the refresh token works once, then it is refused.
    script.on("/v1/auth/refresh", (200, {}, tokens_body(1)), (401, {}, {"status": 401}))
    got: list[Tokens] = []
    api = signed_in(base, on_tokens=got.append)
    results: list[Any] = []
    threads = [threading.Thread(target=lambda: results.append(api.reference("teams"))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == [[{"id": "t1"}], [{"id": "t1"}]]
    assert script.paths().count("/v1/auth/refresh") == 1 and len(got) == 1


def test_a_kept_refresh_token_alone_is_refreshed_before_the_first_call(fake: tuple[Script, str]) -> None:
    script, base = fake
    script.on("/v1/auth/refresh", (200, {}, tokens_body(1)))
    script.on("/v1/teams", OK_TEAMS)
    api = client_for(base)
    api.use_tokens(Tokens(access_token="", refresh_token="ref-0-SECRET", expires_at=0.0))
    assert api.reference("teams") == [{"id": "t1"}]
    assert script.paths() == ["/v1/auth/refresh", "/v1/teams"]
    assert script.seen[1].headers["Authorization"] == "Bearer acc-1-SECRET"


def test_a_dead_kept_refresh_token_is_tried_once(fake: tuple[Script, str]) -> None:
    script, base = fake
    script.on("/v1/auth/refresh", (401, {}, {"status": 401}))
    script.on("/v1/teams", (401, {}, {"status": 401}))
    api = client_for(base)
    api.use_tokens(Tokens(access_token="", refresh_token="ref-0-SECRET", expires_at=0.0))
    with pytest.raises(AuthError, match="sign in again"):
        api.reference("teams")
    assert script.paths() == ["/v1/auth/refresh"]  # no call with an empty token
