"""The gateway on a real PostgreSQL database, as a pytest plugin (loaded by tests/conftest.py).

Fixtures:
- gateways (function): a factory, gateways(**Gateway kwargs) -> a started Gateway on this test's fresh
  database (tests.helpers.postgres.pg_dsn); several share the database like processes behind a balancer.
  Every one is stopped after the test.
- seeded_gateway (function): one gateway seeded through its Ledger with a reference world (seed 7, 120 open
  enquiries with their messages) and the demo users (supervisor, wallboard).
Helpers: seed(ledger, n) writes the world; users(dsn) adds the demo users; RecordingUpstream records
assignments (and can refuse or be down).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests

from console.api.client import ApiClient, ApiSettings
from console.domain import wire
from console.gateway.db.auth import Auth
from console.gateway.db.ledger import PgLedger
from console.gateway.db.store import Database
from console.gateway.http.server import Gateway
from console.gateway.ports import UpstreamRefused, UpstreamUnavailable
from console.service.auth import USERS
from console.service.server import DemoService
from console.store.cache import StoreReader
from tests.helpers.service import PASSWORD, USER, normalised

SEED_ENQUIRIES = 120
ROOT = Path(__file__).resolve().parents[2]


class RecordingUpstream:
    """The platform's side of a reassignment, as a list; `refuse` or `down` make the next calls fail."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str | None]] = []
        self.statuses: list[tuple[str, str]] = []
        self.refuse: str | None = None
        self.down = False

    def assign(self, enquiry_id: str, team_id: str, agent_id: str | None) -> None:
        if self.down:
            raise UpstreamUnavailable("the platform is down (test)")
        if self.refuse:
            raise UpstreamRefused(self.refuse)
        self.calls.append((enquiry_id, team_id, agent_id))

    def set_agent_status(self, agent_id: str, status: str) -> None:
        if self.down:
            raise UpstreamUnavailable("the platform is down (test)")
        if self.refuse:
            raise UpstreamRefused(self.refuse)
        self.statuses.append((agent_id, status))


def world(n: int = SEED_ENQUIRIES, seed: int = 7) -> DemoService:
    """A reference world to copy from (never started: its simulation stands still)."""
    return DemoService(seed=seed, open_enquiries=n, speed=0)


def seed(ledger: PgLedger, source: DemoService, *, batch: int = 2000) -> int:
    """Copy the world's reference data, enquiries and conversations in through the Ledger."""
    w = source.sim.world
    ledger.put_reference("teams", [wire.team_to_wire(t) for t in w.teams])
    ledger.put_reference("agents", [wire.agent_to_wire(a) for a in w.agents.values()])
    ledger.put_reference("channels", [wire.channel_to_wire(c) for c in w.channels])
    ledger.put_reference("sla-policies", [wire.policy_to_wire(p) for p in w.policies])
    ledger.put_reference("calendars", [wire.calendar_to_wire(c) for c in w.calendars])
    ledger.put_reference("shifts", [wire.shift_to_wire(s) for s in w.shifts])
    records: list[tuple[dict[str, Any], list[dict[str, Any]] | None]] = []
    done = 0
    with source.sim.store.lock:
        for ident, rec in source.snapshot().items():
            e = source.sim.store.enquiries[ident]
            records.append((rec, [wire.message_to_wire(m) for m in source.sim.messages(e)]))
            if len(records) >= batch:
                done += ledger.upsert_many(records)
                records = []
    return done + ledger.upsert_many(records)


def users(dsn: str) -> None:
    db = Database(dsn, max_size=2)
    try:
        auth = Auth(db)
        for name, (password, scopes) in USERS.items():  # the reference service's demo users
            auth.add_user(name, password, scopes)
    finally:
        db.close()


@pytest.fixture
def gateways(pg_dsn: str) -> Iterator[Callable[..., Gateway]]:
    started: list[Gateway] = []

    def make(**kwargs: Any) -> Gateway:
        gw = Gateway(pg_dsn, **kwargs)
        gw.start()
        started.append(gw)
        return gw

    yield make
    for gw in started:
        gw.stop()


@pytest.fixture
def seeded_gateway(gateways: Callable[..., Gateway], pg_dsn: str) -> Gateway:
    gw = gateways()
    users(pg_dsn)
    seed(gw.ledger, world())
    return gw


def new_client(gw: Gateway, **kw: Any) -> ApiClient:
    """The console's API client on the gateway, signed in as the demo supervisor."""
    api = ApiClient(ApiSettings(gw.url, backoff_s=0.01, **kw))
    api.login(USER, PASSWORD)
    return api


def gateway_records(dsn: str) -> dict[str, dict[str, Any]]:
    """Every enquiry the gateway's database holds, as the console would read it."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT doc FROM enquiries").fetchall()
    return {d["id"]: normalised(d) for d in (json.loads(r[0]) for r in rows)}


def assert_cache_matches(dsn: str, store: StoreReader) -> None:
    """The cache holds exactly the gateway's records: same ids, every field equal."""
    expected = gateway_records(dsn)
    mine = {e.id: wire.enquiry_to_wire(e) for e in store.export_rows()}
    missing, extra = expected.keys() - mine.keys(), mine.keys() - expected.keys()
    assert not missing and not extra, f"missing {sorted(missing)[:5]}, extra {sorted(extra)[:5]}"
    differ = [i for i in expected if expected[i] != mine[i]]
    assert not differ, f"{len(differ)} differ, e.g. {differ[0]}: {expected[differ[0]]} != {mine[differ[0]]}"


def spawn_gateway(
    dsn: str, log: Path, *extra: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], str]:
    """`python -m console gateway` as a real process on a free port (with extra arguments and environment
    variables); returns it and its base URL."""
    with log.open("a") as err:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "console", "gateway", "--dsn", dsn, "--port", "0", *extra],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # "gateway serving http://127.0.0.1:PORT (pid N)"
    if not line.startswith("gateway serving "):
        proc.kill()
        raise AssertionError(f"the gateway did not start: {line!r}; see {log}")
    return proc, line.split()[2]


def login(gw: Gateway, user: str = USER, password: str = PASSWORD, scope: str = "") -> Any:
    """POST /v1/auth/token on a gateway (the answer as it comes: a test may expect a refusal)."""
    body = {"username": user, "password": password, "scope": scope or "supervisor"}
    return requests.post(f"{gw.url}/v1/auth/token", json=body, timeout=10)


def auth_headers(gw: Gateway, **kw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {login(gw, **kw).json()['access_token']}"}


@pytest.fixture
def two(gateways: Callable[..., Gateway], pg_dsn: str) -> tuple[Gateway, Gateway, RecordingUpstream]:
    """Two gateway processes' worth of servers on one database, one recording platform behind both."""
    upstream = RecordingUpstream()
    a, b = gateways(upstream=upstream), gateways(upstream=upstream)
    users(pg_dsn)
    seed(a.ledger, world(80))
    return a, b, upstream
