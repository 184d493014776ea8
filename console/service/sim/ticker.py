"""Runs the simulated floor in real time: a daemon thread advances the simulator to its clock."""

from __future__ import annotations

import threading
from collections.abc import Callable

from console.service.sim.simulator import Simulator


class Ticker:
    """Advances a simulator from its clock in a daemon thread (only when the clock moves)."""

    def __init__(self, sim: Simulator, now: Callable[[], float], interval: float = 0.1) -> None:
        self._sim, self._now, self._interval = sim, now, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sim-ticker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            with self._sim.store.lock:
                self._sim.run_until(self._now())
