"""The traffic simulator: a queueing simulation of the social-care floor, driven by simulated time from one
seeded generator (console.service.sim.floor has the agents, their slots and the teams' queues).

- Arrivals follow the daily curve per channel and topic; scripted incidents add a fraud spike at 20:00
  and take the Cards team offline at 14:00 for an hour (console.service.sim.world.INCIDENTS).
- Every enquiry lands in the social team's queue. An agent with a free concurrent slot takes the most
  urgent, then oldest; the reply is sent after a handle time. Triage hands complex work to a specialist
  team's queue (sometimes bounced back); after a reply the customer is satisfied (resolved, then
  closed), asked something (paused: they come back, or it is closed), or writes again (back in a queue).
- Rosters change each hour by a plan made with the staffing panel's Erlang C; a team outside its
  calendar's hours has nobody on shift. So backlog and breaches emerge from staffing, not from a script.

Events are processed strictly in simulated-time order (a heap plus the next arrivals), so the state at
simulated time T depends only on the seed, T and what clients did, not on how the clock was stepped.
Every change bumps the enquiry's version and updated_at and appends it to the store's feed.
Timestamps the service issues are event time + the skew fault (a server whose clock is off).
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from console.domain.model import Enquiry, Message
from console.service.sim import conversations as traffic
from console.service.sim import texts
from console.service.sim.complaint_letters import Letters
from console.service.sim.floor import P_PAUSED, P_RESOLVED, P_RETURNS, Workforce, handle_time
from console.service.sim.population import (
    HOUR,
    MIN,
    age_backlog,
    backlog_messages,
    draw_enquiry,
    handoff_team,
    team_shares,
)
from console.service.sim.world import INCIDENTS, LONDON, World, build
from console.service.store import Store

# Arrivals per London hour, relative to the peak (late morning and evening peaks, quiet at night).
CURVE = (
    0.12, 0.08, 0.06, 0.05, 0.06, 0.12, 0.3, 0.55, 0.8, 0.95, 1.0, 1.0,
    0.9, 0.85, 0.8, 0.8, 0.75, 0.8, 0.9, 1.0, 0.95, 0.75, 0.45, 0.25,
)  # fmt: skip
PEAK_CAP = 400.0  # arrivals an hour at the peak: what the world's teams can staff
P_BOUNCE = 0.08  # a specialist team sends a hand-off back to social
POP_RETURN, POP_MEAN_S = 0.25, 12 * HOUR  # the starting backlog's customers: share coming back, when

P_CHASE = 0.15  # customers who write again ("hello??") while they wait in a queue

SHARES = team_shares()


class Simulator:
    def __init__(
        self, *, seed: int, open_enquiries: int, start: float, skew: Callable[[], float] = lambda: 0.0
    ) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.skew = skew
        self.store = Store()
        self.world: World = build(self.rng, start)
        self.floor = Workforce(self.world, SHARES)
        self.letters = Letters(seed, self.world)  # the complaint communications agents send
        self.now = start  # simulated time processed so far
        self.peak_per_hour = min(PEAK_CAP, max(20.0, open_enquiries / 25))
        self._heap: list[tuple[float, int, str]] = []
        self._due: dict[str, int] = {}  # id -> ticket of its live heap entry
        self._action: dict[str, str] = {}  # id -> what its planned step does
        self._ticket = 0
        self._recent: deque[str] = deque(maxlen=200)
        self._next_id = 1
        self._returning = 0  # starting-backlog customers still to come back or go quiet
        with self.store.lock:
            self.floor.start(start - 1800)  # the roster changes at start: statuses held since earlier
            self._roster(start)
            self._populate(open_enquiries, start)
            for a in self.world.agents.values():  # those already working on something are busy
                self.floor.refresh_status(a, start)
        self._next_arrival = self._draw_arrival(start)
        self._next_spike = self._draw_spike(start)

    # --- set-up ---
    def new_id(self) -> str:
        ident = f"enq-{self._next_id:07d}"
        self._next_id += 1
        return ident

    def _populate(self, count: int, now: float) -> None:
        rng, store = self.rng, self.store
        rate = self.peak_per_hour * CURVE[datetime.fromtimestamp(now, LONDON).hour]
        fresh = min(count, round(rate * 0.1) + (1 if count >= 20 else 0))
        handed = min(count - fresh, round(rate * 0.05) + (1 if count >= 20 else 0))
        for i in range(count):
            e = draw_enquiry(rng, self.new_id(), now)
            kind = "new" if i < fresh else "handoff" if i < fresh + handed else "conversation"
            age_backlog(rng, e, now, kind)
            traffic.shape(self.seed, e, backlog=True)  # regular customers, angry follow-ups
            self.letters.lengthen(e, now, kind)  # some complaints were received weeks ago
            agent = self.floor.free_agent("social") if kind == "new" else None
            if agent is not None:  # an agent is on it already
                self.floor.take(e.id, agent, now)
                e.agent_id = agent.id
                self._plan(e.id, now + handle_time(rng), "reply")
            store.put(e, "simulator")
            store.message_log.backlog(e.id)  # its conversation is made when first asked for
            if kind == "conversation":  # planned in bulk below: one heapify, not 100k pushes
                self._returning += 1
                self._ticket += 1
                self._due[e.id] = self._ticket
                self._action[e.id] = "backlog"
                self._heap.append((now + rng.expovariate(1 / POP_MEAN_S), self._ticket, e.id))
            elif agent is None:
                self.floor.enqueue(e.team_id or "social", e.id, e.priority, e.updated_at)
        heapq.heapify(self._heap)
        for team in self.floor.queues:  # specialists accept waiting hand-offs a moment after the start
            self._plan(f"!{team}", now + 1, "dispatch")

    def _draw_arrival(self, after: float) -> float:
        # Thinning: candidates at the peak rate, kept with the curve's share at that hour.
        t = after
        while True:
            t += self.rng.expovariate(self.peak_per_hour / HOUR)
            if self.rng.random() < CURVE[datetime.fromtimestamp(t, LONDON).hour]:
                return t

    def _draw_spike(self, after: float) -> float:
        """The next arrival of a scripted spike (thinned like the curve: only while one runs)."""
        factors = [i.factor for i in INCIDENTS if i.kind == "spike" and i.factor > 0]
        if not factors:
            return float("inf")
        rate = max(factors) * self.peak_per_hour
        t = after
        for _ in range(100_000):
            t += self.rng.expovariate(rate / HOUR)
            factor = sum(f for kind, _, f in self.floor.incidents(t) if kind == "spike")
            if self.rng.random() < factor * self.peak_per_hour / rate:
                return t
        return float("inf")

    # --- scheduling ---
    def _plan(self, ident: str, due: float, action: str) -> None:
        self._ticket += 1
        self._due[ident] = self._ticket
        self._action[ident] = action
        heapq.heappush(self._heap, (due, self._ticket, ident))

    def _unplan(self, ident: str) -> None:
        self._due.pop(ident, None)
        if self._action.pop(ident, None) == "backlog":
            self._returning -= 1

    def reschedule(self, ident: str, due: float) -> None:
        """Kept for callers of the old simulator: the enquiry's next step follows its owner now."""
        e = self.store.enquiries.get(ident)
        if e is not None:
            self.moved(e, due)

    # --- running (callers hold store.lock) ---
    def run_until(self, target: float) -> int:
        """Process every event due up to simulated time target; returns how many happened."""
        done = 0
        while True:
            due = self._heap[0][0] if self._heap else float("inf")
            arrival = min(self._next_arrival, self._next_spike)
            roster = self._next_roster
            first = min(due, arrival, roster)
            if first > target:
                break
            if roster == first:
                self._roster(roster)
            elif arrival == first:
                if self._next_arrival <= self._next_spike:
                    self._arrive(arrival, None)
                    self._next_arrival = self._draw_arrival(arrival)
                else:
                    self._arrive(arrival, "fraud")
                    self._next_spike = self._draw_spike(arrival)
            else:
                at, ticket, ident = heapq.heappop(self._heap)
                if self._due.get(ident) != ticket:
                    continue  # rescheduled or gone
                del self._due[ident]
                action = self._action.pop(ident, "")
                if action == "dispatch":
                    self._dispatch(ident[1:], at)
                    continue
                e = self.store.enquiries.get(ident)
                if e is not None:
                    self._step(e, at, action)
            done += 1
        self.now = max(self.now, target)
        return done

    def _roster(self, at: float) -> None:
        hour = datetime.fromtimestamp(at, LONDON)
        rate = self.peak_per_hour * CURVE[hour.hour] + self._returning * POP_RETURN * HOUR / POP_MEAN_S
        for team in self.world.teams:
            want = self.floor.planned(team.id, at, rate * SHARES.get(team.id, 0.0))
            outage = any(k == "offline" and who == team.id for k, who, _ in self.floor.incidents(at))
            for ident in self.floor.roster(team.id, want, at, outage=outage):
                self._requeue(ident, at)
            self._dispatch(team.id, at)
        nxt = hour.replace(minute=0, second=0, microsecond=0).timestamp() + HOUR
        self._next_roster = min(nxt, *(t for t in self._incident_edges(at) if t > at))

    def _incident_edges(self, at: float) -> list[float]:
        day = datetime.fromtimestamp(at, LONDON).replace(hour=0, minute=0, second=0, microsecond=0)
        out = [float("inf")]
        for i in INCIDENTS:
            if i.kind == "offline":
                begin = day.timestamp() + i.start_hour * HOUR
                out += [begin, begin + i.hours * HOUR]
        return out

    def set_staff(self, team_id: str, agents: int | None) -> None:
        """Keep `agents` of a team on shift from now (None: back to the plan). Callers hold store.lock."""
        if agents is None:  # the plan takes over at the next roster change
            self.floor.override.pop(team_id, None)
            return
        self.floor.override[team_id] = max(0, agents)
        for ident in self.floor.roster(team_id, max(0, agents), self.now):
            self._requeue(ident, self.now)
        self._dispatch(team_id, self.now)

    def _dispatch(self, team_id: str, at: float) -> None:
        """Free slots take queued work: the most urgent, then the oldest, to the least busy agent."""
        q = self.floor.queues.get(team_id)
        while q is not None and len(q):
            agent = self.floor.free_agent(team_id)
            if agent is None:
                return
            ident = q.pop()
            e = self.store.enquiries.get(ident or "")
            if e is None:
                continue
            self.floor.take(e.id, agent, at)
            if e.status == "pending_specialist":
                if self.rng.random() < P_BOUNCE:  # the specialist team sends it back
                    self.floor.release(e.id, at)
                    e.team_id, e.status, e.bounces = "social", "open", e.bounces + 1
                    self.commit(e, at, "Specialist team (returned)")
                    self.floor.enqueue("social", e.id, e.priority, at)
                    continue
                e.status, e.handoff_accepted_at = "open", self.stamp(at)
            e.agent_id = agent.id
            self.commit(e, at, agent.name)
            triage = e.first_response_at is None and e.team_id == "social" and handoff_team(e) is not None
            self._plan(e.id, at + handle_time(self.rng, triage), "reply")

    def _requeue(self, ident: str, at: float) -> None:
        """Work whose agent left goes back to its team's queue, unowned."""
        e = self.store.enquiries.get(ident)
        self.floor.release(ident, at)
        self._unplan(ident)
        if e is None:
            return
        e.agent_id = None
        self.commit(e, at, "Routing (agent left)")
        self.floor.enqueue(e.team_id or "social", e.id, e.priority, at)

    def stamp(self, t: float) -> float:
        return t + self.skew()

    def commit(self, e: Enquiry, at: float, actor: str, *, new: bool = False) -> bytes:
        """Store a change: a new enquiry starts at version 0, every later change adds one."""
        e.version = 0 if new else e.version + 1
        e.updated_at = self.stamp(at)
        return self.store.put(e, actor)

    def _arrive(self, at: float, topic: str | None) -> None:
        e = traffic.shape(self.seed, draw_enquiry(self.rng, self.new_id(), self.stamp(at)))
        if topic is not None and e.topic != topic:  # a spike: same customers, one subject
            e = replace(
                e, topic=topic, flags=e.flags | {"fraud_risk"}, text=texts.customer_text(self.rng, topic)
            )
        self.store.start_conversation(self._msg(e, "in", e.customer_handle, e.text, self.stamp(at)))
        self.commit(e, at, e.customer_handle, new=True)
        self._recent.append(e.id)
        if self.rng.random() < 0.04 and self._merge(e):
            return
        if self.rng.random() < 0.01:
            self.remove(e.id, "deleted", None)  # spam or posted by mistake
            return
        self.floor.enqueue("social", e.id, e.priority, at)
        self._maybe_chase(e, at)
        self._dispatch("social", at)

    def _msg(self, e: Enquiry, direction: str, author: str, text: str, at: float) -> Message:
        msgs = self.store.messages.get(e.id)
        n = len(msgs) + 1 if msgs else 1
        return Message(f"{e.id}-m{n}", e.id, direction, author, text, at, *traffic.place(e, msgs, direction))

    def messages(self, e: Enquiry) -> list[Message]:
        """The conversation, built on first use for backlog enquiries (cheap start with 100k)."""
        msgs = self.store.messages.get(e.id)
        if msgs is None:
            rng = random.Random(f"{self.seed}:{e.id}")  # seeded per enquiry: independent of request order
            msgs = traffic.backlog(self.seed, e, backlog_messages(rng, e, self._agent_name(e)))
            msgs = self.letters.backlog(e, msgs)  # a complaint's SRC, holding reply, final response
            self.store.start_backlog(e.id, msgs)
        return msgs

    def _say(self, e: Enquiry, direction: str, author: str, text: str, at: float) -> None:
        msgs = self.messages(e)
        self.store.add_message(msgs, self._msg(e, direction, author, text, at))
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
        """A new owner (or none): any slot the enquiry held is freed; moved() finds it a new one."""
        self.floor.release(e.id, self.now)
        if self._action.get(e.id) == "reply":
            self._unplan(e.id)
        e.agent_id = agent_id

    def moved(self, e: Enquiry, at: float | None = None) -> None:
        """After a supervisor's move: the named agent takes it at once (a supervisor may overfill a
        slot), or it waits in its team's queue when it needs work, or for the customer."""
        at = self.now if at is None else at
        self.floor.release(e.id, at)
        if self._action.get(e.id) == "reply":
            self._unplan(e.id)
        agent = self.world.agents.get(e.agent_id or "")
        needs_work = e.status in ("new", "pending_specialist") or (
            e.status == "open" and (e.last_customer_message_at or 0) > (e.last_agent_message_at or 0)
        )
        if not needs_work:
            return
        if agent is not None and agent.status in ("available", "busy"):
            self.floor.take(e.id, agent, at)
            self._plan(e.id, at + handle_time(self.rng), "reply")
            return
        e.agent_id = None
        self.floor.enqueue(e.team_id or "social", e.id, e.priority, at)
        self._dispatch(e.team_id or "social", at)

    def _step(self, e: Enquiry, at: float, action: str) -> None:
        rng, now = self.rng, self.stamp(at)
        if action == "backlog":
            self._returning -= 1
        self.messages(e)  # the conversation so far, before this step changes the enquiry
        first_name = e.customer_name.split(" ")[0]
        if action == "reply":
            self._reply(e, at, now, first_name)
        elif action in ("customer", "backlog") and e.status in ("open", "waiting_customer"):
            back = rng.random() < (POP_RETURN if action == "backlog" else P_RETURNS)
            if e.pauses and e.pauses[-1][1] is None:
                e.pauses = (*e.pauses[:-1], (e.pauses[-1][0], now))
            if e.status == "open" and action == "customer":
                back = True  # an open conversation's customer wrote again
            if back:
                e.text = traffic.follow_up(self.seed, e, texts.follow_up(rng), self.messages(e))
                self._say(e, "in", e.customer_handle, e.text, now)
                e.status, e.last_customer_message_at = "open", now
                self.commit(e, at, e.customer_handle)
                self._to_owner(e, at)
            elif e.status == "waiting_customer":  # no answer from the customer: close it
                self._letter(e, now)
                e.status, e.resolved_at, e.agent_id = "closed", now, None
                self.commit(e, at, "auto-close")
            else:  # the answer was enough
                self._resolve(e, at, now)
        elif action == "chase" and e.oldest_unanswered_message_at is not None and e.status in ("new", "open"):
            e.text = traffic.chaser(self.seed, e, texts.chaser(rng), len(self.messages(e)))
            self._say(e, "in", e.customer_handle, e.text, now)
            e.last_customer_message_at = now
            self.commit(e, at, e.customer_handle)
        elif action == "close" and e.status == "resolved":
            e.status = "closed"
            self.commit(e, at, "auto-close")

    def _to_owner(self, e: Enquiry, at: float) -> None:
        """The customer wrote: their agent takes it if on shift with a free slot, else the team queue."""
        agent = self.world.agents.get(e.agent_id or "")
        if agent is not None and agent.status in ("available", "busy") and agent.load < agent.capacity:
            self.floor.take(e.id, agent, at)
            self._plan(e.id, at + handle_time(self.rng), "reply")
            return
        e.agent_id = None
        team = e.team_id or "social"
        self.floor.enqueue(team, e.id, e.priority, at)
        self._maybe_chase(e, at)
        self._dispatch(team, at)

    def _maybe_chase(self, e: Enquiry, at: float) -> None:
        """Some customers chase ("hello??") while they wait in a queue; an agent taking the enquiry first
        replaces the planned chase. A chase never moves the next-response deadline (the oldest unanswered
        message stays the clock's start)."""
        if self.rng.random() < P_CHASE:
            self._plan(e.id, at + 5 * MIN + self.rng.expovariate(1 / (15 * MIN)), "chase")

    def _reply(self, e: Enquiry, at: float, now: float, first_name: str) -> None:
        rng = self.rng
        team = e.team_id or "social"
        self.floor.release(e.id, at)
        if e.status == "new" and team == "social" and (target := handoff_team(e)) is not None:
            spec = next((t for t in self.world.teams if t.id == target), None)
            if spec is not None:
                self._say(e, "out", self._agent_name(e), texts.agent_text(rng, first_name, spec.name), now)
                e.first_response_at = e.last_agent_message_at = now
                e.status, e.team_id, e.agent_id = "pending_specialist", target, None
                e.handoff_requested_at = now
                self.commit(e, at, "Social care triage")
                self.floor.enqueue(target, e.id, e.priority, at)
                self._dispatch(target, at)
                self._dispatch(team, at)
                return
        said = traffic.reply(self.seed, e, texts.agent_text(rng, first_name), self.messages(e))
        r = rng.random()  # drawn after the text, as always: a reply that resolves a complaint is its letter
        said = self.letters.reply(e, self.messages(e), now, resolving=r < P_RESOLVED) or said
        self._say(e, "out", self._agent_name(e), said, now)
        if e.first_response_at is None:
            e.first_response_at = now
        e.last_agent_message_at, e.status = now, "open"
        if r < P_RESOLVED:
            self._resolve(e, at, now)
        elif r < P_RESOLVED + P_PAUSED:
            e.status, e.pauses = "waiting_customer", (*e.pauses, (now, None))
            self.commit(e, at, self._agent_name(e))
            self._plan(e.id, at + rng.expovariate(1 / HOUR), "customer")
        else:
            self.commit(e, at, self._agent_name(e))
            self._plan(e.id, at + 60 + rng.expovariate(1 / (10 * MIN)), "customer")
        self._dispatch(team, at)

    def _letter(self, e: Enquiry, now: float) -> None:
        """A complaint resolved or closed now gets its SRC or final response (when closing() gives one)."""
        if (text := self.letters.closing(e, self.messages(e), now)) is not None:
            self._say(e, "out", self._agent_name(e), text, now)
            e.last_agent_message_at = now

    def _resolve(self, e: Enquiry, at: float, now: float) -> None:
        rng = self.rng
        self._letter(e, now)
        e.status, e.resolved_at = "resolved", now
        e.outcome = traffic.outcome(e, self.messages(e), [rng.random() for _ in range(4)])
        self.commit(e, at, self._agent_name(e))
        self._plan(e.id, at + rng.expovariate(1 / (6 * HOUR)), "close")

    def _merge(self, e: Enquiry) -> bool:
        others = [i for i in self._recent if i != e.id and i in self.store.enquiries]
        if not others:
            return False
        into = self.rng.choice(others)
        self.remove(e.id, "merged", into)
        return True

    def remove(self, ident: str, reason: str, merged_into: str | None) -> None:
        e = self.store.enquiries.get(ident)
        self.floor.release(ident, self.now)
        self._unplan(ident)
        if e is not None:
            self._dispatch(e.team_id or "social", self.now)
        self.store.delete(ident, reason, merged_into)

    # --- figures for benchmarks and tests ---
    def backlog(self) -> dict[str, int]:
        """Per team: work waiting for a free slot."""
        return {t: len(q) for t, q in self.floor.queues.items()}

    # --- test hooks (callers hold store.lock) ---
    def add(self, overrides: dict[str, Any]) -> Enquiry:
        e = draw_enquiry(self.rng, self.new_id(), self.stamp(self.now))
        e = replace(e, **overrides) if overrides else e
        self.store.start_conversation(self._msg(e, "in", e.customer_handle, e.text, e.created_at))
        self.commit(e, self.now, e.customer_handle, new=True)
        self.floor.enqueue(e.team_id or "social", e.id, e.priority, self.now)
        self._plan(f"!{e.team_id or 'social'}", self.now + 1, "dispatch")  # taken at the next step
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
