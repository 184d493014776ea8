"""The queue index's test floor, without Qt: enquiries from the reference service's own generator, the real
SLA engine over the service's policies and calendars, and a listener that mirrors the visible ids from
the index's notices alone (as a Qt view would) and checks every notice."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable

from console.domain.model import Enquiry
from console.live.queue_index import QueueIndex
from console.live.queue_rows import PlainText, Row
from console.service.sim.clock import start_for_seed
from console.service.sim.population import draw_enquiry
from console.service.sim.world import build
from console.sla.engine import SlaEngine

NOW = start_for_seed(4) + 6 * 3600


class Mirror:
    """An IndexListener that keeps its own list of visible ids from the notices alone, and checks each
    notice against the index (row numbers must be display rows, before/after pairs must match)."""

    def __init__(self) -> None:
        self.ix: QueueIndex | None = None
        self.ids: list[str] = []
        self.pending: tuple[str, int, int] | None = None
        self.log: list[str] = []

    def _index(self) -> QueueIndex:
        assert self.ix is not None
        return self.ix

    def _begin(self, what: str, a: int, b: int = -1) -> None:
        assert self.pending is None, f"{what} inside {self.pending}"
        self.pending = (what, a, b)
        self.log.append(what)

    def _end(self, what: str) -> tuple[int, int]:
        assert self.pending is not None and self.pending[0] == what
        _, a, b = self.pending
        self.pending = None
        return a, b

    def inserting(self, row: int) -> None:
        assert 0 <= row <= len(self.ids) == self._index().visible_count()
        self._begin("insert", row)

    def inserted(self) -> None:
        row, _ = self._end("insert")
        r = self._index().row_at(row)
        assert r is not None
        self.ids.insert(row, r.id)

    def removing(self, row: int) -> None:
        assert 0 <= row < len(self.ids) == self._index().visible_count()
        assert self.ids[row] == self._index().ids()[row]  # the row named is still there when told
        self._begin("remove", row)

    def removed(self) -> None:
        row, _ = self._end("remove")
        del self.ids[row]

    def moving(self, src: int, dst: int) -> None:
        assert src != dst and 0 <= src < len(self.ids) and 0 <= dst < len(self.ids)
        self._begin("move", src, dst)

    def moved(self) -> None:
        src, dst = self._end("move")
        self.ids.insert(dst, self.ids.pop(src))

    def changed(self, row: int) -> None:
        assert self.pending is None
        r = self._index().row_at(row)
        assert r is not None and self.ids[row] == r.id
        self.log.append("changed")

    def layout_changing(self, live: bool) -> None:
        self._begin("layout", int(live))
        assert self.ids == self._index().ids()

    def layout_changed(self) -> None:
        self._end("layout")
        self.ids = self._index().ids()

    def resetting(self) -> None:
        self._begin("reset", 0)

    def reset(self) -> None:
        self._end("reset")
        self.ids = self._index().ids()


def build_world() -> tuple[list[Enquiry], SlaEngine]:
    """600 open enquiries from the reference service's generator, aged over the hours before NOW, and the
    real SLA engine over the service's policies and calendars."""
    rng = random.Random(4)
    w = build(rng, NOW)
    rows = []
    for i in range(600):
        created = NOW - rng.expovariate(1 / 7200) - rng.random() * 60
        e = draw_enquiry(rng, f"enq-{i:05d}", created)
        answered = rng.random() < 0.4
        rows.append(
            dataclasses.replace(
                e,
                status="open" if answered else "new",
                team_id=rng.choice([t.id for t in w.teams]),
                first_customer_message_at=created,
                first_response_at=created + rng.random() * 900 if answered else None,
                updated_at=created,
            )
        )
    engine = SlaEngine(w.policies, {c.id: c for c in w.calendars}, {t.id: t for t in w.teams})
    return rows, engine


def make(world: tuple[list[Enquiry], SlaEngine]) -> tuple[QueueIndex, Mirror]:
    rows, engine = world
    mirror = Mirror()
    ix = QueueIndex(PlainText(), mirror)
    mirror.ix = ix
    ix.set_clock(engine, lambda: NOW)
    ix.set_rows(rows)
    return ix, mirror


def row_of(ix: QueueIndex) -> Callable[[str], Row]:
    def get(ident: str) -> Row:
        row = ix.row_of(ident)
        assert row is not None
        r = ix.row_at(row)
        assert r is not None
        return r

    return get
