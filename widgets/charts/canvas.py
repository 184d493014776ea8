"""The chart canvas every workload chart is drawn on (matplotlib inside Qt), and the chart colours and
words. Imported only when a chart is first shown: matplotlib's Qt backend costs ~0.45 s, which the
console's start-up must not pay.

A chart builds its artists once and afterwards only moves them (bar widths, line data, value labels):
the data artists are blitted over a cached background (axes, ticks, labels), and the whole figure is
drawn only when its structure, an axis range or the theme changes, so a live chart does not flicker.

Values are written on the chart (totals at the end of every bar, counts inside segments wide enough to
hold them); the hover box adds the detail. Text is at least the application's body size (the text-size
setting included), and the chart area takes the theme's colours, again when the theme is switched
(set_theme). SLA colours come from resources/palette.py (Okabe-Ito based); stacks put breached first,
at the axis, on every chart.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("QtAgg")  # before pyplot could ever be imported; pyplot itself is never used

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backend_bases import MouseEvent
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.legend import Legend
from matplotlib.text import Annotation, Text
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QApplication

from console.live.chart_data import NO_CLOCK, BoardFigures
from console.sla.words import state_word
from widgets.theme.theme import Theme

# Okabe-Ito, the palette the SLA colours come from, for series that are not SLA states (channels).
SERIES = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
_UNBUILT = object()
# Patterns for the states that need action (a second cue beside colour); plain fills draw fastest.
STATE_HATCHES = {"on_track": "", "at_risk": "//", "urgent": "\\\\", "breached": "xx", "no_clock": ""}
# Stacking order: breached first, against the axis, so it is never lost in the middle of a bar and
# compares across teams at a glance; then what is closest to breaching; no clock running last.
STATE_ORDER = ("breached", "urgent", "at_risk", "on_track", NO_CLOCK)
DPI = 100  # logical dots per inch of every chart (matplotlib scales it by the screen's pixel ratio)


def state_label(state: str) -> str:
    """A stack's state in words: the SLA states, and the open enquiries with no clock running."""
    return state_word(None if state == NO_CLOCK else state)


def state_colour(theme: Theme, state: str) -> str:
    colours = theme.state(state)
    return theme.muted.name() if colours is None else colours.icon_fill.name()


