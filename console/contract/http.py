"""Transport-neutral request and response values shared by the handlers and the HTTP servers (the
reference service's and the gateway's)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

PROBLEM = "application/problem+json"
JSON = "application/json"

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    410: "Gone",
    412: "Precondition required",
    422: "Unprocessable request",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
}


@dataclass(slots=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    client: str


@dataclass(slots=True)
class Response:
    status: int
    body: bytes
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)


def ok(obj: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode())


def problem(status: int, detail: str, **extra: Any) -> Response:
    slug = TITLES.get(status, "error").lower().replace(" ", "-")
    doc = {"type": f"urn:concierge:problem:{slug}", "title": TITLES.get(status, "Error"), "status": status}
    doc["detail"] = detail
    doc.update(extra)
    headers = {"WWW-Authenticate": 'Bearer realm="concierge"'} if status == 401 else {}
    return Response(status, json.dumps(doc, ensure_ascii=False).encode(), PROBLEM, headers)


class HttpError(Exception):
    """Raised inside a handler to answer with a problem document."""

    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.response = problem(status, detail, **extra)


def json_body(req: Request) -> dict[str, Any]:
    if not req.body:
        raise HttpError(422, "The request needs a JSON object body.")
    try:
        body = json.loads(req.body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # malformed: not JSON, or nested too deep
        raise HttpError(400, "The request body is not valid JSON (or is nested too deeply).") from None
    if not isinstance(body, dict):
        raise HttpError(422, "The request body must be a JSON object.")
    return body


def field_str(body: dict[str, Any], key: str, *, required: bool = True, max_len: int = 2000) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise HttpError(422, f"The field {key!r} is required.")
        return None
    if not isinstance(value, str):
        raise HttpError(422, f"The field {key!r} must be a string.")
    if len(value) > max_len:
        raise HttpError(422, f"The field {key!r} is longer than {max_len} characters.")
    return value
