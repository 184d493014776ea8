"""The Service API client (contract: docs/api.md) over one requests.Session.

Every call has a timeout; GETs, the assignment and complaint POSTs (safe: a retry reuses the
Idempotency-Key) and the agent-status PUT are retried with exponential backoff and jitter on 5xx, 429
(Retry-After honoured, capped) and connection failures; a 401 refreshes the token once. TLS verification
is always on. Failures are typed errors (console.api.errors) whose str() a supervisor can read. The
logger "concierge.api" records method, path, status and timing, never a token, a password or a header.
"""

from __future__ import annotations

import logging
import os
import platform
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from console.api import payload
from console.api.errors import (
    ApiError,
    AuditMismatch,
    AuthError,
    BadDataError,
    ConflictError,
    GoneError,
    NetworkError,
    NotFound,
    PolicyError,
    RateLimited,
    ServerError,
    TlsError,
    error_for,
    network_error,
)
from console.api.retry import CAP_S, OFFLINE_AFTER_S, BackoffPolicy, jitter
from console.api.transport import (
    ApiSettings,
    Clock,
    FeedPage,
    Tokens,
    check_base_url,
    proxies_for,
    retry_after,
)
from console.domain import wire

__all__ = [
    "ApiClient",
    "ApiError",
    "ApiSettings",
    "AuditMismatch",
    "AuthError",
    "BadDataError",
    "ConflictError",
    "FeedPage",
    "GoneError",
    "NetworkError",
    "NotFound",
    "PolicyError",
    "RateLimited",
    "ServerError",
    "TlsError",
    "Tokens",
]

log = logging.getLogger("concierge.api")

VERSION = "0.1.0"
USER_AGENT = f"Concierge/{VERSION} (python-requests/{requests.__version__}; {platform.system() or 'unknown'})"
REFERENCE_KINDS = ("teams", "agents", "channels", "sla-policies", "calendars", "shifts")
LONG_POLL_MARGIN = 10.0  # seconds on top of `wait` before a long-poll read counts as lost


