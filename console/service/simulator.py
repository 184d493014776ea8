"""The traffic simulator: arrivals on a daily curve, agents answering, customers replying, hand-offs,
pauses, resolutions, merges and deletions, all driven by simulated time from one seeded generator.

Events are processed strictly in simulated-time order (a heap plus the next arrival), so the state at
simulated time T depends only on the seed, T and what clients did, not on how the clock was stepped.
Every change bumps the enquiry's version and updated_at and appends it to the store's feed.
Timestamps the service issues are event time + the skew fault (a server whose clock is off).
"""

from __future__ import annotations

import heapq
import random
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from console.domain.model import Enquiry, Message
from console.service import texts
from console.service.population import (
    HOUR,
    MIN,
    AgentPicker,
    age_backlog,
    backlog_messages,
    draw_enquiry,
    handoff_team,
)
from console.service.store import Store
from console.service.world import LONDON, World, build

# Arrivals per London hour, relative to the peak (late morning and evening peaks, quiet at night).
CURVE = (
    0.12, 0.08, 0.06, 0.05, 0.06, 0.12, 0.3, 0.55, 0.8, 0.95, 1.0, 1.0,
    0.9, 0.85, 0.8, 0.8, 0.75, 0.8, 0.9, 1.0, 0.95, 0.75, 0.45, 0.25,
)  # fmt: skip


