"""The audit trail's hash chain, shared by the cache (console.store.audit) and the bank's copy the Service API
keeps (console.service.audit_anchor): each entry's SHA-256 covers its canonical JSON and the previous hash."""

from __future__ import annotations

import hashlib
import json

GENESIS = "0" * 64
canonical_json = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode


def entry_digest(
    prev_hash: str, seq: int, at: float, actor: str, action: str, subject: str, detail: str
) -> str:
    body = canonical_json(
        {"seq": seq, "at": at, "actor": actor, "action": action, "subject": subject, "detail": detail}
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()
