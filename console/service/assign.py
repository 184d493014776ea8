"""POST /v1/enquiries/{id}/assignment: If-Match, Idempotency-Key, routing verdicts, conflicts."""

from __future__ import annotations

import time
import uuid

from console.contract.http import HttpError, Request, Response, field_str, json_body, ok, problem
from console.contract.requests import parse_if_match
from console.domain.model import Assignment, Enquiry
from console.domain.moves import apply_move
from console.domain.routing import Router, Target
from console.domain.wire import assignment_to_wire, enquiry_to_wire, iso
from console.service.sim.simulator import Simulator

ROUTING_MODEL = "concierge"  # the reference site's model
IDEMPOTENCY_TTL = 24 * 3600.0  # real seconds a key is remembered


def stale(sim: Simulator, e: Enquiry, version: int) -> Response:
    """409: the If-Match version is not the enquiry's; `current` says who changed it and how it stands."""
    mover, moved_at = sim.store.last_actor.get(e.id, ("unknown", e.updated_at))
    current = {
        "team_id": e.team_id,
        "agent_id": e.agent_id,
        "version": e.version,
        "moved_by": mover,
        "moved_at": iso(moved_at),
    }
    detail = f"{mover} changed this enquiry first (now version {e.version}, you had {version})."
    return problem(409, detail, current=current)


class Reassigner:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self._answers: dict[tuple[str, str], tuple[float, Response]] = {}

    def handle(self, req: Request, ident: str, user: str) -> Response:
        key = req.headers.get("idempotency-key", "").strip()
        if not key or len(key) > 200:
            return problem(422, "Send an Idempotency-Key header (a UUID, at most 200 characters).")
        store = self.sim.store
        with store.lock:  # one assignment at a time: the key check and the move are atomic
            remembered = self._answers.get((user, key))
            if remembered is not None:
                return remembered[1]
            try:
                response = self._move(req, ident)
            except HttpError as err:  # a bad request is not an outcome: the same key may try again
                return err.response
            self._remember((user, key), response)
            return response

    def _remember(self, key: tuple[str, str], response: Response) -> None:
        now = time.monotonic()
        if len(self._answers) > 50_000:
            self._answers = {k: v for k, v in self._answers.items() if now - v[0] < IDEMPOTENCY_TTL}
        self._answers[key] = (now, response)

    def _move(self, req: Request, ident: str) -> Response:
        sim = self.sim
        e = sim.store.enquiries.get(ident)
        if e is None:
            raise HttpError(404, f"There is no enquiry {ident[:100]!r}.")
        body = json_body(req)
        team_id = field_str(body, "team_id", max_len=128) or ""
        agent_id = field_str(body, "agent_id", required=False, max_len=128)
        reason = field_str(body, "reason", required=False) or ""
        actor = field_str(body, "actor", required=False, max_len=200) or "supervisor"
        version = parse_if_match(req.headers.get("if-match"))  # after the body: 422 before 412
        now = sim.stamp(sim.now)
        attempt = Assignment(
            f"asg-{uuid.uuid4().hex[:16]}", e.id, e.team_id, e.agent_id, team_id, agent_id, reason, actor, now
        )
        if version != e.version:
            attempt.result = "conflict"
            sim.store.add_assignment(attempt)
            return stale(sim, e, version)
        router = Router(ROUTING_MODEL, sim.world.teams, sim.world.agents.values())
        verdict = router.verdict(e, Target(team_id, agent_id), override_capacity=True)
        if not verdict.allowed or (verdict.needs_reason and not reason.strip()):
            attempt.result = "rejected"
            attempt.reason = reason or verdict.reason
            sim.store.add_assignment(attempt)
            return problem(422, verdict.reason, warnings=list(verdict.warnings))
        self._apply(e, team_id, agent_id, now)
        sim.commit(e, sim.now, actor)
        sim.store.add_assignment(attempt)
        return ok({"enquiry": enquiry_to_wire(e), "assignment": assignment_to_wire(attempt)})

    def _apply(self, e: Enquiry, team_id: str, agent_id: str | None, now: float) -> None:
        sim = self.sim
        team = next(t for t in sim.world.teams if t.id == team_id)
        apply_move(e, team_id, team.kind, agent_id, now)
        sim.set_agent(e, agent_id)  # the slot the enquiry held is freed
        sim.moved(e)  # the simulator's next step for this enquiry follows the new owner
