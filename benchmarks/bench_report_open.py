"""Opening a stored shift report offline: a 24-hour shift of 50,000 enquiries (bench_reports' simulation),
computed at the shift's end and stored in a real encrypted cache, then opened in the viewer.

Bar: a stored report opens offline in at most 0.5 s. Beside it, the raw baseline measured in the same
run: reading the row and json.loads of its text (no digest check, no typed objects, no widgets). Also
the end-of-shift cost (window queries + compute + store) for the record.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_report_open.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.bench_reports import END, START, TEAMS, line, simulate, timed
from console.domain import wire
from console.domain.model import Shift
from console.sla.engine import default_calendars, default_policies
from console.store.cache import Store, StoreReader
from console.store.reports import load_report
from console.sync.shift_close import close_ended_shifts


def main() -> None:
    enquiries, moves, log, agents = simulate()
    shift = Shift(
        "night-25", "Wednesday night to Thursday night", "Leeds", START, END, tuple(t.id for t in TEAMS)
    )
    key = os.urandom(32).hex()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cache.db"
        with Store(path, key) as store:
            store.replace_reference("teams", [wire.team_to_wire(t) for t in TEAMS])
            store.replace_reference("agents", [wire.agent_to_wire(a) for a in agents])
            store.replace_reference("sla-policies", [wire.policy_to_wire(p) for p in default_policies()])
            store.replace_reference("calendars", [wire.calendar_to_wire(c) for c in default_calendars()])
            store.replace_reference("shifts", [wire.shift_to_wire(shift)])
            store.apply_enquiries(enquiries)
            store.record_assignments(moves)
            store._conn.executemany(
                "INSERT INTO agent_status_log (agent_id, status, from_ts, to_ts) VALUES (?, ?, ?, ?)", log
            )
            w, c = time.perf_counter(), time.process_time()
            stored = close_ended_shifts(store, END + 600).stored
            line(
                "end of shift: window queries + compute + store (once)",
                time.perf_counter() - w,
                time.process_time() - c,
            )
            assert stored == ["night-25"], stored
            size = store._rows("SELECT length(body) FROM shift_reports")[0][0]
        print(f"stored report: {size / 1e3:.0f} kB compressed")

        with StoreReader(path, key) as reader:

            def raw() -> object:
                body = reader._rows("SELECT body FROM shift_reports WHERE shift_id = ?", ("night-25",))[0][0]
                return json.loads(zlib.decompress(body))

            def load() -> object:
                return load_report(reader, "night-25")

            _, w, c = timed(raw, 5)
            line("baseline: read the row, unzip, json.loads", w, c)
            report, w, c = timed(load, 5)
            line("load_report: + digest check + typed report", w, c)

            from PySide6.QtWidgets import QApplication

            from widgets.app.workers import BackgroundJobs
            from widgets.reports.viewer import ReportViewer

            app = QApplication.instance() or QApplication([])
            jobs = BackgroundJobs()
            w, c = time.perf_counter(), time.process_time()
            viewer = ReportViewer(reader, jobs=jobs, tz="Europe/London")
            line(
                "viewer window built (list of stored shifts)",
                time.perf_counter() - w,
                time.process_time() - c,
            )

            def open_() -> object:
                viewer.panel.set_report(None)
                opened = viewer.open("night-25")
                app.processEvents()
                return opened

            opened, w, c = timed(open_, 5)
            assert opened == report
            line(
                "viewer.open: load + title, tiles, outcome line",
                w,
                c,
                f"bar 500 ms: {'ok' if w <= 0.5 else 'OVER'}",
            )
            print(f"  -> {len(report.breaches):,} breaches, {len(report.carried_over):,} carried over, "  # type: ignore[attr-defined]
                  f"{len(report.reassignments):,} reassignments in the tables")  # type: ignore[attr-defined]  # fmt: skip

            def breaches_tab() -> object:
                viewer.panel.tabs.setCurrentIndex(0)
                viewer.panel.set_report(report)  # type: ignore[arg-type]
                viewer.panel.tabs.setCurrentIndex(1)
                app.processEvents()
                return viewer.panel.breaches.rowCount()

            _, w, c = timed(breaches_tab, 3)
            line(f"then the Breaches tab: {len(report.breaches):,} rows filled + sorted", w, c)  # type: ignore[attr-defined]
            viewer.show()
            w, c = time.perf_counter(), time.process_time()
            viewer.panel.tabs.setCurrentIndex(0)
            viewer.panel.charts.draw()
            app.processEvents()
            line(
                "charts, first show (imports matplotlib's Qt backend)",
                time.perf_counter() - w,
                time.process_time() - c,
            )
            viewer.close()
            jobs.shutdown()


if __name__ == "__main__":
    main()
