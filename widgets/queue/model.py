"""The live queue as a flat table model over plain Enquiry rows, held by id.

Each enquiry has one _Row record (the enquiry plus what its cells show, cached). Rows live in lists
sorted by (sort key, id): every held row, and the visible (filtered) ones, so bisect finds any row in
O(log n) and ids break ties. A descending sort only mirrors the row numbers. Sorting and filtering run
in Python on those lists (no QSortFilterProxyModel: it calls back into Python per comparison and takes
seconds at 100k rows); sort keys are plain floats or strings so that list.sort takes its fast path.

Live updates (apply) insert, remove, move and change rows one by one with the proper begin/end calls,
so views keep their selection, current row and scroll position; a batch of many changes is one layout
change with the persistent indexes moved by id instead. Only set_rows() and set_filter() reset.
data() never raises: a bad index gives None. What a cell shows is widgets.queue.cells; the row records
and their helpers are widgets.queue.rows.
"""

from __future__ import annotations

import bisect
import heapq
import logging
import math
import time
from collections.abc import Callable, Iterable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush

from console.domain.model import ChangeSet, Enquiry
from console.sla.engine import SlaEngine, SlaStatus
from console.store.rows import gc_paused
from widgets.queue.cells import (
    _ACCESSIBLE,
    _BACKGROUND,
    _DECORATION,
    _DISPLAY,
    _FOREGROUND,
    _TOOLTIP,
    ENQUIRY_ROLE,
    ID_ROLE,
    SLA_STATE_ROLE,
    SLA_STATUS_ROLE,
    Index,
    QueueCells,
)
from widgets.queue.rows import (
    _UNSET,
    Cell,
    Predicate,
    Prepared,
    _by_id,
    _by_k,
    _fill_statuses,
    _find,
    _no_clock,
    _Row,
    _safe,
    _sla_key,
)
from widgets.queue.text import (
    COLUMNS,
    Col,
)
from widgets.theme.theme import Theme, make_theme

log = logging.getLogger("concierge.widgets.queue")


_CLOCK_ROLES = [_DISPLAY, _DECORATION, _TOOLTIP, _FOREGROUND, _BACKGROUND, _ACCESSIBLE, SLA_STATUS_ROLE]
WARM_UP_SLICE = 1000  # rows of filter text built per idle slice (~5-25 ms)


SWEEP_CHUNK = 100  # rows between two looks at the clock in refresh_some
BATCH_AS_LAYOUT = 16  # changed ids above which apply() is one layout change, not signals row by row