class Simulator:
    def __init__(
        self, *, seed: int, open_enquiries: int, start: float, skew: Callable[[], float] = lambda: 0.0
    ) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.skew = skew
        self.store = Store()
        self.world: World = build(self.rng, start)
        self.pick = AgentPicker(self.rng, self.world)
        self.now = start  # simulated time processed so far
        self.peak_per_hour = max(20.0, open_enquiries / 25)
        self._heap: list[tuple[float, int, str]] = []
        self._due: dict[str, int] = {}  # id -> ticket of its live heap entry
        self._ticket = 0
        self._recent: deque[str] = deque(maxlen=200)
        self._next_id = 1
        with self.store.lock:
            self._populate(open_enquiries, start)
        self._next_arrival = self._draw_arrival(start)

    # --- set-up ---
    def new_id(self) -> str:
        ident = f"enq-{self._next_id:07d}"
        self._next_id += 1
        return ident

    def _populate(self, count: int, now: float) -> None:
        rng, store = self.rng, self.store
        for _ in range(count):
            e = draw_enquiry(rng, self.new_id(), now)
            due = age_backlog(rng, e, now, self.world, self.pick)
            store.put(e, "simulator")
            self._ticket += 1
            self._due[e.id] = self._ticket
            self._heap.append((due, self._ticket, e.id))
        heapq.heapify(self._heap)

    def reschedule(self, ident: str, due: float) -> None:
        """The enquiry's next simulated step happens at due (replacing the one planned)."""
        self._schedule(ident, due)

    def _schedule(self, ident: str, due: float) -> None:
        self._ticket += 1
        self._due[ident] = self._ticket
        heapq.heappush(self._heap, (due, self._ticket, ident))

    def _draw_arrival(self, after: float) -> float:
        # Thinning: candidates at the peak rate, kept with the curve's share at that hour.
        t = after
        while True:
            t += self.rng.expovariate(self.peak_per_hour / HOUR)
            if self.rng.random() < CURVE[datetime.fromtimestamp(t, LONDON).hour]:
                return t

    # --- running (callers hold store.lock) ---
    def run_until(self, target: float) -> int:
        """Process every event due up to simulated time target; returns how many happened."""
        done = 0
        while True:
            due = self._heap[0][0] if self._heap else float("inf")
            if min(due, self._next_arrival) > target:
                break
            if self._next_arrival <= due:
                at = self._next_arrival
                self._arrive(at)
                self._next_arrival = self._draw_arrival(at)
            else:
                at, ticket, ident = heapq.heappop(self._heap)
                if self._due.get(ident) != ticket:
                    continue  # rescheduled or gone
                del self._due[ident]
                e = self.store.enquiries.get(ident)
                if e is None:
                    continue
                self._step(e, at)
            done += 1
        self.now = max(self.now, target)
        return done

    def stamp(self, t: float) -> float:
        return t + self.skew()

    def commit(self, e: Enquiry, at: float, actor: str, *, new: bool = False) -> bytes:
        """Store a change: a new enquiry starts at version 0, every later change adds one."""
        e.version = 0 if new else e.version + 1
        e.updated_at = self.stamp(at)
        return self.store.put(e, actor)

    def _arrive(self, at: float) -> None:
        e = draw_enquiry(self.rng, self.new_id(), self.stamp(at))
        self.store.messages[e.id] = [self._msg(e, "in", e.customer_handle, e.text, self.stamp(at))]
        self.commit(e, at, e.customer_handle, new=True)
        self._recent.append(e.id)
        self._schedule(e.id, at + self._first_response_delay())

    def _first_response_delay(self) -> float:
        if self.rng.random() < 0.1:
            return self.rng.uniform(1 * HOUR, 8 * HOUR)  # some wait hours (the cross-brand average is ~6h)
        return 60 + self.rng.expovariate(1 / (20 * MIN))

    def _msg(self, e: Enquiry, direction: str, author: str, text: str, at: float) -> Message:
        msgs = self.store.messages.get(e.id)
        n = len(msgs) + 1 if msgs else 1
        return Message(f"{e.id}-m{n}", e.id, direction, author, text, at)

    def messages(self, e: Enquiry) -> list[Message]:
        """The conversation, built on first use for backlog enquiries (cheap start with 100k)."""
        msgs = self.store.messages.get(e.id)
        if msgs is None:
            agent = self.world.agents.get(e.agent_id or "")
            rng = random.Random(f"{self.seed}:{e.id}")  # seeded per enquiry: independent of request order
            msgs = backlog_messages(rng, e, agent.name if agent else "Social care")
            self.store.messages[e.id] = msgs
        return msgs

    def _say(self, e: Enquiry, direction: str, author: str, text: str, at: float) -> None:
        msgs = self.messages(e)
        msgs.append(self._msg(e, direction, author, text, at))
        # The next-response clock runs from the oldest message still owed a reply; any reply answers all.
        if direction == "in":
            if e.oldest_unanswered_message_at is None:
                e.oldest_unanswered_message_at = at
        else:
            e.oldest_unanswered_message_at = None

    def _agent_name(self, e: Enquiry) -> str:
        agent = self.world.agents.get(e.agent_id or "")
        return agent.name if agent else "Social care"

    def set_agent(self, e: Enquiry, agent_id: str | None) -> None:
        old = self.world.agents.get(e.agent_id or "")
        if old is not None and old.load > 0:
            old.load -= 1
        e.agent_id = agent_id
        new = self.world.agents.get(agent_id or "")
        if new is not None:
            new.load += 1

    def _step(self, e: Enquiry, at: float) -> None:
        rng, now = self.rng, self.stamp(at)
        self.messages(e)  # the conversation so far, before this step changes the enquiry
        first_name = e.customer_name.split(" ")[0]
        if e.status == "new":
            if e.id in self._recent and rng.random() < 0.04 and self._merge(e):
                return
            if rng.random() < 0.01:
                self.remove(e.id, "deleted", None)  # spam or posted by mistake
                return
            if e.agent_id is None:
                self.set_agent(e, self.pick("social"))
            e.first_response_at = e.last_agent_message_at = now
            target = handoff_team(e)
            team = next((t for t in self.world.teams if t.id == target), None)
            if team is not None and e.team_id == "social" and rng.random() < 0.85:
                self._say(e, "out", self._agent_name(e), texts.agent_text(rng, first_name, team.name), now)
                self.set_agent(e, None)
                e.status, e.team_id, e.handoff_requested_at = "pending_specialist", team.id, now
                self.commit(e, at, "Social care triage")
                self._schedule(e.id, at + 120 + rng.expovariate(1 / (40 * MIN)))
                return
            self._say(e, "out", self._agent_name(e), texts.agent_text(rng, first_name), now)
            e.status = "open"
            self.commit(e, at, self._agent_name(e))
            self._schedule(e.id, at + rng.expovariate(1 / (30 * MIN)))
        elif e.status == "pending_specialist":
            if rng.random() < 0.08:  # the specialist team sends it back: a bounce
                e.team_id, e.status, e.bounces = "social", "open", e.bounces + 1
                self.commit(e, at, "Specialist team (returned)")
            else:
                self.set_agent(e, self.pick(e.team_id or "social"))
                e.status, e.handoff_accepted_at = "open", now
                self.commit(e, at, self._agent_name(e))
            self._schedule(e.id, at + rng.expovariate(1 / (30 * MIN)))
        elif e.status == "open":
            self._open_step(e, at, now, first_name)
        elif e.status == "waiting_customer":
            start = e.pauses[-1][0] if e.pauses else now
            e.pauses = (*e.pauses[:-1], (start, now))
            if rng.random() < 0.6:
                e.text = texts.follow_up(rng)
                self._say(e, "in", e.customer_handle, e.text, now)
                e.status, e.last_customer_message_at = "open", now
                self.commit(e, at, e.customer_handle)
                self._schedule(e.id, at + rng.expovariate(1 / (20 * MIN)))
            else:  # no answer from the customer: close it
                e.status, e.resolved_at = "closed", now
                self.set_agent(e, None)
                self.commit(e, at, "auto-close")
        elif e.status == "resolved":
            e.status = "closed"
            self.commit(e, at, "auto-close")

    def _open_step(self, e: Enquiry, at: float, now: float, first_name: str) -> None:
        rng = self.rng
        agent_spoke_last = (e.last_agent_message_at or 0) >= (e.last_customer_message_at or 0)
        if not agent_spoke_last and rng.random() < 0.15:  # the customer chases before the reply comes
            e.text = texts.chaser(rng)
            self._say(e, "in", e.customer_handle, e.text, now)
            e.last_customer_message_at = now
            self.commit(e, at, e.customer_handle)
            self._schedule(e.id, at + 60 + rng.expovariate(1 / (15 * MIN)))
            return
        if not agent_spoke_last:
            self._say(e, "out", self._agent_name(e), texts.agent_text(rng, first_name), now)
            e.last_agent_message_at = now
            self.commit(e, at, self._agent_name(e))
            self._schedule(e.id, at + rng.expovariate(1 / (40 * MIN)))
            return
        r = rng.random()
        if r < 0.45:
            e.text = texts.follow_up(rng)
            self._say(e, "in", e.customer_handle, e.text, now)
            e.last_customer_message_at = now
            self.commit(e, at, e.customer_handle)
            self._schedule(e.id, at + 60 + rng.expovariate(1 / (25 * MIN)))
        elif r < 0.65:
            e.status, e.pauses = "waiting_customer", (*e.pauses, (now, None))
            self.commit(e, at, self._agent_name(e))
            self._schedule(e.id, at + rng.expovariate(1 / (2 * HOUR)))
        else:
            e.status, e.resolved_at = "resolved", now
            e.outcome = {
                "same_channel": rng.random() < 0.9,
                "thanked": rng.random() < 0.8,
                "offered_more_help": rng.random() < 0.6,
                "offered_products": rng.random() < 0.15,
                "resolved": True,
            }
            self.commit(e, at, self._agent_name(e))
            self.set_agent(e, None)
            self._schedule(e.id, at + rng.expovariate(1 / (6 * HOUR)))

    def _merge(self, e: Enquiry) -> bool:
        others = [i for i in self._recent if i != e.id and i in self.store.enquiries]
        if not others:
            return False
        into = self.rng.choice(others)
        self.remove(e.id, "merged", into)
        return True

    def remove(self, ident: str, reason: str, merged_into: str | None) -> None:
        e = self.store.enquiries.get(ident)
        if e is not None:
            self.set_agent(e, None)
        self._due.pop(ident, None)
        self.store.delete(ident, reason, merged_into)

    # --- test hooks (callers hold store.lock) ---
    def add(self, overrides: dict[str, Any]) -> Enquiry:
        e = draw_enquiry(self.rng, self.new_id(), self.stamp(self.now))
        e = replace(e, **overrides) if overrides else e
        self.store.messages[e.id] = [self._msg(e, "in", e.customer_handle, e.text, e.created_at)]
        self.commit(e, self.now, e.customer_handle, new=True)
        self._schedule(e.id, self.now + self._first_response_delay())
        return e

    def update(self, ident: str, changes: dict[str, Any], actor: str = "test") -> Enquiry:
        e = self.store.enquiries[ident]
        if "agent_id" in changes:
            self.set_agent(e, changes.pop("agent_id"))
        for key, value in changes.items():
            if key in ("id", "version", "updated_at"):
                raise ValueError(f"{key} is managed by the service")
            if not hasattr(e, key):
                raise ValueError(f"Enquiry has no field {key!r}")
            setattr(e, key, value)
        self.commit(e, self.now, actor)
        return e


class Ticker:
    """Advances a simulator from its clock in a daemon thread (only when the clock moves)."""

    def __init__(self, sim: Simulator, now: Callable[[], float], interval: float = 0.1) -> None:
        self._sim, self._now, self._interval = sim, now, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sim-ticker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            with self._sim.store.lock:
                self._sim.run_until(self._now())
