"""The queue's rows by customer handle (console.live.handle_index): what a pass over every held row
would find, whatever rows came, went or changed handle since the index was made."""

from __future__ import annotations

import random

from console.live.handle_index import RowsByHandle
from console.live.queue_rows import Row
from tests.helpers.store import make_enquiry

HANDLES = ["@Amy_B", "@amy_b ", "@ben", "@BEN", "@cara", "@dev"]


def by_pass(rows: dict[str, Row], handle: str) -> set[str]:
    want = handle.strip().casefold()
    return {i for i, r in rows.items() if r.e.customer_handle.strip().casefold() == want}


def test_rows_by_handle_find_what_a_full_pass_finds_through_adds_removals_and_new_handles() -> None:
    rnd = random.Random(16)
    rows: dict[str, Row] = {}
    index = RowsByHandle(lambda: rows)

    def add(n: int) -> None:
        r = Row(make_enquiry(n, customer_handle=rnd.choice(HANDLES)))
        rows[r.id] = r
        index.filed(r)

    for n in range(20):
        add(n)
    for step in range(400):  # the index is made on the first read, and again once leftovers pile up
        what = rnd.random()
        if what < 0.3:
            add(20 + step)
        elif what < 0.5 and rows:
            del rows[rnd.choice(sorted(rows))]
        elif rows:  # a new handle on a held row (the wire can correct a customer's handle)
            r = rows[rnd.choice(sorted(rows))]
            was, r.e = r.e.customer_handle, make_enquiry(int(r.id[1:]), customer_handle=rnd.choice(HANDLES))
            index.filed(r, was)
        asked = rnd.sample(HANDLES, 2)
        found = index(asked)
        assert len(found) == len({r.id for r in found}), "a row is named once"
        assert {r.id for r in found} == by_pass(rows, asked[0]) | by_pass(rows, asked[1]), step


def test_a_reset_index_is_made_again_from_the_rows_held_then() -> None:
    held = {"E000001": Row(make_enquiry(1, customer_handle="@amy"))}
    index = RowsByHandle(lambda: held)
    assert [r.id for r in index(["@AMY"])] == ["E000001"]
    held = {"E000002": Row(make_enquiry(2, customer_handle="@Amy"))}  # adopt(): a new dict of rows
    index.reset()
    assert [r.id for r in index(["@amy"])] == ["E000002"]
