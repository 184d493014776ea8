"""What a start keeps in the cache for the next one (console.store.kept): the queue's masked previews, the
SLA engine's timed clocks and the queue's filter text. Written by the cache's one writer (the sync thread)
once it is up; offline, with no sync thread, by a short-lived writer on the jobs thread. Nothing kept is
lost work: without it, the next start masks, times and makes them again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path

from console.live.queue_rows import Row, RowText
from console.sla.kept import KeptRow
from console.store.cache import Store
from console.store.kept import KeptText
from widgets.app.workers import BackgroundJobs, NotConnected, StoreWriter
from widgets.queue.text import PREVIEW_VERSION, CellText

log = logging.getLogger("concierge.queue")


def kept_texts(rows: list[Row]) -> list[KeptText]:
    """The filter text of these rows as the cache keeps it (on the worker that made it: a UI change of
    privacy or names afterwards makes the rows' text again, under another version)."""
    return [(r.id, r.e.version, r.e.team_id, r.e.agent_id, hay) for r in rows if (hay := r.hay) is not None]


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

    def previews(self, text: RowText | None, whole: bool = True) -> None:
        """The masked previews this load made (when what is kept is out of date); not `whole`, those it
        masked anew, added to what is kept (CellText.to_keep)."""
        previews = text.to_keep(whole) if isinstance(text, CellText) else None
        if previews is not None:
            keep = partial(Store.keep_previews, version=PREVIEW_VERSION, previews=previews, replace=whole)
            self._write("masked previews", keep)

    def filter_texts(self, version: str | None, rows: list[KeptText]) -> None:
        """The filter texts this load made (none kept for that version of the enquiry, team and agent)."""
        if version is not None and rows:
            self._write("filter texts", lambda store: store.keep_filter_texts(version, rows))

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
