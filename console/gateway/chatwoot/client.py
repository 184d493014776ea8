"""Chatwoot's REST API as the connector uses it (chatwoot-api.json): paging, 429 with Retry-After honoured,
5xx and network failures retried with the project's one back-off policy, every answer checked against the
description. The API token is sent in Chatwoot's `api_access_token` header and never logged: it is
registered with the log redaction the moment it is read."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from console.api.retry import BackoffPolicy, jitter
from console.gateway.chatwoot.spec import SchemaError, check_schema
from console.platform.log_setup import register_secret

log = logging.getLogger("concierge.gateway.chatwoot")

ENV_TOKEN = "CHATWOOT_API_TOKEN"  # noqa: S105 - the name of the variable, not a secret
KEYRING_SERVICE = "concierge-gateway"
KEYRING_NAME = "chatwoot_api_token"
PAGE_SIZE = 25  # conversations a page (Chatwoot's fixed size)
MESSAGES_PAGE = 20  # messages a page


class ChatwootUnavailable(Exception):
    """Chatwoot could not be reached, kept failing or rate-limiting, or answered a shape we cannot read."""


class ChatwootRefused(Exception):
    """Chatwoot answered 4xx (other than 429): it will not do this. `status` is the HTTP status."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


def token_from_environment() -> str | None:
    """The token from CHATWOOT_API_TOKEN, else the gateway's keyring entry (service concierge-gateway, as
    the gateway's DSN); None when neither has one."""
    token = os.environ.get(ENV_TOKEN)
    if not token:
        try:
            import keyring  # only when the environment has nothing

            token = keyring.get_password(KEYRING_SERVICE, KEYRING_NAME)
        except Exception as e:  # no usable keyring here: the environment is the way
            log.info("no Chatwoot token from the keyring (%s)", type(e).__name__)
            token = None
    if token:
        register_secret(token)
    return token or None


