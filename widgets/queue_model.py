"""The live queue as a flat table model over plain Enquiry rows, held by id.

Rows live in two sorted lists of key tuples (every key ends with the enquiry id, so keys are unique and
bisect finds any row in O(log n)): all held rows, and the visible (filtered) ones. Sorting and filtering
happen in Python on those lists (no QSortFilterProxyModel: it calls back into Python per comparison and
takes seconds at 100k rows). The lists are always ascending; a descending sort only mirrors the row
numbers, so one bisect serves both orders.

Live updates (apply) insert, remove, move and change rows one by one with the proper begin/end calls,
so views keep their selection, current row and scroll position. Only set_rows() and set_filter() reset.
data() never raises: a bad index gives None. Text from customers is untrusted and only ever plain text;
tooltips (which Qt renders as rich text) are escaped.
"""

from __future__ import annotations

import bisect
import heapq
import html
import logging
import math
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush

from console.metrics import format_wait
from console.model import ChangeSet, Enquiry
from console.sla import SlaEngine, SlaStatus
from widgets.icons import channel_icon, sla_icon
from widgets.queue_text import (
    COLUMN_TIPS,
    COLUMNS,
    STATE_WORDS,
    Col,
    channel_text,
    countdown_text,
    customer_text,
    flags_text,
    preview_text,
    sla_tooltip,
)
from widgets.theme import Theme, make_theme

log = logging.getLogger("concierge.widgets.queue")

Index = QModelIndex | QPersistentModelIndex
Key = tuple[Any, ...]
Predicate = Callable[[Enquiry], bool]

ENQUIRY_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
SLA_STATUS_ROLE = Qt.ItemDataRole.UserRole + 3
SLA_STATE_ROLE = Qt.ItemDataRole.UserRole + 4  # "on_track" | "at_risk" | "urgent" | "breached" | None

_DISPLAY = Qt.ItemDataRole.DisplayRole
_DECORATION = Qt.ItemDataRole.DecorationRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_BACKGROUND = Qt.ItemDataRole.BackgroundRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_ACCESSIBLE = Qt.ItemDataRole.AccessibleTextRole
_CLOCK_ROLES = [_DISPLAY, _DECORATION, _TOOLTIP, _FOREGROUND, _BACKGROUND, _ACCESSIBLE, SLA_STATUS_ROLE]
WARM_UP_SLICE = 4000  # rows of filter text built per idle slice (~15 ms)
_NO_SLA = (1, 0.0)  # rows without a running clock sort after every countdown


