"""Shared builders for the store tests (imported by the test_store_* modules)."""

from __future__ import annotations

import os
from typing import Any

from console.domain import wire
from console.domain.model import Enquiry

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
