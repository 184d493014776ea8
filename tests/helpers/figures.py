"""Live figures from the reference service's simulated floor, for the chart, staffing and wallboard
tests: the real simulator, the real LiveBoard, no hand-made numbers."""

from __future__ import annotations

import copy

from console.live.chart_data import BoardFigures, LiveBoard
from console.service.sim.simulator import Simulator

START = 1_764_150_000.0  # a Wednesday, 09:40 in London


def simulated_board(
    *, seed: int = 4, open_enquiries: int = 300, hours: float = 4.0
) -> tuple[Simulator, LiveBoard, float]:
    """A floor run for `hours` and a LiveBoard loaded from it; returns (simulator, board, now)."""
    sim = Simulator(seed=seed, open_enquiries=open_enquiries, start=START)
    now = START + hours * 3600
    with sim.store.lock:
        sim.run_until(now)
    w = sim.world
    board = LiveBoard()
    board.set_reference(w.teams, list(w.agents.values()), w.policies, w.calendars, w.channels, w.shifts)
    board.load([copy.copy(e) for e in sim.store.enquiries.values()], now)
    return sim, board, now


def simulated_figures(*, seed: int = 4, open_enquiries: int = 300, hours: float = 4.0) -> BoardFigures:
    _, board, now = simulated_board(seed=seed, open_enquiries=open_enquiries, hours=hours)
    return board.figures(now)
