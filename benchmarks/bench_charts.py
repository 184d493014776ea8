"""Charts and wallboard figures with 100k enquiries behind them, and the console's start-up with and
without the charts hook.

    .venv/bin/python benchmarks/bench_charts.py [--n 100000] [--repeat 7] [--startup-runs 5]

Figures printed beside raw baselines measured in the same run:
- aggregation: LiveBoard.figures (every chart's and tile's numbers) vs one bare SlaEngine.statuses pass
  over the same open enquiries (the least any "SLA state per team" count can cost);
  an incremental change-set (500 rows) vs loading all rows again;
- redraw, per chart: update_figures + a full canvas draw, vs matplotlib drawing an empty figure of the
  same size (the floor) and vs clearing and rebuilding the chart (what moving artists avoids);
- start-up to the main window's first paint (a fresh process each run, the demo service): with the charts
  hook as shipped, without it (stubbed out), and with matplotlib imported eagerly (what laziness saves).
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

START = 1_764_150_000.0

STARTUP_PROBE = r"""
import os, sys, time
t0 = time.perf_counter()
mode = sys.argv[1]
if mode == "without":  # the console as it was before the charts: no LiveViews hook at all
    import types
    stub = types.ModuleType("widgets.wallboard.views")
    class LiveViews:
        def __init__(self, *a, **k): pass
        def open_charts(self): pass
        def open_staffing(self): pass
        def open_wallboard(self): pass
        def on_changes(self, c): pass
        def on_state(self, s): pass
        def on_live_change(self, c): pass
        def set_theme(self, t): pass
        def stop(self): pass
    stub.LiveViews = LiveViews
    sys.modules["widgets.wallboard.views"] = stub
elif mode == "eager":
    import widgets.charts.charts  # noqa: F401  (what an eager import of matplotlib would cost)
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
from console.platform.credentials import SecretStore
from widgets.app.session import Session, SessionConfig
app = QApplication([])
painted = []
class Spy(QObject):
    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Paint and not painted:
            painted.append(time.perf_counter() - t0)
        return False
spy = Spy()
app.installEventFilter(spy)
s = Session(app, SessionConfig(api_url=None, demo=True, demo_open=300, headless=True),
            secret_store=SecretStore("bench", None, "memory", None))
s.start()
while not painted:
    app.processEvents()
print(f"{painted[0]:.4f}", "matplotlib" in sys.modules)
s.stop()
"""


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def ms(pair: tuple[float, float]) -> str:
    return f"best {pair[0] * 1000:7.1f} ms  median {pair[1] * 1000:7.1f} ms"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--startup-runs", type=int, default=5)
    args = p.parse_args()

    from console.live.chart_data import LiveBoard
    from console.service.sim.simulator import Simulator

    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    t = time.perf_counter()
    sim = Simulator(seed=1, open_enquiries=args.n, start=START)
    with sim.store.lock:
        sim.run_until(START + 1800)
    now = START + 1800
    rows = [copy.copy(e) for e in sim.store.enquiries.values()]
    print(
        f"{len(rows):,} enquiries ({sum(e.is_open for e in rows):,} open) "
        f"built in {time.perf_counter() - t:.1f} s"
    )
    w = sim.world

    def fresh() -> LiveBoard:
        b = LiveBoard()
        b.set_reference(w.teams, list(w.agents.values()), w.policies, w.calendars, w.channels, w.shifts)
        return b

    board = fresh()
    t = time.perf_counter()
    board.load(rows, now)
    load_s = time.perf_counter() - t
    board.figures(now)  # warm the SLA cache, as a running board has it
    print("\n== aggregation (console.live.chart_data), off the UI thread ==")
    print(f"initial load of every row          {load_s * 1000:8.1f} ms (once, when a view first opens)")
    figs = timed(lambda: board.figures(now + 5), args.repeat)
    open_rows = list(board.open.values())
    raw = timed(lambda: board.engine.statuses(open_rows, now + 5), args.repeat)
    print(f"LiveBoard.figures (all charts+tiles) {ms(figs)}")
    print(f"raw: one SlaEngine.statuses pass    {ms(raw)}")
    changed = {e.id: e for e in open_rows[:500]}
    inc = timed(lambda: board.apply((), changed, now), args.repeat)
    print(f"apply a 500-row change-set          {ms(inc)}")
    reload = timed(lambda: fresh().load(rows, now), 1)
    print(f"raw: load all rows again instead    {ms(reload)}")

    print("\n== chart redraw (aggregates only), 900x550 px canvas ==")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from widgets.charts.charts import CHARTS
    from widgets.theme.theme import make_theme

    f1 = board.figures(now)
    f2 = board.figures(now + 60)
    theme = make_theme("light")
    empty = Figure(figsize=(9, 5.5), dpi=100)
    empty.add_subplot()
    canvas = FigureCanvasAgg(empty)
    floor = timed(canvas.draw, args.repeat)
    print(f"raw: empty figure, one axes          {ms(floor)}")
    worst = 0.0
    for cls in CHARTS:
        chart = cls(theme, "Europe/London")
        chart.resize(900, 550)
        chart.update_figures(f1, at_once=True)
        flip = [f1, f2]

        def live(chart=chart, flip=flip) -> None:  # type: ignore[no-untyped-def]
            flip.reverse()
            chart.update_figures(flip[0], at_once=True)  # blit, or a full draw if an axis range moved

        def full(chart=chart) -> None:  # type: ignore[no-untyped-def]
            chart.draw()  # the whole figure: what a resize or a new axis range costs

        def rebuild(chart=chart) -> None:  # type: ignore[no-untyped-def]
            chart._structure = object()  # force the clear-and-rebuild path
            chart.update_figures(f1, at_once=True)

        draws = chart.full_draws
        r = timed(live, args.repeat)
        blits = args.repeat - (chart.full_draws - draws)
        d = timed(full, args.repeat)
        b = timed(rebuild, max(3, args.repeat // 2))
        worst = max(worst, r[1], d[1])
        print(f"{cls.key:15s} live update {ms(r)} ({blits}/{args.repeat} blitted)")
        print(f"{'':15s} full redraw {ms(d)}   | raw: clear+rebuild {ms(b)}")
        app.processEvents()
    print(f"slowest chart update or full redraw, median: {worst * 1000:.1f} ms (bar: 100 ms)")

    print("\n== start-up to the main window's first paint (fresh process, demo service) ==")
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    results: dict[str, list[float]] = {"with": [], "without": [], "eager": []}
    loaded: dict[str, str] = {}
    for _ in range(args.startup_runs):
        for mode in results:  # interleaved, so drift in machine load hits every mode alike
            out = subprocess.run(
                [sys.executable, "-c", STARTUP_PROBE, mode],
                capture_output=True,
                text=True,
                env=env,
                cwd=ROOT,
                timeout=120,
            )
            if out.returncode != 0:
                print(out.stderr[-2000:])
                raise SystemExit(1)
            secs, mpl = out.stdout.split()[-2:]
            results[mode].append(float(secs))
            loaded[mode] = mpl
    names = {
        "with": "with the charts hook (shipped)",
        "without": "raw: without it (stubbed)",
        "eager": "eager matplotlib import",
    }
    for mode, values in results.items():
        print(
            f"{names[mode]:32s} best {min(values) * 1000:7.0f} ms  "
            f"median {statistics.median(values) * 1000:7.0f} ms  matplotlib loaded: {loaded[mode]}"
        )


if __name__ == "__main__":
    main()
