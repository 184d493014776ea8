"""The interpreter's switch interval: one policy for every process that follows the service live.

While one thread runs Python, a thread that wants the GIL back waits up to the switch interval (5 ms by
default) at every hand-over: the UI thread each time it comes back from Qt into Python (each cell
painted, each slot), the sync thread after each socket read or SQLite call. At start-up a paint became
a stall of seconds, and a new enquiry waited behind a shift report being computed (issue 16). At 0.1 ms
the waiting thread gets the GIL back at once.

The setting is process-wide, so it is only ever lowered, never put back: a thread restoring "its" value
would undo what another thread needs.
"""

from __future__ import annotations

import sys

SWITCH_INTERVAL_S = 0.0001


def share_the_gil() -> None:
    """Lower the switch interval to SWITCH_INTERVAL_S (a lower one already set is kept)."""
    if sys.getswitchinterval() > SWITCH_INTERVAL_S:
        sys.setswitchinterval(SWITCH_INTERVAL_S)
