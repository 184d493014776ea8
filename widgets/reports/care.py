"""The report viewer's "Care & quality" tab: Consumer Duty (customers flagged vulnerable beside
everyone else) and the J.D. Power behaviours in agents' replies beside the service's flags. The words
come from console.reports.care.text; this only lays them out."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from console.reports.care.text import (
    DUTY_HEADER,
    QUALITY_HEADER,
    duty_rows,
    duty_verdict,
    quality_coverage,
    quality_rows,
)
from console.reports.types import ShiftReport
from widgets.reports.models import Column, RowsModel, rows_view


def _cell(i: int) -> Callable[[tuple[str, ...]], str]:
    return lambda row: row[i]


def _columns(header: tuple[str, ...]) -> list[Column]:
    return [Column(title, _cell(i), _cell(i), right=i > 0) for i, title in enumerate(header)]


class CareTab(QWidget):
    def __init__(self, plain: Callable[..., QLabel]) -> None:
        """plain: the panel's own label maker (same look)."""
        super().__init__()
        self.duty = RowsModel(_columns(DUTY_HEADER))
        self.quality = RowsModel(_columns(QUALITY_HEADER))
        self.duty_view = rows_view(
            self.duty, sortable=False, name="Consumer Duty: vulnerable customers beside everyone else"
        )
        self.quality_view = rows_view(
            self.quality, sortable=False, name="Behaviours in agents' replies"
        )  # shift, teams, agents
        self.verdict = plain()
        self.coverage = plain(muted=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(plain("Consumer Duty: customers flagged vulnerable beside everyone else", bold=True))
        layout.addWidget(self.duty_view)
        layout.addWidget(self.verdict)
        layout.addWidget(plain("Quality beyond speed: behaviours in agents' replies", bold=True))
        layout.addWidget(self.coverage)
        layout.addWidget(self.quality_view, 1)
        self.duty_view.setMaximumHeight(self.duty_view.verticalHeader().defaultSectionSize() * 4)

    def set_report(self, report: ShiftReport | None) -> None:
        duty = None if report is None else report.consumer_duty
        quality = None if report is None else report.quality
        self.duty.set_rows(duty_rows(duty) if duty else ())
        self.verdict.setText(duty_verdict(duty) if duty else "Not in this report (made before this section).")
        self.quality.set_rows(quality_rows(quality) if quality else ())
        self.coverage.setText(quality_coverage(quality) if quality else "Not in this report.")
        for view in (self.duty_view, self.quality_view):
            view.resizeColumnsToContents()
