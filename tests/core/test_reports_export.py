"""Shift report exports: the CSV zip read back with the csv module, the PDF rendered with poppler."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from console.reports.shift_report import ShiftReport, compute_shift_report, to_csv, to_pdf
from console.reports.tiles import summary_tiles
from tests.helpers.reports import AGENTS, END, SHIFT, START, TEAMS, engine, simulate

POPPLER = shutil.which("pdftoppm") is not None and shutil.which("pdftotext") is not None
HOSTILE = "=HYPERLINK(1) Łukasz 😀 $x^2$ café line\nbreak"


@pytest.fixture(scope="module")
def report() -> ShiftReport:
    enquiries, moves, log = simulate(1500, seed=11)
    enquiries[0] = replace(enquiries[0], text=HOSTILE, created_at=START + 60, resolved_at=None, status="new",
                           first_response_at=None, team_id="social")  # fmt: skip
    moves[0] = replace(moves[0], reason="+44 says hi", at=START + 10, actor="Zoë Ł.", to_team="fraud")
    return compute_shift_report(SHIFT, enquiries, moves, log, AGENTS, TEAMS, engine(), END + 600)


def read_zip(path: Path) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(path) as zf:
        out = {}
        for name in zf.namelist():
            raw = zf.read(name)
            assert raw.startswith(b"\xef\xbb\xbf"), f"{name}: no UTF-8 byte-order mark for Excel"
            if name.endswith(".csv"):
                out[name] = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        return out


def test_csv_zip_holds_every_table_and_reads_back(report: ShiftReport, tmp_path: Path) -> None:
    path = to_csv(report, tmp_path / "shift.zip")
    tables = read_zip(path)
    assert {"summary.csv", "breaches.csv", "carried_over.csv", "reassignments.csv", "agents.csv"} <= set(
        tables
    )
    for name, rows in tables.items():
        width = len(rows[0])
        assert all(len(r) == width for r in rows), f"{name}: ragged rows"
    summary = dict(tables["summary.csv"][1:])
    assert int(summary["enquiries_created"]) == report.summary.created
    assert int(summary["sla_breaches"]) == report.summary.breaches == len(tables["breaches.csv"]) - 1
    assert float(summary["sla_attainment"]) == pytest.approx(report.summary.sla_rate, abs=1e-4)
    assert summary["start_utc"] == "2026-11-26 08:00:00"
    assert len(tables["carried_over.csv"]) - 1 == len(report.carried_over)
    by_channel = {r[0]: int(r[1]) for r in tables["volumes_by_channel.csv"][1:]}
    assert by_channel == {c.key: c.n for c in report.volumes_by_channel}
    hours = tables["volumes_by_hour.csv"]
    assert hours[0][2:] == [c.key for c in report.volumes_by_channel]
    assert sum(int(r[1]) for r in hours[1:]) == report.summary.created
    fr = {r[0]: r for r in tables["first_response.csv"][1:]}
    x = next(f for f in report.first_response if f.channel == "x")
    assert float(fr["x"][3]) == pytest.approx(x.median_s / 60, abs=0.01)  # type: ignore[operator]
    with zipfile.ZipFile(path) as zf:
        readme = zf.read("README.txt").decode("utf-8-sig")
    assert "breaches.csv" in readme and "First response" in readme
    assert [p.name for p in tmp_path.iterdir()] == ["shift.zip"]  # no temporary file left behind


def test_csv_keeps_text_but_defuses_formulas(report: ShiftReport, tmp_path: Path) -> None:
    tables = read_zip(to_csv(report, tmp_path / "shift.zip"))
    header, *rows = tables["carried_over.csv"]
    text = rows[[r[0] for r in rows].index("e00000")][header.index("text_masked")]
    assert text.startswith("'=HYPERLINK(")  # Excel shows it as text instead of running it
    assert "Łukasz 😀" in text and "\n" not in text
    moves = tables["reassignments.csv"]
    assert "'+44 says hi" in [r[moves[0].index("reason")] for r in moves[1:]]
    assert "Zoë Ł." in {r[0] for r in tables["reassignments_by_actor.csv"][1:]}


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftoppm, pdftotext) not installed")
def test_pdf_is_a4_renders_and_says_what_it_shows(report: ShiftReport, tmp_path: Path) -> None:
    path = to_pdf(report, tmp_path / "shift.pdf")
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "A4" in info
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), str(tmp_path / "page")], check=True)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == pages >= 6
    assert all(p.stat().st_size > 5_000 for p in pngs)  # something is drawn on every page
    text = pdf_text(path)
    assert "Shift report" in text and "Thursday day" in text and "Leeds" in text
    for tile in summary_tiles(report):  # the viewer shows the same tiles
        assert tile.title in text and tile.figure in text and tile.note in text, tile
    assert f"{report.summary.created:,}" in text and f"{report.summary.breaches:,}" in text
    assert "Enquiries per hour, by channel" in text and "SLA attainment per team" in text
    assert "First-response time against target" in text and "target 1 h" in text
    assert "Replied in the same channel" in text
    assert "=HYPERLINK(1) Lukasz ? $x^2$" in text  # the nearest letters the PDF font has; no mathtext
    assert "Zoë L." in text
    assert "4111 11" not in text and "@cust" not in text  # masked
    if len(report.breaches) > 150:
        assert "more rows: the CSV export (breaches.csv) lists them all" in text


@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftoppm, pdftotext) not installed")
def test_pdf_of_an_empty_shift(tmp_path: Path) -> None:
    empty = compute_shift_report(SHIFT, [], [], [], [], TEAMS, engine(), END)
    path = to_pdf(empty, tmp_path / "empty.pdf")
    text = pdf_text(path)
    assert "No enquiries were created in this shift" in text
    assert "No first responses in this shift" in text and "No SLA clocks fell due" in text
    assert "n/a" in text


def test_reports_do_not_import_matplotlib_until_an_export() -> None:
    code = "import sys, console.reports.shift_report; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "False"


def test_exports_in_the_banks_time_zone(tmp_path: Path) -> None:
    july = replace(SHIFT, start=1_783_584_000.0, end=1_783_620_000.0)  # Thu 9 Jul 2026 08:00-18:00 UTC
    summer = compute_shift_report(july, [], [], [], AGENTS, TEAMS, engine(), july.end)
    tables = read_zip(to_csv(summer, tmp_path / "bst.zip", tz="Europe/London"))
    summary = dict(tables["summary.csv"][1:])
    assert summary["start_local"] == "2026-07-09 09:00:00" and summary["timezone"] == "Europe/London"
    assert "hour_start_local" in tables["volumes_by_hour.csv"][0]
    if POPPLER:
        text = pdf_text(to_pdf(summer, tmp_path / "bst.pdf", tz="Europe/London"))
        assert "Thu 09 Jul 2026 09:00 BST" in text
        assert "Thu 09 Jul 2026 08:00 UTC" in pdf_text(to_pdf(summer, tmp_path / "utc.pdf"))


def test_a_wrong_zone_or_folder_gets_a_clear_message(report: ShiftReport, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Unknown time zone 'Mars/Base'"):
        to_csv(report, tmp_path / "r.zip", tz="Mars/Base")
    with pytest.raises(ValueError, match="Unknown time zone"):
        to_pdf(report, tmp_path / "r.pdf", tz="Mars/Base")
    with pytest.raises(FileNotFoundError, match=r"the folder .*missing does not exist"):
        to_pdf(report, tmp_path / "missing" / "r.pdf")
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        to_csv(report, tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing half-written
