"""The gateway's message feed (GET /v1/messages) on a real PostgreSQL: every message once, in the order it was
recorded; a conversation sent again adds nothing and one more message adds one; a deleted or merged
enquiry's messages are left out; bad cursors get 410 and bad limits 422; writers in two gateways never make a
reader following the cursor skip a message; a database of an older gateway is numbered on start."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import psycopg
import requests

from console.gateway.db.ledger import PgLedger
from console.gateway.db.schema import MIGRATIONS
from console.gateway.db.store import Database
from console.gateway.http.server import Gateway
from tests.helpers.contract import assert_valid
from tests.helpers.gateway import auth_headers, seed, users, world


def read(
    gw: Gateway, cursor: str = "", limit: int = 500, headers: dict[str, str] | None = None
) -> tuple[list[dict[str, Any]], str]:
    """The feed from cursor to its end: every item, and the cursor to come back with."""
    headers = headers or auth_headers(gw)
    items: list[dict[str, Any]] = []
    while True:
        resp = requests.get(
            f"{gw.url}/v1/messages",
            params={"cursor": cursor, "limit": str(limit)},
            headers=headers,
            timeout=30,
        )
        assert resp.status_code == 200, resp.text
        page = resp.json()
        assert_valid("MessagesPage", page)
        items += page["items"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return items, cursor


def stored(dsn: str) -> dict[str, list[dict[str, Any]]]:
    """Every conversation the database holds, oldest first."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT enquiry_id, doc FROM messages ORDER BY enquiry_id, pos").fetchall()
    out: dict[str, list[dict[str, Any]]] = {}
    for ident, doc in rows:
        out.setdefault(ident, []).append(doc)
    return out


