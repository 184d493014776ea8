"""The queue's load from the cache at start-up, run on the jobs thread: the first screenful (read from
indexes before the rest), then every open enquiry made ready to show (rows, clocks, sort, filter text).
What an earlier start kept is used instead of made again (console.store.kept), and what this load made
is returned to be kept for the next (widgets.main_window.keeping). Nothing here touches a widget: each
function works on the snapshots it is given and returns what the UI thread takes in.

Each also makes the previews of the rows at the top of the queue, so that the paint that first shows them
neither masks their text nor, where an earlier start kept it, looks it up (QueueModel.take_previews)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from console.domain.complaints.detect import compile_cues
from console.domain.risk import sentiment
from console.live.queue_rows import Prepared
from console.live.risk import RiskBook, all_contacts
from console.sla.engine import SlaEngine
from console.sla.kept import KeptRow
from console.store.cache import StoreReader
from console.store.kept import KeptText
from widgets.main_window.keeping import kept_texts
from widgets.queue.model import QueueModel
from widgets.queue.text import PREVIEW_VERSION, CellText, preview_digest, prime_masking

FIRST_PAGE = 2000  # rows shown at start-up before the whole cache is read
LOOKED_UP_AT_MOST = 5_000  # rows without a kept filter text whose previews are looked up, not all read
PREVIEWS_AHEAD = 48  # rows at the top whose previews are made on the worker (1920x1080 shows ~32)


class Readers:
    """The load's read-only connection, opened by the first job and taken over by the next (the two run
    one after the other on the whole-queue thread): opening one derives the cache's page key, ~40 ms."""

    def __init__(self, factory: Callable[[], StoreReader]) -> None:
        self._factory = factory
        self._kept: StoreReader | None = None

    def take(self) -> StoreReader:
        r, self._kept = self._kept, None
        return r if r is not None else self._factory()

    def hand_over(self, r: StoreReader) -> None:
        """r kept for the next job (which closes it); one kept before is closed."""
        if self._kept is not None:
            self._kept.close()
        self._kept = r


class FirstRows(NamedTuple):
    prepared: Prepared  # the rows, timed (its engine, a snapshot, is adopted with them) and sorted
    kept: bool  # clocks an earlier start kept: the rows are the nearest deadlines, else the longest waits
    text: CellText  # with the previews of the rows at the top


class Loaded(NamedTuple):
    """A full load made ready: the rows, the risk book, the previews of the rows at the top, and what it
    made that no earlier start kept, to keep for the next: clocks (under the SLA rules' version) and
    filter texts (under the text's version, None when it made no filter text)."""

    prepared: Prepared
    book: RiskBook
    text: CellText
    clocks: tuple[str, list[KeptRow]]
    texts: tuple[str | None, list[KeptText]]


def read_first(
    readers: Readers, early: SlaEngine, now: float, model: QueueModel, text: CellText
) -> FirstRows:
    """The first screenful, before every row is read: the nearest deadlines an earlier start kept and the
    rows whose clocks started first (StoreReader.load_open_first), timed and sorted here. Also the
    complaint cues their flags cells propose with, the PII detectors' data and the sentiment lexicon of
    the risk cells, loaded here rather than while painting."""
    compile_cues()
    prime_masking()
    sentiment.prime()
    version = early.rules_version()
    r = readers.take()
    try:
        kept = r.clocks_kept(version)  # else the first screenful is the longest waits alone
        rows = r.load_open_first(FIRST_PAGE, version, now, early.calendar_ids())
        # The same clocks as the full load's; those it times, the full load times and keeps too.
        early.seed(note=False)
        held = r.clocks(version, (e.id for e in rows))
        early.seed_many((e, (e.id, *held[e.id])) for e in rows if e.id in held)
        prepared = model.prepare(rows, early, with_text=False)
        top = prepared.all[:PREVIEWS_AHEAD]  # in the queue's order
        if text.privacy != "masked":
            text.keep(r.previews(PREVIEW_VERSION, [preview_digest(x.e.text) for x in top]))
    except BaseException:
        r.close()
        raise
    readers.hand_over(r)
    for x in top:
        text.preview(x)
    return FirstRows(prepared, kept, text)


def read_whole(readers: Readers, engine: SlaEngine, model: QueueModel, *, text_first: bool) -> Loaded:
    """Every open enquiry, with the clocks (timed by the snapshot `engine`), the sort and (text_first)
    the filter text made here, not on the UI thread."""
    r, text = readers.take(), model.text_snapshot()
    texts = text.kept_version() if text_first else None
    try:
        engine.seed()  # the clocks an earlier start timed come with the rows: not timed again
        rows, hays = r.load_open_kept(engine.rules_version(), engine.seed_many, texts)
        # Previews masked by an earlier start, for the rows whose filter text is to be made (a few
        # looked up, else all read: ~0.1 s at 100k); a wallboard's privacy shows no text: none.
        unmade = [e for e, hay in zip(rows, hays, strict=True) if hay is None]
        few = len(unmade) <= LOOKED_UP_AT_MOST
        digests = [preview_digest(e.text) for e in unmade] if few else None
        kept = r.previews(PREVIEW_VERSION, digests) if text.privacy != "masked" else None
        book = RiskBook.build(all_contacts(rows, r.risk_contacts(closed_only=True)))  # scored later
        prepared = model.prepare(rows, engine, kept, with_text=text_first, text=text, hays=hays)
        if kept is not None and few:  # and those of the rows at the top, whose previews are made next
            top = [preview_digest(x.e.text) for x in prepared.all[:PREVIEWS_AHEAD]]
            kept.update(r.previews(PREVIEW_VERSION, top))
    finally:
        r.close()
    for x in prepared.all[:PREVIEWS_AHEAD]:
        text.preview(x)
    made = (texts, kept_texts(prepared.made_text))  # what no earlier start kept, to keep for the next
    return Loaded(prepared, book, text, (engine.rules_version(), engine.fresh_rows()), made)