class QueueModel(QAbstractTableModel):
    """Columns: see widgets.queue_text.COLUMNS (SLA countdown first, preview last)."""

    countsChanged = Signal(int, int)  # total held, visible

    def __init__(self, parent: QObject | None = None, *, open_only: bool = True) -> None:
        super().__init__(parent)
        self._open_only = open_only  # closed/resolved enquiries leave the live queue
        self._by_id: dict[str, Enquiry] = {}
        self._key_of: dict[str, Key] = {}
        self._all: list[Key] = []  # every held row, ascending by key
        self._vis: list[Key] = []  # rows passing the filter, ascending by key
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
        # Caches of what cells show, filled lazily and dropped when the row or its inputs change.
        self._status: dict[str, SlaStatus | None] = {}
        self._sla_text: dict[str, str] = {}
        self._customer: dict[str, str] = {}
        self._preview: dict[str, str] = {}
        self._hay: dict[str, str] = {}
        self._sweep_pos = 0
        self._warm_ids: list[str] = []
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
        self._engine, self._now_fn, self._tz = engine, now_fn, tz
        self._now = now_fn()
        self._status.clear()
        self._sla_text.clear()
        self._refresh_statuses(self._by_id.values())
        self._emit_all_changed()

    def set_names(self, teams: dict[str, str], agents: dict[str, str]) -> None:
        self._teams, self._agents = dict(teams), dict(agents)
        self._hay.clear()
        self._start_warm_up()
        self._emit_all_changed()

    def set_privacy(self, mode: str) -> None:
        """full | partial | masked (wallboards in a branch: no customer data at all)."""
        if mode not in ("full", "partial", "masked"):
            raise ValueError(f"unknown privacy mode {mode!r}")
        self._privacy = mode
        self._customer.clear()
        self._preview.clear()
        self._hay.clear()
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
        self.beginResetModel()
        self._by_id = {e.id: e for e in enquiries if self._holds(e)}
        for cache in (self._status, self._sla_text, self._customer, self._preview, self._hay):
            cache.clear()
        self._now = self._now_fn()
        self._refresh_statuses(self._by_id.values())
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
        for ident in changes.removed:
            self._remove(ident)
        for ident in sorted(changes.added | changes.changed):
            e = rows.get(ident)
            if e is None:
                log.warning("change-set names %s but gives no row for it; skipped", ident[:64])
            elif not self._holds(e):
                self._remove(ident)
            elif ident in self._by_id:
                self._update(e)
            else:
                self._insert(e)
        self.countsChanged.emit(len(self._all), len(self._vis))

    def _holds(self, e: Enquiry) -> bool:
        return e.is_open or not self._open_only

    def _insert(self, e: Enquiry) -> None:
        self._by_id[e.id] = e
        self._refresh_statuses((e,))
        key = self._key(e)
        self._key_of[e.id] = key
        bisect.insort(self._all, key)
        if self._passes(e):
            i = bisect.bisect_left(self._vis, key)
            row = len(self._vis) - i if self._descending else i
            self.beginInsertRows(QModelIndex(), row, row)
            self._vis.insert(i, key)
            self.endInsertRows()

    def _remove(self, ident: str) -> None:
        key = self._key_of.pop(ident, None)
        if key is None:
            return
        i = bisect.bisect_left(self._vis, key)
        if i < len(self._vis) and self._vis[i] == key:
            row = self._view_row(i)
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._vis[i]
            self.endRemoveRows()
        del self._all[bisect.bisect_left(self._all, key)]
        del self._by_id[ident]
        self._forget(ident)

    def _update(self, e: Enquiry) -> None:
        old_key = self._key_of[e.id]
        i = bisect.bisect_left(self._vis, old_key)
        was_visible = i < len(self._vis) and self._vis[i] == old_key
        self._by_id[e.id] = e
        self._forget(e.id)
        self._refresh_statuses((e,))
        key = self._key(e)
        self._key_of[e.id] = key
        del self._all[bisect.bisect_left(self._all, old_key)]
        bisect.insort(self._all, key)
        visible = self._passes(e)
        if was_visible and not visible:
            row = self._view_row(i)
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._vis[i]
            self.endRemoveRows()
        elif visible and not was_visible:
            j = bisect.bisect_left(self._vis, key)
            row = len(self._vis) - j if self._descending else j
            self.beginInsertRows(QModelIndex(), row, row)
            self._vis.insert(j, key)
            self.endInsertRows()
        elif visible:
            j = bisect.bisect_left(self._vis, key)
            j = j - 1 if j > i else j  # its index once the old key is out of the list
            src, dst = self._view_row(i), self._view_row(j)
            if src == dst:
                self._vis[i] = key
                self.dataChanged.emit(self.index(src, 0), self.index(src, len(COLUMNS) - 1))
            else:
                # Qt wants the destination in pre-move numbering: one past the target when moving down.
                self.beginMoveRows(QModelIndex(), src, src, QModelIndex(), dst + 1 if dst > src else dst)
                del self._vis[i]
                self._vis.insert(j, key)
                self.endMoveRows()
                self.dataChanged.emit(self.index(dst, 0), self.index(dst, len(COLUMNS) - 1))

    def _forget(self, ident: str) -> None:
        for cache in (self._status, self._sla_text, self._customer, self._preview, self._hay):
            cache.pop(ident, None)

    # --- clocks ----------------------------------------------------------------------------------

    def _refresh_statuses(self, enquiries: Iterable[Enquiry]) -> None:
        rows = list(enquiries)
        engine, now = self._engine, self._now
        statuses: list[SlaStatus | None]
        if engine is None:
            statuses = [None] * len(rows)
        else:
            try:
                statuses = engine.statuses(rows, now)
            except Exception:  # one odd record must not blank the whole queue: retry row by row
                log.exception("SLA statuses failed for a batch of %d; retrying one by one", len(rows))
                statuses = [_one_status(engine, e, now) for e in rows]
        status_cache, text_cache = self._status, self._sla_text
        for e, status in zip(rows, statuses, strict=True):
            status_cache[e.id] = status
            text_cache.pop(e.id, None)  # formatted when painted: formatting all 100k costs ~1.5 s

    def tick(self, first_row: int, last_row: int) -> None:
        """Recompute the clocks of rows first_row..last_row (the visible ones) and repaint just those
        cells: one dataChanged spanning the SLA and age columns."""
        n = len(self._vis)
        first, last = max(0, first_row), min(n - 1, last_row)
        if first > last:
            return
        self._now = self._now_fn()
        lo, hi = sorted((self._internal(first), self._internal(last)))
        self._refresh_statuses(self._by_id[k[-1]] for k in self._vis[lo : hi + 1])
        self.dataChanged.emit(self.index(first, Col.SLA), self.index(last, Col.AGE), _CLOCK_ROLES)

    def refresh_some(self, n: int) -> None:
        """Recompute n more cached clocks, round-robin over all held rows, without repainting: keeps the
        SLA sort keys and the breach strip fresh for rows that are off screen (the view calls this)."""
        if not self._all or self._engine is None:
            return
        start = self._sweep_pos if self._sweep_pos < len(self._all) else 0
        chunk = self._all[start : start + n]
        self._sweep_pos = start + len(chunk)
        self._refresh_statuses(self._by_id[k[-1]] for k in chunk)

    def _start_warm_up(self) -> None:
        # The filter matches what cells show (masked customer and preview); building that text for 100k
        # rows takes ~0.5 s, so it is built in small slices while the UI is idle, not on the first key.
        self._warm_ids = list(self._by_id)
        self._warm_pos = 0
        if self._warm_ids:
            self._warm_timer.start()

    def _warm_up_slice(self) -> None:
        ids = self._warm_ids[self._warm_pos : self._warm_pos + WARM_UP_SLICE]
        self._warm_pos += len(ids)
        hay_of, by_id = self._hay_of, self._by_id
        for ident in ids:
            if ident in by_id:
                hay_of(ident)
        if self._warm_pos >= len(self._warm_ids):
            self._warm_timer.stop()
            self._warm_ids = []

    def warmed_up(self) -> bool:
        """Whether the filter text of every row is built (the first keystroke is then as fast as any)."""
        return not self._warm_timer.isActive()

    def status_of(self, ident: str) -> SlaStatus | None:
        return self._status.get(ident)

    def nearest_deadlines(self, n: int) -> list[tuple[Enquiry, SlaStatus]]:
        """The n held rows whose running clock falls due soonest and has not yet passed (whatever the
        table's sort and filter), freshly computed."""
        now = self._now_fn()
        self._now = now
        pending = (
            (s.due_at, ident)
            for ident, s in self._status.items()
            if s is not None and now < s.due_at < math.inf
        )
        # Twice as many candidates as asked: a cached deadline can move when refreshed.
        candidates = sorted(pending)[: n * 2] if len(self._status) < 4 * n else _smallest(pending, n * 2)
        fresh = [self._by_id[ident] for _, ident in candidates]
        self._refresh_statuses(fresh)
        out = [(e, s) for e in fresh if (s := self._status[e.id]) is not None and s.due_at > now]
        out.sort(key=lambda p: (p[1].due_at, p[0].id))
        return out[:n]

    # --- sort and filter -------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in Python by key functions. A layout change (not a reset), so selection follows rows."""
        if not 0 <= column < len(COLUMNS):
            return
        self.layoutAboutToBeChanged.emit()
        old_rows = [(p, self._id_at(p.row())) for p in self.persistentIndexList()]
        self._sort_col = Col(column)
        self._descending = order == Qt.SortOrder.DescendingOrder
        # The SLA column ranks by cached clocks (visible rows are exact; refresh_some keeps the rest within
        # a sweep of the truth): recomputing 100k clocks would take ~0.5 s per header click.
        self._rebuild_keys()
        self._vis = self._filtered(self._all)
        for p, ident in old_rows:
            row = self.row_of(ident) if ident is not None else None
            new = QModelIndex() if row is None else self.index(row, p.column())
            self.changePersistentIndex(p, new)
        self.layoutChanged.emit()

    def sort_column(self) -> tuple[int, Qt.SortOrder]:
        order = Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder
        return int(self._sort_col), order

    def set_filter(self, text: str, predicate: Predicate | None = None) -> None:
        """Show rows whose id, customer, preview, topic, team or agent contain `text` (any case) and
        that pass `predicate` (a saved view). One reset; the view restores its selection by id."""
        self.beginResetModel()
        self._needle = text.strip().casefold()
        self._predicate = predicate
        self._vis = self._filtered(self._all)
        self.endResetModel()
        self.countsChanged.emit(len(self._all), len(self._vis))

    def filter_text(self) -> str:
        return self._needle

    def filter_predicate(self) -> Predicate | None:
        return self._predicate

    def time_zone(self) -> str:
        return self._tz

    def now(self) -> float:
        """The clock reading of the last tick or update (server time)."""
        return self._now

    def _filtered(self, keys: list[Key]) -> list[Key]:
        needle, pred, by_id = self._needle, self._predicate, self._by_id
        if not needle and pred is None:
            return list(keys)
        out = keys
        if needle:
            hay = self._hay_of
            out = [k for k in out if needle in hay(k[-1])]
        if pred is not None:
            out = [k for k in out if _safe(pred, by_id[k[-1]])]
        return out

    def _passes(self, e: Enquiry) -> bool:
        if self._needle and self._needle not in self._hay_of(e.id):
            return False
        return self._predicate is None or _safe(self._predicate, e)

    def _hay_of(self, ident: str) -> str:
        hay = self._hay.get(ident)
        if hay is None:
            e = self._by_id[ident]
            parts = (ident, self._customer_of(e), self._preview_of(e), e.topic, self._team(e), self._agent(e))
            hay = self._hay[ident] = "\n".join(parts).casefold()
        return hay

    def _rebuild_keys(self) -> None:
        self._sort_now = self._now
        key = self._key
        self._all = sorted(key(e) for e in self._by_id.values())
        self._key_of = {k[-1]: k for k in self._all}

    def _key(self, e: Enquiry) -> Key:
        col = self._sort_col
        if col == Col.SLA:
            s = self._status.get(e.id)
            if s is None:
                return (*_NO_SLA, e.id)
            # Keys taken later are put on the footing of the last full sort, so a changed row lands
            # among rows whose keys were taken earlier at the place its clock deserves.
            return (0, s.remaining_s + (self._now - self._sort_now), e.id)
        if col == Col.AGE:
            return (-e.created_at, e.id)
        if col == Col.CHANNEL:
            return (e.channel, e.visibility, e.id)
        if col == Col.CUSTOMER:
            return (self._customer_of(e).casefold(), e.id)
        if col == Col.TOPIC:
            return (e.topic, e.id)
        if col == Col.FLAGS:
            return (-len(e.flags), ",".join(sorted(e.flags)), e.id)
        if col == Col.TEAM:
            return (self._team(e).casefold(), e.id)
        if col == Col.AGENT:
            return (self._agent(e).casefold(), e.id)
        return (self._preview_of(e).casefold(), e.id)

    # --- lookups ---------------------------------------------------------------------------------

    def _internal(self, row: int) -> int:
        return len(self._vis) - 1 - row if self._descending else row

    def _view_row(self, i: int) -> int:
        return len(self._vis) - 1 - i if self._descending else i

    def _id_at(self, row: int) -> str | None:
        if 0 <= row < len(self._vis):
            return str(self._vis[self._internal(row)][-1])
        return None

    def enquiry_at(self, row: int) -> Enquiry | None:
        ident = self._id_at(row)
        return None if ident is None else self._by_id[ident]

    def row_of(self, ident: str) -> int | None:
        key = self._key_of.get(ident)
        if key is None:
            return None
        i = bisect.bisect_left(self._vis, key)
        if i < len(self._vis) and self._vis[i] == key:
            return self._view_row(i)
        return None

    def enquiry(self, ident: str) -> Enquiry | None:
        return self._by_id.get(ident)

    def ids(self) -> list[str]:
        """Visible ids in display order."""
        ids = [str(k[-1]) for k in self._vis]
        return ids[::-1] if self._descending else ids

    def total_count(self) -> int:
        return len(self._all)

    def visible_count(self) -> int:
        return len(self._vis)

    def _team(self, e: Enquiry) -> str:
        return "Unassigned" if e.team_id is None else self._teams.get(e.team_id, e.team_id)

    def _agent(self, e: Enquiry) -> str:
        return "" if e.agent_id is None else self._agents.get(e.agent_id, e.agent_id)

    def _customer_of(self, e: Enquiry) -> str:
        text = self._customer.get(e.id)
        if text is None:
            text = self._customer[e.id] = customer_text(e, self._privacy)
        return text

    def _preview_of(self, e: Enquiry) -> str:
        text = self._preview.get(e.id)
        if text is None:
            text = self._preview[e.id] = preview_text(e.text, self._privacy)
        return text

    # --- Qt model interface ----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._vis)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == _DISPLAY:
            return COLUMNS[section]
        if role == _TOOLTIP:
            return COLUMN_TIPS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        try:
            row, col = index.row(), index.column()
            if not (0 <= row < len(self._vis) and 0 <= col < len(COLUMNS)) or index.parent().isValid():
                return None
            e = self._by_id[self._vis[self._internal(row)][-1]]
            return self._data(e, Col(col), role)
        except Exception:  # data() must never raise into Qt's paint loop
            log.exception("queue data() failed at %s,%s role %s", index.row(), index.column(), role)
            return None

    def _data(self, e: Enquiry, col: Col, role: int) -> Any:
        if role == _DISPLAY:
            return self._text(e, col)
        if role == ID_ROLE:
            return e.id
        if role == ENQUIRY_ROLE:
            return e
        if role == SLA_STATUS_ROLE:
            return self._status_for(e)
        if role == SLA_STATE_ROLE:
            s = self._status_for(e)
            return None if s is None else s.state
        if role == _DECORATION:
            if col == Col.SLA:
                s = self._status_for(e)
                return None if s is None else sla_icon(s.state, self._theme)
            if col == Col.CHANNEL:
                return channel_icon(e.channel, e.visibility == "private", self._theme)
            return None
        if role == _FOREGROUND:
            if col == Col.SLA:
                s = self._status_for(e)
                return self._muted if s is None else self._fg.get(s.state)
            if col in (Col.AGE, Col.TOPIC) or (col == Col.TEAM and e.team_id is None):
                return self._muted
            return None
        if role == _BACKGROUND:
            s = self._status_for(e) if col == Col.SLA else None
            return None if s is None else self._bg.get(s.state)
        if role == _TOOLTIP:
            return self._tooltip(e, col)
        if role == _ACCESSIBLE:
            if col == Col.SLA:
                s = self._status_for(e)
                words = "No SLA clock running" if s is None else STATE_WORDS.get(s.state, s.state)
                return words if s is None else f"{words}: {self._text(e, col)}"
            return f"{COLUMNS[col]}: {self._text(e, col)}"
        if role == _ALIGN:
            if col == Col.AGE:
                return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        return None

    def _status_for(self, e: Enquiry) -> SlaStatus | None:
        if e.id not in self._status:
            self._refresh_statuses((e,))
        return self._status[e.id]

    def _text(self, e: Enquiry, col: Col) -> str:
        if col == Col.SLA:
            text = self._sla_text.get(e.id)
            if text is None:
                text = self._sla_text[e.id] = countdown_text(self._status_for(e), self._tz, self._now)
            return text
        if col == Col.AGE:
            return format_wait(self._now - e.created_at)
        if col == Col.CHANNEL:
            return channel_text(e.channel, e.visibility)
        if col == Col.CUSTOMER:
            return self._customer_of(e)
        if col == Col.TOPIC:
            return e.topic.replace("_", " ").capitalize()
        if col == Col.FLAGS:
            return flags_text(e.flags)
        if col == Col.TEAM:
            return self._team(e)
        if col == Col.AGENT:
            return self._agent(e)
        return self._preview_of(e)

    def _tooltip(self, e: Enquiry, col: Col) -> str | None:
        """Rich text by necessity (QToolTip guesses), so every piece of data in it is escaped."""
        if col == Col.SLA:
            body = sla_tooltip(self._status_for(e), self._tz)
        elif col == Col.PREVIEW:
            if self._privacy == "masked":
                return None
            body = html.escape(preview_text(e.text, self._privacy, limit=1000, one_line_only=False))
        elif col in (Col.CUSTOMER, Col.TEAM, Col.AGENT, Col.FLAGS, Col.CHANNEL):
            body = html.escape(self._text(e, col))
        else:
            return None
        return f"<p style='white-space:pre-wrap'>{body}</p>" if body else None

    def _emit_all_changed(self) -> None:
        if self._vis:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._vis) - 1, len(COLUMNS) - 1))


def _no_clock() -> float:
    return 0.0


def _one_status(engine: SlaEngine, e: Enquiry, now: float) -> SlaStatus | None:
    try:
        return engine.status(e, now)
    except Exception:
        log.exception("SLA status failed for %s", e.id[:64])
        return None


def _safe(pred: Predicate, e: Enquiry) -> bool:
    try:
        return bool(pred(e))
    except Exception:  # a faulty saved view hides a row, it does not break the table
        log.exception("filter predicate failed for %s", e.id[:64])
        return False


def _smallest(pairs: Iterable[tuple[float, str]], n: int) -> list[tuple[float, str]]:
    return heapq.nsmallest(n, pairs)


__all__ = [
    "ENQUIRY_ROLE",
    "ID_ROLE",
    "SLA_STATE_ROLE",
    "SLA_STATUS_ROLE",
    "Col",
    "QueueModel",
]
