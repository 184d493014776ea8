"""The platforms' reply windows on private conversations, from the rules per channel (data).

Messenger and Instagram let a business send a standard reply within 24 hours of the customer's last
message (7 days with the human-agent tag); WhatsApp's customer-service window is 24 hours, after which
only approved templates can be sent. A window is elapsed time, not wall-clock time: across a change to
or from summer time, 24 hours is 24 hours, so the local closing time moves by the hour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from console.domain.complaints.rules import Rules, WindowRule
from console.domain.model import Enquiry
from console.sla.words import format_countdown, hours_minutes

HOUR = 3600.0
OPEN, CLOSING, CLOSED = "on_track", "at_risk", "breached"  # the SLA states a countdown knows
STATE_WORDS = {OPEN: "Open", CLOSING: "Closing soon", CLOSED: "Closed"}


@dataclass(frozen=True, slots=True)
class ReplyWindow:
    rule: WindowRule
    opened_at: float  # the customer's last message
    closes_at: float
    extended_closes_at: float | None  # with the channel's tag (Messenger's human-agent tag), if any


@dataclass(frozen=True, slots=True)
class WindowStatus:
    """console.sla.words.Countdown: state, remaining_s, due_at."""

    state: str  # on_track (open) | at_risk (closing within the warning) | breached (closed)
    remaining_s: float
    due_at: float


def reply_window(e: Enquiry, rules: Rules) -> ReplyWindow | None:
    """The window of an open private conversation on a channel that has one; None otherwise (public
    posts, other channels, no customer message yet)."""
    rule = rules.windows.get(e.channel)
    last = e.last_customer_message_at
    if rule is None or e.visibility != "private" or not e.is_open or last is None or not math.isfinite(last):
        return None
    extended = None if rule.extended_hours is None else last + rule.extended_hours * HOUR
    return ReplyWindow(rule, last, last + rule.hours * HOUR, extended)


def window_status(w: ReplyWindow, now: float, warn_s: float) -> WindowStatus:
    left = w.closes_at - now
    state = CLOSED if left < 0 else CLOSING if left <= warn_s else OPEN
    return WindowStatus(state, left, w.closes_at)


def closing_soon(e: Enquiry, rules: Rules, now: float) -> bool:
    """The saved view "Reply window closing": open, and closing within the warning (rules.warn_s)."""
    w = reply_window(e, rules)
    return w is not None and 0 <= w.closes_at - now <= rules.warn_s


def format_window(w: ReplyWindow, status: WindowStatus, tz: str, now: float) -> str:
    """ "1:12 left · closes Sun 11:00"; once closed "closed Sun 11:00, 0:40 ago: only approved templates
    can be sent" (with the tag's own window when it is still open)."""
    if status.state != CLOSED:
        return format_countdown(status, tz, now).replace("· due", "· closes")
    text = f"closed {_when(w.closes_at, tz, now)}, {hours_minutes(-status.remaining_s)} ago: {w.rule.after}"
    if w.extended_closes_at is not None and now < w.extended_closes_at:
        text += f"; with the {w.rule.extended_by} until {_when(w.extended_closes_at, tz, now)}"
    return text


def _when(t: float, tz: str, now: float) -> str:
    """The wall-clock part of a countdown ("Sun 11:00", "11:00" today), in the one format family."""
    return format_countdown(WindowStatus(OPEN, 1.0, t), tz, now).split(" · due ", 1)[1]
