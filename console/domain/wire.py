"""The Service API's JSON shapes <-> the core's domain types.

Parsing is strict about what the console depends on (ids, times, versions) and lenient about what it
only shows (unknown channels, topics and flags are kept). A record that cannot be trusted raises
BadRecord with a reason a person can read; the caller quarantines it and goes on with the batch.
"""

from __future__ import annotations

import re
from typing import Any

from console.domain import limits
from console.domain.limits import BadRecord as BadRecord  # re-exported: callers catch wire.BadRecord
from console.domain.limits import check_value
from console.domain.model import (
    AGENT_STATUSES,
    NO_OUTCOME,
    STATUSES,
    TEAM_KINDS,
    VISIBILITIES,
    Agent,
    Assignment,
    Calendar,
    ChannelInfo,
    Enquiry,
    Message,
    Shift,
    SLAPolicy,
    Team,
)
from console.domain.wire_fields import code as code
from console.domain.wire_fields import code_field as _code
from console.domain.wire_fields import codes_field as _codes
from console.domain.wire_fields import complaint_decision_field, complaint_decision_wire
from console.domain.wire_fields import ident_field as _ident
from console.domain.wire_fields import int_field as _int
from console.domain.wire_fields import iso as iso
from console.domain.wire_fields import opt_code as _opt_code
from console.domain.wire_fields import opt_iso as opt_iso
from console.domain.wire_fields import opt_text as _opt_str
from console.domain.wire_fields import opt_ts as opt_ts
from console.domain.wire_fields import text_field as _str
from console.domain.wire_fields import ts as ts

MAX_TEXT = 20_000  # characters of one message (a longer string breaks console.domain.limits.MAX_STRING)
_OLDEST = "oldest_unanswered_message_at"  # the next-response clock runs from it (docs/api.md)


def enquiry_from_wire(d: Any) -> Enquiry:
    if not isinstance(d, dict):
        raise BadRecord(f"enquiry: expected an object, got {type(d).__name__}")
    ident = _ident(d, "id")
    try:
        check_value(d, "enquiry")
        return _enquiry(d, ident)
    except BadRecord as e:
        raise BadRecord(f"enquiry {ident[:64]}: {e}") from None


def _enquiry(d: dict[str, Any], ident: str) -> Enquiry:
    visibility = _code(d, "visibility")
    if visibility not in VISIBILITIES:
        raise BadRecord(f"visibility: unknown value {visibility[:20]!r}")
    status = _code(d, "status")
    if status not in STATUSES:
        raise BadRecord(f"status: unknown value {status[:20]!r}")
    customer = d.get("customer")
    if not isinstance(customer, dict):
        raise BadRecord("customer: expected an object")
    flags = _codes(d, "flags", "flags")
    complexity = _int(d, "complexity", default=2)
    if not 1 <= complexity <= 3:
        raise BadRecord(f"complexity: {complexity} is outside 1..3")
    version = _int(d, "version")
    if version < 0:
        raise BadRecord("version: negative")
    bounces = _int(d, "bounces", default=0)
    if not 0 <= bounces <= limits.MAX_BOUNCES:
        raise BadRecord(f"bounces: outside 0..{limits.MAX_BOUNCES}")
    pauses_raw = d.get("pauses", [])
    if not isinstance(pauses_raw, list):
        raise BadRecord("pauses: expected a list")
    pauses: list[tuple[float, float | None]] = []
    for p in pauses_raw:
        if not isinstance(p, list) or len(p) != 2:
            raise BadRecord("pauses: each pause is [start, end|null]")
        pauses.append((ts(p[0], "pauses.start"), opt_ts(p[1], "pauses.end")))
    outcome_raw = d.get("outcome") or {}
    if not isinstance(outcome_raw, dict):
        raise BadRecord("outcome: expected an object")
    # No outcome known (most rows): the one shared empty mapping.
    outcome = {
        k: v for k, v in outcome_raw.items() if isinstance(k, str) and isinstance(v, bool)
    } or NO_OUTCOME
    text = _str(d, "text", required=False)
    return Enquiry(
        id=ident,
        channel=_ident(d, "channel", is_code=True),
        visibility=visibility,
        customer_handle=_str(customer, "handle", required=False)[:200],
        customer_name=_str(customer, "name", required=False)[:200],
        text=text[:MAX_TEXT],
        topic=_code(d, "topic", required=False, default="general"),
        complexity=complexity,
        flags=frozenset(flags),
        priority=_code(d, "priority", required=False, default="normal"),
        status=status,
        team_id=_opt_str(d, "team_id"),
        agent_id=_opt_str(d, "agent_id"),
        created_at=ts(d.get("created_at"), "created_at"),
        version=version,
        updated_at=ts(d.get("updated_at"), "updated_at"),
        first_customer_message_at=opt_ts(d.get("first_customer_message_at"), "first_customer_message_at"),
        first_response_at=opt_ts(d.get("first_response_at"), "first_response_at"),
        last_customer_message_at=opt_ts(d.get("last_customer_message_at"), "last_customer_message_at"),
        last_agent_message_at=opt_ts(d.get("last_agent_message_at"), "last_agent_message_at"),
        resolved_at=opt_ts(d.get("resolved_at"), "resolved_at"),
        handoff_requested_at=opt_ts(d.get("handoff_requested_at"), "handoff_requested_at"),
        handoff_accepted_at=opt_ts(d.get("handoff_accepted_at"), "handoff_accepted_at"),
        bounces=bounces,
        pauses=tuple(pauses),
        outcome=outcome,
        oldest_unanswered_message_at=opt_ts(d.get(_OLDEST), _OLDEST),
        complaint_decision=complaint_decision_field(d),
    )


