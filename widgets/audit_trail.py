"""Audit entries from the UI (logins, reveals, exports), written off the UI thread by the one writer.

While sync runs, the entry goes through Syncer.submit (the sync thread owns the writing connection, so
the hash chain is never extended by two writers at once); before sync has started (not signed in yet,
or a viewer opened offline) a short-lived writer connection on the jobs thread writes it. The callback
runs on the UI thread once the entry is committed; a failure reaches on_error and the `failed` signal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot

from widgets.workers import BackgroundJobs

if TYPE_CHECKING:
    from console.store import Store
    from console.sync import Syncer

log = logging.getLogger("concierge.audit")

Done = Callable[[int], None]
Failed = Callable[[BaseException], None]


class AuditTrail(QObject):
    failed = Signal(str)  # a plain sentence for the status bar
    _landed = Signal(object, object)  # (callback, value) from the sync thread, queued to the UI thread

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
        self._landed.connect(self._call)

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

        done: Done = on_done or (lambda _seq: None)

        def error(e: BaseException) -> None:
            log.error("audit entry %s %s not written: %s", action, subject[:64], e)
            self.failed.emit(f"The audit trail could not be written ({action}): {e}")
            if on_error is not None:
                on_error(e)

        syncer = self._syncer()
        if syncer is not None:
            future = syncer.submit(write)
            future.add_done_callback(
                lambda f: (
                    self._landed.emit(error, f.exception())
                    if f.exception() is not None
                    else self._landed.emit(done, f.result())
                )
            )
            return
        path, key = self._cache()

        def direct() -> int:
            from console.store import Store

            with Store(path, key) as store:
                return write(store)

        self._jobs.submit(direct, done, error)

    @Slot(object, object)
    def _call(self, callback: Callable[[Any], None], value: object) -> None:
        callback(value)


def reveal_audited(audit: AuditTrail, enquiry_id: str, reveal: Callable[[str], None]) -> None:
    """The supervisor asked to see one enquiry unmasked: only once the reveal is in the audit trail is
    the enquiry shown in full (on screen, for this session; exports stay masked)."""
    audit.record(
        "reveal",
        enquiry_id,
        {"where": "detail pane", "scope": "on screen, this session"},
        lambda _: reveal(enquiry_id),
    )
