"""The queue's held rows by customer handle: a customer's new contact changes the escalation risk of
their other open enquiries (a repeat contact), and finding those rows by a pass over 100k held rows on
the UI thread, once per sync, cost about 5 s of it in the arrivals profile.

Handles are compared as the risk book counts them (handle_key: no case, no surrounding blanks), so
"@Amy_B" and "@amy_b" are one customer here too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from console.domain.risk.contacts import handle_key
from console.live.queue_rows import Row


class RowsByHandle:
    """Made on first need and then kept by appending: a row that has gone, or whose handle changed, is
    skipped when read, and the index is made again once such leftovers could outnumber the rows."""

    def __init__(self, held: Callable[[], Mapping[str, Row]]) -> None:
        self._held = held  # the index's rows by id, read when needed (the index swaps its dict)
        self._by: dict[str, list[Row]] | None = None
        self._adds = 0

    def reset(self) -> None:
        """Every row was replaced: made again on the next read."""
        self._by = None

    def filed(self, r: Row, was: str | None = None) -> None:
        """A row is held under its customer handle: a new row, or one whose handle `was` another."""
        if self._by is None or (was is not None and handle_key(was) == handle_key(r.e.customer_handle)):
            return
        self._by.setdefault(handle_key(r.e.customer_handle), []).append(r)
        self._adds += 1
        if self._adds > len(self._held()):
            self._by = None

    def __call__(self, handles: Iterable[str]) -> list[Row]:
        """The held rows of these customers, whatever the case of their handles."""
        rows = self._held()
        if self._by is None:
            self._by, self._adds = {}, 0
            for r in rows.values():
                self._by.setdefault(handle_key(r.e.customer_handle), []).append(r)
        index = self._by
        found = {  # by id: a row re-handled and back is filed twice
            r.id: r
            for k in {handle_key(h) for h in handles}
            for r in index.get(k, ())
            if rows.get(r.id) is r and handle_key(r.e.customer_handle) == k
        }
        return list(found.values())
