"""What each queue cell shows, per role: text, icons, colours, tooltips and accessible text, plus the
one-call Cell the delegate paints from. A mixin of widgets.queue.model.QueueModel, which owns the index of
rows (console.live.queue_index) read here. Customer text is plain text only; tooltips (rich text in Qt)
are escaped."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from PySide6.QtCore import QMimeData, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QIcon

from console.domain.model import Enquiry
from console.live.complaints import FlagCell
from console.live.metrics import format_wait
from console.live.queue_index import QueueIndex
from console.live.queue_rows import Row
from console.sla.engine import SlaStatus
from console.sla.words import NO_CLOCK, state_word
from widgets.queue.mime import MIME_TYPE
from widgets.queue.mime import encode as encode_refs
from widgets.queue.text import (
    COLUMN_TIPS,
    COLUMNS,
    CellText,
    Col,
    channel_text,
    countdown_text,
    flags_text,
    preview_text,
    risk_text,
    risk_tooltip,
    sla_tooltip,
)
from widgets.theme.icons import channel_icon, sla_icon
from widgets.theme.theme import Theme

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
# The roles a countdown tick changes (the model repaints just these).
CLOCK_ROLES = [_DISPLAY, _DECORATION, _TOOLTIP, _FOREGROUND, _BACKGROUND, _ACCESSIBLE, SLA_STATUS_ROLE]
Index = QModelIndex | QPersistentModelIndex

_ITEM_FLAGS = (
    Qt.ItemFlag.ItemIsEnabled
    | Qt.ItemFlag.ItemIsSelectable
    | Qt.ItemFlag.ItemNeverHasChildren
    | Qt.ItemFlag.ItemIsDragEnabled  # rows are dragged onto the team board (widgets.queue.mime)
)
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
FlagCells = Callable[[Enquiry, str, float, str], FlagCell]  # (enquiry, flags' words, now, tz)


class Cell(NamedTuple):
    text: str
    icon: QIcon | None
    fg: QBrush | None
    bg: QBrush | None
    right: bool  # right-aligned (numbers)
    bold: bool


class QueueCells:
    """Cell rendering over the model's index and display state (set by QueueModel)."""

    _ix: QueueIndex
    _labels: CellText
    _theme: Theme
    _fg: dict[str, QBrush]
    _bg: dict[str, QBrush]
    _muted: QBrush
    _tz: str
    # Complaint and reply-window clocks beside the flags (console.live.complaints.ComplaintDesk.flag_cell).
    _flag_cells: FlagCells | None = None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == _DISPLAY:
            return COLUMNS[section]
        if role == _TOOLTIP:
            return COLUMN_TIPS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        # Called for every selected cell on each move; combining enum flags in Python is not free.
        return _ITEM_FLAGS if index.isValid() else _NO_FLAGS

    # Drag source for reassignment: ids and versions only (widgets.queue.mime); drops land on the board.
    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid()})
        return encode_refs(e for row in rows if (e := self._ix.enquiry_at(row)) is not None)

    def _data(self, r: Row, col: int, role: int) -> Any:
        if role == _DISPLAY:
            return self._text(r, col)
        e = r.e
        if role == ID_ROLE:
            return r.id
        if role == ENQUIRY_ROLE:
            return e
        if role == SLA_STATUS_ROLE:
            return self._status(r)
        if role == SLA_STATE_ROLE:
            s = self._status(r)
            return None if s is None else s.state
        if role == _DECORATION:
            if col == Col.SLA:
                s = self._status(r)
                return None if s is None else sla_icon(s.state, self._theme)
            if col == Col.CHANNEL:
                return channel_icon(e.channel, e.visibility == "private", self._theme)
            return None
        if role == _FOREGROUND:
            if col == Col.SLA:
                s = self._status(r)
                return self._muted if s is None else self._fg.get(s.state)
            if col in (Col.AGE, Col.TOPIC) or (col == Col.TEAM and e.team_id is None):
                return self._muted
            return None
        if role == _BACKGROUND:
            s = self._status(r) if col == Col.SLA else None
            return None if s is None else self._bg.get(s.state)
        if role == _TOOLTIP:
            return self._tooltip(r, col)
        if role == _ACCESSIBLE:
            if col == Col.SLA:
                s = self._status(r)
                words = NO_CLOCK if s is None else state_word(s.state)
                return words if s is None else f"{words}: {self._text(r, col)}"
            return f"{COLUMNS[col]}: {self._text(r, col)}"
        if role == _ALIGN:
            if col in (Col.AGE, Col.RISK):
                return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        return None

    def cell(self, row: int, col: int) -> Cell | None:
        """Everything the delegate paints for one cell in one call (data() per role costs ~10 us each
        through Qt; a repaint asks for hundreds of cells)."""
        r = self._ix.row_at(row)
        if r is None or not 0 <= col < len(COLUMNS):
            return None
        text = self._text(r, col)
        if col == Col.SLA:
            s = self._status(r)
            if s is None:
                return Cell(text, None, self._muted, None, False, False)
            icon = sla_icon(s.state, self._theme)
            bold = s.state in ("urgent", "breached")
            return Cell(text, icon, self._fg.get(s.state), self._bg.get(s.state), False, bold)
        if col == Col.CHANNEL:
            icon = channel_icon(r.e.channel, r.e.visibility == "private", self._theme)
            return Cell(text, icon, None, None, False, False)
        if col == Col.FLAGS:
            state = self._flag_cell(r).state
            if state is not None:
                return Cell(text, None, self._fg.get(state), self._bg.get(state), False, state != "at_risk")
        if col == Col.RISK:  # high risk in bold: the words carry it, never the colour alone
            return Cell(text, None, None, None, True, self._ix.risk(r).level == "high")
        muted = col in (Col.AGE, Col.TOPIC) or (col == Col.TEAM and r.e.team_id is None)
        return Cell(text, None, self._muted if muted else None, None, col == Col.AGE, False)

    def clock_columns(self) -> tuple[Col, ...]:
        """The cells a tick changes: the SLA, the wait, the risk (it follows the clock's state), and the
        flags when they carry complaint and reply-window clocks (set_flag_cells)."""
        if self._flag_cells is None:
            return (Col.SLA, Col.AGE, Col.RISK)
        return (Col.SLA, Col.AGE, Col.FLAGS, Col.RISK)

    def clock_look(self, row: int) -> tuple[Cell | None, ...]:
        """What a row's clock cells show (widgets.queue.clock_looks): as the delegate paints them."""
        return tuple(self.cell(row, col) for col in self.clock_columns())

    def ident_at(self, row: int) -> str | None:
        r = self._ix.row_at(row)
        return None if r is None else r.id

    def _flag_cell(self, r: Row) -> FlagCell:
        if self._flag_cells is None:
            text = flags_text(r.e.flags)
            return FlagCell(text, None, text)
        return self._flag_cells(r.e, flags_text(r.e.flags), self._ix.now, self._tz)

    def _text(self, r: Row, col: int) -> str:
        e = r.e
        if col == Col.SLA:
            if r.sla_text is None:
                r.sla_text = countdown_text(self._status(r), self._tz, self._ix.now)
            return r.sla_text
        if col == Col.AGE:
            return format_wait(self._ix.now - e.created_at)
        if col == Col.CHANNEL:
            return channel_text(e.channel, e.visibility)
        if col == Col.CUSTOMER:
            return self._labels.customer(r)
        if col == Col.TOPIC:
            return e.topic.replace("_", " ").capitalize()
        if col == Col.FLAGS:
            return self._flag_cell(r).text
        if col == Col.TEAM:
            return self._labels.team(e)
        if col == Col.AGENT:
            return self._labels.agent(e)
        if col == Col.RISK:
            return risk_text(self._ix.risk(r))
        return self._labels.preview(r)

    def _status(self, r: Row) -> SlaStatus | None:
        return self._ix.status(r)

    def _tooltip(self, r: Row, col: int) -> str | None:
        """Rich text by necessity (QToolTip guesses), so every piece of data in it is escaped."""
        if col == Col.SLA:
            body = sla_tooltip(self._status(r), self._tz)
        elif col == Col.RISK:
            body = risk_tooltip(self._ix.risk(r))
        elif col == Col.PREVIEW:
            if self._labels.privacy == "masked":
                return None
            body = html.escape(preview_text(r.e.text, self._labels.privacy, limit=1000, one_line_only=False))
        elif col == Col.FLAGS:
            body = html.escape(self._flag_cell(r).tip)
        elif col in (Col.CUSTOMER, Col.TEAM, Col.AGENT, Col.CHANNEL):
            body = html.escape(self._text(r, col))
        else:
            return None
        return f"<p style='white-space:pre-wrap'>{body}</p>" if body else None
