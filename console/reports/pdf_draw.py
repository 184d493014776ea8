"""Drawing helpers for the shift report PDF: page geometry in inches from the top-left, the Okabe-Ito
palette, text the PDF core fonts can draw, page furniture and striped tables. No matplotlib import at
module level: callers hand in a Figure."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo
from typing import Any

from console.reports.types import ShiftReport

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


ZONE: ContextVar[tzinfo] = ContextVar("report_pdf_zone", default=UTC)


def when(ts: float, fmt: str = "%a %d %b %Y %H:%M %Z") -> str:
    """A time in the zone the PDF is being written for; %Z gives its abbreviation (UTC, GMT, BST)."""
    return datetime.fromtimestamp(ts, ZONE.get()).strftime(fmt)


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


def fx(inches: float) -> float:
    return inches / A4[0]


def fy(inches_from_top: float) -> float:
    return 1.0 - inches_from_top / A4[1]


def put_text(fig: Any, x_in: float, y_in: float, s: str, **kw: Any) -> None:
    kw.setdefault("fontsize", FONT)
    kw.setdefault("color", INK)
    kw.setdefault("va", "baseline")
    fig.text(fx(x_in), fy(y_in), s, parse_math=False, **kw)


def frame(fig: Any, report: ShiftReport, title: str, n: int, total: int) -> None:
    put_text(fig, MARGIN, 0.75, title, fontsize=15, weight="bold")
    sub = f"{report.shift_name or report.shift_id} · {report.site}" if report.site else report.shift_name
    put_text(fig, MARGIN, 0.98, safe(sub or report.shift_id), fontsize=8.5, color=MUTED)
    fig.add_artist(rule(fig, 1.08))
    foot = (
        f"Concierge shift report · {safe(report.shift_id)} · {when(report.start)} to "
        f"{when(report.end, '%d %b %H:%M %Z')} · customer data masked"
    )
    put_text(fig, MARGIN, A4[1] - 0.4, foot, fontsize=6.5, color=MUTED)
    put_text(fig, A4[0] - MARGIN, A4[1] - 0.4, f"page {n} of {total}", fontsize=6.5, color=MUTED, ha="right")


def rule(fig: Any, y_in: float) -> Any:
    from matplotlib.lines import Line2D

    return Line2D(
        [fx(MARGIN), fx(A4[0] - MARGIN)], [fy(y_in)] * 2, color=RULE, lw=0.6, transform=fig.transFigure
    )


def axes_at(fig: Any, top_in: float, height_in: float, left_in: float = MARGIN + 0.55) -> Any:
    width = A4[0] - MARGIN - left_in
    ax = fig.add_axes((fx(left_in), fy(top_in + height_in), fx(width), height_in / A4[1]))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(MUTED)
    ax.tick_params(labelsize=FONT, colors=INK)
    return ax


def draw_table(
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
            put_text(fig, xs[i] + w * scale - 0.06, y, text, ha="right", **kw)
        else:
            put_text(fig, xs[i] + 0.04, y, text, **kw)

    for i, (name, _, _) in enumerate(cols):
        cell(i, top_in + 0.13, name, weight="bold")
    fig.add_artist(_rule_span(fig, top_in + 0.19, right))
    y = top_in + 0.19
    for r, row in enumerate(rows):
        if r % 2:
            fig.add_artist(
                Rectangle(
                    (fx(MARGIN), fy(y + ROW_IN)),
                    fx(right - MARGIN),
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

    return Line2D([fx(MARGIN), fx(right_in)], [fy(y_in)] * 2, color=RULE, lw=0.6, transform=fig.transFigure)
