"""Reports > Shift reports…: every stored shift report, opened from the cache with no network.

The list of stored shifts on the left; the chosen report on the right (summary, charts, tables with
drill-down to the enquiries); "Compare with" puts a second shift beside it. Export writes the PDF or the
CSV zip on the jobs thread (the window stays responsive) and each export is audited. Reads go through
the UI's read-only cache connection, on the UI thread: opening a stored report is a row read, an unzip
and a parse (benchmarks/bench_report_open.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTableView,
    QToolBar,
    QWidget,
)

from console.reports.csv_tables import zone_for
from console.reports.types import ShiftReport
from console.store.reports import (
    StoredReport,
    amendment_words,
    load_report,
    report_amendments,
    stored_reports,
)
from console.store.schema import KnownError
from console.sync.shift_close import SALT_KEY, report_zone
from widgets.app.workers import BackgroundJobs
from widgets.reports.enquiry import EnquiryDialog, enquiry_text
from widgets.reports.models import RowsModel, stored_model, when
from widgets.reports.panel import ReportPanel

if TYPE_CHECKING:
    from console.store.reads import StoreReader
    from widgets.detail.audit_trail import AuditTrail

log = logging.getLogger("concierge.reports")

Exporter = Callable[[ShiftReport, Path, str], Path]


def write_export(report: ShiftReport, path: Path, fmt: str, tz: str) -> Path:
    """On the jobs thread: matplotlib's PDF backend needs no Qt, so this is safe off the UI thread."""
    from console.reports.shift_report import to_csv, to_pdf

    return to_pdf(report, path, tz=tz) if fmt == "pdf" else to_csv(report, path, tz=tz)


