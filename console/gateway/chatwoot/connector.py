"""The connector's state and its two ways in: webhooks (fast, but they arrive twice, late, out of order or
never) and reconciliation over REST (slow, but the truth). Both end in one place, `_write`, which maps the
conversation and hands it to the Ledger (which bumps the version only on a real change).

Per conversation it keeps the body last applied and its `updated_at` (`seen`: an older state never
overwrites a newer one), the messages by id (a message seen twice is one message), and the `updated_at`
of the last full REST read (`confirmed`). A reconciliation pass lists every conversation and re-reads the
messages of each one whose `updated_at` moved past `confirmed`: whatever webhooks were lost, every
conversation changed since its last REST read is read again, so the Ledger converges on Chatwoot.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from console.domain import wire
from console.gateway.chatwoot import mapping
from console.gateway.chatwoot.client import ChatwootClient, ChatwootRefused
from console.gateway.chatwoot.mapping import CwMessage, MappingConfig
from console.gateway.ports import Ledger, ReferenceKind

log = logging.getLogger("concierge.gateway.chatwoot")


@dataclass(slots=True)
class _Conversation:
    body: dict[str, Any]
    messages: dict[int, CwMessage] = field(default_factory=dict)
    seen: float = 0.0  # updated_at of the body applied
    confirmed: float = -1.0  # updated_at when REST last gave the whole conversation


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    listed: int
    reread: int
    deleted: int
    seconds: float


class ChatwootConnector:
    def __init__(self, client: ChatwootClient, ledger: Ledger, config: MappingConfig | None = None) -> None:
        self.client = client
        self.ledger = ledger
        self.config = config or MappingConfig()
        self._lock = threading.RLock()  # one writer: webhook threads and the reconciler take turns
        self._conversations: dict[int, _Conversation] = {}
        self._inboxes: dict[int, dict[str, Any]] = {}
        self._team_kinds: dict[int, str] = {}
        self.counts: Counter[str] = Counter()
        self._stop = threading.Event()
        self.passed = threading.Event()  # set after each periodic pass (a test waits on it, not on a clock)
        self._thread: threading.Thread | None = None

    # --- reference data ---
    def refresh_reference(self) -> None:
        """Teams, agents, inboxes (channels), calendars and matched SLA policies into the Ledger."""
        inboxes, teams, agents = self.client.inboxes(), self.client.teams(), self.client.agents()
        team_of: dict[int, int] = {}
        for team in teams:
            for member in self.client.team_members(int(team["id"])):
                team_of.setdefault(int(member["id"]), int(team["id"]))
        policies, unmatched = mapping.sla_policies_to_wire(self.client.sla_policies(), self.config)
        unknown = sorted(
            str(label["title"]).lower()
            for label in self.client.labels()
            if str(label["title"]).lower()
            not in {*self.config.label_topics, *self.config.label_flags, *self.config.label_complexity}
        )
        with self._lock:
            self._inboxes = {int(i["id"]): i for i in inboxes}
            self._team_kinds = {
                int(t["id"]): mapping.team_kind_of(str(t["name"]), self.config)[0] for t in teams
            }
            load = Counter(
                int(c.body["meta"]["assignee"]["id"])
                for c in self._conversations.values()
                if (c.body.get("meta") or {}).get("assignee") and c.body["status"] != "resolved"
            )
        no_team = any(int(a["id"]) not in team_of for a in agents)
        lists: list[tuple[ReferenceKind, list[dict[str, Any]], Callable[[Any], object]]] = [
            ("teams", mapping.teams_to_wire(teams, self.config, no_team), wire.team_from_wire),
            ("agents", mapping.agents_to_wire(agents, team_of, load, self.config), wire.agent_from_wire),
            ("channels", mapping.channels_to_wire(inboxes, self.config), wire.channel_from_wire),
            ("calendars", mapping.CALENDARS, wire.calendar_from_wire),
            ("sla-policies", policies, wire.policy_from_wire),
        ]
        for kind, items, check in lists:
            self.ledger.put_reference(kind, [item for item in items if self._trusted(kind, item, check)])
        if unmatched or unknown:
            log.info(
                "chatwoot: %d SLA policies without a match; labels with no meaning: %s",
                unmatched,
                unknown[:20],
            )

    def _trusted(self, kind: str, item: Mapping[str, Any], check: Callable[[Any], object]) -> bool:
        try:
            check(item)
        except wire.BadRecord as e:
            self.counts["quarantined"] += 1
            log.warning("chatwoot %s record quarantined: %s", kind, e)
            return False
        return True

    # --- webhooks ---
    def handle_event(self, body: Mapping[str, Any]) -> str:
        """Apply one webhook body (already checked against the description). Returns what happened:
        applied | unchanged | stale | reread."""
        event = str(body["event"])
        if event.startswith("message_"):
            message, conversation = mapping.message_of(body), dict(body["conversation"])
        else:
            message, conversation = (
                None,
                {k: v for k, v in body.items() if k not in ("event", "changed_attributes")},
            )
        cid = int(conversation["id"])
        with self._lock:
            state = self._conversations.get(cid)
            fresh = state is None and event == "conversation_created"
            if fresh:
                state = _Conversation(body=conversation)
            # A conversation we never saw (its created webhook lost or late) or an inbox we do not know is
            # ambiguous: Chatwoot's current state decides.
            if state is not None and int(conversation["inbox_id"]) in self._inboxes:
                outcome = self._apply(cid, state, conversation, message, fresh)
                if outcome != "ambiguous":
                    self.counts[outcome] += 1
                    return outcome
        if int(conversation["inbox_id"]) not in self._inboxes:
            self._refresh_inboxes()
        self.reread(cid)
        self.counts["reread"] += 1
        return "reread"

    def _apply(
        self,
        cid: int,
        state: _Conversation,
        conversation: dict[str, Any],
        message: CwMessage | None,
        fresh: bool,
    ) -> str:
        newer = float(conversation["updated_at"]) > state.seen
        changed = False
        if message is not None and state.messages.get(message.id) != message:
            state.messages[message.id] = message  # messages are facts: kept even from a late webhook
            changed = True
        if newer:
            last = [mapping.message_of(m) for m in conversation.get("messages") or ()]
            missed = [m for m in last if m.is_chat and m.id not in state.messages]
            if missed and not fresh:
                return "ambiguous"  # its latest message never reached us: a message webhook was lost
            state.body, state.seen = conversation, float(conversation["updated_at"])
            for m in last:
                state.messages.setdefault(m.id, m)
            changed = True
        if not changed:
            return "stale"
        self._conversations[cid] = state
        return "applied" if self._write(state) else "unchanged"

    # --- REST ---
    def reread(self, cid: int) -> None:
        """Read one conversation whole from Chatwoot and apply it (a tombstone when Chatwoot lost it)."""
        try:
            conversation = self.client.conversation(cid)
            messages = self.client.messages(cid)
        except ChatwootRefused as e:
            if e.status == 404:
                self._forget(cid)
                return
            raise
        self._apply_snapshot(conversation, messages)

    def _apply_snapshot(self, conversation: dict[str, Any], messages: list[dict[str, Any]]) -> None:
        cid = int(conversation["id"])
        with self._lock:
            state = self._conversations.get(cid)
            updated = float(conversation["updated_at"])
            if state is not None and updated < state.seen:
                return  # a webhook brought a newer state while we read: the next pass reads again
            state = state or _Conversation(body=conversation)
            state.body, state.seen, state.confirmed = conversation, updated, updated
            state.messages = {m.id: m for m in map(mapping.message_of, messages)}
            self._conversations[cid] = state
            self._write(state)

    def _forget(self, cid: int) -> None:
        with self._lock:
            self._conversations.pop(cid, None)
            if self.ledger.delete_enquiry(mapping.enquiry_id(cid), "deleted", None):
                self.counts["deleted"] += 1

    def reconcile(self) -> ReconcileReport:
        """One pass over every conversation: re-read each one changed since its last REST read, tombstone
        those Chatwoot no longer lists. Safe beside webhooks arriving at the same time."""
        started = time.monotonic()
        listed: set[int] = set()
        reread = 0
        for conversation in self.client.conversations("all"):
            cid = int(conversation["id"])
            listed.add(cid)
            with self._lock:
                state = self._conversations.get(cid)
                current = state is not None and float(conversation["updated_at"]) <= state.confirmed
            if current:
                continue
            if int(conversation["inbox_id"]) not in self._inboxes:
                self._refresh_inboxes()
            # The listed body is the whole conversation; only its messages need a read of their own.
            self._apply_snapshot(conversation, self.client.messages(cid))
            reread += 1
        with self._lock:
            gone = [cid for cid in self._conversations if cid not in listed]
        for cid in gone:
            self.reread(cid)  # listed no more: deleted (404), or it moved while we paged
        report = ReconcileReport(len(listed), reread, len(gone), time.monotonic() - started)
        log.info("chatwoot reconciliation: %s", report)
        return report

    def _refresh_inboxes(self) -> None:
        inboxes = self.client.inboxes()
        with self._lock:
            self._inboxes = {int(i["id"]): i for i in inboxes}

    # --- the Ledger ---
    def _write(self, state: _Conversation) -> bool:
        body = state.body
        enquiry, messages = mapping.enquiry_of(
            body,
            state.messages.values(),
            self._inboxes.get(int(body["inbox_id"])),
            self._team_kinds,
            self.config,
        )
        try:
            wire.enquiry_from_wire(enquiry)
            for m in messages:
                wire.message_from_wire(m)
            return self.ledger.upsert_enquiry(enquiry, messages)  # a store may check again: same rules
        except wire.BadRecord as e:
            self.counts["quarantined"] += 1
            log.warning("chatwoot conversation %s quarantined: %s", body.get("id"), e)
            return False

    # --- the periodic pass ---
    def start(self, interval_s: float = 60.0) -> None:
        """Reference data and a reconciliation now, then every interval_s, on a thread of its own."""
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(interval_s,), name="chatwoot-reconcile", daemon=True
        )
        self._thread.start()

    def _run(self, interval_s: float) -> None:
        while not self._stop.is_set():
            try:
                self.refresh_reference()
                self.reconcile()
            except Exception as e:  # Chatwoot down or a bug: keep the loop alive, say why, try next time
                log.warning("chatwoot reconciliation failed: %s", e)
            self.passed.set()
            self._stop.wait(interval_s)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def enquiry_count(self) -> int:
        with self._lock:
            return len(self._conversations)
