"""The shift report's summary tiles and the formats of its figures: one source for the PDF's first page
and the report viewer, so the two never disagree about a figure, its wording or its rounding.

Hand-offs: the tile counts report.handoffs.requested (hand-offs requested in the shift, see the notes),
the same record its note (the median acceptance time), the PDF's hand-off table and the CSV read.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.reports.types import ShiftReport
from console.sla import words

NOT_AVAILABLE = "n/a"  # a figure that could not be computed (no values)
# What an empty chart says, in the PDF and the viewer alike.
NO_ENQUIRIES = "No enquiries were created in this shift"
NO_FIRST_RESPONSES = "No first responses in this shift"
NO_CLOCKS_DUE = "No SLA clocks fell due in this shift"


@dataclass(frozen=True, slots=True)
class Tile:
    title: str
    figure: str  # shown large
    note: str  # one short line under it


def duration(seconds: float | None) -> str:
    """A duration the one way time is written (console.sla.words.duration), seconds kept under ten
    minutes: "42 s", "9 min 05 s", "12 min", "3 h 05 min", "2 d 4 h"; a minus sign when negative; n/a
    for a figure that could not be computed."""
    if seconds is None:
        return NOT_AVAILABLE
    return words.duration(seconds, exact_below=600.0)


def percent(rate: float | None) -> str:
    return NOT_AVAILABLE if rate is None else f"{100 * rate:.1f}%"


def summary_tiles(report: ShiftReport) -> tuple[Tile, ...]:
    """The eight tiles, in reading order (four a row). Notes stay under 34 characters, what the PDF's
    tile has room for."""
    s, h = report.summary, report.handoffs
    actors = len(report.reassignments_by_actor)
    by = f"by {actors:,} supervisor{'' if actors == 1 else 's'}"
    return (
        Tile("Enquiries", f"{s.created:,}", f"{s.answered:,} answered" if s.created else "no enquiries"),
        Tile("First response, median", duration(s.median_fr_s), f"90th percentile {duration(s.p90_fr_s)}"),
        Tile("SLA attainment", percent(s.sla_rate), f"{s.sla_met:,} of {s.sla_due:,} clocks due met"),
        Tile("SLA breaches", f"{s.breaches:,}", "clocks due in the shift, not met"),
        Tile("Unanswered at end", f"{s.unanswered_at_end:,}", f"{s.carried_over:,} open, carried over"),
        Tile("Hand-offs", f"{h.requested:,}", f"median acceptance {duration(h.median_accept_s)}"),
        Tile("Reassignments", f"{s.reassignments:,}", by),
        Tile("Ping-pong", f"{s.ping_pong:,}", "moved between teams 3+ times"),
    )
