"""Complaints and platform reply windows on the live floor: what the queue's flags cell, the detail pane,
the navigator's saved views, the wallboard and the shift report show of them, computed once here.

A ComplaintDesk holds the site's rules (jurisdiction, business calendar), a snapshot of the
supervisors' decisions and the book of conversations (console.live.complaint_book: the customers' cues and
the complaint communications sent, judged once per message on a worker). It keeps caches and a business
clock, so it belongs to one thread: another thread asks for twin(). Decisions and the book are replaced as
a whole (set_decisions, set_book), never changed in place.

The proposal reads the whole conversation the book holds; a customer message newer than the book (a sync
brought it, the book's worker has not read it yet) is the enquiry's latest text, and is judged here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from console.domain.complaints.conversation import ConversationProposal, Heard, combine
from console.domain.complaints.detect import Proposal
from console.domain.complaints.letters import KIND_WORDS, Letter
from console.domain.complaints.rules import Rules
from console.domain.complaints.status import (
    BY_SERVICE,
    COMPLAINT,
    NOT_COMPLAINT,
    PROPOSED,
    Decision,
    complaint_state,
    effective_decision,
    flagged_by_service,
    is_confirmed,
)
from console.domain.model import Calendar, Enquiry, Message
from console.domain.privacy import mask_text
from console.live.complaint_book import ComplaintBook, Conversation, Memo, from_messages
from console.live.metrics import SavedView
from console.sla.complaint_clocks import (
    PASSED,
    ComplaintClocks,
    RegulatoryClock,
    clock_status,
    current,
    format_regulatory,
    format_stopped,
    stopped_state,
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

HANDED_OVER = "Passed: the next clock applies"  # a window that hands over ran out: no breach

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
        book: ComplaintBook | None = None,
        memo: Memo | None = None,
    ) -> None:
        self.rules, self.jurisdiction_id, self.calendar = rules, jurisdiction, calendar
        self.regulator = ComplaintClocks(rules.jurisdiction(jurisdiction), calendar)
        self.decisions: Mapping[str, Decision] = dict(decisions or {})
        self.book = book or ComplaintBook()
        # Latest messages newer than the book, judged on this desk's thread (a worker passes its own, kept
        # from one refresh to the next, so a message is judged once there too).
        self._memo = memo or Memo(50_000)
        self._clocks: dict[str, tuple[int, str, list[RegulatoryClock]]] = {}
        self._said: dict[str, tuple[int, ConversationProposal]] = {}
        # Most rows are not complaints: kept as the bare version (the enquiry's own int), not a tuple per
        # row (~6 MB at 100k open); any other state as (version, state).
        self._states: dict[str, int | tuple[int, str]] = {}

    def twin(self, memo: Memo | None = None) -> ComplaintDesk:
        """A desk with the same inputs for another thread (its own caches and business clock; `memo`: that
        thread's own, kept between its jobs)."""
        return ComplaintDesk(self.rules, self.jurisdiction_id, self.calendar, self.decisions, self.book, memo)

    def set_decisions(self, decisions: Mapping[str, Decision]) -> None:
        self.decisions = dict(decisions)
        self._clocks, self._said, self._states = {}, {}, {}

    def set_book(self, book: ComplaintBook, changed: Iterable[str] | None = None) -> None:
        """The conversations as a worker read them (or one more, from the detail pane). `changed`: the only
        enquiries whose conversations differ from the book before (their answers are asked again; None:
        every enquiry's)."""
        self.book = book
        if changed is None:
            self._clocks, self._said, self._states = {}, {}, {}
            return
        for ident in changed:
            self._clocks.pop(ident, None)
            self._said.pop(ident, None)
            self._states.pop(ident, None)

    def take_messages(self, enquiry_id: str, messages: Sequence[Message]) -> bool:
        """One whole conversation in hand (the detail pane read it): the book takes it in. True when that
        changed what the book held (then views and counts are worth asking again)."""
        conversation = from_messages(messages, self._memo)
        if self.book.get(enquiry_id) == conversation:
            return False
        self.set_book(self.book.with_conversations({enquiry_id: conversation}), (enquiry_id,))
        return True

    # --- one enquiry --------------------------------------------------------------------------------

    def _unread(self, e: Enquiry, conv: Conversation | None) -> bool:
        """The enquiry's latest customer message is newer than what the book holds of it."""
        latest = e.last_customer_message_at or e.created_at
        return bool(e.text) and (conv is None or conv.seen_until < latest)

    def proposal(self, e: Enquiry) -> ConversationProposal:
        """What the customer's messages since the enquiry opened (since the supervisor's decision, if any)
        say: complaint or not, the words, and which message said them. Kept per version."""
        hit = self._said.get(e.id)
        if hit is not None and hit[0] == e.version:
            return hit[1]
        conv = self.book.get(e.id)
        heard, n = (list(conv.heard), conv.messages) if conv is not None else ([], 0)
        if self._unread(e, conv):
            n += 1
            latest = self._memo(e.text)
            if latest.triggers:
                heard.append(Heard(n, e.last_customer_message_at or e.created_at, latest))
        decision = self.decision(e)
        said = combine(heard, n, None if decision is None else decision.at)
        self._said[e.id] = (e.version, said)
        return said

    def state(self, e: Enquiry) -> str:
        """BY_SERVICE, BY_SUPERVISOR, PROPOSED or NOT_COMPLAINT, kept per version: a view's filter asks it
        of every row on the UI thread."""
        hit = self._states.get(e.id)
        if hit is not None:
            if isinstance(hit, int):
                if hit == e.version:
                    return NOT_COMPLAINT
            elif hit[0] == e.version:
                return hit[1]
        state = self._state(e)
        self._states[e.id] = e.version if state == NOT_COMPLAINT else (e.version, state)
        return state

    def confirmed(self, e: Enquiry) -> bool:
        """A complaint confirmed by the bank's systems or a supervisor: no words need reading (the
        "Complaints" view asks it of every row while the book may not be read yet)."""
        if not flagged_by_service(e) and self.decision(e) is None:
            return False
        return is_confirmed(self.state(e))

    def decision(self, e: Enquiry) -> Decision | None:
        """This console's pending decision, else the service's, else this console's (status.py)."""
        return effective_decision(e, self.decisions.get(e.id))

    def _state(self, e: Enquiry) -> str:
        # A dictionary's answer when the book has read the enquiry's latest message.
        decision = self.decision(e)
        if flagged_by_service(e) or decision is not None:
            return complaint_state(e, decision, None)
        conv = self.book.get(e.id)
        if conv is not None and conv.complaint:
            return PROPOSED
        if conv is not None and not self._unread(e, conv):
            return NOT_COMPLAINT
        return PROPOSED if self._memo(e.text).complaint else NOT_COMPLAINT

    def letters(self, e: Enquiry) -> tuple[Letter, ...] | None:
        """The complaint communications sent on this enquiry; None when its agents' messages are not known
        (the clocks then assume none missing)."""
        conv = self.book.get(e.id)
        return None if conv is None else conv.letters

    def clocks(self, e: Enquiry) -> list[RegulatoryClock]:
        """The regulator's clocks of a confirmed complaint (none for anything else), kept per version."""
        state = self.state(e)
        if not is_confirmed(state):
            return []
        hit = self._clocks.get(e.id)
        if hit is not None and hit[0] == e.version and hit[1] == state:
            return hit[2]
        clocks = self.regulator.clocks(e, self.letters(e))
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
            tips.extend(sent_words(self.letters(e), tz))
        elif state == PROPOSED:
            parts.append("Complaint?")
            # Which message, never the words here: a tooltip shows in every privacy mode (the detail pane
            # shows the words, masked as its mode says).
            where = heard_where(self.proposal(e), tz)
            tips.append(
                f"Possible complaint, from the customer's words{' ' + where if where else ''}: "
                "confirm or dismiss it in the details"
            )
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
                state = stopped_state(c)
                words = HANDED_OVER if state == PASSED else CLOCK_STATES[state]
                lines.append(ClockLine(c.rule.name, format_stopped(c, tz), words))
                continue
            status = clock_status(c, now)
            if status is None:
                continue
            words = CLOCK_STATES.get(status.state, status.state)
            if status.state == PASSED and c.hands_over:
                words = HANDED_OVER
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
        return e.is_open and desk().confirmed(e)

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


def decision_detail(proposal: Proposal | ConversationProposal, state: str) -> dict[str, object]:
    """What a confirm/dismiss audit entry records beside who and when: what the console proposed, the
    trigger words (PII-masked: a cue can quote the customer) and the state before the decision."""
    return {
        "proposed": proposal.complaint,
        "words": [mask_text(w) for w in proposal.words[:10]],
        "score": proposal.score,
        "before": state,
    }


def heard_words(proposal: ConversationProposal, tz: str, limit: int = 4) -> str:
    """ "'formal complaint', 'worst' in message 1 of 3 (Mon 09:12)": the words and the message that
    proposes the complaint (or holds the strongest hint)."""
    source = proposal.source
    if source is None:
        return "no words found"
    words = ", ".join(f"'{w}'" for w in source.proposal.words[:limit])
    return f"{words} {heard_where(proposal, tz)}"


def heard_where(proposal: ConversationProposal, tz: str) -> str:
    """ "in message 1 of 3 (Mon 09:12)": which customer message proposes the complaint ("" if none, or
    when there is only the one)."""
    source = proposal.source
    if source is None or proposal.messages <= 1:
        return ""
    at = datetime.fromtimestamp(source.sent_at, ZoneInfo(tz))
    return f"in message {source.number} of {proposal.messages} ({at:%a %H:%M})"


def sent_words(letters: Sequence[Letter] | None, tz: str) -> list[str]:
    """ "Holding reply sent Tue 15 Sep 10:02", one line per complaint communication, oldest first."""
    zone = ZoneInfo(tz)
    return [
        f"{KIND_WORDS[x.kind]} sent {datetime.fromtimestamp(x.sent_at, zone):%a %d %b %H:%M}"
        for x in letters or ()
    ]
