"""Shift report -> an A4 PDF: a summary page, charts, and tables, drawn with matplotlib alone.

matplotlib is imported inside to_pdf (it costs ~0.5 s) and only its object API is used (Figure +
PdfPages, no pyplot), so a report can be exported from a worker thread without touching global state.
Colours are the Okabe-Ito palette (colour-blind safe) and every chart also labels its numbers, so no
figure relies on colour alone. Long tables stop after a few pages and say how many rows the CSV holds.
"""

from __future__ import annotations

import logging
import os
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo
from itertools import pairwise
from pathlib import Path
from typing import Any

from console.report_csv import check_target, zone_for
from console.report_types import ShiftReport

A4 = (8.27, 11.69)  # inches, portrait
MARGIN = 0.6
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
SERIES = ("blue", "orange", "sky_blue", "bluish_green", "reddish_purple", "vermillion", "yellow", "black")
INK = "#222222"
MUTED = "#666666"
RULE = "#BBBBBB"
STRIPE = "#F2F2F2"
FONT = 7.5
ROW_IN = 0.19  # table row height, inches
MAX_TABLE_PAGES = 3
JD_POWER_S = 7 * 3600.0
PER_PAGE = int((A4[1] - 1.45 - 0.9 - 0.5) / ROW_IN)  # table rows on a page of its own

Page = Callable[[Any, int, int], None]  # (figure, page number, page count)


def series_colour(i: int) -> str:
    return OKABE_ITO[SERIES[i % len(SERIES)]]


_ZONE: ContextVar[tzinfo] = ContextVar("report_pdf_zone", default=UTC)


def _when(ts: float, fmt: str = "%a %d %b %Y %H:%M %Z") -> str:
    """A time in the zone the PDF is being written for; %Z gives its abbreviation (UTC, GMT, BST)."""
    return datetime.fromtimestamp(ts, _ZONE.get()).strftime(fmt)


def duration(seconds: float | None) -> str:
    """Short human duration: 42s, 12m, 3h 05m, 2d 4h."""
    if seconds is None:
        return "n/a"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s" if s < 600 else f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"


def percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{100 * rate:.1f}%"


# Characters the core PDF fonts lack, spelled the nearest way they have (Polish, Czech, Turkish names).
_NEAREST = str.maketrans(
    {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "\u0131": "i", "≥": ">=", "≤": "<=", "→": "->"}
)


def _drawable(ch: str) -> str:
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        try:
            base.encode("cp1252")
        except UnicodeEncodeError:
            return "?"
        return base or "?"
    return ch


def safe(text: str, limit: int | None = None) -> str:
    """Text the PDF's fonts can draw. The report uses the PDF core fonts (Helvetica: nothing to embed,
    several times faster to write than an embedded TrueType font), which cover Windows-1252: other
    characters become their unaccented letter (Ł -> L, ň -> n) or '?' (emoji). Newlines become spaces;
    long text is cut with an ellipsis. The CSV export keeps every character."""
    flat = " ".join(text.split()).translate(_NEAREST)
    if not flat.isascii():
        flat = "".join(_drawable(ch) for ch in flat)
    if limit is not None and len(flat) > limit:
        flat = flat[: max(1, limit - 1)] + "…"
    return flat


