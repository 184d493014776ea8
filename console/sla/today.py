""" "SLA today": one definition of reply attainment, used by the header, the wallboard and the shift report.

Which clocks count: the two reply clocks, first response and next response (resolution and hand-off
clocks have their own figures). Each clock is decided once:
- met, when the agent replied by the deadline: decided at the reply;
- missed, when the deadline passed with no reply, or the reply came late: decided at the deadline.
A period's attainment counts the clocks decided in [start, until); until is "now" for a live figure and
the cut-off for a report. A clock still running inside its deadline is not decided yet.

Because a clock is decided at one moment, a day, a shift or any window never counts it twice, and the
header (all cached rows), the wallboard (its live window) and a report over the same window agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

REPLY_CLOCKS = frozenset({"first_response", "next_response"})
CAPTION = "SLA today"
WHICH = "first and next replies"
DEFINITION = (
    "SLA today counts the reply clocks (first and next replies) decided today in the site's time: met "
    "when the reply came by the deadline, missed when the deadline passed without one or the reply was late."
)


class ClockLike(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def due_at(self) -> float | None: ...
    @property
    def stopped_at(self) -> float | None: ...


@dataclass(frozen=True, slots=True)
class Attainment:
    met: int = 0
    missed: int = 0

    @property
    def decided(self) -> int:
        return self.met + self.missed

    @property
    def fraction(self) -> float | None:
        total = self.met + self.missed
        return self.met / total if total else None

    def __add__(self, other: Attainment) -> Attainment:
        return Attainment(self.met + other.met, self.missed + other.missed)


def decision(kind: str, due_at: float | None, stopped_at: float | None) -> tuple[float, bool] | None:
    """(when the clock was decided, met) for a reply clock; None for other clocks or one with no deadline.
    A clock not yet decided at a given moment is one whose decision time is after that moment."""
    if kind not in REPLY_CLOCKS or due_at is None:
        return None
    if stopped_at is not None and stopped_at <= due_at:
        return stopped_at, True
    return due_at, False


def attainment(clocks: Iterable[ClockLike], start: float, until: float) -> Attainment:
    """Reply clocks decided in [start, until)."""
    met = missed = 0
    for c in clocks:
        d = decision(c.kind, c.due_at, c.stopped_at)
        if d is None or not start <= d[0] < until:
            continue
        if d[1]:
            met += 1
        else:
            missed += 1
    return Attainment(met, missed)


def words(a: Attainment, *, named: bool = True) -> tuple[str, str]:
    """(value, detail) as every screen shows it: '72%', '1,493 met · 597 missed · first and next replies'
    (named=False leaves out which clocks count, for a screen whose caption says it already)."""
    frac = a.fraction
    which = f" · {WHICH}" if named else ""
    if frac is None:
        return "—", f"no reply clock decided yet{which}"
    return f"{frac:.0%}", f"{a.met:,} met · {a.missed:,} missed{which}"


__all__ = [
    "CAPTION",
    "DEFINITION",
    "REPLY_CLOCKS",
    "WHICH",
    "Attainment",
    "ClockLike",
    "attainment",
    "decision",
    "words",
]
