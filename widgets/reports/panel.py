"""One shift report on screen: its title, the summary tiles, and tabs of charts and tables. The viewer
shows one panel, or two side by side to compare shifts. Double-clicking a row that names an enquiry
asks for its detail (enquiryWanted)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.domain.labels import outcome_label
from console.reports.complaints import complaint_line
from console.reports.tiles import summary_tiles
from console.reports.types import ShiftReport
from widgets.reports.care import CareTab
from widgets.reports.charts import ReportCharts
from widgets.reports.models import (
    ID_ROLE,
    RowsModel,
    agent_columns,
    attainment_columns,
    breach_columns,
    carried_columns,
    first_response_columns,
    reassignment_columns,
    rows_view,
    when,
)


def plain(text: str = "", *, bold: bool = False, scale: float = 1.0, muted: bool = False) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    font = label.font()
    font.setBold(bold)
    if scale != 1.0:
        font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    if muted:
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


class Tile(QFrame):
    """One summary figure: a title, the figure large, a note."""

    def __init__(self) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("reportTile")
        self.title, self.figure, self.note = plain(), plain(bold=True, scale=1.8), plain(muted=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(2)
        for w in (self.title, self.figure, self.note):
            layout.addWidget(w)

    def set(self, title: str, figure: str, note: str) -> None:
        self.title.setText(title)
        self.figure.setText(figure)
        self.note.setText(note)
        self.setAccessibleName(f"{title}: {figure}, {note}")


class ReportPanel(QWidget):
    enquiryWanted = Signal(str)

    def __init__(self, zone: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._zone = zone
        self.report: ShiftReport | None = None
        self.title = plain("No report open", bold=True, scale=1.3)
        self.subtitle = plain("Pick a shift on the left.", muted=True)
        tiles = QGridLayout()
        tiles.setSpacing(6)
        self.tiles = [Tile() for _ in range(8)]
        for i, tile in enumerate(self.tiles):
            tiles.addWidget(tile, i // 4, i % 4)

        self.charts = ReportCharts(zone)
        self.breaches = RowsModel(breach_columns(zone), enquiry_id=lambda b: b.enquiry_id)
        self.carried = RowsModel(carried_columns(zone), enquiry_id=lambda c: c.enquiry_id)
        self.first_response = RowsModel(first_response_columns())
        self.by_kind = RowsModel(attainment_columns())
        self.by_team = RowsModel(attainment_columns())
        self.agents = RowsModel(agent_columns())
        self.moves = RowsModel(reassignment_columns(zone), enquiry_id=lambda r: r.enquiry_id)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.charts, "Charts")
        self.views: list[QTableView] = []
        self._tab_views: dict[int, list[QTableView]] = {}
        self._filled: set[int] = set()  # tabs filled for the current report
        self.tabs.currentChanged.connect(self._fill_tab)
        down = Qt.SortOrder.DescendingOrder
        self._tab(self.breaches, "Breaches", (7, down))  # the latest first
        self._tab(self.carried, "Carried over", (5, down))  # the longest waiting first
        self._tab(self.first_response, "First response")
        sla = QWidget()
        sla_layout = QVBoxLayout(sla)
        sla_layout.setContentsMargins(0, 4, 0, 0)
        sla_layout.addWidget(plain("By clock", bold=True))
        by_kind, by_team = (
            rows_view(self.by_kind, "SLA attainment by clock"),
            rows_view(self.by_team, "SLA by team"),
        )
        sla_layout.addWidget(by_kind)
        sla_layout.addWidget(plain("By team", bold=True))
        sla_layout.addWidget(by_team)
        self._tab_views[self.tabs.addTab(sla, "SLA attainment")] = [by_kind, by_team]
        self._tab(self.agents, "Agents")
        self._tab(self.moves, "Reassignments", (0, Qt.SortOrder.AscendingOrder))
        self.care = CareTab(plain)  # Consumer Duty and quality (issue 17)
        self.tabs.addTab(self.care, "Care and quality")
        self.outcomes = plain(muted=False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addLayout(tiles)
        layout.addWidget(self.outcomes)
        layout.addWidget(self.tabs, 1)
        self.set_report(None)

    def _tab(self, model: RowsModel, name: str, sort: tuple[int, Qt.SortOrder] | None = None) -> None:
        view = rows_view(model, name)
        view.doubleClicked.connect(self._drill)
        if sort is not None:
            view.sortByColumn(*sort)
        self.views.append(view)
        self._tab_views[self.tabs.addTab(view, name)] = [view]

    def _drill(self, index: QModelIndex) -> None:
        ident = index.data(ID_ROLE)
        if isinstance(ident, str) and ident:
            self.enquiryWanted.emit(ident)

    def set_report(self, report: ShiftReport | None) -> None:
        self.report = report
        self.charts.set_report(report)
        self.care.set_report(report)
        if report is None:
            self.title.setText("No report open")
            self.subtitle.setText("Pick a shift on the left.")
            for tile in self.tiles:
                tile.set("", "", "")
            self.outcomes.setText("")
            self._filled = set(self._tab_views)
            for model in self.models():
                model.set_rows(())
            return
        z = self._zone
        teams = ", ".join(report.team_names) or "every team"
        self.title.setText(f"{report.shift_name} · {report.site}" if report.site else report.shift_name)
        cutoff = "" if report.cutoff >= report.end else f" (figures up to {when(report.cutoff, z)})"
        self.subtitle.setText(
            f"{when(report.start, z)} to {when(report.end, z)}{cutoff} · {teams} · "
            f"report made {when(report.generated_at, z)} · customer data masked"
        )
        for tile, t in zip(self.tiles, summary_tiles(report), strict=True):
            tile.set(t.title, t.figure, t.note)
        known = [o for o in report.outcomes if o.known]
        self.outcomes.setText(
            "Customer outcomes: "
            + (
                " · ".join(f"{outcome_label(o.flag)} {o.yes}/{o.known}" for o in known)
                if known
                else "not recorded in this shift"
            )
            + "\n"
            + complaint_line(report.complaints)
        )
        # Tables fill when their tab is first shown: a 50k-enquiry shift has tens of thousands of rows.
        self._filled = set()
        self._fill_tab(self.tabs.currentIndex())
        self.tabs.setTabText(1, f"Breaches ({len(report.breaches):,})")
        self.tabs.setTabText(2, f"Carried over ({len(report.carried_over):,})")
        self.tabs.setTabText(6, f"Reassignments ({len(report.reassignments):,})")

    def _rows_of(self, model: RowsModel) -> Sequence[Any]:
        r = self.report
        if r is None:
            return ()
        return {
            id(self.breaches): r.breaches,
            id(self.carried): r.carried_over,
            id(self.first_response): r.first_response,
            id(self.by_kind): r.sla_by_kind,
            id(self.by_team): r.sla_by_team,
            id(self.agents): r.agents,
            id(self.moves): r.reassignments,
        }[id(model)]

    def _fill_tab(self, index: int) -> None:
        if index in self._filled or index not in self._tab_views:
            return
        self._filled.add(index)
        for view in self._tab_views[index]:
            model = view.model()
            assert isinstance(model, RowsModel)
            model.set_rows(self._rows_of(model))
            view.resizeColumnsToContents()

    def fill_all(self) -> None:
        """Every table now (tests, and before handing the models to something that reads them all)."""
        for index in self._tab_views:
            self._fill_tab(index)

    def models(self) -> list[RowsModel]:
        return [
            self.breaches,
            self.carried,
            self.first_response,
            self.by_kind,
            self.by_team,
            self.agents,
            self.moves,
        ]
