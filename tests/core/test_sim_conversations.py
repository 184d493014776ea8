"""The simulated floor's signals of risk (console.service.sim.conversations): regular customers, angry
threads, public posts moved to DMs or the phone, public requests for account details, and outcome
flags that mostly match the replies, in believable proportions; the floor itself stays seeded."""

from __future__ import annotations

import pytest

from console.domain.risk import continuity, sentiment
from console.live.risk import RiskBook
from console.service.sim.clock import start_for_seed
from console.service.sim.simulator import Simulator


@pytest.fixture(scope="module")
def sim() -> Simulator:
    start = start_for_seed(3)
    s = Simulator(seed=3, open_enquiries=1500, start=start)
    with s.store.lock:
        s.run_until(start + 4 * 3600)
    return s


def share(n: int, total: int) -> float:
    return n / max(1, total)


def test_the_same_seed_gives_the_same_floor_and_conversations():
    start = start_for_seed(5)
    a, b = (Simulator(seed=5, open_enquiries=300, start=start) for _ in range(2))
    for s in (a, b):
        with s.store.lock:
            s.run_until(start + 3600)
    ea, eb = a.store.enquiries, b.store.enquiries
    assert list(ea) == list(eb)
    some = list(ea)[:50]
    assert [a.messages(ea[i]) for i in some] == [b.messages(eb[i]) for i in some]


def test_repeat_contacts_vulnerable_customers_and_anger_in_believable_shares(sim):
    es = list(sim.store.enquiries.values())
    book = RiskBook.build([(e.customer_handle, e.created_at) for e in es])
    assert 0.03 < share(sum(book.earlier_contacts(e) > 0 for e in es), len(es)) < 0.15
    assert 0.01 < share(sum("vulnerable" in e.flags for e in es), len(es)) < 0.08
    angry = sum(sentiment.score(e.text) <= sentiment.ANGRY for e in es)
    assert 0.02 < share(angry, len(es)) < 0.25


def test_conversations_move_channel_and_stay_one_enquiry(sim):
    es = list(sim.store.enquiries.values())[:1500]
    moved = phone = flagged = 0
    for e in es:
        msgs = sim.messages(e)
        assert all(m.enquiry_id == e.id and m.channel and m.visibility for m in msgs)
        steps = continuity.history(e, msgs)
        moved += continuity.moved(steps)
        phone += any(s.channel == "phone" for s in steps)
        flagged += bool(continuity.public_detail_requests(e, msgs))
    assert 0.08 < share(moved, len(es)) < 0.4
    assert 0.005 < share(phone, len(es)) < 0.1
    assert 0.002 < share(flagged, len(es)) < 0.06


def test_outcome_flags_mostly_agree_with_the_replies(sim):
    agree = total = 0
    for e in sim.store.enquiries.values():
        if not e.outcome:
            continue
        checks = continuity.check_replies(e, sim.messages(e))
        found = any(c.behaviours.thanked for c in checks)
        agree += found == e.outcome["thanked"]
        total += 1
    assert total > 50
    assert 0.8 < share(agree, total) < 1.0  # mostly, not always: agents mis-tick now and then
