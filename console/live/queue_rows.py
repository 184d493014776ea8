"""The queue index's parts (console.live.queue_index): the row record with its cached clock and text, the
columns it sorts by, what a row's text says (RowText), what the index tells a listener (IndexListener),
rows prepared on a worker thread, and the pure helpers over sorted lists of rows."""

from __future__ import annotations

import bisect
import heapq
import logging
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from enum import IntEnum
from operator import attrgetter
from typing import Any, NamedTuple, Protocol

from console.domain.model import Enquiry
from console.domain.privacy import MASK
from console.domain.risk.score import NO_RISK, Risk
from console.live.order import sla_order
from console.live.risk import RiskBook
from console.sla.engine import SlaEngine, SlaStatus

log = logging.getLogger("concierge.live.queue")

Predicate = Callable[[Enquiry], bool]
SortKey = float | str
UNSET: Any = object()  # "not computed yet" (None is a real value: no clock running)


class Col(IntEnum):
    """The queue's columns, which are also its sort keys."""

    SLA = 0
    AGE = 1
    CHANNEL = 2
    CUSTOMER = 3
    TOPIC = 4
    FLAGS = 5
    TEAM = 6
    AGENT = 7
    PREVIEW = 8
    RISK = 9  # escalation risk (console.live.risk); shown beside the SLA column


class Row:
    """One enquiry and the cached renderings of its cells; `k` is its key in the current sort. Only what
    sorting and filtering need for every row is kept here (the clock, the customer, the filter text);
    the message preview is kept by the RowText, by message text."""

    __slots__ = ("customer", "e", "hay", "id", "k", "risk", "sla_text", "status")

    def __init__(self, e: Enquiry) -> None:
        self.e = e
        self.id = e.id
        self.k: SortKey = 0.0
        self.forget()

    def forget(self) -> None:
        self.status: SlaStatus | None = UNSET
        self.sla_text: str | None = None
        self.customer: str | None = None
        self.hay: str | None = None
        self.risk: tuple[str | None, Risk] | None = None  # (the clock state it was scored in, the risk)


class RowText(Protocol):
    """What a row's cells say, as plain text (the caller knows the privacy mode and the names)."""

    def customer(self, r: Row) -> str: ...
    def preview(self, r: Row) -> str: ...
    def team(self, e: Enquiry) -> str: ...
    def agent(self, e: Enquiry) -> str: ...
    def snapshot(self) -> RowText: ...  # the same words, with caches of its own, for one other thread


class PlainText:
    """RowText with no masking and no names: handles, raw text and ids (tests, tools)."""

    def customer(self, r: Row) -> str:
        return r.e.customer_handle

    def preview(self, r: Row) -> str:
        return r.e.text

    def team(self, e: Enquiry) -> str:
        return "Unassigned" if e.team_id is None else e.team_id

    def agent(self, e: Enquiry) -> str:
        return e.agent_id or ""

    def snapshot(self) -> PlainText:
        return self


class IndexListener(Protocol):
    """Told before and after each change of the visible rows (row numbers are display rows)."""

    def inserting(self, row: int) -> None: ...
    def inserted(self) -> None: ...
    def removing(self, row: int) -> None: ...
    def removed(self) -> None: ...
    def moving(self, src: int, dst: int) -> None: ...  # dst: the row it has once moved
    def moved(self) -> None: ...
    def changed(self, row: int) -> None: ...
    def layout_changing(self, live: bool) -> None: ...  # live: a batch of changes, not a sort
    def layout_changed(self) -> None: ...
    def resetting(self) -> None: ...
    def reset(self) -> None: ...


class Silent:
    """An IndexListener that listens to nothing."""

    def inserting(self, row: int) -> None:
        pass

    def inserted(self) -> None:
        pass

    def removing(self, row: int) -> None:
        pass

    def removed(self) -> None:
        pass

    def moving(self, src: int, dst: int) -> None:
        pass

    def moved(self) -> None:
        pass

    def changed(self, row: int) -> None:
        pass

    def layout_changing(self, live: bool) -> None:
        pass

    def layout_changed(self) -> None:
        pass

    def resetting(self) -> None:
        pass

    def reset(self) -> None:
        pass


