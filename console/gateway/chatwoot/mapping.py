"""Chatwoot's records -> the Service API's (docs/api.md): conversations to enquiries, messages, teams,
agents, inboxes to channels, SLA policies. Pure functions of what Chatwoot sends, so a conversation read
from a webhook and the same conversation read over REST map to the same enquiry.

The bank's choices (which label is which topic or flag, which team is a specialist team, which inbox is
public) are a MappingConfig, with defaults that fit a bank's usual Chatwoot set-up; a TOML file overrides.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from console.domain.model import TOPICS
from console.domain.wire import MAX_TEXT
from console.domain.wire_fields import iso, opt_iso

ENQUIRY_PREFIX = "cw-"
TEAM_PREFIX = "cw-team-"
AGENT_PREFIX = "cw-agent-"
MESSAGE_PREFIX = "cw-msg-"
SLA_PREFIX = "cw-sla-"
NO_TEAM = "cw-no-team"  # agents Chatwoot has in no team still need a team_id in the contract
CALENDAR_24X7 = "cw-24x7"

# Chatwoot's inbox channel types -> the contract's channel codes (unknown types keep a readable code).
DEFAULT_CHANNELS: Mapping[str, str] = {
    "Channel::TwitterProfile": "x",
    "Channel::FacebookPage": "facebook",
    "Channel::Instagram": "instagram",
    "Channel::Whatsapp": "whatsapp",
    "Channel::WebWidget": "webchat",
    "Channel::Email": "email",
    "Channel::Api": "api",
    "Channel::Sms": "sms",
    "Channel::TwilioSms": "sms",
    "Channel::Telegram": "telegram",
    "Channel::Line": "line",
}
# conversation.additional_attributes.type values that mean a post everyone can read (a tweet, a comment)
DEFAULT_PUBLIC_TYPES = frozenset({"tweet", "comment", "post", "mention"})
DEFAULT_FLAGS: Mapping[str, str] = {
    "vulnerable": "vulnerable",
    "vulnerable-customer": "vulnerable",
    "complaint": "complaint",
    "fraud-risk": "fraud_risk",
    "fraud_risk": "fraud_risk",
}
DEFAULT_COMPLEXITY: Mapping[str, int] = {"simple": 1, "complex": 3}
PRIORITIES: Mapping[str | None, str] = {
    None: "normal",
    "low": "low",
    "medium": "normal",
    "high": "high",
    "urgent": "urgent",
}
AGENT_STATUS: Mapping[str, str] = {"available": "available", "online": "available", "busy": "busy"}
# The other way (a supervisor's change sent to Chatwoot): Chatwoot has no "away".
CHATWOOT_AVAILABILITY: Mapping[str, str] = {"available": "available", "busy": "busy", "offline": "offline"}
MESSAGE_KINDS = ("incoming", "outgoing", "activity", "template")  # REST sends the index, webhooks the word


@dataclass(frozen=True, slots=True)
class MappingConfig:
    channels: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_CHANNELS))
    public_types: frozenset[str] = DEFAULT_PUBLIC_TYPES
    # inbox id -> (channel, visibility): an inbox that is all public (a page's comments via the API channel)
    inboxes: Mapping[int, tuple[str, str]] = field(default_factory=dict)
    label_topics: Mapping[str, str] = field(default_factory=lambda: {t: t for t in TOPICS})
    label_flags: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_FLAGS))
    label_complexity: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_COMPLEXITY))
    # team name (lower case) -> (kind, topics); a team not named here is a specialist team for the topic its
    # name contains, else a social team.
    teams: Mapping[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    agent_capacity: int = 5  # Chatwoot has no per-agent capacity outside Enterprise's capacity policies
    # SLA policy name -> the contract's `match` ({"topic": "fraud"}...): Chatwoot applies a policy to a
    # conversation by automation, the console chooses one by match, so only policies the bank matched map.
    sla_match: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def from_toml(cls, path: Path) -> MappingConfig:
        """[channels] type = code; public_types = [...]; [inboxes] "id" = [channel, visibility];
        [label_topics], [label_flags], [label_complexity]; [teams] "name" = [kind, [topics]];
        agent_capacity = n; [sla_match."policy name"] topic = "fraud"."""
        raw = tomllib.loads(path.read_text("utf-8"))
        base = cls()
        return cls(
            channels={**base.channels, **raw.get("channels", {})},
            public_types=frozenset(raw.get("public_types", base.public_types)),
            inboxes={int(k): (str(v[0]), str(v[1])) for k, v in raw.get("inboxes", {}).items()},
            label_topics={**base.label_topics, **raw.get("label_topics", {})},
            label_flags={**base.label_flags, **raw.get("label_flags", {})},
            label_complexity={**base.label_complexity, **raw.get("label_complexity", {})},
            teams={k.lower(): (str(v[0]), tuple(v[1])) for k, v in raw.get("teams", {}).items()},
            agent_capacity=int(raw.get("agent_capacity", base.agent_capacity)),
            sla_match=dict(raw.get("sla_match", {})),
        )


@dataclass(frozen=True, slots=True)
class CwMessage:
    """A Chatwoot message in one shape whichever way it came (REST: index and Unix time; webhook: word
    and date-time)."""

    id: int
    kind: str  # incoming | outgoing | activity | template
    private: bool  # an internal note
    created_at: float
    content: str
    sender_name: str
    sender_type: str  # contact | user | agent_bot | ... ("" when none)

    @property
    def is_chat(self) -> bool:
        return not self.private and self.kind in ("incoming", "outgoing", "template")

    @property
    def is_agent_reply(self) -> bool:
        # A person's reply: automated templates and bots do not stop the customer's clock.
        return self.kind == "outgoing" and not self.private and self.sender_type == "user"


def message_of(raw: Mapping[str, Any]) -> CwMessage:
    kind_raw, created = raw["message_type"], raw["created_at"]
    kind = MESSAGE_KINDS[kind_raw] if isinstance(kind_raw, int) else str(kind_raw)
    at = float(created) if isinstance(created, (int, float)) else datetime.fromisoformat(created).timestamp()
    at = float(int(at))  # REST gives whole seconds, webhooks fractions: one message, one time either way
    sender = raw.get("sender") or {}
    return CwMessage(
        id=int(raw["id"]),
        kind=kind,
        private=bool(raw.get("private", False)),
        created_at=at,
        content=str(raw.get("content") or ""),
        sender_name=str(sender.get("name") or ""),
        sender_type=str(sender.get("type") or ""),
    )


def enquiry_id(conversation_id: int) -> str:
    return f"{ENQUIRY_PREFIX}{conversation_id}"


def conversation_id(enquiry: str) -> int | None:
    """The Chatwoot conversation an enquiry id names, or None when it is not one of ours."""
    rest = enquiry.removeprefix(ENQUIRY_PREFIX)
    return int(rest) if rest != enquiry and rest.isascii() and rest.isdigit() else None


def chatwoot_number(ident: str | None, prefix: str) -> int | None:
    if ident is None or not ident.startswith(prefix):
        return None
    rest = ident.removeprefix(prefix)
    return int(rest) if rest.isascii() and rest.isdigit() else None


def channel_of(
    inbox: Mapping[str, Any] | None, conversation: Mapping[str, Any], config: MappingConfig
) -> tuple[str, str]:
    """(channel, visibility) of a conversation: an inbox the bank configured wins; else the inbox's channel
    type, public when Chatwoot says the conversation is a tweet or a comment."""
    inbox_id = conversation.get("inbox_id")
    if isinstance(inbox_id, int) and inbox_id in config.inboxes:
        return config.inboxes[inbox_id]
    channel_type = str((inbox or {}).get("channel_type") or conversation.get("channel") or "")
    code = config.channels.get(channel_type) or channel_type.removeprefix("Channel::").lower() or "unknown"
    kind = str((conversation.get("additional_attributes") or {}).get("type") or "").lower()
    return code, "public" if kind in config.public_types else "private"


def _status(conversation: Mapping[str, Any], replied: bool, team_kind: str | None) -> str:
    status = conversation["status"]
    if status == "resolved":
        return "resolved"
    if status == "snoozed":
        return "waiting_customer"
    assignee = (conversation.get("meta") or {}).get("assignee")
    if status == "pending" or (assignee is None and not replied and team_kind != "specialist"):
        return "new"  # pending: a bot still holds it; nobody has it or has answered it yet
    if assignee is None and team_kind == "specialist":
        return "pending_specialist"
    return "open"


def enquiry_of(
    conversation: Mapping[str, Any],
    messages: Iterable[CwMessage],
    inbox: Mapping[str, Any] | None,
    team_kinds: Mapping[int, str],
    config: MappingConfig,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The enquiry (contract shape, version 0: the ledger sets it) and its conversation, oldest first."""
    ident = enquiry_id(int(conversation["id"]))
    chat = sorted((m for m in messages if m.is_chat), key=lambda m: (m.created_at, m.id))
    incoming = [m for m in chat if m.kind == "incoming"]
    replies = [m for m in chat if m.is_agent_reply]
    last_reply = replies[-1].created_at if replies else None
    unanswered = [m.created_at for m in incoming if last_reply is None or m.created_at > last_reply]
    meta = conversation.get("meta") or {}
    team, assignee, sender = meta.get("team"), meta.get("assignee"), meta.get("sender") or {}
    labels = sorted(str(label).strip().lower() for label in conversation.get("labels") or ())
    topics = [config.label_topics[label] for label in labels if label in config.label_topics]
    complexity = [config.label_complexity[label] for label in labels if label in config.label_complexity]
    channel, visibility = channel_of(inbox, conversation, config)
    team_kind = team_kinds.get(int(team["id"])) if team else None
    resolved = conversation["status"] == "resolved"
    extra = sender.get("additional_attributes") or {}
    enquiry = {
        "id": ident,
        "channel": channel,
        "visibility": visibility,
        "customer": {
            "handle": str(extra.get("screen_name") or sender.get("identifier") or "")[:200],
            "name": str(sender.get("name") or "")[:200],
        },
        "text": incoming[-1].content[:MAX_TEXT] if incoming else "",
        "topic": topics[0] if topics else "general",
        "complexity": complexity[0] if complexity else 2,
        "flags": sorted({config.label_flags[label] for label in labels if label in config.label_flags}),
        "priority": PRIORITIES.get(conversation.get("priority"), "normal"),
        "status": _status(conversation, bool(replies), team_kind),
        "team_id": f"{TEAM_PREFIX}{team['id']}" if team else None,
        "agent_id": f"{AGENT_PREFIX}{assignee['id']}" if assignee else None,
        "created_at": iso(float(conversation["created_at"])),
        "updated_at": iso(float(conversation["updated_at"])),
        "version": 0,
        "first_customer_message_at": opt_iso(incoming[0].created_at if incoming else None),
        "first_response_at": opt_iso(replies[0].created_at if replies else None),
        "last_customer_message_at": opt_iso(incoming[-1].created_at if incoming else None),
        "last_agent_message_at": opt_iso(last_reply),
        # Chatwoot keeps no resolved_at: resolving adds an activity message, which moves last_activity_at.
        "resolved_at": opt_iso(float(conversation["last_activity_at"]) if resolved else None),
        "handoff_requested_at": None,
        "handoff_accepted_at": None,
        "bounces": 0,
        "pauses": [],
        "outcome": {},
        "oldest_unanswered_message_at": opt_iso(unanswered[0] if unanswered else None),
    }
    wire_messages = [
        {
            "id": f"{MESSAGE_PREFIX}{m.id}",
            "enquiry_id": ident,
            "direction": "in" if m.kind == "incoming" else "out",
            "author": m.sender_name[:200],
            "text": m.content[:MAX_TEXT],
            "sent_at": iso(m.created_at),
        }
        for m in chat
    ]
    return enquiry, wire_messages


