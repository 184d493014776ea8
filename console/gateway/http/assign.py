"""POST /v1/enquiries/{id}/assignment over PostgreSQL: If-Match versions, Idempotency-Key remembered in the
database (for /complaint too), routing rules enforced here too, the platform told before anything commits.

Each request is one transaction. Its first write is the idempotency key's row: a second request with the
same key (from any gateway process) waits on that row's unique index until the first commits, then reads
the answer it stored and replays it; if the first rolled back (a malformed request, the platform down), the
second does the work itself. So a move is done once, whichever gateway a retry reaches.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from psycopg.types.json import Jsonb

from console.contract.http import HttpError, Request, Response, field_str, json_body, ok, problem
from console.contract.requests import decision_request, parse_if_match
from console.domain import wire
from console.domain.model import Assignment
from console.domain.moves import apply_move
from console.domain.routing import Router, Target
from console.gateway.db.loads import agent_load
from console.gateway.db.store import Conn, Database
from console.gateway.http.complaint import decide
from console.gateway.http.rows import commit_version, conflict, locked
from console.gateway.ports import Upstream, UpstreamRefused, UpstreamUnavailable

IDEMPOTENCY_TTL = 24 * 3600.0  # seconds a key is remembered at least
UPSTREAM_RETRY_AFTER = "5"


class Moves:
    def __init__(
        self,
        db: Database,
        upstream: Upstream | None = None,
        routing_model: str = "concierge",
        now: Callable[[], float] = time.time,
    ) -> None:
        self.db, self.upstream, self.routing_model, self.now = db, upstream, routing_model, now
        self._calls = 0

    # --- the endpoints ---
    def assign(self, req: Request, ident: str, user: str) -> Response:
        return self._once(req, "assignment", user, lambda conn: self._move(conn, req, ident))

    def complaint(self, req: Request, ident: str, user: str) -> Response:
        try:
            # Checked before the key is looked up: a malformed request is refused, never answered with
            # the outcome of another request that used the same key.
            asked = decision_request(req, user, self.now())
        except HttpError as err:
            return err.response
        return self._once(req, "complaint", user, lambda conn: decide(conn, ident, asked, self.now()))

    def _once(self, req: Request, kind: str, user: str, work: Callable[[Conn], Response]) -> Response:
        key = req.headers.get("idempotency-key", "").strip()
        if not key or len(key) > 200:
            return problem(422, "Send an Idempotency-Key header (a UUID, at most 200 characters).")
        key = f"{kind}:{key}"
        now = self.now()
        self._calls += 1
        try:
            with self.db.tx() as conn:
                if self._calls % 1000 == 1:  # forget keys well past their day, now and then
                    conn.execute("DELETE FROM idempotency WHERE created < %s", (now - 2 * IDEMPOTENCY_TTL,))
                fresh = conn.execute(
                    "INSERT INTO idempotency (username, key, created) VALUES (%s, %s, %s) "
                    "ON CONFLICT DO NOTHING RETURNING 1",
                    (user, key, now),
                ).fetchone()
                if fresh is None:
                    row = conn.execute(
                        "SELECT status, content_type, body FROM idempotency WHERE username = %s AND key = %s",
                        (user, key),
                    ).fetchone()
                    if row is not None and row[0] is not None:
                        return Response(int(row[0]), bytes(row[2]), str(row[1]))
                response = work(conn)
                conn.execute(
                    "UPDATE idempotency SET status = %s, content_type = %s, body = %s, created = %s "
                    "WHERE username = %s AND key = %s",
                    (response.status, response.content_type, response.body, now, user, key),
                )
                return response
        except HttpError as err:  # not an outcome: rolled back, and the same key may try again
            return err.response
        except UpstreamRefused as refused:  # the platform said no: nothing changed here either
            return problem(422, str(refused) or "The platform refused this assignment.")
        except UpstreamUnavailable:
            resp = problem(503, "The platform cannot be reached; nothing was changed. Try again shortly.")
            resp.headers["Retry-After"] = UPSTREAM_RETRY_AFTER
            return resp

    # --- reassignment ---
    def _move(self, conn: Conn, req: Request, ident: str) -> Response:
        row = locked(conn, ident)
        body = json_body(req)
        team_id = field_str(body, "team_id", max_len=128) or ""
        agent_id = field_str(body, "agent_id", required=False, max_len=128)
        reason = field_str(body, "reason", required=False) or ""
        actor = field_str(body, "actor", required=False, max_len=200) or "supervisor"
        version = parse_if_match(req.headers.get("if-match"))  # after the body: 422 before 412
        e = wire.enquiry_from_wire(json.loads(row[0]))
        now = self.now()
        attempt = Assignment(
            f"asg-{uuid.uuid4().hex[:16]}", e.id, e.team_id, e.agent_id, team_id, agent_id, reason, actor, now
        )
        if version != e.version:
            attempt.result = "conflict"
            _record(conn, attempt)
            return conflict(e, row, version)
        teams = [wire.team_from_wire(t) for t in _reference(conn, "teams")]
        listed = _reference(conn, "agents")
        if agent_id is not None:  # the agent's load as counted now, moves to them taking turns (db.loads)
            n = agent_load(conn, agent_id)
            listed = [{**a, "load": n} if a.get("id") == agent_id else a for a in listed]
        agents = [wire.agent_from_wire(a) for a in listed]
        verdict = Router(self.routing_model, teams, agents).verdict(
            e, Target(team_id, agent_id), override_capacity=True
        )
        if not verdict.allowed or (verdict.needs_reason and not reason.strip()):
            attempt.result = "rejected"
            attempt.reason = reason or verdict.reason
            _record(conn, attempt)
            return problem(422, verdict.reason, warnings=list(verdict.warnings))
        if self.upstream is not None:  # the platform first: if it says no, nothing here changes
            self.upstream.assign(e.id, team_id, agent_id)
        kind = next(t.kind for t in teams if t.id == team_id)
        apply_move(e, team_id, kind, agent_id, now)
        e.updated_at = now
        doc = commit_version(conn, e, row[1], now, moved_by=actor)
        _record(conn, attempt)
        return ok({"enquiry": doc, "assignment": wire.assignment_to_wire(attempt)})


def _reference(conn: Conn, kind: str) -> list[Any]:
    row = conn.execute("SELECT items FROM reference WHERE kind = %s", (kind,)).fetchone()
    return [] if row is None else list(row[0])


def _record(conn: Conn, a: Assignment) -> None:
    conn.execute(
        "INSERT INTO assignments (enquiry_id, at, doc) VALUES (%s, %s, %s)",
        (a.enquiry_id, a.at, Jsonb(wire.assignment_to_wire(a))),
    )
