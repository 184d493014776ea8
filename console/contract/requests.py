"""Request validation the same for both servers: the If-Match version, the complaint decision's body and
numeric query parameters."""

from __future__ import annotations

from typing import Any

from console.contract.http import HttpError, Request, field_str, json_body
from console.domain.limits import MAX_ACTOR, MAX_REASON, MAX_TRIGGERS, text_problem
from console.domain.model import COMPLAINT_DECISIONS, ComplaintDecision


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
