"""The queue model's row records and the pure helpers around them (statuses, sort keys, lookups),
apart from the Qt model itself (widgets.queue.model) so each file reads on its own."""

from __future__ import annotations

import bisect
import logging
import math
from collections.abc import Callable
from operator import attrgetter
from typing import Any, NamedTuple

from PySide6.QtGui import QBrush, QIcon

from console.domain.model import Enquiry
from console.sla.engine import SlaEngine, SlaStatus
from widgets.queue.text import Col

log = logging.getLogger("concierge.widgets.queue")

Predicate = Callable[[Enquiry], bool]
SortKey = float | str
UNSET: Any = object()  # "not computed yet" (None is a real value: no clock running)


class QueueRow:
    """One enquiry and the cached renderings of its cells; `k` is its key in the current sort."""

    __slots__ = ("customer", "e", "hay", "id", "k", "preview", "sla_text", "status")

    def __init__(self, e: Enquiry) -> None:
        self.e = e
        self.id = e.id
        self.k: SortKey = 0.0
        self.forget()

    def forget(self) -> None:
        self.status: SlaStatus | None = UNSET
        self.sla_text: str | None = None
        self.customer: str | None = None
        self.preview: str | None = None
        self.hay: str | None = None


class Cell(NamedTuple):
    text: str
    icon: QIcon | None
    fg: QBrush | None
    bg: QBrush | None
    right: bool  # right-aligned (numbers)
    bold: bool


def _order(r: QueueRow) -> tuple[SortKey, str]:
    return (r.k, r.id)


by_key = attrgetter("k")
by_id = attrgetter("id")


class Prepared(NamedTuple):
    """Rows built by QueueModel.prepare (any thread), for set_prepared (UI thread)."""

    rows: dict[str, QueueRow]
    ids: list[QueueRow]  # by id
    all: list[QueueRow]  # by (k, id)
    engine: SlaEngine | None
    sort_col: Col
    now: float


def fill_statuses(engine: SlaEngine | None, now: float, rows: list[QueueRow]) -> None:
    statuses: list[SlaStatus | None]
    if engine is None:
        statuses = [None] * len(rows)
    else:
        enquiries = [r.e for r in rows]
        try:
            statuses = engine.statuses(enquiries, now)
        except Exception:  # one odd record must not blank the whole queue: retry row by row
            log.exception("SLA statuses failed for a batch of %d; retrying one by one", len(rows))
            statuses = [_one_status(engine, e, now) for e in enquiries]
    for r, status in zip(rows, statuses, strict=True):
        r.status = status
        r.sla_text = None  # formatted when painted: formatting all 100k costs ~1.5 s


def sla_key(
    shift: float, status: Callable[[QueueRow], SlaStatus | None] | None = None
) -> Callable[[QueueRow], float]:
    # Keys taken later are put on the footing of the last full sort (shift), so a changed row lands
    # among rows whose keys were taken earlier at the place its clock deserves.
    def sla(r: QueueRow) -> float:
        s = r.status
        if s is UNSET:
            s = None if status is None else status(r)
        return math.inf if s is None else s.remaining_s + shift

    return sla


def find_row(rows: list[QueueRow], r: QueueRow) -> int:
    """Where r is (or would go) in a list sorted by (k, id), judged by r's current key."""
    return bisect.bisect_left(rows, (r.k, r.id), key=_order)


def no_clock() -> float:
    return 0.0


def _one_status(engine: SlaEngine, e: Enquiry, now: float) -> SlaStatus | None:
    try:
        return engine.status(e, now)
    except Exception:
        log.exception("SLA status failed for %s", e.id[:64])
        return None


def safe_match(pred: Predicate, e: Enquiry) -> bool:
    try:
        return bool(pred(e))
    except Exception:  # a faulty saved view hides a row, it does not break the table
        log.exception("filter predicate failed for %s", e.id[:64])
        return False
