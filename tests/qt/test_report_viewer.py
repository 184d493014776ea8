"""The report viewer over a real encrypted cache holding two stored shift reports, with no network at all:
summary, models (qtmodeltester), drill-down (masked), compare mode, charts, export off the UI thread
(audited), and screenshots in /tmp/shots."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from console.domain import wire
from console.domain.model import Message
from console.reports.tiles import summary_tiles
from console.store.cache import Store, StoreReader
from console.sync.shift_close import close_ended_shifts
from tests.helpers.reports import END, SHIFT, START, fill, moved_back, simulate
from tests.helpers.store import new_key
from widgets.app.workers import BackgroundJobs
from widgets.detail.audit_trail import AuditTrail
from widgets.reports.models import ID_ROLE
from widgets.reports.viewer import ReportViewer

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen platform, showing windows
SHOTS = Path("/tmp/shots")
DAY = 86400.0
YESTERDAY = replace(SHIFT, id="s0", name="Wednesday day", start=START - DAY, end=END - DAY)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path, key = tmp_path_factory.mktemp("viewer") / "c.db", new_key()
    enquiries, moves, log = simulate(600, seed=4)
    # A quieter day before, for the comparison.
    before, _, _ = simulate(300, seed=5)
    before = [moved_back(replace(e, id="y" + e.id), DAY) for e in before]
    with Store(path, key) as store:
        fill(store, enquiries + before, moves)
        store._conn.executemany(
            "INSERT INTO agent_status_log (agent_id, status, from_ts, to_ts) VALUES (?, ?, ?, ?)", log
        )
        store.replace_messages(
            enquiries[0].id,
            [
                wire.message_to_wire(
                    Message("m1", enquiries[0].id, "in", "@cust0", "Card 4111 1111 1111 1111 stolen", START)
                )
            ],
        )
        assert close_ended_shifts(store, END + 600, [SHIFT, YESTERDAY]).stored == ["s0", "s1"]
    return path, key


@pytest.fixture
def viewer(qtbot: QtBot, cache: tuple[Path, str]) -> Iterator[ReportViewer]:
    path, key = cache
    reader = StoreReader(path, key)
    jobs = BackgroundJobs()
    audit = AuditTrail(jobs, syncer=lambda: None, cache=lambda: (path, key), actor=lambda: "sup.night")
    v = ReportViewer(reader, jobs=jobs, audit=audit, tz="Europe/London")
    qtbot.addWidget(v)
    yield v
    jobs.shutdown()
    reader.close()


def test_a_stored_report_opens_offline_with_its_figures(
    viewer: ReportViewer, qtmodeltester: Any, qtbot: QtBot
) -> None:
    assert [s.shift_id for s in viewer.stored] == ["s1", "s0"]  # newest first
    report = viewer.open("s1")
    assert report is not None and viewer.panel.report is report
    tiles = {t.title.text(): t.figure.text() for t in viewer.panel.tiles}
    assert tiles["Enquiries"] == f"{report.summary.created:,}"
    # The same tiles as the PDF's first page: one source.
    shown = [(t.title.text(), t.figure.text(), t.note.text()) for t in viewer.panel.tiles]
    assert shown == [(t.title, t.figure, t.note) for t in summary_tiles(report)]
    assert tiles["SLA breaches"] == f"{report.summary.breaches:,}" and report.summary.breaches > 0
    # Tables fill when their tab is first shown.
    assert viewer.panel.breaches.rowCount() == 0
    viewer.panel.tabs.setCurrentIndex(1)
    assert viewer.panel.breaches.rowCount() == len(report.breaches)
    viewer.panel.fill_all()
    assert viewer.panel.moves.rowCount() == len(report.reassignments)
    assert viewer.panel.tabs.tabText(1) == f"Breaches ({len(report.breaches):,})"
    assert viewer.export_pdf.isEnabled()
    for model in [viewer.list_model, *viewer.panel.models()]:
        qtmodeltester.check(model, force_py=True)
        qtmodeltester.check(model)
    # Sorting by "Over by", longest first, and the drill-down id follows the row.
    # Breaches open sorted by "Over by", the latest first; the drill-down id follows the row.
    first = viewer.panel.breaches.row_at(0)
    assert first.over_s == max(b.over_s for b in report.breaches)
    assert viewer.panel.breaches.index(0, 0).data(ID_ROLE) == first.enquiry_id
    viewer.panel.breaches.sort(0, Qt.SortOrder.AscendingOrder)
    ids = [viewer.panel.breaches.row_at(i).enquiry_id for i in range(viewer.panel.breaches.rowCount())]
    assert ids == sorted(ids)


def test_drill_down_shows_the_enquiry_masked(viewer: ReportViewer, qtbot: QtBot) -> None:
    report = viewer.open("s1")
    assert report is not None
    viewer.panel.fill_all()
    text = viewer.enquiry_detail("e00000")
    assert "Enquiry e00000" in text and "Conversation (masked)" in text
    assert "4111 1111 1111 1111" not in text and "1111" in text  # last four kept
    assert "@cust0" not in text and "Customer 0" not in text
    model = viewer.panel.breaches
    index = model.index(0, 0)
    view = viewer.panel.views[0]  # the Breaches tab
    with qtbot.waitSignal(viewer.panel.enquiryWanted) as wanted:
        view.doubleClicked.emit(index)
    assert wanted.args == [model.row_at(0).enquiry_id]
    assert "no longer in the cache" in viewer.enquiry_detail("gone")
    dialog = viewer.show_enquiry("e00000")
    assert dialog.text.toPlainText() == text and dialog.text.isReadOnly()
    SHOTS.mkdir(exist_ok=True)
    dialog.grab().save(str(SHOTS / "report-drilldown.png"))
    dialog.close()


def test_two_shifts_side_by_side_and_screenshots(viewer: ReportViewer, qtbot: QtBot) -> None:
    viewer.show()
    viewer.open("s1")
    viewer.panel.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: viewer.panel.charts.drawn, timeout=10_000)
    qtbot.wait(100)  # the canvas repaints after its first resize; only the screenshot needs it
    SHOTS.mkdir(exist_ok=True)
    viewer.grab().save(str(SHOTS / "report-viewer.png"))
    viewer.compare_with("s0")
    assert viewer.other.isVisible() and viewer.other.report is not None
    assert viewer.other.report.shift_id == "s0"
    assert viewer.other.title.text().startswith("Wednesday day")
    assert 0 < viewer.other.report.summary.created < viewer.panel.report.summary.created  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: viewer.other.charts.drawn, timeout=10_000)
    qtbot.wait(100)
    viewer.grab().save(str(SHOTS / "report-viewer-compare.png"))
    viewer.panel.tabs.setCurrentIndex(1)
    viewer.grab().save(str(SHOTS / "report-viewer-breaches.png"))
    viewer.compare_with(None)
    assert not viewer.other.isVisible()


def test_export_runs_off_the_ui_thread_and_is_audited(
    viewer: ReportViewer, qtbot: QtBot, cache: tuple[Path, str], tmp_path: Path
) -> None:
    report = viewer.open("s0")
    assert report is not None
    target = tmp_path / "s0.zip"
    viewer.export(report, target, "csv")
    assert not viewer.export_csv.isEnabled()  # until the job is done
    qtbot.waitUntil(lambda: bool(viewer.exports), timeout=20_000)
    assert target.stat().st_size > 1000 and viewer.export_csv.isEnabled()

    def audited() -> bool:
        with StoreReader(*cache) as reader:
            return any(
                (a.action, a.subject, a.actor) == ("report.export", "s0", "sup.night")
                for a in reader.audit_entries()
            )

    qtbot.waitUntil(audited, timeout=10_000)
    viewer.export(report, tmp_path / "missing" / "s0.pdf", "pdf")
    qtbot.waitUntil(lambda: "export failed" in viewer.status.text(), timeout=10_000)
    assert viewer.warning is not None and "does not exist" in viewer.warning.text()
    viewer.warning.close()
