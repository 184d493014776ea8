"""The message feed (GET /v1/messages) end to end: the reference service serves every conversation once,
in order, and the sync engine follows it into the cache, so every console holds every conversation."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from console.api.client import ApiClient, ApiSettings
from console.api.errors import NotFound
from console.domain.model import ChangeSet
from console.service.server import DemoService
from console.store.cache import Store
from console.store.messages import MESSAGE_CURSOR
from console.sync import engine, message_feed
from console.sync.engine import Syncer
from console.sync.state import SyncStatus
from tests.helpers.hostile_proxy import hostile
from tests.helpers.service import PASSWORD, USER, assert_messages_converged, new_client
from tests.helpers.store import new_store

Make = Callable[..., DemoService]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with new_store(tmp_path) as s:
        yield s


def read_feed(
    svc: DemoService, headers: dict[str, str], limit: int, cursor: str = ""
) -> tuple[list[Any], str]:
    items: list[Any] = []
    while True:
        query: dict[str, str | int] = {"cursor": cursor, "limit": limit}
        r = requests.get(f"{svc.url}/v1/messages", params=query, headers=headers, timeout=10)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return items, cursor


def conversations(svc: DemoService, headers: dict[str, str]) -> dict[str, list[Any]]:
    """Every held enquiry's conversation as GET /v1/enquiries/{id}/messages serves it."""
    out = {}
    for ident in svc.snapshot():
        r = requests.get(f"{svc.url}/v1/enquiries/{ident}/messages", headers=headers, timeout=10)
        out[ident] = r.json()["items"]
    return out


