"""The demo floor for 24 simulated hours: does the staffing gap tell the truth about the backlog?

    .venv/bin/python benchmarks/bench_floor.py [--seed 3] [--open 2000] [--hours 24]

Run 1, the floor as rostered (the service's hourly plan, a fraud spike at 20:00, Cards offline at 14:00):
for every 15-minute interval, the staffing gap the panel shows at its end (agents short, summed over the
teams short) and the change in backlog (work waiting for an agent) over it. Their signs agree when a
gap goes with a growing backlog and no gap with a steady or shrinking one. Raw baseline from the same
run: the gap as Erlang C at the arrival rate alone computes it (what the panel said before), whose
signs are compared with the same backlog changes.

Run 2, the floor staffed as the panel asks: every 5 simulated minutes each team gets the agents the panel
says it needs (within its size); the longest wait of any customer owed a reply is sampled then and must
stay within the answer target. Raw baseline: the same seed staffed by the plan alone.

At every hour of run 1: "SLA today" and free slots as the header computes them (over every row, as the
console's controller does), as the wallboard shows them (LiveBoard), and as a shift report over the same
window computes them, must be equal.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from console.domain.model import Enquiry, Shift  # noqa: E402
from console.domain.staffing import agents_needed  # noqa: E402
from console.live.chart_data import BoardFigures, LiveBoard  # noqa: E402
from console.live.floor import StaffingConfig, slot_handle_s  # noqa: E402
from console.live.metrics import ResponseClock, header_metrics, start_of_day  # noqa: E402
from console.live.wallboard import wallboard_pages  # noqa: E402
from console.reports.compute import compute_shift_report  # noqa: E402
from console.service.sim.simulator import Simulator  # noqa: E402
from console.service.sim.world import LONDON  # noqa: E402
from console.sla import today  # noqa: E402

CFG = StaffingConfig()
STEP = 900.0


def figures(sim: Simulator) -> tuple[LiveBoard, BoardFigures]:
    w = sim.world
    board = LiveBoard(staffing=CFG)
    board.set_reference(w.teams, [copy.copy(a) for a in w.agents.values()], w.policies, w.calendars,
                        w.channels, w.shifts)  # fmt: skip
    board.load([copy.copy(e) for e in sim.store.enquiries.values()], sim.now)
    return board, board.figures(sim.now)


def erlang_only_short(sim: Simulator, f: BoardFigures) -> int:
    """The old gap: Erlang C at the arrival rate, agents whose status is on shift, no backlog."""
    short = 0
    for t in f.teams:
        members = [a for a in sim.world.agents.values() if a.team_id == t.team_id]
        handle = slot_handle_s(members, CFG.aht_s)
        need = agents_needed(
            t.rate_per_hour, handle, CFG.target_sl, CFG.target_answer_s, max_occupancy=CFG.max_occupancy
        ).agents
        short += max(0, need - t.on_shift)
    return short


def agree(short: int, change: int) -> bool:
    return (short > 0) == (change > 0)


def three_screens(sim: Simulator, board: LiveBoard, f: BoardFigures) -> tuple[str, str, str, str]:
    """'SLA today' as the header, the wallboard and a report over the same window say it at this moment,
    and the free slots the header and the wallboard's teams add up to."""
    rows = [copy.copy(e) for e in sim.store.enquiries.values()]
    agents = list(sim.world.agents.values())

    def replies(e: Enquiry) -> tuple[ResponseClock, ...]:
        return tuple(ResponseClock(c.kind, c.stopped_at, c.due_at) for c in board.engine.clocks(e))

    header = header_metrics(rows, agents, replies, sim.now, board.site_zone)
    tile = next(t for p in wallboard_pages(f) for t in p.tiles if t.key == "attainment")
    day = start_of_day(sim.now, board.site_zone)
    shift = Shift("bench-day", "Today so far", "bench", day, sim.now, ())
    report = compute_shift_report(shift, rows, [], [], agents, sim.world.teams, board.engine, sim.now)
    counted = today.Attainment(report.replies_met, report.replies_decided - report.replies_met)
    slots = f"{header.agents.free_slots} = {sum(t.free_slots for t in f.teams)}"
    return (
        " ".join(today.words(header.attainment)),
        f"{tile.value} {tile.detail}",
        " ".join(today.words(counted)),
        slots,
    )


