"""The switch interval policy (console.platform.gil): lowered once, process-wide, never put back up."""

from __future__ import annotations

import sys

import pytest

from console.platform.gil import (
    PAINT_SWITCH_INTERVAL_S,
    PAINT_TIMER_SLACK_NS,
    SWITCH_INTERVAL_S,
    share_the_gil,
    timer_slack_ns,
    ui_first,
)


@pytest.mark.parametrize(
    ("set_before", "after"),
    [(0.005, SWITCH_INTERVAL_S), (SWITCH_INTERVAL_S, SWITCH_INTERVAL_S), (1e-5, 1e-5)],
    ids=["Python's default is lowered", "the policy's own value stays", "a lower value is kept"],
)
def test_the_switch_interval_is_only_ever_lowered(set_before: float, after: float) -> None:
    was = sys.getswitchinterval()
    try:
        sys.setswitchinterval(set_before)
        share_the_gil()
        assert sys.getswitchinterval() == pytest.approx(after, rel=0.05)
    finally:
        sys.setswitchinterval(was)


@pytest.mark.parametrize(
    ("set_before", "shared_inside", "after"),
    [
        (SWITCH_INTERVAL_S, False, SWITCH_INTERVAL_S),
        (0.005, False, 0.005),
        (0.005, True, SWITCH_INTERVAL_S),
        (2e-5, True, 2e-5),
    ],
    ids=[
        "the policy's value comes back",
        "a process that never shared gets its own back",
        "another thread's share during the paint is kept",
        "a lower value is kept",
    ],
)
def test_a_paint_goes_first_for_the_gil_and_leaves_the_policy_as_it_was(
    set_before: float, shared_inside: bool, after: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    was = sys.getswitchinterval()
    monkeypatch.setattr("console.platform.gil._shared", [False])
    slack = timer_slack_ns()
    try:
        sys.setswitchinterval(set_before)
        with ui_first():
            assert sys.getswitchinterval() == pytest.approx(
                min(set_before, PAINT_SWITCH_INTERVAL_S), rel=0.05
            )
            if slack is not None:
                assert timer_slack_ns() == PAINT_TIMER_SLACK_NS
            if shared_inside:
                share_the_gil()
        assert sys.getswitchinterval() == pytest.approx(after, rel=0.05)
        assert timer_slack_ns() == slack
    finally:
        sys.setswitchinterval(was)