class Deadlines:
    """The held rows' running clocks by deadline, for the soonest still ahead (the breach strip asks every
    second; scanning 100k cached clocks took ~40 ms): a heap of (due_at, id), filed when a row gets its
    clock. Nothing is taken out when a row changes or goes: an entry whose row no longer holds that
    deadline is dropped when it reaches the top (a live batch then costs a push per row, and no shifting
    of a 100k list). Deadlines passed are not kept (at 3 a.m. most of 100k rows can be breached: ~6 MB
    of entries): if the clock is ever set back, the held rows are filed afresh."""

    __slots__ = ("_crossed", "_crossed_at", "_heap", "_last_now")

    def __init__(self, rows: Iterable[Row] = (), now: float = -math.inf) -> None:
        self._heap: list[tuple[float, str]] = []
        self._crossed: list[tuple[float, str]] = []  # set aside since crossed() last looked
        self._crossed_at = now  # crossed() reports deadlines after this
        self._last_now = -math.inf
        self._file(rows, now)

    def _file(self, rows: Iterable[Row], now: float) -> None:
        """File the rows' deadlines still ahead of `now`: at load most of 100k rows can be breached, and
        popping them one by one at the first after() held the UI thread ~0.2 s."""
        self._heap = [p for r in rows if (p := _due(r)) is not None and p[0] > now]
        heapq.heapify(self._heap)
        self._last_now = now

    def add(self, r: Row) -> None:
        p = _due(r)
        if p is not None:
            heapq.heappush(self._heap, p)

    def after(self, now: float, n: int, rows: Mapping[str, Row]) -> list[str]:
        """Ids of up to n held rows whose deadline is after `now`, soonest first."""
        # The server's clock went back (passed deadlines may be ahead again), or the heap is mostly
        # stale: file the held rows afresh.
        if now < self._last_now or len(self._heap) > 2 * len(rows) + 1024:
            self._file(rows.values(), now)
        self._last_now = now
        heap = self._heap
        taken: list[tuple[float, str]] = []
        out: list[str] = []
        while heap and len(out) < n:
            p = heapq.heappop(heap)
            r = rows.get(p[1])
            if r is None or _due(r) != p:
                continue  # the row changed or went since this was filed
            if p[0] <= now:
                self._crossed.append(p)
                continue
            if out and out[-1] == p[1]:
                continue  # the same row filed twice with one deadline (equal entries come out together)
            taken.append(p)
            out.append(p[1])
        for p in taken:
            heapq.heappush(heap, p)
        return out

    def nearest(
        self, engine: SlaEngine | None, now: float, n: int, rows: Mapping[str, Row]
    ) -> list[tuple[Enquiry, SlaStatus]]:
        """The n held rows whose running clock falls due soonest and has not yet passed, freshly computed."""
        # Twice as many candidates as asked: a cached deadline can move when refreshed.
        candidates = [rows[ident] for ident in self.after(now, n * 2, rows)]
        fill_statuses(engine, now, candidates)
        out = [(r.e, s) for r in candidates if (s := r.status) is not None and now < s.due_at < math.inf]
        out.sort(key=lambda p: (p[1].due_at, p[0].id))
        return out[:n]

    def crossed(self, now: float, rows: Mapping[str, Row]) -> list[str]:
        """Ids of held rows whose deadline passed since the last call (after it, up to `now`), each once:
        the rows that move to the breached group, found without a scan of every clock."""
        self.after(now, 0, rows)  # the clock set back, or a heap mostly stale: as after() does
        heap = self._heap
        while heap and heap[0][0] <= now:
            p = heapq.heappop(heap)
            r = rows.get(p[1])
            if r is not None and _due(r) == p:
                self._crossed.append(p)
        since, self._crossed_at = self._crossed_at, now
        ids = [p[1] for p in self._crossed if since < p[0] <= now]  # not those filed again once handled
        self._crossed = []
        return list(dict.fromkeys(ids))

    def __len__(self) -> int:
        return len(self._heap)


def _due(r: Row) -> tuple[float, str] | None:
    s = r.status
    if s is UNSET or s is None or s.due_at == math.inf:
        return None
    return (s.due_at, r.id)


class Prepared(NamedTuple):
    """Rows built by QueueIndex.prepare (any thread), for adopt (the index's own thread)."""

    rows: dict[str, Row]
    ids: list[Row]  # by id
    all: list[Row]  # by (k, id)
    engine: SlaEngine | None
    sort_col: Col
    now: float
    dues: Deadlines
    text_version: int  # of the index's text when prepared (a later change drops the filter text made)
    text: RowText | None  # what made the filter text (a snapshot of the index's), if it was made
    enquiries: list[Enquiry]  # of ids, made here: the index's all_enquiries() (~25 ms at 100k)
    made_text: list[Row]  # the rows whose filter text was made here (not given in `hays`)
    bare: list[Row]  # the rows still without filter text


