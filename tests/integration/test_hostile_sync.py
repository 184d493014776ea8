"""Issue 14 from outside: `python -m console sync` as a real process, through a hostile proxy in front of
the real reference service, into a real encrypted cache. One malformed record is quarantined with its
reason and the rest applied; follow mode survives it; 410 during the full re-read, and a kill -9 in the
middle of one, still end with the cache pruned; quarantined records are listed and fetched again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.service.server import DemoService
from console.store.cache import StoreReader
from tests.helpers.cli import cli
from tests.helpers.hostile_cli import env_for, sync_once
from tests.helpers.hostile_proxy import DEEP, HostileProxy
from tests.helpers.service import USER, assert_converged

ROOT = Path(__file__).resolve().parents[2]

# (field, raw JSON text, words expected in the quarantine reason)
HOSTILE_VALUES = [
    ("version", b"9223372036854775808", "2^53"),
    ("version", b"1e999", "finite"),
    ("text", b'"hello \\ud800 there"', "surrogate"),
    ("customer.handle", b'"nul\\u0000byte"', "NUL"),
    ("outcome", DEEP, "nested deeper"),
    ("flags", b'[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]', "nested deeper"),
    ("customer", b"5", "customer"),
    ("status", b"true", "status"),
    ("created_at", b'"9999-12-31T23:59:59Z"', "plausible"),
    ("updated_at", b'"0001-01-01T00:00:00+01:00"', "updated_at"),
    ("text", b'"' + b"x" * 1_000_000 + b'"', "characters"),
    ("bounces", b"-1", "bounces"),
    ("pauses", b'[["2026-01-01T00:00:00Z"]]', "pauses"),
]


@pytest.fixture(scope="module")
def service() -> Iterator[DemoService]:
    with DemoService(seed=11, open_enquiries=300, speed=0) as svc:
        yield svc


@pytest.fixture
def proxy(service: DemoService) -> Iterator[HostileProxy]:
    with HostileProxy(service.url) as p:
        yield p


@pytest.mark.parametrize(
    ("field", "raw", "reason"), HOSTILE_VALUES, ids=[f"{f}-{r[:12]!r}" for f, r, _ in HOSTILE_VALUES]
)
def test_one_malformed_record_is_quarantined_and_the_rest_applied(
    service: DemoService, proxy: HostileProxy, tmp_path: Path, field: str, raw: bytes, reason: str
) -> None:
    key = os.urandom(32).hex()
    cache, env = tmp_path / "c.db", env_for(tmp_path, key)
    victim = sorted(service.snapshot())[7]
    proxy.corrupt[victim] = (field, raw)
    done = sync_once(proxy.url, cache, env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "(1 held)" in done.stdout, done.stderr
    with StoreReader(cache, key) as reader:
        assert reader.get(victim) is None
        assert reader.enquiry_count() == len(service.snapshot()) - 1
        held = reader.quarantine("feed")
    assert [r["record_id"] for r in held] == [victim] and reason in held[0]["reason"], held
    # The reason is in the log, and `quarantine list` shows it.
    assert victim in done.stderr and "quarantined" in done.stderr
    listed = cli("quarantine", "list", "--cache", str(cache), env=env)
    assert listed.returncode == 0 and victim in listed.stdout and reason in listed.stdout
    # The damage was in transit only: `quarantine retry` fetches it by id and it heals.
    proxy.corrupt.clear()
    retried = cli("quarantine", "retry", "--cache", str(cache), "--api", proxy.url, env=env)
    assert retried.returncode == 0, retried.stderr
    with StoreReader(cache, key) as reader:
        assert reader.quarantine_count() == 0
        assert_converged(service, reader)


def test_damage_at_the_source_stays_quarantined_and_a_broken_feed_still_converges(
    service: DemoService, proxy: HostileProxy, tmp_path: Path
) -> None:
    """Two hostile records, duplicated and reversed items, a cut answer, on small pages."""
    key = os.urandom(32).hex()
    cache, env = tmp_path / "c.db", env_for(tmp_path, key)
    ids = sorted(service.snapshot())
    proxy.corrupt[ids[3]] = ("outcome", DEEP)
    proxy.corrupt[ids[200]] = ("text", b'"\\udfff"')
    proxy.duplicate = proxy.reverse = True
    proxy.cut_at = {2}
    done = sync_once(proxy.url, cache, env, "--page-limit", "50")
    assert done.returncode == 0, done.stderr
    retried = cli("quarantine", "retry", "--cache", str(cache), "--api", proxy.url, env=env)
    assert retried.returncode == 0 and "2 records still in quarantine" in retried.stderr, retried.stderr
    with StoreReader(cache, key) as reader:
        assert {r["record_id"] for r in reader.quarantine()} == {ids[3], ids[200]}
        assert reader.enquiry_count() == len(ids) - 2


def test_follow_mode_lives_through_a_hostile_record(
    service: DemoService, proxy: HostileProxy, tmp_path: Path
) -> None:
    """Before: the sync thread died on a deeply nested record and the process exited 0."""
    key = os.urandom(32).hex()
    cache, env = tmp_path / "c.db", env_for(tmp_path, key)
    proc = subprocess.Popen(
        [sys.executable, "-m", "console", "sync", "--api", proxy.url, "--cache", str(cache), "--user", USER],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(lambda: _cached(cache, key) >= len(service.snapshot()), proc)
        bad = service.add_enquiry()
        proxy.corrupt[bad["id"]] = ("customer", DEEP)
        good = service.add_enquiry()
        _wait_for(lambda: _has(cache, key, good["id"]), proc)
        assert proc.poll() is None, "the sync process ended"
        with StoreReader(cache, key) as reader:
            assert reader.get(bad["id"]) is None
            assert [r["record_id"] for r in reader.quarantine("feed")] == [bad["id"]]
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0 and "Traceback" not in err, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_410_during_the_full_reread_and_a_kill_in_the_middle_still_prune(
    service: DemoService, proxy: HostileProxy, tmp_path: Path
) -> None:
    key = os.urandom(32).hex()
    cache, env = tmp_path / "c.db", env_for(tmp_path, key)
    assert sync_once(proxy.url, cache, env).returncode == 0
    dropped = sorted(service.snapshot())[-1]  # the server "loses" it: no tombstone, just absent
    proxy.drop_ids = {dropped}
    proxy.changes_requests = 0
    # 410 for the cursor, then 410 again in the middle of the re-read, then stall and kill -9.
    proxy.gone_at = {1, 3}
    proxy.stall_at = 6
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "console",
            "sync",
            "--api",
            proxy.url,
            "--cache",
            str(cache),
            "--once",
            "--user",
            USER,
            "--page-limit",
            "40",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proxy.stalled.wait(60), "the re-read never reached the stall"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    with StoreReader(cache, key) as reader:
        assert reader.get(dropped) is not None  # not pruned yet: the re-read was cut short
    proxy.stall_at = None
    proxy.release.set()
    done = sync_once(proxy.url, cache, env, "--page-limit", "40")
    assert done.returncode == 0, done.stderr
    with StoreReader(cache, key) as reader:
        assert reader.get(dropped) is None
        assert reader.enquiry_count() == len(service.snapshot()) - 1


def test_a_server_that_keeps_answering_410_is_a_clear_exit_4(
    service: DemoService, proxy: HostileProxy, tmp_path: Path
) -> None:
    key = os.urandom(32).hex()
    cache, env = tmp_path / "c.db", env_for(tmp_path, key)
    proxy.gone_always = True
    done = sync_once(proxy.url, cache, env)
    assert done.returncode == 4 and "Traceback" not in done.stderr, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("concierge sync: cannot sync") and "run sync again" in last


def _cached(cache: Path, key: str) -> int:
    try:
        with StoreReader(cache, key) as reader:
            return reader.enquiry_count()
    except Exception:
        return -1


def _has(cache: Path, key: str, ident: str) -> bool:
    with StoreReader(cache, key) as reader:
        return reader.get(ident) is not None


def _wait_for(predicate: object, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    """Poll the cache a real process is writing (there is no signal to wait on across processes)."""
    assert callable(predicate)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            _, err = proc.communicate()
            raise AssertionError(f"sync ended early with {proc.returncode}: {err[-2000:]}")
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")
