"""What the queue's cells say: column names and the plain-text renderings of an enquiry's fields.

Pure functions (no Qt), kept apart from the model so that the table model stays readable. Every string
returned here is plain text; the model escapes it before it goes into a tooltip.
"""

from __future__ import annotations

import html
import math
from datetime import datetime
from zoneinfo import ZoneInfo

from console.domain.model import Enquiry
from console.domain.privacy import mask_handle, mask_text
from console.domain.risk.score import Risk
from console.live.queue_rows import Col as Col
from console.live.queue_rows import Row
from console.sla.engine import SlaStatus
from console.sla.words import (
    NO_CLOCK_WHY,
    NO_DEADLINE,
    clock_word,
    format_countdown,
    hours_minutes,
    state_word,
)

PREVIEW_CHARS = 120
# Mask a window a little longer than what is shown, so a card number or e-mail that straddles the cut
# is masked whole before it is cut.
_MASK_WINDOW = 256


COLUMNS = ("SLA", "Age", "Channel", "Customer", "Topic", "Flags", "Team", "Agent", "Latest message", "Risk")
COLUMN_TIPS = (
    "The clock that falls due first: working time left and the wall-clock deadline",
    "Time since the enquiry arrived",
    "Social channel; a lock means a private conversation (DM)",
    "Customer, shown according to the privacy mode",
    "Topic",
    "Vulnerable customer, complaint, fraud risk",
    "Owning team",
    "Agent working on it",
    "The customer's latest message (account numbers and contact details masked)",
    "Escalation risk, 0-100: the sum of its reasons' points (hover a cell for the reasons)",
)
CHANNEL_NAMES = {
    "x": "X",
    "facebook": "Facebook",
    "messenger": "Messenger",
    "instagram": "Instagram",
    "whatsapp": "WhatsApp",
    "linkedin": "LinkedIn",
    "tiktok": "TikTok",
}
FLAG_WORDS = {"vulnerable": "Vulnerable", "complaint": "Complaint", "fraud_risk": "Fraud risk"}
_FLAG_ORDER = {f: i for i, f in enumerate(("fraud_risk", "vulnerable", "complaint"))}


def one_line(text: str) -> str:
    """Collapse every run of whitespace (newlines, tabs, odd Unicode spaces) to one space; drop control
    characters so a message cannot break the row or hide text."""
    cleaned = "".join(ch if ch.isprintable() or ch.isspace() else " " for ch in text)
    return " ".join(cleaned.split())


def channel_text(channel: str, visibility: str) -> str:
    name = CHANNEL_NAMES.get(channel, channel)
    return f"{name} · {'DM' if visibility == 'private' else 'public'}"


def risk_text(risk: Risk) -> str:
    """ "72 · high", "45 · at risk", "10 · low", "" (no signs of risk)."""
    return f"{risk.score} · {risk.level}" if risk.score else ""


def risk_tooltip(risk: Risk) -> str:
    """Escaped rich text: the score and every reason with its points."""
    if not risk.reasons:
        return html.escape("Escalation risk: no signs of risk")
    head = f"<b>Escalation risk {risk.score}</b> ({html.escape(risk.level)})"
    return "<br/>".join([head, *(html.escape(f"• {r}") for r in risk.reasons)])


def flags_text(flags: frozenset[str]) -> str:
    ordered = sorted(flags, key=lambda f: (_FLAG_ORDER.get(f, 99), f))
    return ", ".join(FLAG_WORDS.get(f, f.replace("_", " ")) for f in ordered)


def customer_text(e: Enquiry, mode: str) -> str:
    handle = one_line(mask_handle(e.customer_handle, mode))
    if mode == "full" and e.customer_name.strip():
        return f"{one_line(e.customer_name)} ({handle})" if handle else one_line(e.customer_name)
    return handle or "(no handle)"


def preview_text(text: str, mode: str, limit: int = PREVIEW_CHARS, one_line_only: bool = True) -> str:
    """The customer's latest message, PII-masked, cut to `limit` characters (one line by default).
    In the masked privacy mode (wallboards) no message text is shown at all."""
    if mode == "masked":
        return "(hidden)"
    masked = mask_text(text[: max(limit, _MASK_WINDOW) + 64])
    flat = one_line(masked) if one_line_only else masked
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


class CellText:
    """What a row's text cells say under a privacy mode and with team and agent names: the RowText the
    queue index sorts and filters by, cached on the row records."""

    def __init__(self) -> None:
        self.privacy = "partial"
        self.teams: dict[str, str] = {}
        self.agents: dict[str, str] = {}

    def customer(self, r: Row) -> str:
        if r.customer is None:
            r.customer = customer_text(r.e, self.privacy)
        return r.customer

    def preview(self, r: Row) -> str:
        if r.preview is None:
            r.preview = preview_text(r.e.text, self.privacy)
        return r.preview

    def team(self, e: Enquiry) -> str:
        return "Unassigned" if e.team_id is None else self.teams.get(e.team_id, e.team_id)

    def agent(self, e: Enquiry) -> str:
        return "" if e.agent_id is None else self.agents.get(e.agent_id, e.agent_id)


def countdown_text(status: SlaStatus | None, tz: str, now: float | None = None) -> str:
    """ "0:42 left · due 09:16" (today), "+1:05 over · was due Mon 14:20"; "—" with no clock running."""
    return "—" if status is None else format_countdown(status, tz, now)


def sla_tooltip(status: SlaStatus | None, tz: str) -> str:
    """Escaped rich text: state, which clock, working time left or over, target and the deadline."""
    if status is None:
        return NO_CLOCK_WHY
    state, clock = state_word(status.state), clock_word(status.kind)
    if math.isinf(status.due_at):
        return html.escape(f"{state} · {clock} clock: {NO_DEADLINE}")
    due = datetime.fromtimestamp(status.due_at, ZoneInfo(tz)).strftime("%a %d %b %H:%M")
    left = hours_minutes(abs(status.remaining_s))
    when = f"{left} working time over" if status.remaining_s < 0 else f"{left} working time left"
    lines = (
        f"<b>{html.escape(state)}</b> · {html.escape(clock)} clock",
        html.escape(f"{when} (target {hours_minutes(status.target_s)})"),
        html.escape(f"{'Was due' if status.remaining_s < 0 else 'Due'} {due} ({tz})"),
    )
    return "<br>".join(lines)
