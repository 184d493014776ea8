"""The board's test floor: a writer that runs the sync thread's submit at once, the rows a drag test
starts from, and a move controller over a real encrypted cache (the `harness` fixture in tests/qt)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from console.domain.model import Enquiry
from console.domain.moves import MovePlan
from console.sla.engine import SlaStatus
from console.store.cache import Store
from tests.helpers.routing import AGENTS, TEAMS, enq
from tests.helpers.store import make_enquiry, new_key
from widgets.board.reassign import MoveController
from widgets.queue.model import QueueModel

# One lane's rows in every state: two breached (long ago, just now), on track, urgent, no clock running. In
# lane order: E000004 (urgent), E000003 (on track), E000002, E000001 (breached, most recent first), E000005.
LANE_ROWS = [
    (make_enquiry(1), SlaStatus("first_response", "breached", -90_000.0, 0.0, 3600.0)),
    (make_enquiry(2), SlaStatus("first_response", "breached", -60.0, 0.0, 3600.0)),
    (make_enquiry(3), SlaStatus("first_response", "on_track", 7200.0, 0.0, 9000.0)),
    (make_enquiry(4), SlaStatus("first_response", "urgent", 60.0, 0.0, 3600.0)),
    (make_enquiry(5), None),
]
LANE_ORDER = ["E000004", "E000003", "E000002", "E000001", "E000005"]

Harness = tuple[MoveController, QueueModel, Store]


class NowWriter:
    """The sync thread's submit, run at once on this thread (the store stays thread-confined)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def submit(self, fn: Callable[[Store], Any]) -> Future[Any]:
        fut: Future[Any] = Future()
        try:
            fut.set_result(fn(self.store))
        except Exception as e:
            fut.set_exception(e)
        return fut


def rows() -> list[Enquiry]:
    base: list[tuple[str, dict[str, Any]]] = [
        ("c1", {}),
        ("c2", {}),
        ("f1", {"topic": "fraud"}),
        ("back", {"team": "cards"}),
        ("gen", {"topic": "general"}),
    ]
    return [dataclasses.replace(enq(**kw), id=i) for i, kw in base]


@contextmanager
def move_harness(tmp_path: Path) -> Iterator[Harness]:
    """A move controller (actor "alice", a fixed clock) over a queue model and a real cache holding
    rows(); a reason is asked for with `asked` recording the plans, and "customer asked" given."""
    store = Store(tmp_path / "c.db", new_key())
    store.apply_enquiries(rows())
    model = QueueModel()
    model.set_rows(rows())
    moves = MoveController(model, actor="alice", now=lambda: 1_790_000_000.0)
    writer = NowWriter(store)
    moves.writer = lambda: writer
    moves.reader = store
    moves.set_reference(TEAMS, AGENTS)
    asked: list[MovePlan] = []

    def ask_reason(plan: MovePlan, parent: Any) -> str:
        asked.append(plan)
        return "customer asked"

    moves.ask_reason = ask_reason
    moves.asked = asked  # type: ignore[attr-defined]
    try:
        yield moves, model, store
    finally:
        store.close()
