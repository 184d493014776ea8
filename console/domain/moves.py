"""Reassignment planning: a single or bulk move judged by the Router, the compensating move that undoes
it, and the per-enquiry outcomes of a bulk move as the server answers.

A plan is pure data (no store, no Qt): the UI shows its summary while a drag hovers, asks for a reason
when it needs one, applies the movable items optimistically and hands them to the store's outbox.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from console.domain.model import Agent, Enquiry, Team
from console.domain.routing import PING_PONG_LIMIT, Router, Target, Verdict, team_label

# Outcome states: pending until the server answers; refused means the console's own rules said no.
PENDING, DONE, CONFLICT, REJECTED, FAILED, REFUSED = (
    "pending",
    "done",
    "conflict",
    "rejected",
    "failed",
    "refused",
)
UNDO_PREFIX = "Undo: "
R_GONE = "{id} is no longer in the queue (closed or removed)."
R_UNASSIGNED = "{id} had no team before; there is nowhere to put it back."


@dataclass(frozen=True, slots=True)
class MoveItem:
    """One enquiry of a plan: where it is, where it goes, and the rules' verdict on that."""

    enquiry: Enquiry
    target: Target
    verdict: Verdict
    override: bool = False  # allowed only as a capacity override (the reason is then required)

    @property
    def enquiry_id(self) -> str:
        return self.enquiry.id


@dataclass(frozen=True, slots=True)
class MovePlan:
    items: tuple[MoveItem, ...]
    missing: tuple[str, ...] = ()  # ids the console no longer holds
    label: str = ""  # the target in words ("the Cards team", "Ana in the Cards team")
    undo: bool = False

    @property
    def movable(self) -> tuple[MoveItem, ...]:
        return tuple(i for i in self.items if i.verdict.allowed)

    @property
    def refused(self) -> tuple[MoveItem, ...]:
        return tuple(i for i in self.items if not i.verdict.allowed)

    @property
    def allowed(self) -> bool:
        return bool(self.movable)

    @property
    def needs_reason(self) -> bool:
        return any(i.verdict.needs_reason for i in self.movable)

    def reason_prompts(self) -> list[str]:
        """Why a reason is needed, each sentence once."""
        return _unique(i.verdict.reason for i in self.movable if i.verdict.needs_reason)

    def warnings(self) -> list[str]:
        return _unique(w for i in self.movable for w in i.verdict.warnings)

    def summary(self) -> str:
        """The hover text: the verdict itself for one enquiry, counts and the reasons for many."""
        n = len(self.items) + len(self.missing)
        if n == 1 and self.items:
            v = self.items[0].verdict
            return " ".join([v.reason, *v.warnings])
        if n == 1:
            return R_GONE.format(id=self.missing[0])
        parts = []
        moving = len(self.movable)
        where = f" to {self.label}" if self.label else ""
        if moving == n:
            parts.append(f"All {n} can go{where}.")
        elif moving:
            parts.append(f"{moving} of {n} can go{where}; the others stay where they are.")
        else:
            parts.append(f"None of the {n} can go{where}.")
        for reason, ids in _grouped((i.verdict.reason, i.enquiry_id) for i in self.refused).items():
            parts.append(f"{_count(ids)}: {reason}")
        if self.missing:
            parts.append(f"{_count(list(self.missing))}: no longer in the queue.")
        parts.extend(self.reason_prompts())
        parts.extend(self.warnings())
        return " ".join(parts)


class MoveRules:
    """The Router and the names for one version of the teams and agents: built once per reference
    update, so a verdict on every drag-move event is a few dict lookups."""

    def __init__(
        self,
        model: str,
        teams: Iterable[Team],
        agents: Iterable[Agent],
        *,
        ping_pong_limit: int = PING_PONG_LIMIT,
    ) -> None:
        self.teams = {t.id: t for t in teams}
        self.agents = {a.id: a for a in agents}
        self.router = Router(
            model, self.teams.values(), self.agents.values(), ping_pong_limit=ping_pong_limit
        )

    def label(self, target: Target) -> str:
        return target_label(self.teams, self.agents, target.team_id, target.agent_id)

    def plan(self, enquiries: Sequence[Enquiry], target: Target, *, missing: Sequence[str] = ()) -> MovePlan:
        """Judge moving every enquiry to one target. A move refused only for the agent's capacity is
        allowed as an override that needs a reason (the supervisor decides, and says why)."""
        # A verdict depends only on these fields: a big selection has few distinct ones.
        memo: dict[tuple[object, ...], MoveItem] = {}
        items = []
        for e in enquiries:
            key = (e.status, e.topic, e.flags, e.complexity, e.team_id, e.agent_id, e.bounces)
            hit = memo.get(key)
            if hit is None:
                hit = memo[key] = _judge(self.router, e, target)
                items.append(hit)
            else:
                items.append(MoveItem(e, target, hit.verdict, hit.override))
        return MovePlan(tuple(items), tuple(missing), self.label(target))

    def plan_undo(self, moves: Sequence[tuple[Enquiry, Target | None]]) -> MovePlan:
        """The compensating move: each enquiry (as it is now) back to where it was (None: it had no
        team). Capacity is overridden (the undo is the reason); the other rules still hold."""
        items = []
        for e, back in moves:
            if back is None:
                items.append(MoveItem(e, Target(""), Verdict(False, R_UNASSIGNED.format(id=e.id))))
                continue
            v = self.router.verdict(e, back, override_capacity=True)
            over = v.allowed and not self.router.verdict(e, back).allowed
            items.append(MoveItem(e, back, v, override=over))
        return MovePlan(tuple(items), (), "where they were", undo=True)


