"""The /v1 endpoints of the reference service, independent of the HTTP plumbing in server.py."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from console.contract.http import HttpError, Request, Response, field_str, json_body, ok
from console.contract.requests import feed_query, query_since
from console.contract.router import Router
from console.domain.model import AGENT_STATUSES
from console.domain.wire import (
    agent_to_wire,
    assignment_to_wire,
    calendar_to_wire,
    channel_to_wire,
    message_to_wire,
    policy_to_wire,
    shift_to_wire,
    team_to_wire,
)
from console.service.assign import Reassigner
from console.service.audit_anchor import AuditAnchors
from console.service.auth import Grant, Tokens
from console.service.complaint import ComplaintDecisions
from console.service.faults import FaultSwitches
from console.service.sim.simulator import Simulator
from console.service.store import CursorGone, Page, encode


class Api(Router[Grant]):
    def __init__(
        self, sim: Simulator, tokens: Tokens, faults: FaultSwitches, now: Callable[[], float]
    ) -> None:
        super().__init__(tokens, now)  # routing, authorisation, sign-in and /v1/time (console.contract)
        self.sim, self.faults = sim, faults
        self.reassigner = Reassigner(sim)
        self.decisions = ComplaintDecisions(sim)
        self.anchors = AuditAnchors()
        self.stopping = False
        self.routes += [
            (
                "GET",
                re.compile(r"/v1/(teams|agents|channels|sla-policies|calendars|shifts)"),
                "viewer",
                self.ref,
            ),
            ("PUT", re.compile(r"/v1/agents/([^/]+)/status"), "supervisor", self.agent_status),
            ("GET", re.compile(r"/v1/changes"), "viewer", self.changes),
            ("GET", re.compile(r"/v1/messages"), "viewer", self.message_feed),
            ("GET", re.compile(r"/v1/enquiries/([^/]+)"), "viewer", self.enquiry),
            ("GET", re.compile(r"/v1/enquiries/([^/]+)/messages"), "viewer", self.messages),
            ("GET", re.compile(r"/v1/enquiries/([^/]+)/assignments"), "viewer", self.history),
            ("POST", re.compile(r"/v1/enquiries/([^/]+)/assignment"), "supervisor", self.assign),
            ("POST", re.compile(r"/v1/enquiries/([^/]+)/complaint"), "supervisor", self.complaint),
            ("GET", re.compile(r"/v1/assignments"), "viewer", self.assignments),
            ("GET", re.compile(r"/v1/audit/([^/]+)/head"), "viewer", self.audit_head),
            ("POST", re.compile(r"/v1/audit/([^/]+)/entries"), "supervisor", self.audit_append),
        ]

    # --- reference data ---
    def ref(self, req: Request, _: Grant | None, m: re.Match[str]) -> Response:
        w = self.sim.world
        with self.sim.store.lock:
            items: list[dict[str, Any]] = {
                "teams": lambda: [team_to_wire(t) for t in w.teams],
                "agents": lambda: [agent_to_wire(a) for a in w.agents.values()],
                "channels": lambda: [channel_to_wire(c) for c in w.channels],
                "sla-policies": lambda: [policy_to_wire(p) for p in w.policies],
                "calendars": lambda: [calendar_to_wire(c) for c in w.calendars],
                "shifts": lambda: [shift_to_wire(s) for s in w.shifts],
            }[m.group(1)]()
        return ok({"items": items})

    def agent_status(self, req: Request, grant: Grant | None, m: re.Match[str]) -> Response:
        status = field_str(json_body(req), "status", max_len=50)
        if status not in AGENT_STATUSES:
            raise HttpError(
                422, f"Unknown agent status {str(status)[:50]!r}; use {', '.join(AGENT_STATUSES)}."
            )
        with self.sim.store.lock:
            agent = self.sim.world.agents.get(m.group(1))
            if agent is None:
                raise HttpError(404, f"There is no agent {m.group(1)[:100]!r}.")
            if agent.status != status:
                agent.status, agent.status_since = status, self.now()
            return ok(agent_to_wire(agent))

    # --- enquiries ---
    def _enquiry_or_404(self, ident: str) -> Any:
        e = self.sim.store.enquiries.get(ident)
        if e is None:
            gone = self.sim.store.deleted.get(ident)
            if gone is not None:
                doc = json.loads(b"{" + gone)
                raise HttpError(404, f"Enquiry {ident} was {doc['reason']}.", merged_into=doc["merged_into"])
            raise HttpError(404, f"There is no enquiry {ident[:100]!r}.")
        return e

    def enquiry(self, req: Request, _: Grant | None, m: re.Match[str]) -> Response:
        with self.sim.store.lock:
            e = self._enquiry_or_404(m.group(1))
            return Response(200, self.sim.store.wire[e.id])

    def messages(self, req: Request, _: Grant | None, m: re.Match[str]) -> Response:
        with self.sim.store.lock:
            e = self._enquiry_or_404(m.group(1))
            return ok({"items": [message_to_wire(x) for x in self.sim.messages(e)]})

    def history(self, req: Request, _: Grant | None, m: re.Match[str]) -> Response:
        with self.sim.store.lock:
            self._enquiry_or_404(m.group(1))
            items = [assignment_to_wire(a) for a in self.sim.store.history.get(m.group(1), [])]
        return ok({"items": items})

    def assign(self, req: Request, grant: Grant | None, m: re.Match[str]) -> Response:
        assert grant is not None
        return self.reassigner.handle(req, m.group(1), grant.user)

    def complaint(self, req: Request, grant: Grant | None, m: re.Match[str]) -> Response:
        assert grant is not None
        return self.decisions.handle(req, m.group(1), grant.user)

    def assignments(self, req: Request, _: Grant | None, __: re.Match[str]) -> Response:
        since = query_since(req.query)
        with self.sim.store.lock:
            items = [assignment_to_wire(a) for a in self.sim.store.assignments if a.at >= since]
        return ok({"items": items})

    # --- the bank's copy of each console's audit trail (console.service.audit_anchor) ---
    def audit_head(self, req: Request, _: Grant | None, m: re.Match[str]) -> Response:
        return self.anchors.head(m.group(1))

    def audit_append(self, req: Request, grant: Grant | None, m: re.Match[str]) -> Response:
        assert grant is not None
        return self.anchors.append(req, m.group(1), grant.user)

    # --- the change feed ---
    def changes(self, req: Request, _: Grant | None, __: re.Match[str]) -> Response:
        limit, wait, cursor_in = feed_query(req.query)
        store = self.sim.store
        with store.lock:
            try:
                after = store.parse_cursor(cursor_in)
            except CursorGone:
                raise HttpError(
                    410, "This cursor is not known here any more; sync again from the start."
                ) from None
            page = store.page(after, limit)
            if not page.entries and wait > 0:
                store.changed.wait_for(lambda: store.seq > after or self.stopping, timeout=wait)
                page = store.page(after, limit)
            items = self._feed_faults(page)
            cursor = store.cursor(page.last_seq)
        return page_response(items, cursor, page.has_more)

    def message_feed(self, req: Request, _: Grant | None, __: re.Match[str]) -> Response:
        limit, _wait, cursor_in = feed_query(req.query)  # no long-poll: a new message changes its enquiry
        store = self.sim.store
        with store.lock:
            try:
                position = store.parse_message_cursor(cursor_in)
            except CursorGone:
                raise HttpError(
                    410, "This cursor is not known here any more; read the messages again from the start."
                ) from None
            page = store.message_log.page(position, limit, store.enquiries, self.sim.messages)
            items = [encode(message_to_wire(m)) for m in page.messages]
            if items and self.faults.roll("invalid") is not None:  # spoiled in transit only
                i = self.faults.choice(len(items))
                items[i] = encode({**message_to_wire(page.messages[i]), "sent_at": "yesterday"})
            if items and self.faults.roll("dup") is not None:  # a message seen twice
                i = self.faults.choice(len(items))
                items.insert(i + 1, items[i])
            cursor = store.message_cursor(page.position)
        return page_response(items, cursor, page.has_more)

    def _feed_faults(self, page: Page) -> list[bytes]:
        items = [b'{"seq":%d,' % s + tail for s, _, tail in page.entries]
        if not items:
            return items
        faults, store = self.faults, self.sim.store
        if faults.roll("invalid") is not None:
            i = faults.choice(len(items))
            seq, ident, _ = page.entries[i]
            rec = store.wire.get(ident)
            if rec is not None:  # spoil the record in transit only: GET /v1/enquiries/{id} stays good
                doc = json.loads(rec)
                if faults.choice(2):
                    doc.pop("created_at", None)
                else:
                    doc["status"] = "bogus"
                items[i] = b'{"seq":%d,"op":"upsert","enquiry":%s}' % (seq, encode(doc))
        if faults.roll("reorder") is not None:
            i = faults.choice(len(items))
            seq, ident, _ = page.entries[i]
            old = store.prev_wire.get(ident)
            if old is not None:  # an older state after the newer one
                items.insert(i + 1, b'{"seq":%d,"op":"upsert","enquiry":%s}' % (seq, old))
        if faults.roll("dup") is not None:
            i = faults.choice(len(items))
            items.insert(i + 1, items[i])
        return items


def page_response(items: list[bytes], cursor: str, has_more: bool) -> Response:
    """A feed page from records already encoded: joined as bytes, never encoded again."""
    more = b"true" if has_more else b"false"
    body = b'{"items":[' + b",".join(items) + b'],"next_cursor":"' + cursor.encode()
    return Response(200, body + b'","has_more":' + more + b"}")
