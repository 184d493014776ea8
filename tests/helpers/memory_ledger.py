"""MemoryLedger: a stand-in for the gateway's PostgreSQL store, as console.gateway.ports.Ledger, until the
real one is merged. The Chatwoot tests take their ledger from the `chatwoot_ledger` fixture (in
tests/helpers/chatwoot_standin.py), so moving them onto PostgreSQL is a change of that fixture only.

It keeps what the contract promises: the version goes up only on a real change, the feed holds each
enquiry's latest state once (compacted), a tombstone replaces the enquiry and wins over later upserts.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

from console.gateway.ports import Ledger, ReferenceKind


class InspectableLedger(Ledger, Protocol):
    """A Ledger plus the reads the tests check it with. The PostgreSQL store (or a thin adapter over its
    tables) offers these four too, and then replaces MemoryLedger in the `chatwoot_ledger` fixture."""

    def messages(self, enquiry_id: str) -> list[dict[str, Any]]: ...

    def reference(self, kind: ReferenceKind) -> list[dict[str, Any]]: ...

    def ids(self) -> set[str]: ...

    def tombstone(self, enquiry_id: str) -> dict[str, Any] | None: ...


class MemoryLedger:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._enquiries: dict[str, dict[str, Any]] = {}
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._feed: dict[str, int] = {}  # id -> seq of its latest change (compaction)
        self._tombstones: dict[str, dict[str, Any]] = {}
        self._reference: dict[str, list[dict[str, Any]]] = {}
        self._seq = 0
        self.writes = 0  # real changes, for the benchmark

    def upsert_enquiry(
        self, enquiry: Mapping[str, Any], messages: Sequence[Mapping[str, Any]] | None = None
    ) -> bool:
        body = {k: copy.deepcopy(v) for k, v in enquiry.items() if k != "version"}
        ident = str(body["id"])
        msgs = None if messages is None else [dict(m) for m in messages]
        with self._lock:
            if ident in self._tombstones:
                return False  # a tombstone wins: a deleted or merged enquiry does not come back
            current = self._enquiries.get(ident)
            same = current is not None and {k: v for k, v in current.items() if k != "version"} == body
            if same and (msgs is None or self._messages.get(ident) == msgs):
                return False
            body["version"] = (current["version"] + 1) if current else 0  # as the PostgreSQL store
            self._enquiries[ident] = body
            if msgs is not None:
                self._messages[ident] = msgs
            self._seq += 1
            self._feed[ident] = self._seq
            self.writes += 1
            return True

    def delete_enquiry(
        self, enquiry_id: str, reason: Literal["deleted", "merged"], merged_into: str | None
    ) -> bool:
        with self._lock:
            if self._enquiries.pop(enquiry_id, None) is None:
                return False
            self._messages.pop(enquiry_id, None)
            self._seq += 1
            self._feed[enquiry_id] = self._seq
            self._tombstones[enquiry_id] = {"id": enquiry_id, "reason": reason, "merged_into": merged_into}
            return True

    def put_reference(self, kind: ReferenceKind, items: Sequence[Mapping[str, Any]]) -> None:
        with self._lock:
            self._reference[kind] = [dict(i) for i in items]

    def enquiry(self, enquiry_id: str) -> Mapping[str, Any] | None:
        with self._lock:
            found = self._enquiries.get(enquiry_id)
            return copy.deepcopy(found) if found is not None else None

    # --- for the tests ---
    def messages(self, enquiry_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._messages.get(enquiry_id, []))

    def reference(self, kind: ReferenceKind) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._reference.get(kind, []))

    def ids(self) -> set[str]:
        with self._lock:
            return set(self._enquiries)

    def tombstone(self, enquiry_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._tombstones.get(enquiry_id)
