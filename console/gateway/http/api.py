"""The /v1 endpoints of the gateway, the same answers as the reference service's (console/service/api.py),
read from and written to PostgreSQL."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from psycopg.types.json import Jsonb

from console.contract.http import HttpError, Request, Response, field_str, json_body, ok
from console.contract.requests import DEFAULT_LIMIT, MAX_LIMIT, feed_query, query_number, query_since
from console.contract.router import Router
from console.domain.model import AGENT_STATUSES
from console.domain.wire import iso
from console.gateway.db.auth import Auth, Grant
from console.gateway.db.feed import CursorGone, Feed, Listener
from console.gateway.db.ledger import PgLedger
from console.gateway.db.messages import MessageFeed
from console.gateway.db.store import Database
from console.gateway.http.assign import UPSTREAM_RETRY_AFTER, Moves
from console.gateway.http.audit import AuditAnchors
from console.gateway.ports import Upstream, UpstreamRefused, UpstreamUnavailable

REFERENCE = r"/v1/(teams|agents|channels|sla-policies|calendars|shifts)"
CURSOR_GONE = "This cursor is not known here any more; sync again from the start."


class Api(Router[Grant]):
    def __init__(
        self,
        db: Database,
        listener: Listener,
        *,
        upstream: Upstream | None = None,
        routing_model: str = "concierge",
        token_ttl_s: float = 3600.0,
    ) -> None:
        self.db, self.listener = db, listener
        self.auth = Auth(db, token_ttl_s)
        # routing, authorisation, sign-in and /v1/time (console.contract), on the real clock
        super().__init__(self.auth, time.time)
        self.feed = Feed(db)
        self.message_feed = MessageFeed(db)
        self.ledger = PgLedger(db)
        self.upstream = upstream
        self.moves = Moves(db, upstream, routing_model)
        self.anchors = AuditAnchors(db)
        ids = r"([^/]+)"
        self.routes += [
            ("GET", re.compile(REFERENCE), "viewer", self.ref),
            ("PUT", re.compile(rf"/v1/agents/{ids}/status"), "supervisor", self.agent_status),
            ("GET", re.compile(r"/v1/changes"), "viewer", self.changes),
            ("GET", re.compile(r"/v1/messages"), "viewer", self.messages_feed),
            ("GET", re.compile(rf"/v1/enquiries/{ids}"), "viewer", self.enquiry),
            ("GET", re.compile(rf"/v1/enquiries/{ids}/messages"), "viewer", self.messages),
            ("GET", re.compile(rf"/v1/enquiries/{ids}/assignments"), "viewer", self.history),
            ("POST", re.compile(rf"/v1/enquiries/{ids}/assignment"), "supervisor", self.assign),
            ("POST", re.compile(rf"/v1/enquiries/{ids}/complaint"), "supervisor", self.complaint),
            ("GET", re.compile(r"/v1/assignments"), "viewer", self.assignments),
            ("GET", re.compile(rf"/v1/audit/{ids}/head"), "viewer", self.audit_head),
            ("POST", re.compile(rf"/v1/audit/{ids}/entries"), "supervisor", self.audit_append),
        ]

    # --- reference data ---
    def ref(self, req: Request, _: Grant | None, m: re.Match[str]) -> Response:
        return ok({"items": self.ledger.reference(m.group(1))})

    def agent_status(self, req: Request, grant: Grant | None, m: re.Match[str]) -> Response:
        status = field_str(json_body(req), "status", max_len=50)
        if status not in AGENT_STATUSES:
            raise HttpError(
                422, f"Unknown agent status {str(status)[:50]!r}; use {', '.join(AGENT_STATUSES)}."
            )
        with self.db.tx() as conn:
            row = conn.execute("SELECT items FROM reference WHERE kind = 'agents' FOR UPDATE").fetchone()
            agents: list[dict[str, Any]] = list(row[0]) if row else []
            agent = next((a for a in agents if a.get("id") == m.group(1)), None)
            if agent is None:
                raise HttpError(404, f"There is no agent {m.group(1)[:100]!r}.")
            if agent.get("status") != status:
                if self.upstream is not None:  # the platform first: if it says no, nothing here changes
                    try:
                        self.upstream.set_agent_status(agent["id"], status)
                    except UpstreamRefused as refused:
                        raise HttpError(422, str(refused) or "The platform refused this status.") from None
                    except UpstreamUnavailable:
                        down = HttpError(
                            503, "The platform cannot be reached; nothing was changed. Try again shortly."
                        )
                        down.response.headers["Retry-After"] = UPSTREAM_RETRY_AFTER
                        raise down from None
                agent["status"], agent["status_since"] = status, iso(time.time())
                conn.execute("UPDATE reference SET items = %s WHERE kind = 'agents'", (Jsonb(agents),))
        return ok(agent)

    # --- enquiries ---
    def _doc_or_404(self, ident: str) -> str:
        with self.db.tx() as conn:
            row = conn.execute("SELECT doc FROM enquiries WHERE id = %s", (ident,)).fetchone()
            if row is not None:
                return str(row[0])
            gone = conn.execute(
                "SELECT reason, merged_into FROM tombstones WHERE id = %s", (ident,)
            ).fetchone()
        if gone is not None:
            raise HttpError(404, f"Enquiry {ident} was {gone[0]}.", merged_into=gone[1])
        raise HttpError(404, f"There is no enquiry {ident[:100]!r}.")

    def enquiry(self, req: Request, _: Grant | None, m: re.Match[str]) -> Response:
        return Response(200, self._doc_or_404(m.group(1)).encode())

    def messages(self, req: Request, _: Grant | None, m: re.Match[str]) -> Response:
        self._doc_or_404(m.group(1))
        with self.db.tx() as conn:
            rows = conn.execute(
                "SELECT doc FROM messages WHERE enquiry_id = %s ORDER BY pos", (m.group(1),)
            ).fetchall()
        return ok({"items": [r[0] for r in rows]})

    def history(self, req: Request, _: Grant | None, m: re.Match[str]) -> Response:
        self._doc_or_404(m.group(1))
        with self.db.tx() as conn:
            rows = conn.execute(
                "SELECT doc FROM assignments WHERE enquiry_id = %s ORDER BY n", (m.group(1),)
            ).fetchall()
        return ok({"items": [r[0] for r in rows]})

    def assign(self, req: Request, grant: Grant | None, m: re.Match[str]) -> Response:
        assert grant is not None
        return self.moves.assign(req, m.group(1), grant.user)

    def complaint(self, req: Request, grant: Grant | None, m: re.Match[str]) -> Response:
        assert grant is not None
        return self.moves.complaint(req, m.group(1), grant.user)

    def assignments(self, req: Request, _: Grant | None, __: re.Match[str]) -> Response:
        since = query_since(req.query)
        with self.db.tx() as conn:
            rows = conn.execute(
                "SELECT doc FROM assignments WHERE at >= %s ORDER BY n", (max(since, -1e18),)
            ).fetchall()
        return ok({"items": [r[0] for r in rows]})

    # --- the bank's copy of each console's audit trail ---
    def audit_head(self, req: Request, _: Grant | None, m: re.Match[str]) -> Response:
        return self.anchors.head(m.group(1))

    def audit_append(self, req: Request, grant: Grant | None, m: re.Match[str]) -> Response:
        assert grant is not None
        return self.anchors.append(req, m.group(1), grant.user)

    # --- the change feed ---
    def changes(self, req: Request, _: Grant | None, __: re.Match[str]) -> Response:
        limit, wait, cursor_in = feed_query(req.query)
        try:
            after = self.feed.parse_cursor(cursor_in)
        except CursorGone:
            raise HttpError(410, CURSOR_GONE) from None
        deadline = time.monotonic() + wait
        generation = self.listener.generation  # read before the page: a change after it wakes us
        page = self.feed.page(after, limit)
        while not page.items and not self.listener.stopping:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.listener.wait(generation, left)
            generation = self.listener.generation
            page = self.feed.page(after, limit)
        body = {"items": [], "next_cursor": self.feed.cursor(page.last_seq), "has_more": page.has_more}
        head, tail = json.dumps(body, separators=(",", ":")).split("[]", 1)
        return Response(200, (head + "[" + ",".join(page.items) + "]" + tail).encode())

    # --- the message feed (no long-poll: a new message always changes its enquiry too) ---
    def messages_feed(self, req: Request, _: Grant | None, __: re.Match[str]) -> Response:
        limit: int = query_number(req.query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT, int)
        cursor_in = req.query.get("cursor", "")
        if len(cursor_in) > 200:
            raise HttpError(422, "cursor is longer than 200 characters; send next_cursor back unchanged.")
        try:
            after = self.message_feed.parse_cursor(cursor_in)
        except CursorGone:
            raise HttpError(410, CURSOR_GONE) from None
        page = self.message_feed.page(after, limit)
        body = {
            "items": [],
            "next_cursor": self.message_feed.cursor(page.last_seq),
            "has_more": page.has_more,
        }
        head, tail = json.dumps(body, separators=(",", ":")).split("[]", 1)
        return Response(200, (head + "[" + ",".join(page.items) + "]" + tail).encode())
