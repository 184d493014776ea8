"""A Chatwoot stand-in on 127.0.0.1, as a pytest plugin (loaded by tests/conftest.py).

It holds one account's inboxes, teams, agents, labels, conversations and messages, serves the REST API of
console/gateway/chatwoot/chatwoot-api.json and sends its webhooks. EVERY request it receives is checked
against that description (path, query, body; a request that is not described is answered 400 and listed
in `invalid`, which the fixture asserts empty), and every answer and webhook body it sends is checked too.

Fault switches: `rate_limit` (next n requests 429 with Retry-After), `server_error` (next n requests 503),
and webhooks `duplicate`, `late` (held back and sent after later ones: reordered) and `lost` (never sent),
each a probability drawn from a seeded random, so a run is repeatable.

Fixtures: chatwoot_standin (function): a started ChatwootStandin; chatwoot_ledger (function): the Ledger
the connector writes into (the gateway's PostgreSQL store, PgLedger; MemoryLedger serves the benchmark).
"""

from __future__ import annotations

import copy
import json
import random
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any, Concatenate, ParamSpec, TypeVar

import pytest
import requests

from console.gateway.chatwoot.spec import SchemaError, check_webhook
from console.gateway.chatwoot.webhooks import signature
from console.gateway.db.ledger import PgLedger
from console.gateway.db.store import Database
from tests.helpers.chatwoot_rest import Faults, RestHandler, StandinRest, described_routes
from tests.helpers.memory_ledger import InspectableLedger

START = 1_796_115_600.0  # 2026-12-01T09:00:00Z
KINDS = {"incoming": 0, "outgoing": 1, "activity": 2, "template": 3}
WORDS = {v: k for k, v in KINDS.items()}


P = ParamSpec("P")
R = TypeVar("R")


def _announcing(
    fn: Callable[Concatenate[ChatwootStandin, P], R],
) -> Callable[Concatenate[ChatwootStandin, P], R]:
    """A change made, its webhooks then go out (after the lock is released)."""

    def wrapper(self: ChatwootStandin, /, *args: P.args, **kwargs: P.kwargs) -> R:
        result = fn(self, *args, **kwargs)
        self.deliver()
        return result

    return wrapper


