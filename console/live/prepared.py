"""Queue rows made ready on a worker thread, for QueueIndex.adopt on the UI thread: the heavy half of a
load (records, every clock, the sort, the filter text), and of re-timing every held row under new SLA
rules (issue 16: at 100k open, re-timing them on the UI thread froze the window for ~0.9 s).

Reads only what it is given: the caller takes the index's settings on its own thread and passes them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from console.courtesy import paced
from console.domain.batches import gc_paused
from console.domain.model import Enquiry
from console.live.queue_rows import (
    Col,
    Deadlines,
    Prepared,
    Row,
    RowText,
    SortKey,
    by_id,
    by_k,
    fill_statuses,
    make_hay,
    sla_key,
)
from console.sla.engine import SlaEngine


def prepare_rows(
    enquiries: Iterable[Enquiry],
    holds: Callable[[Enquiry], bool],
    engine: SlaEngine | None,
    now: float,
    sort: tuple[Col, Callable[[Row], SortKey]],
    text: RowText | None,
    text_version: int,
    hays: Sequence[str | None] | None = None,
) -> Prepared:
    """Rows of the enquiries the index holds, timed by `engine` at `now`, keyed and sorted by the sort
    column (the SLA column's keys taken afresh); with `text`, every row's filter text made by it; with
    `hays` (beside `enquiries`), the filter text the rows had (re-timed, nothing they show changed) or an
    earlier start kept for them (console.store.kept): made only for the others."""
    listed = enquiries if isinstance(enquiries, list) else list(enquiries)
    with gc_paused():  # 100k new records: no full collection half-way
        rows = {e.id: Row(e) for e in listed if holds(e)}
    for e, hay in zip(listed, hays or (), strict=False):
        if hay is not None and (r := rows.get(e.id)) is not None and r.e is e:
            r.hay = hay
    ids = sorted(rows.values(), key=by_id)
    fill_statuses(engine, now, ids)
    col, key = sort
    if col == Col.SLA:
        key = sla_key(0.0)
    for r in paced(ids):  # on a worker: each loop gives way to a paint (console.courtesy)
        r.k = key(r)
    made: list[Row] = []
    if text is not None:  # the rows without the filter text they had (or an earlier start kept)
        for r in paced(ids):
            if r.hay is None:
                make_hay(r, text)
                made.append(r)
    # The rows the warm-up is to give their text (listed here: the walk took ~20 ms of the UI thread).
    bare = [] if text is not None else [r for r in ids if r.hay is None]
    dues = Deadlines(ids, now)
    everything = [r.e for r in ids]
    by_key = sorted(ids, key=by_k)
    return Prepared(rows, ids, by_key, engine, col, now, dues, text_version, text, everything, made, bare)
