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
from collections.abc import Sequence
from datetime import UTC
from itertools import pairwise
from pathlib import Path
from typing import Any

from console.domain.labels import channel_label, outcome_label
from console.reports.care.pdf import care_pages
from console.reports.complaints import complaint_line
from console.reports.csv_tables import check_target, zone_for
from console.reports.pdf_draw import (
    A4,
    FONT,
    INK,
    JD_POWER_S,
    MARGIN,
    MUTED,
    OKABE_ITO,
    RULE,
    ZONE,
    Page,
    axes_at,
    draw_table,
    frame,
    fx,
    fy,
    put_text,
    safe,
    series_colour,
    when,
)
from console.reports.pdf_tables import detail_page, table_pages
from console.reports.tiles import (
    NO_CLOCKS_DUE,
    NO_ENQUIRIES,
    NO_FIRST_RESPONSES,
    Tile,
    duration,
    percent,
    summary_tiles,
)
from console.reports.types import ShiftReport
from console.sla import words


class _QuietFontLookup(logging.Filter):
    """matplotlib logs that the core Helvetica has no 'normal' weight (it calls it medium) and uses it:
    expected, so not worth a warning in the console's log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Failed to find font weight" not in record.getMessage()


def to_pdf(report: ShiftReport, path: str | os.PathLike[str], *, tz: str = "UTC") -> Path:
    """Write the report as an A4 PDF; returns the path. Times are shown in `tz` (an IANA zone such as
    Europe/London) with its abbreviation. Written to a temporary file, then moved into place."""
    target = check_target(path)
    zone_token = ZONE.set(zone_for(tz))
    quiet = _QuietFontLookup()
    font_log = logging.getLogger("matplotlib.font_manager")
    font_log.addFilter(quiet)
    try:
        _write_pdf(report, target)
    finally:
        font_log.removeFilter(quiet)
        ZONE.reset(zone_token)
    return target


def _write_pdf(report: ShiftReport, target: Path) -> None:
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    pages: list[Page] = [_title_page(report), _charts_page(report), detail_page(report)]
    pages += table_pages(report)
    pages += care_pages(report)  # Consumer Duty and quality (issue 17)
    meta = {
        "Title": safe(f"Shift report: {report.shift_name or report.shift_id}"),
        "Author": "Concierge",
        "Subject": safe(f"{when(report.start)} to {when(report.end)}"),
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


def _title_page(report: ShiftReport) -> Page:
    def draw(fig: Any, n: int, total: int) -> None:
        frame(fig, report, "Shift report", n, total)
        put_text(fig, MARGIN, 1.45, f"{when(report.start)} to {when(report.end)}", fontsize=10)
        cut = "" if report.cutoff >= report.end else f" · figures up to {when(report.cutoff, '%H:%M %Z')}"
        teams = ", ".join(report.team_names) or "all teams"
        put_text(
            fig,
            MARGIN,
            1.68,
            safe(f"Teams: {teams} · generated {when(report.generated_at)}{cut}"),
            fontsize=8,
            color=MUTED,
        )
        _tiles(fig, summary_tiles(report), top_in=2.0)
        y = _outcomes(fig, report, top_in=5.15)
        _notes(fig, report, top_in=y + 0.55)

    return draw


def _tiles(fig: Any, tiles: Sequence[Tile], top_in: float) -> None:
    from matplotlib.patches import FancyBboxPatch

    cols, gap = 4, 0.15
    w = (A4[0] - 2 * MARGIN - gap * (cols - 1)) / cols
    hgt = 1.35
    for i, (label, value, sub) in enumerate((t.title, t.figure, t.note) for t in tiles):
        x = MARGIN + (i % cols) * (w + gap)
        y = top_in + (i // cols) * (hgt + gap)
        fig.add_artist(
            FancyBboxPatch(
                (fx(x), fy(y + hgt)),
                fx(w),
                hgt / A4[1],
                boxstyle="round,pad=0,rounding_size=0.01",
                fc="#F7F7F7",
                ec=RULE,
                lw=0.6,
                transform=fig.transFigure,
            )
        )
        put_text(fig, x + 0.12, y + 0.3, label, fontsize=7.5, color=MUTED)
        put_text(fig, x + 0.12, y + 0.82, value, fontsize=18, weight="bold")
        put_text(fig, x + 0.12, y + 1.12, safe(sub, 34), fontsize=6.5, color=MUTED)


def _outcomes(fig: Any, report: ShiftReport, top_in: float) -> float:
    put_text(
        fig,
        MARGIN,
        top_in,
        "Customer outcomes (J.D. Power drivers of satisfaction)",
        fontsize=10,
        weight="bold",
    )
    rows = [
        [safe(outcome_label(o.flag)), percent(o.rate), f"{o.yes:,}", f"{o.known:,}"] for o in report.outcomes
    ]
    cols = [
        ("Outcome", 3.2, "left"),
        ("Rate", 1.0, "right"),
        ("Yes", 1.0, "right"),
        ("Known (n)", 1.2, "right"),
    ]
    y: float = draw_table(fig, top_in + 0.2, cols, rows) + 0.2
    note = "Rate over enquiries created in the shift where the outcome is recorded; n/a where none is."
    put_text(fig, MARGIN, y, note, fontsize=6.5, color=MUTED)
    import textwrap

    for line in textwrap.wrap(safe(complaint_line(report.complaints)), 120):  # issue 17
        y += 0.2
        put_text(fig, MARGIN, y, line, fontsize=7.5)
    return y


def _notes(fig: Any, report: ShiftReport, top_in: float) -> None:
    import textwrap

    put_text(fig, MARGIN, top_in, "How the figures are defined", fontsize=10, weight="bold")
    y = top_in + 0.25
    zone = ZONE.get()
    times = "UTC" if zone is UTC else f"{zone} time ({when(report.start, '%Z')} at the shift's start)"
    for note in (f"Times are {times}.", *report.notes):
        for i, line in enumerate(textwrap.wrap(safe(note), 138)):
            put_text(fig, MARGIN + (0.12 if i else 0), y, ("" if i else "• ") + line, fontsize=6.5, color=INK)
            y += 0.14
        y += 0.04


def _charts_page(report: ShiftReport) -> Page:
    def draw(fig: Any, n: int, total: int) -> None:
        frame(fig, report, "Volumes, first response and SLA", n, total)
        _volumes_chart(fig, report, top_in=1.35)
        _fr_chart(fig, report, top_in=4.75)
        _sla_chart(fig, report, top_in=8.45)

    return draw


def _chart_title(fig: Any, top_in: float, title: str, *subs: str) -> None:
    put_text(fig, MARGIN, top_in, title, fontsize=10, weight="bold")
    for i, sub in enumerate(subs):
        put_text(fig, MARGIN, top_in + 0.18 + 0.14 * i, safe(sub), fontsize=7, color=MUTED)


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
        f"{report.summary.created:,} created in the shift, by hour ({when(report.start, '%Z')})",
    )
    ax = axes_at(fig, top_in + 0.55, 2.35)
    hours = report.volumes_by_hour
    if not channels:
        _no_data(ax, NO_ENQUIRIES)
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
            label=safe(channel_label(ch), 14),
        )
        bottom = [b + v for b, v in zip(bottom, heights, strict=True)]
    step = max(1, len(hours) // 12)
    ax.set_xticks(xs[::step], [when(h.hour_start, "%H:%M") for h in hours[::step]])
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
        return words.duration(s)

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
    ax = axes_at(fig, top_in + 0.65, 2.4)
    if not stats:
        _no_data(ax, NO_FIRST_RESPONSES)
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
            label=safe(channel_label(f.channel), 14),
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
    ax = axes_at(fig, top_in + 0.45, min(height, 2.5), left_in=MARGIN + 1.5)
    if not teams:
        _no_data(ax, NO_CLOCKS_DUE)
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
