"""The live header: breaching in 30 min, breached now, waiting per channel, longest wait, unanswered, SLA
attainment today; agents online, busy and away with load against capacity. The figures come from
console.live.metrics; this only shows them.

The tiles about enquiries are buttons: a click (or Enter or Space on a focused tile) emits
tileClicked(key) and the queue's presenter filters the queue to those enquiries; the longest-wait tile
opens that enquiry. Keys: TILE_SOON, TILE_BREACHED, TILE_WAITING, TILE_LONGEST, TILE_UNANSWERED.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QIcon,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from console.domain.labels import channel_name
from console.live.metrics import AgentSummary, HeaderMetrics, format_wait
from console.sla import today
from widgets.theme.icons import sla_icon
from widgets.theme.theme import Theme, make_theme

TILE_SOON = "soon"
TILE_BREACHED = "breached"
TILE_WAITING = "waiting"
TILE_LONGEST = "longest"
TILE_UNANSWERED = "unanswered"


class _Tile(QFrame):
    """A caption over a big figure, with an optional small line under it; a button when clickable."""

    clicked = Signal()

    def __init__(self, caption: str, name: str, action: str = "") -> None:
        super().__init__()
        self.setObjectName(name)
        self.action = action  # what a click does, for the tooltip ("" : not clickable)
        self.caption = QLabel(caption)
        self.value = QLabel("—")
        self.detail = QLabel("")
        self.mark: QColor | None = None  # a state colour down the left edge while the figure calls for it
        self.icon: QIcon | None = None  # the state's shape beside the caption (reads without colour)
        for label in (self.caption, self.value, self.detail):
            label.setTextFormat(Qt.TextFormat.PlainText)
            # Tiles share the width evenly: a long line is cut, never widens the window.
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.value.setFont(font)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        layout.setSpacing(0)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)
        self.setAccessibleName(caption)
        if action:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
            self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            self.setToolTip(f"{caption}: {action}")

    def paintEvent(self, event: QPaintEvent) -> None:
        # A card in the palette's own colours, so every theme (high contrast too) shows its edge.
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        focus = self.hasFocus()
        edge = self.palette().color(QPalette.ColorRole.Highlight if focus else QPalette.ColorRole.Mid)
        painter.setPen(QPen(edge, 2 if focus else 1))
        painter.setBrush(self.palette().color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(rect, 5, 5)
        if self.mark is not None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self.mark)
            painter.drawRoundedRect(QRectF(rect.left(), rect.top(), 6, rect.height()), 3, 3)
        if self.icon is not None:
            side = self.caption.fontMetrics().height()
            top = self.caption.geometry().top() + (self.caption.height() - side) // 2
            self.icon.paint(painter, self.width() - side - 8, top, side, side)
        painter.end()
        super().paintEvent(event)

    def set(self, value: str, detail: str = "") -> None:
        self.value.setText(value)
        self.detail.setText(detail)
        tip = f"{self.caption.text()}: {value}\n{detail}".strip()
        self.setToolTip(f"{tip}\n{self.action}" if self.action else tip)
        self.setAccessibleDescription(f"{value} {detail}".strip())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        inside = self.rect().contains(event.position().toPoint())
        if self.action and event.button() == Qt.MouseButton.LeftButton and inside:
            self.clicked.emit()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.action and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class LiveHeader(QWidget):
    """The header's tiles; tileClicked(key) when a clickable one is clicked (see the module notes)."""

    tileClicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.soon = _Tile("Breaching in 30 min", "tileSoon", "click to show them in the queue")
        self.breached = _Tile("Breached now", "tileBreached", "click to show them in the queue")
        self.waiting = _Tile("Waiting for a reply", "tileWaiting", "click to show them in the queue")
        self.longest = _Tile("Longest wait", "tileLongest", "click to open that enquiry")
        self.unanswered = _Tile("Unanswered", "tileUnanswered", "click to show them in the queue")
        self.attainment = _Tile(f"{today.CAPTION} ({today.WHICH})", "tileAttainment")
        self.attainment.setToolTip(today.DEFINITION)
        self.agents = _Tile("Agents online", "tileAgents")
        self.load = _Tile("Load / capacity", "tileLoad")
        self.longest_id: str | None = None  # the enquiry the longest-wait tile opens
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(6, 6, 6, 2)
        self._columns = 0
        tiles = (
            (self.soon, TILE_SOON),
            (self.breached, TILE_BREACHED),
            (self.waiting, TILE_WAITING),
            (self.longest, TILE_LONGEST),
            (self.unanswered, TILE_UNANSWERED),
            (self.attainment, ""),
            (self.agents, ""),
            (self.load, ""),
        )
        self._tiles = [tile for tile, _ in tiles]
        for tile, key in tiles:
            if key:
                tile.clicked.connect(lambda k=key: self.tileClicked.emit(k))
        self._theme = make_theme("light")
        self._soon_n = self._breached_n = 0
        self._place()

    def columns(self) -> int:
        """Tiles per row: all eight in one row when their captions fit, else two rows of four."""
        return self._columns

    def _place(self) -> None:
        need = self.fontMetrics().horizontalAdvance(self.soon.caption.text()) + 24
        columns = len(self._tiles) if self.width() >= len(self._tiles) * need else len(self._tiles) // 2
        if columns == self._columns:
            return
        self._columns = columns
        for i, tile in enumerate(self._tiles):
            self._grid.addWidget(tile, i // columns, i % columns)
        for c in range(len(self._tiles)):
            self._grid.setColumnStretch(c, 1 if c < columns else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._place()

    def tile(self, key: str) -> _Tile:
        return {
            TILE_SOON: self.soon,
            TILE_BREACHED: self.breached,
            TILE_WAITING: self.waiting,
            TILE_LONGEST: self.longest,
            TILE_UNANSWERED: self.unanswered,
        }[key]

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._mark()

    def set_metrics(self, m: HeaderMetrics, channel_names: dict[str, str] | None = None) -> None:
        names = channel_names or {}
        q, a, sla, d = m.queue, m.agents, m.attainment, m.deadlines
        self._soon_n, self._breached_n = d.soon, d.breached
        self.soon.set(f"{d.soon:,}", "can still be saved" if d.soon else "nothing due so soon")
        self.breached.set(f"{d.breached:,}", f"of {d.open:,} open")
        per_channel = " · ".join(
            f"{channel_name(c, names)} {n}" for c, n in list(q.waiting_by_channel.items())[:3]
        )
        self.waiting.set(f"{q.waiting:,}", per_channel or "nobody waiting")
        self.longest_id = q.longest_wait_id
        self.longest.set(format_wait(q.longest_wait_s) if q.longest_wait_id else "—", q.longest_wait_id or "")
        self.attainment.set(*today.words(sla, named=False))  # the caption names the clocks
        self.unanswered.set(f"{q.unanswered:,}", f"no first reply yet · {q.open:,} open")
        self._set_agents(a)
        self._mark()

    def _set_agents(self, a: AgentSummary) -> None:
        slots = f"{a.free_slots} free slot{'s' if a.free_slots != 1 else ''}"
        self.agents.set(f"{a.online}", f"{slots} · {a.full} full · {a.away} away")
        util = a.utilisation
        self.load.set(
            f"{a.load}/{a.capacity}" if a.capacity else "—",
            "no capacity online" if util is None else f"{util:.0%} of capacity in use",
        )

    def set_pending(self, detail: str, agents: AgentSummary) -> None:
        """No figures yet (the rows they count are still arriving): every tile that counts them says so,
        none says 0; the agents' tiles, read from the agents alone, show as the team board does."""
        self._soon_n = self._breached_n = 0
        self.longest_id = None
        for tile in self._tiles:
            tile.set("…", detail)
        self._set_agents(agents)
        self._mark()

    def _mark(self) -> None:
        # The state's colour down the edge and its shape by the caption, only while there is something.
        marked = ((self.soon, "urgent", self._soon_n), (self.breached, "breached", self._breached_n))
        for tile, state, n in marked:
            colours = self._theme.state(state)
            tile.mark = colours.icon_fill if colours is not None and n else None
            tile.icon = sla_icon(state, self._theme) if n else None
            room = tile.caption.fontMetrics().height() + 4 if tile.icon is not None else 0
            tile.caption.setContentsMargins(0, 0, room, 0)  # the caption stops short of the icon
            tile.update()
