"""Fan-out: one reference service at 100,000 open enquiries followed by 10 consoles and 2 wallboards.

The service runs in its own process (`python -m console serve-demo --speed 0`). Each follower is a
headless process running the real sync engine (console.sync.engine.Syncer.run_forever) into an
encrypted cache of its own: 10 sign in as the supervisor (a console), 2 with the wallboard's viewer
account. Their caches are copies of one cache synced once by `python -m console sync --once`, so each
starts live at once. ARRIVALS new enquiries are then added at random moments (200-800 ms apart) through
`POST /_admin/enquiries`, which answers the moment of the commit; every follower reports the moment its
syncer has written each one (the change-set it emits). Printed:

- commit -> written, over every (arrival, follower): p50 / p95 / max, consoles and wallboards apart;
  beside it, the raw baseline from the same run: one bare client in this process that long-polls the
  feed and decodes it. Bar: p95 1 s.
- the service's CPU (user + system, /proc) while the followers wait and while the arrivals flow, per
  follower and per change delivered, and (--profile) where it goes: py-spy samples of the service
  during the arrivals, summarised by function.

Run: .venv/bin/python benchmarks/bench_fanout.py [--open 100000] [--consoles 10] [--wallboards 2]
     [--arrivals 60] [--profile benchmarks/profiles/fanout-service.txt]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PY_SPY = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"  # the test extra's
sys.path.insert(0, str(ROOT))

from benchmarks.bench_sync import start_service  # noqa: E402

BAR_P95_S = 1.0
CONSOLE = ("supervisor", "demo-supervisor", "supervisor")  # the reference service's demo accounts
WALLBOARD = ("wallboard", "demo-viewer", "viewer")
TICK = os.sysconf("SC_CLK_TCK")

# One follower: the real syncer and store, reporting "LIVE" and "<id> <time written>" on stdout.
FOLLOWER = """
import os, sys, threading, time
sys.path.insert(0, sys.argv[1])
from console.api.client import ApiClient, ApiSettings
from console.store.cache import Store
from console.sync.engine import Syncer
url, cache, user, password, scope = sys.argv[2:7]
api = ApiClient(ApiSettings(url))
api.login(user, password, scope)
store = Store(cache, bytes.fromhex(os.environ["CONCIERGE_CACHE_KEY"]))
out = sys.stdout
def on_changes(cs):
    now = time.time()
    if cs.added:
        out.write("".join(f"{i} {now!r}\\n" for i in cs.added))
        out.flush()
def on_state(s):
    out.write(f"STATE {s.state}\\n")
    out.flush()