def _judge(router: Router, e: Enquiry, target: Target) -> MoveItem:
    v = router.verdict(e, target)
    if v.allowed or target.agent_id is None:
        return MoveItem(e, target, v)
    over = router.verdict(e, target, override_capacity=True)
    if over.allowed:
        # Same refusal text first, so the hover says what is wrong, then what a drop will ask.
        return MoveItem(e, target, Verdict(True, over.reason, True, over.warnings), override=True)
    return MoveItem(e, target, v)


# -- outcomes of a move, as the server answers ------------------------------------------------------


@dataclass(slots=True)
class Outcome:
    enquiry_id: str
    state: str  # pending | done | conflict | rejected | failed | refused
    message: str = ""
    winner: str | None = None  # conflict: who moved it first
    now_at: str = ""  # conflict or refusal: where the enquiry is now, in words


_ids = itertools.count(1)


@dataclass(slots=True)
class MoveRecord:
    """One supervisor action (a drop, a "Reassign to...", an undo) and what became of each enquiry."""

    label: str
    reason: str
    actor: str
    undo: bool = False
    undone: bool = False  # an undo of it was made
    id: int = field(default_factory=lambda: next(_ids))
    # enquiry id -> where it was before (the undo puts it back there)
    before: dict[str, Target | None] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    outbox: dict[int, str] = field(default_factory=dict)  # outbox id -> enquiry id

    @classmethod
    def from_plan(cls, plan: MovePlan, reason: str, actor: str) -> MoveRecord:
        rec = cls(plan.label, reason, actor, plan.undo)
        for item in plan.items:
            e = item.enquiry
            if item.verdict.allowed:
                rec.before[e.id] = Target(e.team_id, e.agent_id) if e.team_id is not None else None
                rec.outcomes[e.id] = Outcome(e.id, PENDING)
            else:
                rec.outcomes[e.id] = Outcome(e.id, REFUSED, item.verdict.reason)
        for ident in plan.missing:
            rec.outcomes[ident] = Outcome(ident, REFUSED, R_GONE.format(id=ident))
        return rec

    def record(
        self, enquiry_id: str, state: str, message: str = "", winner: str | None = None, now_at: str = ""
    ) -> None:
        self.outcomes[enquiry_id] = Outcome(enquiry_id, state, message, winner, now_at)

    @property
    def finished(self) -> bool:
        return all(o.state != PENDING for o in self.outcomes.values())

    def count(self, state: str) -> int:
        return sum(o.state == state for o in self.outcomes.values())

    def confirmed(self) -> list[str]:
        return [i for i, o in self.outcomes.items() if o.state == DONE]

    def summary(self) -> str:
        """One paragraph a tired supervisor can read: what moved, and each enquiry that did not, why."""
        n = len(self.outcomes)
        verb = "Put back" if self.undo else "Moved"
        where = "" if self.undo else f" to {self.label}"
        head = f"{verb} {self.count(DONE)} of {n}{where}" if n > 1 else ""
        lines = [head + "." if head else ""]
        pending = self.count(PENDING)
        if pending:
            lines.append(f"{pending} waiting for the service (shown moved, marked pending).")
        for o in self.outcomes.values():
            if o.state == DONE and n == 1:
                lines.append(f"{o.enquiry_id}: {verb.lower()}{where}, confirmed by the service.")
            elif o.state == CONFLICT:
                who = o.winner or "someone else"
                at = f" to {o.now_at}" if o.now_at else ""
                lines.append(f"{o.enquiry_id}: {who} moved it first{at}; your move was undone.")
            elif o.state in (REJECTED, FAILED):
                lines.append(f"{o.enquiry_id}: the service refused: {o.message or o.state}; moved back.")
            elif o.state == REFUSED:
                lines.append(f"{o.enquiry_id}: not moved: {o.message}")
        return " ".join(x for x in lines if x)


def target_label(
    teams: dict[str, Team], agents: dict[str, Agent], team_id: str | None, agent_id: str | None
) -> str:
    """Where an enquiry is, in words: "Ana in the Cards team", "the Cards team", "no team"."""
    if team_id is None:
        return "no team"
    team = teams.get(team_id)
    label = team_label(team) if team is not None else f"team {team_id}"
    if agent_id is None:
        return label
    agent = agents.get(agent_id)
    return f"{agent.name if agent else agent_id} in {label}"


def _unique(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(texts))


def _grouped(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for reason, ident in pairs:
        out.setdefault(reason, []).append(ident)
    return out


def _count(ids: list[str]) -> str:
    shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
    return shown


def apply_move(e: Enquiry, team_id: str, team_kind: str, agent_id: str | None, now: float) -> None:
    """A reassignment's effect on the record, as every server makes it: a move to another team counts a
    bounce (after the first owner) and, to a specialist team, starts the hand-off clock (accepted at once
    when an agent is named); an agent named in the same team accepts a pending hand-off."""
    if team_id != e.team_id:
        if e.team_id is not None:
            e.bounces += 1
        if team_kind == "specialist":
            e.handoff_requested_at, e.handoff_accepted_at = now, None
            e.status = "pending_specialist" if agent_id is None else "open"
            if agent_id is not None:
                e.handoff_accepted_at = now
        elif e.status == "pending_specialist":
            e.status = "open"
    elif agent_id is not None and e.status == "pending_specialist":
        e.status, e.handoff_accepted_at = "open", now
    e.team_id, e.agent_id = team_id, agent_id