def enquiry_to_wire(e: Enquiry) -> dict[str, Any]:
    return {
        "id": e.id,
        "channel": e.channel,
        "visibility": e.visibility,
        "customer": {"handle": e.customer_handle, "name": e.customer_name},
        "text": e.text,
        "topic": e.topic,
        "complexity": e.complexity,
        "flags": sorted(e.flags),
        "priority": e.priority,
        "status": e.status,
        "team_id": e.team_id,
        "agent_id": e.agent_id,
        "created_at": iso(e.created_at),
        "updated_at": iso(e.updated_at),
        "version": e.version,
        "first_customer_message_at": opt_iso(e.first_customer_message_at),
        "first_response_at": opt_iso(e.first_response_at),
        "last_customer_message_at": opt_iso(e.last_customer_message_at),
        "last_agent_message_at": opt_iso(e.last_agent_message_at),
        "resolved_at": opt_iso(e.resolved_at),
        "handoff_requested_at": opt_iso(e.handoff_requested_at),
        "handoff_accepted_at": opt_iso(e.handoff_accepted_at),
        "bounces": e.bounces,
        "pauses": [[iso(a), opt_iso(b)] for a, b in e.pauses],
        "outcome": dict(e.outcome),
        "oldest_unanswered_message_at": opt_iso(e.oldest_unanswered_message_at),
        # Only when decided: the feed of 100k undecided enquiries stays as it was.
        **(
            {"complaint_decision": complaint_decision_wire(e.complaint_decision)}
            if e.complaint_decision
            else {}
        ),
    }


_MESSAGE_FIELDS = frozenset(
    {"id", "enquiry_id", "direction", "author", "text", "sent_at", "channel", "visibility"}
)


def message_from_wire(d: Any) -> Message:
    """A message from the wire. The message feed brings hundreds of thousands at a first sync: a sound
    record of known string fields is read in one pass; anything else (or any doubt) goes the long way,
    which says what is wrong. Both give the same Message (tests/core/test_wire_messages.py)."""
    if type(d) is dict and d.keys() <= _MESSAGE_FIELDS and limits.flat_strings_ok(d):
        ident, enquiry_id, direction = d.get("id"), d.get("enquiry_id"), code(d.get("direction") or "")
        if (
            ident
            and enquiry_id
            and direction in ("in", "out")
            and limits.ident_problem(ident) is None
            and limits.ident_problem(enquiry_id) is None
        ):
            return Message(
                id=ident,
                enquiry_id=enquiry_id,
                direction=direction,
                author=d.get("author", "")[:200],
                text=d.get("text", "")[:MAX_TEXT],
                sent_at=ts(d.get("sent_at"), "sent_at"),
                channel=code(d.get("channel") or "") or None,
                visibility=code(d.get("visibility") or "") or None,
            )
    return message_checked(d)


def message_checked(d: Any) -> Message:
    """message_from_wire the long way: every field checked and named when it is wrong."""
    if not isinstance(d, dict):
        raise BadRecord("message: expected an object")
    check_value(d, "message")
    direction = _code(d, "direction")
    if direction not in ("in", "out"):
        raise BadRecord(f"message direction: unknown value {direction[:10]!r}")
    return Message(
        id=_ident(d, "id"),
        enquiry_id=_ident(d, "enquiry_id"),
        direction=direction,
        author=_str(d, "author", required=False)[:200],
        text=_str(d, "text", required=False)[:MAX_TEXT],
        sent_at=ts(d.get("sent_at"), "sent_at"),
        channel=_opt_code(d, "channel"),
        visibility=_opt_code(d, "visibility"),
    )


