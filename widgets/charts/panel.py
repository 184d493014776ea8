"""The charts window: one tab per chart, an export button, live updates from LiveFeed.

matplotlib is imported the first time the panel is shown (widgets.charts.charts), never at start-up. Only the
chart on screen is redrawn when figures arrive; the others are marked stale and catch up when their tab
is opened.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.live.chart_data import BoardFigures
from widgets.theme.theme import Theme

if TYPE_CHECKING:
    from widgets.charts.canvas import Chart

log = logging.getLogger("concierge.ui.charts")
TAB_NAMES = ("Teams by SLA state", "Backlog", "Per hour by channel", "Agent load", "First response")


class ChartPanel(QWidget):
    def __init__(self, theme: Theme, *, tz: str = "UTC", parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Concierge: team workload charts")
        self.theme, self.tz = theme, tz
        self.charts: list[Chart] = []
        self.latest: BoardFigures | None = None
        self._stale: set[int] = set()
        self._restyle: set[int] = set()  # charts still in the previous theme
        self.tabs = QTabWidget()
        self.tabs.currentChanged.connect(self._on_tab)
        self.note = QLabel("Waiting for figures…")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.export_button = QPushButton("Export chart…")
        self.export_button.setToolTip("Save the chart on screen as a PNG image or an SVG drawing")
        self.export_button.clicked.connect(self.export_dialog)
        bottom = QHBoxLayout()
        bottom.addWidget(self.note, 1)
        bottom.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        self.resize(1100, 720)

    def showEvent(self, event: QShowEvent) -> None:
        self._ensure_charts()
        super().showEvent(event)

    def _ensure_charts(self) -> None:
        if self.charts:
            return
        from widgets.charts.charts import CHARTS  # matplotlib: paid on first show only

        for cls, name in zip(CHARTS, TAB_NAMES, strict=True):
            chart = cls(self.theme, self.tz)
            self.charts.append(chart)
            self.tabs.addTab(chart, name)
        if self.latest is not None:
            self.set_figures(self.latest)

    def set_figures(self, figures: BoardFigures) -> None:
        self.latest = figures
        if not self.charts:
            return
        self._stale = set(range(len(self.charts)))
        self._draw(self.tabs.currentIndex())
        self.note.setText(
            f"{figures.open:,} open · {figures.waiting:,} waiting · more detail under the mouse"
        )

    def set_theme(self, theme: Theme) -> None:
        """After the console's theme or text size changed: every chart is drawn again in the new one
        (the one on screen at once, the others when their tab is opened)."""
        self.theme = theme
        for i, chart in enumerate(self.charts):
            if i == self.tabs.currentIndex():
                chart.set_theme(theme)
            else:
                self._restyle.add(i)

    def _draw(self, index: int) -> None:
        if index in self._restyle and 0 <= index < len(self.charts):
            self._restyle.discard(index)
            self.charts[index].set_theme(self.theme)
        if index in self._stale and self.latest is not None and 0 <= index < len(self.charts):
            self._stale.discard(index)
            self.charts[index].update_figures(self.latest)

    def _on_tab(self, index: int) -> None:
        self._draw(index)

    def current_chart(self) -> Chart | None:
        i = self.tabs.currentIndex()
        return self.charts[i] if 0 <= i < len(self.charts) else None

    # --- export -------------------------------------------------------------------------------------
    def export(self, path: Path, index: int | None = None) -> Path:
        """Save a chart (the one on screen by default) as PNG or SVG, by the file's suffix."""
        self._ensure_charts()
        i = self.tabs.currentIndex() if index is None else index
        self._draw(i)
        return self.charts[i].export(path)

    def export_dialog(self) -> None:
        chart = self.current_chart()
        if chart is None:
            return
        name, chosen = QFileDialog.getSaveFileName(
            self, "Export chart", f"{chart.key}.png", "PNG image (*.png);;SVG drawing (*.svg)"
        )
        if not name:
            return
        path = Path(name)
        if path.suffix.lower() not in (".png", ".svg"):
            path = path.with_suffix(".svg" if "svg" in chosen.lower() else ".png")
        try:
            self.export(path)
        except (OSError, ValueError) as e:
            self.note.setText(f"The chart could not be saved: {e}")
            return
        self.note.setText(f"Saved {path}")
