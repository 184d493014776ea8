"""Factories for the store: enquiries, change-feed entries, cache keys and cache files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from console.domain import wire
from console.domain.model import Enquiry
from console.store.cache import Store, StoreReader

T0 = 1_790_000_000.0


def new_key() -> str:
    return os.urandom(32).hex()


def make_enquiry(i: int, *, version: int = 1, team: str | None = "social", **kw: Any) -> Enquiry:
    fields: dict[str, Any] = dict(
        id=f"E{i:06d}",
        channel=("x", "facebook", "whatsapp")[i % 3],
        visibility=("public", "private")[i % 2],
        customer_handle=f"@cust{i % 500}",
        customer_name=f"Customer {i}",
        text=f"help with my card {i}",
        topic="cards",
        complexity=2,
        flags=frozenset({"vulnerable"}) if i % 7 == 0 else frozenset(),
        priority="normal",
        status="open",
        team_id=team,
        agent_id=None,
        created_at=T0 + i,
        version=version,
        updated_at=T0 + i + version,
        pauses=((T0 + 5, T0 + 9), (T0 + 20, None)) if i % 5 == 0 else (),
        outcome={"thanked": True} if i % 4 == 0 else {},
    )
    fields.update(kw)
    return Enquiry(**fields)


def upsert(e: Enquiry, seq: int = 0) -> dict[str, Any]:
    return {"seq": seq, "op": "upsert", "enquiry": wire.enquiry_to_wire(e)}


def delete(ident: str, seq: int) -> dict[str, Any]:
    return {"seq": seq, "op": "delete", "id": ident, "reason": "deleted", "merged_into": None}


def new_store(tmp_path: Path, name: str = "cache.db", key: bytes | None = None) -> Store:
    return Store(tmp_path / name, key or os.urandom(32))


def log_of(path: Path) -> Path:
    return Path(str(path) + "-wal")


def cache_with_a_log_left(path: Path, key: str, n: int = 40) -> None:
    """What an offline console leaves: its short-lived writer closed while a reader was open, then the
    reader closed last (it cannot fold the log)."""
    reader = None
    with Store(path, bytes.fromhex(key)) as store:
        store.apply_enquiries([make_enquiry(i) for i in range(n)])
        reader = StoreReader(path, key)
        assert reader.enquiry_count() == n
    reader.close()
    assert log_of(path).exists() and log_of(path).stat().st_size > 0