@dataclass(frozen=True, slots=True)
class ClientSettings:
    base_url: str
    account_id: int
    timeout_s: float = 10.0
    attempts: int = 6  # one request: first try plus retries
    policy: BackoffPolicy = field(default_factory=BackoffPolicy.current)


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds: a number, or an HTTP date (email.utils reads those)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class ChatwootClient:
    def __init__(
        self,
        settings: ClientSettings,
        token: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        register_secret(token)
        self.settings = settings
        self._sleep = sleep
        self._session = session or requests.Session()
        self._session.headers.update({"api_access_token": token, "Accept": "application/json"})
        self._base = f"{settings.base_url.rstrip('/')}/api/v1/accounts/{settings.account_id}"
        self.retries = 0  # requests retried (429, 5xx, network), for the gateway's status and the tests
        self.rate_limited = 0

    def close(self) -> None:
        self._session.close()

    def _request(self, method: str, path: str, schema: str | None, **kwargs: Any) -> Any:
        url, policy = self._base + path, self.settings.policy
        last = ""
        for attempt in range(self.settings.attempts):
            if attempt:
                self.retries += 1
            retry_after: float | None = None
            try:
                resp = self._session.request(method, url, timeout=self.settings.timeout_s, **kwargs)
            except requests.RequestException as e:
                last = f"{type(e).__name__}"
            else:
                if resp.status_code < 400:
                    return self._read(resp, schema, method, path)
                if resp.status_code == 429:
                    self.rate_limited += 1
                    retry_after = _retry_after(resp.headers.get("Retry-After"))
                    last = "429 rate limited"
                elif resp.status_code >= 500:
                    last = f"{resp.status_code}"
                else:
                    raise ChatwootRefused(resp.status_code, _detail(resp))
            if attempt + 1 < self.settings.attempts:
                wait = policy.delay(attempt, retry_after, jitter())
                log.info("chatwoot %s %s: %s; retrying in %.2f s", method, path, last, wait)
                self._sleep(wait)
        raise ChatwootUnavailable(f"Chatwoot did not answer {method} {path} ({last})")

    @staticmethod
    def _read(resp: requests.Response, schema: str | None, method: str, path: str) -> Any:
        try:
            body = resp.json()
        except ValueError:
            raise ChatwootUnavailable(
                f"Chatwoot answered {method} {path} with a body that is not JSON"
            ) from None
        if schema is not None:
            try:
                if schema.endswith("[]"):  # a bare JSON array of records (teams, agents)
                    if not isinstance(body, list):
                        raise SchemaError("(body): expected a list")
                    for item in body:
                        check_schema(schema[:-2], item)
                else:
                    check_schema(schema, body)
            except SchemaError as e:
                raise ChatwootUnavailable(
                    f"Chatwoot's answer to {method} {path} is not the described shape: {e}"
                ) from None
        return body

    # --- reads ---
    def conversations(self, status: str = "all") -> Iterator[dict[str, Any]]:
        """Every conversation, oldest first (created_at ascending keeps pages stable as new ones arrive)."""
        page = 1
        while True:
            body = self._request(
                "GET",
                "/conversations",
                "conversation_list",
                params={"status": status, "assignee_type": "all", "sort_by": "created_at_asc", "page": page},
            )
            items: list[dict[str, Any]] = body["data"]["payload"]
            yield from items
            if len(items) < PAGE_SIZE:
                return
            page += 1

    def conversation(self, conversation_id: int) -> dict[str, Any]:
        body: dict[str, Any] = self._request("GET", f"/conversations/{conversation_id}", "conversation")
        return body

    def messages(self, conversation_id: int) -> list[dict[str, Any]]:
        """The whole conversation, oldest first (Chatwoot gives the newest page; `before` pages back)."""
        out: list[dict[str, Any]] = []
        before: int | None = None
        while True:
            params = {} if before is None else {"before": before}
            body = self._request(
                "GET", f"/conversations/{conversation_id}/messages", "message_list", params=params
            )
            page: list[dict[str, Any]] = body["payload"]
            out[:0] = page
            if len(page) < MESSAGES_PAGE:
                return sorted(out, key=lambda m: int(m["id"]))
            before = min(int(m["id"]) for m in page)

    def teams(self) -> list[dict[str, Any]]:
        body: list[dict[str, Any]] = self._request("GET", "/teams", "team[]")
        return body

    def team_members(self, team_id: int) -> list[dict[str, Any]]:
        body: list[dict[str, Any]] = self._request("GET", f"/teams/{team_id}/team_members", "agent[]")
        return body

    def agents(self) -> list[dict[str, Any]]:
        body: list[dict[str, Any]] = self._request("GET", "/agents", "agent[]")
        return body

    def inboxes(self) -> list[dict[str, Any]]:
        body: list[dict[str, Any]] = self._request("GET", "/inboxes", "inbox_list")["payload"]
        return body

    def labels(self) -> list[dict[str, Any]]:
        body: list[dict[str, Any]] = self._request("GET", "/labels", "label_list")["payload"]
        return body

    def sla_policies(self) -> list[dict[str, Any]]:
        """The account's SLA policies; none where the account has no SLA feature (Chatwoot answers 404)."""
        try:
            body: list[dict[str, Any]] = self._request("GET", "/sla_policies", "sla_policy_list")["payload"]
        except ChatwootRefused as e:
            if e.status in (403, 404):
                return []
            raise
        return body

    # --- writes ---
    def update_agent(self, agent_id: int, role: str, availability: str) -> dict[str, Any]:
        """PATCH an agent's availability (Chatwoot requires the role in the same call: the current one)."""
        body = {"role": role, "availability_status": availability}
        answer: dict[str, Any] = self._request("PATCH", f"/agents/{agent_id}", "agent", json=body)
        return answer

    def assign(self, conversation_id: int, **change: int | None) -> Any:
        """POST one assignment: {"team_id": n} or {"assignee_id": n|None} (Chatwoot ignores team_id beside
        assignee_id, so a team and an agent are two calls)."""
        return self._request("POST", f"/conversations/{conversation_id}/assignments", None, json=change)


def _detail(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return f"HTTP {resp.status_code}"
    if isinstance(body, dict):
        for key in ("message", "error"):
            if isinstance(body.get(key), str):
                return str(body[key])[:300]
        if isinstance(body.get("errors"), list) and body["errors"]:
            return "; ".join(str(e)[:100] for e in body["errors"][:3])
    return f"HTTP {resp.status_code}"
