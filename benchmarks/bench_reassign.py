"""Drag-to-reassign at 100,000 open enquiries, beside raw baselines measured in the same run.

Bars (issue 5): drop to optimistic update <= 50 ms at 100k; the hover verdict <= 5 ms.
- drop: LaneModel.dropMimeData on a shown board and queue (decode the payload, look the enquiries up in
  the queue model, judge them, apply the changed rows to the sorted 100k-row QueueModel, re-file them
  on the board, hand the write to the writer thread). Baseline: QueueModel.apply of the same changed
  row alone, the least any UI must do to show a move.
- hover: the plan a lane shows on a drag-move event, uncached (the first event over a new target) and
  cached (every further event over it). Baseline: Router.verdict called directly for the same rows.
- the write itself (store transaction with outbox + audit rows) runs on a writer thread, as the sync
  thread does in the console; its time is printed for information, it is off the UI thread.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_reassign.py
"""

from __future__ import annotations

import dataclasses
import gc
import os
import queue
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_queue import N, population
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget

from console.domain.model import ChangeSet, Enquiry
from console.domain.routing import Target
from console.service.sim.clock import start_for_seed
from console.sla.engine import SlaEngine
from console.store.cache import Store
from widgets.board.reassign import MoveController
from widgets.board.view import TeamBoard
from widgets.queue import mime
from widgets.queue.model import QueueModel
from widgets.queue.view import QueueView

ROUNDS = 30


class WriterThread:
    """The sync thread's role: one thread owns the writing Store and runs submitted jobs in order."""

    def __init__(self, path: Path) -> None:
        self.jobs: queue.SimpleQueue[tuple[Callable[[Store], Any], Future[Any]] | None] = queue.SimpleQueue()
        self.ready = threading.Event()
        self.store: Store | None = None
        self.path = path
        self.write_ms: list[float] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self, rows: list[Enquiry]) -> None:
        self._rows = rows
        self.thread.start()
        self.ready.wait()

    def _run(self) -> None:
        self.store = Store(self.path, os.urandom(32))
        self.store.apply_enquiries(self._rows)
        self.ready.set()
        while (job := self.jobs.get()) is not None:
            fn, fut = job
            t = time.perf_counter()
            try:
                fut.set_result(fn(self.store))
            except Exception as e:
                fut.set_exception(e)
            self.write_ms.append((time.perf_counter() - t) * 1000)
        self.store.close()

    def submit(self, fn: Callable[[Store], Any]) -> Future[Any]:
        fut: Future[Any] = Future()
        self.jobs.put((fn, fut))
        return fut

    def stop(self) -> None:
        self.jobs.put(None)
        self.thread.join(30)


def wait_for(app: QApplication, cond: Callable[[], bool], timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not cond() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.005)


def stats(runs: list[float]) -> str:
    return f"median {statistics.median(runs):6.2f} ms  max {max(runs):6.2f} ms"


GC_PAUSES: list[tuple[int, float]] = []  # (generation, ms) of every collection during the run
_gc_started = [0.0]


