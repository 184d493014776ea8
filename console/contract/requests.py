"""Request validation the same for both servers: the If-Match version, the complaint decision's body and
the query parameters of GET /v1/changes and GET /v1/assignments."""

from __future__ import annotations

from typing import Any

from console.contract.http import HttpError, Request, field_str, json_body
from console.domain.limits import MAX_ACTOR, MAX_REASON, MAX_TRIGGERS, text_problem
from console.domain.model import COMPLAINT_DECISIONS, ComplaintDecision
from console.domain.wire import BadRecord, ts

MAX_LIMIT, DEFAULT_LIMIT, MAX_WAIT = 5000, 500, 60.0


def parse_if_match(value: str | None) -> int:
    if value is None or not value.strip():
        raise HttpError(412, 'Send If-Match: "<version>" with the version you last saw.')
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 18:
        raise HttpError(422, f"If-Match must be a quoted version number, got {value[:40]!r}.")
    return int(text)


def decision_request(req: Request, user: str) -> tuple[ComplaintDecision, int | None]:
    """The complaint decision asked for (its time is set when it is made) and the If-Match version if sent."""
    body = json_body(req)
    decision = field_str(body, "decision", max_len=40) or ""
    if decision not in COMPLAINT_DECISIONS:
        raise HttpError(422, "decision must be 'confirmed' or 'dismissed'.")
    reason = field_str(body, "reason", max_len=MAX_REASON) or ""
    actor = (field_str(body, "actor", max_len=MAX_ACTOR) or "").strip() or user
    if "triggers" not in body:
        raise HttpError(422, "The field 'triggers' is required (a list, may be empty).")
    triggers = _triggers(body["triggers"])
    # Every console reads these back from the enquiry: text it would quarantine is refused here.
    for what, text in (("reason", reason), ("actor", actor), *(("a trigger", t) for t in triggers)):
        problem_ = text_problem(text)
        if problem_:
            raise HttpError(422, f"{what}: {problem_}.")
    header = req.headers.get("if-match")
    version = parse_if_match(header) if header is not None and header.strip() else None
    return ComplaintDecision(decision, reason, actor, 0.0, triggers), version


def _triggers(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise HttpError(422, "triggers must be a list of strings.")
    if len(value) > MAX_TRIGGERS:
        raise HttpError(422, f"triggers holds at most {MAX_TRIGGERS} words.")
    if any(len(t) > MAX_REASON for t in value):
        raise HttpError(422, f"a trigger is longer than {MAX_REASON} characters.")
    return tuple(value)


def feed_query(query: dict[str, str]) -> tuple[int, float, str]:
    """GET /v1/changes: the page size, the long-poll wait in seconds and the cursor as sent."""
    limit: int = query_number(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT, int)
    wait: float = query_number(query, "wait", 0, 0, MAX_WAIT, float)
    cursor = query.get("cursor", "")
    if len(cursor) > 200:
        raise HttpError(422, "cursor is longer than 200 characters; send next_cursor back unchanged.")
    return limit, wait, cursor


def query_since(query: dict[str, str]) -> float:
    """GET /v1/assignments: the since time, -inf when absent."""
    since_text = query.get("since")
    if since_text is None:
        return float("-inf")
    try:
        return ts(since_text, "since", plausible=False)  # a query, not a record
    except BadRecord as e:
        raise HttpError(422, f"since must be an ISO 8601 time with a timezone ({e}).") from None


def query_number(query: dict[str, str], key: str, default: Any, low: float, high: float, kind: type) -> Any:
    """A numeric query parameter within [low, high], default when absent or empty; 422 otherwise."""
    text = query.get(key)
    if text is None or text == "":
        return default
    try:
        value = kind(text)
    except ValueError:
        raise HttpError(422, f"{key} must be a number from {low:g} to {high:g}.") from None
    if not low <= value <= high or value != value:  # also refuses NaN
        raise HttpError(422, f"{key} must be a number from {low:g} to {high:g}.")
    return value
