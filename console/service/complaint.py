"""POST /v1/enquiries/{id}/complaint: a supervisor confirms or dismisses a proposed complaint. The
decision is kept on the enquiry (its version goes up, so it reaches every console through the change
feed); a later decision replaces an earlier one, and every one is kept in the enquiry's history.
Idempotency-Key required, If-Match optional."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from console.contract.http import HttpError, Request, Response, field_str, json_body, ok, problem
from console.domain.limits import MAX_ACTOR, MAX_REASON, MAX_TRIGGERS, text_problem
from console.domain.model import COMPLAINT_DECISIONS, ComplaintDecision
from console.domain.wire import enquiry_to_wire
from console.service.assign import IDEMPOTENCY_TTL, parse_if_match, stale
from console.service.sim.simulator import Simulator


class ComplaintDecisions:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self._answers: dict[tuple[str, str], tuple[float, Response]] = {}
        self.history: dict[str, list[ComplaintDecision]] = {}  # every decision, oldest first (the audit)

    def handle(self, req: Request, ident: str, user: str) -> Response:
        key = req.headers.get("idempotency-key", "").strip()
        if not key or len(key) > 200:
            return problem(422, "Send an Idempotency-Key header (a UUID, at most 200 characters).")
        try:
            # Checked before the key is looked up: a malformed request is refused, never answered with
            # the outcome of another request that used the same key.
            asked = _request(req, user)
        except HttpError as err:
            return err.response
        with self.sim.store.lock:  # the key check and the decision are atomic
            remembered = self._answers.get((user, key))
            if remembered is not None:
                return remembered[1]
            try:
                response = self._decide(ident, *asked)
            except HttpError as err:  # not an outcome (an unknown enquiry): the same key may try again
                return err.response
            now = time.monotonic()
            if len(self._answers) > 50_000:
                self._answers = {k: v for k, v in self._answers.items() if now - v[0] < IDEMPOTENCY_TTL}
            self._answers[(user, key)] = (now, response)
            return response

    def _decide(self, ident: str, made: ComplaintDecision, version: int | None) -> Response:
        sim = self.sim
        e = sim.store.enquiries.get(ident)
        if e is None:
            raise HttpError(404, f"There is no enquiry {ident[:100]!r}.")
        if version is not None and version != e.version:
            return stale(sim, e, version)
        made = replace(made, decided_at=sim.stamp(sim.now))
        e.complaint_decision = made
        self.history.setdefault(e.id, []).append(made)
        sim.commit(e, sim.now, made.decided_by)
        return ok({"enquiry": enquiry_to_wire(e)})


def _request(req: Request, user: str) -> tuple[ComplaintDecision, int | None]:
    """The decision asked for (its time is set when it is made) and the If-Match version, if sent."""
    body = json_body(req)
    decision = field_str(body, "decision", max_len=40) or ""
    if decision not in COMPLAINT_DECISIONS:
        raise HttpError(422, "decision must be 'confirmed' or 'dismissed'.")
    reason = field_str(body, "reason", max_len=MAX_REASON) or ""
    actor = (field_str(body, "actor", max_len=MAX_ACTOR) or "").strip() or user
    if "triggers" not in body:
        raise HttpError(422, "The field 'triggers' is required (a list, may be empty).")
    triggers = _triggers(body["triggers"])
    # Every console reads these back from the enquiry: text it would quarantine is refused here.
    for what, text in (("reason", reason), ("actor", actor), *(("a trigger", t) for t in triggers)):
        problem_ = text_problem(text)
        if problem_:
            raise HttpError(422, f"{what}: {problem_}.")
    header = req.headers.get("if-match")
    version = parse_if_match(header) if header is not None and header.strip() else None
    return ComplaintDecision(decision, reason, actor, 0.0, triggers), version


def _triggers(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise HttpError(422, "triggers must be a list of strings.")
    if len(value) > MAX_TRIGGERS:
        raise HttpError(422, f"triggers holds at most {MAX_TRIGGERS} words.")
    if any(len(t) > MAX_REASON for t in value):
        raise HttpError(422, f"a trigger is longer than {MAX_REASON} characters.")
    return tuple(value)