class Chart(FigureCanvasQTAgg):
    title = ""
    key = ""

    def __init__(self, theme: Theme, tz: str = "UTC", nrows: int = 1) -> None:
        # Constrained layout keeps room for names, labels and legends at any window and text size. It
        # is run by hand, only when what it depends on changed (see draw): it costs as much as a draw.
        self.figure_ = Figure(figsize=(9, 5.5), dpi=DPI)
        self._layout = ConstrainedLayoutEngine()
        self._laid_out: object = None
        super().__init__(self.figure_)  # type: ignore[no-untyped-call]
        self.theme, self.tz = theme, ZoneInfo(tz)
        self.setAccessibleName(self.title)
        self.figure_.set_facecolor(theme.base.name())
        self.axes = [self.figure_.add_subplot(nrows, 1, i + 1) for i in range(nrows)]
        self._hover: list[tuple[Artist, Callable[[], str]]] = []
        self._structure: object = _UNBUILT
        self.latest: BoardFigures | None = None
        self.legend: Legend | None = None
        self.body = self.body_size()
        for ax in self.axes:
            self._style(ax)
        self.annot: Annotation = self._annotation(self.axes[0])
        self.animated: list[Artist] = []  # the data artists: redrawn over a cached background
        self._background: Any = None
        self.full_draws = 0  # full redraws (tests and the benchmark read it)
        self.mpl_connect("motion_notify_event", self._on_move)
        self.mpl_connect("draw_event", self._on_draw)

    def body_size(self) -> float:
        """The application's body text size (its text-size setting included), in the chart's points."""
        # The application's font, not this widget's: a new text size reaches widgets a moment later.
        return max(6.0, QFontInfo(QApplication.font()).pixelSize() * 72.0 / DPI)

    def set_theme(self, theme: Theme) -> None:
        """Switch colours (and text size, which follows the application's font): built again at once."""
        self.theme = theme
        self.body = self.body_size()
        self.figure_.set_facecolor(theme.base.name())
        self._structure = _UNBUILT
        self._background = None
        for legend in list(self.figure_.legends):
            legend.remove()
        for ax in self.axes:
            ax.clear()
            self._style(ax)
        if self.latest is not None:
            self.update_figures(self.latest, at_once=True)
        else:
            self.draw_idle()  # type: ignore[no-untyped-call]

    def _annotation(self, ax: Axes) -> Annotation:
        """The hover box: one per chart, moved to the axes under the mouse."""
        t = self.theme
        annot = ax.annotate(
            "",
            xy=(0, 0),
            xytext=(10, 10),
            textcoords="offset points",
            zorder=10,
            fontsize=self.body,
            bbox={"boxstyle": "round", "fc": t.tooltip_base.name(), "ec": t.muted.name()},
            color=t.tooltip_text.name(),
            annotation_clip=False,
        )
        annot.set_visible(False)
        annot.set_animated(True)
        annot.set_in_layout(False)
        return annot

    def _style(self, ax: Axes) -> None:
        t = self.theme
        ax.set_facecolor(t.base.name())
        for spine in ax.spines.values():
            spine.set_color(t.grid.name())
        ax.tick_params(colors=t.text.name(), labelsize=self.body)
        ax.title.set_color(t.text.name())
        ax.xaxis.label.set_color(t.text.name())
        ax.yaxis.label.set_color(t.text.name())
        ax.xaxis.label.set_fontsize(self.body)
        ax.yaxis.label.set_fontsize(self.body)
        ax.grid(True, axis="x", color=t.grid.name(), linewidth=0.6)
        ax.set_axisbelow(True)

    def _title(self, ax: Axes, text: str, *, big: bool = True) -> None:
        ax.set_title(
            text,
            loc="left",
            fontsize=self.body * (1.25 if big else 1.1),
            fontweight="bold" if big else "normal",
            color=self.theme.text.name(),
        )

    def legend_columns(self, labels: list[str]) -> int:
        """As many legend entries side by side as fit the chart's width at the current text size."""
        widest = max((len(label) for label in labels), default=1) * 0.62 * self.body * DPI / 72.0 + 48
        return max(1, min(len(labels), int(self.width() * 0.8 // widest)))

    def _legend(self, ax: Axes, *, below: bool = False, **kw: Any) -> Legend:
        """The chart's legend at body text size: in the axes, or `below` the chart (the layout keeps
        room for it, in as many rows as the width needs, so it never covers a bar)."""
        if below:
            handles, labels = ax.get_legend_handles_labels()
            legend = self.figure_.legend(
                handles,
                labels,
                loc="outside lower left",
                ncols=self.legend_columns(labels),
                fontsize=self.body,
                frameon=False,
            )
        else:
            legend = ax.legend(fontsize=self.body, frameon=False, **kw)
        for text in legend.get_texts():
            text.set_color(self.theme.text.name())
        self.legend = legend
        return legend

    def value_label(self, ax: Axes) -> Text:
        """A value written on the chart, moved and rewritten on every update (blitted with the bars).
        A faint box in the chart's background keeps it readable over any fill or hatching."""
        text = ax.text(
            0,
            0,
            "",
            fontsize=self.body,
            color=self.theme.text.name(),
            bbox={"boxstyle": "round,pad=0.15", "fc": self.theme.base.name(), "ec": "none", "alpha": 0.8},
            zorder=5,
        )
        text.set_in_layout(False)
        self.animated.append(text)
        return text

    def end_label(
        self, ax: Axes, label: Text, end: float, at: float, text: str, *, horizontal: bool = True
    ) -> None:
        """Write a bar's value just past its end (`end` along the bar, `at` across it), or just inside
        the end when the axis leaves no room for it. An empty text hides the label."""
        label.set_text(text)
        label.set_visible(bool(text))
        if not text:
            return
        lo, hi = ax.get_xlim() if horizontal else ax.get_ylim()
        per = self.px_per_unit(ax, horizontal)
        need = self.text_px(text) if horizontal else self.body * self.figure_.dpi / 72.0 * 1.6
        pad = 4.0 / per if per else 0.0
        outside = (hi - end) * per >= need + 4
        along = end + pad if outside else max(lo, end - pad)
        if horizontal:
            label.set_position((along, at))
            label.set_horizontalalignment("left" if outside else "right")
            label.set_verticalalignment("center")
        else:
            label.set_position((at, along))
            label.set_horizontalalignment("center")
            label.set_verticalalignment("bottom" if outside else "top")

    def px_per_unit(self, ax: Axes, horizontal: bool) -> float:
        """Screen pixels per data unit along an axis (as last laid out)."""
        lo, hi = ax.get_xlim() if horizontal else ax.get_ylim()
        size = ax.bbox.width if horizontal else ax.bbox.height
        return size / (hi - lo) if hi != lo else 0.0

    def text_px(self, text: str) -> float:
        """Roughly how wide a value label is, in screen pixels (digits and separators are ~0.6 em)."""
        return len(text) * 0.62 * self.body * self.figure_.dpi / 72.0 + 6

    # --- updating -------------------------------------------------------------------------------------
    def update_figures(self, f: BoardFigures, *, at_once: bool = False) -> bool:
        """Show new figures. Only the data artists are redrawn (blitted over the cached axes, ticks and
        labels) unless the structure or an axis range changed; then the whole figure is drawn, at
        once or at the next idle moment. True when it was a full redraw."""
        self.latest = f
        structure = self.structure(f)
        rebuilt = structure != self._structure
        if rebuilt:
            for legend in list(self.figure_.legends):
                legend.remove()
            for ax in self.axes:
                ax.clear()  # only when teams/channels/hours change, not on every update
                self._style(ax)
            self._hover = []
            self.animated = []
            self.build(f)
            for artist in self.animated:
                artist.set_animated(True)
            self.annot = self._annotation(self.axes[0])  # clear() took the old one
            self._structure = structure
        before = self._frame()
        self.refresh(f)
        if rebuilt or self._background is None or self._frame() != before:
            if at_once:
                self.draw()
            else:
                self.draw_idle()  # type: ignore[no-untyped-call]
            return True
        self._blit()
        return False

    def _frame(self) -> object:
        """What the cached background shows: axis ranges, titles, legend texts."""
        out: list[object] = []
        for ax in self.axes:
            legend = ax.get_legend()
            texts = tuple(t.get_text() for t in legend.get_texts()) if legend is not None else ()
            out.append((ax.get_xlim(), ax.get_ylim(), ax.get_title(loc="left"), texts))
        return tuple(out)

    def _layout_key(self) -> object:
        """What the layout depends on: the canvas size, the chart's structure and theme, the text size
        and how many digits the axes' ends have (tick labels that grow need room)."""
        digits = tuple((len(f"{ax.get_xlim()[1]:.0f}"), len(f"{ax.get_ylim()[1]:.0f}")) for ax in self.axes)
        return (self.width(), self.height(), self._structure, self.theme.name, self.body, digits)

    def draw(self) -> None:
        key = self._layout_key()
        # In a window too small for its text, constrained layout gives up (and warns); the chart is
        # still drawn, with the layout it had, and laid out again when the window grows.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="constrained_layout not applied")
            if key != self._laid_out:
                self._laid_out = key
                self._layout.execute(self.figure_)
            super().draw()  # type: ignore[no-untyped-call]

    def _on_draw(self, event: Any) -> None:
        if getattr(event, "canvas", self) is not self:
            return  # savefig drawing on its own canvas
        self.full_draws += 1
        self._background = self.copy_from_bbox(self.figure_.bbox)
        self._draw_animated()

    def _draw_animated(self) -> None:
        for artist in (*self.animated, self.annot):
            if artist.get_visible() and artist.axes is not None:
                artist.axes.draw_artist(artist)

    def _blit(self) -> None:
        if self._background is None:
            self.draw_idle()  # type: ignore[no-untyped-call]
            return
        self.restore_region(self._background)  # type: ignore[no-untyped-call]
        self._draw_animated()
        self.blit(self.figure_.bbox)  # type: ignore[no-untyped-call]

    def nice_limit(self, current: float, value: float) -> float:
        """An axis end a little past the largest value, with room for its label: kept while the data
        stays between 70% and 95% of it (most updates keep the axes and the cached background), else a
        round number 10-40% above the value (so ~950 gives 1,200, never 2,000)."""
        if value > 0 and current * 0.7 <= value <= current * 0.95:
            return current
        target = max(value, 1.0) * 1.1
        step = 10 ** math.floor(math.log10(target))
        for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
            if step * m >= target:
                return float(step * m)
        return float(step * 10)

    def structure(self, f: BoardFigures) -> object:
        return None

    def build(self, f: BoardFigures) -> None:
        raise NotImplementedError

    def refresh(self, f: BoardFigures) -> None:
        raise NotImplementedError

    # --- hover ----------------------------------------------------------------------------------------
    def hover_text(self, x: float, y: float) -> str | None:
        """The value under display point (x, y) in pixels from the bottom left (what a hover shows)."""
        event = MouseEvent("motion_notify_event", self, round(x), round(y))
        for artist, text in self._hover:
            if artist.get_visible() and artist.contains(event)[0]:
                return text()
        return None

    def _on_move(self, event: Any) -> None:
        text = self.hover_text(event.x, event.y) if event.inaxes is not None else None
        if text is None:
            if self.annot.get_visible():
                self.annot.set_visible(False)
                self._blit()
            return
        if event.inaxes is not self.annot.axes:
            if self.annot.axes is not None and self.annot in self.annot.axes.texts:
                self.annot.remove()
            self.annot = self._annotation(event.inaxes)
        self.annot.xy = (event.xdata, event.ydata)
        self.annot.set_text(text)
        self.annot.set_visible(True)
        self._blit()

    # --- export and inspection ------------------------------------------------------------------------
    def export(self, path: Path) -> Path:
        """Save as PNG or SVG (by the file's suffix)."""
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in ("png", "svg"):
            raise ValueError(f"Charts export as .png or .svg, not {path.suffix or 'no extension'!r}.")
        # Animated artists are left out of a normal draw (they are blitted): include them for the file.
        for artist in self.animated:
            artist.set_animated(False)
        try:
            self.figure_.savefig(path, format=fmt, facecolor=self.figure_.get_facecolor(), dpi=150)
        finally:
            for artist in self.animated:
                artist.set_animated(True)
            self.draw_idle()  # type: ignore[no-untyped-call]
        return path

    def texts(self) -> list[str]:
        """Every text the chart shows (titles, labels, ticks, legend, the hover box)."""
        self.figure_.canvas.draw()
        return [t.get_text() for t in self.figure_.findobj(Text) if isinstance(t, Text) and t.get_text()]

    def _hhmm(self, t: float) -> str:
        return datetime.fromtimestamp(t, self.tz).strftime("%H:%M")
