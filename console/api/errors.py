"""Typed errors of the Service API client. Every str() is a plain-English sentence a supervisor can read;
none ever contains a token, a password or an Authorization header."""

from __future__ import annotations

import json
import time
from typing import Any

import requests

from console.api.transport import retry_after

MAX_DETAIL = 300  # characters of a server-provided detail kept in a message


class ApiError(Exception):
    """Any failure talking to the Service API. status is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return self.message


class AuthError(ApiError):
    """401/403, bad credentials, or a token that cannot be refreshed: the user must sign in again."""


class NetworkError(ApiError):
    """The server could not be reached: connect or read failure, timeout, dropped connection."""


class TlsError(NetworkError):
    """The server's certificate could not be verified (wrong CA bundle, interception proxy...)."""


class ServerError(ApiError):
    """5xx after every retry."""


class BadDataError(ApiError):
    """The server answered with malformed JSON or a shape the contract does not allow."""


class RateLimited(ApiError):
    """429 after every retry. retry_after is the server's advice in seconds, when it gave one."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, status=429)
        self.retry_after = retry_after


class ConflictError(ApiError):
    """409: somebody changed the enquiry first. current holds team_id, agent_id, version, moved_by,
    moved_at as the server sent them (raw)."""

    def __init__(self, message: str, *, current: dict[str, Any]) -> None:
        super().__init__(message, status=409)
        self.current = current


class PolicyError(ApiError):
    """422: the server refused the change; detail is its sentence, meant for a supervisor."""

    def __init__(self, message: str, *, detail: str) -> None:
        super().__init__(message, status=422)
        self.detail = detail


class GoneError(ApiError):
    """410: the change-feed cursor is no longer valid; start again from an empty cursor."""


class NotFound(ApiError):
    """404."""


class AuditMismatch(ApiError):
    """409 from the audit anchor: the bank's copy of the trail differs from the cache's."""


def problem_of(body: bytes) -> dict[str, Any]:
    """The problem document of an error response, or {} when the body is not one."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return {}
    return doc if isinstance(doc, dict) else {}


def detail_of(problem: dict[str, Any]) -> str:
    """The server's human sentence: detail, else title, cut to a readable length."""
    for key in ("detail", "title"):
        value = problem.get(key)
        if isinstance(value, str) and value.strip():
            text = " ".join(value.split())
            return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"
    return ""


def error_for(
    status: int, content: bytes, retry_after_header: str | None, host: str, what: str, *, auth: bool
) -> ApiError:
    """The typed error for a refused request (every status that is not 2xx)."""
    problem = problem_of(content)
    detail = detail_of(problem)
    said = f": {detail.rstrip('.')}" if detail else ""
    if status == 401:
        if not auth:
            return AuthError(
                f"{host} refused the sign-in{said or ': user name or password is wrong'}", status=401
            )
        return AuthError(f"{host} no longer accepts this session; sign in again{said}", status=401)
    if status == 403:
        return AuthError(f"This account is not allowed to do that on {host}{said}", status=403)
    if status == 404:
        return NotFound(f"{host} has no such record ({what}){said}", status=404)
    if status == 409:
        current = problem.get("current")
        if not isinstance(current, dict):
            current = {}
        who = current.get("moved_by")
        by = f" by {who}" if isinstance(who, str) and who else ""
        return ConflictError(
            f"Somebody else moved this enquiry first{by}; it was not reassigned", current=current
        )
    if status == 410:
        return GoneError(
            f"{host} no longer recognises the sync position; a full resync is needed", status=410
        )
    if status == 422:
        return PolicyError(detail or f"{host} refused the change", detail=detail or "refused by policy")
    if status == 429:
        return RateLimited(
            f"{host} is asking Concierge to slow down; try again shortly",
            retry_after=retry_after(retry_after_header, time.time()),
        )
    if status >= 500:
        return ServerError(f"{host} has a problem (HTTP {status}){said}; try again later", status=status)
    if 300 <= status < 400:
        return ApiError(f"{host} redirected {what} elsewhere; check the API address", status=status)
    return ApiError(f"{host} refused {what} (HTTP {status}){said}", status=status)


def network_error(host: str, e: Exception, timeout: tuple[float, float]) -> NetworkError:
    if isinstance(e, requests.exceptions.ConnectTimeout):
        why = f"no connection within {timeout[0]:g} s"
    elif isinstance(e, requests.exceptions.ReadTimeout):
        why = f"no answer within {timeout[1]:g} s"
    elif isinstance(e, requests.exceptions.ProxyError):
        why = "the proxy refused or failed"
    elif "refused" in str(e).lower():
        why = "connection refused"
    else:
        why = "the connection failed or was dropped"
    return NetworkError(
        f"Cannot reach {host} ({why}). Check the network, the API address and the proxy settings."
    )
