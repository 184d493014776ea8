"""The queue's default order and groups (console.live.order): what can still be saved leads, breached work
is grouped, and the counts the header and the group tabs show come from one computation."""

from __future__ import annotations

import math

from console.live.order import BREACHED_BLOCK, DeadlineCounts, Group, deadline_counts, in_group, sla_order
from console.sla.engine import SlaStatus

NOW = 1_795_000_000.0
MIN = 60.0


def status(left_min: float, state: str = "on_track") -> SlaStatus:
    left = left_min * MIN
    return SlaStatus("first_response", state, left, NOW + left, 7 * 3600.0)


def test_what_can_be_saved_leads_then_the_freshest_breach_then_no_clock() -> None:
    rows = {
        "breached 27 h ago": status(-27 * 60, "breached"),
        "1 min left": status(1, "urgent"),
        "no clock": None,
        "breached 2 min ago": status(-2, "breached"),
        "3 h left": status(180),
        "20 min left": status(20, "at_risk"),
    }
    order = sorted(rows, key=lambda k: sla_order(rows[k]))
    assert order == [
        "1 min left",
        "20 min left",
        "3 h left",
        "breached 2 min ago",
        "breached 27 h ago",
        "no clock",
    ]
    # The breached block sits above any working time left a queue can hold, and below "no clock".
    assert sla_order(status(10 * 365 * 24 * 60)) < sla_order(status(-1, "breached")) < math.inf
    assert sla_order(status(-1, "breached")) < BREACHED_BLOCK


def test_a_key_taken_later_keeps_the_footing_of_the_last_sort() -> None:
    assert sla_order(status(5, "urgent"), shift=60.0) == 6 * MIN
    assert sla_order(status(-5, "breached"), shift=60.0) == sla_order(status(-5, "breached"))


def test_groups_follow_the_deadline_even_when_a_cached_state_is_old() -> None:
    cached = status(1, "urgent")  # taken a minute ago; its deadline has passed since
    assert in_group(Group.BREACHED, cached, NOW + 2 * MIN)
    assert not in_group(Group.SAVEABLE, cached, NOW + 2 * MIN)
    assert in_group(Group.SAVEABLE, cached, NOW)
    assert in_group(Group.SAVEABLE, None, NOW)  # no clock running: nothing lost, never "breached"
    assert in_group(Group.SAVEABLE, object(), NOW)  # not computed yet
    assert all(in_group(Group.ALL, s, NOW) for s in (cached, None, status(-3, "breached")))


def test_deadline_counts_say_breached_now_and_breaching_within_30_min() -> None:
    dues = [NOW - 3600, NOW - 1, NOW + 1, NOW + 29 * MIN, NOW + 30 * MIN, NOW + 31 * MIN, None]
    counts = deadline_counts(dues, NOW)
    assert counts == DeadlineCounts(open=7, breached=2, soon=3)
    assert counts.saveable == 5
    assert deadline_counts([], NOW) == DeadlineCounts()