class Enquiries(Mapping[str, Enquiry]):
    """A read-only view of the held enquiries by id (no copy: it follows the index)."""

    def __init__(self, rows: Callable[[], dict[str, Row]]) -> None:
        self._rows = rows

    def __getitem__(self, ident: str) -> Enquiry:
        return self._rows()[ident].e

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows())

    def __len__(self) -> int:
        return len(self._rows())

    def __contains__(self, ident: object) -> bool:
        return ident in self._rows()


by_k_id: Callable[[Row], tuple[SortKey, str]] = attrgetter("k", "id")  # (k, id), made in C: bisect's key
by_k = attrgetter("k")
by_id = attrgetter("id")


MERGE_AT = 160  # rows into a sorted list: above this, one pass that copies it beats inserts (measured)


def merge_sorted(into: list[Row], new: list[Row], key: Callable[[Row], Any]) -> None:
    """Sorted `new` into sorted `into` (both by `key`, keys unique), in place. Each insert shifts the
    list's tail: an initial sync's 100k rows in pages of 2,000 took seconds of them. Many are placed by
    bisection and the list is copied once around them (a sort of the whole list per page cost as much)."""
    if len(new) <= MERGE_AT:
        for r in new:
            into.insert(bisect.bisect_left(into, key(r), key=key), r)
        return
    out: list[Row] = []
    prev = 0
    for r in new:
        at = bisect.bisect_left(into, key(r), prev, key=key)
        out += into[prev:at]
        out.append(r)
        prev = at
    out += into[prev:]
    into[:] = out


def find(rows: list[Row], r: Row) -> int:
    """Where r is (or would go) in a list sorted by (k, id), judged by r's current key."""
    return bisect.bisect_left(rows, (r.k, r.id), key=by_k_id)


# The mask bullet (U+2022) would make nearly every filter text a two-byte string: a one-byte stand-in
# halves the memory and makes substring search several times faster (the needle is mapped the same way).
HAY_MASK = "\x07"


def make_hay(r: Row, t: RowText) -> str:
    """The text the filter searches in (what the cells show: id, customer, preview, topic, team, agent),
    case-folded, stored on the row."""
    e, shown = r.e, r.customer
    parts = (r.id, t.customer(r), t.preview(r), e.topic, t.team(e), t.agent(e))
    # The customer cell's text stays cached only on rows a view has asked for (painted, sorted by it):
    # kept on every row by the filter text, it cost ~6 MB at 100k open (issue 16, RSS).
    r.customer = shown
    hay = r.hay = "\n".join(parts).casefold().replace(MASK, HAY_MASK)
    return hay


def fill_statuses(engine: SlaEngine | None, now: float, rows: list[Row]) -> None:
    statuses: list[SlaStatus | None]
    if engine is None:
        statuses = [None] * len(rows)
    else:
        enquiries = [r.e for r in rows]
        try:
            statuses = engine.statuses(enquiries, now)
        except Exception:  # one odd record must not blank the whole queue: retry row by row
            log.exception("SLA statuses failed for a batch of %d; retrying one by one", len(rows))
            statuses = [_one_status(engine, e, now) for e in enquiries]
    for r, status in zip(rows, statuses, strict=True):
        r.status = status
        r.sla_text = None  # formatted when painted: formatting all 100k costs ~1.5 s


def sla_key(shift: float, status: Callable[[Row], SlaStatus | None] | None = None) -> Callable[[Row], float]:
    """The SLA column's key (console.live.order.sla_order): not yet breached by working time left, then
    breached, then no clock. Keys taken later are put on the footing of the last full sort (shift), so a
    changed row lands among rows whose keys were taken earlier at the place its clock deserves."""

    def sla(r: Row) -> float:
        s = r.status
        if s is UNSET:
            s = None if status is None else status(r)
        return sla_order(s, shift)

    return sla


def _one_status(engine: SlaEngine, e: Enquiry, now: float) -> SlaStatus | None:
    try:
        return engine.status(e, now)
    except Exception:
        log.exception("SLA status failed for %s", e.id[:64])
        return None


def safe_test(pred: Predicate, e: Enquiry) -> bool:
    try:
        return bool(pred(e))
    except Exception:  # a faulty saved view hides a row, it does not break the table
        log.exception("filter predicate failed for %s", e.id[:64])
        return False


