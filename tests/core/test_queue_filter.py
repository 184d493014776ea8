"""The queue's filter (console.live.queue_rows.filtered) over the index, without Qt: rows are tested in id
order and put back in sort order, and the result is the unfiltered display order with the misses out."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from console.domain.model import Enquiry
from console.live.queue_rows import Col
from console.sla.engine import SlaEngine
from tests.helpers.queue_index import build_world, make, row_of


@pytest.fixture(scope="module")
def world() -> tuple[list[Enquiry], SlaEngine]:
    return build_world()


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("col", [Col.SLA, Col.AGE, Col.CUSTOMER, Col.TEAM])
def test_a_filter_keeps_the_sort_order_whether_it_hits_one_row_a_few_or_most(
    world: tuple[list[Enquiry], SlaEngine], col: Col, descending: bool
) -> None:
    """Rows are tested in id order and put back in sort order (sorted when few hits, by one pass when
    many): each way, the filtered rows are the unfiltered display order with the misses taken out."""
    ix, mirror = make(world)
    ix.sort(col, descending)
    everything = ix.ids()
    hay = {i: ix.hay(row_of(ix)(i)) for i in everything}
    words = sorted({w for h in hay.values() for w in h.split() if len(w) > 3})

    def share(needle: str) -> float:
        return sum(needle in h for h in hay.values()) / len(hay)

    few = next(w for w in words if 0.01 < share(w) < 0.1)  # sorted back into place
    many = next(w for w in words if 0.3 < share(w) < 0.95)  # one pass by identity
    enquiry = {e.id: e for e in world[0]}
    channel = world[0][0].channel

    def on_channel(e: Enquiry) -> bool:
        return e.channel == channel

    cases: list[tuple[str, Callable[[Enquiry], bool] | None]] = [
        (everything[17], None), (few, None), (many, None), ("e", None), ("", on_channel),
        (many, on_channel), ("e", None), ("ex", None), ("exy", None),  # the last three: typing on
    ]  # fmt: skip
    for needle, pred in cases:
        ix.set_filter(needle, pred)
        want = [i for i in everything if needle in hay[i] and (pred is None or pred(enquiry[i]))]
        assert ix.ids() == want, (needle, pred)
        assert mirror.ids == want
