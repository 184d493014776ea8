"""The five workload charts (teams by SLA state, backlog, per hour by channel, agent load, first-response
time), each a Chart (widgets.charts.canvas) that builds its artists once and then only moves them.
Every chart writes its values on it (the hover box adds detail) and labels both axes.
Imported only when a chart is first shown (matplotlib).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from matplotlib.container import BarContainer
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MultipleLocator

from console.domain.labels import channel_name
from console.live.chart_data import FRT_EDGES_MIN, KINDS, BoardFigures
from console.sla.words import duration
from widgets.charts.canvas import SERIES, STATE_HATCHES, STATE_ORDER, Chart, state_colour, state_label
from widgets.theme.theme import Theme

KIND_WORDS = {"arrivals": "Arrivals", "answers": "First answers", "resolutions": "Resolutions"}


class TeamStatesChart(Chart):
    title = "Open enquiries per team by SLA state"
    key = "team-states"

    def structure(self, f: BoardFigures) -> object:
        return tuple(t.name for t in f.teams)

    def build(self, f: BoardFigures) -> None:
        ax = self.axes[0]
        names = [t.name for t in f.teams]
        y = list(range(len(names)))
        self.bars: dict[str, BarContainer] = {}
        self.counts: dict[str, list[Text]] = {}
        for state in STATE_ORDER:  # breached first, against the axis
            bars = ax.barh(
                y,
                [0] * len(y),
                color=state_colour(self.theme, state),
                hatch=STATE_HATCHES[state],
                edgecolor=self.theme.base.name(),
                label=state_label(state),
            )
            self.bars[state] = bars
            self.animated += bars.patches
            for j, rect in enumerate(bars.patches):
                self._hover.append((rect, partial(self._text, j, state)))
        for state in STATE_ORDER:
            self.counts[state] = [self.value_label(ax) for _ in y]
        self.totals = [self.value_label(ax) for _ in y]
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_xlabel("open enquiries")
        self._legend(ax, below=True)  # in stacking order, breached first
        self._title(ax, self.title)

    def _text(self, j: int, state: str) -> str:
        team = self._teams[j]
        return f"{team.name} · {state_label(state)}: {team.states[state]:,} of {team.open:,}"

    def refresh(self, f: BoardFigures) -> None:
        self._teams = f.teams
        left = [0.0] * len(f.teams)
        for state in STATE_ORDER:
            for j, (rect, team) in enumerate(zip(self.bars[state].patches, f.teams, strict=True)):
                rect.set_x(left[j])
                rect.set_width(team.states[state])
                left[j] += team.states[state]
        ax = self.axes[0]
        ax.set_xlim(0, self.nice_limit(ax.get_xlim()[1], max([*left, 1.0])))
        per = self.px_per_unit(ax, horizontal=True)
        for state in STATE_ORDER:
            for j, (rect, label) in enumerate(zip(self.bars[state].patches, self.counts[state], strict=True)):
                n = f.teams[j].states[state]
                text = f"{n:,}" if n and rect.get_width() * per >= self.text_px(f"{n:,}") else ""
                label.set_text(text)
                label.set_visible(
                    bool(text) and text != f"{f.teams[j].open:,}"
                )  # a lone segment: the total says it
                label.set_position((rect.get_x() + rect.get_width() / 2, j))
                label.set_horizontalalignment("center")
                label.set_verticalalignment("center")
        for j, (label, team) in enumerate(zip(self.totals, f.teams, strict=True)):
            self.end_label(ax, label, left[j], j, f"{team.open:,}")


class BacklogChart(Chart):
    title = "Backlog over the shift"
    key = "backlog"

    def build(self, f: BoardFigures) -> None:
        ax = self.axes[0]
        (self.line,) = ax.plot(
            [],
            [],
            color=state_colour(self.theme, "on_track"),
            linewidth=2,
            marker="o",
            markersize=3,
            label="open enquiries",
        )
        self.animated.append(self.line)
        self.now_label = self.value_label(ax)
        self.peak_label = self.value_label(ax)
        self._title(ax, self.title)
        ax.set_ylabel("open enquiries")
        ax.set_xlabel("time of day")
        ax.grid(True, axis="y", color=self.theme.grid.name(), linewidth=0.6)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: self._hhmm(v)))
        self._hover.append((self.line, self._nearest))
        self.line.set_pickradius(8)

    def _nearest(self) -> str:
        return self._last_text

    def hover_text(self, x: float, y: float) -> str | None:
        ax = self.axes[0]
        pts = self._points
        if not pts:
            return None
        tx, _ = ax.transData.inverted().transform((x, y))
        t, n = min(pts, key=lambda p: abs(p[0] - tx))
        px, py = ax.transData.transform((t, n))
        if abs(px - x) > 30 or abs(py - y) > 30:
            return None
        return f"{self._hhmm(t)} · {n:,} open"

    def refresh(self, f: BoardFigures) -> None:
        self._points = f.backlog
        self._last_text = ""
        xs = [p[0] for p in f.backlog]
        ys = [p[1] for p in f.backlog]
        self.line.set_data(xs, ys)
        ax = self.axes[0]
        if xs:
            # The axis runs to the next whole hour: it moves once an hour, not on every update.
            end = (max(xs) // 3600 + 1) * 3600
            ax.set_xlim(min(xs) - 300, end + 300)
            span = end - min(xs)  # ticks on whole half-hours or hours, however long the shift
            ax.xaxis.set_major_locator(
                MultipleLocator(1800 if span <= 4 * 3600 else 3600 if span <= 10 * 3600 else 7200)
            )
            ax.set_ylim(0, self.nice_limit(ax.get_ylim()[1], max([*ys, 1])))
            # Written on the line: the figure now, and the peak of the shift when it was higher.
            self.end_label(ax, self.now_label, ys[-1], xs[-1], f"{ys[-1]:,} now", horizontal=False)
            # Left of the last point, on the side the line does not come from.
            falling = len(ys) > 1 and ys[-2] > ys[-1]
            gap = ax.get_ylim()[1] * 0.03
            self.now_label.set_position((xs[-1], ys[-1] - gap if falling else ys[-1] + gap))
            self.now_label.set_verticalalignment("top" if falling else "bottom")
            self.now_label.set_horizontalalignment("right")
            peak = max(range(len(ys)), key=lambda i: ys[i])
            higher = ys[peak] > ys[-1]
            text = f"peak {ys[peak]:,} at {self._hhmm(xs[peak])}" if higher else ""
            self.end_label(ax, self.peak_label, ys[peak], xs[peak], text, horizontal=False)
        else:
            self.now_label.set_visible(False)
            self.peak_label.set_visible(False)


class HourlyChart(Chart):
    title = "Per hour by channel"
    key = "hourly"

    def __init__(self, theme: Theme, tz: str = "UTC") -> None:
        super().__init__(theme, tz, nrows=3)

    def structure(self, f: BoardFigures) -> object:
        return (f.hourly.hours, f.hourly.channels)

    def build(self, f: BoardFigures) -> None:
        h = f.hourly
        x = list(range(len(h.hours)))
        self.bars: dict[tuple[str, str], BarContainer] = {}
        self.totals: dict[str, list[Text]] = {}
        for ax, kind in zip(self.axes, KINDS, strict=True):
            for i, ch in enumerate(h.channels):
                # Colour and legend order tell channels apart (no hatching: 100+ hatched bars draw slowly).
                bars = ax.bar(
                    x,
                    [0] * len(x),
                    color=SERIES[i % len(SERIES)],
                    linewidth=0,
                    label=channel_name(ch, f.channel_names),
                    width=0.8,
                )
                self.bars[kind, ch] = bars
                self.animated += bars.patches
                for j, rect in enumerate(bars.patches):
                    self._hover.append((rect, partial(self._text, kind, ch, j)))
            self.totals[kind] = [self.value_label(ax) for _ in x]
            self._title(ax, KIND_WORDS[kind], big=False)
            ax.set_ylabel("per hour")
            # Hour labels on the bottom chart only: a third of the text to lay out on every redraw.
            last = kind == KINDS[-1]
            ax.set_xticks(x, [self._hhmm(t) for t in h.hours] if last else [])
            if last:
                ax.set_xlabel("hour starting")
            ax.grid(True, axis="y", color=self.theme.grid.name(), linewidth=0.6)
            ax.grid(False, axis="x")
        if h.channels:
            self._legend(self.axes[0], below=True)

    def _text(self, kind: str, channel: str, j: int) -> str:
        h = self._hourly
        n = h.counts[kind][channel][j]
        name = channel_name(channel, self._names)
        return f"{self._hhmm(h.hours[j])} · {name} · {KIND_WORDS[kind].lower()}: {n:,}"

    def refresh(self, f: BoardFigures) -> None:
        h = self._hourly = f.hourly
        self._names = f.channel_names
        for ax, kind in zip(self.axes, KINDS, strict=True):
            bottom = [0] * len(h.hours)
            for ch in h.channels:
                values = h.counts[kind][ch]
                for j, rect in enumerate(self.bars[kind, ch].patches):
                    rect.set_y(bottom[j])
                    rect.set_height(values[j])
                    bottom[j] += values[j]
            ax.set_ylim(0, self.nice_limit(ax.get_ylim()[1], max([*bottom, 1]) * 1.12))  # room for totals
            ax.set_xlim(-0.6, len(h.hours) - 0.4)
            # The hour's total over its stack, where the bar is wide enough to hold it.
            wide = self.px_per_unit(ax, horizontal=True) * 0.8
            for j, label in enumerate(self.totals[kind]):
                text = f"{bottom[j]:,}" if bottom[j] and self.text_px(f"{bottom[j]:,}") <= wide else ""
                self.end_label(ax, label, bottom[j], j, text, horizontal=False)


class LoadChart(Chart):
    title = "Agent load against capacity, per team"
    key = "load"

    def structure(self, f: BoardFigures) -> object:
        return tuple(t.name for t in f.teams)

    def build(self, f: BoardFigures) -> None:
        ax = self.axes[0]
        y = list(range(len(f.teams)))
        self.cap = ax.barh(
            y,
            [0] * len(y),
            color=self.theme.alt_base.name(),
            edgecolor=self.theme.muted.name(),
            label="capacity (agents on shift)",
            height=0.7,
        )
        self.load = ax.barh(
            y, [0] * len(y), color=state_colour(self.theme, "on_track"), label="load", height=0.4
        )
        self.animated += [*self.cap.patches, *self.load.patches]
        for j, rect in enumerate(self.load.patches):
            self._hover.append((rect, partial(self._text, j)))
        for j, rect in enumerate(self.cap.patches):
            self._hover.append((rect, partial(self._text, j)))
        self.values = [self.value_label(ax) for _ in y]
        ax.set_yticks(y, [t.name for t in f.teams])
        ax.invert_yaxis()
        ax.set_xlabel("enquiries held / slots")
        self._legend(ax, below=True)
        self._title(ax, self.title)

    def _text(self, j: int) -> str:
        t = self._teams[j]
        pct = f" ({t.load / t.capacity:.0%})" if t.capacity else ""
        return f"{t.name}: load {t.load} of {t.capacity}{pct} · {t.on_shift} agents on shift"

    def refresh(self, f: BoardFigures) -> None:
        self._teams = f.teams
        over = state_colour(self.theme, "breached")
        ok = state_colour(self.theme, "on_track")
        for rect, cap, team in zip(self.load.patches, self.cap.patches, f.teams, strict=True):
            rect.set_width(team.load)
            rect.set_color(over if team.capacity and team.load > team.capacity else ok)
            cap.set_width(team.capacity)
        top = max([1, *(max(t.load, t.capacity) for t in f.teams)])
        ax = self.axes[0]
        ax.set_xlim(0, self.nice_limit(ax.get_xlim()[1], top))
        for j, (label, t) in enumerate(zip(self.values, f.teams, strict=True)):
            text = f"{t.load}/{t.capacity} · {t.load / t.capacity:.0%}" if t.capacity else ""
            self.end_label(ax, label, max(t.load, t.capacity), j, text or f"nobody on shift · {t.load} held")


def _bin_label(i: int, edges: Sequence[float]) -> str:
    """ "15-30 min", "1 h-2 h", "7 h+": time written the one way (console.sla.words.duration)."""
    if i == len(edges) - 1:
        return f"{duration(edges[i] * 60)}+"
    lo, hi = edges[i], edges[i + 1]
    if hi < 60:
        return f"{lo:g}-{duration(hi * 60)}"
    return f"{duration(lo * 60)}-{duration(hi * 60)}"


class FrtChart(Chart):
    title = "First-response time today against the target"
    key = "first-response"

    def structure(self, f: BoardFigures) -> object:
        return f.frt.edges_min

    def build(self, f: BoardFigures) -> None:
        ax = self.axes[0]
        edges = f.frt.edges_min
        x = list(range(len(edges)))
        self.bars = ax.bar(x, [0] * len(x), color=state_colour(self.theme, "on_track"), width=0.8)
        for j, rect in enumerate(self.bars.patches):
            self._hover.append((rect, partial(self._text, j)))
        self.counts = [self.value_label(ax) for _ in x]
        ax.set_xticks(x, [_bin_label(i, edges) for i in x])
        ax.set_xlabel("time from the customer's first message to the first answer")
        ax.set_ylabel("enquiries")
        ax.grid(True, axis="y", color=self.theme.grid.name(), linewidth=0.6)
        ax.grid(False, axis="x")
        self.target = ax.axvline(
            0, color=state_colour(self.theme, "breached"), linestyle="--", linewidth=2, label="target"
        )
        self._legend(ax, loc="upper right")
        self._title(ax, self.title)
        # The share changes with every answer: a data text, redrawn with the bars.
        self.share = ax.text(
            0.01, 0.97, "", transform=ax.transAxes, va="top", fontsize=self.body, color=self.theme.text.name()
        )
        self.share.set_in_layout(False)
        self.animated += [*self.bars.patches, self.target, self.share]

    def _text(self, j: int) -> str:
        edges = self._frt.edges_min
        return f"{_bin_label(j, edges)}: {self._frt.counts[j]:,} enquiries"

    def refresh(self, f: BoardFigures) -> None:
        frt = self._frt = f.frt
        past = state_colour(self.theme, "urgent")
        ok = state_colour(self.theme, "on_track")
        target = frt.target_min
        for j, rect in enumerate(self.bars.patches):
            rect.set_height(frt.counts[j])
            late = target is not None and frt.edges_min[j] >= target
            rect.set_facecolor(past if late else ok)
            rect.set_edgecolor(self.theme.base.name())
            rect.set_hatch("//" if late else "")  # past the target: a pattern as well as a colour
        ax = self.axes[0]
        # Headroom for the share written in the top left corner.
        ax.set_ylim(0, self.nice_limit(ax.get_ylim()[1], max([*frt.counts, 1]) * 1.15))
        for j, label in enumerate(self.counts):
            n = frt.counts[j]
            self.end_label(ax, label, n, j, f"{n:,}" if n else "", horizontal=False)
        if target is not None:
            pos = _position(target, FRT_EDGES_MIN)
            self.target.set_xdata([pos, pos])
            self.target.set_visible(True)
            self.target.set_label(f"target {duration(target * 60)}")
        else:
            self.target.set_visible(False)
        share = (
            f"{frt.met / frt.answered:.0%} answered within their own target" if frt.answered else "none yet"
        )
        self.share.set_text(f"{frt.answered:,} answered today, {share}")
        legend = ax.get_legend()
        if legend is not None and target is not None:  # relabel, never rebuild, the legend
            legend.get_texts()[0].set_text(f"target {duration(target * 60)}")


def _position(minutes: float, edges: Sequence[float]) -> float:
    """Where a time falls on the categorical bin axis (bars centred on 0..n-1)."""
    for i in range(len(edges) - 1):
        lo, hi = edges[i], edges[i + 1]
        if lo <= minutes < hi:
            return i - 0.5 + (minutes - lo) / (hi - lo)
    return len(edges) - 1.5


CHARTS: tuple[type[Chart], ...] = (TeamStatesChart, BacklogChart, HourlyChart, LoadChart, FrtChart)
