"""Issue 12, "Clocks": the next-response clock runs from the OLDEST unanswered customer message, through
the whole contract (wire, cache, reference service), so a follow-up "hello??" never moves the deadline."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from console.domain import wire
from console.domain.model import Calendar, Enquiry, SLAPolicy
from console.live.metrics import waiting_since
from console.service.sim.simulator import Simulator
from console.sla.engine import SlaEngine
from console.store.cache import Store
from console.store.schema import connect, migrate
from tests.helpers.store import make_enquiry, new_key

LONDON = ZoneInfo("Europe/London")
MIN = 60.0
THIRTY = SLAPolicy("p30", "30 minutes", 1, 30 * MIN, 30 * MIN, 8 * 3600.0, calendar_id="24x7")
CALENDARS = {"24x7": Calendar("24x7", "24/7", "UTC", always_open=True)}


def at(h: int, m: int) -> float:
    return datetime(2026, 11, 26, h, m, tzinfo=LONDON).timestamp()


def chased() -> Enquiry:
    """Answered at 09:50; the customer wrote at 10:00 and again at 10:25 ("hello??"), no reply between."""
    return make_enquiry(
        1,
        created_at=at(9, 40),
        first_customer_message_at=at(9, 40),
        first_response_at=at(9, 50),
        last_agent_message_at=at(9, 50),
        last_customer_message_at=at(10, 25),
        oldest_unanswered_message_at=at(10, 0),
        pauses=(),
    )


def test_worked_example_10_00_and_10_25_on_a_30_minute_target_is_due_10_30() -> None:
    # Computed by hand: the reply is owed since 10:00; 10:00 + 30 min = 10:30 (not 10:25 + 30 = 10:55).
    clock = SlaEngine([THIRTY], CALENDARS, {}).current(chased())
    assert clock is not None and clock.kind == "next_response"
    assert clock.started_at == at(10, 0) and clock.due_at == at(10, 30)


def test_a_reply_answers_every_message_and_the_next_one_starts_a_new_wait() -> None:
    eng = SlaEngine([THIRTY], CALENDARS, {})
    replied = dataclasses.replace(
        chased(), version=2, last_agent_message_at=at(10, 28), oldest_unanswered_message_at=None
    )
    clocks = {c.kind: c for c in eng.clocks(replied)}
    assert clocks["next_response"].stopped_at == at(10, 28)
    assert eng.current(replied) is not None and eng.current(replied).kind == "resolution"  # type: ignore[union-attr]
    again = dataclasses.replace(
        replied, version=3, last_customer_message_at=at(11, 0), oldest_unanswered_message_at=at(11, 0)
    )
    clock = eng.current(again)
    assert clock is not None and clock.kind == "next_response" and clock.due_at == at(11, 30)


def test_a_service_that_does_not_say_falls_back_to_the_latest_message() -> None:
    eng = SlaEngine([THIRTY], CALENDARS, {})
    unknown = dataclasses.replace(chased(), oldest_unanswered_message_at=None)
    assert eng.current(unknown).due_at == at(10, 55)  # type: ignore[union-attr]
    # A stale value from before the last reply is not believed either.
    stale = dataclasses.replace(chased(), version=2, oldest_unanswered_message_at=at(9, 45))
    assert eng.current(stale).due_at == at(10, 55)  # type: ignore[union-attr]


def test_the_field_travels_through_the_wire_and_the_cache(tmp_path: Path) -> None:
    e = chased()
    raw = wire.enquiry_to_wire(e)
    assert raw["oldest_unanswered_message_at"] == "2026-11-26T10:00:00.000Z"
    assert wire.enquiry_from_wire(raw) == e
    assert (
        wire.enquiry_from_wire({**raw, "oldest_unanswered_message_at": None}).oldest_unanswered_message_at
        is None
    )
    with Store(tmp_path / "c.db", new_key()) as store:
        store.apply_enquiries([e])
        cached = store.get(e.id)
    assert cached == e
    assert SlaEngine([THIRTY], CALENDARS, {}).current(cached).due_at == at(10, 30)  # type: ignore[union-attr]


def test_migration_5_adds_the_column_and_normalises_codes_cached_before(tmp_path: Path) -> None:
    path, key = tmp_path / "c.db", new_key()
    conn = connect(path, key)
    assert migrate(conn, path, target=4) == 4
    conn.execute(
        "INSERT INTO enquiries (id, channel, visibility, customer_handle, customer_name, text, topic,"
        " complexity, flags, priority, status, team_id, agent_id, created_at, version, updated_at, bounces,"
        " pauses, outcome, is_open) VALUES ('E1', ' WhatsApp', 'private', '@a', 'A', 'hi', 'Cards ', 2,"
        " ',Fraud_Risk, VULNERABLE,', 'High', 'open', 'cards', NULL, 1.0, 3, 2.0, 0, '[]', '{}', 1)"
    )
    conn.close()
    with Store(path, key) as s:
        e = s.get("E1")
    assert e is not None and e.oldest_unanswered_message_at is None
    assert (e.channel, e.topic, e.priority) == ("whatsapp", "cards", "high")
    assert e.flags == frozenset({"fraud_risk", "vulnerable"})


def test_the_reference_service_keeps_the_oldest_unanswered_message() -> None:
    """Run the simulated floor and check every enquiry's field against its own conversation."""
    start = datetime(2026, 11, 26, 9, tzinfo=LONDON).timestamp()
    sim = Simulator(seed=7, open_enquiries=300, start=start)
    checked = chases = 0
    with sim.store.lock:
        sim.run_until(start + 6 * 3600)
        for e in list(sim.store.enquiries.values()):
            msgs = sim.messages(e)
            owed = None
            for m in msgs:
                if m.direction == "out":
                    owed = None
                elif owed is None:
                    owed = m.sent_at
            if msgs:
                assert e.oldest_unanswered_message_at == owed, (e.id, msgs)
                checked += 1
            ins = [m for m in msgs if m.direction == "in" and m.sent_at > (e.last_agent_message_at or 0)]
            chases += len(ins) > 1
    assert checked > 300 and chases > 0  # some customers wrote twice before a reply


def test_the_longest_wait_counts_from_the_oldest_unanswered_message() -> None:
    assert waiting_since(chased()) == at(10, 0)