class QueueModel(QueueCells, QAbstractTableModel):
    """Columns: see widgets.queue.text.COLUMNS (SLA countdown first, latest message last)."""

    countsChanged = Signal(int, int)  # total held, visible

    def __init__(self, parent: QObject | None = None, *, open_only: bool = True) -> None:
        super().__init__(parent)
        self._open_only = open_only  # closed/resolved enquiries leave the live queue
        self._rows: dict[str, _Row] = {}
        self._ids: list[_Row] = []  # every held row by id: the stable base every sort starts from
        self._all: list[_Row] = []  # every held row by (k, id)
        self._vis: list[_Row] = []  # rows passing the filter by (k, id)
        self._sort_col = Col.SLA
        self._descending = False
        self._needle = ""
        self._predicate: Predicate | None = None
        self._engine: SlaEngine | None = None
        self._now_fn: Callable[[], float] = _no_clock
        self._tz = "UTC"
        self._now = 0.0
        self._sort_now = 0.0  # when the SLA sort keys were taken
        self._teams: dict[str, str] = {}
        self._agents: dict[str, str] = {}
        self._privacy = "partial"
        self._sweep_pos = 0
        self._batching = False
        self._warm: list[_Row] = []
        self._warm_pos = 0
        self._warm_timer = QTimer(self)
        self._warm_timer.setInterval(0)
        self._warm_timer.timeout.connect(self._warm_up_slice)
        self.set_theme(make_theme("light"))

    # --- configuration ---------------------------------------------------------------------------

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._fg = {s: QBrush(c.fg) for s, c in theme.states.items()}
        self._bg = {s: QBrush(c.bg) for s, c in theme.states.items()}
        self._muted = QBrush(theme.muted)
        self._emit_all_changed()

    def theme(self) -> Theme:
        return self._theme

    def set_clock(self, engine: SlaEngine | None, now_fn: Callable[[], float], tz: str = "UTC") -> None:
        """The SLA engine, the (server-corrected) clock and the supervisor's display time zone."""
        try:
            ZoneInfo(tz)
        except (ValueError, ZoneInfoNotFoundError):
            raise ValueError(f"unknown time zone {tz!r}; use an IANA name such as Europe/London") from None
        if engine is self._engine and tz == self._tz:
            self._now_fn = now_fn  # same clocks: nothing to recompute (100k statuses take ~0.5 s)
            return
        self._engine, self._now_fn, self._tz = engine, now_fn, tz
        self._now = now_fn()
        self._refresh_statuses(self._ids)
        if self._sort_col == Col.SLA:
            self.sort(Col.SLA, self.sort_column()[1])
        self._emit_all_changed()

    def set_names(self, teams: dict[str, str], agents: dict[str, str]) -> None:
        self._teams, self._agents = dict(teams), dict(agents)
        self._drop_text(hay_only=True)

    def set_privacy(self, mode: str) -> None:
        """full | partial | masked (wallboards in a branch: no customer data at all)."""
        if mode not in ("full", "partial", "masked"):
            raise ValueError(f"unknown privacy mode {mode!r}")
        self._privacy = mode
        self._drop_text(hay_only=False)

    def _drop_text(self, *, hay_only: bool) -> None:
        for r in self._ids:
            r.hay = None
            if not hay_only:
                r.customer = r.preview = None
        self._start_warm_up()
        if self._needle:  # the filter matched what was shown; what is shown changed
            self.set_filter(self._needle, self._predicate)
        else:
            self._emit_all_changed()

    def privacy(self) -> str:
        return self._privacy

    # --- loading and live updates ----------------------------------------------------------------

    def set_rows(self, enquiries: Iterable[Enquiry]) -> None:
        """Replace every row (start-up, or a full re-sync): one model reset."""
        self.set_prepared(self.prepare(enquiries))

    def prepare(self, enquiries: Iterable[Enquiry], engine: SlaEngine | None = None) -> Prepared:
        """The heavy half of set_rows, safe on a worker thread: row records, every clock (cold clocks of
        100k rows take ~1 s) and the sorted list, by the model's current clock and sort. It only reads
        the model; set_prepared then swaps the rows in with one cheap reset on the UI thread. Give it
        a snapshot of the model's engine (SlaEngine.snapshot, taken on the UI thread): the engine's
        caches belong to the UI thread, and set_prepared adopts what the snapshot computed."""
        with gc_paused():  # 100k new records: no full collection half-way
            rows = {e.id: _Row(e) for e in enquiries if self._holds(e)}
        ids = sorted(rows.values(), key=_by_id)
        engine, now, col = engine or self._engine, self._now_fn(), self._sort_col
        _fill_statuses(engine, now, ids)
        key = _sla_key(0.0) if col == Col.SLA else self._key_fn()
        for r in ids:
            r.k = key(r)
        return Prepared(rows, ids, sorted(ids, key=_by_k), engine, col, now)

    def set_prepared(self, p: Prepared) -> None:
        """Adopt rows built by prepare(): one model reset (the view restores its selection by id). Rows
        built under another engine or sort column are brought up to date here first."""
        mine = self._engine
        same = p.engine is mine or (mine is not None and p.engine is not None and mine.adopt(p.engine))
        if not same:
            _fill_statuses(self._engine, p.now, p.ids)
        self.beginResetModel()
        self._rows, self._ids, self._now = p.rows, p.ids, p.now
        if p.sort_col == self._sort_col and same:
            self._all, self._sort_now = p.all, p.now
        else:
            self._rebuild_keys()
        self._vis = self._filtered(self._all)
        self.endResetModel()
        self.countsChanged.emit(len(self._all), len(self._vis))
        self._start_warm_up()

    def apply(self, changes: ChangeSet, rows: dict[str, Enquiry]) -> None:
        """Apply a sync change-set by id without a reset: rows are inserted at their sorted place,
        removed, moved or updated, so selection and scroll position survive. `rows` holds the new state
        of every added or changed id (ids missing from it are skipped and logged)."""
        self._now = self._now_fn()
        if len(changes.removed) + len(changes.added) + len(changes.changed) > BATCH_AS_LAYOUT:
            self._apply_as_layout(changes, rows)
            self.countsChanged.emit(len(self._all), len(self._vis))
            return
        for ident in changes.removed:
            self._remove(ident)
        for ident in sorted(changes.added | changes.changed):
            e = rows.get(ident)
            if e is None:
                log.warning("change-set names %s but gives no row for it; skipped", ident[:64])
            elif not self._holds(e):
                self._remove(ident)
            elif ident in self._rows:
                self._update(e)
            else:
                self._insert(e)
        self.countsChanged.emit(len(self._all), len(self._vis))

    def _apply_as_layout(self, changes: ChangeSet, rows: dict[str, Enquiry]) -> None:
        # Many rows at once: one layout change with the persistent indexes (selection, current row) moved
        # by id. Row by row, Qt's selection model re-files itself on every move (~0.5 ms each).
        self._batching = True
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()  # after the emit: the selection model's own are in it
        before = [self._row_at(p.row()) for p in persistent]
        for ident in changes.removed:
            self._detach(ident)
        fresh: list[_Row] = []
        for ident in sorted(changes.added | changes.changed):
            e = rows.get(ident)
            if e is None:
                log.warning("change-set names %s but gives no row for it; skipped", ident[:64])
                continue
            self._detach(ident)
            if self._holds(e):
                r = self._rows[ident] = _Row(e)
                self._ids.insert(bisect.bisect_left(self._ids, ident, key=_by_id), r)
                fresh.append(r)
        self._refresh_statuses(fresh)
        key = self._key_fn()
        for r in fresh:
            r.k = key(r)
            self._all.insert(_find(self._all, r), r)
            if self._passes(r):
                self._vis.insert(_find(self._vis, r), r)
        after = []
        for p, old in zip(persistent, before, strict=True):
            row = None if old is None else self.row_of(old.id)
            after.append(QModelIndex() if row is None else self.index(row, p.column()))
        self.changePersistentIndexList(persistent, after)
        self.layoutChanged.emit()
        self._batching = False

    def _detach(self, ident: str) -> None:
        """Take a row out of every list, without telling Qt (a layout change is under way)."""
        r = self._rows.pop(ident, None)
        if r is None:
            return
        i = _find(self._vis, r)
        if i < len(self._vis) and self._vis[i] is r:
            del self._vis[i]
        del self._all[_find(self._all, r)]
        del self._ids[bisect.bisect_left(self._ids, ident, key=_by_id)]

    def batching(self) -> bool:
        """True between layoutAboutToBeChanged and layoutChanged of a live batch (not a sort): views keep
        the rows they show in sight."""
        return self._batching

    def _holds(self, e: Enquiry) -> bool:
        return e.is_open or not self._open_only

    def _insert(self, e: Enquiry) -> None:
        r = self._rows[e.id] = _Row(e)
        self._ids.insert(bisect.bisect_left(self._ids, r.id, key=_by_id), r)
        self._refresh_statuses((r,))
        r.k = self._key_fn()(r)
        self._all.insert(_find(self._all, r), r)
        if self._passes(r):
            i = _find(self._vis, r)
            row = len(self._vis) - i if self._descending else i
            self.beginInsertRows(QModelIndex(), row, row)
            self._vis.insert(i, r)
            self.endInsertRows()

    def _remove(self, ident: str) -> None:
        r = self._rows.pop(ident, None)
        if r is None:
            return
        i = _find(self._vis, r)
        if i < len(self._vis) and self._vis[i] is r:
            row = self._view_row(i)
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._vis[i]
            self.endRemoveRows()
        del self._all[_find(self._all, r)]
        del self._ids[bisect.bisect_left(self._ids, ident, key=_by_id)]

    def _update(self, e: Enquiry) -> None:
        r = self._rows[e.id]
        i = _find(self._vis, r)
        was_visible = i < len(self._vis) and self._vis[i] is r
        del self._all[_find(self._all, r)]
        r.e = e
        r.forget()
        self._refresh_statuses((r,))
        r.k = self._key_fn()(r)
        self._all.insert(_find(self._all, r), r)
        visible = self._passes(r)
        if was_visible and not visible:
            row = self._view_row(i)
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._vis[i]
            self.endRemoveRows()
        elif visible and not was_visible:
            j = _find(self._vis, r)
            row = len(self._vis) - j if self._descending else j
            self.beginInsertRows(QModelIndex(), row, row)
            self._vis.insert(j, r)
            self.endInsertRows()
        elif visible:
            del self._vis[i]  # find its new place among the others (Qt is told below, before it moves)
            j = _find(self._vis, r)
            self._vis.insert(i, r)
            src, dst = self._view_row(i), self._view_row(j)
            if src == dst:
                self.dataChanged.emit(self.index(src, 0), self.index(src, len(COLUMNS) - 1))
            else:
                # Qt wants the destination in pre-move numbering: one past the target when moving down.
                self.beginMoveRows(QModelIndex(), src, src, QModelIndex(), dst + 1 if dst > src else dst)
                del self._vis[i]
                self._vis.insert(j, r)
                self.endMoveRows()
                self.dataChanged.emit(self.index(dst, 0), self.index(dst, len(COLUMNS) - 1))

    # --- clocks ----------------------------------------------------------------------------------

    def _refresh_statuses(self, rows: Iterable[_Row]) -> None:
        _fill_statuses(self._engine, self._now, list(rows))

    def tick(self, first_row: int, last_row: int) -> None:
        """Recompute the clocks of rows first_row..last_row (the visible ones) and repaint just those
        cells: one dataChanged spanning the SLA and age columns."""
        n = len(self._vis)
        first, last = max(0, first_row), min(n - 1, last_row)
        if first > last:
            return
        self._now = self._now_fn()
        lo, hi = sorted((self._internal(first), self._internal(last)))
        self._refresh_statuses(self._vis[lo : hi + 1])
        self.dataChanged.emit(self.index(first, Col.SLA), self.index(last, Col.AGE), _CLOCK_ROLES)

    def refresh_some(self, n: int, budget_s: float = 0.002) -> None:
        """Recompute up to n more cached clocks, round-robin over all held rows, without repainting: keeps
        the SLA sort keys and the breach strip fresh for rows that are off screen (the view calls this).
        Stops once budget_s is spent, so a burst of changed rows (cold clocks) never stretches a tick."""
        if not self._ids or self._engine is None:
            return
        deadline = time.perf_counter() + budget_s
        done = 0
        while done < n and time.perf_counter() < deadline:
            start = self._sweep_pos if self._sweep_pos < len(self._ids) else 0
            chunk = self._ids[start : start + min(SWEEP_CHUNK, n - done)]
            self._sweep_pos = start + len(chunk)
            self._refresh_statuses(chunk)
            done += len(chunk)

    def status_of(self, ident: str) -> SlaStatus | None:
        r = self._rows.get(ident)
        return None if r is None else self._status(r)

    def nearest_deadlines(self, n: int) -> list[tuple[Enquiry, SlaStatus]]:
        """The n held rows whose running clock falls due soonest and has not yet passed (whatever the
        table's sort and filter), freshly computed."""
        now = self._now = self._now_fn()
        pending = (
            (s.due_at, r.id, r)
            for r in self._ids
            if (s := r.status) is not _UNSET and s is not None and now < s.due_at < math.inf
        )
        # Twice as many candidates as asked: a cached deadline can move when refreshed.
        candidates = [r for _, _, r in heapq.nsmallest(n * 2, pending, key=lambda p: (p[0], p[1]))]
        self._refresh_statuses(candidates)
        out = [(r.e, s) for r in candidates if (s := r.status) is not None and now < s.due_at < math.inf]
        out.sort(key=lambda p: (p[1].due_at, p[0].id))
        return out[:n]

    # --- sort and filter -------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in Python by key functions. A layout change (not a reset), so selection follows rows."""
        if not 0 <= column < len(COLUMNS):
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        old_rows = [(p, self._row_at(p.row())) for p in persistent]
        self._sort_col = Col(column)
        self._descending = order == Qt.SortOrder.DescendingOrder
        # The SLA column ranks by cached clocks (visible rows are exact; refresh_some keeps the rest within
        # a sweep of the truth): recomputing 100k clocks would take ~0.5 s per header click.
        self._rebuild_keys()
        self._vis = self._filtered(self._all)
        for p, r in old_rows:
            row = None if r is None else self.row_of(r.id)
            self.changePersistentIndex(p, QModelIndex() if row is None else self.index(row, p.column()))
        self.layoutChanged.emit()

    def sort_column(self) -> tuple[int, Qt.SortOrder]:
        order = Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder
        return int(self._sort_col), order

    def set_filter(self, text: str, predicate: Predicate | None = None) -> None:
        """Show rows whose id, customer, preview, topic, team or agent contain `text` (any case) and
        that pass `predicate` (a saved view). One reset; the view restores its selection by id."""
        needle = text.strip().casefold()
        # Typing on narrows the last result: rows that contain the new text contain the old one too.
        narrowing = predicate is self._predicate and self._needle in needle and bool(self._needle)
        self.beginResetModel()
        self._needle, self._predicate = needle, predicate
        self._vis = self._filtered(self._vis if narrowing else self._all)
        self.endResetModel()
        self.countsChanged.emit(len(self._all), len(self._vis))

    def filter_text(self) -> str:
        return self._needle

    def filter_predicate(self) -> Predicate | None:
        return self._predicate

    def _filtered(self, rows: list[_Row]) -> list[_Row]:
        needle, pred = self._needle, self._predicate
        out = rows
        if needle:
            hay = self._hay
            out = [r for r in out if needle in (r.hay or hay(r))]
        if pred is not None:
            out = [r for r in out if _safe(pred, r.e)]
        return out if out is not rows else list(rows)

    def _passes(self, r: _Row) -> bool:
        if self._needle and self._needle not in (r.hay or self._hay(r)):
            return False
        return self._predicate is None or _safe(self._predicate, r.e)

    def _hay(self, r: _Row) -> str:
        e = r.e
        parts = (r.id, self._customer(r), self._preview(r), e.topic, self._team(e), self._agent(e))
        hay = r.hay = "\n".join(parts).casefold()
        return hay

    def _start_warm_up(self) -> None:
        # The filter matches what cells show (masked customer and preview); building that text for 100k
        # rows takes seconds (PII masking), so it is built in small slices while the UI is idle.
        self._warm = list(self._ids)
        self._warm_pos = 0
        if self._warm:
            self._warm_timer.start()

    def _warm_up_slice(self) -> None:
        chunk = self._warm[self._warm_pos : self._warm_pos + WARM_UP_SLICE]
        self._warm_pos += len(chunk)
        for r in chunk:
            if r.hay is None:
                self._hay(r)
        if self._warm_pos >= len(self._warm):
            self._warm_timer.stop()
            self._warm = []

    def warmed_up(self) -> bool:
        """Whether the filter text of every row is built (the first keystroke is then as fast as any)."""
        return not self._warm_timer.isActive()

    def _rebuild_keys(self) -> None:
        self._sort_now = self._now
        key = self._key_fn()
        for r in self._ids:
            r.k = key(r)
        # Stable sort of the id-ordered list: ties stay in id order, and plain float/str keys let
        # list.sort use its fast comparisons.
        self._all = sorted(self._ids, key=_by_k)

    # --- lookups ---------------------------------------------------------------------------------

    def _internal(self, row: int) -> int:
        return len(self._vis) - 1 - row if self._descending else row

    def _view_row(self, i: int) -> int:
        return len(self._vis) - 1 - i if self._descending else i

    def _row_at(self, row: int) -> _Row | None:
        return self._vis[self._internal(row)] if 0 <= row < len(self._vis) else None

    def enquiry_at(self, row: int) -> Enquiry | None:
        r = self._row_at(row)
        return None if r is None else r.e

    def row_of(self, ident: str) -> int | None:
        r = self._rows.get(ident)
        if r is None:
            return None
        i = _find(self._vis, r)
        return self._view_row(i) if i < len(self._vis) and self._vis[i] is r else None

    def enquiry(self, ident: str) -> Enquiry | None:
        r = self._rows.get(ident)
        return None if r is None else r.e

    def ids(self) -> list[str]:
        """Visible ids in display order."""
        ids = [r.id for r in self._vis]
        return ids[::-1] if self._descending else ids

    def all_enquiries(self) -> list[Enquiry]:
        """Every held enquiry (filtered out or not), by id."""
        return [r.e for r in self._ids]

    def status_rows(self) -> tuple[list[Enquiry], list[SlaStatus | None]]:
        """Every held enquiry and its cached clock status, side by side (a status that is not an
        SlaStatus means none is known): a snapshot the team board groups on a worker thread. Two lists
        of existing objects, not 100k new tuples, so taking it never sets off a garbage collection."""
        ids = self._ids
        return [r.e for r in ids], [r.status for r in ids]

    def total_count(self) -> int:
        return len(self._all)

    def visible_count(self) -> int:
        return len(self._vis)

    def time_zone(self) -> str:
        return self._tz

    def now(self) -> float:
        """The clock reading of the last tick or update (server time)."""
        return self._now

    def _status(self, r: _Row) -> SlaStatus | None:
        if r.status is _UNSET:
            self._refresh_statuses((r,))
        return r.status

    # --- Qt model interface ----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._vis)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        try:
            row, col = index.row(), index.column()
            if not (0 <= row < len(self._vis) and 0 <= col < len(COLUMNS)) or index.parent().isValid():
                return None
            return self._data(self._vis[self._internal(row)], col, role)
        except Exception:  # data() must never raise into Qt's paint loop
            log.exception("queue data() failed at %s,%s role %s", index.row(), index.column(), role)
            return None

    def _emit_all_changed(self) -> None:
        if self._vis:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._vis) - 1, len(COLUMNS) - 1))


__all__ = [
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
