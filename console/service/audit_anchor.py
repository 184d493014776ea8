"""The bank's copy of each console's audit trail: POST /v1/audit/{chain}/entries, GET /v1/audit/{chain}/head.

A chain is one cache's hash-chained trail (console.store.audit), named by a random id the cache keeps.
The service accepts only entries that continue what it holds: consecutive seqs, each prev_hash the hash
before it, each hash recomputed here. An entry it already holds must be sent unchanged: a different one
means the console's history was rewritten, answered with 409 and the bank's head. So a trail cut short,
a head rewritten or a history recomputed in the cache no longer matches the bank's copy.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from console.contract.http import HttpError, Request, Response, json_body, ok, problem
from console.domain.audit_chain import GENESIS, entry_digest

CHAIN = re.compile(r"[0-9a-f]{32}")
MAX_BATCH = 1000
_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    at: float
    actor: str
    action: str
    subject: str
    detail: str  # canonical JSON, exactly as hashed
    prev_hash: str
    hash: str


class AuditAnchors:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chains: dict[str, list[Entry]] = {}
        self._owners: dict[str, str] = {}  # chain -> the user who started it

    def head(self, chain: str) -> Response:
        _check_chain(chain)
        with self._lock:
            entries = self._chains.get(chain, [])
            last = entries[-1] if entries else None
        return ok({"chain": chain, "seq": last.seq if last else 0, "hash": last.hash if last else GENESIS})

    def append(self, req: Request, chain: str, user: str) -> Response:
        _check_chain(chain)
        raw = json_body(req).get("entries")
        if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_BATCH:
            raise HttpError(422, f"'entries' must be a list of 1 to {MAX_BATCH} audit entries.")
        batch = [_entry(item, i) for i, item in enumerate(raw)]
        with self._lock:
            owner = self._owners.setdefault(chain, user)
            if owner != user:
                raise HttpError(403, "This audit chain belongs to another user.")
            held = self._chains.setdefault(chain, [])
            for e in batch:
                if e.seq <= len(held):
                    if held[e.seq - 1] != e:
                        head = held[-1]
                        return problem(
                            409,
                            f"Audit entry {e.seq} differs from the bank's copy: the history was rewritten.",
                            current={"seq": head.seq, "hash": head.hash},
                        )
                    continue
                prev = held[-1].hash if held else GENESIS
                if e.seq != len(held) + 1 or e.prev_hash != prev:
                    raise HttpError(
                        422, f"Audit entry {e.seq} does not continue the chain (the bank holds {len(held)})."
                    )
                held.append(e)
            last = held[-1]
        return ok({"chain": chain, "seq": last.seq, "hash": last.hash})


def _check_chain(chain: str) -> None:
    if not CHAIN.fullmatch(chain):
        raise HttpError(422, "The chain id must be 32 lowercase hexadecimal digits.")


def _entry(item: Any, i: int) -> Entry:
    if not isinstance(item, dict):
        raise HttpError(422, f"entries[{i}] must be an object.")
    try:
        e = Entry(
            seq=_int(item["seq"]),
            at=_num(item["at"]),
            actor=_text(item["actor"]),
            action=_text(item["action"]),
            subject=_text(item["subject"]),
            detail=_text(item["detail"]),
            prev_hash=_text(item["prev_hash"]),
            hash=_text(item["hash"]),
        )
    except (KeyError, TypeError, ValueError):
        raise HttpError(422, f"entries[{i}] is not an audit entry (seq, at, actor, action, ...).") from None
    if not (_HASH.fullmatch(e.prev_hash) and _HASH.fullmatch(e.hash)) or e.seq < 1:
        raise HttpError(422, f"entries[{i}]: seq must be 1 or more and hashes 64 hex digits.")
    expected = entry_digest(e.prev_hash, e.seq, e.at, e.actor, e.action, e.subject, e.detail)
    if expected != e.hash:
        raise HttpError(422, f"entries[{i}]: the hash does not match the entry (seq {e.seq}).")
    return e


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**53:
        raise ValueError
    return value


def _num(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ValueError
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 20_000:
        raise ValueError
    return value
