"""What one sync pass did, counted: the CLI prints it, the tests read it."""

from __future__ import annotations

from dataclasses import dataclass, field

from console.domain.model import ChangeSet
from console.store.cache import OutboxResult


@dataclass(slots=True)
class SyncCounts:
    added: int = 0
    changed: int = 0
    removed: int = 0
    quarantined: int = 0
    healed: int = 0
    pushed: int = 0
    conflicts: int = 0
    rejected: int = 0
    pages: int = 0
    messages: int = 0  # read from the message feed
    reports: int = 0  # shift reports stored (closed here: the CLI; live, the report thread does it)
    reports_s: float = 0.0  # the time that took, part of elapsed
    reference_changed: bool = False
    elapsed: float = 0.0
    outcomes: list[OutboxResult] = field(default_factory=list)

    def add(self, cs: ChangeSet) -> None:
        self.added += len(cs.added)
        self.changed += len(cs.changed)
        self.removed += len(cs.removed)
        self.quarantined += cs.quarantined
        self.reference_changed |= cs.reference_changed
