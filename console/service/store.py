"""The reference service's live state and its compacted change feed.

Each enquiry's wire JSON is encoded once per version and kept as bytes, with the previous version's bytes
(the `reorder` fault replays them). The feed is an append-only pair of lists (seq, id); an entry is live
only while it is the id's latest seq, stale ones are skipped while paging and dropped by an occasional
compaction. Pages are built by joining bytes, never by re-encoding records.
"""

from __future__ import annotations

import json
import threading
import uuid
from bisect import bisect_right
from dataclasses import dataclass

from console.domain.model import Assignment, Enquiry, Message
from console.domain.wire import enquiry_to_wire
from console.service.message_log import MessageLog

_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)  # one instance: no per-call set-up


def encode(obj: object) -> bytes:
    return _ENCODER.encode(obj).encode()


@dataclass(frozen=True, slots=True)
class Page:
    entries: list[tuple[int, str, bytes]]  # (seq, id, change tail: everything after '{"seq":N,')
    last_seq: int
    has_more: bool


class CursorGone(Exception):
    """The cursor was issued by another server instance or cannot be read."""


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.instance = uuid.uuid4().hex[:12]  # a restarted server does not honour old cursors
        self.enquiries: dict[str, Enquiry] = {}
        self.wire: dict[str, bytes] = {}
        self.prev_wire: dict[str, bytes] = {}
        self.deleted: dict[str, bytes] = {}  # id -> tombstone tail
        self.messages: dict[str, list[Message]] = {}
        self.message_log = MessageLog()  # GET /v1/messages
        self.assignments: list[Assignment] = []
        self.history: dict[str, list[Assignment]] = {}
        self.last_actor: dict[str, tuple[str, float]] = {}
        self._seqs: list[int] = []
        self._ids: list[str] = []
        self._tails: dict[str, bytes] = {}
        self._latest: dict[str, int] = {}
        self.seq = 0

    # --- writing (callers hold self.lock) ---
    def put(self, e: Enquiry, actor: str) -> bytes:
        """Store a new state of e (already versioned by the caller), append it to the feed, wake pollers."""
        rec = encode(enquiry_to_wire(e))
        old = self.wire.get(e.id)
        if old is not None:
            self.prev_wire[e.id] = old
        self.enquiries[e.id] = e
        self.wire[e.id] = rec
        self.last_actor[e.id] = (actor, e.updated_at)
        self._append(e.id, b'"op":"upsert","enquiry":' + rec + b"}")
        return rec

    def delete(self, ident: str, reason: str, merged_into: str | None) -> None:
        self.enquiries.pop(ident, None)
        self.wire.pop(ident, None)
        self.prev_wire.pop(ident, None)
        tail = encode({"op": "delete", "id": ident, "reason": reason, "merged_into": merged_into})[1:]
        self.deleted[ident] = tail
        self._append(ident, tail)

    def _append(self, ident: str, tail: bytes) -> None:
        self.seq += 1
        self._seqs.append(self.seq)
        self._ids.append(ident)
        self._tails[ident] = tail
        self._latest[ident] = self.seq
        if len(self._seqs) > 2 * len(self._latest) + 10_000:
            self._compact()
        self.changed.notify_all()

    def _compact(self) -> None:
        keep = [(s, i) for s, i in zip(self._seqs, self._ids, strict=True) if self._latest[i] == s]
        self._seqs = [s for s, _ in keep]
        self._ids = [i for _, i in keep]

    def start_conversation(self, m: Message) -> None:
        """A new enquiry's first message (its conversation begins here, not in the backlog)."""
        self.messages[m.enquiry_id] = [m]
        self.message_log.added(m.enquiry_id, 0)

    def start_backlog(self, enquiry_id: str, msgs: list[Message]) -> None:
        """A backlog enquiry's conversation, made on first use; the feed serves it where it was logged."""
        self.messages[enquiry_id] = msgs
        self.message_log.backlog_len[enquiry_id] = len(msgs)

    def add_message(self, conversation: list[Message], m: Message) -> None:
        """A message appended to an enquiry's conversation (made already: Simulator.messages)."""
        conversation.append(m)
        self.message_log.added(m.enquiry_id, len(conversation) - 1)

    def add_assignment(self, a: Assignment) -> None:
        self.assignments.append(a)
        self.history.setdefault(a.enquiry_id, []).append(a)

    # --- reading ---
    def cursor(self, seq: int) -> str:
        return f"{self.instance}.{seq}"

    def parse_cursor(self, cursor: str) -> int:
        if not cursor:
            return 0
        instance, _, seq = cursor.partition(".")
        if instance != self.instance or not seq.isdigit() or int(seq) > self.seq:
            raise CursorGone(cursor)
        return int(seq)

    def message_cursor(self, position: tuple[int, int]) -> str:
        return f"{self.instance}.m{position[0]}.{position[1]}"

    def parse_message_cursor(self, cursor: str) -> tuple[int, int]:
        if not cursor:
            return 0, 0
        instance, _, rest = cursor.partition(".m")
        entry, _, done = rest.partition(".")
        if instance != self.instance or not (entry.isdigit() and done.isdigit()):
            raise CursorGone(cursor)
        if int(entry) > len(self.message_log):
            raise CursorGone(cursor)
        return int(entry), int(done)

    def page(self, after: int, limit: int) -> Page:
        """Live feed entries with seq > after, at most limit of them. Caller holds self.lock."""
        entries: list[tuple[int, str, bytes]] = []
        seqs, ids, latest, tails = self._seqs, self._ids, self._latest, self._tails
        i, n = bisect_right(seqs, after), len(seqs)
        while i < n and len(entries) < limit:
            s, ident = seqs[i], ids[i]
            if latest[ident] == s:
                entries.append((s, ident, tails[ident]))
            i += 1
        last = entries[-1][0] if entries else max(after, 0)
        if len(entries) < limit:
            last = self.seq  # nothing live is left: skip the stale tail too
        return Page(entries, last, last < self.seq)
