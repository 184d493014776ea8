"""Work over every held row in slices of the UI thread (console.live.warm_up): the team board's snapshot."""

from __future__ import annotations

import dataclasses

from console.live.queue_rows import Row
from console.live.warm_up import StatusSnapshot, WarmUp
from console.sla.engine import SlaStatus
from tests.helpers.store import make_enquiry


def test_a_snapshot_read_in_slices_holds_every_row_as_it_stood_when_its_slice_was_read() -> None:
    rows = [Row(make_enquiry(i)) for i in range(10)]
    for i, r in enumerate(rows):
        r.status = SlaStatus("first_response", "on_track", 60.0 * i, 1e9, 3600.0)
    snap = StatusSnapshot(rows)
    assert not snap.step(4) and len(snap.enquiries) == len(snap.statuses) == 4
    # Between two slices the UI thread changes a row not read yet, and one already read.
    rows[6].e = dataclasses.replace(rows[6].e, version=2, team_id="cards")
    rows[6].status = None
    rows[1].e = dataclasses.replace(rows[1].e, version=2)
    del rows[9]  # the list changed too: the snapshot reads the rows held when it began
    assert not snap.step(4)
    assert snap.step(4) and snap.step(4)  # done, and stays done
    assert [e.id for e in snap.enquiries] == [f"E{i:06d}" for i in range(10)]
    assert snap.enquiries[6].team_id == "cards" and snap.statuses[6] is None
    assert snap.enquiries[1].version == 1  # read before it changed: the next snapshot has it
    assert [s.remaining_s for s in snap.statuses if s is not None] == [60.0 * i for i in range(10) if i != 6]


def test_the_warm_up_walks_only_the_rows_still_without_their_filter_text() -> None:
    # A load's worker builds every row's text: a warm-up walking all 100k of them again took ~20 idle
    # slices before the console counted as fully loaded.
    rows = [Row(make_enquiry(i)) for i in range(6)]
    rows[1].hay, rows[4].hay = "given", "given"
    built: list[str] = []

    def hay(r: Row) -> str:
        built.append(r.id)
        r.hay = "built"
        return r.hay

    warm = WarmUp(hay)
    warm.start(rows)
    assert warm.left() == 4
    assert warm.step(100) and warm.left() == 0
    assert built == [rows[i].id for i in (0, 2, 3, 5)]
    warm.start(rows)  # every row has its text now: nothing to walk, done at the first step
    assert warm.left() == 0 and warm.step(100) and len(built) == 4
