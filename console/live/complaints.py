"""Complaints and platform reply windows on the live floor: what the queue's flags cell, the detail pane,
the navigator's saved views, the wallboard and the shift report show of them, computed once here.

A ComplaintDesk holds the site's rules (jurisdiction, business calendar) and a snapshot of the
supervisors' decisions. It keeps caches and a business clock, so it belongs to one thread: another thread
asks for twin(). Decisions are replaced as a whole (set_decisions), never changed in place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from console.domain.complaints.detect import Proposal, propose
from console.domain.complaints.rules import Rules
from console.domain.complaints.status import (
    BY_SERVICE,
    COMPLAINT,
    PROPOSED,
    Decision,
    complaint_state,
    effective_decision,
    is_confirmed,
)
from console.domain.model import Calendar, Enquiry
from console.domain.privacy import mask_text
from console.live.metrics import SavedView
from console.sla.complaint_clocks import (
    PASSED,
    ComplaintClocks,
    RegulatoryClock,
    clock_status,
    current,
    format_regulatory,
    format_stopped,
)
from console.sla.complaint_clocks import STATE_WORDS as CLOCK_STATES
from console.sla.reply_windows import (
    STATE_WORDS as WINDOW_STATES,
)
from console.sla.reply_windows import (
    ReplyWindow,
    closing_soon,
    format_window,
    reply_window,
    window_status,
)
from console.sla.words import format_age, hours_minutes

COMPLAINTS_VIEW = "complaints"
PROPOSED_VIEW = "possible_complaints"
WINDOW_VIEW = "reply_window_closing"
_SEVERITY = {None: 0, "on_track": 0, "at_risk": 1, "urgent": 2, "breached": 3}


@dataclass(frozen=True, slots=True)
class FlagCell:
    """The queue's flags cell: its words, the state that colours it (None: plain), and its tooltip."""

    text: str
    state: str | None
    tip: str


@dataclass(frozen=True, slots=True)
class ClockLine:
    """One regulatory clock or reply window as the detail pane's clocks table shows it."""

    name: str
    due: str
    state: str


@dataclass(frozen=True, slots=True)
class ComplaintCounts:
    """The wallboard's figures (no customer data): confirmed complaints open, due today (local), overdue,
    proposals awaiting a decision, and reply windows closing within the warning."""

    open: int = 0
    due_today: int = 0
    overdue: int = 0
    proposed: int = 0
    windows_closing: int = 0


