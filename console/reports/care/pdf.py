"""The shift report PDF's Consumer Duty and quality page (issue 17)."""

from __future__ import annotations

from typing import Any

from console.reports.care.quality import LABELS, Quality
from console.reports.care.text import DUTY_HEADER, duty_rows, duty_verdict
from console.reports.pdf_draw import A4, MARGIN, MUTED, ROW_IN, Page, draw_table, frame, put_text, safe
from console.reports.tiles import percent
from console.reports.types import ShiftReport

SHORT = {"same_channel": "Same channel", "thanked": "Thanked", "offered_more_help": "More help",
         "offered_products": "Products"}  # fmt: skip


def _found(q: Quality, room: int) -> tuple[list[tuple[str, float, str]], list[list[str]]]:
    cols = [("Who", 1.9, "left"), ("Replies", 0.6, "right")]
    cols += [(SHORT[b], 1.05, "right") for b in LABELS]
    cols += [("Asked details", 0.9, "right")]
    rows = []
    for r in q.rows[:room]:
        who = {"shift": "Whole shift", "team": f"Team: {r.label}", "agent": r.label}[r.kind]
        cells = [f"{percent(b.rate)} ({b.found}/{b.checked})" if b.checked else "n/a" for b in r.behaviours]
        rows.append([safe(who, 30), f"{r.replies:,}", *cells, f"{r.public_detail_requests:,}"])
    return cols, rows


def _agreement(q: Quality) -> tuple[list[tuple[str, float, str]], list[list[str]]]:
    cols = [("Who", 1.9, "left")] + [(SHORT[b], 1.4, "right") for b in LABELS]
    rows = []
    for r in q.rows:
        if r.kind == "agent":
            continue
        who = "Whole shift" if r.kind == "shift" else f"Team: {r.label}"
        cells = [
            (f"{percent(b.api_yes / b.api_known)} · agree {percent(b.agreement)}" if b.api_known else "n/a")
            for b in r.behaviours
        ]
        rows.append([safe(who, 30), *cells])
    return cols, rows


def care_pages(report: ShiftReport) -> list[Page]:
    duty, quality = report.consumer_duty, report.quality
    if duty is None and quality is None:
        return []

    def draw(fig: Any, n: int, total: int) -> None:
        frame(fig, report, "Consumer Duty and quality beyond speed", n, total)
        y = 1.45
        if duty is not None:
            put_text(
                fig,
                MARGIN,
                y,
                "Customers flagged vulnerable beside everyone else",
                fontsize=10,
                weight="bold",
            )
            cols = [
                (h, w, "left" if i == 0 else "right")
                for i, (h, w) in enumerate(zip(DUTY_HEADER, (1.7, 0.7, 1.3, 0.8, 1.0, 1.0, 0.9), strict=True))
            ]
            y = draw_table(fig, y + 0.15, cols, [list(map(safe, r)) for r in duty_rows(duty)])
            put_text(fig, MARGIN, y + 0.2, safe(duty_verdict(duty)), fontsize=8)
            y += 0.55
        if quality is not None:
            put_text(
                fig,
                MARGIN,
                y,
                "Behaviours in agents' replies (found by the console)",
                fontsize=10,
                weight="bold",
            )
            sub = (
                f"{quality.checked:,} of {quality.resolved:,} resolved enquiries had their conversation in "
                "this console; agents: share of replies; teams and shift: share of enquiries"
            )
            put_text(fig, MARGIN, y + 0.17, safe(sub), fontsize=7.5, color=MUTED)
            a_cols, a_rows = _agreement(quality)
            room = max(1, int((A4[1] - 0.9 - y - 1.2 - ROW_IN * (len(a_rows) + 1)) / ROW_IN) - 1)
            cols, rows = _found(quality, room)
            y = draw_table(fig, y + 0.3, cols, rows or [["none", *[""] * (len(cols) - 1)]])
            if len(quality.rows) > room:
                more = f"… {len(quality.rows) - room:,} more rows in the report viewer."
                put_text(fig, MARGIN, y + 0.18, more, fontsize=7.5, color=MUTED)
                y += 0.18
            put_text(
                fig,
                MARGIN,
                y + 0.45,
                "The service's outcome flags, and agreement",
                fontsize=10,
                weight="bold",
            )
            draw_table(fig, y + 0.6, a_cols, a_rows or [["none", *[""] * (len(a_cols) - 1)]])

    return [draw]
