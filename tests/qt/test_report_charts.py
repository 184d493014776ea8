"""The report viewer's charts: labelled value axes, values on the bars, legends at body text size, and
the chart area in the window's theme, drawn again when the theme or the text size changes."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from matplotlib.colors import to_hex
from PySide6.QtGui import QFontInfo, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.reports.compute import compute_shift_report
from console.reports.types import ShiftReport
from tests.helpers.reports import END, SHIFT, TEAMS, engine, simulate
from widgets.reports.charts import DPI, ReportCharts
from widgets.theme.theme import apply_theme

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture(scope="module")
def report() -> ShiftReport:
    enquiries, moves, _ = simulate(400, seed=4)
    return compute_shift_report(SHIFT, enquiries, moves, [], [], TEAMS, engine(), END + 60)


def test_report_charts_label_their_axes_write_values_and_follow_the_theme(
    qtbot: QtBot, qapp: QApplication, report: ShiftReport
) -> None:
    apply_theme(qapp, "light", 1.0)
    try:
        charts = ReportCharts(ZoneInfo("Europe/London"))
        qtbot.addWidget(charts)
        charts.resize(900, 900)
        charts.show()
        charts.set_report(report)
        qtbot.waitUntil(lambda: charts.drawn, timeout=10_000)
        figure = charts._canvas.figure
        volumes, first, sla = figure.axes
        assert volumes.get_ylabel() == "enquiries per hour"  # the per-hour chart names its y axis
        assert first.get_ylabel() and sla.get_ylabel()
        totals = [t.get_text() for t in volumes.texts if t.get_text()]
        per_hour = [
            h_total for h_total in (sum(c.n for c in h.by_channel) for h in report.volumes_by_hour) if h_total
        ]
        assert totals == [f"{n:,}" for n in per_hour]  # each hour's total written over its bar
        body = QFontInfo(qapp.font()).pixelSize()
        legend = volumes.get_legend()
        assert legend is not None
        assert all(t.get_fontsize() * DPI / 72 >= body for t in legend.get_texts())
        light = to_hex(volumes.get_facecolor())
        assert light == charts.palette().color(QPalette.ColorRole.Base).name().lower()

        # Switching the console to dark at 200% text redraws the charts in it, with nothing else to do.
        apply_theme(qapp, "dark", 2.0)
        qtbot.waitUntil(lambda: to_hex(charts._canvas.figure.axes[0].get_facecolor()) != light, timeout=5_000)
        volumes = charts._canvas.figure.axes[0]
        dark = charts.palette().color(QPalette.ColorRole.Base).name().lower()
        assert to_hex(volumes.get_facecolor()) == dark == to_hex(charts._canvas.figure.get_facecolor())
        legend = volumes.get_legend()
        assert legend is not None
        assert all(t.get_fontsize() * DPI / 72 >= 2 * body - 1 for t in legend.get_texts())
    finally:
        apply_theme(qapp, "light", 1.0)
