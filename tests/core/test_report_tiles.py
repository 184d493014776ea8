"""The shift report's summary tiles: one source (console.reports.tiles) for the PDF and the viewer."""

from __future__ import annotations

from dataclasses import replace

import pytest

from console.domain.model import Enquiry, Shift, Team
from console.reports.shift_report import ShiftReport, compute_shift_report
from console.reports.tiles import Tile, duration, percent, summary_tiles
from console.sla.engine import SlaEngine, default_calendars, default_policies

START = 1_795_680_000.0  # Thu 26 Nov 2026 08:00 UTC
END = START + 8 * 3600
TEAMS = [
    Team("social", "Social care", "social", ("general",), "social"),
    Team("cards", "Cards", "specialist", ("cards",), "business"),
]
SHIFT = Shift("s1", "Thursday day", "Leeds", START, END, ("social", "cards"))
PDF_NOTE_ROOM = 34  # characters a tile's note has on the PDF's first page


def _engine() -> SlaEngine:
    return SlaEngine(default_policies(), {c.id: c for c in default_calendars()}, {t.id: t for t in TEAMS})


def _enquiry(i: int, *, requested: float | None = None, accepted: float | None = None) -> Enquiry:
    at = START + 600 * i
    return Enquiry(
        id=f"e{i}",
        channel="x",
        visibility="public",
        customer_handle=f"@c{i}",
        customer_name="",
        text="hello",
        topic="cards",
        complexity=2,
        flags=frozenset(),
        priority="normal",
        status="pending_specialist",
        team_id="cards",
        agent_id=None,
        created_at=at,
        updated_at=at,
        version=1,
        first_customer_message_at=at,
        first_response_at=at + 300,
        handoff_requested_at=requested,
        handoff_accepted_at=accepted,
    )


@pytest.fixture(scope="module")
def report() -> ShiftReport:
    # Three hand-offs requested in the shift (two accepted, after 10 and 30 minutes), one before it.
    enquiries = [
        _enquiry(1, requested=START + 900, accepted=START + 900 + 600),
        _enquiry(2, requested=START + 1800, accepted=START + 1800 + 1800),
        _enquiry(3, requested=START + 2700),
        _enquiry(4, requested=START - 3600, accepted=START - 1800),
        _enquiry(5),
    ]
    return compute_shift_report(SHIFT, enquiries, [], [], [], TEAMS, _engine(), END + 60)


def _by_title(tiles: tuple[Tile, ...]) -> dict[str, Tile]:
    return {t.title: t for t in tiles}


def test_eight_tiles_with_notes_that_fit_the_pdf(report: ShiftReport) -> None:
    tiles = summary_tiles(report)
    assert [t.title for t in tiles] == [
        "Enquiries",
        "First response, median",
        "SLA attainment",
        "SLA breaches",
        "Unanswered at end",
        "Hand-offs",
        "Reassignments",
        "Ping-pong",
    ]
    assert all(len(t.note) <= PDF_NOTE_ROOM for t in tiles), [t.note for t in tiles]
    assert _by_title(tiles)["Enquiries"] == Tile("Enquiries", "5", "5 answered")
    assert _by_title(tiles)["First response, median"].figure == "5 min"


def test_hand_offs_count_the_requests_in_the_shift_with_their_median(report: ShiftReport) -> None:
    tile = _by_title(summary_tiles(report))["Hand-offs"]
    assert report.handoffs.requested == 3 and report.handoffs.accepted == 2
    assert tile == Tile("Hand-offs", "3", "median acceptance 20 min")
    # The tile reads the hand-off record (as its note, the PDF's table and the CSV do), not the summary's
    # copy of the count: a stored report where the two differ still shows one consistent tile.
    drifted = replace(report, summary=replace(report.summary, handoffs=99))
    assert _by_title(summary_tiles(drifted))["Hand-offs"].figure == "3"


def test_an_empty_shift_says_so() -> None:
    empty = compute_shift_report(SHIFT, [], [], [], [], TEAMS, _engine(), END)
    tiles = _by_title(summary_tiles(empty))
    assert tiles["Enquiries"] == Tile("Enquiries", "0", "no enquiries")
    assert tiles["First response, median"].figure == "n/a" and tiles["SLA attainment"].figure == "n/a"
    assert tiles["Reassignments"].note == "by 0 supervisors"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "n/a"),
        (0, "0 s"),
        (42.4, "42 s"),
        (545, "9 min 05 s"),
        (720, "12 min"),
        (3900, "1 h 05 min"),
        (2 * 86400 + 4 * 3600 + 59, "2 d 4 h"),
        (-545, "-9 min 05 s"),
    ],
)
def test_duration(seconds: float | None, text: str) -> None:
    assert duration(seconds) == text


def test_percent() -> None:
    assert percent(None) == "n/a" and percent(0.9234) == "92.3%" and percent(1.0) == "100.0%"
