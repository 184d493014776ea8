"""People's words for the codes the service and the cache use: channels, visibility, enquiry statuses,
priorities, flags, topics, clocks, agent statuses and team kinds. Every screen and every report that a
person reads says a code through here; a code nobody listed yet is turned into readable words
("some_new_code" -> "Some new code"), never shown raw. CSV exports keep the codes (machines read them).

Plain text, English. Qt-free: the core's reports use it as the widgets do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

CHANNELS = {
    "x": "X",
    "twitter": "X",
    "facebook": "Facebook",
    "messenger": "Messenger",
    "instagram": "Instagram",
    "whatsapp": "WhatsApp",
    "linkedin": "LinkedIn",
    "tiktok": "TikTok",
    "threads": "Threads",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "youtube": "YouTube",
    "reddit": "Reddit",
    "trustpilot": "Trustpilot",
    "google": "Google reviews",
    "appstore": "App Store reviews",
    "playstore": "Google Play reviews",
    "telegram": "Telegram",
    "wechat": "WeChat",
    "sms": "SMS",
    "email": "Email",
    "webchat": "Web chat",
}
# Channels that are only ever private conversations: "Public" under them would always read 0.
PRIVATE_ONLY = frozenset({"whatsapp", "messenger", "telegram", "wechat", "sms", "email", "webchat"})
VISIBILITY = {"public": "Public posts", "private": "Private messages"}
VISIBILITY_SHORT = {"public": "public", "private": "DM"}  # beside a channel name: "X · DM"
STATUSES = {
    "new": "New",
    "open": "Open",
    "waiting_customer": "Waiting for the customer",
    "pending_specialist": "Waiting for a specialist",
    "resolved": "Resolved",
    "closed": "Closed",
}
PRIORITIES = {"low": "Low priority", "normal": "Normal priority", "high": "High priority", "urgent": "Urgent"}
FLAGS = {"vulnerable": "Vulnerable customer", "complaint": "Complaint", "fraud_risk": "Fraud risk"}
FLAG_ORDER = ("fraud_risk", "vulnerable", "complaint")
TOPICS = {
    "general": "General",
    "cards": "Cards",
    "lending": "Lending",
    "fraud": "Fraud",
    "complaint": "Complaint",
    "accounts": "Accounts",
    "mortgages": "Mortgages",
    "payments": "Payments",
}
CLOCKS = {
    "first_response": "First response",
    "next_response": "Next response",
    "resolution": "Resolution",
    "handoff": "Specialist hand-off",  # arrival to acceptance by the owning specialist team
}
OUTCOMES = {  # the J.D. Power drivers of satisfaction recorded per enquiry
    "same_channel": "Replied in the same channel",
    "offered_more_help": "Offered help with another problem",
    "thanked": "Thanked the customer",
    "offered_products": "Offered other products",
    "resolved": "Resolved the issue",
}
WAITING_FOR = {  # what a carried-over enquiry waits for (console.reports)
    "first_response": "A first reply",
    "reply": "A reply",
    "customer": "The customer",
    "resolution": "Resolution",
}
AGENT_STATUSES = {"available": "Available", "busy": "Busy", "away": "Away", "offline": "Offline"}
TEAM_KINDS = {"social": "Social team", "specialist": "Specialist team"}
UNKNOWN = "Unknown"

_SEPARATORS = re.compile(r"[\s_\-.:/]+")


def readable(code: str | None) -> str:
    """A code nobody listed, in words: "some_new_code" -> "Some new code", "" or None -> "Unknown".
    Control characters are dropped: codes come from the network."""
    text = "".join(ch for ch in str(code or "") if ch.isprintable())
    words = _SEPARATORS.sub(" ", text).strip()
    return words[:1].upper() + words[1:] if words else UNKNOWN


def _say(table: Mapping[str, str], code: str | None) -> str:
    return table.get(code or "") or readable(code)


def channel_label(code: str | None) -> str:
    """ "WhatsApp" for whatsapp; an unknown channel in words ("Mastodon" for mastodon)."""
    return _say(CHANNELS, code)


def channel_name(code: str | None, names: Mapping[str, str] | None = None) -> str:
    """A channel's name: the service's own name for it when it gives a real one (not just the id again),
    else channel_label() ("Threads" for threads, which the service may not list)."""
    given = (names or {}).get(code or "", "").strip()
    return given if given and given != code else channel_label(code)


def visibility_label(code: str | None) -> str:
    """ "Public posts" / "Private messages"."""
    return _say(VISIBILITY, code)


def channel_visibilities(channel: str) -> tuple[str, ...]:
    """The visibilities worth a separate entry under a channel: none for a private-only channel."""
    return () if channel in PRIVATE_ONLY else ("public", "private")


def channel_text(channel: str | None, visibility: str | None) -> str:
    """ "X · DM", "Facebook · public"."""
    name = channel_label(channel)
    return f"{name} · {VISIBILITY_SHORT.get(visibility or '') or readable(visibility).lower()}"


def status_label(code: str | None) -> str:
    """ "Waiting for a specialist" for pending_specialist."""
    return _say(STATUSES, code)


def priority_label(code: str | None) -> str:
    """ "Urgent", "High priority"..."""
    return _say(PRIORITIES, code)


def flag_label(code: str | None) -> str:
    """ "Fraud risk" for fraud_risk."""
    return _say(FLAGS, code)


def flags_text(flags: Iterable[str], none: str = "") -> str:
    """ "Fraud risk, Vulnerable customer": the flags in a fixed order (fraud first); `none` for none."""
    order = {f: i for i, f in enumerate(FLAG_ORDER)}
    ordered = sorted(set(flags), key=lambda f: (order.get(f, len(order)), f))
    return ", ".join(flag_label(f) for f in ordered) or none


def topic_label(code: str | None) -> str:
    """ "Cards" for cards; an unknown topic in words."""
    return _say(TOPICS, code)


def clock_label(code: str | None) -> str:
    """ "Specialist hand-off" for handoff."""
    return _say(CLOCKS, code)


def outcome_label(code: str | None) -> str:
    """ "Replied in the same channel" for same_channel."""
    return _say(OUTCOMES, code)


def waiting_for_label(code: str | None) -> str:
    """ "The customer" for customer, "A first reply" for first_response."""
    return _say(WAITING_FOR, code)


def agent_status_label(code: str | None) -> str:
    """ "Available", "Busy", "Away", "Offline"."""
    return _say(AGENT_STATUSES, code)


def team_kind_label(code: str | None) -> str:
    """ "Social team" / "Specialist team"."""
    return _say(TEAM_KINDS, code)


def raw_codes() -> dict[str, str]:
    """The codes that must never be read on a screen, with their words: every listed code with an
    underscore, the channel ids ("whatsapp", "threads") and the clock kinds ("handoff"). Plain words that
    are codes too ("open", "cards") are left out: they read the same in a sentence."""
    out: dict[str, str] = {}
    for table in (
        CHANNELS,
        STATUSES,
        PRIORITIES,
        FLAGS,
        TOPICS,
        CLOCKS,
        OUTCOMES,
        AGENT_STATUSES,
        TEAM_KINDS,
    ):
        for code, label in table.items():
            if "_" in code or (table is CHANNELS and len(code) > 2 and code != label) or table is CLOCKS:
                out[code] = label
    return out
