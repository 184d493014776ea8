"""The live queue at 100,000 open enquiries, beside a bare QAbstractTableModel baseline over the same
list, in one run. Both models sit under a shown table view (offscreen), as in the console.

Measured: load (set_rows vs a reset), sort, filter per keystroke, the one-second tick over the visible
rows, a live batch of 100 changes (apply vs the baseline's reset, which also loses the selection), one
repaint of the visible rows, and RSS. Bars: sort 100 ms, filter keystroke 100 ms, tick 5 ms; issue 16
as ratios to the raw baseline of the same run (a shared machine makes absolute times noisy): sort by
customer and the worst filter keystroke 1.3x raw, a repaint of the visible rows 1.3x raw, a live batch
of 100 changes 2x the bare model's reset. Enquiries come from the reference service's own generator
(channels, topics, texts with PII, flags), aged over the last two days, with the service's policies and
calendars.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_queue.py
A smaller size while the machine is busy: BENCH_QUEUE_N=20000 (the bars are set for 100,000).
"""

from __future__ import annotations

import dataclasses
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtWidgets import QApplication, QTableView

from console.domain.model import ChangeSet, Enquiry
from console.service.sim.clock import start_for_seed
from console.service.sim.population import draw_enquiry
from console.service.sim.world import build
from console.sla.engine import SlaEngine
from widgets.queue.model import QueueModel
from widgets.queue.text import Col
from widgets.queue.view import QueueView

N = int(os.environ.get("BENCH_QUEUE_N", "100000"))
KEYSTROKES = ("c", "ca", "car", "card", "card ", "card d")
Index = QModelIndex | QPersistentModelIndex


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def timed(fn: Callable[[], Any], repeat: int = 5) -> float:
    """Best CPU time of this process over `repeat` runs, in ms. Everything measured runs on this one
    thread; on a shared 2-core box other work only adds wall time (at a load of 10 a best-of-5 wall time
    was 3x its quiet value, skewing ours and the baseline apart), so CPU time is what compares."""
    runs = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        runs.append((time.process_time() - t) * 1000)
    return min(runs)


class BareModel(QAbstractTableModel):
    """The baseline: a list, str() of attributes, reset on every change, sort/filter in Python."""

    FIELDS = (
        "id",
        "created_at",
        "channel",
        "customer_handle",
        "topic",
        "flags",
        "team_id",
        "agent_id",
        "text",
    )

    def __init__(self) -> None:
        super().__init__()
        self.all: list[Enquiry] = []
        self.rows: list[Enquiry] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.FIELDS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or not 0 <= index.row() < len(self.rows):
            return None
        return str(getattr(self.rows[index.row()], self.FIELDS[index.column()]))

    def set_rows(self, rows: list[Enquiry]) -> None:
        self.beginResetModel()
        self.all = list(rows)
        self.rows = list(rows)
        self.endResetModel()

    def sort_by(self, key: Callable[[Enquiry], Any]) -> None:
        self.layoutAboutToBeChanged.emit()
        self.rows.sort(key=key)
        self.layoutChanged.emit()

    def filter(self, needle: str) -> None:
        self.beginResetModel()
        self.rows = [e for e in self.all if needle in e.text.casefold()]
        self.endResetModel()


def population(now: float) -> tuple[list[Enquiry], Any]:
    rng = random.Random(7)
    world = build(rng, now)
    agents = list(world.agents.values()) if isinstance(world.agents, dict) else list(world.agents)
    teams = [t.id for t in world.teams]
    rows = []
    for i in range(N):
        created = now - rng.expovariate(1 / 14_400) - rng.random() * 600
        e = draw_enquiry(rng, f"enq-{i:07d}", created)
        answered = rng.random() < 0.45
        team = rng.choice(teams) if rng.random() < 0.3 else "social"
        agent = rng.choice([a for a in agents if a.team_id == team] or [None]) if answered else None
        rows.append(
            dataclasses.replace(
                e,
                status="open" if answered else "new",
                team_id=team,
                agent_id=agent.id if agent else None,
                first_customer_message_at=created,
                first_response_at=created + rng.random() * 1800 if answered else None,
                last_customer_message_at=created + 1900 if answered and rng.random() < 0.3 else created,
                updated_at=created,
            )
        )
    return rows, world


