"""`python -m console sync` and `export` as real subprocesses against the real service: counts, clear
failures, kill -9 at random moments then resume, and no secret in any file the console wrote."""

from __future__ import annotations

import csv
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.service.server import DemoService
from console.store.cache import Store
from console.store.reports import stored_reports
from tests.helpers.cli import cli
from tests.helpers.service import PASSWORD, USER, assert_converged, assert_messages_converged, new_client

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def service() -> Iterator[DemoService]:
    with DemoService(seed=9, open_enquiries=1500, speed=0) as svc:
        yield svc


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """Everything the console may write (cache, settings, data dirs) lands under here."""
    h = tmp_path / "home"
    h.mkdir()
    return h


def _env(home: Path, key: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCIERGE_")}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        CONCIERGE_CACHE_KEY=key,
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def test_once_then_export_and_clear_failures(service: DemoService, home: Path) -> None:
    key = os.urandom(32).hex()
    cache = home / "concierge" / "cache.db"
    env = _env(home, key, CONCIERGE_PASSWORD=PASSWORD)
    done = cli("sync", "--api", service.url, "--cache", str(cache), "--once", "--user", USER, env=env)
    assert done.returncode == 0, done.stderr
    assert f"+{len(service.snapshot())} added" in done.stdout and "0 pushed" in done.stdout
    with Store(cache, key) as store:
        assert_converged(service, store)
        stored = len(stored_reports(store))
    said = re.search(r"\((\d+) shift reports stored, [\d.]+ s of it\)", done.stdout)
    assert said is not None and int(said.group(1)) == stored, done.stdout  # a cron log tells them apart
    # Export works offline, to a file and to stdout.
    out = home / "out.jsonl"
    done = cli("export", "--cache", str(cache), "--format", "jsonl", "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {r["id"] for r in rows} == set(service.snapshot())
    # PII is masked by default: no handle, name or raw text of the service's leaves in the export.
    snapshot = service.snapshot()
    handles = {r["customer"]["handle"] for r in snapshot.values()}
    assert not any(r["customer"]["handle"] in handles or r["customer"]["name"] for r in rows)
    assert all(r["customer"]["handle"].startswith("customer #") for r in rows)
    done = cli("export", "--cache", str(cache), "--format", "csv", "--unmasked", env=env)
    table = list(csv.DictReader(done.stdout.splitlines()))
    assert len(table) == len(rows) and all(
        not r["customer_handle"].startswith(("=", "@", "+")) for r in table
    )
    assert {r["customer_name"] for r in table} == {r["customer"]["name"] for r in snapshot.values()}
    # Both exports are in the audit trail, the unmasked one said so.
    with Store(cache, key) as store:
        exports = [e for e in store.audit_entries() if e.action == "enquiries.export"]
    assert [(e.detail["format"], e.detail["masked"]) for e in exports] == [("jsonl", True), ("csv", False)]
    # Failures: one clear line, a distinct exit code, nothing lost.
    wrong = cli(
        "sync", "--api", service.url, "--cache", str(cache), "--once", env=_env(home, os.urandom(32).hex())
    )
    assert wrong.returncode == 3 and "cache key does not match" in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1
    down = cli("sync", "--api", "http://127.0.0.1:9", "--cache", str(cache), "--once", env=env)
    assert down.returncode == 4 and "Cannot reach" in down.stderr
    bad = cli(
        "sync",
        "--api",
        service.url,
        "--cache",
        str(cache),
        "--once",
        env=_env(home, key, CONCIERGE_PASSWORD="nope"),
    )
    assert bad.returncode == 5 and "sign-in failed" in bad.stderr
    with Store(cache, key) as store:
        assert store.enquiry_count() == len(rows)
    _assert_no_secrets(home, [key, PASSWORD])


def test_kill_minus_9_at_random_moments_then_resume(service: DemoService, home: Path) -> None:
    rng = random.Random(20261126)
    api = new_client(service)
    token = api.tokens.access_token if api.tokens else ""
    key = os.urandom(32).hex()
    cache = home / "concierge" / "cache.db"
    env = _env(home, key, CONCIERGE_TOKEN=token)
    queued: list[str] = []
    for _round in range(4):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "console",
                "sync",
                "--api",
                service.url,
                "--cache",
                str(cache),
                "--page-limit",
                "40",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.6, 1.6))  # the point is a random moment, not a condition to wait for
        service.advance(300)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        # Between runs a supervisor moves something: it must reach the server exactly once.
        if cache.exists():
            with Store(cache, key) as store:
                free = [
                    e
                    for e in store.load_open()
                    if e.topic == "cards" and e.team_id == "social" and not e.flags and e.id not in queued
                ]
                if free:
                    store.queue_assignment(free[0].id, "cards", None, "kill test", "alice", now=api.now())
                    queued.append(free[0].id)
    done = cli("sync", "--api", service.url, "--cache", str(cache), "--once", env=env)
    assert done.returncode == 0, done.stderr
    assert queued, "no run got far enough to cache anything"
    with Store(cache, key) as store:
        assert_converged(service, store)
        assert_messages_converged(service, store)  # every conversation too, killed or not
        assert store.outbox_pending() == [] and store.pending_ids() == set()
        assert store.verify_audit() is None
    with Store(cache, key) as store:
        local = {i.enquiry_id: i.state for i in store.outbox_items()}
    with service.sim.store.lock:
        for ident in queued:
            mine = [a for a in service.sim.store.history.get(ident, []) if a.reason == "kill test"]
            # Exactly one attempt reached the server's history, whatever the kills did to the resends.
            assert len(mine) == 1, [a.result for a in mine]
            assert local[ident] == {"accepted": "done"}.get(mine[0].result, mine[0].result)
    api.close()
    _assert_no_secrets(home, [key, token])


def _assert_no_secrets(root: Path, secrets: list[str]) -> None:
    needles = [s.encode() for s in secrets if s]
    needles += [bytes.fromhex(s) for s in secrets if len(s) == 64 and all(c in "0123456789abcdef" for c in s)]
    files = [p for p in root.rglob("*") if p.is_file()]
    assert files, "the console wrote nothing?"
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, f"a secret is in {path}"


def test_export_into_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    """`export | head` stops reading early: no traceback, a clean exit."""
    from console.store.cache import Store

    key = "ab" * 32
    Store(tmp_path / "c.db", key).close()
    env = {**os.environ, "CONCIERGE_CACHE_KEY": key}
    read_end, write_end = os.pipe()
    os.close(read_end)  # a reader that has gone away
    try:
        export = subprocess.run(
            [sys.executable, "-m", "console", "export", "--cache", str(tmp_path / "c.db"), "--format", "csv"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in export.stderr and export.returncode == 0