def run_rostered(seed: int, n_open: int, start: float, hours: float) -> tuple[int, int, int, int]:
    sim = Simulator(seed=seed, open_enquiries=n_open, start=start)
    board, f = figures(sim)
    backlog = sum(t.backlog for t in f.teams)
    agree_new = agree_old = intervals = equal = 0
    missed_new = missed_old = 0  # the backlog grew while the gap said "enough agents"
    print("interval (London)   gap now  (Erlang only)  backlog  change  agree")
    steps = int(hours * 3600 / STEP)
    for k in range(1, steps + 1):
        with sim.store.lock:
            sim.run_until(start + k * STEP)
        board, f = figures(sim)
        now_backlog = sum(t.backlog for t in f.teams)
        change = now_backlog - backlog
        short = sum(max(0, t.gap) for t in f.teams)
        old = erlang_only_short(sim, f)
        intervals += 1
        agree_new += agree(short, change)
        agree_old += agree(old, change)
        missed_new += change > 0 and short == 0
        missed_old += change > 0 and old == 0
        at = datetime.fromtimestamp(sim.now, LONDON).strftime("%a %H:%M")
        mark = "yes" if agree(short, change) else "NO"
        print(f"{at:<18} {short:>7}  {old:>13}  {now_backlog:>7}  {change:>+6}  {mark}")
        backlog = now_backlog
        if k % 4 == 0:
            h, w, r, slots = three_screens(sim, board, f)
            same = h == w == r
            equal += same
            print(f"    SLA today · header: {h} | wallboard: {w} | report: {r} | free slots {slots}"
                  f"{'' if same else '  <- DIFFER'}")  # fmt: skip
    print(f"\nintervals where the backlog grew while the gap said 'enough': staffing gap {missed_new}, "
          f"Erlang C alone (baseline) {missed_old}")  # fmt: skip
    return agree_new, agree_old, intervals, equal


def run_staffed(seed: int, n_open: int, start: float, hours: float, follow_panel: bool) -> float:
    sim = Simulator(seed=seed, open_enquiries=n_open, start=start)
    longest = 0.0
    for k in range(1, int(hours * 3600 / 300) + 1):
        if follow_panel:
            _, f = figures(sim)
            with sim.store.lock:
                for t in f.teams:
                    sim.set_staff(t.team_id, t.needed)
        with sim.store.lock:
            sim.run_until(start + k * 300)
        _, f = figures(sim)
        longest = max(longest, f.longest_wait_s)
    return longest


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--open", type=int, default=2000, dest="n_open")
    p.add_argument("--hours", type=float, default=24.0)
    args = p.parse_args()
    start = datetime(2026, 11, 25, 6, 0, tzinfo=LONDON).timestamp()  # a Wednesday, 06:00 in Leeds
    t0 = time.perf_counter()
    new, old, n, equal = run_rostered(args.seed, args.n_open, start, args.hours)
    print(f"\nsigns agree: staffing gap {new}/{n} = {new / n:.0%} (bar: 90%); "
          f"Erlang C alone (baseline) {old}/{n} = {old / n:.0%}")  # fmt: skip
    print(f"header, wallboard and report equal at {equal} of {n // 4} hourly checks")
    panel = run_staffed(args.seed, args.n_open, start, args.hours, follow_panel=True)
    plan = run_staffed(args.seed, args.n_open, start, args.hours, follow_panel=False)
    target = CFG.target_answer_s
    verdict = "within" if panel <= target else "OVER"
    print(f"longest wait, staffed as the panel asks: {panel / 60:.1f} min (target {target / 60:.0f} min: "
          f"{verdict}); baseline, staffed by the plan alone: {plan / 60:.1f} min")  # fmt: skip
    print(f"({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