def main() -> None:
    app = QApplication([])
    print(f"load average before the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    now = start_for_seed(3) + 5 * 3600
    t = time.perf_counter()
    rows, world = population(now)
    print(f"{N:,} enquiries built in {time.perf_counter() - t:.1f} s; RSS {rss_mb():.0f} MB with the list")
    calendars = {c.id: c for c in world.calendars}
    engine = SlaEngine(world.policies, calendars, {t.id: t for t in world.teams})
    agents = world.agents.values() if isinstance(world.agents, dict) else world.agents
    teams = {t.id: t.name for t in world.teams}
    names = {a.id: a.name for a in agents}

    t = time.process_time()
    engine.statuses(rows, now)
    cold = (time.process_time() - t) * 1000
    warm = timed(lambda: engine.statuses(rows, now), 3)

    base_rss = rss_mb()
    bare = BareModel()
    bare_view = QTableView()
    bare_view.setModel(bare)
    bare_view.resize(1400, 800)
    bare_view.show()
    model = QueueModel()
    model.set_names(teams, names)
    model.set_clock(engine, lambda: now, "Europe/London")
    view = QueueView(model)
    view.set_tick_interval(0)
    view.resize(1400, 800)
    view.show()
    app.processEvents()

    results: list[tuple[str, float, float | None, str]] = []

    def row(name: str, ours: float, baseline: float | None, bar: str = "") -> None:
        results.append((name, ours, baseline, bar))

    row(
        "load: set_rows / reset",
        timed(lambda: model.set_rows(rows), 3),
        timed(lambda: bare.set_rows(rows), 3),
    )
    t = time.process_time()
    while not model.warmed_up():
        app.processEvents()
    warm_up = (time.process_time() - t) * 1000
    app.processEvents()
    rss_after = rss_mb()

    view.select_ids(model.ids()[5:8], current=model.ids()[6])
    row(
        "sort by age",
        timed(lambda: model.sort(Col.AGE)),
        timed(lambda: bare.sort_by(lambda e: e.created_at)),
        "100",
    )
    row("sort by SLA (cached clocks)", timed(lambda: model.sort(Col.SLA)), None, "100")
    row(
        "sort by customer",
        timed(lambda: model.sort(Col.CUSTOMER)),
        timed(lambda: bare.sort_by(lambda e: e.customer_handle.casefold())),
        "1.3x",
    )
    model.sort(Col.SLA)
    ours_keys, bare_keys = [], []
    for text in KEYSTROKES:
        ours_keys.append(timed(lambda text=text: view.apply_filter(text), 3))  # type: ignore[misc]
        bare_keys.append(timed(lambda text=text: bare.filter(text), 3))  # type: ignore[misc]
    row("filter: worst keystroke", max(ours_keys), max(bare_keys), "1.3x")
    row("filter: mean keystroke", statistics.mean(ours_keys), statistics.mean(bare_keys), "100")
    visible_after_filter = model.visible_count()
    view.apply_filter("")
    bare.filter("")
    app.processEvents()

    span = view.visible_row_span()
    assert span is not None
    first, last = span

    def bare_tick() -> None:
        engine.statuses(bare.rows[first : last + 1], now)
        bare.dataChanged.emit(bare.index(first, 0), bare.index(last, 1))

    row(
        f"tick {last - first + 1} visible rows",
        timed(lambda: model.tick(first, last), 20),
        timed(bare_tick, 20),
        "5",
    )
    row("tick + off-screen sweep (2,000 clocks)", timed(view.tick_visible, 20), None)
    hh = view.horizontalHeader()
    clock_cells = QRect(0, 0, hh.sectionViewportPosition(Col.AGE) + hh.sectionSize(Col.AGE), 10_000)

    def tick_and_paint() -> None:
        model.tick(first, last)
        view.viewport().repaint(clock_cells)

    def bare_tick_and_paint() -> None:
        bare_tick()
        bare_view.viewport().repaint(clock_cells)

    row("tick + repaint of the clock cells", timed(tick_and_paint, 20), timed(bare_tick_and_paint, 20), "")
    row(
        "repaint the visible rows",
        timed(lambda: view.viewport().repaint(), 10),
        timed(lambda: bare_view.viewport().repaint(), 10),
        "1.3x",
    )

    view.select_ids(model.ids()[5:8], current=model.ids()[6])
    selected_before = sorted(view.selectedIds())
    rng = random.Random(11)
    by_id = {e.id: e for e in rows}
    ids = list(by_id)
    serial = [0]

    def batch() -> ChangeSet:
        serial[0] += 1
        cs = ChangeSet()
        upd: dict[str, Enquiry] = {}
        for i in range(30):
            e = dataclasses.replace(rows[0], id=f"new-{serial[0]}-{i}", created_at=now - rng.random() * 60)
            cs.added.add(e.id)
            upd[e.id] = e
        for ident in rng.sample(ids, 70):
            e = by_id[ident]
            if len(cs.removed) < 10:
                cs.removed.add(ident)
                continue
            e = dataclasses.replace(e, version=e.version + 1, agent_id=None, priority="urgent")
            by_id[ident] = e
            cs.changed.add(ident)
            upd[ident] = e
        for ident in cs.removed:
            ids.remove(ident)
        ids.extend(cs.added)
        by_id.update(upd)
        batch.last = upd  # type: ignore[attr-defined]
        return cs

    applies, resets = [], []
    for _ in range(5):
        cs = batch()
        upd = batch.last  # type: ignore[attr-defined]
        t = time.process_time()
        model.apply(cs, upd)
        applies.append((time.process_time() - t) * 1000)
        t = time.process_time()
        bare.set_rows(list(by_id.values()))
        resets.append((time.process_time() - t) * 1000)
    row("live batch of 100 changes (apply / reset)", min(applies), min(resets), "2x")
    kept = sorted(view.selectedIds())
    kept_ok = kept == sorted(i for i in selected_before if i in by_id)

    print(f"SLA engine over {N:,}: cold {cold:.0f} ms, warm {warm:.0f} ms CPU (the engine's own cost)")
    print(f"filter text built in idle slices after load: {warm_up:.0f} ms CPU in total")
    print("\nCPU time, best of several runs")
    print(f"{'operation':<44}{'QueueModel':>12}{'baseline':>12}{'ratio':>8}{'bar':>8}")
    for name, ours, baseline, bar in results:
        b = f"{baseline:>10.2f}ms" if baseline is not None else f"{'-':>12}"
        ratio = f"{ours / baseline:>7.2f}x" if baseline else f"{'':>8}"
        limit = bar if bar.endswith("x") else (bar + "ms" if bar else "")
        verdict = ""
        if bar.endswith("x") and baseline:
            verdict = " ok" if ours / baseline <= float(bar[:-1]) else " OVER"
        print(f"{name:<44}{ours:>10.2f}ms{b}{ratio}{limit:>8}{verdict}")
    print(f"\nRSS: {base_rss:.0f} MB with the rows and engine; {rss_after:.0f} MB with both models loaded")
    print(f"filter 'card d' left {visible_after_filter:,} rows")
    print(f"selection of {len(selected_before)} rows kept by id through 5 live batches: {kept_ok}")


if __name__ == "__main__":
    main()
