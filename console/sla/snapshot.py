"""The SLA engine's clocks as they stood at one moment, for another thread (DESIGN.md, the thread rule).

The figures worker needs every row's deadline and state on each refresh. It used to keep a second engine
that timed every row again (~40 MB and ~1 s at load at 100k rows). A ClockSnapshot is made on the
engine's thread from copies of its caches and each calendar clock's position at `now`, so the worker
reads the very clocks the queue shows, and times only the rows the engine has not seen at their
version, with a snapshot engine (SlaEngine.snapshot) that belongs to the worker.
"""

from __future__ import annotations

from console.domain.model import Enquiry
from console.sla.clock import Clock, SlaStatus, entry_status
from console.sla.engine import SlaEngine


class ClockSnapshot:
    """Read-only after it is made; `own` is the reading thread's engine, for what the copy lacks."""

    __slots__ = ("_entries", "_idle", "_own", "_positions", "now")

    def __init__(self, engine: SlaEngine, own: SlaEngine, now: float) -> None:
        """On `engine`'s thread. `own` is a snapshot of it (or of an engine with the same rules) that only
        the thread reading this one uses."""
        self.now = now
        self._entries, self._idle, self._positions = engine.cached(now)
        self._own = own

    def due_at(self, e: Enquiry) -> float | None:
        entry = self._entries.get(e.id)
        if entry is not None and entry.version == e.version:
            return entry.due_at
        if self._idle.get(e.id) == e.version:
            return None  # no running clock at this version
        return self._own.due_at(e)  # a version the engine has not timed yet

    def status(self, e: Enquiry) -> SlaStatus | None:
        """The status at this snapshot's `now` (what the engine's status(e, now) says)."""
        entry = self._entries.get(e.id)
        if entry is not None and entry.version == e.version:
            pos = self._positions.get(entry.spec.timer)
            if pos is not None:
                return entry_status(entry, pos, self.now)
        elif self._idle.get(e.id) == e.version:
            return None
        return self._own.status(e, self.now)

    def clocks(self, e: Enquiry) -> list[Clock]:
        """Every clock, running or stopped (the engine keeps only the one that matters: the reading
        thread's engine times them)."""
        return self._own.clocks(e)
