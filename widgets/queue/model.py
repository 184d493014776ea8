"""The live queue as a flat Qt table model over console.live.queue_index.QueueIndex.

The index holds the rows by id, sorted and filtered, and says before and after each change what it
does (napari's Qt item models adapt its evented lists the same way); this model turns that into Qt's
begin/end calls, so views keep their selection, current row and scroll position. A live batch of many
changes is one layout change with the persistent indexes moved by id; only set_rows() and set_filter()
reset. Sorting and filtering run in Python in the index (no QSortFilterProxyModel: it calls back into
Python per comparison and takes seconds at 100k rows). data() never raises: a bad index gives None.
What a cell shows is widgets.queue.cells.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush

from console.domain.model import ChangeSet, Enquiry
from console.domain.risk.score import Risk
from console.live.queue_index import BATCH_AS_LAYOUT, QueueIndex
from console.live.queue_rows import Enquiries, Predicate, Prepared
from console.live.risk import RiskBook
from console.live.warm_up import StatusSnapshot
from console.platform.memory import give_back
from console.sla.engine import SlaEngine, SlaStatus
from widgets.queue.cells import (
    ENQUIRY_ROLE,
    ID_ROLE,
    SLA_STATE_ROLE,
    SLA_STATUS_ROLE,
    Cell,
    FlagCells,
    Index,
    QueueCells,
)
from widgets.queue.clock_looks import ClockLooks
from widgets.queue.text import COLUMNS, CellText, Col
from widgets.theme.theme import Theme, make_theme

log = logging.getLogger("concierge.widgets.queue")

WARM_UP_SLICE = 5000  # at most this many rows of filter text per idle slice...
WARM_UP_BUDGET_S = 0.008  # ...and at most this long, so the UI thread is never held past a frame
# Rows still without filter text above which a search waits for the warm-up rather than build it all at
# once on the UI thread (~50 us a row: after a first fill, 100k rows were seconds of a frozen window).
FILTER_WAITS_FOR = 2000
_DISPLAY = Qt.ItemDataRole.DisplayRole


class _Adapter:
    """The index's listener: its change notices as the model's begin/end calls."""

    def __init__(self, model: QueueModel) -> None:
        self.m = model
        self._persistent: list[QModelIndex] = []
        self._ids: list[str | None] = []

    def inserting(self, row: int) -> None:
        self.m.beginInsertRows(QModelIndex(), row, row)

    def inserted(self) -> None:
        self.m.endInsertRows()

    def removing(self, row: int) -> None:
        self.m.beginRemoveRows(QModelIndex(), row, row)

    def removed(self) -> None:
        self.m.endRemoveRows()

    def moving(self, src: int, dst: int) -> None:
        # Qt wants the destination in pre-move numbering: one past the target when moving down.
        self.m.beginMoveRows(QModelIndex(), src, src, QModelIndex(), dst + 1 if dst > src else dst)

    def moved(self) -> None:
        self.m.endMoveRows()

    def changed(self, row: int) -> None:
        self.m.dataChanged.emit(self.m.index(row, 0), self.m.index(row, len(COLUMNS) - 1))

    def layout_changing(self, live: bool) -> None:
        self.m.live_batch = live
        self.m.layoutAboutToBeChanged.emit()
        # After the emit, so the selection model's own persistent indexes are in the list.
        self._persistent = self.m.persistentIndexList()
        ix = self.m.queue_index()
        self._ids = [None if (r := ix.row_at(p.row())) is None else r.id for p in self._persistent]

    def layout_changed(self) -> None:
        ix, m = self.m.queue_index(), self.m
        after = []
        for p, ident in zip(self._persistent, self._ids, strict=True):
            row = None if ident is None else ix.row_of(ident)
            after.append(QModelIndex() if row is None else m.index(row, p.column()))
        m.changePersistentIndexList(self._persistent, after)
        self._persistent, self._ids = [], []
        m.layoutChanged.emit()
        m.live_batch = False

    def resetting(self) -> None:
        self.m.beginResetModel()

    def reset(self) -> None:
        self.m.endResetModel()


def renamed_ids(before: Mapping[str, str], after: Mapping[str, str]) -> set[str]:
    """The ids whose name differs between the two (added and removed ones too)."""
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


class QueueModel(QueueCells, QAbstractTableModel):
    """Columns: see widgets.queue.text.COLUMNS (SLA countdown first, latest message last)."""

    countsChanged = Signal(int, int)  # total held, visible
    riskBookChanged = Signal()  # new escalation-risk inputs (the figures count the risk views again)
    warmedUp = Signal()  # every row's filter text is built
    filterWaiting = Signal(bool)  # a search waits for the filter text (True), or has been applied (False)

    def __init__(self, parent: QObject | None = None, *, open_only: bool = True) -> None:
        super().__init__(parent)
        self._labels = CellText()
        self._ix = QueueIndex(self._labels, _Adapter(self), open_only=open_only)
        self._tz = "UTC"
        self.live_batch = False
        self._waiting_filter: tuple[str, Predicate | None] | None = None  # set_filter, once warm enough
        self._warming = False  # rows are waiting for their filter text (the warm-up has work)
        self._warm_held = False  # hold_warm_up: the sync is reading a backlog
        self._warm_timer = QTimer(self)  # runs while warming, unless held with no search waiting
        self._warm_timer.setInterval(0)
        self._warm_timer.timeout.connect(self._warm_up_slice)
        self._touched: set[str] | None = None  # ids changed since retime_later, until adopt_retimed
        self._looks = ClockLooks(self, self)  # what the last tick showed: a tick repaints what changed
        self.set_theme(make_theme("light"))

    def queue_index(self) -> QueueIndex:
        """The rows by id, sorted and filtered (read it; change it through this model)."""
        return self._ix

    # --- configuration ---------------------------------------------------------------------------

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._fg = {s: QBrush(c.fg) for s, c in theme.states.items()}
        self._bg = {s: QBrush(c.bg) for s, c in theme.states.items()}
        self._muted = QBrush(theme.muted)
        self._emit_all_changed()

    def theme(self) -> Theme:
        return self._theme

    def set_clock(
        self, engine: SlaEngine | None, now_fn: Callable[[], float], tz: str = "UTC", *, retime: bool = True
    ) -> None:
        """The SLA engine, the (server-corrected) clock and the supervisor's display time zone (not
        `retime`: see retime_later)."""
        try:
            ZoneInfo(tz)
        except (ValueError, ZoneInfoNotFoundError):
            raise ValueError(f"unknown time zone {tz!r}; use an IANA name such as Europe/London") from None
        new_tz, self._tz = tz != self._tz, tz
        # Same clocks: nothing to recompute (100k statuses take ~0.5 s).
        retimed = self._ix.set_clock(engine, now_fn, retime=retime)
        if retimed:
            self._touched = None  # every row timed here: a worker's re-timing under way is out of date
        if retimed or new_tz:
            for r in self._ix.held_rows():
                r.sla_text = None  # the countdown text names the deadline in the display zone
            self._emit_all_changed()

    def set_flag_cells(self, flag_cells: FlagCells | None) -> None:
        """What the flags cell adds: complaint and reply-window clocks (None: the flags alone)."""
        self._flag_cells = flag_cells
        self._emit_all_changed()

    def set_names(self, teams: dict[str, str], agents: dict[str, str]) -> None:
        """Team and agent names (their cells and the filter text). Only the rows of a team or agent whose
        name changed get their filter text again: the reference data comes again whenever an agent's
        status changes (each minute on a live floor), and the names with it, mostly the same."""
        renamed_teams, renamed = (
            renamed_ids(self._labels.teams, teams),
            renamed_ids(self._labels.agents, agents),
        )
        if not renamed_teams and not renamed:
            return
        self._labels.teams, self._labels.agents = dict(teams), dict(agents)
        self._text_changed(hay_only=True, of=lambda e: e.team_id in renamed_teams or e.agent_id in renamed)

    def set_privacy(self, mode: str) -> None:
        """full | partial | masked (wallboards in a branch: no customer data at all)."""
        if mode not in ("full", "partial", "masked"):
            raise ValueError(f"unknown privacy mode {mode!r}")
        self._labels.privacy = mode
        self._text_changed(hay_only=False)

    def _text_changed(self, *, hay_only: bool, of: Callable[[Enquiry], bool] | None = None) -> None:
        self._ix.forget_text(hay_only=hay_only, of=of)  # refilters (a reset) when a filter is set
        self._start_warm_up()
        if self._ix.needle:
            self.countsChanged.emit(self._ix.total_count(), self._ix.visible_count())
        else:
            self._emit_all_changed()

    def privacy(self) -> str:
        return self._labels.privacy

    def retime_later(self, engine: SlaEngine, now_fn: Callable[[], float], tz: str) -> Callable[[], Prepared]:
        """set_clock for new SLA rules without re-timing every row here (~0.9 s at 100k): the engine is
        installed (the rows shown or changed are timed under it as usual, the others keep their statuses
        a moment), and the work returned, for a worker thread, times every row under a snapshot of it.
        Hand its result to adopt_retimed()."""
        self.set_clock(engine, now_fn, tz, retime=False)
        enquiries, hays, version = self._ix.retime_inputs()
        snapshot, self._touched = engine.snapshot(), set()
        return lambda: self._ix.prepare(enquiries, engine=snapshot, hays=hays, text_version=version)

    def adopt_retimed(self, p: Prepared) -> bool:
        """The rows retime_later's work timed: one reset (the view keeps its selection by id), then the
        changes applied meanwhile, applied again. False, and nothing done, when they are out of date (new
        rules again, or the rows were read again)."""
        touched, self._touched = self._touched, None
        if touched is None or p.engine is None or p.engine.source is not self._ix.engine:
            return False
        latest = {i: e for i in touched if (e := self._ix.enquiry(i)) is not None}
        self.set_prepared(p)
        if touched:
            self.apply(ChangeSet(changed=set(latest), removed=touched - latest.keys()), latest)
        return True

    # --- loading and live updates ----------------------------------------------------------------

    def set_rows(self, enquiries: Iterable[Enquiry], *, warm: bool = True) -> None:
        """Replace every row (start-up, a full re-sync): one reset. The filter text is then built in idle
        slices, unless not `warm`: rows soon replaced (a first screenful) get theirs if a filter asks."""
        self.set_prepared(self._ix.prepare(enquiries), warm=warm)

    def prepare(
        self,
        enquiries: Iterable[Enquiry],
        engine: SlaEngine | None = None,
        kept: Mapping[bytes, str] | None = None,
        *,
        with_text: bool = True,
        text: CellText | None = None,
        hays: Sequence[str | None] | None = None,
    ) -> Prepared:
        """The heavy half of set_rows, safe on a worker thread (QueueIndex.prepare): rows, clocks, sort and
        filter text. `engine`: a snapshot of the model's engine; `kept`: previews an earlier start kept
        (CellText.keep); `text`: a text_snapshot() to make the filter text with; `hays`: beside the
        enquiries, the filter text an earlier start kept under its kept_version()."""
        text = text or self._labels.snapshot()
        if kept is not None:
            text.keep(kept)
        return self._ix.prepare(enquiries, with_text=with_text, engine=engine, text=text, hays=hays)

    def text_snapshot(self) -> CellText:  # the cells' words (privacy, names) now, for a load on a worker
        return self._labels.snapshot()

    def take_previews(self, text: CellText) -> None:  # made on a worker for the rows about to show
        self._labels.adopt_previews(text)

    def set_prepared(self, p: Prepared, *, warm: bool = True) -> None:
        """Adopt rows built by prepare(): one model reset (the view restores its selection by id)."""
        self._touched = None  # rows re-timed on a worker meanwhile are out of date (adopt_retimed)
        self._ix.adopt(p)
        self._emit_counts()
        if warm:
            self._start_warm_up()
        else:
            self._warming = False
            self._pace_warm_up()
        if self._waiting_filter is not None:  # asked for over the rows before: over these, or waits again
            self.set_filter(*self._waiting_filter)

    def apply(self, changes: ChangeSet, rows: Mapping[str, Enquiry]) -> None:
        """Apply a sync change-set by id without a reset: rows are inserted at their sorted place,
        removed, moved or updated, so selection and scroll position survive. `rows` holds the new state
        of every added or changed id (ids missing from it are skipped and logged)."""
        if self._touched is not None:  # rows are being re-timed on a worker: these go in again after
            self._touched |= changes.added | changes.changed | changes.removed
        self._ix.apply(changes, rows)
        self._emit_counts()

    def batching(self) -> bool:
        """True between layoutAboutToBeChanged and layoutChanged of a live batch (not a sort): views keep
        the rows they show in sight."""
        return self.live_batch

    # --- clocks ----------------------------------------------------------------------------------

    def tick(self, first_row: int, last_row: int) -> None:
        """Recompute the clocks of rows first_row..last_row (the visible ones) and repaint the clock cells
        of the rows that now read differently (widgets.queue.clock_looks)."""
        span = self._ix.tick(first_row, last_row)
        if span is not None:
            self._looks.repaint_changed(*span)

    def set_risk_book(self, book: RiskBook) -> None:
        """New escalation-risk inputs (console.live.risk): the risk column shows them."""
        if book is self._ix.risk_book:
            return
        self._ix.set_risk_book(book)  # a risk sort is re-done as a layout change (the listener)
        if n := self.rowCount():
            self.dataChanged.emit(self.index(0, Col.RISK), self.index(n - 1, Col.RISK))
        self.riskBookChanged.emit()

    def risk_book(self) -> RiskBook:
        return self._ix.risk_book

    def risk_of(self, ident: str) -> Risk | None:
        return self._ix.risk_of(ident)

    def refresh_some(self, n: int, budget_s: float = 0.002) -> None:
        """Recompute up to n more cached clocks off screen, without repainting (the view calls this)."""
        self._ix.refresh_some(n, budget_s)

    def status_of(self, ident: str) -> SlaStatus | None:
        return self._ix.status_of(ident)

    def nearest_deadlines(self, n: int) -> list[tuple[Enquiry, SlaStatus]]:
        """The n held rows whose running clock falls due soonest and has not yet passed (whatever the
        table's sort and filter), freshly computed."""
        return self._ix.nearest_deadlines(n)

    def place_crossed(self, limit: int) -> int | None:
        """Rows whose deadline passed since the last call, their clocks recomputed, moved to their place
        (None: more than `limit`, all sorted again instead): QueueIndex.place_crossed."""
        return self._ix.place_crossed(limit)

    # --- sort and filter -------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in Python by key functions. A layout change (not a reset), so selection follows rows."""
        self._ix.sort(column, order == Qt.SortOrder.DescendingOrder)

    def sort_column(self) -> tuple[int, Qt.SortOrder]:
        order = Qt.SortOrder.DescendingOrder if self._ix.descending else Qt.SortOrder.AscendingOrder
        return int(self._ix.sort_col), order

    def set_filter(self, text: str, predicate: Predicate | None = None) -> None:
        """Show rows whose id, customer, preview, topic, team or agent contain `text` (any case) and
        that pass `predicate` (a saved view). One reset; the view restores its selection by id. A search
        while more than FILTER_WAITS_FOR rows have no filter text yet waits for the warm-up (filterWaiting):
        the last one asked for is applied as soon as that text is built."""
        if text.strip() and self._warming and self._ix.text_left() > FILTER_WAITS_FOR:
            self._waiting_filter = (text, predicate)
            self._pace_warm_up()  # a held warm-up goes on for the search
            self.filterWaiting.emit(True)
            return
        waited, self._waiting_filter = self._waiting_filter, None
        self._pace_warm_up()
        self._ix.set_filter(text, predicate)
        self._emit_counts()
        if waited is not None:
            self.filterWaiting.emit(False)

    def filter_predicate(self) -> Predicate | None:
        """The saved view filtering now, or the one a waiting search is to apply."""
        return self._ix.predicate if self._waiting_filter is None else self._waiting_filter[1]

    def _start_warm_up(self) -> None:
        # The filter matches what cells show (masked customer and preview); building that text for 100k
        # rows takes seconds (PII masking), so it is built in small slices while the UI is idle. The index
        # has listed the rows without it (QueueIndex.adopt, forget_text); with none, one slice ends it.
        self._warming = bool(self._ix.total_count())
        self._pace_warm_up()

    @Slot(bool)
    def hold_warm_up(self, held: bool) -> None:
        """While the sync reads a backlog (an empty cache's first fill: 350k messages at 100k open), the
        warm-up waits: its masking (seconds of the GIL) made the catch-up half as long again (27-30 s
        instead of 17-20 s at 100k, bench_sync). A search asked for meanwhile still gets its text built,
        then applies."""
        self._warm_held = held
        self._pace_warm_up()

    def _pace_warm_up(self) -> None:
        if self._warming and (not self._warm_held or self._waiting_filter is not None):
            if not self._warm_timer.isActive():
                self._warm_timer.start()
        else:
            self._warm_timer.stop()

    def _warm_up_slice(self) -> None:
        done = self._ix.warm_up(WARM_UP_SLICE, WARM_UP_BUDGET_S)
        if self._waiting_filter is not None and (done or self._ix.text_left() <= FILTER_WAITS_FOR):
            self.set_filter(*self._waiting_filter)  # the few rows left get their text as it searches
        if done:
            self._warming = False
            self._warm_timer.stop()
            give_back()  # the load's short-lived lists are freed by now (~25 MB at 100k)
            self.warmedUp.emit()

    def keep_while_warming(self, kept: Mapping[bytes, str]) -> CellText:
        """Rows loaded without their filter text (read whole after a first fill): the warm-up's masked
        previews are recorded, as prepare() records a worker's, so that the next start need not mask
        them again; its text's to_keep() says what to keep once warmedUp."""
        self._labels.keep(kept)
        return self._labels

    def warmed_up(self) -> bool:
        """Whether the filter text of every row is built (the first keystroke is then as fast as any)."""
        return not self._warming

    # --- lookups ---------------------------------------------------------------------------------

    def enquiry_at(self, row: int) -> Enquiry | None:
        return self._ix.enquiry_at(row)

    def row_of(self, ident: str) -> int | None:
        return self._ix.row_of(ident)

    def enquiry(self, ident: str) -> Enquiry | None:
        return self._ix.enquiry(ident)

    def enquiries(self) -> Enquiries:
        """Every held enquiry by id, as a live read-only mapping (the one copy of the open rows)."""
        return self._ix.enquiries

    def ids(self) -> list[str]:
        """Visible ids in display order."""
        return self._ix.ids()

    def all_enquiries(self) -> list[Enquiry]:
        """Every held enquiry (filtered out or not), by id."""
        return self._ix.all_enquiries()

    def status_rows(self) -> tuple[list[Enquiry], list[SlaStatus | None]]:
        """Every held enquiry and its cached clock status, side by side: a snapshot the team board
        groups on a worker thread (see QueueIndex.status_rows)."""
        return self._ix.status_rows()

    def status_snapshot(self) -> StatusSnapshot:
        """status_rows() read in slices of the caller's choosing (StatusSnapshot.step), not in one go."""
        return StatusSnapshot(self._ix.held_rows())

    def total_count(self) -> int:
        return self._ix.total_count()

    def visible_count(self) -> int:
        return self._ix.visible_count()

    def time_zone(self) -> str:
        return self._tz

    def now(self) -> float:
        """The clock reading of the last tick or update (server time)."""
        return self._ix.now

    # --- Qt model interface ----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._ix.visible_count()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        try:
            col = index.column()
            r = self._ix.row_at(index.row())
            if r is None or not 0 <= col < len(COLUMNS) or index.parent().isValid():
                return None
            return self._data(r, col, role)
        except Exception:  # data() must never raise into Qt's paint loop
            log.exception("queue data() failed at %s,%s role %s", index.row(), index.column(), role)
            return None

    def _emit_counts(self) -> None:
        self.countsChanged.emit(self._ix.total_count(), self._ix.visible_count())

    def _emit_all_changed(self) -> None:
        n = self._ix.visible_count()
        if n:
            self.dataChanged.emit(self.index(0, 0), self.index(n - 1, len(COLUMNS) - 1))


__all__ = [
    "BATCH_AS_LAYOUT",
    "ENQUIRY_ROLE",
    "ID_ROLE",
    "SLA_STATE_ROLE",
    "SLA_STATUS_ROLE",
    "Cell",
    "Col",
    "Predicate",
    "Prepared",
    "QueueModel",
]
