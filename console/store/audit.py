"""The audit trail: an append-only table whose rows form a SHA-256 hash chain, so an edited, deleted or
reordered row is detected by verify_audit()."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import apsw

from console.domain.audit_chain import GENESIS, canonical_json, entry_digest


@dataclass(slots=True, frozen=True)
class AuditEntry:
    seq: int
    at: float
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


def append_audit(
    conn: apsw.Connection, *, at: float, actor: str, action: str, subject: str, detail: dict[str, Any]
) -> int:
    """Append one row; call inside the transaction that makes the change it records."""
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (int(last[0]) + 1, str(last[1])) if last else (1, GENESIS)
    detail_json = canonical_json(detail)
    digest = entry_digest(prev, seq, at, actor, action, subject, detail_json)
    conn.execute(
        "INSERT INTO audit (seq, at, actor, action, subject, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, actor, action, subject, detail_json, prev, digest),
    )
    # The head is kept apart so that deleting the newest rows is detected too.
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_head', ?)", (f"{seq}:{digest}",))
    return seq


def verify_audit(conn: apsw.Connection) -> int | None:
    """The seq of the first row that breaks the chain, or None when the whole trail is intact."""
    prev, expected_seq = GENESIS, 1
    for seq, at, actor, action, subject, detail, prev_hash, digest in conn.execute(
        "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit ORDER BY seq"
    ):
        if (
            seq != expected_seq
            or prev_hash != prev
            or digest != entry_digest(prev, seq, at, actor, action, subject, detail)
        ):
            return int(seq)
        prev, expected_seq = digest, seq + 1
    head = conn.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    if head is not None and head[0] != f"{expected_seq - 1}:{prev}":
        return expected_seq
    return None