class ApiClient:
    def __init__(self, settings: ApiSettings, *, on_tokens: Callable[[Tokens], None] | None = None) -> None:
        self.settings = settings
        self.base_url = check_base_url(settings.base_url)
        self.host = urlsplit(self.base_url).netloc
        verify: Any = settings.ca_bundle
        if verify is False or verify == "":
            # Switching verification off must be impossible, not merely discouraged.
            raise ValueError("TLS verification cannot be switched off; give a CA bundle file instead")
        if settings.ca_bundle is not None and not isinstance(settings.ca_bundle, str):
            raise ValueError("ca_bundle must be the path of a CA bundle file")
        if settings.ca_bundle and not os.path.exists(settings.ca_bundle):
            raise ValueError(f"The CA bundle file {settings.ca_bundle!r} does not exist")
        self._verify: str | bool = settings.ca_bundle or True
        if settings.max_retries < 0 or settings.connect_timeout <= 0 or settings.read_timeout <= 0:
            raise ValueError("timeouts must be positive and max_retries must not be negative")
        self._on_tokens = on_tokens
        self._tokens: Tokens | None = None
        self._token_lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._closed = threading.Event()
        self._clock = Clock()
        self._session = requests.Session()
        self._session.trust_env = False  # proxies and CA come from settings (see api_net.proxies_for)
        self._session.verify = self._verify
        self._session.headers["User-Agent"] = USER_AGENT
        self._session.headers["Accept"] = "application/json, application/problem+json"

    # -- clock -------------------------------------------------------------------------------------

    @property
    def clock_offset(self) -> float:
        """Server minus local clock, in seconds."""
        return self._clock.offset

    def now(self) -> float:
        """The server's "now" (epoch seconds): what SLA countdowns count against."""
        return self._clock.now()

    def server_time(self) -> float:
        sent = time.time()
        body = self._json(self._request("GET", "/v1/time", auth=False), "GET /v1/time")
        received = time.time()
        if not isinstance(body, dict):
            raise self._bad("GET /v1/time", "expected an object with 'now'")
        try:
            server_now = wire.ts(body.get("now"), "now")
        except wire.BadRecord as e:
            raise self._bad("GET /v1/time", str(e)) from None
        self._clock.sample(server_now, sent, received)
        return server_now

    # -- auth --------------------------------------------------------------------------------------

    @property
    def tokens(self) -> Tokens | None:
        return self._tokens

    def login(self, username: str, password: str, scope: str = "supervisor") -> Tokens:
        body = {"username": username, "password": password, "scope": scope}
        resp = self._request("POST", "/v1/auth/token", json_body=body, auth=False, retry=True)
        tokens = self._tokens_from(resp, "POST /v1/auth/token")
        self._set_tokens(tokens)
        log.info("signed in to %s (scope %s)", self.host, tokens.scope or scope)
        return tokens

    def use_tokens(self, tokens: Tokens) -> None:
        with self._token_lock:
            self._tokens = tokens

    def use_access_token(self, token: str) -> None:
        """A bare access token (CONCIERGE_TOKEN, headless): no refresh, a 401 is final."""
        if not token.strip():
            raise ValueError("the access token is empty")
        self.use_tokens(Tokens(access_token=token.strip()))

    def _set_tokens(self, tokens: Tokens) -> None:
        with self._token_lock:
            self._tokens = tokens
        if self._on_tokens is not None:
            self._on_tokens(tokens)

    def _tokens_from(self, resp: requests.Response, what: str) -> Tokens:
        body = self._json(resp, what)
        if not isinstance(body, dict):
            raise self._bad(what, "expected a token object")
        access, refresh = body.get("access_token"), body.get("refresh_token")
        expires_in, scope = body.get("expires_in"), body.get("scope", "")
        if not isinstance(access, str) or not access:
            raise self._bad(what, "no access_token")
        if refresh is not None and not isinstance(refresh, str):
            raise self._bad(what, "refresh_token is not a string")
        if expires_in is not None and (
            isinstance(expires_in, bool) or not isinstance(expires_in, int | float)
        ):
            raise self._bad(what, "expires_in is not a number")
        return Tokens(
            access_token=access,
            refresh_token=refresh or None,
            expires_at=None if expires_in is None else time.time() + float(expires_in),
            scope=scope if isinstance(scope, str) else "",
        )

    def _refresh(self, stale: Tokens | None) -> bool:
        """Refresh once; True when a usable new access token is in place. Serialised end to end: the
        refresh token rotates, so two threads must never both spend it."""
        with self._refresh_lock:
            current = self._tokens
            if current is not None and stale is not None and current.access_token != stale.access_token:
                return True  # another thread refreshed while this request was in flight
            if current is None or not current.refresh_token:
                return False
            try:
                resp = self._request(
                    "POST",
                    "/v1/auth/refresh",
                    json_body={"refresh_token": current.refresh_token},
                    auth=False,
                )
            except AuthError:
                log.warning("token refresh at %s was refused", self.host)
                return False
            self._set_tokens(self._tokens_from(resp, "POST /v1/auth/refresh"))
        log.info("refreshed the access token for %s", self.host)
        return True

    # -- endpoints ---------------------------------------------------------------------------------

    def reference(self, kind: str) -> list[Any]:
        if kind not in REFERENCE_KINDS:
            raise ValueError(f"unknown reference kind {kind!r}; expected one of {', '.join(REFERENCE_KINDS)}")
        return self._items("GET", f"/v1/{kind}")

    def changes(self, cursor: str, limit: int = 2000, wait: float = 0.0) -> FeedPage:
        if not 0 <= wait <= 60:
            raise ValueError("wait must be within 0..60 seconds")
        params: dict[str, str | int | float] = {"cursor": cursor, "limit": limit}
        if wait:
            params["wait"] = wait
        # A long-poll may legitimately stay silent for `wait` seconds before the usual read timeout starts.
        return self._page("/v1/changes", params, wait + LONG_POLL_MARGIN if wait else None)

    def message_feed(self, cursor: str, limit: int = 2000) -> FeedPage:
        """GET /v1/messages: every message in the order the service recorded it (docs/api.md). A service
        without it answers 404 (NotFound)."""
        return self._page("/v1/messages", {"cursor": cursor, "limit": limit}, None)

    def _page(self, path: str, params: dict[str, str | int | float], read_timeout: float | None) -> FeedPage:
        if not 1 <= int(params["limit"]) <= 5000:
            raise ValueError("limit must be within 1..5000")
        what = f"GET {path}"
        body = self._json(self._request("GET", path, params=params, read_timeout=read_timeout), what)
        try:
            return FeedPage.read(body)
        except ValueError as e:
            raise self._bad(what, str(e)) from None

    def enquiry(self, enquiry_id: str) -> Any:
        return self._object("GET", f"/v1/enquiries/{_seg(enquiry_id)}")

    def messages(self, enquiry_id: str) -> list[Any]:
        return self._items("GET", f"/v1/enquiries/{_seg(enquiry_id)}/messages")

    def assignments(self, enquiry_id: str) -> list[Any]:
        return self._items("GET", f"/v1/enquiries/{_seg(enquiry_id)}/assignments")

    def assignments_since(self, since: float) -> list[Any]:
        """Assignments by every supervisor since `since` (epoch seconds)."""
        return self._items("GET", "/v1/assignments", params={"since": wire.iso(since)})

    def assign(
        self,
        enquiry_id: str,
        *,
        team_id: str,
        agent_id: str | None,
        reason: str,
        actor: str,
        version: int,
        idempotency_key: str,
    ) -> Any:
        """Reassign; raw {"enquiry", "assignment"}. ConflictError (409) / PolicyError (422) on refusal."""
        if not idempotency_key:
            raise ValueError("an Idempotency-Key is required: it makes the retry safe")
        what = "POST /v1/enquiries/{id}/assignment"
        body = {"team_id": team_id, "agent_id": agent_id, "reason": reason, "actor": actor}
        headers = {"If-Match": f'"{int(version)}"', "Idempotency-Key": idempotency_key}
        result = self._object(
            "POST", f"/v1/enquiries/{_seg(enquiry_id)}/assignment", json_body=body, headers=headers
        )
        if not isinstance(result.get("enquiry"), dict) or not isinstance(result.get("assignment"), dict):
            raise self._bad(what, "expected 'enquiry' and 'assignment' objects")
        return result

    def decide_complaint(
        self,
        enquiry_id: str,
        *,
        decision: str,
        reason: str,
        actor: str,
        triggers: list[str],
        idempotency_key: str,
        version: int | None = None,
        decided_at: float | None = None,
    ) -> Any:
        """Confirm or dismiss a proposed complaint; raw {"enquiry"}, which carries the decision.
        version: sent as If-Match (ConflictError when stale); None decides whatever changed meanwhile."""
        if not idempotency_key:
            raise ValueError("an Idempotency-Key is required: it makes the retry safe")
        body: dict[str, Any] = {"decision": decision, "reason": reason, "actor": actor, "triggers": triggers}
        if decided_at is not None:  # when the supervisor decided (server clock); else when received
            body["decided_at"] = wire.iso(decided_at)
        headers = {"Idempotency-Key": idempotency_key}
        if version is not None:
            headers["If-Match"] = f'"{int(version)}"'
        result = self._object(
            "POST", f"/v1/enquiries/{_seg(enquiry_id)}/complaint", json_body=body, headers=headers
        )
        if not isinstance(result.get("enquiry"), dict):
            raise self._bad("POST /v1/enquiries/{id}/complaint", "expected an 'enquiry' object")
        return result

    def audit_head(self, chain: str) -> tuple[int, str]:
        """The bank's copy of this cache's audit chain: (last seq, its hash); (0, genesis) when empty."""
        return self._audit_head(
            self._object("GET", f"/v1/audit/{_seg(chain)}/head"), "GET /v1/audit/{chain}/head"
        )

    def audit_append(self, chain: str, entries: list[dict[str, Any]]) -> tuple[int, str]:
        """Send audit entries that continue the bank's copy; returns its new head. AuditMismatch (409)
        when an entry differs from the copy the bank already holds."""
        try:
            body = self._object("POST", f"/v1/audit/{_seg(chain)}/entries", json_body={"entries": entries})
        except ConflictError as e:
            seq = e.current.get("seq")
            raise AuditMismatch(
                f"{self.host} holds a different audit trail for this cache (its copy ends at entry {seq}): "
                "the local history was rewritten",
                status=409,
            ) from None
        return self._audit_head(body, "POST /v1/audit/{chain}/entries")

    def _audit_head(self, body: dict[str, Any], what: str) -> tuple[int, str]:
        seq, digest = body.get("seq"), body.get("hash")
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0 or not isinstance(digest, str):
            raise self._bad(what, "expected 'seq' and 'hash'")
        return seq, digest

    def set_agent_status(self, agent_id: str, status: str) -> Any:
        return self._object("PUT", f"/v1/agents/{_seg(agent_id)}/status", json_body={"status": status})

    def close(self) -> None:
        self._closed.set()  # wakes any backoff wait at once
        self._session.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ----------------------------------------------------------------------------------

    def _items(self, method: str, path: str, params: dict[str, Any] | None = None) -> list[Any]:
        what = f"{method} {path}"
        body = self._json(self._request(method, path, params=params), what)
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise self._bad(what, "expected an object with an 'items' list")
        items: list[Any] = body["items"]
        return items

    def _object(
        self,
        method: str,
        path: str,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        what = f"{method} {path}"
        body = self._json(self._request(method, path, json_body=json_body, headers=headers), what)
        if not isinstance(body, dict):
            raise self._bad(what, "expected an object")
        return body

    def _bad(self, what: str, why: str) -> BadDataError:
        return BadDataError(f"The server at {self.host} sent data Concierge cannot use ({what}: {why})")

    def _json(self, resp: requests.Response, what: str) -> Any:
        try:
            return payload.loads(resp.content)
        except payload.PayloadError:
            raise self._bad(what, "the answer is not valid JSON") from None

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
        retry: bool = True,
        read_timeout: float | None = None,
    ) -> requests.Response:
        """One logical call: retries, one token refresh, and typed errors. Returns a 2xx response."""
        if self._closed.is_set():
            raise NetworkError("The connection to the server was closed")
        url = self.base_url + path
        timeout = (self.settings.connect_timeout, read_timeout or self.settings.read_timeout)
        refreshed = False
        attempt = 0
        while True:
            hdrs = dict(headers or {})
            used = None
            if auth:
                used = self._tokens
                if not refreshed and _expired(used, time.time()):
                    # Known to be stale (or only a refresh token was kept): refresh first, not after a 401.
                    refreshed = True
                    self._refresh(used)
                used = self._authorise(hdrs)
            sent = time.time()
            try:
                resp = self._session.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    headers=hdrs,
                    timeout=timeout,
                    verify=self._verify,
                    proxies=proxies_for(url, self.settings.proxy),
                    allow_redirects=False,
                )
                # Read the whole body here, so a connection dropped mid-body is a retryable failure.
                _ = resp.content
            except requests.exceptions.SSLError:
                raise TlsError(
                    f"The certificate of {self.host} could not be verified. If your organisation uses its own"
                    " certificate authority, set its CA bundle file in the settings."
                ) from None
            except (
                requests.exceptions.ConnectionError,
                requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as e:
                error = network_error(self.host, e, timeout)
                if retry and attempt < self.settings.max_retries:
                    self._pause(attempt, None, f"{method} {path}: {error}")
                    attempt += 1
                    continue
                raise error from None
            except requests.exceptions.RequestException as e:
                raise NetworkError(f"Cannot reach {self.host} ({type(e).__name__})") from None
            received = time.time()
            self._clock.observe_date(resp.headers.get("Date"), sent, received)
            status = resp.status_code
            log.debug("%s %s -> %d in %.0f ms", method, path, status, (received - sent) * 1000)
            if 200 <= status < 300:
                return resp
            if status == 401 and auth and not refreshed:
                refreshed = True
                if self._refresh(used):
                    continue
            if status == 429 or status >= 500:
                wait = retry_after(resp.headers.get("Retry-After"), time.time())
                if retry and attempt < self.settings.max_retries:
                    self._pause(attempt, wait, f"{method} {path}: HTTP {status}")
                    attempt += 1
                    continue
            raise error_for(
                resp.status_code,
                resp.content,
                resp.headers.get("Retry-After"),
                self.host,
                f"{method} {path}",
                auth=auth,
            )

    def _authorise(self, hdrs: dict[str, str]) -> Tokens:
        tokens = self._tokens
        if tokens is None:
            raise AuthError("Not signed in: sign in to the Service API first")
        if not tokens.access_token:
            raise AuthError(f"{self.host} no longer accepts this session; sign in again", status=401)
        hdrs["Authorization"] = f"Bearer {tokens.access_token}"
        return tokens

    def _pause(self, attempt: int, server_wait: float | None, why: str) -> None:
        """Wait before the next attempt, as the one back-off policy says (the sync loop's too)."""
        if self._closed.is_set():  # closed while the request was under way (shutdown): no retry to announce
            raise NetworkError("The connection to the server was closed")
        policy = BackoffPolicy(self.settings.backoff_s, CAP_S, OFFLINE_AFTER_S)
        delay = policy.delay(attempt, server_wait, jitter())
        log.warning(
            "retrying in %.1f s (attempt %d of %d): %s",
            delay,
            attempt + 2,
            self.settings.max_retries + 1,
            why,
        )
        if self._closed.wait(delay):
            raise NetworkError("The connection to the server was closed")


def _expired(tokens: Tokens | None, now: float) -> bool:
    """True when the access token is missing or past its expiry (no early margin: a server may issue
    very short-lived tokens, and refreshing ahead of time would then refresh on every call)."""
    if tokens is None or not tokens.refresh_token:
        return False
    return not tokens.access_token or (tokens.expires_at is not None and tokens.expires_at <= now)


def _seg(value: str) -> str:
    """One path segment: an id can never add path parts or a query."""
    if not isinstance(value, str) or not value:
        raise ValueError("an id must be a non-empty string")
    return quote(value, safe="")
