"""Where the audit trail is anchored outside the cache: the chain's id (made once per cache), the entries a
sync sends to the Service API, and the last anchor the service confirmed (seq, hash, when, which server).

The anchor kept here only says how far back the trail was anchored when working offline; the proof is the
service's copy (GET /v1/audit/{chain}/head), which nobody holding the cache key can rewrite."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from console.store.cache import Store, StoreReader

CHAIN_KEY = "audit_chain"
ANCHOR_KEY = "audit_anchor"


@dataclass(frozen=True, slots=True)
class Anchor:
    seq: int
    hash: str
    at: float  # server clock, when the service confirmed it
    server: str


def chain_id(store: Store) -> str:
    """This cache's chain id; made on first use."""
    chain = store.get_meta(CHAIN_KEY)
    if chain is None:
        chain = uuid.uuid4().hex
        store.set_meta(CHAIN_KEY, chain)
    return chain


def known_chain(reader: StoreReader) -> str | None:
    return reader.get_meta(CHAIN_KEY)


def last_seq(reader: StoreReader) -> int:
    return int(reader._rows("SELECT coalesce(max(seq), 0) FROM audit")[0][0])


def entry_hash(reader: StoreReader, seq: int) -> str | None:
    rows = reader._rows("SELECT hash FROM audit WHERE seq = ?", (seq,))
    return str(rows[0][0]) if rows else None


def entries_after(reader: StoreReader, seq: int, limit: int) -> list[dict[str, Any]]:
    """Entries as the contract sends them: detail is the stored canonical JSON text, exactly as hashed."""
    rows = reader._rows(
        "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit WHERE seq > ? "
        "ORDER BY seq LIMIT ?",
        (seq, limit),
    )
    keys = ("seq", "at", "actor", "action", "subject", "detail", "prev_hash", "hash")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def anchor_of(reader: StoreReader) -> Anchor | None:
    raw = reader.get_meta(ANCHOR_KEY)
    if not raw:
        return None
    try:
        d = json.loads(raw)
        return Anchor(int(d["seq"]), str(d["hash"]), float(d["at"]), str(d["server"]))
    except (ValueError, KeyError, TypeError):
        return None


def set_anchor(store: Store, anchor: Anchor) -> None:
    doc = {"seq": anchor.seq, "hash": anchor.hash, "at": anchor.at, "server": anchor.server}
    store.set_meta(ANCHOR_KEY, json.dumps(doc, sort_keys=True))
