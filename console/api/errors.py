"""Typed errors of the Service API client. Every str() is a plain-English sentence a supervisor can read;
none ever contains a token, a password or an Authorization header."""

from __future__ import annotations

import json
from typing import Any

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


def problem_of(body: bytes) -> dict[str, Any]:
    """The problem document of an error response, or {} when the body is not one."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
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
