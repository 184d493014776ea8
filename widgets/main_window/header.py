"""The live header: waiting per channel, longest wait, SLA attainment today, unanswered; agents online,
busy and away with load against capacity. The figures come from console.live.metrics; this only shows them."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from console.domain.labels import channel_name
from console.live.metrics import HeaderMetrics, format_wait
from console.sla import today


class _Tile(QFrame):
    """A caption over a big figure, with an optional small line under it."""

    def __init__(self, caption: str, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.caption = QLabel(caption)
        self.value = QLabel("—")
        self.detail = QLabel("")
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

    def paintEvent(self, event: QPaintEvent) -> None:
        # A card in the palette's own colours, so every theme (high contrast too) shows its edge.
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Mid), 1))
        painter.setBrush(self.palette().color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 5, 5)
        painter.end()
        super().paintEvent(event)

    def set(self, value: str, detail: str = "") -> None:
        self.value.setText(value)
        self.detail.setText(detail)
        self.setToolTip(f"{self.caption.text()}: {value}\n{detail}".strip())
        self.setAccessibleDescription(f"{value} {detail}".strip())


class LiveHeader(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.waiting = _Tile("Waiting for a reply", "tileWaiting")
        self.longest = _Tile("Longest wait", "tileLongest")
        self.attainment = _Tile(f"{today.CAPTION} ({today.WHICH})", "tileAttainment")
        self.attainment.setToolTip(today.DEFINITION)
        self.unanswered = _Tile("Unanswered", "tileUnanswered")
        self.agents = _Tile("Agents online", "tileAgents")
        self.load = _Tile("Load / capacity", "tileLoad")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 2)
        for tile in (self.waiting, self.longest, self.attainment, self.unanswered, self.agents, self.load):
            layout.addWidget(tile, 1)

    def set_metrics(self, m: HeaderMetrics, channel_names: dict[str, str] | None = None) -> None:
        names = channel_names or {}
        q, a, sla = m.queue, m.agents, m.attainment
        per_channel = " · ".join(
            f"{channel_name(c, names)} {n}" for c, n in list(q.waiting_by_channel.items())[:3]
        )
        self.waiting.set(f"{q.waiting:,}", per_channel or "nobody waiting")
        self.longest.set(format_wait(q.longest_wait_s) if q.longest_wait_id else "—", q.longest_wait_id or "")
        self.attainment.set(*today.words(sla, named=False))  # the caption names the clocks
        self.unanswered.set(f"{q.unanswered:,}", f"no first reply yet · {q.open:,} open")
        slots = f"{a.free_slots} free slot{'s' if a.free_slots != 1 else ''}"
        self.agents.set(f"{a.online}", f"{slots} · {a.full} full · {a.away} away")
        util = a.utilisation
        self.load.set(
            f"{a.load}/{a.capacity}" if a.capacity else "—",
            "no capacity online" if util is None else f"{util:.0%} of capacity in use",
        )
