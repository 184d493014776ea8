"""A change-feed page from outside, checked record by record before it reaches the cache: every record
that breaks the contract (console.domain.wire, console.domain.limits) becomes a quarantine entry with
its reason, and the rest of the page goes on. Pure: safe on any thread."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from console.domain import wire
from console.domain.batches import gc_paused
from console.domain.limits import MAX_INT, ident_problem
from console.domain.model import Enquiry
from console.store.rows import enquiry_row

log = logging.getLogger("concierge.store")

RAW_LIMIT = 4000  # characters of a quarantined record kept for a person to inspect


def record_id(raw: Any) -> str:
    """The id a bad record claims (when it is a usable one: it is re-fetched by it), or a digest of it."""
    if isinstance(raw, dict):
        for candidate in (
            raw.get("id"),
            (raw.get("enquiry") or {}).get("id") if isinstance(raw.get("enquiry"), dict) else None,
        ):
            if isinstance(candidate, str) and ident_problem(candidate) is None:
                return candidate
    return "sha256:" + hashlib.sha256(dump(raw).encode()).hexdigest()[:32]


def dump(raw: Any) -> str:
    """JSON text of anything decoded from outside, ASCII only (lone surrogates escaped); never raises."""
    try:
        return json.dumps(raw, sort_keys=True, default=str)
    except (RecursionError, ValueError, TypeError) as e:
        return f"<not shown: {type(e).__name__}>"


def raw_text(raw: Any) -> str:
    return dump(raw)[:RAW_LIMIT]


def safe_text(text: str) -> str:
    """A string SQLite can store: lone surrogates become visible escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _feed_seq(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INT else None


@dataclass(slots=True)
class ParsedPage:
    """A feed page checked and converted, ready for one transaction."""

    upserts: dict[str, tuple[Enquiry, int | None]] = field(default_factory=dict)  # newest copy per id
    deletes: dict[str, int] = field(default_factory=dict)  # id -> tombstone seq
    bad: list[tuple[str, str, Any]] = field(default_factory=list)  # (record id, reason, raw)
    rows: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # the cache rows, built off the writer


def parse_feed_page(items: Sequence[Any]) -> ParsedPage:
    """Pure: safe on any thread, so the next page parses while SQLite writes this one."""
    page = ParsedPage()
    upserts, deletes, bad = page.upserts, page.deletes, page.bad
    with gc_paused():
        for item in items:
            if not isinstance(item, dict):
                bad.append((record_id(item), "change: expected an object", item))
                continue
            seq = _feed_seq(item.get("seq"))
            op = item.get("op")
            if op == "upsert":
                try:
                    e = wire.enquiry_from_wire(item.get("enquiry"))
                except wire.BadRecord as err:
                    bad.append((record_id(item), str(err), item))
                    continue
                except Exception as err:  # a bug of ours must not stop the page: quarantined and logged
                    log.exception("could not map a feed record")
                    bad.append((record_id(item), f"unreadable ({type(err).__name__})", item))
                    continue
                known = upserts.get(e.id)
                if known is None or e.version > known[0].version:
                    upserts[e.id] = (e, seq)
            elif op == "delete" and isinstance(item.get("id"), str) and ident_problem(item["id"]) is None:
                deletes[item["id"]] = max(deletes.get(item["id"], -1), seq if seq is not None else 0)
            else:
                bad.append((record_id(item), f"change: unknown op {dump(op)[:20]} or unusable id", item))
        page.rows = {ident: enquiry_row(e) for ident, (e, _) in upserts.items()}
    return page


def ids_of(items: Sequence[Any]) -> set[str]:
    """The enquiry ids a feed page names (upserts and deletes), for a full re-read's record of them."""
    ids: set[str] = set()
    for item in items:
        if isinstance(item, dict):
            enquiry = item.get("enquiry")
            ident = enquiry.get("id") if isinstance(enquiry, dict) else item.get("id")
            if isinstance(ident, str):
                ids.add(ident)
    return ids
