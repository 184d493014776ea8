"""The switch interval policy (console.platform.gil): lowered once, process-wide, never put back up."""

from __future__ import annotations

import sys

import pytest

from console.platform.gil import SWITCH_INTERVAL_S, share_the_gil


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