class _QuietFontLookup(logging.Filter):
    """matplotlib logs that the core Helvetica has no 'normal' weight (it calls it medium) and uses it:
    expected, so not worth a warning in the console's log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Failed to find font weight" not in record.getMessage()


def to_pdf(report: ShiftReport, path: str | os.PathLike[str], *, tz: str = "UTC") -> Path:
    """Write the report as an A4 PDF; returns the path. Times are shown in `tz` (an IANA zone such as
    Europe/London) with its abbreviation. Written to a temporary file, then moved into place."""
    target = check_target(path)
    zone_token = _ZONE.set(zone_for(tz))
    quiet = _QuietFontLookup()
    font_log = logging.getLogger("matplotlib.font_manager")
    font_log.addFilter(quiet)
    try:
        _write_pdf(report, target)
    finally:
        font_log.removeFilter(quiet)
        _ZONE.reset(zone_token)
    return target


def _write_pdf(report: ShiftReport, target: Path) -> None:
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    pages: list[Page] = [_title_page(report), _charts_page(report), _detail_page(report)]
    pages += _table_pages(report)
    meta = {
        "Title": safe(f"Shift report: {report.shift_name or report.shift_id}"),
        "Author": "Concierge",
        "Subject": safe(f"{_when(report.start)} to {_when(report.end)}"),
    }
    # rcParams are global: restored on exit. Charts drawn by another thread meanwhile (the report
    # viewer) could pick up Helvetica; nothing worse.
    core_fonts = matplotlib.rc_context(
        {
            "pdf.use14corefonts": True,
            "font.family": "sans-serif",
            "font.sans-serif": ["Helvetica"],
            "axes.unicode_minus": False,
        }
    )
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".pdf.part", dir=target.parent)
    os.close(fd)
    try:
        with core_fonts, PdfPages(tmp, metadata=meta) as pdf:
            for n, draw in enumerate(pages, 1):
                fig = Figure(figsize=A4)
                draw(fig, n, len(pages))
                pdf.savefig(fig)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- page furniture -----------------------------------------------------------------------------------


def _fx(inches: float) -> float:
    return inches / A4[0]


def _fy(inches_from_top: float) -> float:
    return 1.0 - inches_from_top / A4[1]


def _text(fig: Any, x_in: float, y_in: float, s: str, **kw: Any) -> None:
    kw.setdefault("fontsize", FONT)
    kw.setdefault("color", INK)
    kw.setdefault("va", "baseline")
    fig.text(_fx(x_in), _fy(y_in), s, parse_math=False, **kw)


def _frame(fig: Any, report: ShiftReport, title: str, n: int, total: int) -> None:
    _text(fig, MARGIN, 0.75, title, fontsize=15, weight="bold")
    sub = f"{report.shift_name or report.shift_id} · {report.site}" if report.site else report.shift_name
    _text(fig, MARGIN, 0.98, safe(sub or report.shift_id), fontsize=8.5, color=MUTED)
    fig.add_artist(_rule(fig, 1.08))
    foot = (
        f"Concierge shift report · {safe(report.shift_id)} · {_when(report.start)} to "
        f"{_when(report.end, '%d %b %H:%M %Z')} · customer data masked"
    )
    _text(fig, MARGIN, A4[1] - 0.4, foot, fontsize=6.5, color=MUTED)
    _text(fig, A4[0] - MARGIN, A4[1] - 0.4, f"page {n} of {total}", fontsize=6.5, color=MUTED, ha="right")


def _rule(fig: Any, y_in: float) -> Any:
    from matplotlib.lines import Line2D

    return Line2D(
        [_fx(MARGIN), _fx(A4[0] - MARGIN)], [_fy(y_in)] * 2, color=RULE, lw=0.6, transform=fig.transFigure
    )


def _axes(fig: Any, top_in: float, height_in: float, left_in: float = MARGIN + 0.55) -> Any:
    width = A4[0] - MARGIN - left_in
    ax = fig.add_axes((_fx(left_in), _fy(top_in + height_in), _fx(width), height_in / A4[1]))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(MUTED)
    ax.tick_params(labelsize=FONT, colors=INK)
    return ax


# -- page 1: summary ----------------------------------------------------------------------------------


def _title_page(report: ShiftReport) -> Page:
    s, h = report.summary, report.handoffs

    def draw(fig: Any, n: int, total: int) -> None:
        _frame(fig, report, "Shift report", n, total)
        _text(fig, MARGIN, 1.45, f"{_when(report.start)} to {_when(report.end)}", fontsize=10)
        cut = "" if report.cutoff >= report.end else f" · figures up to {_when(report.cutoff, '%H:%M %Z')}"
        teams = ", ".join(report.team_names) or "all teams"
        _text(
            fig,
            MARGIN,
            1.68,
            safe(f"Teams: {teams} · generated {_when(report.generated_at)}{cut}"),
            fontsize=8,
            color=MUTED,
        )
        answered = f"{s.answered:,} answered" if s.created else "no enquiries"
        tiles = [
            ("Enquiries", f"{s.created:,}", answered),
            ("First response, median", duration(s.median_fr_s), f"90th percentile {duration(s.p90_fr_s)}"),
            ("SLA attainment", percent(s.sla_rate), f"{s.sla_met:,} of {s.sla_due:,} clocks due met"),
            ("SLA breaches", f"{s.breaches:,}", "clocks due in the shift, not met"),
            ("Unanswered at end", f"{s.unanswered_at_end:,}", f"{s.carried_over:,} open, carried over"),
            ("Hand-offs", f"{h.requested:,}", f"median acceptance {duration(h.median_accept_s)}"),
            ("Reassignments", f"{s.reassignments:,}", f"{len(report.reassignments_by_actor)} supervisors"),
            ("Ping-pong", f"{s.ping_pong:,}", "enquiries moved more than twice"),
        ]
        _tiles(fig, tiles, top_in=2.0)
        y = _outcomes(fig, report, top_in=5.15)
        _notes(fig, report, top_in=y + 0.55)

    return draw


def _tiles(fig: Any, tiles: Sequence[tuple[str, str, str]], top_in: float) -> None:
    from matplotlib.patches import FancyBboxPatch

    cols, gap = 4, 0.15
    w = (A4[0] - 2 * MARGIN - gap * (cols - 1)) / cols
    hgt = 1.35
    for i, (label, value, sub) in enumerate(tiles):
        x = MARGIN + (i % cols) * (w + gap)
        y = top_in + (i // cols) * (hgt + gap)
        fig.add_artist(
            FancyBboxPatch(
                (_fx(x), _fy(y + hgt)),
                _fx(w),
                hgt / A4[1],
                boxstyle="round,pad=0,rounding_size=0.01",
                fc="#F7F7F7",
                ec=RULE,
                lw=0.6,
                transform=fig.transFigure,
            )
        )
        _text(fig, x + 0.12, y + 0.3, label, fontsize=7.5, color=MUTED)
        _text(fig, x + 0.12, y + 0.82, value, fontsize=18, weight="bold")
        _text(fig, x + 0.12, y + 1.12, safe(sub, 34), fontsize=6.5, color=MUTED)


def _outcomes(fig: Any, report: ShiftReport, top_in: float) -> float:
    _text(
        fig,
        MARGIN,
        top_in,
        "Customer outcomes (J.D. Power drivers of satisfaction)",
        fontsize=10,
        weight="bold",
    )
    labels = {
        "same_channel": "Replied in the same channel",
        "offered_more_help": "Offered help with another problem",
        "thanked": "Thanked the customer",
        "offered_products": "Offered other products",
        "resolved": "Resolved the issue",
    }
    rows = [
        [safe(labels.get(o.flag, o.flag.replace("_", " "))), percent(o.rate), f"{o.yes:,}", f"{o.known:,}"]
        for o in report.outcomes
    ]
    cols = [
        ("Outcome", 3.2, "left"),
        ("Rate", 1.0, "right"),
        ("Yes", 1.0, "right"),
        ("Known (n)", 1.2, "right"),
    ]
    y: float = _draw_table(fig, top_in + 0.2, cols, rows) + 0.2
    note = "Rate over enquiries created in the shift where the outcome is recorded; n/a where none is."
    _text(fig, MARGIN, y, note, fontsize=6.5, color=MUTED)
    return y


def _notes(fig: Any, report: ShiftReport, top_in: float) -> None:
    import textwrap

    _text(fig, MARGIN, top_in, "How the figures are defined", fontsize=10, weight="bold")
    y = top_in + 0.25
    zone = _ZONE.get()
    when = "UTC" if zone is UTC else f"{zone} time ({_when(report.start, '%Z')} at the shift's start)"
    for note in (f"Times are {when}.", *report.notes):
        for i, line in enumerate(textwrap.wrap(safe(note), 138)):
            _text(fig, MARGIN + (0.12 if i else 0), y, ("" if i else "• ") + line, fontsize=6.5, color=INK)
            y += 0.14
        y += 0.04


# -- page 2: charts -----------------------------------------------------------------------------------


def _charts_page(report: ShiftReport) -> Page:
    def draw(fig: Any, n: int, total: int) -> None:
        _frame(fig, report, "Volumes, first response and SLA", n, total)
        _volumes_chart(fig, report, top_in=1.35)
        _fr_chart(fig, report, top_in=4.75)
        _sla_chart(fig, report, top_in=8.45)

    return draw


def _chart_title(fig: Any, top_in: float, title: str, *subs: str) -> None:
    _text(fig, MARGIN, top_in, title, fontsize=10, weight="bold")
    for i, sub in enumerate(subs):
        _text(fig, MARGIN, top_in + 0.18 + 0.14 * i, safe(sub), fontsize=7, color=MUTED)


def _no_data(ax: Any, text: str) -> None:
    ax.text(
        0.5,
        0.5,
        text,
        ha="center",
        va="center",
        fontsize=9,
        color=MUTED,
        transform=ax.transAxes,
        parse_math=False,
    )
    ax.set_xticks([])
    ax.set_yticks([])


def _volumes_chart(fig: Any, report: ShiftReport, top_in: float) -> None:
    channels = [c.key for c in report.volumes_by_channel]
    _chart_title(
        fig,
        top_in,
        "Enquiries per hour, by channel",
        f"{report.summary.created:,} created in the shift, by hour ({_when(report.start, '%Z')})",
    )
    ax = _axes(fig, top_in + 0.55, 2.35)
    hours = report.volumes_by_hour
    if not channels:
        _no_data(ax, "No enquiries were created in this shift")
        return
    xs = list(range(len(hours)))
    bottom = [0] * len(hours)
    for i, ch in enumerate(channels):
        heights = [h.by_channel[i].n for h in hours]
        ax.bar(
            xs,
            heights,
            bottom=bottom,
            width=0.85,
            color=series_colour(i),
            edgecolor="white",
            lw=0.3,
            label=safe(ch, 14),
        )
        bottom = [b + v for b, v in zip(bottom, heights, strict=True)]
    step = max(1, len(hours) // 12)
    ax.set_xticks(xs[::step], [_when(h.hour_start, "%H:%M") for h in hours[::step]])
    ax.set_ylabel("enquiries", fontsize=FONT)
    ax.set_xlim(-0.6, len(hours) - 0.4)
    ax.yaxis.grid(True, color="#E5E5E5", lw=0.5)
    ax.set_axisbelow(True)
    ax.legend(
        fontsize=6.5,
        frameon=False,
        ncol=min(len(channels), 7),
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        handlelength=1.0,
        columnspacing=1.0,
    )


def _bin_labels(edges: Sequence[float]) -> list[str]:
    def short(s: float) -> str:
        return f"{round(s / 60)}m" if s < 3600 else f"{round(s / 3600)}h"

    labels = [f"<{short(edges[1])}"]
    labels += [f"{short(lo)}\u2013{short(hi)}" for lo, hi in pairwise(edges[1:])]
    return [*labels, f"{short(edges[-1])}+"]


def _bin_position(edges: Sequence[float], seconds: float) -> float:
    """Where `seconds` falls on a categorical axis of bins (bar i spans i-0.5..i+0.5)."""
    for i in range(len(edges) - 1):
        if seconds < edges[i + 1]:
            return i - 0.5 + (seconds - edges[i]) / (edges[i + 1] - edges[i])
    return len(edges) - 1.0


def _fr_chart(fig: Any, report: ShiftReport, top_in: float) -> None:
    s = report.summary
    stats = [f for f in report.first_response if f.answered]
    answered = sum(f.answered for f in stats)
    within = sum(f.within_target for f in stats)
    _chart_title(
        fig,
        top_in,
        "First-response time against target",
        "wall-clock time from the customer's first message to the first reply, all channels",
        f"{answered:,} answered · median {duration(s.median_fr_s)} · 90th percentile {duration(s.p90_fr_s)}"
        f" · {percent(within / answered if answered else None)} within their SLA target",
    )
    ax = _axes(fig, top_in + 0.65, 2.4)
    if not stats:
        _no_data(ax, "No first responses in this shift")
        return
    edges = report.fr_bin_edges_s
    xs = list(range(len(edges)))
    bottom = [0] * len(edges)
    order = [c.key for c in report.volumes_by_channel]
    for f in stats:
        i = order.index(f.channel) if f.channel in order else len(order)
        ax.bar(
            xs,
            f.histogram,
            bottom=bottom,
            width=0.85,
            color=series_colour(i),
            edgecolor="white",
            lw=0.3,
            label=safe(f.channel, 14),
        )
        bottom = [b + v for b, v in zip(bottom, f.histogram, strict=True)]
    ax.set_xticks(xs, _bin_labels(edges))
    ax.set_ylabel("enquiries", fontsize=FONT)
    ax.set_xlabel("first-response time", fontsize=FONT)
    ax.yaxis.grid(True, color="#E5E5E5", lw=0.5)
    ax.set_axisbelow(True)
    top = max(bottom) or 1
    ax.set_ylim(0, top * 1.22)
    targets = sorted({f.target_s for f in stats if f.target_s is not None})
    for t in targets[:3]:
        x = _bin_position(edges, t)
        ax.axvline(x, color=OKABE_ITO["vermillion"], ls="--", lw=1.1)
        ax.text(
            x + 0.06,
            top * 1.17,
            f"target {duration(t)}",
            color=OKABE_ITO["vermillion"],
            fontsize=6.5,
            va="top",
            parse_math=False,
        )
    x7 = _bin_position(edges, JD_POWER_S)
    ax.axvline(x7, color=OKABE_ITO["black"], ls=":", lw=1.1)
    ax.text(x7 + 0.06, top * 1.05, "7h (J.D. Power)", fontsize=6.5, va="top", parse_math=False)
    ax.legend(fontsize=6.5, frameon=False, loc="upper right", handlelength=1.0)


def _sla_chart(fig: Any, report: ShiftReport, top_in: float) -> None:
    teams = [a for a in report.sla_by_team if a.due][:10]
    _chart_title(
        fig,
        top_in,
        "SLA attainment per team",
        "share of SLA clocks due in the shift that were met (all clock kinds)",
    )
    height = 0.3 + 0.27 * max(len(teams), 3)
    ax = _axes(fig, top_in + 0.45, min(height, 2.5), left_in=MARGIN + 1.5)
    if not teams:
        _no_data(ax, "No SLA clocks fell due in this shift")
        return
    ys = list(range(len(teams)))[::-1]
    rates = [100 * (a.rate or 0.0) for a in teams]
    ax.barh(ys, rates, height=0.6, color=OKABE_ITO["bluish_green"], label="met")
    ax.barh(
        ys,
        [100 - r for r in rates],
        left=rates,
        height=0.6,
        color=OKABE_ITO["vermillion"],
        alpha=0.35,
        label="not met",
    )
    for y, a in zip(ys, teams, strict=True):
        ax.text(
            101,
            y,
            f"{percent(a.rate)}  ({a.met:,} of {a.due:,})",
            va="center",
            fontsize=6.5,
            parse_math=False,
        )
    ax.set_yticks(ys, [safe(a.label, 24) for a in teams])
    ax.set_xlim(0, 125)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    ax.legend(
        fontsize=6.5, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, handlelength=1.0
    )


# -- page 3: per-channel, per-clock and agents ---------------------------------------------------------


def _detail_page(report: ShiftReport) -> Page:
    def draw(fig: Any, n: int, total: int) -> None:
        _frame(fig, report, "Channels, clocks, hand-offs and agents", n, total)
        y = 1.45
        _text(fig, MARGIN, y, "First response per channel (wall-clock)", fontsize=10, weight="bold")
        fr_rows = [
            [
                safe(f.channel, 16),
                f"{f.answered:,}",
                f"{f.unanswered:,}",
                duration(f.median_s),
                duration(f.p90_s),
                duration(f.target_s),
                percent(f.within_target / f.answered if f.answered else None),
            ]
            for f in report.first_response
        ]
        cols = [
            ("Channel", 1.3, "left"),
            ("Answered", 0.9, "right"),
            ("Unanswered", 0.95, "right"),
            ("Median", 0.9, "right"),
            ("90th pct", 0.9, "right"),
            ("Target*", 0.9, "right"),
            ("Within target", 1.1, "right"),
        ]
        y = _draw_table(fig, y + 0.2, cols, fr_rows[:12] or [["no enquiries", "", "", "", "", "", ""]])
        _text(
            fig,
            MARGIN,
            y + 0.12,
            "* most common first-response target in the channel, in working time",
            fontsize=6.5,
            color=MUTED,
        )
        y += 0.55
        _text(fig, MARGIN, y, "SLA attainment per clock", fontsize=10, weight="bold")
        k_rows = [
            [a.label.capitalize(), f"{a.due:,}", f"{a.met:,}", f"{a.due - a.met:,}", percent(a.rate)]
            for a in report.sla_by_kind
        ]
        cols = [
            ("Clock", 1.8, "left"),
            ("Due", 1.0, "right"),
            ("Met", 1.0, "right"),
            ("Breached", 1.0, "right"),
            ("Attainment", 1.1, "right"),
        ]
        y = _draw_table(fig, y + 0.2, cols, k_rows or [["no clocks due", "", "", "", ""]]) + 0.45
        h = report.handoffs
        _text(fig, MARGIN, y, "Concierge hand-offs", fontsize=10, weight="bold")
        h_rows = [
            [
                f"{h.requested:,}",
                f"{h.accepted:,}",
                f"{h.pending:,}",
                duration(h.median_accept_s),
                duration(h.p90_accept_s),
                f"{report.summary.ping_pong:,}",
            ]
        ]
        cols = [
            ("Requested", 1.0, "right"),
            ("Accepted", 1.0, "right"),
            ("Pending", 1.0, "right"),
            ("Median to accept", 1.3, "right"),
            ("90th pct", 1.0, "right"),
            ("Ping-pong (>2 moves)", 1.5, "right"),
        ]
        y = _draw_table(fig, y + 0.2, cols, h_rows) + 0.45
        _text(fig, MARGIN, y, "Agents: time per status and utilisation", fontsize=10, weight="bold")
        room = int((A4[1] - 0.8 - y - 0.4) / ROW_IN) - 1
        a_rows = [_agent_row(a) for a in report.agents]
        cols = [
            ("Agent", 1.6, "left"),
            ("Team", 1.4, "left"),
            ("Available", 0.75, "right"),
            ("Busy", 0.75, "right"),
            ("Away", 0.75, "right"),
            ("Logged in", 0.8, "right"),
            ("Utilisation", 0.9, "right"),
        ]
        shown = a_rows[:room] if len(a_rows) <= room else a_rows[: room - 1]
        y = _draw_table(fig, y + 0.2, cols, shown or [["no agent status recorded", "", "", "", "", "", ""]])
        if len(shown) < len(a_rows):
            _text(
                fig,
                MARGIN,
                y + 0.12,
                f"… and {len(a_rows) - len(shown):,} more agents in agents.csv",
                fontsize=6.5,
                color=MUTED,
            )

    return draw


def _agent_row(a: Any) -> list[str]:
    per = {st.status: st.seconds for st in a.by_status}
    return [
        safe(a.name, 26),
        safe(a.team, 22),
        duration(per.get("available", 0.0)),
        duration(per.get("busy", 0.0)),
        duration(per.get("away", 0.0)),
        duration(a.logged_in_s),
        percent(a.utilisation),
    ]


# -- tables ---------------------------------------------------------------------------------------------


def _draw_table(
    fig: Any, top_in: float, cols: Sequence[tuple[str, float, str]], rows: Sequence[Sequence[str]]
) -> float:
    """Draw a striped table with its header at top_in; returns the y (inches) just below it."""
    from matplotlib.patches import Rectangle

    total_w = sum(w for _, w, _ in cols)
    scale = min(1.0, (A4[0] - 2 * MARGIN) / total_w)
    xs, x = [], MARGIN
    for _, w, _ in cols:
        xs.append(x)
        x += w * scale
    right = x

    def cell(i: int, y: float, s: str, **kw: Any) -> None:
        _, w, align = cols[i]
        limit = max(3, int(w * scale * 72 / (FONT * 0.52)))
        text = s if len(s) <= limit else s[: limit - 1] + "…"
        if align == "right":
            _text(fig, xs[i] + w * scale - 0.06, y, text, ha="right", **kw)
        else:
            _text(fig, xs[i] + 0.04, y, text, **kw)

    for i, (name, _, _) in enumerate(cols):
        cell(i, top_in + 0.13, name, weight="bold")
    fig.add_artist(_rule_span(fig, top_in + 0.19, right))
    y = top_in + 0.19
    for r, row in enumerate(rows):
        if r % 2:
            fig.add_artist(
                Rectangle(
                    (_fx(MARGIN), _fy(y + ROW_IN)),
                    _fx(right - MARGIN),
                    ROW_IN / A4[1],
                    fc=STRIPE,
                    ec="none",
                    transform=fig.transFigure,
                    zorder=-1,
                )
            )
        for i, s in enumerate(row):
            cell(i, y + 0.135, s)
        y += ROW_IN
    fig.add_artist(_rule_span(fig, y, right))
    return y


def _rule_span(fig: Any, y_in: float, right_in: float) -> Any:
    from matplotlib.lines import Line2D

    return Line2D(
        [_fx(MARGIN), _fx(right_in)], [_fy(y_in)] * 2, color=RULE, lw=0.6, transform=fig.transFigure
    )


def _table_pages(report: ShiftReport) -> list[Page]:
    # Rows are built only for what the pages can show: a big shift has tens of thousands of them.
    cap = PER_PAGE * MAX_TABLE_PAGES
    breach_rows = [
        [
            b.enquiry_id,
            safe(b.channel, 12),
            safe(b.team, 22),
            b.priority,
            b.clock.replace("_", " "),
            _when(b.due_at, "%d %b %H:%M"),
            duration(b.over_s),
            "running" if b.stopped_at is None else "late",
        ]
        for b in report.breaches[:cap]
    ]
    breach_cols = [
        ("Enquiry", 1.15, "left"),
        ("Channel", 0.8, "left"),
        ("Team", 1.35, "left"),
        ("Priority", 0.65, "left"),
        ("Clock", 1.0, "left"),
        (f"Due ({_when(report.start, '%Z')})", 0.95, "left"),
        ("Over by", 0.7, "right"),
        ("State", 0.55, "left"),
    ]
    carried_rows = [
        [
            c.enquiry_id,
            safe(c.channel, 12),
            safe(c.team, 18),
            c.waiting_for.replace("_", " "),
            duration(c.waiting_s),
            safe(c.handle, 18),
            safe(c.text, 60),
        ]
        for c in report.carried_over[:cap]
    ]
    carried_cols = [
        ("Enquiry", 1.1, "left"),
        ("Channel", 0.75, "left"),
        ("Team", 1.1, "left"),
        ("Waiting for", 0.95, "left"),
        ("Waiting", 0.65, "right"),
        ("Customer", 1.0, "left"),
        ("Latest message (masked)", 2.2, "left"),
    ]
    actor_rows = [
        [
            safe(a.actor, 24),
            f"{a.moves:,}",
            f"{a.accepted:,}",
            f"{a.refused:,}",
            safe("; ".join(f"{c.key} ({c.n})" for c in a.reasons[:4]), 70),
        ]
        for a in report.reassignments_by_actor
    ]
    actor_cols = [
        ("Supervisor", 1.4, "left"),
        ("Moves", 0.6, "right"),
        ("Accepted", 0.7, "right"),
        ("Refused", 0.65, "right"),
        ("Top reasons", 3.7, "left"),
    ]
    move_rows = [
        [
            _when(m.at, "%H:%M"),
            m.enquiry_id,
            safe(m.actor, 16),
            safe(f"{m.from_team or '-'} > {m.to_team or '-'}", 30),
            safe(m.reason, 48),
            m.result,
        ]
        for m in report.reassignments[:cap]
    ]
    move_cols = [
        ("At", 0.5, "left"),
        ("Enquiry", 1.1, "left"),
        ("By", 1.1, "left"),
        ("Move", 1.7, "left"),
        ("Reason (masked)", 2.1, "left"),
        ("Result", 0.7, "left"),
    ]
    pages: list[Page] = []
    pages += _paged(
        report,
        "SLA breaches",
        "every SLA clock due in the shift and not met, most overdue first",
        breach_cols,
        breach_rows,
        len(report.breaches),
        "breaches.csv",
    )
    pages += _paged(
        report,
        "Carried over",
        "enquiries open at the shift's end, unanswered first",
        carried_cols,
        carried_rows,
        len(report.carried_over),
        "carried_over.csv",
    )
    pages += _paged(
        report,
        "Reassignments by supervisor",
        "moves made in the shift and why",
        actor_cols,
        actor_rows,
        len(actor_rows),
        "reassignments_by_actor.csv",
        then=(move_cols, move_rows, len(report.reassignments), "reassignments.csv"),
    )
    return pages


def _paged(
    report: ShiftReport,
    title: str,
    sub: str,
    cols: Sequence[tuple[str, float, str]],
    rows: Sequence[Sequence[str]],
    count: int,
    csv_name: str,
    then: tuple[Sequence[tuple[str, float, str]], Sequence[Sequence[str]], int, str] | None = None,
) -> list[Page]:
    """Pages of one table (rows: at most what fits; count: how many the report holds), optionally
    followed on the last page by a second table."""
    chunks = [rows[i : i + PER_PAGE] for i in range(0, len(rows), PER_PAGE)][:MAX_TABLE_PAGES] or [[]]
    shown = sum(len(c) for c in chunks)
    pages: list[Page] = []
    for k, chunk in enumerate(chunks):
        last = k == len(chunks) - 1

        def draw(
            fig: Any,
            n: int,
            total: int,
            chunk: Sequence[Sequence[str]] = chunk,
            k: int = k,
            last: bool = last,
        ) -> None:
            cont = f" (continued, {k + 1} of {len(chunks)})" if len(chunks) > 1 and k else ""
            _frame(fig, report, title + cont, n, total)
            _text(fig, MARGIN, 1.3, f"{sub} · {count:,} rows", fontsize=7.5, color=MUTED)
            body = chunk or [["none", *[""] * (len(cols) - 1)]]
            y = _draw_table(fig, 1.45, cols, body)
            if last and shown < count:
                more = f"… {count - shown:,} more rows: the CSV export ({csv_name}) lists them all."
                _text(fig, MARGIN, y + 0.2, more, fontsize=7.5, color=MUTED)
                y += 0.2
            if last and then is not None:
                t_cols, t_rows, t_count, t_csv = then
                room = int((A4[1] - 0.9 - y - 0.9) / ROW_IN)
                _text(fig, MARGIN, y + 0.5, "Moves, oldest first", fontsize=10, weight="bold")
                body = list(t_rows[:room]) or [["none", *[""] * (len(t_cols) - 1)]]
                y2 = _draw_table(fig, y + 0.65, t_cols, body)
                if room < t_count:
                    more = f"… {t_count - room:,} more moves: the CSV export ({t_csv}) lists them all."
                    _text(fig, MARGIN, y2 + 0.2, more, fontsize=7.5, color=MUTED)

        pages.append(draw)
    return pages