class ChatwootStandin(StandinRest):
    def __init__(self, account_id: int = 1, webhook_secret: str | None = None, seed: int = 1) -> None:
        self.account_id = account_id
        self.webhook_secret = webhook_secret
        self.webhook_url: str | None = None
        self.faults = Faults()
        self.refuse_assignments: str | None = None  # a reason: POST assignments then answers 422
        self.invalid: list[str] = []  # requests (or our own answers) that were not the described shape
        self.requests: list[tuple[str, str]] = []
        self.sent = self.lost = self.duplicated = self.delayed = 0
        self.rng = random.Random(seed)  # the fault switches draw from it: a run is repeatable
        self.lock = threading.RLock()
        self._now = START
        self._ids = 0
        self.inboxes: dict[int, dict[str, Any]] = {}
        self.teams: dict[int, dict[str, Any]] = {}
        self.members: dict[int, list[int]] = {}
        self.agents: dict[int, dict[str, Any]] = {}
        self.labels: list[str] = []
        self.conversations: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, list[dict[str, Any]]] = {}
        self._held: list[tuple[int, dict[str, Any]]] = []
        # Webhooks wait here until the change is made and the lock released: the receiver may call back.
        self._outbox: list[dict[str, Any]] = []
        self._delivering = threading.Lock()
        self._jobs: list[threading.Thread] = []
        self.events = 0
        self._routes = described_routes()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (RestHandler,), {"standin": self}))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="chatwoot-standin", daemon=True
        )
        self._hooks = requests.Session()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> ChatwootStandin:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.wait_delivered()
        self._server.shutdown()
        self._server.server_close()
        self._hooks.close()

    # --- the world, as Chatwoot's own UI would change it ---
    def _id(self) -> int:
        self._ids += 1
        return self._ids

    def _tick(self) -> float:
        self._now += 1.25  # every change moves the clock: updated_at never ties
        return self._now

    def add_inbox(self, name: str, channel_type: str) -> int:
        with self.lock:
            ident = self._id()
            self.inboxes[ident] = {"id": ident, "name": name, "channel_type": channel_type}
            return ident

    def add_team(self, name: str) -> int:
        with self.lock:
            ident = self._id()
            self.teams[ident] = {
                "id": ident,
                "name": name,
                "description": None,
                "allow_auto_assign": True,
                "account_id": self.account_id,
                "is_member": False,
            }
            self.members[ident] = []
            return ident

    def add_agent(self, name: str, *team_ids: int, status: str = "available") -> int:
        with self.lock:
            ident = self._id()
            self.agents[ident] = {
                "id": ident,
                "account_id": self.account_id,
                "name": name,
                "available_name": name,
                "email": f"agent{ident}@bank.example",
                "confirmed": True,
                "availability_status": status,
                "auto_offline": True,
                "role": "agent",
                "thumbnail": "",
            }
            for team in team_ids:
                self.members[team].append(ident)
            return ident

    @_announcing
    def create_conversation(
        self,
        inbox_id: int,
        customer: str,
        text: str,
        *,
        labels: tuple[str, ...] = (),
        kind: str | None = None,
        priority: str | None = None,
    ) -> int:
        with self.lock:
            now, cid = self._tick(), self._id()
            contact = {
                "id": self._id(),
                "name": customer,
                "identifier": None,
                "email": None,
                "phone_number": None,
                "thumbnail": "",
                "type": "contact",
                "additional_attributes": {"screen_name": customer.lower()},
            }
            self.conversations[cid] = {
                "id": cid,
                "account_id": self.account_id,
                "inbox_id": inbox_id,
                "status": "open",
                "priority": priority,
                "labels": sorted(labels),
                "meta": {"sender": contact, "assignee": None, "team": None},
                "created_at": int(now),
                "updated_at": now,
                "last_activity_at": int(now),
                "timestamp": int(now),
                "first_reply_created_at": None,
                "waiting_since": None,
                "snoozed_until": None,
                "agent_last_seen_at": 0,
                "contact_last_seen_at": 0,
                "unread_count": 0,
                "can_reply": True,
                "additional_attributes": {"type": kind} if kind else {},
                "custom_attributes": {},
                "sla_policy_id": None,
                "applied_sla": None,
            }
            self.messages[cid] = []
            self._message(cid, "incoming", text, contact, private=False, announce=False)
            self._announce_conversation(cid, "conversation_created")
            return cid

    def _message(
        self,
        cid: int,
        kind: str,
        text: str,
        sender: dict[str, Any] | None,
        *,
        private: bool,
        announce: bool = True,
    ) -> int:
        conv, now = self.conversations[cid], self._tick()
        mid = self._id()
        self.messages[cid].append(
            {
                "id": mid,
                "content": text,
                "conversation_id": cid,
                "inbox_id": conv["inbox_id"],
                "account_id": self.account_id,
                "message_type": KINDS[kind],
                "content_type": "text",
                "private": private,
                "created_at": int(now),
                "source_id": None,
                "content_attributes": {},
                "status": "sent",
                "sender": None
                if sender is None
                else {"id": sender["id"], "name": sender["name"], "type": sender.get("type", "user")},
            }
        )
        conv["updated_at"], conv["last_activity_at"], conv["timestamp"] = now, int(now), int(now)
        if kind == "incoming" and conv["waiting_since"] is None:
            conv["waiting_since"] = int(now)
        if kind == "outgoing" and not private:
            conv["waiting_since"] = None
            conv["first_reply_created_at"] = conv["first_reply_created_at"] or int(now)
        if announce and kind != "activity":
            self._announce_message(cid, self.messages[cid][-1])
        return mid

    @_announcing
    def add_message(
        self, cid: int, kind: str, text: str, *, agent_id: int | None = None, private: bool = False
    ) -> int:
        with self.lock:
            sender = (
                self.conversations[cid]["meta"]["sender"]
                if kind == "incoming"
                else {**self.agents[agent_id], "type": "user"}
                if agent_id
                else None
            )
            return self._message(cid, kind, text, sender, private=private)

    @_announcing
    def set_status(self, cid: int, status: str) -> None:
        with self.lock:
            conv = self.conversations[cid]
            before, conv["status"] = conv["status"], status
            self._message(cid, "activity", f"Conversation was marked {status}", None, private=False)
            # Chatwoot dispatches both for a status change (status is one of conversation_updated's keys)
            self._announce_conversation(cid, "conversation_status_changed", {"status": (before, status)})
            self._announce_conversation(cid, "conversation_updated", {"status": (before, status)})

    @_announcing
    def assign(
        self,
        cid: int,
        *,
        team_id: int | None = None,
        assignee_id: int | None = None,
        team: bool = False,
        agent: bool = False,
    ) -> None:
        """Chatwoot's UI assigning (team=True / agent=True say which of the two changes)."""
        self.change_assignment(cid, team_id=team_id, assignee_id=assignee_id, team=team, agent=agent)

    def change_assignment(
        self,
        cid: int,
        *,
        team_id: int | None = None,
        assignee_id: int | None = None,
        team: bool = False,
        agent: bool = False,
    ) -> None:
        """The change itself; its webhooks wait in the outbox for deliver() or deliver_later()."""
        with self.lock:
            meta, changed = self.conversations[cid]["meta"], {}
            if team:
                new = None if team_id is None else {"id": team_id, "name": self.teams[team_id]["name"]}
                changed["team_id"] = ((meta["team"] or {}).get("id"), team_id)
                meta["team"] = new
            if agent:
                a = None if assignee_id is None else self.agents[assignee_id]
                changed["assignee_id"] = ((meta["assignee"] or {}).get("id"), assignee_id)
                meta["assignee"] = (
                    None
                    if a is None
                    else {
                        "id": a["id"],
                        "name": a["name"],
                        "available_name": a["name"],
                        "email": a["email"],
                        "type": "user",
                        "availability_status": "online",
                    }
                )
            self.conversations[cid]["updated_at"] = self._tick()
            self._announce_conversation(cid, "conversation_updated", changed)

    @_announcing
    def set_labels(self, cid: int, *labels: str) -> None:
        with self.lock:
            conv = self.conversations[cid]
            changed = {"labels": (conv["labels"], sorted(labels))}
            conv["labels"], conv["updated_at"] = sorted(labels), self._tick()
            self._announce_conversation(cid, "conversation_updated", changed)

    def delete_conversation(self, cid: int) -> None:
        with self.lock:  # Chatwoot sends no webhook for a deletion
            del self.conversations[cid], self.messages[cid]

    # --- shapes ---
    def conversation_json(self, cid: int) -> dict[str, Any]:
        with self.lock:
            conv = copy.deepcopy(self.conversations[cid])
            chat = [m for m in self.messages[cid] if m["message_type"] != 2 and not m["private"]]
            conv["messages"] = copy.deepcopy(chat[-1:])
            return conv

    def _announce_conversation(
        self, cid: int, event: str, changed: dict[str, tuple[Any, Any]] | None = None
    ) -> None:
        body = {**self.conversation_json(cid), "event": event}
        if changed is not None:
            body["changed_attributes"] = [
                {k: {"previous_value": a, "current_value": b}} for k, (a, b) in changed.items()
            ]
        self._send(body)

    def _announce_message(self, cid: int, m: dict[str, Any]) -> None:
        inbox = self.inboxes[self.conversations[cid]["inbox_id"]]
        at = (
            datetime.fromtimestamp(m["created_at"], UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z")
        )
        self._send(
            {
                "event": "message_created",
                "id": m["id"],
                "content": m["content"],
                "message_type": WORDS[m["message_type"]],
                "content_type": "text",
                "content_attributes": {},
                "private": m["private"],
                "created_at": at,
                "source_id": None,
                "sender": m["sender"],
                "inbox": {"id": inbox["id"], "name": inbox["name"]},
                "conversation": self.conversation_json(cid),
                "account": {"id": self.account_id, "name": "Bank"},
            }
        )

    # --- webhooks out ---
    def _send(self, body: dict[str, Any]) -> None:
        try:
            check_webhook(body)
        except SchemaError as e:
            self.invalid.append(f"webhook {body.get('event')}: {e}")
            return
        self.events += 1
        f, roll = self.faults, self.rng.random()
        if roll < f.lost:
            self.lost += 1
        elif roll < f.lost + f.late:
            self.delayed += 1
            self._held.append((self.events + self.rng.randint(1, f.late_by), body))
        else:
            self._outbox.append(body)
            if self.rng.random() < f.duplicate:
                self.duplicated += 1
                self._outbox.append(body)
        self._outbox.extend(b for when, b in self._held if when <= self.events)
        self._held = [(w, b) for w, b in self._held if w > self.events]

    def deliver(self) -> None:
        """Post the webhooks due (in order), outside the state lock: a receiver may read back at once."""
        with self._delivering:
            while True:
                with self.lock:
                    if not self._outbox:
                        return
                    body = self._outbox.pop(0)
                self._post(body)

    def deliver_later(self) -> None:
        """Deliver from a thread of its own, as Chatwoot does from its job queue after answering a REST
        call: a receiver that calls back while the caller still waits for the answer cannot deadlock."""
        thread = threading.Thread(target=self.deliver, name="chatwoot-standin-jobs", daemon=True)
        self._jobs.append(thread)
        thread.start()

    def wait_delivered(self) -> None:
        """Every webhook of an earlier REST change has been posted (an event to wait on, not a clock)."""
        for thread in list(self._jobs):
            thread.join(30)

    def flush_late(self, newest_first: bool = False) -> None:
        """Send every webhook still held back (newest first: the worst order)."""
        with self.lock:
            held = [body for _, body in self._held]
            self._outbox.extend(reversed(held) if newest_first else held)
            self._held = []
        self.deliver()

    def _post(self, body: dict[str, Any]) -> None:
        if self.webhook_url is None:
            return
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret is not None:
            stamp = str(int(datetime.now(UTC).timestamp()))
            headers |= {
                "X-Chatwoot-Timestamp": stamp,
                "X-Chatwoot-Signature": signature(self.webhook_secret, stamp, data),
            }
        self.sent += 1
        self._hooks.post(self.webhook_url, data=data, headers=headers, timeout=30)

    # --- REST ---


@pytest.fixture
def chatwoot_standin() -> Iterator[ChatwootStandin]:
    standin = ChatwootStandin().start()
    yield standin
    standin.stop()
    assert not standin.invalid, f"requests or bodies not in the description: {standin.invalid[:5]}"


@pytest.fixture
def chatwoot_ledger(pg_dsn: str) -> Iterator[InspectableLedger]:
    """The Ledger the connector writes into: the gateway's own store, on a fresh PostgreSQL database."""
    db = Database(pg_dsn, max_size=8)
    yield PgLedger(db)
    db.close()