def _gc_watch(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _gc_started[0] = time.perf_counter()
    else:
        GC_PAUSES.append((info["generation"], (time.perf_counter() - _gc_started[0]) * 1000))


def main() -> None:
    app = QApplication([])
    print(f"load average before the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    now = start_for_seed(3) + 5 * 3600
    rows, world = population(now)
    teams = list(world.teams)
    agents = list(world.agents.values()) if isinstance(world.agents, dict) else list(world.agents)
    engine = SlaEngine(world.policies, {c.id: c for c in world.calendars}, {t.id: t for t in teams})
    engine.statuses(rows, now)
    tmp = Path(tempfile.mkdtemp(prefix="bench-reassign-"))
    writer = WriterThread(tmp / "cache.db")
    writer.start(rows)

    model = QueueModel()
    model.set_clock(engine, lambda: now, "Europe/London")
    model.set_rows(rows)
    moves = MoveController(model, actor="bench", now=lambda: now)
    moves.writer = lambda: writer
    moves.ask_reason = lambda plan, parent: "bench: the reason a concierge simple-work move needs"
    moves.forget = engine.forget
    moves.set_reference(teams, agents)
    window = QWidget()
    layout = QHBoxLayout(window)
    view = QueueView(model)
    view.set_tick_interval(0)
    board = TeamBoard(model, moves)
    layout.addWidget(view, 1)
    layout.addWidget(board, 2)
    window.resize(1800, 900)
    window.show()
    t = time.perf_counter()
    board.set_reference(teams, agents)
    board_ms = (time.perf_counter() - t) * 1000
    wait_for(app, lambda: board.rebuilds > 0)
    print(
        f"{N:,} open enquiries; board lanes made in {board_ms:.0f} ms, filled after {board.total_ms:.0f} ms"
    )

    rng = random.Random(5)
    movable = [e for e in rows if e.team_id == "social" and e.topic == "cards" and not e.flags]
    rng.shuffle(movable)
    cards = board.lanes["cards"].lane_model
    social = board.lanes["social"].lane_model

    # --- drop to optimistic update ---------------------------------------------------------------
    gc.callbacks.append(_gc_watch)
    drop, raw = [], []
    for i in range(ROUNDS):
        e = movable[i]
        data = mime.encode([e])
        t = time.perf_counter()
        ok = cards.dropMimeData(data, Qt.DropAction.MoveAction, -1, -1, QModelIndex())
        drop.append((time.perf_counter() - t) * 1000)
        shown = model.enquiry(e.id)
        assert ok and shown is not None and shown.team_id == "cards", "the drop did not apply"
        # baseline: the same kind of change applied to the model directly (another row, back to social)
        other = movable[ROUNDS + i]
        changed = dataclasses.replace(other, team_id="social", agent_id=None, version=other.version + 1)
        t = time.perf_counter()
        model.apply(ChangeSet(changed={other.id}), {other.id: changed})
        raw.append((time.perf_counter() - t) * 1000)
        app.processEvents()
    bulk_drop = []
    for i in range(5):
        batch = movable[2 * ROUNDS + 50 * i : 2 * ROUNDS + 50 * (i + 1)]
        data = mime.encode(batch)
        t = time.perf_counter()
        cards.dropMimeData(data, Qt.DropAction.MoveAction, -1, -1, QModelIndex())
        bulk_drop.append((time.perf_counter() - t) * 1000)
        app.processEvents()

    # --- hover verdict -----------------------------------------------------------------------------
    hover: dict[int, tuple[list[float], list[float], list[float]]] = {}
    pool = [e for e in rows if e.team_id == "social"]
    for n in (1, 50, 500):
        cold, warm, base = [], [], []
        for _ in range(ROUNDS):
            pick = rng.sample(pool, n)
            data = mime.encode(pick)
            moves.forget_plans()
            t = time.perf_counter()
            plan = moves.plan_refs(mime.decode(data), Target("cards"))
            cold.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            moves.plan_refs(mime.decode(data), Target("cards"))
            warm.append((time.perf_counter() - t) * 1000)
            router = moves.rules.router
            t = time.perf_counter()
            for e in pick:
                router.verdict(e, Target("cards"))
            base.append((time.perf_counter() - t) * 1000)
            assert plan.items
        hover[n] = (cold, warm, base)

    done = board.rebuilds
    t = time.perf_counter()
    board.rebuild()
    ui_ms = (time.perf_counter() - t) * 1000  # the snapshot, taken on the UI thread
    wait_for(app, lambda: board.rebuilds > done)
    writer.stop()

    print()
    print(f"drop to optimistic update, 1 enquiry ({ROUNDS} drops)   {stats(drop)}   bar 50 ms")
    print(f"  baseline QueueModel.apply of one changed row        {stats(raw)}")
    print(f"drop to optimistic update, 50 enquiries (5 drops)     {stats(bulk_drop)}")
    for n, (cold, warm, base) in hover.items():
        print(f"hover verdict, {n:3d} dragged, first event (uncached) {stats(cold)}   bar 5 ms")
        print(f"  same target, later events (cached)                {stats(warm)}")
        print(f"  baseline Router.verdict x{n:<3d}                     {stats(base)}")
    print(f"store write per move (writer thread, off the UI)      {stats(writer.write_ms)}")
    full = [ms for gen, ms in GC_PAUSES if gen == 2]
    if full:
        print(f"full garbage collections meanwhile: {len(full)}, longest {max(full):.0f} ms (any thread)")
    print(
        f"board regroup at {N:,}: UI thread {ui_ms + board.rebuild_ms:.1f} ms (snapshot + fill), "
        f"{board.total_ms:.0f} ms end to end with the grouping on a worker"
    )
    listed = social.rowCount()
    print(f"lanes list the {listed} most urgent: social of {social.total:,}, cards of {cards.total:,}")


if __name__ == "__main__":
    main()
