"""Issue 14: arbitrary JSON values in every field of the wire mapping, through the real feed parser into a
real encrypted cache. Whatever comes in, a record is either stored and reads back, or becomes exactly one
quarantine entry with a reason: never an exception, never a half-written page."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.api.payload import loads
from console.domain import wire
from console.service.server import DemoService
from console.store.cache import Store

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([2**63, -(2**63) - 1, 2**53, 2**64])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec=None), max_size=30)  # lone surrogates and NUL included
    | st.sampled_from(["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+01:00", "2026-01-01T00:00:00", ""])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=12,
)
DEEP: dict[str, object] = {"deep": "x"}
for _ in range(40):
    DEEP = {"deep": DEEP}


@pytest.fixture(scope="module")
def samples() -> dict[str, Any]:
    with DemoService(seed=5, open_enquiries=3, speed=0) as svc:
        enquiry = next(iter(svc.snapshot().values()))
    return {"enquiry": enquiry}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with Store(tmp_path_factory.mktemp("fuzz") / "c.db", os.urandom(32)) as s:
        yield s


def _paths(record: dict[str, Any]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for key, value in record.items():
        out.append((key,))
        if isinstance(value, dict):
            out.extend((key, sub) for sub in value)
    return [*out, ("new_field",)]


@pytest.mark.expected_log(r"^quarantined ", logger="concierge.store")
@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_value_in_any_enquiry_field_is_stored_or_quarantined(
    data: st.DataObject, samples: dict[str, Any], store: Store
) -> None:
    record = json.loads(json.dumps(samples["enquiry"]))
    path = data.draw(st.sampled_from(_paths(record)), label="field")
    value = data.draw(JSON | st.just(DEEP), label="value")
    target = record
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    # The record goes on the wire and back through the client's decoder, as a feed page would.
    try:
        body = json.dumps({"items": [{"seq": 1, "op": "upsert", "enquiry": record}]}).encode()
    except ValueError:
        return  # not encodable as JSON at all (no server can send it)
    page = loads(body)
    cs = store.apply_feed_page(page["items"], "c1", now=1.0)
    # Exactly one outcome: stored (and readable, and writable again), or one quarantine entry.
    assert (len(cs.added) == 1) != (cs.quarantined == 1), (cs, path)
    if cs.quarantined:
        held = store.quarantine("feed")
        assert len(held) == 1 and held[0]["reason"] and store.enquiry_count() == 0
    else:
        stored = store.get(next(iter(cs.added)))
        assert stored is not None
        wire.enquiry_from_wire(wire.enquiry_to_wire(stored))  # what was kept is within the contract
    with store._conn:  # start each example from an empty cache
        store._conn.execute("DELETE FROM enquiries")
        store._conn.execute("DELETE FROM quarantine")


REFERENCE = {
    "teams": {"id": "t1", "name": "Cards", "kind": "specialist", "topics": ["cards"], "calendar_id": "c1"},
    "agents": {"id": "a1", "name": "Ann", "team_id": "t1", "status": "available", "capacity": 3, "load": 1,
               "status_since": "2026-01-01T00:00:00Z"},
    "channels": {"id": "x", "name": "X", "public": True, "private": True},
    "sla-policies": {"id": "p1", "name": "P", "rank": 1, "first_response_s": 60, "next_response_s": 60,
                     "resolution_s": 600, "match": {"channel": "x"}, "calendar_id": None},
    "calendars": {"id": "c1", "name": "C", "timezone": "UTC", "always_open": False,
                  "hours": {"0": [["09:00", "17:00"]]}, "holidays": ["2026-12-25"]},
    "shifts": {"id": "s1", "name": "S", "site": "L", "start": "2026-01-01T08:00:00Z",
               "end": "2026-01-01T16:00:00Z", "team_ids": ["t1"]},
}  # fmt: skip


@pytest.mark.expected_log(r"^quarantined ", logger="concierge.store")
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_value_in_any_reference_field_is_kept_or_quarantined(data: st.DataObject, store: Store) -> None:
    kind = data.draw(st.sampled_from(sorted(REFERENCE)), label="kind")
    record = json.loads(json.dumps(REFERENCE[kind]))
    path = data.draw(st.sampled_from(_paths(record)), label="field")
    target = record
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = data.draw(JSON | st.just(DEEP), label="value")
    try:
        items = loads(json.dumps([record]).encode())
    except ValueError:
        return
    store.replace_reference(kind, items, now=1.0)  # never raises for a bad record
    held = store.quarantine(f"reference:{kind}")
    assert len(held) <= 1 and all(row["reason"] for row in held)
    with store._conn:
        store._conn.execute("DELETE FROM quarantine")


@pytest.mark.expected_log(r"^quarantined ", logger="concierge.store")
def test_a_message_with_hostile_values_is_quarantined(store: Store) -> None:
    bad = {"id": "m\x00", "enquiry_id": "e1", "direction": "in", "author": "a", "text": "t", "sent_at": "x"}
    assert store.replace_messages("e1", [bad, {"id": "m2"}], now=1.0) == 0
    assert len(store.quarantine("messages")) == 2