class ReportViewer(QMainWindow):
    def __init__(
        self,
        reader: StoreReader,
        *,
        jobs: BackgroundJobs,
        audit: AuditTrail | None = None,
        tz: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Concierge: shift reports")
        self.setObjectName("ReportViewer")
        self._reader, self._jobs, self._audit = reader, jobs, audit
        self.tz = tz or report_zone(reader.teams(), reader.calendars())
        self.zone = zone_for(self.tz)
        self._salt = reader.get_meta(SALT_KEY) or ""
        self.stored: list[StoredReport] = []
        self.exports: list[Path] = []  # written this session (the tests wait on it)
        self.warning: QMessageBox | None = None
        self._selecting = False

        self.list_model: RowsModel = stored_model([], self.zone)
        self.shift_list = QTableView()
        self.shift_list.setModel(self.list_model)
        self.shift_list.setAccessibleName("Stored shift reports")
        self.shift_list.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.shift_list.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.shift_list.verticalHeader().setVisible(False)
        self.shift_list.setWordWrap(False)
        self.shift_list.horizontalHeader().setStretchLastSection(True)
        self.shift_list.selectionModel().selectionChanged.connect(self._picked)

        self.panel = ReportPanel(self.zone)
        self.other = ReportPanel(self.zone)
        self.other.hide()
        for panel in (self.panel, self.other):
            panel.enquiryWanted.connect(self.show_enquiry)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.shift_list)
        self.splitter.addWidget(self.panel)
        self.splitter.addWidget(self.other)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 3)
        self.splitter.setSizes([380, 1120, 0])
        self.setCentralWidget(self.splitter)

        bar = QToolBar("Report")
        bar.setObjectName("reportToolbar")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.export_pdf = QAction("Export PDF…", self)
        self.export_pdf.triggered.connect(lambda: self.ask_export("pdf"))
        self.export_csv = QAction("Export CSV…", self)
        self.export_csv.triggered.connect(lambda: self.ask_export("csv"))
        bar.addActions([self.export_pdf, self.export_csv])
        bar.addSeparator()
        bar.addWidget(QLabel(" Compare with: "))
        self.compare = QComboBox()
        self.compare.setAccessibleName("Compare with another shift")
        self.compare.setMinimumContentsLength(24)
        self.compare.currentIndexChanged.connect(self._compare_picked)
        bar.addWidget(self.compare)
        self.status = QLabel("")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addWidget(self.status, 1)
        self.refresh()
        self.resize(1500, 950)

    # --- the list -------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the list of stored reports (a new one appears at each shift's end)."""
        try:
            self.stored = stored_reports(self._reader)
        except KnownError as e:
            self._say(f"The stored reports could not be read: {e}")
            self.stored = []
        self.list_model.set_rows(self.stored)
        self.shift_list.resizeColumnsToContents()
        self.compare.blockSignals(True)
        self.compare.clear()
        self.compare.addItem("(no comparison)", None)
        for s in self.stored:
            self.compare.addItem(f"{s.name} · {when(s.start, self.zone)}", s.shift_id)
        self.compare.blockSignals(False)
        self.export_pdf.setEnabled(False)
        self.export_csv.setEnabled(False)
        self._say(
            f"{len(self.stored)} stored shift reports, read from the cache (no network needed)."
            if self.stored
            else "No shift reports yet: a report is made and stored at the end of each shift."
        )

    def _picked(self, selected: QItemSelection, _old: QItemSelection) -> None:
        rows = selected.indexes()
        if rows and not self._selecting:
            row = self.list_model.row_at(rows[0].row())
            if isinstance(row, StoredReport):
                self.open(row.shift_id)

    def _compare_picked(self, _index: int) -> None:
        shift_id = self.compare.currentData()
        if not isinstance(shift_id, str):
            self.other.set_report(None)
            self.other.hide()
            return
        report = self._load(shift_id)
        self.other.set_report(report)
        self.other.setVisible(report is not None)
        if report is not None:
            total = sum(self.splitter.sizes())
            self.splitter.setSizes([0, total // 2, total // 2])  # the list folds away; drag it back

    # --- opening --------------------------------------------------------------------------------------
    def _load(self, shift_id: str) -> ShiftReport | None:
        try:
            report = load_report(self._reader, shift_id)
        except KnownError as e:
            self._say(str(e))
            self._warn("Shift report", str(e))
            return None
        if report is None:
            self._say(f"There is no stored report for shift {shift_id}.")
        return report

    def open(self, shift_id: str) -> ShiftReport | None:
        """Show a stored report (from the cache only)."""
        report = self._load(shift_id)
        self.panel.set_report(report)
        ok = report is not None
        self.export_pdf.setEnabled(ok)
        self.export_csv.setEnabled(ok)
        if report is not None:
            amended = amendment_words(report_amendments(self._reader, shift_id), lambda t: when(t, self.zone))
            self._say(
                f"Shift {report.shift_name}: times in {self.tz}; customer data masked. {amended}".strip()
            )
            ids = [s.shift_id for s in self.stored]
            if shift_id in ids and self.shift_list.currentIndex().row() != ids.index(shift_id):
                self._selecting = True  # the list follows without opening the report again
                try:
                    self.shift_list.selectRow(ids.index(shift_id))
                finally:
                    self._selecting = False
        return report

    def compare_with(self, shift_id: str | None) -> None:
        index = self.compare.findData(shift_id) if shift_id else 0
        self.compare.setCurrentIndex(max(0, index))

    # --- drill-down -----------------------------------------------------------------------------------
    def enquiry_detail(self, enquiry_id: str) -> str:
        try:
            e = self._reader.get(enquiry_id)
            if e is None:
                return f"Enquiry {enquiry_id} is no longer in the cache."
            return enquiry_text(
                e,
                self._reader.messages(enquiry_id),
                self._reader.assignments(enquiry_id),
                self.zone,
                salt=self._salt,
                names={t.id: t.name for t in self._reader.teams()}
                | {a.id: a.name for a in self._reader.agents()},
            )
        except KnownError as e:
            return f"Enquiry {enquiry_id} could not be read from the cache: {e}"

    def show_enquiry(self, enquiry_id: str) -> EnquiryDialog:
        dialog = EnquiryDialog(f"Enquiry {enquiry_id} (masked)", self.enquiry_detail(enquiry_id), self)
        dialog.setModal(False)
        dialog.show()
        return dialog

    # --- export ---------------------------------------------------------------------------------------
    def ask_export(self, fmt: str) -> None:
        report = self.panel.report
        if report is None:
            return
        suffix = ".pdf" if fmt == "pdf" else ".zip"
        kind = "PDF (*.pdf)" if fmt == "pdf" else "CSV tables, zipped (*.zip)"
        name, _ = QFileDialog.getSaveFileName(
            self, "Export the shift report", f"shift-report-{report.shift_id}{suffix}", kind
        )
        if name:
            self.export(report, Path(name), fmt)

    def export(self, report: ShiftReport, path: Path, fmt: str, writer: Exporter | None = None) -> None:
        """Write on the jobs thread; audited once written."""
        tz = self.tz
        self._say(f"Exporting {path.name}…")
        self.export_pdf.setEnabled(False)
        self.export_csv.setEnabled(False)

        def run() -> Path:
            return (writer or (lambda r, p, t: write_export(r, p, fmt, t)))(report, path, tz)

        self._jobs.submit(run, lambda written: self._exported(report, written, fmt), self._export_failed)

    def _exported(self, report: ShiftReport, written: Any, fmt: str) -> None:
        self.export_pdf.setEnabled(True)
        self.export_csv.setEnabled(True)
        assert isinstance(written, Path)
        self.exports.append(written)
        self._say(f"Exported {written}.")
        if self._audit is not None:
            self._audit.record(
                "report.export", report.shift_id, {"format": fmt, "file": written.name, "from": "viewer"}
            )

    def _export_failed(self, error: BaseException) -> None:
        self.export_pdf.setEnabled(True)
        self.export_csv.setEnabled(True)
        self._say(f"The export failed: {error}")
        self._warn("Export", f"The report could not be exported:\n{error}")

    def _say(self, text: str) -> None:
        self.status.setText(text)

    def _warn(self, title: str, text: str) -> None:
        # Window-modal but not blocking: the viewer's thread keeps running (and tests keep control).
        self.warning = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        self.warning.open()


def show_viewer(
    existing: ReportViewer | None,
    reader: StoreReader,
    *,
    jobs: BackgroundJobs,
    audit: AuditTrail | None,
    tz: str | None,
) -> ReportViewer:
    """Reports > Shift reports…: one viewer per session, brought to the front with a fresh list."""
    viewer = existing if existing is not None else ReportViewer(reader, jobs=jobs, audit=audit, tz=tz)
    if existing is not None:
        viewer.refresh()
    viewer.show()
    viewer.raise_()
    viewer.activateWindow()
    if viewer.stored and viewer.panel.report is None:
        viewer.open(viewer.stored[0].shift_id)
    return viewer
