"""The gateway's own promises on a real PostgreSQL: versions only on real change, a compacted feed where
tombstones win, reassignments done once per Idempotency-Key even from two gateways at the same moment, the
platform asked first (refused: 422, down: 503 and nothing changed), complaint decisions, token rotation
honoured by every process, long-polls woken by another process's commit, cursors that survive a restart,
the audit anchor, and the add-user command."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
import requests

from console.gateway.db.ledger import PgLedger
from console.gateway.db.schema import MIGRATIONS
from console.gateway.db.store import Database
from console.gateway.http.server import Gateway
from tests.helpers.cli import cli
from tests.helpers.gateway import RecordingUpstream, auth_headers, gateway_records, login, seed, users, world


def _move(gw: Gateway, ident: str, version: int, key: str, team: str = "cards", **kw: Any) -> Any:
    headers = {**auth_headers(gw), "If-Match": f'"{version}"', "Idempotency-Key": key}
    body = {"team_id": team, "agent_id": None, "reason": kw.get("reason", "card dispute"), "actor": "alice"}
    return requests.post(f"{gw.url}/v1/enquiries/{ident}/assignment", json=body, headers=headers, timeout=30)


def _cards_candidate(dsn: str) -> tuple[str, int]:
    rec = next(
        r
        for _, r in sorted(gateway_records(dsn).items())
        if r["topic"] == "cards"
        and r["team_id"] == "social"
        and not r["flags"]
        and r["status"] not in ("resolved", "closed")
    )
    return rec["id"], rec["version"]


def _accepted(dsn: str, ident: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT count(*) FROM assignments WHERE enquiry_id = %s AND doc->>'result' = 'accepted'", (ident,)
        ).fetchone()
    return int(row[0]) if row else -1


def test_versions_move_only_on_real_change_and_tombstones_win(seeded_gateway: Gateway) -> None:
    ledger = seeded_gateway.ledger
    ident = seeded_gateway.api.feed.page(0, 1).items[0].split('"id":"', 1)[1].split('"', 1)[0]
    rec = dict(ledger.enquiry(ident) or {})
    head = seeded_gateway.api.feed.head()
    assert not ledger.upsert_enquiry(rec) and (ledger.enquiry(ident) or {})["version"] == rec["version"]
    assert seeded_gateway.api.feed.head() == head, "an unchanged record reached the feed"
    for n in range(3):  # three changes: one entry in the feed, at its end, with the newest state
        assert ledger.upsert_enquiry({**rec, "text": f"edit {n}"})
    assert (ledger.enquiry(ident) or {})["version"] == rec["version"] + 3
    page = seeded_gateway.api.feed.page(head, 100)
    assert len(page.items) == 1 and '"text":"edit 2"' in page.items[0]
    msgs = [{"id": "m1", "enquiry_id": ident, "direction": "in", "text": "hi", "sent_at": rec["created_at"]}]
    assert ledger.upsert_enquiry({**rec, "text": "edit 2"}, msgs)  # a new conversation is a change
    assert not ledger.upsert_enquiry({**rec, "text": "edit 2"}, msgs)
    assert not ledger.upsert_enquiry({**rec, "status": "bogus"})  # set aside, counted; the batch goes on
    assert (
        ledger.upsert_many([({**rec, "id": "", "text": "x"}, None), ({**rec, "text": "edit 3"}, None)]) == 1
    )
    assert [r[0] for r in ledger.quarantined()] == [ident, ""]
    assert "status" in ledger.quarantined()[0][1]
    assert (ledger.enquiry(ident) or {})["text"] == "edit 3"
    assert ledger.delete_enquiry(ident, "merged", "E-other") and not ledger.delete_enquiry(
        ident, "deleted", None
    )
    assert not ledger.upsert_enquiry(rec), "an upsert brought a merged enquiry back"
    last = seeded_gateway.api.feed.page(head, 100).items
    assert len(last) == 1 and json.loads(last[0])["op"] == "delete"
    gone = requests.get(
        f"{seeded_gateway.url}/v1/enquiries/{ident}", headers=auth_headers(seeded_gateway), timeout=10
    )
    assert gone.status_code == 404 and gone.json()["merged_into"] == "E-other"


def test_a_key_moves_once_even_sent_to_two_gateways_at_the_same_moment(
    two: tuple[Gateway, Gateway, RecordingUpstream], pg_dsn: str
) -> None:
    a, b, upstream = two
    ident, version = _cards_candidate(pg_dsn)
    entered, release = threading.Event(), threading.Event()
    real_assign = upstream.assign

    def slow_assign(enquiry_id: str, team_id: str, agent_id: str | None) -> None:
        entered.set()
        release.wait(10)  # the first request holds its key while the duplicate arrives at the other gateway
        real_assign(enquiry_id, team_id, agent_id)

    upstream.assign = slow_assign  # type: ignore[method-assign]
    answers: list[Any] = []
    first = threading.Thread(target=lambda: answers.append(_move(a, ident, version, "k-1")))
    first.start()
    assert entered.wait(10)
    second = threading.Thread(target=lambda: answers.append(_move(b, ident, version, "k-1")))
    second.start()
    second.join(0.5)
    assert second.is_alive(), "the duplicate did not wait for the first"
    release.set()
    first.join(20)
    second.join(20)
    assert [r.status_code for r in answers] == [200, 200] and answers[0].content == answers[1].content
    assert upstream.calls == [(ident, "cards", None)] and _accepted(pg_dsn, ident) == 1
    # Later, the same key replays the first answer; a new key with the old version is a conflict.
    assert _move(b, ident, version, "k-1").content == answers[0].content
    late = _move(a, ident, version, "k-2")
    assert late.status_code == 409
    assert late.json()["current"]["moved_by"] == "alice" and late.json()["current"]["version"] == version + 1
    assert _accepted(pg_dsn, ident) == 1


def test_the_platform_is_asked_first(two: tuple[Gateway, Gateway, RecordingUpstream], pg_dsn: str) -> None:
    a, _, upstream = two
    ident, version = _cards_candidate(pg_dsn)
    before = gateway_records(pg_dsn)[ident]
    upstream.down = True
    down = _move(a, ident, version, "k-down")
    assert down.status_code == 503 and down.headers["Retry-After"] == "5"
    upstream.down, upstream.refuse = False, "That agent is not in the Cards team on Chatwoot."
    refused = _move(a, ident, version, "k-down")  # nothing was remembered: the same key tries again
    assert refused.status_code == 422 and refused.json()["detail"] == upstream.refuse
    assert gateway_records(pg_dsn)[ident] == before and _accepted(pg_dsn, ident) == 0
    upstream.refuse = None
    assert _move(a, ident, version, "k-down").status_code == 200
    missing = requests.post(
        f"{a.url}/v1/enquiries/{ident}/assignment",
        json={"team_id": "cards", "agent_id": None, "reason": "", "actor": "x"},
        headers={**auth_headers(a), "Idempotency-Key": "k-412"},
        timeout=10,
    )
    assert missing.status_code == 412
    fraud = next(i for i, r in sorted(gateway_records(pg_dsn).items()) if "fraud_risk" in r["flags"])
    policy = _move(a, fraud, gateway_records(pg_dsn)[fraud]["version"], "k-fraud")
    assert policy.status_code == 422 and policy.json()["detail"].startswith("Fraud enquiries may only go to")


def test_a_complaint_decision(seeded_gateway: Gateway, pg_dsn: str) -> None:
    ident, version = _cards_candidate(pg_dsn)
    url = f"{seeded_gateway.url}/v1/enquiries/{ident}/complaint"
    body = {
        "decision": "confirmed",
        "reason": "the customer says so",
        "actor": "alice",
        "triggers": ["unfair"],
    }
    headers = {**auth_headers(seeded_gateway), "Idempotency-Key": "c-1", "If-Match": f'"{version}"'}
    done = requests.post(url, json=body, headers=headers, timeout=10)
    assert done.status_code == 200, done.text
    enquiry = done.json()["enquiry"]
    decision = enquiry["complaint_decision"]
    assert enquiry["version"] == version + 1 and decision["decision"] == "confirmed"
    assert decision["decided_by"] == "alice" and decision["triggers"] == ["unfair"] and decision["decided_at"]
    assert requests.post(url, json=body, headers=headers, timeout=10).content == done.content
    stale = requests.post(url, json=body, headers={**headers, "Idempotency-Key": "c-2"}, timeout=10)
    assert stale.status_code == 409 and stale.json()["current"]["version"] == version + 1
    bad = requests.post(
        url, json={**body, "decision": "maybe"}, headers={**headers, "Idempotency-Key": "c-3"}
    )
    assert bad.status_code == 422
    viewer = auth_headers(seeded_gateway, user="wallboard", password="demo-viewer", scope="viewer")
    assert requests.post(url, json=body, headers={**viewer, "Idempotency-Key": "c-4"}).status_code == 403
    # A malformed request is refused even with a key already used, never answered with that key's outcome.
    untriggered = {k: v for k, v in body.items() if k != "triggers"}
    assert requests.post(url, json=untriggered, headers=headers, timeout=10).status_code == 422
    # A supervisor changes their mind: the latest decision is on the enquiry, every one is kept.
    dismissed = {**body, "decision": "dismissed", "actor": ""}  # no actor: the signed-in user
    again = requests.post(url, json=dismissed, headers={**headers, "Idempotency-Key": "c-5", "If-Match": ""})
    assert (
        again.status_code == 200
        and again.json()["enquiry"]["complaint_decision"]["decided_by"] == "supervisor"
    )
    with psycopg.connect(pg_dsn) as conn:
        kept = [r[0] for r in conn.execute("SELECT doc->>'decision' FROM complaint_decisions ORDER BY n")]
    assert kept == ["confirmed", "dismissed"]
    # The connector's next update of the same enquiry keeps the decision on the record, as one change.
    served = seeded_gateway.ledger.enquiry(ident) or {}
    assert not seeded_gateway.ledger.upsert_enquiry(served)
    assert seeded_gateway.ledger.upsert_enquiry({**served, "priority": "urgent"})
    assert (seeded_gateway.ledger.enquiry(ident) or {})["complaint_decision"]["decision"] == "dismissed"


def test_tokens_rotate_and_every_gateway_honours_them(
    two: tuple[Gateway, Gateway, RecordingUpstream],
) -> None:
    a, b, _ = two
    pair = login(a).json()
    assert login(a, password="wrong").status_code == 401
    assert login(a, user="wallboard", password="demo-viewer", scope="supervisor").status_code == 403
    old = {"Authorization": f"Bearer {pair['access_token']}"}
    assert requests.get(f"{b.url}/v1/teams", headers=old, timeout=10).status_code == 200
    new = requests.post(f"{b.url}/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}, timeout=10)
    assert new.status_code == 200
    assert requests.get(f"{a.url}/v1/teams", headers=old, timeout=10).status_code == 401
    again = requests.post(
        f"{a.url}/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}, timeout=10
    )
    assert again.status_code == 401
    fresh = {"Authorization": f"Bearer {new.json()['access_token']}"}
    assert requests.get(f"{a.url}/v1/teams", headers=fresh, timeout=10).status_code == 200
    with psycopg.connect(a.db.dsn) as conn:  # only digests are kept
        kept = {r[0] for r in conn.execute("SELECT digest FROM tokens").fetchall()}
    assert new.json()["access_token"] not in kept


def test_a_long_poll_wakes_on_another_gateway_s_commit_and_cursors_survive_a_restart(
    gateways: Callable[..., Gateway], pg_dsn: str
) -> None:
    a = gateways()
    users(pg_dsn)
    seed(a.ledger, world(30))
    headers = auth_headers(a)
    first = requests.get(f"{a.url}/v1/changes", params={"limit": "5000"}, headers=headers, timeout=10).json()
    cursor = first["next_cursor"]
    a.stop()  # a restart: a new process on the same database honours the cursor
    b, c = gateways(), gateways()
    got: list[tuple[float, Any]] = []

    def poll() -> None:
        resp = requests.get(
            f"{b.url}/v1/changes", params={"cursor": cursor, "wait": "20"}, headers=headers, timeout=30
        )
        got.append((time.monotonic(), resp))

    waiter = threading.Thread(target=poll)
    waiter.start()
    waiter.join(0.5)
    assert waiter.is_alive(), "the long-poll answered with nothing new"
    ident = first["items"][0]["enquiry"]["id"]
    rec = dict(c.ledger.enquiry(ident) or {})
    committed = time.monotonic()
    assert c.ledger.upsert_enquiry({**rec, "text": "woken"})
    waiter.join(10)
    ((at, resp),) = got
    assert resp.status_code == 200 and [i["enquiry"]["text"] for i in resp.json()["items"]] == ["woken"]
    assert at - committed < 2.0, f"woke after {at - committed:.2f} s"
    gone = requests.get(f"{b.url}/v1/changes", params={"cursor": "elsewhere.5"}, headers=headers, timeout=10)
    assert gone.status_code == 410


def test_migrations_run_once_and_the_audit_anchor(seeded_gateway: Gateway, pg_dsn: str) -> None:
    Database(pg_dsn, max_size=2).close()  # a second start: nothing to migrate
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM schema_version").fetchone() == (len(MIGRATIONS),)
    from console.domain.audit_chain import GENESIS, entry_digest

    url, headers = f"{seeded_gateway.url}/v1/audit/{'a' * 32}", auth_headers(seeded_gateway)
    h1 = entry_digest(GENESIS, 1, 1.5, "alice", "move", "E1", "{}")
    entry = {"seq": 1, "at": 1.5, "actor": "alice", "action": "move", "subject": "E1", "detail": "{}"}
    entry.update(prev_hash=GENESIS, hash=h1)
    assert requests.post(f"{url}/entries", json={"entries": [entry]}, headers=headers).json()["seq"] == 1
    assert requests.post(f"{url}/entries", json={"entries": [entry]}, headers=headers).status_code == 200
    assert requests.get(f"{url}/head", headers=headers).json() == {"chain": "a" * 32, "seq": 1, "hash": h1}
    forged = {
        **entry,
        "actor": "mallory",
        "hash": entry_digest(GENESIS, 1, 1.5, "mallory", "move", "E1", "{}"),
    }
    assert requests.post(f"{url}/entries", json={"entries": [forged]}, headers=headers).status_code == 409


def test_the_add_user_command(pg_dsn: str, gateways: Callable[..., Gateway]) -> None:
    env = {**os.environ, "CONCIERGE_GATEWAY_PASSWORD": "a long secret"}
    done = cli("gateway", "--dsn", pg_dsn, "add-user", "--username", "carol", "--scopes", "viewer", env=env)
    assert done.returncode == 0, done.stderr
    assert "a long secret" not in done.stdout + done.stderr
    gw = gateways()
    assert login(gw, user="carol", password="a long secret", scope="viewer").status_code == 200
    assert login(gw, user="carol", password="a long secret", scope="supervisor").status_code == 403
    with psycopg.connect(pg_dsn) as conn:
        row = conn.execute("SELECT password_hash FROM users WHERE username = 'carol'").fetchone()
    assert row is not None and row[0].startswith("scrypt$") and "secret" not in row[0]


def test_a_batch_and_two_writers_racing_to_create_the_same_enquiries(seeded_gateway: Gateway) -> None:
    ledger = seeded_gateway.ledger
    template = dict(
        ledger.enquiry(json.loads(seeded_gateway.api.feed.page(0, 1).items[0])["enquiry"]["id"]) or {}
    )
    # The same enquiry twice in one batch: its later state wins, one version, one feed entry.
    head = seeded_gateway.api.feed.head()
    batch = [
        ({**template, "id": "B-1", "text": "first"}, None),
        ({**template, "id": "B-1", "text": "later"}, None),
    ]
    assert ledger.upsert_many(batch) == 1
    assert (ledger.enquiry("B-1") or {})["text"] == "later" and (ledger.enquiry("B-1") or {})["version"] == 0
    assert len(seeded_gateway.api.feed.page(head, 100).items) == 1
    # Two writers (a webhook and a reconciliation) create the same new enquiries at the same moment.
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def write(text: str) -> None:
        try:
            start.wait(5)
            ledger.upsert_many([({**template, "id": f"R-{n}", "text": text}, None) for n in range(50)])
        except BaseException as e:  # reported below
            errors.append(e)

    writers = [threading.Thread(target=write, args=(t,)) for t in ("one", "two")]
    for w in writers:
        w.start()
    for w in writers:
        w.join(30)
    assert errors == []
    for n in range(50):
        rec = ledger.enquiry(f"R-{n}") or {}
        assert rec["text"] in ("one", "two") and rec["version"] in (0, 1)


def test_a_database_of_an_older_gateway_is_migrated_on_start(pg_dsn: str) -> None:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:  # as the first release left it
        conn.execute("CREATE TABLE schema_version (version integer NOT NULL)")
        conn.execute(MIGRATIONS[0])
        conn.execute("INSERT INTO schema_version VALUES (1)")
    Database(pg_dsn, max_size=2).close()
    with psycopg.connect(pg_dsn) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY version")]
        assert versions == list(range(1, len(MIGRATIONS) + 1)) and conn.execute(
            "SELECT count(*) FROM quarantine"
        ).fetchone() == (0,)


@pytest.mark.expected_log(r"LISTEN connection to PostgreSQL failed", logger="concierge.gateway.feed")
@pytest.mark.expected_log(r".*", logger="psycopg.pool")
def test_the_gateway_rides_out_lost_database_connections(seeded_gateway: Gateway, pg_dsn: str) -> None:
    headers = auth_headers(seeded_gateway)
    url = seeded_gateway.url
    head = requests.get(f"{url}/v1/changes", params={"limit": "5000"}, headers=headers, timeout=10).json()
    with psycopg.connect(pg_dsn, autocommit=True) as conn:  # as a database restart would: every session ends
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    again = requests.get(f"{url}/v1/teams", headers=headers, timeout=10)
    assert again.status_code == 200, again.text
    got: list[Any] = []
    poll = threading.Thread(
        target=lambda: got.append(
            requests.get(
                f"{url}/v1/changes",
                params={"cursor": head["next_cursor"], "wait": "20"},
                headers=headers,
                timeout=30,
            )
        )
    )
    poll.start()
    ident = head["items"][0]["enquiry"]["id"]
    writer = Database(pg_dsn, max_size=2)
    try:
        _until_listening(seeded_gateway)
        rec = dict(seeded_gateway.ledger.enquiry(ident) or {})
        assert PgLedger(writer).upsert_enquiry({**rec, "text": "after the restart"})
        poll.join(15)
    finally:
        writer.close()
    assert got and [i["enquiry"]["text"] for i in got[0].json()["items"]] == ["after the restart"]


def _until_listening(gw: Gateway) -> None:
    """The LISTEN thread has reconnected (its generation moved past the disconnect)."""
    start = gw.listener.generation
    with gw.listener.changed:
        gw.listener.changed.wait_for(lambda: gw.listener.generation > start, timeout=10)


def test_a_connector_update_keeps_what_only_the_gateway_knows(
    two: tuple[Gateway, Gateway, RecordingUpstream], pg_dsn: str
) -> None:
    a, _, _ = two
    ident, version = _cards_candidate(pg_dsn)
    assert _move(a, ident, version, "k-facts").status_code == 200
    moved = dict(a.ledger.enquiry(ident) or {})
    assert moved["handoff_requested_at"] and moved["status"] == "pending_specialist"
    # The platform reports the new owner as it sees it: no hand-off clock, no bounces.
    platform_view = {**moved, "handoff_requested_at": None, "handoff_accepted_at": None, "bounces": 0}
    assert not a.ledger.upsert_enquiry(platform_view), "the platform's view of the move made a new version"
    assert a.ledger.upsert_enquiry({**platform_view, "priority": "urgent"})
    after = a.ledger.enquiry(ident) or {}
    assert after["handoff_requested_at"] == moved["handoff_requested_at"] and after["priority"] == "urgent"


def test_a_connector_mounts_its_webhooks_beside_the_contract(seeded_gateway: Gateway) -> None:
    from console.contract.http import Request, Response

    got: list[Request] = []

    def webhook(req: Request) -> Response:
        got.append(req)
        return Response(200, b'{"ok":true}')

    seeded_gateway.mount("/chatwoot/", webhook)
    with pytest.raises(ValueError):
        seeded_gateway.mount("/v1/enquiries", webhook)
    resp = requests.post(f"{seeded_gateway.url}/chatwoot/webhook", json={"event": "x"}, timeout=10)
    assert resp.status_code == 200 and got[0].body == b'{"event": "x"}' and got[0].method == "POST"
    assert requests.get(f"{seeded_gateway.url}/v1/teams", timeout=10).status_code == 401


def test_the_database_password_comes_from_a_secure_keyring(
    secret_service_daemon: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring

    from console.gateway.main import KEYRING_SERVICE, dsn_with_secret

    if not secret_service_daemon:
        pytest.skip("no D-Bus session bus: run the tests under `dbus-run-session --`")
    before = keyring.get_keyring()
    keyring.core.init_backend()
    store = keyring.core.load_keyring("keyring.backends.SecretService.Keyring")
    monkeypatch.delenv("PGPASSWORD", raising=False)
    try:
        assert dsn_with_secret("host=/tmp dbname=x") == "host=/tmp dbname=x"  # nothing kept: libpq's ways
        store.set_password(KEYRING_SERVICE, "dsn", "s3cret word")
        assert psycopg.conninfo.conninfo_to_dict(dsn_with_secret("host=/tmp dbname=x"))["password"] == (
            "s3cret word"
        )
        assert dsn_with_secret("host=/tmp password=given") == "host=/tmp password=given"
        monkeypatch.setenv("PGPASSWORD", "from-env")  # libpq reads it itself: the DSN stays as given
        assert dsn_with_secret("host=/tmp dbname=x") == "host=/tmp dbname=x"
    finally:
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            store.delete_password(KEYRING_SERVICE, "dsn")
        keyring.set_keyring(before)