def team_kind_of(name: str, config: MappingConfig) -> tuple[str, tuple[str, ...]]:
    configured = config.teams.get(name.strip().lower())
    if configured:
        return configured
    words = {w.removesuffix("s") for w in name.lower().replace("-", " ").replace("_", " ").split()}
    topics = tuple(t for t in TOPICS if t.removesuffix("s") in words and t != "general")
    return ("specialist", topics) if topics else ("social", ("general",))


def teams_to_wire(
    teams: Sequence[Mapping[str, Any]], config: MappingConfig, with_no_team: bool
) -> list[dict[str, Any]]:
    out = []
    for team in teams:
        kind, topics = team_kind_of(str(team["name"]), config)
        out.append(
            {
                "id": f"{TEAM_PREFIX}{team['id']}",
                "name": str(team["name"]),
                "kind": kind,
                "topics": list(topics),
                "calendar_id": CALENDAR_24X7,
                "trained_vulnerable": "vulnerable" in topics or "vulnerab" in str(team["name"]).lower(),
            }
        )
    if with_no_team:
        out.append(
            {
                "id": NO_TEAM,
                "name": "No team in Chatwoot",
                "kind": "social",
                "topics": ["general"],
                "calendar_id": CALENDAR_24X7,
                "trained_vulnerable": False,
            }
        )
    return out


