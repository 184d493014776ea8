"""POST /v1/enquiries/{id}/complaint: a supervisor confirms or dismisses a proposed complaint. The
decision is kept on the enquiry (its version goes up, so it reaches every console through the change
feed); the decision made last (by decided_at, sent by the console or else the time received; the one
received last on a tie) is the enquiry's, so a late decision from a console that was offline does not undo
a newer one. Every one is kept in the enquiry's history. Idempotency-Key required, If-Match optional."""

from __future__ import annotations

import time

from console.contract.http import HttpError, Request, Response, ok, problem
from console.contract.requests import DecisionAsked, check_decided_after_creation, decision_request
from console.domain.model import ComplaintDecision
from console.domain.wire import enquiry_to_wire
from console.service.assign import IDEMPOTENCY_TTL, stale
from console.service.sim.simulator import Simulator


class ComplaintDecisions:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self._answers: dict[tuple[str, str], tuple[float, Response]] = {}
        self.history: dict[str, list[ComplaintDecision]] = {}  # every decision, as received (the audit)

    def handle(self, req: Request, ident: str, user: str) -> Response:
        key = req.headers.get("idempotency-key", "").strip()
        if not key or len(key) > 200:
            return problem(422, "Send an Idempotency-Key header (a UUID, at most 200 characters).")
        try:
            # Checked before the key is looked up: a malformed request is refused, never answered with
            # the outcome of another request that used the same key.
            # The service's clock: the simulator's time, as it stamps everything it issues.
            asked = decision_request(req, user, self.sim.stamp(self.sim.now))
        except HttpError as err:
            return err.response
        with self.sim.store.lock:  # the key check and the decision are atomic
            remembered = self._answers.get((user, key))
            if remembered is not None:
                return remembered[1]
            try:
                response = self._decide(ident, asked)
            except HttpError as err:  # not an outcome (an unknown enquiry): the same key may try again
                return err.response
            now = time.monotonic()
            if len(self._answers) > 50_000:
                self._answers = {k: v for k, v in self._answers.items() if now - v[0] < IDEMPOTENCY_TTL}
            self._answers[(user, key)] = (now, response)
            return response

    def _decide(self, ident: str, asked: DecisionAsked) -> Response:
        sim = self.sim
        e = sim.store.enquiries.get(ident)
        if e is None:
            raise HttpError(404, f"There is no enquiry {ident[:100]!r}.")
        if asked.version is not None and asked.version != e.version:
            return stale(sim, e, asked.version)
        check_decided_after_creation(asked, e.created_at)
        made = asked.made
        self.history.setdefault(e.id, []).append(made)
        current = e.complaint_decision
        if current is not None and made.decided_at < current.decided_at:
            # Made before the one in force (sent late by a console that was offline): kept, not applied.
            return ok({"enquiry": enquiry_to_wire(e)})
        e.complaint_decision = made
        sim.commit(e, sim.now, made.decided_by)
        return ok({"enquiry": enquiry_to_wire(e)})
