"""The console from bench_console's warm cache until fully loaded, for a profiler to watch:

    py-spy record -r 100 -f raw --threads -o raw.txt -- python benchmarks/profiles/console_start.py CACHE
    python benchmarks/profiles/summarize.py raw.txt

Prints when the rows were in and when every clock and filter text was, RSS and CPU at each, and the UI
thread's longest stalls (a 1 ms timer's lateness). The cache is bench_console's (--cache, built once).
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["CONCIERGE_CACHE_KEY"] = hashlib.sha256(b"concierge bench_console synthetic data").digest().hex()

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from console.platform.credentials import SecretStore  # noqa: E402
from widgets.app.session import Session, SessionConfig  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        return next(int(x.split()[1]) for x in f if x.startswith("VmRSS:")) / 1024


def main() -> None:
    cache = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/concierge-bench-console/cache.db")
    os.environ["CONCIERGE_LOG_DIR"] = str(cache.parent / "logs")
    t0 = time.perf_counter()
    app = QApplication([])
    config = SessionConfig(api_url="http://127.0.0.1:9", demo=False, cache_path=cache, headless=True)
    session = Session(app, config, secret_store=SecretStore("bench", None, "memory", None))
    stalls: list[tuple[float, float]] = []
    last = [time.perf_counter()]

    def beat() -> None:
        t = time.perf_counter()
        stalls.append((t - last[0], t - t0))
        last[0] = t

    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(beat)
    session.start()
    timer.start()
    assert session.controller is not None
    model = session.controller.model
    rows_in: str | None = None
    while not session.controller.loaded or not model.warmed_up():
        if session.controller.loaded and rows_in is None:
            rows_in = f"rows in at {time.perf_counter() - t0:.1f} s (RSS {rss_mb():.0f} MB)"
        app.processEvents()
        time.sleep(0.002)
    print(f"{rows_in}; fully loaded at {time.perf_counter() - t0:.1f} s, RSS {rss_mb():.0f} MB, "
          f"CPU {time.process_time():.1f} s")  # fmt: skip
    worst = sorted(stalls, reverse=True)[:8]
    print("UI thread longest stalls (ms, at s):", ", ".join(f"{a * 1000:.0f} at {b:.1f}" for a, b in worst))
    session.stop()


if __name__ == "__main__":
    main()