def by_enquiry(items: list[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for m in items:
        out.setdefault(m["enquiry_id"], []).append(m)
    return out


def test_the_feed_serves_every_message_once_in_order_and_leaves_out_deleted_enquiries(
    fresh_service: Make, bearer: Callable[..., dict[str, str]]
) -> None:
    svc = fresh_service(open_enquiries=120)
    h = bearer(svc)
    svc.advance(3600)  # live traffic after the backlog: new enquiries, replies, follow-ups
    gone = next(iter(svc.snapshot()))
    svc.delete_enquiry(gone)
    items, cursor = read_feed(svc, h, limit=7)  # pages that end inside a conversation
    ids = [m["id"] for m in items]
    assert len(ids) == len(set(ids))
    assert gone not in {m["enquiry_id"] for m in items}
    # Record by record, the same conversations as the per-enquiry reads, each in its own order.
    assert by_enquiry(items) == {i: c for i, c in conversations(svc, h).items() if c}
    # Nothing new: an empty page at the same place; new traffic: only what is new.
    again, same = read_feed(svc, h, limit=50, cursor=cursor)
    assert again == [] and same == cursor
    svc.advance(1800)
    fresh, _ = read_feed(svc, h, limit=50, cursor=cursor)
    assert fresh and not {m["id"] for m in fresh} & set(ids)
    assert by_enquiry(items + fresh) == {i: c for i, c in conversations(svc, h).items() if c}


def test_a_cursor_from_another_service_is_gone_and_limits_are_checked(
    fresh_service: Make, bearer: Callable[..., dict[str, str]]
) -> None:
    svc = fresh_service(open_enquiries=10)
    h = bearer(svc)
    url = f"{svc.url}/v1/messages"
    assert requests.get(url, params={"cursor": "elsewhere.m3.0"}, headers=h, timeout=10).status_code == 410
    assert requests.get(url, params={"limit": "0"}, headers=h, timeout=10).status_code == 422
    assert requests.get(url, timeout=10).status_code == 401


def test_sync_holds_every_conversation_and_reads_only_what_is_new(fresh_service: Make, store: Store) -> None:
    svc = fresh_service(open_enquiries=150)
    api = new_client(svc)
    seen: list[ChangeSet] = []
    syncer = Syncer(api, store, on_changes=seen.append, page_limit=40)
    counts = syncer.run_once()
    held = {i: [m.id for m in store.messages(i)] for i in svc.snapshot()}
    assert counts.messages == sum(map(len, held.values())) > 150
    assert all(held.values())  # every enquiry's conversation, opened or not
    assert set().union(*(c.messages for c in seen)) == set(held)
    svc.advance(1800)
    seen.clear()
    before = store.get_meta(MESSAGE_CURSOR)
    counts = syncer.run_once()
    grown = set().union(*(c.messages for c in seen))
    assert grown and counts.messages < 150 and store.get_meta(MESSAGE_CURSOR) != before
    for ident in grown:
        served = [m["id"] for m in api.messages(ident)]
        assert [m.id for m in store.messages(ident)] == served
    api.close()


@pytest.mark.expected_log(r"forgot our feed cursor for messages", logger="concierge.sync")
def test_a_forgotten_message_cursor_reads_the_feed_again_and_keeps_one_copy(
    fresh_service: Make, store: Store
) -> None:
    svc = fresh_service(open_enquiries=60)
    api = new_client(svc)
    syncer = Syncer(api, store, page_limit=500)
    first = syncer.run_once().messages
    store.set_meta(MESSAGE_CURSOR, "another-instance.m5.0")
    assert syncer.run_once().messages == first  # read again from the start
    ids = [m.id for i in svc.snapshot() for m in store.messages(i)]
    assert len(ids) == len(set(ids)) == first  # one copy of each
    api.close()


def test_a_service_without_the_feed_still_syncs_and_is_asked_again_later(
    fresh_service: Make, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    svc = fresh_service(open_enquiries=30)
    with hostile(svc.url) as proxy:
        proxy.not_found.add("/v1/messages")
        client = ApiClient(ApiSettings(proxy.url, backoff_s=0.01))
        client.login(USER, PASSWORD)
        with pytest.raises(NotFound):
            client.message_feed("")
        syncer = Syncer(client, store)
        with caplog.at_level(logging.INFO, logger="concierge.sync"):
            counts = syncer.run_once()
        assert counts.added == len(svc.snapshot()) and counts.messages == 0
        assert store.get_meta(MESSAGE_CURSOR) is None
        assert any("no message feed" in r.getMessage() for r in caplog.records)
        proxy.not_found.clear()  # the service gained it: the next reference refresh finds it
        counts = syncer.run_once()
        assert counts.messages > 30 and store.get_meta(MESSAGE_CURSOR)
        client.close()


@pytest.mark.expected_log(r"^quarantined ", logger="concierge.store")
def test_a_message_damaged_in_transit_is_quarantined_then_healed_from_its_conversation(
    fresh_service: Make, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    svc = fresh_service(open_enquiries=80)
    api = new_client(svc)
    svc.faults.set("invalid=1.0")  # one item of every page spoiled in transit (its source stays good)
    with caplog.at_level(logging.WARNING, logger="concierge.store"):
        Syncer(api, store, page_limit=100).run_once()
    assert any("quarantined messages record" in r.getMessage() for r in caplog.records)
    svc.faults.clear()
    assert store.quarantine("messages") == []  # each read whole again at once, and healed
    assert_messages_converged(svc, store)
    api.close()


@pytest.mark.expected_log(r"^quarantined ", logger="concierge.store")
def test_what_a_page_could_not_heal_is_healed_by_the_next_heal_pass(
    fresh_service: Make, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(message_feed, "HEAL_PER_PAGE", 0)  # as when a page held more than it heals
    svc = fresh_service(open_enquiries=80)
    api = new_client(svc)
    syncer = Syncer(api, store, page_limit=100)
    svc.faults.set("invalid=1.0")
    syncer.run_once()
    svc.faults.clear()
    left = len(store.quarantine("messages"))
    assert left > 0
    assert syncer.heal() >= left and store.quarantine("messages") == []
    assert_messages_converged(svc, store)
    api.close()


@pytest.mark.parametrize("live_turn_s", [0.0, 600.0], ids=["one page a turn", "turns that never run out"])
def test_live_the_message_feed_takes_turns_with_the_change_feed(
    fresh_service: Make, store: Store, monkeypatch: pytest.MonkeyPatch, live_turn_s: float
) -> None:
    """A first sync's conversations (100k enquiries: 350k messages) must not hold up a new enquiry: a turn
    of the message feed ends when its time is up, or as soon as the change feed's long-poll answers."""
    monkeypatch.setattr(engine, "MESSAGE_TURN_S", 0.0)  # the first pass: one page
    svc = fresh_service(open_enquiries=200)
    svc.faults.set("slow=1.0:0.05")  # every answer 50 ms late: 35 pages of messages take seconds
    api = new_client(svc)
    live, arrived = threading.Event(), threading.Event()

    def on_changes(cs: ChangeSet) -> None:
        if added and added[0] in cs.added:
            behind_then.append(syncer.messages.behind)
            arrived.set()

    states: list[SyncStatus] = []  # reported on the sync thread
    caught_up = threading.Event()

    def on_state(s: SyncStatus) -> None:
        states.append(s)
        if s.state == "live":
            live.set()
            if not s.backlog:
                caught_up.set()

    added: list[str] = []
    behind_then: list[bool] = []
    syncer = Syncer(
        api, store, on_changes=on_changes, page_limit=20,
        on_state=on_state,
    )  # fmt: skip
    stop = threading.Event()
    worker = threading.Thread(target=syncer.run_forever, args=(stop,))
    worker.start()
    try:
        assert live.wait(30)
        assert syncer.messages.behind  # live, with conversations still to read
        assert states[-1].backlog  # and it says so: what is read from the words waits for the end
        monkeypatch.setattr(engine, "MESSAGE_TURN_S", live_turn_s)
        reader = store.reader()  # the test's own connection: the store belongs to the sync thread
        cursors = {reader.get_meta(MESSAGE_CURSOR)}
        for _ in range(1000):  # a few pages on: a turn of live_turn_s is under way
            if len(cursors) >= 4:
                break
            stop.wait(0.01)
            cursors.add(reader.get_meta(MESSAGE_CURSOR))
        added.append(svc.add_enquiry(text="my card is stuck in the machine")["id"])
        assert arrived.wait(10)
        assert behind_then == [True]  # it came in between two pages of the message feed
        svc.faults.clear()
        for _ in range(600):
            if not syncer.messages.behind and reader.messages(added[0]):
                break
            stop.wait(0.05)
        assert_messages_converged(svc, reader)
        assert caught_up.wait(10)  # said as the turn that read the end of the backlog ends
        assert states[0].backlog  # from the start
        reader.close()
    finally:
        stop.set()
        worker.join(15)
    api.close()