def message_to_wire(m: Message) -> dict[str, Any]:
    return {
        "id": m.id,
        "enquiry_id": m.enquiry_id,
        "direction": m.direction,
        "author": m.author,
        "text": m.text,
        "sent_at": iso(m.sent_at),
        **({"channel": m.channel} if m.channel else {}),
        **({"visibility": m.visibility} if m.visibility else {}),
    }


def team_from_wire(d: Any) -> Team:
    if not isinstance(d, dict):
        raise BadRecord("team: expected an object")
    check_value(d, "team")
    kind = _code(d, "kind")
    if kind not in TEAM_KINDS:
        raise BadRecord(f"team kind: unknown value {kind[:20]!r}")
    topics = _codes(d, "topics", "team topics")
    return Team(
        id=_ident(d, "id"),
        name=_str(d, "name"),
        kind=kind,
        topics=topics,
        calendar_id=_ident(d, "calendar_id"),
        trained_vulnerable=bool(d.get("trained_vulnerable", False)),
    )


def team_to_wire(t: Team) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "kind": t.kind,
        "topics": list(t.topics),
        "calendar_id": t.calendar_id,
        "trained_vulnerable": t.trained_vulnerable,
    }


def agent_from_wire(d: Any) -> Agent:
    if not isinstance(d, dict):
        raise BadRecord("agent: expected an object")
    check_value(d, "agent")
    status = _code(d, "status")
    if status not in AGENT_STATUSES:
        raise BadRecord(f"agent status: unknown value {status[:20]!r}")
    capacity = _int(d, "capacity")
    load = _int(d, "load", default=0)
    if not (0 <= capacity <= limits.MAX_CAPACITY and 0 <= load <= limits.MAX_LOAD):
        raise BadRecord(
            f"agent capacity must be within 0..{limits.MAX_CAPACITY} and load within 0..{limits.MAX_LOAD}"
        )
    since = d.get("status_since")
    return Agent(
        id=_ident(d, "id"),
        name=_str(d, "name"),
        team_id=_ident(d, "team_id"),
        status=status,
        capacity=capacity,
        load=load,
        status_since=0.0 if since is None else limits.or_unknown(ts(since, "status_since", plausible=False)),
    )


def agent_to_wire(a: Agent) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "team_id": a.team_id,
        "status": a.status,
        "capacity": a.capacity,
        "load": a.load,
        "status_since": iso(a.status_since),
    }


def channel_from_wire(d: Any) -> ChannelInfo:
    if not isinstance(d, dict):
        raise BadRecord("channel: expected an object")
    check_value(d, "channel")
    return ChannelInfo(
        id=_ident(d, "id", is_code=True),
        name=_str(d, "name"),
        public=bool(d.get("public", True)),
        private=bool(d.get("private", True)),
    )


def channel_to_wire(c: ChannelInfo) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "public": c.public, "private": c.private}


def _hhmm(value: Any) -> int:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{2}:[0-9]{2}", value, re.ASCII):
        raise BadRecord(f"calendar hours: expected HH:MM, got {str(value)[:10]!r}")
    h, m = int(value[:2]), int(value[3:])
    if not (0 <= h <= 24 and 0 <= m < 60) or h * 60 + m > 1440:
        raise BadRecord(f"calendar hours: {value} is not a time of day")
    return h * 60 + m


def calendar_from_wire(d: Any) -> Calendar:
    if not isinstance(d, dict):
        raise BadRecord("calendar: expected an object")
    check_value(d, "calendar")
    hours_raw = d.get("hours", {})
    if not isinstance(hours_raw, dict):
        raise BadRecord("calendar hours: expected an object keyed by weekday 0-6")
    hours: dict[int, tuple[tuple[int, int], ...]] = {}
    for day, spans in hours_raw.items():
        if not re.fullmatch("[0-6]", str(day)) or not isinstance(spans, list):
            raise BadRecord(f"calendar hours: bad weekday entry {str(day)[:10]!r}")
        parsed = []
        for span in spans:
            if not isinstance(span, list) or len(span) != 2:
                raise BadRecord("calendar hours: each span is [HH:MM, HH:MM]")
            start, end = _hhmm(span[0]), _hhmm(span[1])
            if end <= start:
                raise BadRecord(f"calendar hours: span {span[0]}-{span[1]} ends before it starts")
            parsed.append((start, end))
        hours[int(day)] = tuple(sorted(parsed))
    holidays = d.get("holidays", [])
    if not isinstance(holidays, list) or not all(isinstance(h, str) for h in holidays):
        raise BadRecord("calendar holidays: expected a list of ISO dates")
    return Calendar(
        id=_ident(d, "id"),
        name=_str(d, "name", required=False),
        timezone=_str(d, "timezone", required=False, default="UTC") or "UTC",
        always_open=bool(d.get("always_open", False)),
        hours=hours,
        holidays=frozenset(holidays),
        public_holidays=_opt_str(d, "public_holidays") or None,
        annual_closures=frozenset(_codes(d, "annual_closures", "calendar annual_closures")),
    )


