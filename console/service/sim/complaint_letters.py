"""The complaint communications the simulated agents send (docs/api.md "Complaints and reply windows"), so
the demo shows the regulator's clocks (console.sla.complaint_clocks) stopped by letters, and now and then
a letter missing:

- a complaint resolved by the end of its summary resolution window (FCA DISP 1.5: three business days
  after the day of receipt, on the complaints team's calendar, as the console counts them) gets a summary
  resolution communication (SRC) as the agent's last word, most of the time: the rest show "SRC not sent";
- one still open after that window gets a holding reply with an agent's message, later a final response
  (with a reply, or when it is resolved or closed);
- a share of the starting backlog's complaints were received weeks ago: a complaints team's caseload runs
  for weeks (the FCA allows eight), so the demo has long-running complaints from the start.

Draws come from generators seeded per enquiry (and per message), never from the simulator's own, so the
floor (arrivals, staffing, routing) runs exactly as before for a given seed, and a backlog conversation
does not depend on the order in which conversations are asked for.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from console.domain.calendars import BusinessClock
from console.domain.complaints.letters import FINAL, HOLDING, SRC, letter_kind
from console.domain.complaints.rules import DEFAULT_JURISDICTION, default_rules
from console.domain.complaints.status import complaints_calendar, flagged_by_service, received_at
from console.domain.model import Calendar, Enquiry, Message
from console.service.sim import texts
from console.service.sim.world import World

P_SRC = 0.85  # a complaint resolved within the window: the agent sends the SRC (the rest forget it)
P_FINAL = 0.95  # resolved after the window: the agent sends the final response
P_HOLDING = 0.9  # each agent message after the window carries a holding reply, until one was sent
# A later reply after the holding one gives the final response, and the conversation winds down from it
# (the customer may still write back): the final response, not the resolution, stops the clocks then.
P_FINAL_REPLY = 0.5
# An open backlog complaint waiting on its customer after the window: its last agent message was the
# final response (the customer has yet to say whether they accept it), else a holding reply.
P_FINAL_WAITING = 0.5
P_LONG = 0.25  # a backlog complaint that was received weeks ago
LONG_DAYS = (4.0, 35.0)  # how long ago (days, uniform)
DAY = 86_400.0


class Letters:
    """Which complaint communication an agent's message is, for one simulator (its seed and world)."""

    def __init__(self, seed: int, world: World) -> None:
        self.seed = seed
        self.world = world
        self._calendars: list[Calendar] | None = None
        self._timer: BusinessClock | None = None
        self._due: dict[date, float] = {}
        self._jurisdiction = default_rules().jurisdiction(DEFAULT_JURISDICTION)
        rule = next(r for r in self._jurisdiction.clocks if r.needs == SRC)
        self._days = rule.business_days or 3

    def src_due(self, e: Enquiry) -> float:
        """When e's summary resolution window ends: the close of business on the third business day after
        the day of receipt, on the complaints team's calendar, as console.sla.complaint_clocks counts it
        (the service shares only the domain with the console; a test holds the two to the same answer)."""
        if self._timer is None or self._calendars is not self.world.calendars:
            # Rebuilt when the calendars change: the demo adds the bank's own closures after the start.
            self._calendars = self.world.calendars
            calendar = complaints_calendar(self.world.teams, {c.id: c for c in self._calendars})
            if calendar is None or calendar.always_open:  # the console's fallback: weekdays 09:00-17:00
                j = self._jurisdiction
                office: dict[int, tuple[tuple[int, int], ...]] = {d: ((9 * 60, 17 * 60),) for d in range(5)}
                calendar = Calendar(
                    f"complaints-{j.id}", j.name, j.timezone, hours=office, public_holidays=j.public_holidays
                )
            self._timer = BusinessClock(calendar)
            self._due.clear()
        day = datetime.fromtimestamp(received_at(e), self._timer.zone).date()
        due = self._due.get(day)
        if due is None:
            due = self._due[day] = _close_of_business_day(self._timer, day, self._days)
        return due

    def _rng(self, e: Enquiry, what: str) -> random.Random:
        return random.Random(f"{self.seed}:{e.id}:letter:{what}")

    def closing(self, e: Enquiry, messages: Sequence[Message], at: float) -> str | None:
        """The letter an agent sends as the complaint is resolved or closed at `at`: an SRC within the
        window, else a final response. None when e is no complaint, the agent's last word was said at
        `at` (the reply that resolved it), a final response was sent already, or the agent forgot."""
        if not flagged_by_service(e):
            return None
        if messages and messages[-1].direction == "out" and messages[-1].sent_at >= at:
            return None
        kind = SRC if at <= self.src_due(e) else FINAL
        if kind == FINAL and FINAL in _sent(messages):
            return None
        rng = self._rng(e, str(len(messages)))
        if rng.random() >= (P_SRC if kind == SRC else P_FINAL):
            return None
        return texts.letter_text(rng, kind, _first_name(e))

    def reply(self, e: Enquiry, messages: Sequence[Message], at: float, *, resolving: bool) -> str | None:
        """The letter an agent's reply at `at` is, or None (an ordinary reply): the SRC or final response
        when the reply resolves the complaint; once the window has passed, a holding reply, and after it
        now and then the final response."""
        if not flagged_by_service(e):
            return None
        if resolving:
            return self.closing(e, messages, at)
        sent = _sent(messages)
        if at <= self.src_due(e) or FINAL in sent:
            return None
        rng = self._rng(e, str(len(messages)))
        kind, p = (FINAL, P_FINAL_REPLY) if HOLDING in sent else (HOLDING, P_HOLDING)
        return texts.letter_text(rng, kind, _first_name(e)) if rng.random() < p else None

    def backlog(self, e: Enquiry, messages: list[Message]) -> list[Message]:
        """A backlog complaint's letters, on the agent messages it has (so at the times the enquiry
        gives): a resolved or closed one's last agent message is its SRC or final response; the first
        other agent message after the window is a holding reply, or the final response for one waiting on
        the customer now and then. A logged phone call stays a call."""
        if not flagged_by_service(e):
            return messages
        replies = [i for i, m in enumerate(messages) if m.direction == "out" and m.channel != "phone"]
        if not replies:
            return messages
        rng, due, name = self._rng(e, "backlog"), self.src_due(e), _first_name(e)
        out = list(messages)
        last = replies[-1] if e.resolved_at is not None and not e.is_open else None
        for i in replies:
            if i != last and out[i].sent_at > due:
                final = e.status == "waiting_customer" and i == replies[-1] and rng.random() < P_FINAL_WAITING
                if final or rng.random() < P_HOLDING:
                    out[i] = replace(out[i], text=texts.letter_text(rng, FINAL if final else HOLDING, name))
                break
        if last is not None:
            kind = SRC if (e.resolved_at or 0) <= due else FINAL
            if rng.random() < (P_SRC if kind == SRC else P_FINAL):
                out[last] = replace(out[last], text=texts.letter_text(rng, kind, name))
        return out

    def lengthen(self, e: Enquiry, now: float, kind: str) -> None:
        """Some complaints of the starting backlog's conversations were received weeks ago (answered then,
        and since): their first messages move back; the latest stay where age_backlog put them."""
        if kind != "conversation" or not flagged_by_service(e) or e.first_response_at is None:
            return
        rng = self._rng(e, "long")
        if rng.random() >= P_LONG:
            return
        first_in = received_at(e)
        shift = first_in - (now - rng.uniform(*LONG_DAYS) * DAY)
        if shift <= 0:
            return
        if e.last_customer_message_at is None or e.last_customer_message_at <= first_in:
            e.last_customer_message_at = first_in - shift  # the customer wrote once
        e.created_at -= shift
        e.first_customer_message_at = first_in - shift
        e.first_response_at -= shift
        if e.handoff_requested_at is not None:
            e.handoff_requested_at -= shift
        if e.handoff_accepted_at is not None:
            e.handoff_accepted_at -= shift


def _close_of_business_day(timer: BusinessClock, received: date, n: int) -> float:
    """The close of business (the end of the last open span) on the nth business day after `received`."""
    ordinal, counted = received.toordinal(), 0
    for _ in range(n + 400):  # a year and more without a business day: no window end in reach
        ordinal += 1
        spans = [] if timer.closed_on(ordinal) else timer.day_intervals(ordinal)
        if spans:
            counted += 1
            if counted == n:
                return spans[-1][1]
    return math.inf


def _sent(messages: Sequence[Message]) -> set[str]:
    """The kinds of complaint communication the agents' messages were (read as the console reads them)."""
    return {k for m in messages if m.direction == "out" and (k := letter_kind(m.text)) is not None}


def _first_name(e: Enquiry) -> str:
    return e.customer_name.split(" ")[0]