Syncer(api, store, on_changes=on_changes, on_state=on_state).run_forever(threading.Event())
"""


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[max(0, round(q * len(s)) - 1)]


def figures(values: list[float]) -> str:
    return (
        f"p50 {statistics.median(values) * 1000:5.0f} ms, p95 {pct(values, 0.95) * 1000:5.0f} ms, "
        f"max {max(values) * 1000:5.0f} ms"
    )


def token(url: str, user: str, password: str, scope: str) -> str:
    body = {"username": user, "password": password, "scope": scope}
    return str(requests.post(f"{url}/v1/auth/token", json=body, timeout=30).json()["access_token"])


def raw_follower(url: str, stop: threading.Event, seen: dict[str, float], live: threading.Event) -> None:
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token(url, 'wallboard', 'demo-viewer', 'viewer')}"
    cursor = ""
    while True:
        body = s.get(f"{url}/v1/changes", params={"cursor": cursor, "limit": 5000}, timeout=60).json()
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    live.set()
    while not stop.is_set():
        try:
            r = s.get(f"{url}/v1/changes", params={"cursor": cursor, "limit": 2000, "wait": 2}, timeout=60)
        except requests.RequestException:
            return  # the service stopped
        now = time.time()
        body = r.json()
        for item in body["items"]:
            if item.get("op") == "upsert":
                seen.setdefault(item["enquiry"]["id"], now)
        cursor = body["next_cursor"]


class Follower:
    def __init__(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        self.seen: dict[str, float] = {}
        self.live = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("STATE "):
                if line.strip() == "STATE live":
                    self.live.set()
                continue
            ident, _, at = line.partition(" ")
            self.seen.setdefault(ident, float(at))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


# Innermost frames of a thread that waits (a long-poll, a keep-alive read): no CPU, not counted.
WAITING = {"Condition.wait", "SocketIO.readinto", "Event.wait", "BaseSelector.select", "Thread.join"}


def profile_summary(raw: Path, out: Path, window_s: float, lines: int = 25) -> None:
    """py-spy's collapsed stacks -> the functions the service's samples were in (self and total)."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack:
            continue
        count = int(n)
        frames = stack.split(";")
        if frames[-1].split(" (")[0] in WAITING:
            continue  # a thread blocked in a long-poll or a keep-alive read: no CPU
        samples += count
        own[frames[-1]] += count
        for f in set(frames):
            total[f] += count
    head = f"py-spy of the reference service during the arrivals ({window_s:.0f} s, {samples} samples"
    text = [head + " at 100 Hz that were not waiting); share of them:", "", "self (innermost frame):"]
    text += [f"  {n / samples:6.1%}  {f}" for f, n in own.most_common(lines)]
    text += ["", "total (anywhere on the stack):"]
    text += [f"  {n / samples:6.1%}  {f}" for f, n in total.most_common(lines)]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(text) + "\n")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--open", type=int, default=100_000)
    p.add_argument("--consoles", type=int, default=10)
    p.add_argument("--wallboards", type=int, default=2)
    p.add_argument("--arrivals", type=int, default=60)
    p.add_argument("--profile", type=Path, default=None, help="write a py-spy summary of the service here")
    args = p.parse_args(argv)
    n = args.consoles + args.wallboards
    print(f"bench_fanout: load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
          f"{args.open:,} open, {args.consoles} consoles + {args.wallboards} wallboards, "
          f"{args.arrivals} arrivals")  # fmt: skip
    service, url = start_service(args.open)
    key = os.urandom(32).hex()
    followers: list[Follower] = []
    stop = threading.Event()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            env = {**os.environ, "CONCIERGE_CACHE_KEY": key, "CONCIERGE_LOG_DIR": f"{tmp}/logs",
                   "CONCIERGE_TOKEN": token(url, "supervisor", "demo-supervisor", "supervisor")}  # fmt: skip
            t = time.perf_counter()
            base = Path(tmp) / "base.db"
            cmd = [sys.executable, "-m", "console", "sync", "--api", url, "--cache", str(base), "--once"]
            subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, timeout=900)
            print(f"  one cache synced in {time.perf_counter() - t:.1f} s; copied for each follower")
            env.pop("CONCIERGE_TOKEN")
            for i in range(n):
                cache = Path(tmp) / f"f{i}.db"
                for suffix in ("", "-wal"):
                    if Path(f"{base}{suffix}").exists():
                        shutil.copy(f"{base}{suffix}", f"{cache}{suffix}")
                wall = i >= args.consoles
                user, password, scope = WALLBOARD if wall else CONSOLE
                argv_ = [sys.executable, "-c", FOLLOWER, str(ROOT), url, str(cache), user, password, scope]
                followers.append(Follower(("wallboard" if wall else "console") + str(i), argv_, env))
            for f in followers:
                if not f.live.wait(300):
                    raise SystemExit(f"{f.name} never went live")
            raw_seen: dict[str, float] = {}
            raw_live = threading.Event()
            raw = threading.Thread(target=raw_follower, args=(url, stop, raw_seen, raw_live), daemon=True)
            raw.start()
            if not raw_live.wait(300):
                raise SystemExit("the raw client never reached the end of the feed")
            time.sleep(3.0)  # every follower back in its long-poll
            idle0, t_idle = cpu_s(service.pid), time.perf_counter()
            time.sleep(5.0)
            idle_cpu = (cpu_s(service.pid) - idle0) / (time.perf_counter() - t_idle)
            spy = None
            if args.profile is not None:
                spy_raw = Path(tmp) / "spy.txt"
                spy = subprocess.Popen([PY_SPY, "record", "--pid", str(service.pid), "--format", "raw",
                                        "--rate", "100", "--nonblocking", "--output", str(spy_raw)],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
                time.sleep(1.0)
            rng = random.Random(9)
            s = requests.Session()
            committed: dict[str, float] = {}
            busy0, t_busy = cpu_s(service.pid), time.perf_counter()
            for _ in range(args.arrivals):
                time.sleep(rng.uniform(0.2, 0.8))
                body = s.post(f"{url}/_admin/enquiries", json={}, timeout=30).json()
                committed[body["id"]] = body["committed_at"]
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not all(
                all(i in f.seen for i in committed) for f in followers
            ):
                time.sleep(0.05)
            window = time.perf_counter() - t_busy
            busy_cpu = cpu_s(service.pid) - busy0
            if spy is not None:
                spy.send_signal(2)  # py-spy writes its samples on SIGINT
                spy.wait(30)
                assert args.profile is not None
                profile_summary(spy_raw, args.profile, window)
        finally:
            stop.set()
            for f in followers:
                f.stop()
            service.terminate()
            service.wait(10)
    lat: dict[str, list[float]] = {"console": [], "wallboard": []}
    missing = 0
    for f in followers:
        kind = "wallboard" if f.name.startswith("wallboard") else "console"
        for ident, at in committed.items():
            if ident in f.seen:
                lat[kind].append(f.seen[ident] - at)
            else:
                missing += 1
    both = lat["console"] + lat["wallboard"]
    raw_lat = [raw_seen[i] - at for i, at in committed.items() if i in raw_seen]
    verdict = "ok" if not missing and pct(both, 0.95) <= BAR_P95_S else "OVER"
    print(f"  commit -> written by every follower ({len(both)} deliveries, {missing} never arrived):")
    print(f"    all {n} followers   {figures(both)}   bar p95 {BAR_P95_S:.0f} s: {verdict}")
    for kind, values in lat.items():
        if values:
            print(f"    {kind + 's':16s}  {figures(values)}")
    print(f"    raw baseline      {figures(raw_lat)}   (one bare long-poll client + JSON decode, same run)")
    per_change = busy_cpu / max(1, len(committed)) / n * 1000
    print(f"  service CPU: idle with {n} followers waiting {idle_cpu * 100:.1f}% of a core; during the "
          f"arrivals {busy_cpu / window * 100:.1f}% of a core ({busy_cpu / window / n * 100:.2f}% per "
          f"follower), {per_change:.2f} ms per change per follower")  # fmt: skip
    if args.profile is not None:
        print(f"  where the service's CPU goes: {args.profile}")
    print(f"load average after the run: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
