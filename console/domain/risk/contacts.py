"""Repeat contacts: how many earlier enquiries the same customer handle opened within 7 days before this
one. Handles are compared without case or surrounding blanks ("@Amy_B" and "@amy_b " are one customer)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from console.domain.risk.score import REPEAT_WINDOW_S


def handle_key(handle: str) -> str:
    """The handle as compared; the handle itself (not an equal copy) when it is already in that form, so
    the repeat-contact book of 100k enquiries keys on the enquiries' own strings (~4 MB)."""
    key = handle.strip().casefold()
    return handle if key == handle else key


def earlier(times: Sequence[float], created_at: float, window_s: float = REPEAT_WINDOW_S) -> int:
    """Of the sorted creation times of one customer's enquiries, how many fall in
    [created_at - window, created_at): the enquiry created at created_at itself is not counted."""
    lo = bisect.bisect_left(times, created_at - window_s)
    hi = bisect.bisect_left(times, created_at)
    return hi - lo
