"""Soak: the whole console (Session: sync worker, controller, queue model and view under offscreen Qt)
against the reference service running traffic at 10x speed, with every fault switch cycling, for a
bounded time; then faults off, traffic frozen, and the checks:

- no data lost: the cache converges to the service's snapshot (same ids, same versions) and the open
  queue holds exactly the snapshot's open enquiries;
- no duplicate assignment: every supervisor move the soak made (a unique reason each) exists on the
  server at most once, every accepted one exactly once, and nothing is left in the outbox;
- RSS growth of the console process at most 10% (baseline after the first sync and a warm-up);
- the UI tick (QueueView.tick_visible) at most 5 ms (p99 and max printed).

The service runs in a child process so the console's RSS is the console's alone.

    .venv/bin/python scripts/soak.py --minutes 30        # prints figures; exit 0 when every check holds
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Each phase lasts --phase seconds; the last one mixes everything. Probabilities are high on purpose.
PHASES = (
    "5xx=0.3",
    "429=0.2:1",
    "slow=0.2:2",
    "drop=0.2",
    "malformed=0.1",
    "invalid=0.1",
    "dup=0.3",
    "reorder=0.3",
    "skew=300",
    "",
    "5xx=0.1,429=0.05:1,slow=0.05:1,drop=0.05,malformed=0.03,invalid=0.03,dup=0.1,reorder=0.1,skew=-120",
)


def serve(conn: Connection, speed: float, open_enquiries: int) -> None:
    """Child process: the reference service, driven by commands over a pipe."""
    from console.service.server import DemoService

    service = DemoService(seed=5, open_enquiries=open_enquiries, speed=speed)
    conn.send(service.start())
    while True:
        cmd, arg = conn.recv()
        if cmd == "faults":
            service.faults.set(arg)
            conn.send(None)
        elif cmd == "freeze":
            service._ticker.stop()  # no more simulated traffic: the snapshot stops moving
            conn.send(None)
        elif cmd == "snapshot":
            conn.send({i: (r["version"], r["status"]) for i, r in service.snapshot().items()})
        elif cmd == "assignments":
            with service.sim.store.lock:
                conn.send([(a.enquiry_id, a.reason, a.to_team) for a in service.sim.store.assignments])
        elif cmd == "stop":
            service.stop()
            conn.send(None)
            return


def pct(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--phase", type=float, default=60.0, help="seconds per fault phase")
    p.add_argument("--speed", type=float, default=10.0)
    p.add_argument("--open", type=int, default=3000)
    p.add_argument("--move-every", type=float, default=2.0, help="seconds between supervisor moves")
    args = p.parse_args(argv)

    from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Slot
    from PySide6.QtWidgets import QApplication

    from console.domain.routing import Router
    from console.platform.credentials import PASSWORD, SecretStore
    from widgets.app.session import Session, SessionConfig

    parent, child = mp.get_context("spawn").Pipe()
    proc = mp.get_context("spawn").Process(target=serve, args=(child, args.speed, args.open), daemon=True)
    proc.start()
    url = parent.recv()

    def ask(cmd: str, arg: Any = None) -> Any:
        parent.send((cmd, arg))
        return parent.recv()

    tmp = Path(tempfile.mkdtemp(prefix="concierge-soak-"))
    app = QApplication([sys.argv[0]])
    secrets = SecretStore("concierge-soak", None, "memory", None)  # this run's secrets: memory only
    secrets.set(PASSWORD, "demo-supervisor")
    config = SessionConfig(api_url=url, demo=False, cache_path=tmp / "cache.db", headless=True)
    config.username = "supervisor"
    session = Session(app, config, secret_store=secrets)
    session.start()
    assert session.window is not None and session.controller is not None
    view, ctl = session.window.queue_view, session.controller

    ticks: list[float] = []
    tick_cpu: list[float] = []
    applies: list[float] = []
    timer = QElapsedTimer()

    # Time the view's own tick and each change-set applied, in place (same objects the app uses).
    original_tick = view.tick_visible

    def timed_tick() -> None:
        # Wall time includes waiting for the GIL while the sync thread parses a page; CPU time is the
        # tick's own work. Both are printed.
        cpu = time.thread_time()
        timer.start()
        original_tick()
        ticks.append(timer.nsecsElapsed() / 1e6)
        tick_cpu.append((time.thread_time() - cpu) * 1e3)

    # And its two parts apart: the visible rows' clocks, and the sweep of off-screen clocks.
    parts: dict[str, list[float]] = {"visible rows": [], "off-screen sweep": []}
    model = view.model()

    def part(name: str, fn: Any) -> Any:
        def timed_part(*args: Any) -> Any:
            cpu = time.thread_time()
            out = fn(*args)
            parts[name].append((time.thread_time() - cpu) * 1e3)
            return out

        return timed_part

    model.tick = part("visible rows", model.tick)
    model.refresh_some = part("off-screen sweep", model.refresh_some)
    view._timer.timeout.disconnect(view.tick_visible)
    view._timer.timeout.connect(timed_tick)

    # A QObject slot living on the UI thread: PySide queues the worker's emits to it (a plain
    # function would run on the sync thread and touch the model from there).
    class TimedApply(QObject):
        @Slot(object)
        def on_changes(self, cs: Any) -> None:
            started = time.perf_counter()
            ctl.on_changes(cs)
            applies.append((time.perf_counter() - started) * 1e3)

    timed_apply = TimedApply()
    assert session.worker is not None
    session.worker.changesReady.disconnect(ctl.on_changes)
    session.worker.changesReady.connect(timed_apply.on_changes)

    moves: list[str] = []
    rss: list[tuple[float, float]] = []
    started = time.monotonic()
    end = started + args.minutes * 60
    state: dict[str, Any] = {"phase": -1, "baseline": None, "stage": "run"}
    rng = random.Random(7)

    def move() -> None:
        syncer = session.syncer
        if syncer is None or not ctl.rows or session.reader is None:
            return
        e = ctl.rows[rng.choice(list(ctl.rows))]
        router = Router("hybrid", session.reader.teams(), session.reader.agents())
        allowed = [t for t, v in router.allowed_targets(e) if v.allowed and t.team_id != e.team_id]
        if not allowed:
            return
        target = rng.choice(allowed)
        reason = f"soak move {len(moves)}"
        moves.append(reason)
        syncer.queue_assignment(e.id, target.team_id, target.agent_id, reason, "supervisor")
        ctl.select(e.id)  # the detail pane and a conversation fetch, like a supervisor looking

    def every_second() -> None:
        now = time.monotonic()
        phase = int((now - started) // args.phase) % len(PHASES)
        if phase != state["phase"]:
            state["phase"] = phase
            ask("faults", PHASES[phase])
            print(f"[{(now - started) / 60:5.1f} min] faults: {PHASES[phase] or 'none'}", flush=True)
        if state["baseline"] is None and session.synced() and now - started > 120:
            state["baseline"] = rss_mb()
        rss.append((now - started, rss_mb()))
        if now >= end:
            seconds.stop()
            mover.stop()
            finish()

    def finish() -> None:
        ask("faults", "")
        ask("freeze")
        deadline = time.monotonic() + 180
        poll = QTimer()
        poll.setInterval(1000)

        def check() -> None:
            snap = ask("snapshot")
            ok, detail = converged(snap)
            if ok or time.monotonic() > deadline:
                poll.stop()
                state["converged"], state["detail"], state["snapshot"] = ok, detail, snap
                app.quit()

        poll.timeout.connect(check)
        poll.start()
        state["poll"] = poll

    def converged(snap: dict[str, tuple[int, str]]) -> tuple[bool, str]:
        reader = session.reader
        assert reader is not None
        cached = dict(reader._rows("SELECT id, version FROM enquiries"))
        pending = reader.outbox_pending()
        want = {i: v for i, (v, _) in snap.items()}
        missing = set(want) - set(cached)
        extra = set(cached) - set(want)
        stale = [i for i in want if i in cached and cached[i] != want[i]]
        open_ids = {i for i, (_, s) in snap.items() if s not in ("resolved", "closed")}
        queue_ok = set(ctl.rows) == open_ids
        ok = not (missing or extra or stale or pending) and queue_ok
        return ok, (
            f"missing {len(missing)}, extra {len(extra)}, stale {len(stale)}, outbox unresolved "
            f"{len(pending)}, open queue {'matches' if queue_ok else 'DIFFERS'} ({len(open_ids)} open)"
        )

    seconds = QTimer()
    seconds.setInterval(1000)
    seconds.timeout.connect(every_second)
    seconds.start()
    mover = QTimer()
    mover.setInterval(int(args.move_every * 1000))
    mover.timeout.connect(move)
    mover.start()
    app.exec()

    assignments = ask("assignments")
    outbox = session.reader.outbox_items(100_000) if session.reader else []
    session.stop()
    ask("stop")
    proc.join(10)

    by_reason: dict[str, int] = {}
    for _, reason, _ in assignments:
        by_reason[reason] = by_reason.get(reason, 0) + 1
    dupes = [r for r in moves if by_reason.get(r, 0) > 1]
    done = [o for o in outbox if o.kind == "assignment" and o.state == "done"]
    done_missing = [o for o in done if by_reason.get(o.payload.get("reason", ""), 0) != 1]
    states: dict[str, int] = {}
    for o in outbox:
        states[o.state] = states.get(o.state, 0) + 1
    base = state["baseline"] or (rss[0][1] if rss else 0.0)
    final = statistics.median(v for _, v in rss[-30:]) if rss else 0.0
    peak = max((v for _, v in rss), default=0.0)
    growth = (final - base) / base * 100 if base else 0.0
    tick_sorted, cpu_sorted = sorted(ticks) or [0.0], sorted(tick_cpu) or [0.0]
    p99, cpu_p99 = pct(tick_sorted, 0.99), pct(cpu_sorted, 0.99)
    apply_sorted = sorted(applies) or [0.0]
    print("== soak figures")
    print(
        f"duration {(time.monotonic() - started) / 60:.1f} min at {args.speed:g}x, {len(PHASES)} fault phases"
    )
    print(f"data: {state.get('detail')} -> {'CONVERGED' if state.get('converged') else 'NOT CONVERGED'}")
    print(f"enquiries on the service at the end: {len(state.get('snapshot') or {})}")
    print(
        f"moves {len(moves)}; outbox states {states}; server assignments for them "
        f"{sum(by_reason.get(r, 0) for r in moves)}; duplicates {len(dupes)}; "
        f"accepted-but-not-exactly-once {len(done_missing)}"
    )
    print(
        f"RSS baseline {base:.1f} MB, final (median of last 30 s) {final:.1f} MB, peak {peak:.1f} MB, "
        f"growth {growth:+.1f}%"
    )
    print(
        f"UI tick wall: n={len(ticks)} median {statistics.median(tick_sorted):.2f} ms, "
        f"p95 {pct(tick_sorted, 0.95):.2f} ms, p99 {p99:.2f} ms, max {tick_sorted[-1]:.2f} ms"
    )
    print(
        f"UI tick CPU:  median {statistics.median(cpu_sorted):.2f} ms, p95 {pct(cpu_sorted, 0.95):.2f} ms, "
        f"p99 {cpu_p99:.2f} ms, max {cpu_sorted[-1]:.2f} ms"
    )
    for name, values in parts.items():
        ordered = sorted(values) or [0.0]
        print(
            f"  tick part {name}: CPU median {statistics.median(ordered):.2f} ms, "
            f"p95 {pct(ordered, 0.95):.2f} ms, p99 {pct(ordered, 0.99):.2f} ms"
        )
    print(
        f"change-set apply on the UI thread: n={len(applies)} median "
        f"{statistics.median(apply_sorted):.2f} ms, max {apply_sorted[-1]:.2f} ms"
    )
    ok = bool(state.get("converged")) and not dupes and not done_missing and growth <= 10 and cpu_p99 <= 5
    print("SOAK PASSED" if ok else "SOAK FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
