"""The gateway on PostgreSQL at scale, each figure beside the reference service's from the same run.

    .venv/bin/python benchmarks/bench_gateway.py [--open 100000] [--followers 20] [--arrivals 40] [--quick]
        [--dsn "host=... dbname=..."]   (default: a private PostgreSQL cluster in a temporary folder)

1. Seed: N open enquiries (the reference world of seed 1, without their conversations) written through the
   gateway's Ledger in transactions of 2,000; printed as records a second.
2. Initial sync of N into a fresh console cache by `python -m console sync --once` (its own process), from
   the gateway and from the reference service (`serve-demo`, its own process) holding the same N, run
   alternately (reference, gateway, reference, gateway). Bar: the gateway within 2x the reference.
3. Followers: F headless consoles (the real Syncer.run_forever into caches copied from one synced cache)
   long-poll one gateway process, then the same F split over two gateway processes on the same database.
   New enquiries arrive through the Ledger (in this process) 200-800 ms apart; each follower reports when
   its syncer wrote each one. Printed: commit -> written p50 / p95 / max (bar p95 1 s), and the gateway
   processes' CPU (user + system, /proc) during the arrivals, per follower.
Other engineers share the 2 cores: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_fanout import FOLLOWER, Follower, cpu_s, figures, pct  # noqa: E402
from benchmarks.bench_sync import start_service  # noqa: E402
from console.domain import wire  # noqa: E402
from console.gateway.db.auth import Auth  # noqa: E402
from console.gateway.db.ledger import PgLedger  # noqa: E402
from console.gateway.db.store import Database  # noqa: E402
from console.service.auth import USERS  # noqa: E402
from console.service.server import DemoService  # noqa: E402
from console.store.cache import Store  # noqa: E402

BAR_P95_S = 1.0
BAR_SYNC_RATIO = 2.0


def private_cluster(root: Path) -> tuple[str, list[str]]:
    from tests.helpers.postgres import start_cluster

    cluster, stop = start_cluster(root)
    import psycopg

    with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
        conn.execute("CREATE DATABASE bench")
    return cluster.dsn("bench"), stop


def seed(ledger: PgLedger, n: int) -> dict[str, Any]:
    """The reference world of seed 1 (the one serve-demo serves), copied through the Ledger."""
    source = DemoService(seed=1, open_enquiries=n, speed=0)
    w = source.sim.world
    ledger.put_reference("teams", [wire.team_to_wire(t) for t in w.teams])
    ledger.put_reference("agents", [wire.agent_to_wire(a) for a in w.agents.values()])
    ledger.put_reference("channels", [wire.channel_to_wire(c) for c in w.channels])
    ledger.put_reference("sla-policies", [wire.policy_to_wire(p) for p in w.policies])
    ledger.put_reference("calendars", [wire.calendar_to_wire(c) for c in w.calendars])
    ledger.put_reference("shifts", [wire.shift_to_wire(s) for s in w.shifts])
    records = list(source.snapshot().values())
    t = time.perf_counter()
    for i in range(0, len(records), 2000):
        ledger.upsert_many([(r, None) for r in records[i : i + 2000]])
    took = time.perf_counter() - t
    print(f"  seed: {len(records):,} enquiries through the Ledger in {took:.1f} s "
          f"({len(records) / took:,.0f} a second, transactions of 2,000)")  # fmt: skip
    return records[0]


def spawn_gateway(dsn: str) -> tuple[subprocess.Popen[str], str]:
    cmd = [sys.executable, "-m", "console", "gateway", "--dsn", dsn, "--port", "0"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("gateway serving "):
        proc.kill()
        raise SystemExit(f"the gateway did not start: {line!r}")
    return proc, line.split()[2]


def sync_once(url: str, cache: Path, env: dict[str, str]) -> float:
    cmd = [sys.executable, "-m", "console", "sync", "--api", url, "--cache", str(cache), "--once",
           "--user", "supervisor"]  # fmt: skip
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, timeout=1800)
    return time.perf_counter() - t


def follow(
    label: str, urls: list[str], procs: list[subprocess.Popen[str]], base: Path, tmp: Path, args: Any,
    env: dict[str, str], ledger: PgLedger, template: dict[str, Any], counter: list[int],
) -> None:  # fmt: skip
    followers: list[Follower] = []
    try:
        for i in range(args.followers):
            cache = tmp / f"{label}-f{i}.db"
            for suffix in ("", "-wal"):
                if Path(f"{base}{suffix}").exists():
                    shutil.copy(f"{base}{suffix}", f"{cache}{suffix}")
            url = urls[i % len(urls)]
            if url != urls[0]:  # a cache belongs to one server URL: a balancer's in production; here, tell it
                with Store(cache, bytes.fromhex(env["CONCIERGE_CACHE_KEY"])) as store:
                    store.set_meta("server", url)
            argv = [sys.executable, "-c", FOLLOWER, str(ROOT), url, str(cache), "supervisor",
                    "demo-supervisor", "supervisor"]  # fmt: skip
            followers.append(Follower(f"{label}{i}", argv, env))
        for f in followers:
            if not f.live.wait(600):
                raise SystemExit(f"{f.name} never went live")
        time.sleep(3.0)  # every follower back in its long-poll
        rng = random.Random(9)
        committed: dict[str, float] = {}
        cpu0, t0 = sum(cpu_s(p.pid) for p in procs), time.perf_counter()
        for _ in range(args.arrivals):
            time.sleep(rng.uniform(0.2, 0.8))
            counter[0] += 1
            ident = f"GW-{counter[0]:07d}"
            stamp = wire.iso(time.time())
            ledger.upsert_enquiry({**template, "id": ident, "created_at": stamp, "updated_at": stamp})
            committed[ident] = time.time()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(all(i in f.seen for i in committed) for f in followers):
            time.sleep(0.05)
        window = time.perf_counter() - t0
        cpu = sum(cpu_s(p.pid) for p in procs) - cpu0
    finally:
        for f in followers:
            f.stop()
    lat = [f.seen[i] - at for f in followers for i, at in committed.items() if i in f.seen]
    missing = len(followers) * len(committed) - len(lat)
    verdict = "ok" if not missing and pct(lat, 0.95) <= BAR_P95_S else "OVER"
    print(f"  {label}: {len(followers)} followers, {len(committed)} arrivals, {missing} never arrived")
    print(f"    commit -> written  {figures(lat)}   bar p95 {BAR_P95_S:.0f} s: {verdict}")
    print(f"    gateway CPU during the arrivals: {cpu / window * 100:.1f}% of a core in all, "
          f"{cpu / window / len(followers) * 100:.2f}% per follower")  # fmt: skip


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--open", type=int, default=100_000)
    p.add_argument("--followers", type=int, default=20)
    p.add_argument("--arrivals", type=int, default=40)
    p.add_argument("--quick", action="store_true", help="20,000 open, 10 followers, 20 arrivals")
    p.add_argument("--dsn", default=None, help="an empty database to use instead of a private cluster")
    args = p.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # figures as they come
    if args.quick:
        args.open, args.followers, args.arrivals = 20_000, 10, 20
    print(f"bench_gateway: load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
          f"{args.open:,} open, {args.followers} followers, {args.arrivals} arrivals")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        stop_cluster: list[str] = []
        dsn = args.dsn
        pg_root = Path(tempfile.mkdtemp(prefix="concierge-pg-"))  # its own: the postgres user must reach it
        if dsn is None:
            dsn, stop_cluster = private_cluster(pg_root)
        procs: list[subprocess.Popen[str]] = []
        db = Database(dsn, max_size=4)
        try:
            auth = Auth(db)
            for name, (password, scopes) in USERS.items():
                auth.add_user(name, password, scopes)
            ledger = PgLedger(db)
            template = seed(ledger, args.open)
            reference, ref_url = start_service(args.open)
            procs.append(reference)
            gw1, url1 = spawn_gateway(dsn)
            procs.append(gw1)
            env = {**os.environ, "CONCIERGE_CACHE_KEY": os.urandom(32).hex(),
                   "CONCIERGE_PASSWORD": "demo-supervisor", "CONCIERGE_LOG_DIR": str(tmp / "logs"),
                   "HOME": str(tmp)}  # fmt: skip
            times: dict[str, list[float]] = {"reference": [], "gateway": []}
            for round_ in range(2):
                for name, url in (("reference", ref_url), ("gateway", url1)):
                    times[name].append(sync_once(url, tmp / f"{name}-{round_}.db", env))
            ref_best, gw_best = min(times["reference"]), min(times["gateway"])
            ratio = gw_best / ref_best
            print(f"  initial sync of {args.open:,} (sync --once, best of 2, alternated): reference "
                  f"{ref_best:.1f} s, gateway {gw_best:.1f} s = {ratio:.2f}x   bar {BAR_SYNC_RATIO:.0f}x: "
                  f"{'ok' if ratio <= BAR_SYNC_RATIO else 'OVER'}")  # fmt: skip
            reference.terminate()
            reference.wait(10)
            procs.remove(reference)
            base = tmp / "gateway-0.db"
            counter = [0]
            follow("one gateway", [url1], [gw1], base, tmp, args, env, ledger, template, counter)
            gw2, url2 = spawn_gateway(dsn)
            procs.append(gw2)
            follow("two gateways", [url1, url2], [gw1, gw2], base, tmp, args, env, ledger, template, counter)
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(10)
            db.close()
            if stop_cluster:
                subprocess.run(stop_cluster, check=False, capture_output=True)
            shutil.rmtree(pg_root, ignore_errors=True)
    print(f"load average after the run: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
