"""The detail pane's presenter: what it shows for the enquiry picked in the queue, the breach strip or
its own list of earlier enquiries; its clocks, kept current once a second; its conversation, fetched by
a background job when the cache has none. When a change touches the enquiry on show, it shows it again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Signal, Slot

from console.domain.complaints.status import is_confirmed
from console.domain.model import Enquiry, Message
from console.domain.risk import continuity
from console.live.complaints import heard_where, sent_words
from console.sla.words import clock_word, duration, format_countdown, format_waited, state_word
from console.store.reads import StoreReader
from widgets.app.workers import BackgroundJobs
from widgets.detail.pane import ClockRow, DetailPane
from widgets.main_window.changes import ChangeFeed, LiveChange
from widgets.main_window.reference import LiveReference
from widgets.queue.model import QueueModel


class DetailPresenter(QObject):
    complaintsRead = Signal()  # a conversation read here changed the complaint desk's book

    def __init__(
        self,
        pane: DetailPane,
        model: QueueModel,
        feed: ChangeFeed,
        reference: LiveReference,
        *,
        jobs: BackgroundJobs | None,
        fetch_messages: Callable[[str], list[Message]] | None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.pane, self.model, self.reference = pane, model, reference
        self.jobs, self.fetch_messages = jobs, fetch_messages
        self._fetching: set[str] = set()
        pane.messagesWanted.connect(self._fetch)
        pane.enquiryPicked.connect(self.show)
        feed.changed.connect(self.on_change)

    @property
    def reader(self) -> StoreReader:
        return self.reference.reader

    @Slot(object)
    def on_change(self, change: LiveChange) -> None:
        ref = self.reference
        if change.reference:
            self.pane.set_time_zone(ref.tz)
            self.pane.set_names(ref.team_names | ref.agent_names, ref.channel_names)
        current = self.pane.current_id()
        if current is not None and change.touches(current):
            self.show(current)

    def tick(self, now: float) -> None:
        current = self.pane.current_id()
        e = None if current is None else self.model.enquiry(current)
        if e is not None:
            self.pane.set_clocks(self.clock_rows(e, now))
            self.show_complaint(e)

    @Slot(str)
    def show(self, enquiry_id: str) -> None:
        if not enquiry_id:
            self.pane.clear()
            return
        e = self.model.enquiry(enquiry_id) or self.reader.get(enquiry_id)
        if e is None:
            self.pane.clear()
            return
        messages: Sequence[Message] | None = self.reader.messages(e.id)
        if not messages and self.fetch_messages is not None:
            messages = None  # not cached yet: the pane asks for them
        self._messages_known(e.id, messages or ())
        self.pane.show_enquiry(
            e,
            messages=messages,
            earlier=self.reader.customer_history(e.customer_handle, 20) if e.customer_handle else [],
            assignments=self.reader.assignments(e.id),
            clocks=self.clock_rows(e, self.reference.now()),
        )
        self.show_complaint(e)
        self._show_risk(e, messages)

    def show_complaint(self, e: Enquiry) -> None:
        """The complaint box: proposed (with the customer's words), confirmed or dismissed, and by whom."""
        desk, tz = self.reference.complaints, self.reference.tz
        state, proposal = desk.state(e), desk.proposal(e)
        self.pane.complaint.show_state(
            e,
            state,
            proposal.words,
            desk.decision(e),
            privacy=self.pane.privacy_mode(),
            tz=tz,
            where=heard_where(proposal, tz),
            sent=sent_words(desk.letters(e), tz) if is_confirmed(state) else (),
        )

    def _messages_known(self, enquiry_id: str, messages: Sequence[Message]) -> None:
        """A conversation in hand: the risk score's sentiment trend and the complaint desk's book (the
        customer's words in every message, the complaint communications sent) take it in."""
        if messages:
            self.model.set_risk_book(self.model.risk_book().with_messages(enquiry_id, messages))
            if self.reference.complaints.take_messages(enquiry_id, messages):
                self.complaintsRead.emit()

    def _show_risk(self, e: Enquiry, messages: Sequence[Message] | None) -> None:
        """The risk line and the conversation's notes (then the conversation again, with them)."""
        risk = self.model.risk_of(e.id)
        if risk is None:  # not in the live queue (closed, or an earlier enquiry): scored with no clock
            risk = self.model.risk_book().assess(e, None)
        names = self.reference.channel_names
        lines = [f"Escalation risk {risk.explain()}" if risk.reasons else "Escalation risk: no signs of risk"]
        if messages:
            steps = continuity.history(e, messages)
            if continuity.moved(steps):
                lines.append(f"Channels: {continuity.history_words(steps, names)}")
            flagged = continuity.public_detail_requests(e, messages)
            if flagged:
                n = len(flagged)
                lines.append(
                    f"⚠ {n} repl{'y' if n == 1 else 'ies'} asked for account details in a public post"
                )
        notes = continuity.message_notes(e, messages, names) if messages else {}
        self.pane.set_risk(e.id, "\n".join(lines), notes)
        if messages:
            self.pane.set_messages(e.id, messages)

    def set_privacy(self, mode: str) -> None:
        self.pane.set_privacy(mode)
        current = self.pane.current_id()
        if current:
            self.show(current)

    def clock_rows(self, e: Enquiry, now: float) -> list[ClockRow]:
        engine, tz = self.reference.engine, self.reference.tz
        rows = []
        for c in engine.clocks(e):
            name = clock_word(c.kind)
            if c.stopped_at is not None:
                when = format_countdown_wall(c.stopped_at, tz)
                late = c.stopped_at - c.due_at
                state = "Met" if late <= 0 else f"Missed by {duration(late)}"
                rows.append(ClockRow(name, f"stopped {when}", state, "met" if late <= 0 else "missed"))
            elif c.paused:
                rows.append(
                    ClockRow(name, "paused while waiting for the customer", f"{duration(c.used_s)} used")
                )
            else:
                status = engine.clock_status(c, now)
                if status is None:
                    continue
                # Both figures: the working time left on the policy's calendar and the customer's own wait.
                due = format_countdown(status, tz, now, working=engine.counts_working_hours(c))
                state = state_word(status.state)
                if c.kind in ("first_response", "next_response"):
                    state = f"{state} · customer {format_waited(now - c.started_at)}"
                rows.append(ClockRow(name, due, state, status.state))
        # The regulator's clocks of a confirmed complaint and the platform's reply window (issue 17).
        rows.extend(
            ClockRow(c.name, c.due, c.state) for c in self.reference.complaints.clock_lines(e, now, tz)
        )
        return rows

    @Slot(str)
    def _fetch(self, enquiry_id: str) -> None:
        if self.jobs is None or self.fetch_messages is None or enquiry_id in self._fetching:
            return
        self._fetching.add(enquiry_id)
        fetch = self.fetch_messages

        def done(messages: list[Message]) -> None:
            self._fetching.discard(enquiry_id)
            self._messages_known(enquiry_id, messages)
            e = self.model.enquiry(enquiry_id) or self.reader.get(enquiry_id)
            if e is not None and enquiry_id == self.pane.current_id():
                self._show_risk(e, messages)
            self.pane.set_messages(enquiry_id, messages)

        def failed(error: BaseException) -> None:
            self._fetching.discard(enquiry_id)
            self.pane.set_messages_failed(enquiry_id, str(error) or type(error).__name__)

        self.jobs.submit(lambda: fetch(enquiry_id), done, failed)


def format_countdown_wall(t: float, tz: str) -> str:
    return datetime.fromtimestamp(t, ZoneInfo(tz)).strftime("%a %H:%M")
