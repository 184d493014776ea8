"""What a start keeps in the cache for the next one (console.store.kept): the queue's masked previews and
the SLA engine's timed clocks. Written by the cache's one writer (the sync thread) once it is up; offline,
with no sync thread, by a short-lived writer on the jobs thread. Nothing kept is lost work: without it,
the next start masks and times them again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from console.live.queue_rows import RowText
from console.sla.kept import KeptRow
from console.store.cache import Store
from widgets.app.workers import BackgroundJobs, NotConnected, StoreWriter
from widgets.queue.text import PREVIEW_VERSION, CellText

log = logging.getLogger("concierge.queue")


class StartKeeper:
    def __init__(
        self,
        jobs: BackgroundJobs,
        writer: Callable[[], StoreWriter | None],
        cache: Callable[[], Callable[[], tuple[Path, bytes]] | None],
    ) -> None:
        self._jobs = jobs
        self._writer = writer  # the cache's one writer, once up
        self._cache = cache  # its file and key, for a writer of ours

    def previews(self, text: RowText | None) -> None:
        """The masked previews this load made (when what is kept is out of date)."""
        previews = text.to_keep() if isinstance(text, CellText) else None
        if previews is not None:
            self._write("masked previews", lambda store: store.keep_previews(PREVIEW_VERSION, previews))

    def clocks(self, version: str, rows: list[KeptRow]) -> None:
        """The clocks this load timed itself (none kept, or kept for an older version of the enquiry)."""
        if rows:
            self._write("SLA clocks", lambda store: store.keep_clocks(version, rows))

    def _write(self, what: str, keep: Callable[[Store], int]) -> None:
        def kept(n: int) -> None:
            log.info("%d %s kept for the next start", n, what)

        def failed(e: BaseException) -> None:
            level = logging.INFO if isinstance(e, NotConnected) else logging.WARNING
            log.log(level, "the %s were not kept for the next start: %s", what, e)

        writer, cache = self._writer(), self._cache()
        if writer is not None:
            self._jobs.write(writer, keep, kept, failed)
        elif cache is not None:
            path, key = cache()

            def direct() -> int:
                with Store(path, key) as store:
                    return keep(store)

            self._jobs.submit(direct, kept, failed)
