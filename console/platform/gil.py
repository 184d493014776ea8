"""The interpreter's switch interval: one policy for every process that follows the service live.

While one thread runs Python, a thread that wants the GIL back waits up to the switch interval (5 ms by
default) at every hand-over: the UI thread each time it comes back from Qt into Python (each cell
painted, each slot), the sync thread after each socket read or SQLite call. At start-up a paint became
a stall of seconds, and a new enquiry waited behind a shift report being computed (issue 16). At 0.1 ms
the waiting thread gets the GIL back at once.

The setting is process-wide, so it is only ever lowered, never put back: a thread restoring "its" value
would undo what another thread needs. The one exception is ui_first(), the UI thread's while it paints a
window, which puts back at most the policy's own value.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from console.courtesy import ui_busy
from console.platform.memory import GLIBC

SWITCH_INTERVAL_S = 0.0001
# While a window paints: each cell calls from Qt into Python, and each call waited for the GIL about
# 0.15 ms while the jobs thread ran (the interval, plus the kernel's 50 us timer slack on the wait).
PAINT_SWITCH_INTERVAL_S = 0.00001
PAINT_TIMER_SLACK_NS = 1000
_PR_SET_TIMERSLACK, _PR_GET_TIMERSLACK = 29, 30  # Linux prctl options: the calling thread's timer slack
_shared = [False]  # share_the_gil has been called in this process


def share_the_gil() -> None:
    """Lower the switch interval to SWITCH_INTERVAL_S (a lower one already set is kept)."""
    _shared[0] = True
    if sys.getswitchinterval() > SWITCH_INTERVAL_S:
        sys.setswitchinterval(SWITCH_INTERVAL_S)


@contextmanager
def ui_first() -> Iterator[None]:
    """Around a window's paint (and the taking in of a worker's result), on the UI thread: the workers'
    long loops give way meanwhile (console.courtesy), other threads hand the GIL back within ~10 us of
    its asking, and its own waits for it end that precisely (Linux: the thread's timer slack, 50 us by
    default, is 1 us meanwhile). Afterwards the interval is what it was, or the policy's own value if
    share_the_gil was called meanwhile; the slack is put back."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, PAINT_SWITCH_INTERVAL_S))
    slack = _timer_slack(PAINT_TIMER_SLACK_NS)
    try:
        with ui_busy():
            yield
    finally:
        if slack is not None:
            _timer_slack(slack)
        sys.setswitchinterval(min(before, SWITCH_INTERVAL_S) if _shared[0] else before)


def timer_slack_ns() -> int | None:
    """The calling thread's timer slack, where the system has one (Linux)."""
    if GLIBC is None or not hasattr(GLIBC, "prctl"):
        return None
    return int(GLIBC.prctl(ctypes.c_int(_PR_GET_TIMERSLACK), 0, 0, 0, 0))


def _timer_slack(ns: int) -> int | None:
    """Set the calling thread's timer slack; the value it had, or None where there is none to set."""
    was = timer_slack_ns()
    if was is None or was < 0:
        return None
    GLIBC.prctl(ctypes.c_int(_PR_SET_TIMERSLACK), ctypes.c_ulong(ns), 0, 0, 0)  # type: ignore[union-attr]
    return was
