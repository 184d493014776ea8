"""Table models for the report viewer: plain QAbstractTableModel over rows of already formatted values
(a report is immutable, so a model is filled once). Sorting is done here in Python on a sort key per
cell, not through a proxy calling back into Python per comparison."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from console.domain.labels import (
    channel_label,
    clock_label,
    priority_label,
    status_label,
    waiting_for_label,
)
from console.reports.tiles import duration, percent
from console.store.reports import StoredReport

Index = QModelIndex | QPersistentModelIndex
Sortable = float | str
ID_ROLE = Qt.ItemDataRole.UserRole + 1  # the enquiry id behind a row, for drill-down


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    text: Callable[[Any], str]
    key: Callable[[Any], Sortable]
    right: bool = False  # numbers align right


class RowsModel(QAbstractTableModel):
    """Rows of any objects, shown through Columns. enquiry_id(row) gives the drill-down id (or None)."""

    def __init__(
        self,
        columns: Sequence[Column],
        rows: Sequence[Any] = (),
        enquiry_id: Callable[[Any], str | None] | None = None,
    ) -> None:
        super().__init__()
        self._columns = list(columns)
        self._rows = list(rows)
        self._enquiry_id = enquiry_id or (lambda _row: None)
        self._sorted: tuple[int, Qt.SortOrder] | None = None

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()
        if self._sorted is not None:  # new rows keep the order the header shows
            self.sort(*self._sorted)

    def row_at(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, col = self._rows[index.row()], self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return col.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            side = Qt.AlignmentFlag.AlignRight if col.right else Qt.AlignmentFlag.AlignLeft
            return int(side | Qt.AlignmentFlag.AlignVCenter)
        if role == ID_ROLE:
            return self._enquiry_id(row)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._columns[section].title if 0 <= section < len(self._columns) else None
        return section + 1

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns):
            return
        key = self._columns[column].key
        self._sorted = (column, order)
        self.layoutAboutToBeChanged.emit()
        rows = self._rows
        keys = [key(r) for r in rows]
        kinds = {type(k) for k in keys}
        if not kinds <= {int, float} and not kinds <= {str}:
            # Mixed types never compare: numbers before text, each among its own kind.
            keys = [(0, k, "") if isinstance(k, int | float) else (1, 0.0, str(k)) for k in keys]  # type: ignore[misc]
        # Sort positions by a precomputed key (one call per row, not per comparison); stable both ways.
        positions = sorted(
            range(len(rows)), key=keys.__getitem__, reverse=order == Qt.SortOrder.DescendingOrder
        )
        self._rows = [rows[i] for i in positions]
        self.layoutChanged.emit()


# -- formatting --------------------------------------------------------------------------------------
def when(t: float | None, zone: tzinfo) -> str:
    return "" if t is None else datetime.fromtimestamp(t, zone).strftime("%a %d %b %H:%M")


def _num(v: float | None) -> float:
    return float("-inf") if v is None else float(v)


def breach_columns(zone: tzinfo) -> list[Column]:
    return [
        Column("Enquiry", lambda b: b.enquiry_id, lambda b: b.enquiry_id),
        Column("Channel", lambda b: channel_label(b.channel), lambda b: b.channel),
        Column("Team", lambda b: b.team, lambda b: b.team),
        Column("Priority", lambda b: priority_label(b.priority), lambda b: b.priority),
        Column("Clock", lambda b: clock_label(b.clock), lambda b: b.clock),
        Column("Due", lambda b: when(b.due_at, zone), lambda b: b.due_at),
        Column(
            "Stopped", lambda b: when(b.stopped_at, zone) or "still running", lambda b: _num(b.stopped_at)
        ),
        Column("Over by", lambda b: duration(b.over_s), lambda b: b.over_s, right=True),
    ]


def carried_columns(zone: tzinfo) -> list[Column]:
    return [
        Column("Enquiry", lambda c: c.enquiry_id, lambda c: c.enquiry_id),
        Column("Channel", lambda c: channel_label(c.channel), lambda c: c.channel),
        Column("Team", lambda c: c.team, lambda c: c.team),
        Column("Status", lambda c: status_label(c.status), lambda c: c.status),
        Column("Waiting for", lambda c: waiting_for_label(c.waiting_for), lambda c: c.waiting_for),
        Column("Waiting", lambda c: duration(c.waiting_s), lambda c: c.waiting_s, right=True),
        Column("Customer", lambda c: c.handle, lambda c: c.handle),
        Column("Latest message (masked)", lambda c: c.text, lambda c: c.text),
    ]


def attainment_columns() -> list[Column]:
    return [
        Column("", lambda a: a.label, lambda a: a.label),
        Column("Due", lambda a: f"{a.due:,}", lambda a: float(a.due), right=True),
        Column("Met", lambda a: f"{a.met:,}", lambda a: float(a.met), right=True),
        Column("Attainment", lambda a: percent(a.rate), lambda a: _num(a.rate), right=True),
    ]


def first_response_columns() -> list[Column]:
    return [
        Column("Channel", lambda f: channel_label(f.channel), lambda f: f.channel),
        Column("Answered", lambda f: f"{f.answered:,}", lambda f: float(f.answered), right=True),
        Column("Unanswered", lambda f: f"{f.unanswered:,}", lambda f: float(f.unanswered), right=True),
        Column("Median", lambda f: duration(f.median_s), lambda f: _num(f.median_s), right=True),
        Column("90th pct", lambda f: duration(f.p90_s), lambda f: _num(f.p90_s), right=True),
        Column("Target", lambda f: duration(f.target_s), lambda f: _num(f.target_s), right=True),
        Column(
            "Within target", lambda f: f"{f.within_target:,}", lambda f: float(f.within_target), right=True
        ),
    ]


def agent_columns() -> list[Column]:
    def status_s(a: Any, status: str) -> float:
        return next((s.seconds for s in a.by_status if s.status == status), 0.0)

    cols = [
        Column("Agent", lambda a: a.name, lambda a: a.name),
        Column("Team", lambda a: a.team, lambda a: a.team),
        Column("Logged in", lambda a: duration(a.logged_in_s), lambda a: a.logged_in_s, right=True),
        Column("Utilisation", lambda a: percent(a.utilisation), lambda a: _num(a.utilisation), right=True),
    ]

    def by_status(status: str) -> Column:
        return Column(
            status.capitalize(),
            lambda a: duration(status_s(a, status)),
            lambda a: status_s(a, status),
            right=True,
        )

    return cols + [by_status(s) for s in ("available", "busy", "away")]


def reassignment_columns(zone: tzinfo) -> list[Column]:
    return [
        Column("When", lambda r: when(r.at, zone), lambda r: r.at),
        Column("Enquiry", lambda r: r.enquiry_id, lambda r: r.enquiry_id),
        Column("By", lambda r: r.actor or "(unknown)", lambda r: r.actor),
        Column("From", lambda r: r.from_team or "—", lambda r: r.from_team or ""),
        Column("To", lambda r: r.to_team or "—", lambda r: r.to_team or ""),
        Column("Reason (masked)", lambda r: r.reason or "(no reason given)", lambda r: r.reason),
        Column("Result", lambda r: r.result, lambda r: r.result),
    ]


def stored_columns(zone: tzinfo) -> list[Column]:
    return [
        Column("Shift", lambda s: s.name or s.shift_id, lambda s: s.name),
        Column("Start", lambda s: when(s.start, zone), lambda s: s.start),
        Column("End", lambda s: when(s.end, zone), lambda s: s.end),
    ]


def stored_model(reports: Sequence[StoredReport], zone: tzinfo) -> RowsModel:
    return RowsModel(stored_columns(zone), reports)


def rows_view(model: RowsModel, name: str, *, sortable: bool = True) -> QTableView:
    """A report table: read-only, whole rows selected, widths from the first rows (not from 50k).
    sortable=False keeps the rows in the order given (the shift, then teams, then agents)."""
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSortingEnabled(sortable)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setResizeContentsPrecision(40)
    return view