def calendar_to_wire(c: Calendar) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "timezone": c.timezone,
        "always_open": c.always_open,
        "hours": {
            str(day): [[f"{s // 60:02d}:{s % 60:02d}", f"{e // 60:02d}:{e % 60:02d}"] for s, e in spans]
            for day, spans in sorted(c.hours.items())
        },
        "holidays": sorted(c.holidays),
        "public_holidays": c.public_holidays,
        "annual_closures": sorted(c.annual_closures),
    }


def _seconds(d: dict[str, Any], key: str) -> float:
    value = d.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= limits.MAX_TARGET_S:
        raise BadRecord(f"{key}: expected a positive number of seconds, at most ten years")
    return float(value)


def policy_from_wire(d: Any) -> SLAPolicy:
    if not isinstance(d, dict):
        raise BadRecord("sla policy: expected an object")
    check_value(d, "sla policy")
    match = d.get("match", {})
    if not isinstance(match, dict):
        raise BadRecord("sla policy match: expected an object")
    return SLAPolicy(
        id=_ident(d, "id"),
        name=_str(d, "name", required=False),
        rank=_int(d, "rank", default=100),
        first_response_s=_seconds(d, "first_response_s"),
        next_response_s=_seconds(d, "next_response_s"),
        resolution_s=_seconds(d, "resolution_s"),
        channel=_opt_code(match, "channel"),
        visibility=_opt_code(match, "visibility"),
        priority=_opt_code(match, "priority"),
        topic=_opt_code(match, "topic"),
        flag=_opt_code(match, "flag"),
        calendar_id=_opt_str(d, "calendar_id"),
    )


def policy_to_wire(p: SLAPolicy) -> dict[str, Any]:
    match = {
        k: v
        for k, v in (
            ("channel", p.channel),
            ("visibility", p.visibility),
            ("priority", p.priority),
            ("topic", p.topic),
            ("flag", p.flag),
        )
        if v is not None
    }
    return {
        "id": p.id,
        "name": p.name,
        "rank": p.rank,
        "first_response_s": p.first_response_s,
        "next_response_s": p.next_response_s,
        "resolution_s": p.resolution_s,
        "match": match,
        "calendar_id": p.calendar_id,
    }


def assignment_from_wire(d: Any) -> Assignment:
    if not isinstance(d, dict):
        raise BadRecord("assignment: expected an object")
    check_value(d, "assignment")
    return Assignment(
        id=_ident(d, "id"),
        enquiry_id=_ident(d, "enquiry_id"),
        from_team=_opt_str(d, "from_team"),
        from_agent=_opt_str(d, "from_agent"),
        to_team=_opt_str(d, "to_team"),
        to_agent=_opt_str(d, "to_agent"),
        reason=_str(d, "reason", required=False),
        actor=_str(d, "actor", required=False),
        at=ts(d.get("at"), "at"),
        result=_code(d, "result", required=False, default="accepted"),
    )


def assignment_to_wire(a: Assignment) -> dict[str, Any]:
    return {
        "id": a.id,
        "enquiry_id": a.enquiry_id,
        "from_team": a.from_team,
        "from_agent": a.from_agent,
        "to_team": a.to_team,
        "to_agent": a.to_agent,
        "reason": a.reason,
        "actor": a.actor,
        "at": iso(a.at),
        "result": a.result,
    }


def shift_from_wire(d: Any) -> Shift:
    if not isinstance(d, dict):
        raise BadRecord("shift: expected an object")
    check_value(d, "shift")
    teams = d.get("team_ids", [])
    if not isinstance(teams, list):
        raise BadRecord("shift team_ids: expected a list")
    start, end = ts(d.get("start"), "start"), ts(d.get("end"), "end")
    if end <= start:
        raise BadRecord("shift: ends before it starts")
    return Shift(
        id=_ident(d, "id"),
        name=_str(d, "name", required=False),
        site=_str(d, "site", required=False),
        start=start,
        end=end,
        team_ids=tuple(str(t) for t in teams),
    )


def shift_to_wire(s: Shift) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "site": s.site,
        "start": iso(s.start),
        "end": iso(s.end),
        "team_ids": list(s.team_ids),
    }
