"""The queue's default order and its groups: what can still be saved leads, breached work is grouped.

The SLA column sorts in three blocks (DESIGN.md, SLA semantics: "What can still be saved leads"):
  1. not yet breached, least working time left first (the next deadline at the top);
  2. breached, the most recently breached first (its customer is most likely still there; the breaches
     of yesterday sink to the end of the block instead of filling the first screens);
  3. no clock running (waiting on the customer, or no policy applies).
The keys are plain floats so that list.sort keeps its fast path at 100k rows.

The groups (Group) split the open queue the same way for the queue's tabs and the header's tiles: a
clock is breached once its wall-clock deadline has passed (the engine's rule), so the group of a row
follows from its deadline and `now` alone, even when its cached status is a few seconds old.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from console.courtesy import paced
from console.sla.engine import SlaStatus

# Breached keys sit above every working time left (a few years at most) and below "no clock" (inf).
BREACHED_BLOCK = 1e13
SOON_S = 30 * 60.0  # "Breaching in 30 min": the header tile and the navigator's view of that name


class Group(StrEnum):
    """Which part of the open queue a row belongs to."""

    SAVEABLE = "saveable"  # a deadline not yet passed, or no clock running: nothing lost
    BREACHED = "breached"
    ALL = "all"


GROUP_WORDS = {Group.SAVEABLE: "Not breached", Group.BREACHED: "Breached", Group.ALL: "All"}


def sla_order(status: SlaStatus | None, shift: float = 0.0) -> float:
    """The SLA column's key for a status. `shift` puts a key taken later on the footing of the last
    full sort (see console.live.queue_rows.sla_key)."""
    if status is None:
        return math.inf
    if status.state == "breached":
        return BREACHED_BLOCK - status.due_at  # the latest deadline (the freshest breach) first
    return status.remaining_s + shift


def is_breached(status: object, now: float) -> bool:
    """Whether a cached status says the deadline has passed by `now` (anything but an SlaStatus: no)."""
    return isinstance(status, SlaStatus) and status.due_at < now


def in_group(group: Group, status: object, now: float) -> bool:
    if group is Group.ALL:
        return True
    return is_breached(status, now) == (group is Group.BREACHED)


@dataclass(frozen=True, slots=True)
class DeadlineCounts:
    """How the open queue stands against its deadlines: one computation for the header's tiles and the
    queue's tabs."""

    open: int = 0
    breached: int = 0  # deadline passed
    soon: int = 0  # deadline within SOON_S from now, not yet passed

    @property
    def saveable(self) -> int:
        return self.open - self.breached


def deadline_counts(deadlines: Iterable[float | None], now: float, soon_s: float = SOON_S) -> DeadlineCounts:
    """Count the open enquiries, given the deadline of the clock that matters now for each (None: no
    clock running), that are breached and that breach within soon_s (the navigator's "Breaching in
    30 min" view counts the same rows)."""
    n = breached = soon = 0
    limit = now + soon_s
    for due in paced(deadlines):
        n += 1
        if due is None:
            continue
        if due < now:
            breached += 1
        elif due <= limit:
            soon += 1
    return DeadlineCounts(n, breached, soon)