def filtered(
    rows: list[Row], by_id: list[Row], needle: str, pred: Predicate | None, hay: Callable[[Row], str]
) -> list[Row]:
    """The rows of `rows` (sorted by (k, id)) whose filter text holds `needle` and that pass `pred`, in
    the same order; `by_id` holds every row in id order. Tested in id order, the order the rows and their
    texts were made in, memory is read in sequence: over 100k rows in sort order the cache misses made
    a keystroke two to three times slower. The hits then go back into sort order: a stable sort by the key
    alone (they are in id order, so ties stay in id order: the (k, id) order of `rows`), or, for many hits
    on text keys, whose comparisons cost more, one pass over `rows` by identity (measured at 100k: the sort
    is 2-7x faster on float keys at any share of hits, and on text keys up to about half)."""
    if not needle and pred is None:
        return list(rows)
    few = len(rows) * 4 < len(by_id)  # a narrowed list (typing on): tested as it is
    out = rows if few else by_id
    if needle:
        out = [r for r in out if needle in (r.hay or hay(r))]
    if pred is not None:
        out = [r for r in out if safe_test(pred, r.e)]
    if few:
        return out if out is not rows else list(rows)
    if not out or len(out) * 2 < len(by_id) or type(out[0].k) is float:
        return sorted(out, key=by_k)
    hits = set(out)
    return [r for r in rows if r in hits]


def row_risk(r: Row, book: RiskBook, status: SlaStatus | None) -> Risk:
    """The row's escalation risk, cached on the row while its clock's state stays the same (a new book
    drops the cached risks it may change: forget_risks)."""
    state = None if status is None else status.state
    hit = r.risk
    if hit is not None and hit[0] == state:
        return hit[1]
    try:
        risk = book.assess(r.e, state)
    except Exception:  # one odd record must not break the column
        log.exception("risk failed for %s", r.id[:64])
        risk = NO_RISK
    r.risk = (state, risk)
    return risk


def risk_key(book: RiskBook, status: Callable[[Row], SlaStatus | None]) -> Callable[[Row], float]:
    """The Risk column's sort key, highest first: the cached risk when the clock's state is unchanged
    (no call per row but this one: 100k keys are taken for each sort)."""

    def key(r: Row) -> float:
        s = r.status
        if s is UNSET:
            s = status(r)
        hit = r.risk
        if hit is not None and hit[0] == (None if s is None else s.state):
            return float(-hit[1].score)
        return float(-row_risk(r, book, s).score)

    return key


def forget_risks(
    rows: Mapping[str, Row],
    old: RiskBook,
    new: RiskBook,
    of_customers: Callable[[frozenset[str]], Iterable[Row]],
) -> list[Row] | None:
    """Drop the cached risks a new book may change: the rows it touches when made from the old one (a
    sync's new enquiries, a fetched conversation), returned; every row otherwise (None). of_customers:
    the held rows of these customer handles, whatever their case (console.live.handle_index)."""
    ids, handles = new.touched_ids, new.touched_handles
    # A new book, or one touching most rows (the scores of 100k messages after the load): forgetting
    # every row is a third of the cost of finding them, and re-sorting beats moving them one by one.
    if new.parent is not old or len(ids) + len(handles) > len(rows) // 4:
        for r in rows.values():
            r.risk = None
        return None
    touched = [rows[i] for i in ids if i in rows]  # looked up, not a pass over 100k rows (~10-80 ms)
    if handles:  # a customer's new contact changes the risk of their other open enquiries
        touched += [r for r in of_customers(handles) if r.id not in ids]
    for r in touched:
        r.risk = None
    return touched


def no_clock() -> float:
    return 0.0


def column_key(
    col: int,
    t: RowText,
    shift: float,
    status: Callable[[Row], SlaStatus | None],
    risk_book: RiskBook,
) -> Callable[[Row], SortKey]:
    """A sort column's key: what the cell shows, as a fast float or string. shift: the SLA keys'
    footing (see sla_key)."""
    if col == Col.SLA:
        return sla_key(shift, status)
    if col == Col.AGE:
        return lambda r: -r.e.created_at
    if col == Col.CHANNEL:
        return lambda r: f"{r.e.channel}\x00{r.e.visibility}"
    if col == Col.CUSTOMER:
        return lambda r: t.customer(r).casefold()
    if col == Col.TOPIC:
        return lambda r: r.e.topic
    if col == Col.FLAGS:  # most flags first, then by their names
        return lambda r: f"{9 - len(r.e.flags)}{','.join(sorted(r.e.flags))}"
    if col == Col.TEAM:
        return lambda r: t.team(r.e).casefold()
    if col == Col.AGENT:
        return lambda r: t.agent(r.e).casefold()
    if col == Col.RISK:  # highest first, like the most urgent clock first
        return risk_key(risk_book, status)
    return lambda r: t.preview(r).casefold()
