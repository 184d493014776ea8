"""Reading one field of an API record: times, text, codes (lower-cased and stripped, once, at the
boundary), whole numbers and identifiers, each checked against the contract's limits. A bad field raises
BadRecord with a reason a person can read.

Every record is passed through console.domain.limits.check_value before its fields are read (the mappers
in console.domain.wire do so first): that one pass has checked every string of it for NUL, invalid
Unicode and length, so the readers here check types, identifiers and ranges, not the strings again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from console.domain import limits
from console.domain.limits import BadRecord, check_time, ident_problem
from console.domain.model import COMPLAINT_DECISIONS, ComplaintDecision

# Recent times already read: a record repeats its own (created = first message = last message ...) and a
# page its neighbours'. Bounded; emptied when full. Only sound times (with a timezone) are kept.
_SEEN_TIMES: dict[str, float] = {}
_SEEN_TIMES_MAX = 4096


def ts(value: Any, name: str, *, plausible: bool = True) -> float:
    """ISO 8601 (with Z or an offset) -> epoch seconds. Naive times are rejected: they are ambiguous."""
    if type(value) is str:
        stamp = _SEEN_TIMES.get(value)
        if stamp is not None:
            return check_time(stamp, name) if plausible else stamp
    if not isinstance(value, str):
        raise BadRecord(f"{name}: expected an ISO 8601 time, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadRecord(f"{name}: not an ISO 8601 time: {value[:40]!r}") from None
    if parsed.tzinfo is None:
        raise BadRecord(f"{name}: time without a timezone: {value[:40]!r}")
    try:
        stamp = parsed.timestamp()
    except (OverflowError, ValueError):  # year 1 with an offset: no timestamp at all
        raise BadRecord(f"{name}: {value[:40]!r} is out of range") from None
    if len(_SEEN_TIMES) >= _SEEN_TIMES_MAX:
        _SEEN_TIMES.clear()
    _SEEN_TIMES[value] = stamp
    return check_time(stamp, name) if plausible else stamp  # the contract's plausible range


def opt_ts(value: Any, name: str) -> float | None:
    return None if value is None else ts(value, name)


def iso(value: float) -> str:
    """epoch seconds -> ISO 8601 UTC with millisecond precision and a Z."""
    return datetime.fromtimestamp(value, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def opt_iso(value: float | None) -> str | None:
    return None if value is None else iso(value)


def text_field(d: dict[str, Any], key: str, *, required: bool = True, default: str = "") -> str:
    value = d.get(key)
    if value is None:
        if required:
            raise BadRecord(f"{key}: missing")
        return default
    if not isinstance(value, str):
        raise BadRecord(f"{key}: expected a string, got {type(value).__name__}")
    return value


def opt_text(d: dict[str, Any], key: str) -> str | None:
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRecord(f"{key}: expected a string or null, got {type(value).__name__}")
    return value


def code(value: str) -> str:
    """A code from the API (channel, status, topic, flag, ...) as the core compares it: lower case, no
    surrounding blanks. Every code is normalised here, once, so "Fraud_Risk " meets the fraud rule."""
    return value.strip().lower()


def code_field(d: dict[str, Any], key: str, *, required: bool = True, default: str = "") -> str:
    return code(text_field(d, key, required=required, default=default)) or default


def opt_code(d: dict[str, Any], key: str) -> str | None:
    return code(opt_text(d, key) or "") or None


def codes_field(d: dict[str, Any], key: str, what: str) -> tuple[str, ...]:
    """A list of codes, normalised, blanks dropped, duplicates removed (first kept)."""
    values = d.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise BadRecord(f"{what}: expected a list of strings")
    return tuple(dict.fromkeys(c for c in map(code, values) if c))


def int_field(d: dict[str, Any], key: str, *, default: int | None = None) -> int:
    value = d.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRecord(f"{key}: expected an integer, got {type(value).__name__}")
    if not -limits.MAX_INT <= value <= limits.MAX_INT:
        raise BadRecord(f"{key}: integer outside ±(2^53 - 1)")
    return value


def ident_field(d: dict[str, Any], key: str, *, is_code: bool = False) -> str:
    """An identifier, as sent; is_code: one that is also a code (a channel), normalised first."""
    value = code(text_field(d, key)) if is_code else text_field(d, key)
    problem = ident_problem(value)
    if problem:
        raise BadRecord(f"{key}: {problem}")
    return value


def complaint_decision_field(d: dict[str, Any], key: str = "complaint_decision") -> ComplaintDecision | None:
    """An enquiry's complaint decision: null or absent when nobody has decided; anything else must be
    whole (a decision that cannot be read is not guessed at: the record is quarantined)."""
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadRecord(f"{key}: expected an object or null, got {type(value).__name__}")
    decision = code_field(value, "decision")
    if decision not in COMPLAINT_DECISIONS:
        raise BadRecord(f"{key}.decision: unknown value {decision[:20]!r}")
    reason = text_field(value, "reason", required=False)
    if len(reason) > limits.MAX_REASON:
        raise BadRecord(f"{key}.reason: longer than {limits.MAX_REASON} characters")
    by = text_field(value, "decided_by")
    if not by.strip() or len(by) > limits.MAX_ACTOR:
        raise BadRecord(f"{key}.decided_by: empty or longer than {limits.MAX_ACTOR} characters")
    triggers = value.get("triggers", [])
    if not isinstance(triggers, list) or not all(isinstance(t, str) for t in triggers):
        raise BadRecord(f"{key}.triggers: expected a list of strings")
    if len(triggers) > limits.MAX_TRIGGERS:
        raise BadRecord(f"{key}.triggers: more than {limits.MAX_TRIGGERS}")
    return ComplaintDecision(
        decision, reason, by, ts(value.get("decided_at"), f"{key}.decided_at"), tuple(triggers)
    )


def complaint_decision_wire(c: ComplaintDecision | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "decision": c.decision,
        "reason": c.reason,
        "decided_by": c.decided_by,
        "decided_at": iso(c.decided_at),
        "triggers": list(c.triggers),
    }
