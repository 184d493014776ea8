"""Two gateway processes on one database behind a round-robin balancer; a console syncing through it;
kill -9 one gateway in the middle of the first sync while the platform keeps changing records: the
console carries on through the other, and ends with exactly the database's records (record by record).
A move whose answer was lost in the kill (it reached the dead gateway and committed there) is sent again
with the same Idempotency-Key by the console's outbox, and is applied once."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
import requests

from console.api.client import ApiClient, ApiSettings
from console.domain.model import ChangeSet
from console.gateway.db.ledger import PgLedger
from console.gateway.db.store import Database
from console.store.cache import Store, StoreReader
from console.sync.engine import Syncer
from tests.helpers.balancer import Balancer
from tests.helpers.gateway import assert_cache_matches, gateway_records, seed, spawn_gateway, users, world
from tests.helpers.service import PASSWORD, USER
from tests.helpers.store import new_store

PAGE = 50


def _send_and_lose_the_answer(url: str, store: Store, target: str) -> int:
    """The console's move of target: queued and marked sent in its cache, as before any send, and sent to
    one gateway, which commits it; the console never hears the answer. Returns the outbox id."""
    oid = store.queue_assignment(target, "cards", None, "card dispute", "alice", now=time.time())
    item = store.mark_sent(oid)
    token = requests.post(
        f"{url}/v1/auth/token", json={"username": USER, "password": PASSWORD}, timeout=10
    ).json()["access_token"]
    p = item.payload
    resp = requests.post(
        f"{url}/v1/enquiries/{target}/assignment",
        json={"team_id": p["team_id"], "agent_id": p["agent_id"], "reason": p["reason"], "actor": p["actor"]},
        headers={
            "Authorization": f"Bearer {token}",
            "If-Match": f'"{p["version"]}"',
            "Idempotency-Key": item.idempotency_key,
        },
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    return oid


# A request in flight to the killed gateway fails and is retried: through the balancer, on the other.
@pytest.mark.expected_log(r"^retrying in ", logger="concierge.api")
def test_kill_9_one_of_two_gateways_mid_sync(pg_dsn: str, tmp_path: Path) -> None:
    db = Database(pg_dsn, max_size=4)
    ledger = PgLedger(db)
    users(pg_dsn)
    seed(ledger, world(1500))
    records = gateway_records(pg_dsn)
    with psycopg.connect(pg_dsn) as conn:  # a move candidate among the first pages of the feed
        early = [r[0] for r in conn.execute("SELECT enquiry_id FROM feed ORDER BY seq LIMIT %s", (2 * PAGE,))]
    target = next(
        i
        for i in early
        if records[i]["topic"] == "cards" and records[i]["team_id"] == "social" and not records[i]["flags"]
    )
    (first, url1), (second, url2) = (spawn_gateway(pg_dsn, tmp_path / f"gw{n}.log") for n in (1, 2))
    balancer = Balancer([url1, url2])
    balancer.start()
    key = os.urandom(32)
    store = new_store(tmp_path, key=key)
    api = ApiClient(ApiSettings(balancer.url, backoff_s=0.05, max_retries=8))
    api.login(USER, PASSWORD)
    live = threading.Event()
    pages: list[int] = []
    moved: list[int] = []

    def on_changes(cs: ChangeSet) -> None:  # on the sync thread, the cache's one writer
        pages.append(len(cs.changed))
        if len(pages) == 3 and not moved:  # mid-load: the move is lost with the first gateway
            moved.append(_send_and_lose_the_answer(url1, store, target))
            first.send_signal(signal.SIGKILL)
            first.wait(10)

    syncer = Syncer(
        api,
        store,
        on_changes=on_changes,
        on_state=lambda s: live.set() if s.state == "live" else None,
        page_limit=PAGE,
        long_poll_s=2,
    )
    stop = threading.Event()
    edits: list[str] = []

    def platform() -> None:  # the platform keeps changing records all along
        ids = sorted(i for i in records if i != target)
        for n in range(300):
            if stop.is_set():
                return
            rec = ledger.enquiry(ids[(n * 7) % len(ids)])
            if rec is not None and ledger.upsert_enquiry({**rec, "text": f"edit {n}"}):
                edits.append(rec["id"])
            stop.wait(0.01)

    writer = threading.Thread(target=platform)
    worker = threading.Thread(target=syncer.run_forever, args=(stop,))
    reader = StoreReader(store.path, key)
    try:
        writer.start()
        worker.start()
        assert live.wait(90), "the console did not finish its sync on the surviving gateway"
        writer.join(60)
        assert first.poll() is not None and moved
        _until(lambda: _converged(pg_dsn, reader), "the cache never matched the database")
        _until(
            lambda: getattr(reader.outbox_item(moved[0]), "state", "") == "done", "the move never confirmed"
        )
    finally:
        stop.set()
        worker.join(20)
        writer.join(10)
        reader.close()
        balancer.stop()
        _end(first, second)
        db.close()
    assert not worker.is_alive()
    assert len(edits) == 300 and balancer.served.get(1, 0) > 0
    assert_cache_matches(pg_dsn, store)
    with psycopg.connect(pg_dsn) as conn:
        accepted = conn.execute(
            "SELECT count(*) FROM assignments WHERE enquiry_id = %s AND doc->>'result' = 'accepted'",
            (target,),
        ).fetchone()
    assert accepted == (1,), "the move sent again was applied twice (or never)"
    assert gateway_records(pg_dsn)[target]["team_id"] == "cards"
    store.close()
    api.close()


def _end(*procs: subprocess.Popen[str]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def _converged(dsn: str, reader: StoreReader) -> bool:
    try:
        assert_cache_matches(dsn, reader)
    except AssertionError:
        return False
    return True


def _until(condition: Callable[[], bool], message: str, timeout: float = 30) -> None:
    event = threading.Event()
    for _ in range(int(timeout * 10)):
        if condition():
            return
        event.wait(0.1)
    raise AssertionError(message)
