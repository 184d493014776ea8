"""A new enquiry, from the service's commit to its row in the queue model, at 100,000 open enquiries.

The reference service runs in its own process (`python -m console serve-demo --speed 0`, the floor frozen
so only our arrivals change it). The console is the real one, in this process: a headless Session (the
sync thread, the encrypted cache, the change feed, the queue model, the SLA engine) with the garbage
collector run on the UI thread as the application runs it (widgets.app.launch). It syncs all the open
enquiries from an empty cache, then ARRIVALS enquiries are added at random moments (50-600 ms apart) by
`POST /_admin/enquiries`, which answers the moment of the commit; each is timed until the queue model
holds its row. The same is done twice: quiet, and with a CPU hog (a busy-loop process) on the other core.

Printed per run: p50 / p95 / max of the latency, split into service -> sync thread has written it (the
change-set leaves the syncer) and -> in the model, and into the arrivals while the message feed was still
reading the first sync's conversations (350k messages at 100k) and those after; the garbage collections
of the run (count, longest, which thread) timed by gc.callbacks; and, as the raw baseline from the same
run, a bare client that long-polls the same feed and json-decodes each answer (what no console can beat).

Bar: p95 0.5 s, max 1 s, quiet and loaded.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_arrival.py [--open 100000] [--arrivals 200]
     [--modes quiet,loaded] [--py-spy DIR] (DIR: a py-spy flame graph of the console process per mode)
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
PY_SPY = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"  # the test extra's
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.bench_sync import hog, start_service  # noqa: E402

BAR_P95_S, BAR_MAX_S = 0.5, 1.0
PASSWORD = "demo-supervisor"  # the reference service's demo account


@dataclass
class GcLog:
    """Every collection of the run: (generation, seconds, thread name), timed by gc.callbacks."""

    runs: list[tuple[int, float, str]] = field(default_factory=list)
    _start: dict[int, float] = field(default_factory=dict)

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        ident = threading.get_ident()
        if phase == "start":
            self._start[ident] = time.perf_counter()
        elif ident in self._start:
            took = time.perf_counter() - self._start.pop(ident)
            self.runs.append((info["generation"], took, threading.current_thread().name))

    def summary(self) -> str:
        if not self.runs:
            return "no collections"
        worst = max(self.runs, key=lambda r: r[1])
        full = [r for r in self.runs if r[0] == 2]
        return (
            f"{len(self.runs)} collections ({len(full)} full, "
            f"longest full {max((r[1] for r in full), default=0) * 1000:.0f} ms); "
            f"longest: generation {worst[0]} {worst[1] * 1000:.0f} ms on {worst[2]}"
        )


class StallSampler:
    """A profiler aimed at stalls: a 10 ms QTimer beats on the UI thread; a watchdog thread samples the
    stacks of the UI and sync threads (sys._current_frames) every 5 ms, and keeps the UI thread's samples
    taken while its beat is more than STALL_S late. The summary is the innermost frames of our code
    that the stalls were spent in."""

    STALL_S = 0.05

    def __init__(self, sync_late: Callable[[], bool]) -> None:
        from PySide6.QtCore import QTimer

        self.beat = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._beat)
        self.ui = threading.get_ident()
        self.samples: dict[str, int] = {}
        self.stalled_s = 0.0
        self.sync_late = sync_late  # an arrival is overdue at the sync thread (not written after 100 ms)
        self.sync_samples: dict[str, int] = {}
        self.sync_late_s = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="stall-sampler", daemon=True)

    def _beat(self) -> None:
        self.beat = time.perf_counter()

    def start(self) -> None:
        self.beat = time.perf_counter()
        self.timer.start()
        self._thread.start()

    def stop(self) -> None:
        self.timer.stop()
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        import traceback

        def where(frame: Any) -> str:
            stack = traceback.extract_stack(frame)
            ours = [f for f in stack if "/console/" in f.filename or "/widgets/" in f.filename]
            top = ours[-3:] if ours else stack[-2:]
            return " <- ".join(
                f"{Path(f.filename).parent.name}/{Path(f.filename).name}:{f.lineno} {f.name}"
                for f in reversed(top)
            )

        while not self._stop.wait(0.005):
            frames = sys._current_frames()
            if self.sync_late():
                self.sync_late_s += 0.005
                for t in threading.enumerate():
                    if t.name == "concierge-sync" and t.ident in frames:
                        key = where(frames[t.ident])
                        self.sync_samples[key] = self.sync_samples.get(key, 0) + 1
            if time.perf_counter() - self.beat < self.STALL_S or self.ui not in frames:
                continue
            self.stalled_s += 0.005
            key = where(frames[self.ui])
            self.samples[key] = self.samples.get(key, 0) + 1

    def summary(self, lines: int = 12) -> str:
        total = sum(self.samples.values()) or 1
        out = [f"    UI thread stalled (beat > {self.STALL_S * 1000:.0f} ms late) for about "
               f"{self.stalled_s:.1f} s; where (share of stall samples, innermost first):"]  # fmt: skip
        for key, n in sorted(self.samples.items(), key=lambda kv: -kv[1])[:lines]:
            out.append(f"      {n / total:5.1%}  {key}")
        total = sum(self.sync_samples.values()) or 1
        late = f"{self.sync_late_s:.1f} s"
        out.append(f"    an arrival overdue at the sync thread (> 100 ms) for about {late}; it was in:")
        for key, n in sorted(self.sync_samples.items(), key=lambda kv: -kv[1])[:lines]:
            out.append(f"      {n / total:5.1%}  {key}")
        return "\n".join(out)


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[max(0, round(q * len(s)) - 1)]


def figures(name: str, values: list[float]) -> str:
    return (
        f"{name}: p50 {statistics.median(values) * 1000:5.0f} ms, p95 {pct(values, 0.95) * 1000:5.0f} ms, "
        f"max {max(values) * 1000:5.0f} ms"
    )


def login(url: str) -> requests.Session:
    s = requests.Session()
    token = s.post(
        f"{url}/v1/auth/token",
        json={"username": "supervisor", "password": PASSWORD, "scope": "viewer"},
        timeout=30,
    ).json()["access_token"]
    s.headers["Authorization"] = f"Bearer {token}"
    return s


def raw_follower(url: str, stop: threading.Event, seen: dict[str, float]) -> None:
    """The raw baseline: long-poll the feed and decode it, nothing else (a thread of this process)."""
    s = login(url)
    cursor = ""
    while True:  # to the end of the feed first
        body = s.get(f"{url}/v1/changes", params={"cursor": cursor, "limit": 5000}, timeout=60).json()
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    while not stop.is_set():
        try:
            body = s.get(
                f"{url}/v1/changes", params={"cursor": cursor, "limit": 2000, "wait": 2}, timeout=60
            ).json()
        except requests.RequestException:
            if stop.is_set():
                return  # the service stopped at the end of the run
            raise
        now = time.time()
        for item in body["items"]:
            if item.get("op") == "upsert":
                seen.setdefault(item["enquiry"]["id"], now)
        cursor = body["next_cursor"]


def run(url: str, arrivals: int, mode: str, cache: Path, seed: int) -> dict[str, float]:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from console.platform.credentials import SecretStore
    from widgets.app.gc_guard import GarbageCollector
    from widgets.app.session import Session, SessionConfig

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    collector = GarbageCollector(app)
    collector.start()  # as widgets.app.launch runs it
    gclog = GcLog()
    config = SessionConfig(api_url=url, demo=False, cache_path=cache, headless=True, username="supervisor")
    session = Session(app, config, secret_store=SecretStore("bench", None, "memory", None))
    session.start()
    assert session.controller is not None and session.worker is not None
    model = session.controller.model
    written: dict[str, float] = {}

    def on_changes(cs: Any) -> None:  # runs on the sync thread (a direct connection): the syncer's emit
        now = time.time()
        for ident in cs.added:
            written.setdefault(ident, now)

    session.worker.changesReady.connect(on_changes, Qt.ConnectionType.DirectConnection)
    t = time.perf_counter()
    while not session.synced() or not model.warmed_up():
        app.processEvents()
        time.sleep(0.005)
    print(f"  [{mode}] console synced {model.rowCount():,} open enquiries in {time.perf_counter() - t:.1f} s")
    # Let the start-up's own work settle (the clocks made exact, the first timers), then measure.
    settle = time.perf_counter() + 3.0
    while time.perf_counter() < settle:
        app.processEvents()
        time.sleep(0.002)

    committed: dict[str, float] = {}
    order: list[str] = []
    backlog: set[str] = set()

    def arrive() -> None:  # its own thread: the UI thread never waits on a POST
        rng = random.Random(seed)
        s = requests.Session()
        for _ in range(arrivals):
            time.sleep(rng.uniform(0.05, 0.6))
            channel = rng.choice(["x", "facebook", "whatsapp"])
            body = s.post(f"{url}/_admin/enquiries", json={"channel": channel}, timeout=30).json()
            committed[body["id"]] = body["committed_at"]
            order.append(body["id"])
            feed = session.syncer.messages if session.syncer is not None else None
            if feed is not None and (feed.behind or feed.caught_up_at is None):
                backlog.add(body["id"])  # the first sync's conversations were still streaming in

    gc.callbacks.append(gclog)

    def sync_late() -> bool:
        now = time.time()
        return any(now - t > 0.1 for i, t in list(committed.items()) if i not in written)

    sampler = StallSampler(sync_late) if os.environ.get("BENCH_STALLS") else None
    if sampler is not None:
        sampler.start()
    poster = threading.Thread(target=arrive, daemon=True)
    poster.start()
    in_model: dict[str, float] = {}
    deadline = time.monotonic() + arrivals * 0.6 + 60
    while len(in_model) < arrivals:
        app.processEvents()
        for ident in list(committed):
            if ident not in in_model and model.row_of(ident) is not None:
                in_model[ident] = time.time()
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(in_model)} of {arrivals} arrivals reached the model")
        time.sleep(0.001)
    gc.callbacks.remove(gclog)
    if sampler is not None:
        sampler.stop()
    poster.join()
    session.stop()
    collector.stop()
    total = [in_model[i] - committed[i] for i in order]
    sync_part = [written[i] - committed[i] for i in order if i in written]
    ui_part = [in_model[i] - written[i] for i in order if i in written]
    print(f"  [{mode}] {arrivals} arrivals, service commit -> ...")
    verdict = "ok" if pct(total, 0.95) <= BAR_P95_S and max(total) <= BAR_MAX_S else "OVER"
    print(f"    console, in the model  {figures('', total)}   bar p95 {BAR_P95_S * 1000:.0f} ms, max "
          f"{BAR_MAX_S * 1000:.0f} ms: {verdict}")  # fmt: skip
    print(f"      of which commit -> written by the sync thread {figures('', sync_part)}")
    print(f"      and written -> in the model                   {figures('', ui_part)}")
    for name, part in (("while the message feed read its backlog", [i for i in order if i in backlog]),
                       ("once it had caught up", [i for i in order if i not in backlog])):  # fmt: skip
        if part:
            took = [in_model[i] - committed[i] for i in part]
            print(f"      {len(part):3} arrivals {name}{figures('', took)}")
    print(f"    garbage collections meanwhile: {gclog.summary()}")
    if sampler is not None:
        print(sampler.summary())
    if os.environ.get("BENCH_VERBOSE"):
        print("    in order (ms):", " ".join(f"{x * 1000:.0f}" for x in total))
    return {i: committed[i] for i in order}


CHILD = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from benchmarks.bench_arrival import child; child(sys.argv[2:])"
)


def child(argv: list[str]) -> None:
    url, arrivals, mode, cache, seed, out = argv
    Path(out).write_text(json.dumps(run(url, int(arrivals), mode, Path(cache), int(seed))))


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--open", type=int, default=100_000)
    p.add_argument("--arrivals", type=int, default=200)
    p.add_argument("--modes", default="quiet,loaded")
    p.add_argument("--py-spy", type=Path, default=None, help="folder for a py-spy profile of each run")
    args = p.parse_args(argv)
    print(f"bench_arrival: load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
          f"{args.open:,} open enquiries, {args.arrivals} arrivals per run")  # fmt: skip
    proc, url = start_service(args.open)
    env = {
        **os.environ,
        "CONCIERGE_PASSWORD": PASSWORD,
        "CONCIERGE_CACHE_KEY": os.urandom(32).hex(),
        "QT_QPA_PLATFORM": "offscreen",
    }
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env["CONCIERGE_LOG_DIR"] = str(Path(tmp) / "logs")
            for i, mode in enumerate(args.modes.split(",")):
                hogs = [hog()] if mode == "loaded" else []
                stop, raw_seen = threading.Event(), {}  # type: ignore[var-annotated]
                raw = threading.Thread(target=raw_follower, args=(url, stop, raw_seen), daemon=True)
                raw.start()
                done = Path(tmp) / f"committed-{mode}.json"
                try:
                    # Each run is a fresh console process (an empty cache: the whole initial sync).
                    cmd = [sys.executable, "-c", CHILD, str(ROOT), url, str(args.arrivals), mode,
                           str(Path(tmp) / f"cache-{mode}.db"), str(i + 1), str(done)]  # fmt: skip
                    if args.py_spy is not None:
                        args.py_spy.mkdir(parents=True, exist_ok=True)
                        out = args.py_spy / f"arrival-{mode}.txt"
                        cmd = [PY_SPY, "record", "--threads", "--format", "raw", "--rate", "100",
                               "--output", str(out), "--", *cmd]  # fmt: skip
                    subprocess.run(cmd, env=env, check=True, timeout=1800)
                    committed = json.loads(done.read_text())
                    raw_lat = [raw_seen[i] - t for i, t in committed.items() if i in raw_seen]
                    print(f"    raw baseline, same run: a bare client long-polling the feed and decoding it, "
                          f"in its own process: {figures('seen', raw_lat)}")  # fmt: skip
                finally:
                    stop.set()
                    raw.join(5)
                    for h in hogs:
                        h.kill()
                        h.wait()
    finally:
        proc.terminate()
        proc.wait(10)
    print(f"load average after the run: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
