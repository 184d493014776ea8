"""Audit entries from the UI (logins, reveals, exports), written off the UI thread by the one writer.

While sync runs, the entry goes through BackgroundJobs.write (the sync thread owns the writing
connection, so the hash chain is never extended by two writers at once); before sync has started (not
signed in yet, or a viewer opened offline) a short-lived writer connection on the jobs thread writes it.
The callback runs on the UI thread once the entry is committed; a failure reaches on_error and the
`failed` signal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from widgets.app.workers import BackgroundJobs, NotConnected

if TYPE_CHECKING:
    from console.store.cache import Store
    from console.sync.engine import Syncer

log = logging.getLogger("concierge.audit")

Done = Callable[[int], None]
Failed = Callable[[BaseException], None]


class AuditTrail(QObject):
    failed = Signal(str)  # a plain sentence for the status bar

    def __init__(
        self,
        jobs: BackgroundJobs,
        *,
        syncer: Callable[[], Syncer | None],
        cache: Callable[[], tuple[Path, bytes | str]],
        actor: Callable[[], str],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._jobs, self._syncer, self._cache, self._actor = jobs, syncer, cache, actor
        self.fallback_ms = 15_000

    def actor(self) -> str:
        """Who acts: the signed-in user."""
        return self._actor()

    def record(
        self,
        action: str,
        subject: str,
        detail: dict[str, Any],
        on_done: Done | None = None,
        on_error: Failed | None = None,
    ) -> None:
        """Append one entry (who: the signed-in user; when: now). Never blocks the UI thread."""
        actor, at = self._actor(), time.time()

        def write(store: Store) -> int:
            return store.audit(at=at, actor=actor, action=action, subject=subject, detail=detail)

        self.write(action, subject, write, on_done, on_error)

    def write(
        self,
        action: str,
        subject: str,
        write: Callable[[Store], int],
        on_done: Done | None = None,
        on_error: Failed | None = None,
    ) -> None:
        """Run `write` (it appends audit entries, with whatever else it writes in the same transaction)
        where the cache's writer lives, like record(). action, subject: for the message on failure."""
        done: Done = on_done or (lambda _seq: None)

        def error(e: BaseException) -> None:
            log.error("audit entry %s %s not written: %s", action, subject[:64], e)
            self.failed.emit(f"The audit trail could not be written ({action}): {e}")
            if on_error is not None:
                on_error(e)

        syncer = self._syncer()
        if syncer is None:
            self._direct(write, done, error)
            return

        def not_written(e: BaseException) -> None:
            if isinstance(e, NotConnected):  # the sync loop ended before writing it: never lose an entry
                self._direct(write, done, error)
            else:
                error(e)

        future = self._jobs.write(syncer, write, done, not_written)
        # A sync thread stuck in a long network call: take the entry back (if not begun) and write it
        # directly; the cancellation reaches not_written above.
        QTimer.singleShot(self.fallback_ms, future.cancel)

    def _direct(self, write: Callable[[Store], int], done: Done, error: Failed) -> None:
        """No sync thread: a short-lived writer on the jobs thread, taking the write lock up front
        (BEGIN IMMEDIATE waits its turn) so that the chain is extended by one writer at a time."""
        path, key = self._cache()

        def direct() -> int:
            from console.store.cache import Store

            with Store(path, key) as store:
                conn = store._conn
                conn.execute("BEGIN IMMEDIATE")
                try:
                    seq = write(store)  # its own transaction nests as a savepoint
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
                return seq

        self._jobs.submit(direct, done, error)


def reveal_audited(audit: AuditTrail, enquiry_id: str, reveal: Callable[[str], None]) -> None:
    """The supervisor asked to see one enquiry unmasked: only once the reveal is in the audit trail is
    the enquiry shown in full (on screen, for this session; exports stay masked)."""
    audit.record(
        "reveal",
        enquiry_id,
        {"where": "detail pane", "scope": "on screen, this session"},
        lambda _: reveal(enquiry_id),
    )
