"""The bank's copy of each console's audit trail (docs/api.md, "The audit anchor"), in PostgreSQL: the same
answers as the reference service. A chain's row is locked while entries are appended, so two gateway
processes appending to one chain take turns."""

from __future__ import annotations

import re
from typing import Any

from psycopg.types.json import Jsonb

from console.contract.http import HttpError, Request, Response, json_body, ok, problem
from console.domain.audit_chain import GENESIS, entry_digest
from console.gateway.db.store import Database

CHAIN = re.compile(r"[0-9a-f]{32}")
MAX_BATCH = 1000
_HASH = re.compile(r"[0-9a-f]{64}")
FIELDS = ("seq", "at", "actor", "action", "subject", "detail", "prev_hash", "hash")


class AuditAnchors:
    def __init__(self, db: Database) -> None:
        self.db = db

    def head(self, chain: str) -> Response:
        _check_chain(chain)
        with self.db.tx() as conn:
            row = conn.execute(
                "SELECT seq, doc->>'hash' FROM audit_entries WHERE chain = %s ORDER BY seq DESC LIMIT 1",
                (chain,),
            ).fetchone()
        return ok({"chain": chain, "seq": int(row[0]) if row else 0, "hash": row[1] if row else GENESIS})

    def append(self, req: Request, chain: str, user: str) -> Response:
        _check_chain(chain)
        raw = json_body(req).get("entries")
        if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_BATCH:
            raise HttpError(422, f"'entries' must be a list of 1 to {MAX_BATCH} audit entries.")
        batch = [_entry(item, i) for i, item in enumerate(raw)]
        with self.db.tx() as conn:
            conn.execute(
                "INSERT INTO audit_chains (chain, owner) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (chain, user),
            )
            owner = conn.execute(
                "SELECT owner FROM audit_chains WHERE chain = %s FOR UPDATE", (chain,)
            ).fetchone()
            if owner is None or owner[0] != user:
                raise HttpError(403, "This audit chain belongs to another user.")
            last = conn.execute(
                "SELECT seq, doc FROM audit_entries WHERE chain = %s ORDER BY seq DESC LIMIT 1", (chain,)
            ).fetchone()
            held, head = (int(last[0]), dict(last[1])) if last else (0, None)
            for e in batch:
                if e["seq"] <= held:
                    old = conn.execute(
                        "SELECT doc FROM audit_entries WHERE chain = %s AND seq = %s", (chain, e["seq"])
                    ).fetchone()
                    if old is None or dict(old[0]) != e:
                        assert head is not None
                        return problem(
                            409,
                            f"Audit entry {e['seq']} differs from the bank's copy: "
                            "the history was rewritten.",
                            current={"seq": head["seq"], "hash": head["hash"]},
                        )
                    continue
                prev = head["hash"] if head else GENESIS
                if e["seq"] != held + 1 or e["prev_hash"] != prev:
                    raise HttpError(
                        422, f"Audit entry {e['seq']} does not continue the chain (the bank holds {held})."
                    )
                conn.execute(
                    "INSERT INTO audit_entries (chain, seq, doc) VALUES (%s, %s, %s)",
                    (chain, e["seq"], Jsonb(e)),
                )
                held, head = e["seq"], e
        assert head is not None
        return ok({"chain": chain, "seq": head["seq"], "hash": head["hash"]})


def _check_chain(chain: str) -> None:
    if not CHAIN.fullmatch(chain):
        raise HttpError(422, "The chain id must be 32 lowercase hexadecimal digits.")


def _entry(item: Any, i: int) -> dict[str, Any]:
    if not isinstance(item, dict) or not all(k in item for k in FIELDS):
        raise HttpError(422, f"entries[{i}] is not an audit entry (seq, at, actor, action, ...).")
    seq, at = item["seq"], item["at"]
    texts = [item[k] for k in FIELDS[2:]]
    if (
        isinstance(seq, bool)
        or not isinstance(seq, int)
        or not 0 < seq < 2**53
        or isinstance(at, bool)
        or not isinstance(at, int | float)
        or at != at
        or not all(isinstance(t, str) and len(t) <= 20_000 for t in texts)
    ):
        raise HttpError(422, f"entries[{i}] is not an audit entry (seq, at, actor, action, ...).")
    e = {k: item[k] for k in FIELDS}
    if not (_HASH.fullmatch(e["prev_hash"]) and _HASH.fullmatch(e["hash"])):
        raise HttpError(422, f"entries[{i}]: seq must be 1 or more and hashes 64 hex digits.")
    expected = entry_digest(e["prev_hash"], seq, at, e["actor"], e["action"], e["subject"], e["detail"])
    if expected != e["hash"]:
        raise HttpError(422, f"entries[{i}]: the hash does not match the entry (seq {seq}).")
    return e
