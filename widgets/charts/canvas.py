"""The chart canvas every workload chart is drawn on (matplotlib inside Qt), and the chart colours and
words. Imported only when a chart is first shown: matplotlib's Qt backend costs ~0.45 s, which the
console's start-up must not pay.

A chart builds its artists once and afterwards only moves them (bar widths, line data): the data artists
are blitted over a cached background (axes, ticks, labels), and the whole figure is drawn only when its
structure or an axis range changes, so a live chart does not flicker. Values show on hover: the artist
under the mouse fills a small annotation. SLA colours come from resources/palette.py (Okabe-Ito based).
"""

from __future__ import annotations

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
from matplotlib.text import Annotation, Text

from console.live.chart_data import NO_CLOCK, BoardFigures
from console.sla.words import state_word
from widgets.theme.theme import Theme

# Okabe-Ito, the palette the SLA colours come from, for series that are not SLA states (channels).
SERIES = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
_UNBUILT = object()
# Patterns for the states that need action (a second cue beside colour); plain fills draw fastest.
STATE_HATCHES = {"on_track": "", "at_risk": "//", "urgent": "\\\\", "breached": "xx", "no_clock": ""}


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
        self.figure_ = Figure(figsize=(9, 5.5), dpi=100)
        super().__init__(self.figure_)  # type: ignore[no-untyped-call]
        self.theme, self.tz = theme, ZoneInfo(tz)
        self.setAccessibleName(self.title)
        self.figure_.set_facecolor(theme.base.name())
        self.axes = [self.figure_.add_subplot(nrows, 1, i + 1) for i in range(nrows)]
        self._hover: list[tuple[Artist, Callable[[], str]]] = []
        self._structure: object = _UNBUILT
        self.figure_.subplots_adjust(left=0.24, right=0.97, top=0.9, bottom=0.1, hspace=0.45)
        for ax in self.axes:
            self._style(ax)
        self.annot: Annotation = self._annotation(self.axes[0])
        self.animated: list[Artist] = []  # the data artists: redrawn over a cached background
        self._background: Any = None
        self.full_draws = 0  # full redraws (tests and the benchmark read it)
        self.mpl_connect("motion_notify_event", self._on_move)
        self.mpl_connect("draw_event", self._on_draw)

    def _annotation(self, ax: Axes) -> Annotation:
        """The hover box: one per chart, moved to the axes under the mouse."""
        t = self.theme
        annot = ax.annotate(
            "",
            xy=(0, 0),
            xytext=(10, 10),
            textcoords="offset points",
            zorder=10,
            bbox={"boxstyle": "round", "fc": t.tooltip_base.name(), "ec": t.muted.name()},
            color=t.tooltip_text.name(),
            annotation_clip=False,
        )
        annot.set_visible(False)
        annot.set_animated(True)
        return annot

    def _style(self, ax: Axes) -> None:
        t = self.theme
        ax.set_facecolor(t.base.name())
        for spine in ax.spines.values():
            spine.set_color(t.grid.name())
        ax.tick_params(colors=t.text.name(), labelsize=9)
        ax.title.set_color(t.text.name())
        ax.xaxis.label.set_color(t.muted.name())
        ax.yaxis.label.set_color(t.muted.name())
        ax.grid(True, axis="x", color=t.grid.name(), linewidth=0.6)
        ax.set_axisbelow(True)

    def _legend(self, ax: Axes, **kw: Any) -> None:
        legend = ax.legend(fontsize=8, frameon=False, **kw)
        for text in legend.get_texts():
            text.set_color(self.theme.text.name())

    # --- updating -------------------------------------------------------------------------------------
    def update_figures(self, f: BoardFigures, *, at_once: bool = False) -> bool:
        """Show new figures. Only the data artists are redrawn (blitted over the cached axes, ticks and
        labels) unless the structure or an axis range changed; then the whole figure is drawn, at
        once or at the next idle moment. True when it was a full redraw."""
        structure = self.structure(f)
        rebuilt = structure != self._structure
        if rebuilt:
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
                self.draw()  # type: ignore[no-untyped-call]
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
        """An axis end that moves only when the data outgrows it or shrinks below half of it, so most
        updates keep the axes (and the cached background) as they are."""
        if 0 < value <= current and value > current / 2:
            return current
        target = max(value, 1.0) * 1.15
        step = 10 ** max(0, len(str(int(target))) - 1)
        for m in (1, 2, 2.5, 5, 10):
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
