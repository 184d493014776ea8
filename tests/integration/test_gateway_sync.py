"""The console, unchanged, syncing through the gateway on a real PostgreSQL: the first sync, a change made
through the Ledger reaching the cache by long-poll, a move from the console's outbox landing in the gateway
and on the platform (a recording Upstream), and 409, 422 and the platform's refusal coming back as the
console expects. The CLI (`python -m console sync`) too, as a real subprocess."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import requests

from console.domain.model import Enquiry
from console.gateway.http.server import Gateway
from console.store.cache import OutboxResult, Store, StoreReader
from console.sync.engine import Syncer
from tests.helpers.cli import cli
from tests.helpers.gateway import (
    RecordingUpstream,
    assert_cache_matches,
    gateway_records,
    new_client,
    seed,
    users,
    world,
)
from tests.helpers.service import PASSWORD, USER
from tests.helpers.store import new_store


def _started(gateways: Callable[..., Gateway], pg_dsn: str, upstream: RecordingUpstream) -> Gateway:
    gw = gateways(upstream=upstream)
    users(pg_dsn)
    seed(gw.ledger, world())
    return gw


def _pick(records: dict[str, dict[str, object]], *, topic: str, flags: bool = False) -> str:
    return next(
        i
        for i, r in sorted(records.items())
        if r["topic"] == topic
        and r["team_id"] == "social"
        and bool(r["flags"]) == flags
        and r["status"] not in ("resolved", "closed")
    )


def test_initial_sync_long_poll_and_a_move_through_the_gateway(
    gateways: Callable[..., Gateway], pg_dsn: str, tmp_path: Path
) -> None:
    upstream = RecordingUpstream()
    gw = _started(gateways, pg_dsn, upstream)
    key = os.urandom(32)
    store = new_store(tmp_path, key=key)
    api = new_client(gw, max_retries=0)
    live, pushed = threading.Event(), threading.Event()
    syncer = Syncer(
        api,
        store,
        on_state=lambda s: live.set() if s.state == "live" else None,
        on_outbox_result=lambda r: pushed.set(),
        long_poll_s=20,
    )
    stop = threading.Event()
    worker = threading.Thread(target=syncer.run_forever, args=(stop,))
    worker.start()
    reader = None
    try:
        assert live.wait(30)
        reader = StoreReader(store.path, key)
        assert_cache_matches(pg_dsn, reader)
        # A change made on the platform (through the Ledger) wakes the long-poll and reaches the cache.
        ident = next(iter(sorted(gateway_records(pg_dsn))))
        rec = dict(gw.ledger.enquiry(ident) or {})
        rec["priority"] = "urgent" if rec["priority"] != "urgent" else "normal"
        assert gw.ledger.upsert_enquiry(rec)
        assert not gw.ledger.upsert_enquiry(rec), "the same state twice made a new version"
        gone = sorted(gateway_records(pg_dsn))[1]
        assert gw.ledger.delete_enquiry(gone, "merged", ident)
        _wait(lambda: _cached(reader, ident).priority == rec["priority"] and gone not in _ids(reader))
        # Every conversation came through the message feed, and a new message follows its change.
        held = gateway_records(pg_dsn)
        assert all(
            [m.id for m in reader.messages(i)] == [m["id"] for m in gw.ledger.messages(i)] for i in held
        )
        said = [*gw.ledger.messages(ident), {**gw.ledger.messages(ident)[-1], "id": f"{ident}-late"}]
        said[-1]["text"], said[-1]["sent_at"] = "Any news on this?", rec["updated_at"]
        assert gw.ledger.upsert_enquiry({**rec, "last_customer_message_at": rec["updated_at"]}, said)
        _wait(lambda: f"{ident}-late" in [m.id for m in reader.messages(ident)])
        # A move from the console's outbox: the platform is told, the gateway holds it, the cache confirms.
        target = _pick(gateway_records(pg_dsn), topic="cards")
        oid = syncer.queue_assignment(target, "cards", None, "card dispute", "sup-test").result(timeout=5)
        assert pushed.wait(10)
        item = reader.outbox_item(oid)
        assert item is not None and item.state == "done"
        assert upstream.calls == [(target, "cards", None)]
        assert gateway_records(pg_dsn)[target]["team_id"] == "cards"
        _wait(lambda: _cached(reader, target).team_id == "cards")
    finally:
        stop.set()
        worker.join(15)
        if reader is not None:
            reader.close()
    assert not worker.is_alive()
    assert_cache_matches(pg_dsn, store)
    store.close()
    api.close()


def test_conflict_policy_and_platform_refusals_come_back_as_the_console_expects(
    gateways: Callable[..., Gateway], pg_dsn: str, tmp_path: Path
) -> None:
    upstream = RecordingUpstream()
    gw = _started(gateways, pg_dsn, upstream)
    store = new_store(tmp_path)
    got: list[OutboxResult] = []
    syncer = Syncer(new_client(gw, max_retries=0), store, on_outbox_result=got.append)
    syncer.run_once()
    records = gateway_records(pg_dsn)
    # 409: somebody else moved it first; the console is told who.
    raced = _pick(records, topic="cards")
    _move_directly(gw, raced, records[raced]["version"], "bob")
    store.queue_assignment(raced, "cards", None, "mine", "alice", now=syncer.api.now())
    # 422: fraud goes only to the fraud team (the routing rules, enforced by the gateway too).
    fraud = next(
        i for i, r in sorted(records.items()) if "fraud_risk" in r["flags"] and r["team_id"] != "cards"
    )
    store.queue_assignment(fraud, "cards", None, "try", "alice", now=syncer.api.now())
    syncer.push_outbox()
    by_id = {r.enquiry_id: r for r in got}
    assert by_id[raced].state == "conflict" and "bob" in (by_id[raced].winner or by_id[raced].message)
    assert by_id[fraud].state == "rejected" and "Fraud enquiries may only go to" in by_id[fraud].message
    # The platform refuses: 422 with its sentence, and nothing changed in the gateway.
    upstream.refuse = "Chatwoot says this agent is not in that team."
    got.clear()
    refused = _pick(gateway_records(pg_dsn), topic="cards")
    before = gateway_records(pg_dsn)[refused]
    store.queue_assignment(refused, "cards", None, "card dispute", "alice", now=syncer.api.now())
    syncer.push_outbox()
    assert got[0].state == "rejected" and got[0].message == upstream.refuse
    assert gateway_records(pg_dsn)[refused] == before
    syncer.run_once()
    assert_cache_matches(pg_dsn, store)
    store.close()
    syncer.api.close()


def test_the_sync_cli_through_the_gateway(
    gateways: Callable[..., Gateway], pg_dsn: str, tmp_path: Path
) -> None:
    gw = _started(gateways, pg_dsn, RecordingUpstream())
    key = os.urandom(32).hex()
    cache = tmp_path / "cache.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCIERGE_")}
    env.update(CONCIERGE_CACHE_KEY=key, CONCIERGE_PASSWORD=PASSWORD, HOME=str(tmp_path))
    done = cli("sync", "--api", gw.url, "--cache", str(cache), "--once", "--user", USER, env=env)
    assert done.returncode == 0, done.stderr
    assert f"+{len(gateway_records(pg_dsn))} added" in done.stdout
    with Store(cache, bytes.fromhex(key)) as store:
        assert_cache_matches(pg_dsn, store)


def _move_directly(gw: Gateway, ident: str, version: object, actor: str) -> None:
    token = requests.post(
        f"{gw.url}/v1/auth/token", json={"username": USER, "password": PASSWORD}, timeout=10
    ).json()["access_token"]
    resp = requests.post(
        f"{gw.url}/v1/enquiries/{ident}/assignment",
        json={"team_id": "cards", "agent_id": None, "reason": "first", "actor": actor},
        headers={"Authorization": f"Bearer {token}", "If-Match": f'"{version}"', "Idempotency-Key": actor},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text


def _cached(reader: StoreReader, ident: str) -> Enquiry:
    return next(e for e in reader.export_rows() if e.id == ident)


def _ids(reader: StoreReader) -> set[str]:
    return {e.id for e in reader.export_rows()}


def _wait(condition: Callable[[], bool], timeout: float = 15) -> None:
    event = threading.Event()
    for _ in range(int(timeout * 20)):
        if condition():
            return
        event.wait(0.05)
    raise AssertionError("the change did not reach the cache")