def conversation(ledger: PgLedger, ident: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return dict(ledger.enquiry(ident) or {}), ledger.messages(ident)


def test_paging_to_the_end_returns_every_message_once_in_order(seeded_gateway: Gateway, pg_dsn: str) -> None:
    viewer = auth_headers(seeded_gateway, user="wallboard", password="demo-viewer", scope="viewer")
    items, cursor = read(seeded_gateway, limit=37, headers=viewer)  # a viewer may read it
    held = stored(pg_dsn)
    assert sum(map(len, held.values())) == len(items) > 37 * 3
    assert len({(m["enquiry_id"], m["id"]) for m in items}) == len(items), "a message came twice"
    by_enquiry: dict[str, list[dict[str, Any]]] = {}
    for m in items:
        by_enquiry.setdefault(m["enquiry_id"], []).append(m)
    assert by_enquiry == held  # every conversation whole, each in its own order
    assert read(seeded_gateway, cursor) == ([], cursor)  # at the end: nothing more, the same cursor


def test_a_conversation_sent_again_adds_nothing_and_one_more_message_adds_one(
    seeded_gateway: Gateway,
) -> None:
    ledger = seeded_gateway.ledger
    _, cursor = read(seeded_gateway)
    ident = sorted(ledger.ids())[0]
    rec, msgs = conversation(ledger, ident)
    assert msgs
    assert ledger.upsert_enquiry({**rec, "text": "edited"}, msgs)  # the enquiry changed, its words did not
    assert (
        ledger.upsert_many([(r, m) for r, m in (conversation(ledger, i) for i in sorted(ledger.ids()))]) == 0
    )
    assert read(seeded_gateway, cursor) == ([], cursor)
    new = {**msgs[-1], "id": "m-new", "text": "any news?", "channel": "x", "visibility": "private"}
    assert ledger.upsert_enquiry(rec, [*msgs, new])
    items, cursor = read(seeded_gateway, cursor)
    assert items == [new]
    # A message whose words changed is recorded again; one that left the conversation leaves the feed.
    edited = {**msgs[0], "text": "corrected"}
    assert ledger.upsert_enquiry(rec, [edited, *msgs[1:-1], new])
    assert read(seeded_gateway, cursor)[0] == [edited]
    everything, _ = read(seeded_gateway)
    mine = [m for m in everything if m["enquiry_id"] == ident]
    assert sorted(m["id"] for m in mine) == sorted(m["id"] for m in [edited, *msgs[1:-1], new])


def test_a_deleted_or_merged_enquiry_s_messages_are_left_out(seeded_gateway: Gateway) -> None:
    ledger = seeded_gateway.ledger
    _, old_cursor = read(seeded_gateway)
    first, second = sorted(ledger.ids())[:2]
    assert ledger.messages(first) and ledger.messages(second)
    # the newest messages: a cursor that had read them stays good after they leave the feed
    last = sorted(ledger.ids())[-1]
    rec, msgs = conversation(ledger, last)
    assert ledger.upsert_enquiry(rec, [*msgs, {**msgs[-1], "id": "m-last", "text": "last words"}])
    _, cursor = read(seeded_gateway, old_cursor)
    assert ledger.delete_enquiry(first, "deleted", None)
    assert ledger.delete_enquiry(second, "merged", last)
    assert ledger.delete_enquiry(last, "deleted", None)
    items, _ = read(seeded_gateway)
    assert not {first, second, last} & {m["enquiry_id"] for m in items}
    assert read(seeded_gateway, cursor) == ([], cursor)
    assert ledger.upsert_enquiry(rec, msgs) is False  # a tombstone wins: its words do not come back
    assert read(seeded_gateway, cursor) == ([], cursor)


def test_bad_cursors_get_410_and_bad_limits_422(seeded_gateway: Gateway) -> None:
    url, headers = f"{seeded_gateway.url}/v1/messages", auth_headers(seeded_gateway)
    items, cursor = read(seeded_gateway)
    instance, _, seq = cursor.partition(".")
    changes = requests.get(f"{seeded_gateway.url}/v1/changes", headers=headers, timeout=10).json()
    for bad in (
        "garbled",
        f"elsewhere.{seq}",
        f"{instance}.m{int(seq[1:]) + 1000}",  # beyond the end
        f"{instance}.m-1",
        f"{instance}.{seq[1:]}",  # no m: not this feed's
        changes["next_cursor"],  # the change feed's
    ):
        resp = requests.get(url, params={"cursor": bad}, headers=headers, timeout=10)
        assert resp.status_code == 410, bad
        assert resp.headers["Content-Type"].startswith("application/problem+json")
        assert_valid("Problem", resp.json())
    for limit in ("0", "5001", "ten", "1.5"):
        assert requests.get(url, params={"limit": limit}, headers=headers, timeout=10).status_code == 422
    too_long = requests.get(url, params={"cursor": "x" * 201}, headers=headers, timeout=10)
    assert too_long.status_code == 422
    assert requests.get(url, timeout=10).status_code == 401
    first = requests.get(url, params={"limit": "1"}, headers=headers, timeout=10).json()
    assert first["items"] == items[:1] and first["has_more"] is True


def test_writers_in_two_gateways_never_make_a_follower_skip_a_message(
    gateways: Callable[..., Gateway], pg_dsn: str
) -> None:
    a, b = gateways(), gateways()
    users(pg_dsn)
    seed(a.ledger, world(20))
    ids = sorted(a.ledger.ids())
    stop = threading.Event()
    errors: list[BaseException] = []

    def write(gw: Gateway, mine: list[str]) -> None:
        try:
            for n in range(15):  # each round: one more message in each of its enquiries, one at a time
                for ident in mine:
                    rec, msgs = conversation(gw.ledger, ident)
                    extra = {**msgs[-1], "id": f"{gw.url}-{n}", "text": f"round {n}"}
                    gw.ledger.upsert_enquiry(rec, [*msgs, extra])
        except BaseException as e:  # reported below
            errors.append(e)

    seen: list[dict[str, Any]] = []

    def follow() -> None:
        cursor, headers = "", auth_headers(b)
        try:
            while not stop.is_set():
                items, cursor = read(b, cursor, limit=50, headers=headers)
                seen.extend(items)
            seen.extend(read(b, cursor, headers=headers)[0])  # the writers are done: the rest
        except BaseException as e:  # reported below
            errors.append(e)

    writers = [
        threading.Thread(target=write, args=(a, ids[0::2])),
        threading.Thread(target=write, args=(b, ids[1::2])),
    ]
    follower = threading.Thread(target=follow)
    follower.start()
    for w in writers:
        w.start()
    for w in writers:
        w.join(120)
    stop.set()
    follower.join(60)
    assert errors == []
    held = {(m["enquiry_id"], m["id"]) for msgs in stored(pg_dsn).values() for m in msgs}
    assert len(held) == sum(map(len, stored(pg_dsn).values())) > 20 * 15
    assert {(m["enquiry_id"], m["id"]) for m in seen} == held, "a follower skipped a message"


def test_messages_of_an_older_gateway_s_database_are_numbered_on_start(pg_dsn: str) -> None:
    db = Database(pg_dsn, max_size=2)
    try:
        ledger = PgLedger(db)
        seed(ledger, world(10))  # written by the new code, then made to look old below
        with db.tx() as conn:
            before = conn.execute("SELECT enquiry_id, pos, doc FROM messages ORDER BY seq").fetchall()
    finally:
        db.close()
    with psycopg.connect(pg_dsn, autocommit=True) as conn:  # as the release before the message feed left it
        assert len(MIGRATIONS) == 5, "a later migration: undo it here too"
        conn.execute("DROP INDEX messages_seq")
        conn.execute("ALTER TABLE messages DROP COLUMN seq")
        conn.execute("DROP SEQUENCE message_seq")
        conn.execute("DELETE FROM schema_version WHERE version > 4")
    with Gateway(pg_dsn) as gw:
        users(pg_dsn)
        items, cursor = read(gw)  # numbered in the change feed's order, each conversation in its own
        assert [(m["enquiry_id"], m) for m in items] == [(r[0], r[2]) for r in before]
        rec, msgs = conversation(gw.ledger, items[0]["enquiry_id"])
        assert gw.ledger.upsert_enquiry(rec, [*msgs, {**msgs[-1], "id": "after", "text": "after"}])
        assert [m["id"] for m in read(gw, cursor)[0]] == ["after"]