class ComplaintDesk:
    def __init__(
        self,
        rules: Rules,
        jurisdiction: str,
        calendar: Calendar | None = None,
        decisions: Mapping[str, Decision] | None = None,
    ) -> None:
        self.rules, self.jurisdiction_id, self.calendar = rules, jurisdiction, calendar
        self.regulator = ComplaintClocks(rules.jurisdiction(jurisdiction), calendar)
        self.decisions: Mapping[str, Decision] = dict(decisions or {})
        self._clocks: dict[str, tuple[int, str, list[RegulatoryClock]]] = {}

    def twin(self) -> ComplaintDesk:
        """A desk with the same inputs for another thread (its own caches and business clock)."""
        return ComplaintDesk(self.rules, self.jurisdiction_id, self.calendar, self.decisions)

    def set_decisions(self, decisions: Mapping[str, Decision]) -> None:
        self.decisions = dict(decisions)
        self._clocks = {}

    # --- one enquiry --------------------------------------------------------------------------------

    def proposal(self, e: Enquiry) -> Proposal:
        return propose(e.text)

    def state(self, e: Enquiry) -> str:
        return complaint_state(e, self.decision(e))

    def decision(self, e: Enquiry) -> Decision | None:
        """This console's pending decision, else the service's, else this console's (status.py)."""
        return effective_decision(e, self.decisions.get(e.id))

    def clocks(self, e: Enquiry) -> list[RegulatoryClock]:
        """The regulator's clocks of a confirmed complaint (none for anything else), kept per version."""
        state = self.state(e)
        if not is_confirmed(state):
            return []
        hit = self._clocks.get(e.id)
        if hit is not None and hit[0] == e.version and hit[1] == state:
            return hit[2]
        clocks = self.regulator.clocks(e)
        self._clocks[e.id] = (e.version, state, clocks)
        return clocks

    def window(self, e: Enquiry) -> ReplyWindow | None:
        return reply_window(e, self.rules)

    def flag_cell(self, e: Enquiry, base: str, now: float, tz: str) -> FlagCell:
        """`base` is the flags' own words ("Vulnerable, Complaint"); the complaint and window clocks are
        added after them: "Complaint 2 d 4 h left · Reply window 1:12 left"."""
        parts, tips, worst = ([base] if base else []), [], None
        state = self.state(e)
        if is_confirmed(state):
            if COMPLAINT.capitalize() not in base:
                parts.append("Complaint")
            by = "the bank's systems" if state == BY_SERVICE else "a supervisor"
            tips.append(f"Complaint: {'flagged' if state == BY_SERVICE else 'confirmed'} by {by}")
            now_clock = current(self.clocks(e), now)
            if now_clock is not None:
                clock, status = now_clock
                parts[-1] += f" {_short(status.remaining_s)}"
                worst = _worse(worst, status.state)
                tips.append(f"{clock.rule.name}: {format_regulatory(status, tz, now)}")
        elif state == PROPOSED:
            parts.append("Complaint?")
            tips.append("Possible complaint, from the customer's words: confirm or dismiss it in the details")
        w = self.window(e)
        if w is not None:
            ws = window_status(w, now, self.rules.warn_s)
            parts.append(f"Window {_short(ws.remaining_s)}" if ws.remaining_s >= 0 else "Window closed")
            worst = _worse(worst, ws.state)
            tips.append(f"{w.rule.name}: {format_window(w, ws, tz, now)}")
        return FlagCell(" · ".join(p for p in parts if p), worst, "\n".join(t for t in tips if t))

    def clock_lines(self, e: Enquiry, now: float, tz: str) -> list[ClockLine]:
        """The detail pane's rows: every regulatory clock of a confirmed complaint, then the reply window."""
        lines = []
        for c in self.clocks(e):
            if c.stopped_at is not None:
                lines.append(ClockLine(c.rule.name, format_stopped(c, tz), "Met" if c.met else "Missed"))
                continue
            status = clock_status(c, now)
            if status is None:
                continue
            words = CLOCK_STATES.get(status.state, status.state)
            if status.state == PASSED and c.rule.passes_to:
                words = "Passed: the next clock applies"
            lines.append(ClockLine(c.rule.name, format_regulatory(status, tz, now), words))
        w = self.window(e)
        if w is not None:
            ws = window_status(w, now, self.rules.warn_s)
            lines.append(ClockLine(w.rule.name, format_window(w, ws, tz, now), WINDOW_STATES[ws.state]))
        return lines

    # --- the floor ----------------------------------------------------------------------------------

    def views(self, now: Callable[[], float]) -> list[SavedView]:
        return complaint_views(lambda: self, now)

    def counts(self, enquiries: Iterable[Enquiry], now: float, tz: str) -> ComplaintCounts:
        zone = ZoneInfo(tz)
        today = datetime.fromtimestamp(now, zone).date()
        n_open = due_today = overdue = proposed = closing = 0
        for e in enquiries:
            if not e.is_open:
                continue
            if closing_soon(e, self.rules, now):
                closing += 1
            state = self.state(e)
            if state == PROPOSED:
                proposed += 1
            if not is_confirmed(state):
                continue
            n_open += 1
            found = current(self.clocks(e), now)
            if found is None:
                continue
            status = found[1]
            if status.state == "breached":
                overdue += 1
            elif datetime.fromtimestamp(status.due_at, zone).date() == today:
                due_today += 1
        return ComplaintCounts(n_open, due_today, overdue, proposed, closing)


def complaint_views(desk: Callable[[], ComplaintDesk], now: Callable[[], float]) -> list[SavedView]:
    """The navigator's "Complaints" (confirmed: flagged by the bank's systems or by a supervisor), "Possible
    complaints" (proposed from the words, awaiting a supervisor) and "Reply window closing". `desk` is
    asked on every call, so a view stays right when the desk is rebuilt (new rules, new decisions)."""

    def confirmed(e: Enquiry) -> bool:
        return e.is_open and is_confirmed(desk().state(e))

    def proposed(e: Enquiry) -> bool:
        return e.is_open and desk().state(e) == PROPOSED

    def closing(e: Enquiry) -> bool:
        return closing_soon(e, desk().rules, now())

    return [
        SavedView(COMPLAINTS_VIEW, "Complaints", confirmed),
        SavedView(PROPOSED_VIEW, "Possible complaints", proposed),
        SavedView(WINDOW_VIEW, "Reply window closing", closing),
    ]


def _short(seconds: float) -> str:
    """A clock's time left in a narrow cell: "2 d 4 h left", "3:10 left", "+1:05 over"."""
    if seconds < 0:
        span = -seconds
        return f"+{format_age(span) if span >= 86400 else hours_minutes(span)} over"
    return f"{format_age(seconds) if seconds >= 86400 else hours_minutes(seconds, up=True)} left"


def _worse(a: str | None, b: str | None) -> str | None:
    return b if _SEVERITY.get(b, 0) > _SEVERITY.get(a, 0) else a


def decision_detail(proposal: Proposal, state: str) -> dict[str, object]:
    """What a confirm/dismiss audit entry records beside who and when: what the console proposed, the
    trigger words (PII-masked: a cue can quote the customer) and the state before the decision."""
    return {
        "proposed": proposal.complaint,
        "words": [mask_text(w) for w in proposal.words[:10]],
        "score": proposal.score,
        "before": state,
    }