def agents_to_wire(
    agents: Sequence[Mapping[str, Any]],
    team_of: Mapping[int, int],
    load: Mapping[int, int],
    config: MappingConfig,
) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{AGENT_PREFIX}{a['id']}",
            "name": str(a.get("available_name") or a["name"]),
            "team_id": f"{TEAM_PREFIX}{team_of[a['id']]}" if a["id"] in team_of else NO_TEAM,
            "status": AGENT_STATUS.get(str(a["availability_status"]), "offline"),
            "capacity": config.agent_capacity,
            "load": load.get(int(a["id"]), 0),
        }
        for a in agents
    ]


def channels_to_wire(inboxes: Sequence[Mapping[str, Any]], config: MappingConfig) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for inbox in inboxes:
        code, visibility = channel_of(inbox, {"inbox_id": inbox["id"]}, config)
        entry = seen.setdefault(code, {"id": code, "name": code, "public": False, "private": True})
        # an inbox that can carry tweets or comments makes its channel public too
        entry["public"] = entry["public"] or visibility == "public" or code in ("x", "facebook", "instagram")
    return list(seen.values())


CALENDARS: list[dict[str, Any]] = [
    {"id": CALENDAR_24X7, "name": "Chatwoot (24/7)", "timezone": "UTC", "always_open": True, "hours": {}}
]


def sla_policies_to_wire(
    policies: Sequence[Mapping[str, Any]], config: MappingConfig
) -> tuple[list[dict[str, Any]], int]:
    """The policies the bank matched and Chatwoot gave all three targets for, and how many were left out."""
    out = []
    for p in policies:
        match = config.sla_match.get(str(p["name"]))
        targets = [
            p.get(k)
            for k in (
                "first_response_time_threshold",
                "next_response_time_threshold",
                "resolution_time_threshold",
            )
        ]
        if match is None or not all(isinstance(t, (int, float)) and t > 0 for t in targets):
            continue
        out.append(
            {
                "id": f"{SLA_PREFIX}{p['id']}",
                "name": str(p["name"]),
                "rank": 50,
                "first_response_s": float(targets[0]),  # type: ignore[arg-type]
                "next_response_s": float(targets[1]),  # type: ignore[arg-type]
                "resolution_s": float(targets[2]),  # type: ignore[arg-type]
                "match": dict(match),
                "calendar_id": CALENDAR_24X7,
            }
        )
    return out, len(policies) - len(out)
