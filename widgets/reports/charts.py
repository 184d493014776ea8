"""The report viewer's charts: matplotlib on a Qt canvas, imported the first time a chart is shown (the
Qt backend adds ~0.45 s to start-up, so a report opens first and draws its charts when asked).

Okabe-Ito colours (as the PDF), every bar labelled with its value: colour never carries meaning alone.
The chart area takes the window's colours and text size, and is drawn again when the theme or the text
size changes (a palette or font change reaches this widget); legends and labels are at body size.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import QEvent
from PySide6.QtGui import QFontInfo, QPalette, QShowEvent
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from console.domain.labels import channel_label
from console.reports.pdf_draw import series_colour
from console.reports.tiles import NO_CLOCKS_DUE, NO_ENQUIRIES, NO_FIRST_RESPONSES
from console.reports.types import ShiftReport

DPI = 100  # the figure's logical dots per inch: text sizes are converted from the window's pixels


class ReportCharts(QWidget):
    """Three charts of one report. set_report() is cheap; drawing waits until the widget is shown."""

    def __init__(self, zone: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._zone = zone
        self._report: ShiftReport | None = None
        self._drawn: ShiftReport | None = None
        self._canvas: Any = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._placeholder = QLabel("Charts are drawn when this tab is shown.")
        self._layout.addWidget(self._placeholder)

    def set_report(self, report: ShiftReport | None) -> None:
        self._report = report
        if self.isVisible():
            self.draw()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.draw()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._drawn = None  # the theme or the text size changed: draw again in the new one
            if self.isVisible():
                self.draw()

    @property
    def drawn(self) -> bool:
        return self._drawn is not None and self._drawn is self._report

    def draw(self) -> None:
        if self._report is None or self._drawn is self._report:
            return
        if self._canvas is None:
            from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
            from matplotlib.figure import Figure

            figure = Figure(figsize=(7, 8), dpi=DPI, layout="constrained")
            self._canvas = FigureCanvasQTAgg(figure)  # type: ignore[no-untyped-call]
            self._canvas.setAccessibleName("Shift report charts")
            self._layout.removeWidget(self._placeholder)
            self._placeholder.hide()
            self._placeholder.deleteLater()
            self._layout.addWidget(self._canvas)
        fig = self._canvas.figure
        fig.clear()
        pal = self.palette()
        self._ink = pal.color(QPalette.ColorRole.Text).name()
        self._muted = pal.color(QPalette.ColorRole.PlaceholderText).name()
        self._grid = pal.color(QPalette.ColorRole.Mid).name()
        self._paper = pal.color(QPalette.ColorRole.Base).name()
        self._body = max(6.0, QFontInfo(QApplication.font()).pixelSize() * 72.0 / DPI)
        fig.set_facecolor(self._paper)
        volumes, fr, sla = fig.subplots(3, 1, height_ratios=(1.2, 1, 1))
        self._volumes(volumes, self._report)
        self._first_response(fr, self._report)
        self._attainment(sla, self._report)
        self._canvas.draw()  # now, not on an idle timer: the tab shows finished charts
        self._drawn = self._report

    def _style(self, ax: Any, title: str) -> None:
        ax.set_facecolor(self._paper)
        ax.set_title(title, loc="left", fontsize=self._body * 1.1, color=self._ink, fontweight="bold")
        ax.tick_params(labelsize=self._body, colors=self._ink)
        ax.yaxis.label.set_color(self._ink)
        ax.yaxis.label.set_fontsize(self._body)
        ax.yaxis.grid(True, color=self._grid, lw=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_color(self._grid)

    def _legend(self, ax: Any, **kw: Any) -> None:
        legend = ax.legend(fontsize=self._body, frameon=False, **kw)
        for text in legend.get_texts():
            text.set_color(self._ink)

    def _empty(self, ax: Any, text: str) -> None:
        ax.text(
            0.5,
            0.5,
            text,
            ha="center",
            va="center",
            color=self._muted,
            fontsize=self._body,
            transform=ax.transAxes,
        )
        ax.set_xticks([])
        ax.set_yticks([])

    def _volumes(self, ax: Any, r: ShiftReport) -> None:
        self._style(ax, f"Enquiries per hour, by channel ({r.summary.created:,} created)")
        channels = [c.key for c in r.volumes_by_channel]
        hours = r.volumes_by_hour
        if not channels or not hours:
            self._empty(ax, NO_ENQUIRIES)
            return
        xs = list(range(len(hours)))
        bottom = [0] * len(hours)
        for i, ch in enumerate(channels):
            heights = [h.by_channel[i].n for h in hours]
            ax.bar(
                xs, heights, bottom=bottom, width=0.85, color=series_colour(i), label=channel_label(ch)[:14]
            )
            bottom = [b + v for b, v in zip(bottom, heights, strict=True)]
        # Each hour's total over its stack.
        totals = ax.bar(xs, [0] * len(xs), bottom=bottom, width=0.85, color="none")
        ax.bar_label(
            totals, labels=[f"{b:,}" if b else "" for b in bottom], fontsize=self._body, color=self._ink
        )
        step = max(1, len(hours) // 12)
        labels = [datetime.fromtimestamp(h.hour_start, self._zone).strftime("%H:%M") for h in hours[::step]]
        ax.set_xticks(xs[::step], labels)
        ax.set_ylabel("enquiries per hour")
        ax.set_ylim(0, max(bottom) * 1.45 + 1)  # headroom: the legend sits above the tallest bar
        self._legend(ax, ncol=min(len(channels), 4), loc="upper left")

    def _first_response(self, ax: Any, r: ShiftReport) -> None:
        self._style(ax, "First response by channel: median and 90th percentile (minutes)")
        stats = [f for f in r.first_response if f.answered and f.median_s is not None]
        if not stats:
            self._empty(ax, NO_FIRST_RESPONSES)
            return
        xs = list(range(len(stats)))
        med = [(f.median_s or 0) / 60 for f in stats]
        p90 = [(f.p90_s or 0) / 60 for f in stats]
        b1 = ax.bar([x - 0.2 for x in xs], med, width=0.4, color=series_colour(0), label="median")
        b2 = ax.bar([x + 0.2 for x in xs], p90, width=0.4, color=series_colour(1), label="90th percentile")
        ax.bar_label(b1, fmt="%.0f", fontsize=self._body, color=self._ink)
        ax.bar_label(b2, fmt="%.0f", fontsize=self._body, color=self._ink)
        ax.set_xticks(xs, [channel_label(f.channel)[:14] for f in stats])
        ax.set_ylabel("minutes")
        ax.set_ylim(0, max(p90 + med) * 1.4 + 1)
        self._legend(ax, loc="upper left")

    def _attainment(self, ax: Any, r: ShiftReport) -> None:
        self._style(ax, "SLA attainment by team (% of clocks due that were met)")
        rows = [a for a in r.sla_by_team if a.due]
        if not rows:
            self._empty(ax, NO_CLOCKS_DUE)
            return
        xs = list(range(len(rows)))
        bars = ax.bar(xs, [(a.rate or 0) * 100 for a in rows], width=0.6, color=series_colour(3))
        ax.bar_label(
            bars,
            labels=[f"{(a.rate or 0) * 100:.0f}% of {a.due:,}" for a in rows],
            fontsize=self._body,
            color=self._ink,
        )
        ax.set_ylabel("% of clocks met")
        ax.set_ylim(0, 115)
        ax.set_xticks(xs, [a.label[:18] for a in rows])
