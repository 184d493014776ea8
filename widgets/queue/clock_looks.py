"""What the visible rows' clock cells showed at the last tick, so a tick repaints only what reads differently.

Every second the queue recomputes the clocks of the visible rows. Its countdowns, waits and window clocks
change by the minute, so most seconds nothing on screen changes. Repainting every clock cell anyway (72
cells a second at 1366x768: 6 ms of the UI thread when idle, 14-20 ms while the workers ran) cost the most
steady UI time of the whole console. A tick now compares each visible row's clock cells (text, colours,
icon, weight: exactly what the delegate paints) with what it had at the last tick, by enquiry id, and
repaints only the rows that differ.

A look is only trusted while nothing else has changed the row: any other dataChanged forgets the rows it
covers, and a reset forgets them all. Time only moves the clocks one way, so a row scrolled into view or
moved by a sort never shows a look older than the one kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Slot

from widgets.queue.cells import CLOCK_ROLES

FORGET_ALL_ABOVE = 500  # a dataChanged over more rows than this forgets every look (cheaper than one each)
Index = QModelIndex | QPersistentModelIndex


class Looked(Protocol):
    def clock_columns(self) -> Sequence[int]: ...  # the cells a tick changes
    def clock_look(self, row: int) -> object: ...  # what a row's clock cells show (compared, not hashed)
    def ident_at(self, row: int) -> str | None: ...  # None past the end


class ClockLooks(QObject):
    """A child of the model whose rows it reads, on the UI thread; it forgets a row's look whenever the
    model says the row changed some other way (dataChanged, rows inserted), and every look on a reset or
    a layout change (a big live batch changes rows without a dataChanged each)."""

    def __init__(self, model: QAbstractItemModel, rows: Looked) -> None:
        super().__init__(model)
        self._model, self._rows = model, rows
        self._shown: dict[str, object] = {}  # the rows of the last tick only: bounded by the screen
        self.ticking = False  # set while the model emits a tick's own changes (those are not forgotten)
        model.dataChanged.connect(self._data_changed)
        model.rowsInserted.connect(self._rows_inserted)
        model.modelReset.connect(self.forget)
        model.layoutChanged.connect(self.forget)

    def repaint_changed(self, first: int, last: int) -> None:
        """After a tick of rows first..last: a dataChanged per run of rows whose clock cells read
        differently and per clock column (not one spanning the columns between: those would repaint too)."""
        model, columns = self._model, self._rows.clock_columns()
        self.ticking = True
        try:
            for top, bottom in self.changed(first, last):
                for col in columns:
                    model.dataChanged.emit(model.index(top, col), model.index(bottom, col), CLOCK_ROLES)
        finally:
            self.ticking = False

    def changed(self, first: int, last: int) -> list[tuple[int, int]]:
        """The runs of rows first..last whose clock cells read differently from the last tick (or were
        not seen then), as (first, last) pairs; what they show now is kept."""
        shown, kept = self._shown, {}
        runs: list[tuple[int, int]] = []
        for row in range(first, last + 1):
            ident = self._rows.ident_at(row)
            if ident is None:
                break
            look = kept[ident] = self._rows.clock_look(row)
            if shown.get(ident) != look:
                if runs and runs[-1][1] == row - 1:
                    runs[-1] = (runs[-1][0], row)
                else:
                    runs.append((row, row))
        self._shown = kept
        return runs

    def forget_rows(self, first: int, last: int) -> None:
        """Rows first..last changed some other way: their next tick repaints them."""
        if not self._shown or self.ticking:
            return
        if last - first >= FORGET_ALL_ABOVE:
            self._shown = {}
            return
        for row in range(first, last + 1):
            ident = self._rows.ident_at(row)
            if ident is not None:
                self._shown.pop(ident, None)

    @Slot()
    def forget(self) -> None:
        self._shown = {}

    @Slot(QModelIndex, QModelIndex, list)
    def _data_changed(self, top_left: Index, bottom_right: Index, roles: Sequence[int] = ()) -> None:
        self.forget_rows(top_left.row(), bottom_right.row())

    @Slot(QModelIndex, int, int)
    def _rows_inserted(self, parent: Index, first: int, last: int) -> None:
        self.forget_rows(first, last)
