"""Request validation the same for both servers: the If-Match version, the complaint decision's body and
the query parameters of GET /v1/changes and GET /v1/assignments."""

from __future__ import annotations

from typing import Any, NamedTuple

from console.contract.http import HttpError, Request, field_str, json_body
from console.domain.limits import MAX_ACTOR, MAX_REASON, MAX_TRIGGERS, text_problem
from console.domain.model import COMPLAINT_DECISIONS, ComplaintDecision
from console.domain.wire import BadRecord, iso, ts

MAX_LIMIT, DEFAULT_LIMIT, MAX_WAIT = 5000, 500, 60.0
# How far a console's decided_at may run ahead of the service's clock: the console sends its own measure
# of the service's time, which drifts a little between two GET /v1/time.
DECIDED_AHEAD = 300.0


def parse_if_match(value: str | None) -> int:
    if value is None or not value.strip():
        raise HttpError(412, 'Send If-Match: "<version>" with the version you last saw.')
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 18:
        raise HttpError(422, f"If-Match must be a quoted version number, got {value[:40]!r}.")
    return int(text)


class DecisionAsked(NamedTuple):
    made: ComplaintDecision  # decided_at: the time sent, else when the service received it
    version: int | None  # If-Match, when sent
    stated: bool  # decided_at was sent (only then is it checked against the enquiry's creation)


def decision_request(req: Request, user: str, now: float) -> DecisionAsked:
    """The complaint decision asked for and the If-Match version if sent. now: the service's clock."""
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
    stated = "decided_at" in body
    at = _decided_at(body["decided_at"], now) if stated else now
    header = req.headers.get("if-match")
    version = parse_if_match(header) if header is not None and header.strip() else None
    # Milliseconds, as the enquiry serves it: the decision kept is the one compared and shown.
    return DecisionAsked(ComplaintDecision(decision, reason, actor, round(at, 3), triggers), version, stated)


def _decided_at(value: Any, now: float) -> float:
    try:
        at = ts(value, "decided_at")
    except BadRecord as e:
        raise HttpError(
            422, f"decided_at must be an ISO 8601 time with a timezone, such as 2026-01-31T09:30:00Z ({e})."
        ) from None
    if at > now + DECIDED_AHEAD:
        raise HttpError(
            422,
            f"This decision is dated {iso(at)}, {(at - now) / 60:.0f} minutes ahead of the service's clock "
            f"({iso(now)}): a decision cannot be made in the future. Check the clock of the console that "
            "sent it (decided_at).",
        )
    return at


def check_decided_after_creation(asked: DecisionAsked, created_at: float) -> None:
    """A decision stated to be made before the enquiry existed is refused (422)."""
    if asked.stated and asked.made.decided_at < round(created_at, 3):
        raise HttpError(
            422,
            f"This decision is dated {iso(asked.made.decided_at)}, before the enquiry was created "
            f"({iso(created_at)}): nobody could have decided on it then (decided_at).",
        )


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
