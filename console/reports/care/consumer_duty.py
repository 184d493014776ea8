"""Consumer Duty in the shift report: outcomes for customers flagged vulnerable beside everyone else's
(FCA PRIN 2A: a bank shows that customers with characteristics of vulnerability get outcomes as good as
other customers'). Same population as the report's "created" (in scope, created in the shift), same
clocks (the report's SLA engine), so the two rows can be read side by side.

- first response: median and 90th percentile of the time to the first reply, answered ones only;
- resolved: resolved by the cut-off;
- complaint: flagged complaint or on the complaint topic;
- breach: any SLA clock of the enquiry that fell due by the cut-off and was not met by its deadline.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from console.domain.model import Enquiry

VULNERABLE = "vulnerable"
# A difference worth a supervisor's look (a rule of thumb the report states, not a regulatory threshold).
GAP_RATE = 0.10  # ten percentage points on a rate
GAP_FR = 1.25  # a median first response 25% slower


class _Clock(Protocol):
    @property
    def due_at(self) -> float | None: ...
    @property
    def stopped_at(self) -> float | None: ...


class Clocks(Protocol):
    """console.sla's engine (the report's): the clocks of one enquiry. Not console.reports.compute's
    ClockSource by import: console.reports.types imports this module for the report's field."""

    def clocks(self, e: Enquiry, /) -> Sequence[_Clock]: ...


@dataclass(frozen=True, slots=True)
class GroupOutcomes:
    group: str  # "vulnerable" | "everyone_else"
    label: str
    enquiries: int
    answered: int
    median_fr_s: float | None
    p90_fr_s: float | None
    resolved: int
    resolved_rate: float | None
    complaints: int
    complaint_rate: float | None
    breached: int
    breach_rate: float | None


@dataclass(frozen=True, slots=True)
class ConsumerDuty:
    vulnerable: GroupOutcomes
    everyone_else: GroupOutcomes
    gaps: tuple[str, ...]  # the worse outcomes for vulnerable customers, in words ("" none)


def _rate(n: int, d: int) -> float | None:
    return n / d if d else None


def _p90(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def _group(group: str, label: str, rows: list[tuple[Enquiry, bool]], cutoff: float) -> GroupOutcomes:
    fr = [
        max(0.0, e.first_response_at - (e.first_customer_message_at or e.created_at))
        for e, _ in rows
        if e.first_response_at is not None and e.first_response_at <= cutoff
    ]
    resolved = sum(e.resolved_at is not None and e.resolved_at <= cutoff for e, _ in rows)
    complaints = sum("complaint" in e.flags or e.topic == "complaint" for e, _ in rows)
    breached = sum(b for _, b in rows)
    n = len(rows)
    return GroupOutcomes(
        group=group,
        label=label,
        enquiries=n,
        answered=len(fr),
        median_fr_s=statistics.median(fr) if fr else None,
        p90_fr_s=_p90(fr),
        resolved=resolved,
        resolved_rate=_rate(resolved, n),
        complaints=complaints,
        complaint_rate=_rate(complaints, n),
        breached=breached,
        breach_rate=_rate(breached, n),
    )


def _breached(e: Enquiry, engine: Clocks, cutoff: float) -> bool:
    for c in engine.clocks(e):
        due, stopped = c.due_at, c.stopped_at
        if due is None or due >= cutoff:
            continue
        if stopped is None or stopped > due:
            return True
    return False


def gaps(v: GroupOutcomes, o: GroupOutcomes) -> tuple[str, ...]:
    """Where vulnerable customers fared worse, in words (only with both groups non-empty)."""
    if not v.enquiries or not o.enquiries:
        return ()
    out = []
    if v.median_fr_s is not None and o.median_fr_s and v.median_fr_s > GAP_FR * o.median_fr_s:
        out.append("first replies to vulnerable customers were slower")
    if (
        v.resolved_rate is not None
        and o.resolved_rate is not None
        and v.resolved_rate < o.resolved_rate - GAP_RATE
    ):
        out.append("fewer vulnerable customers' enquiries were resolved")
    if (
        v.complaint_rate is not None
        and o.complaint_rate is not None
        and v.complaint_rate > o.complaint_rate + GAP_RATE
    ):
        out.append("more vulnerable customers complained")
    if v.breach_rate is not None and o.breach_rate is not None and v.breach_rate > o.breach_rate + GAP_RATE:
        out.append("more vulnerable customers' enquiries breached an SLA")
    return tuple(out)


def compute_consumer_duty(
    enquiries: Iterable[Enquiry],
    engine: Clocks,
    *,
    team_ids: Sequence[str],
    start: float,
    end: float,
    cutoff: float,
) -> ConsumerDuty:
    """The two groups over the enquiries created in [start, min(end, cutoff)) and in scope (the shift's
    teams, or no team yet; every team when the shift names none)."""
    scope = frozenset(team_ids)
    vulnerable: list[tuple[Enquiry, bool]] = []
    others: list[tuple[Enquiry, bool]] = []
    for e in enquiries:
        if scope and e.team_id is not None and e.team_id not in scope:
            continue
        if not start <= e.created_at < min(end, cutoff):
            continue
        row = (e, _breached(e, engine, cutoff))
        (vulnerable if VULNERABLE in e.flags else others).append(row)
    v = _group("vulnerable", "Customers flagged vulnerable", vulnerable, cutoff)
    o = _group("everyone_else", "Everyone else", others, cutoff)
    return ConsumerDuty(v, o, gaps(v, o))
