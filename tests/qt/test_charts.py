"""The workload charts: matplotlib stays out of start-up, charts update by moving their artists (no
rebuild, no flicker), show values on hover, export PNG and SVG; the staffing panel shows Erlang C."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from PySide6.QtCore import QPoint
from PySide6.QtGui import QFontInfo, QFontMetrics
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.live.chart_data import BoardFigures, LiveBoard, StaffingConfig
from console.service.sim.simulator import Simulator
from widgets.app.session import Session
from widgets.charts.canvas import DPI, Chart
from widgets.charts.charts import FrtChart, HourlyChart, LoadChart, TeamStatesChart
from widgets.charts.panel import ChartPanel
from widgets.charts.staffing_panel import COLUMNS, StaffingPanel
from widgets.theme.theme import apply_theme, make_theme

ROOT = Path(__file__).resolve().parents[2]
START = 1_764_150_000.0
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

# A real console window from the demo service, in a fresh interpreter (this one may have matplotlib).
STARTUP_PROBE = """
import sys
from PySide6.QtWidgets import QApplication
from console.platform.credentials import SecretStore
from widgets.app.session import Session, SessionConfig
app = QApplication([])
s = Session(app, SessionConfig(api_url=None, demo=True, demo_open=100, headless=True),
            secret_store=SecretStore("probe", None, "memory", None))
s.start()
for _ in range(20):
    app.processEvents()
assert s.window is not None and s.window.isVisible()
print("at-start", "matplotlib" in sys.modules)
assert s.views is not None
s.views.open_charts()
app.processEvents()
print("after-charts", "matplotlib" in sys.modules)
s.stop()
"""


@pytest.fixture(scope="module")
def figures() -> tuple[BoardFigures, BoardFigures]:
    sim = Simulator(seed=4, open_enquiries=300, start=START)
    with sim.store.lock:
        sim.run_until(START + 4 * 3600)
    w = sim.world
    board = LiveBoard()
    board.set_reference(w.teams, list(w.agents.values()), w.policies, w.calendars, w.channels, w.shifts)
    now = START + 4 * 3600
    board.load([copy.copy(e) for e in sim.store.enquiries.values()], now)
    first = board.figures(now)
    with sim.store.lock:
        sim.run_until(now + 1200)
    board.apply((), {e.id: copy.copy(e) for e in sim.store.enquiries.values()}, now + 1200)
    return first, board.figures(now + 1200)


def test_matplotlib_is_imported_only_when_charts_are_first_shown(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", STARTUP_PROBE], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "at-start False" in result.stdout
    assert "after-charts True" in result.stdout


def test_charts_move_their_artists_instead_of_rebuilding(
    qtbot: QtBot, figures: tuple[BoardFigures, BoardFigures]
) -> None:
    first, second = figures
    panel = ChartPanel(make_theme("light"), tz="Europe/London")
    qtbot.addWidget(panel)
    panel.show()
    panel.set_figures(first)
    states = panel.charts[0]
    patches: list[Rectangle] = [p for p in states.axes[0].patches if isinstance(p, Rectangle)]
    widths = [p.get_width() for p in patches]
    panel.set_figures(second)
    assert [p for p in states.axes[0].patches if isinstance(p, Rectangle)] == patches  # same artists, moved
    assert [p.get_width() for p in patches] != widths
    social = next(t for t in second.teams if t.team_id == "social")
    assert (
        sum(p.get_width() for p in patches if p.get_y() < 0.5 and p.get_y() + p.get_height() > -0.5)
        == social.open
    )

    # Same axes ranges: the data artists are blitted over the cached background, no full redraw.
    states.update_figures(second, at_once=True)
    full = states.full_draws
    assert states.update_figures(second) is False and states.full_draws == full

    # Every tab catches up when opened, drawing only then.
    for i in range(len(panel.charts)):
        panel.tabs.setCurrentIndex(i)
        assert i not in panel._stale
    assert (
        np.asarray(panel.charts[1].axes[0].lines[0].get_ydata())[-1] == second.open
    )  # backlog ends at "now"


def test_values_show_on_hover(qtbot: QtBot, figures: tuple[BoardFigures, BoardFigures]) -> None:
    _, f = figures
    panel = ChartPanel(make_theme("dark"))
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    panel.show()
    panel.set_figures(f)
    chart = panel.charts[0]
    chart.draw()
    social = next(t for t in f.teams if t.team_id == "social")
    rect = chart.bars["on_track"].patches[0]
    x, y = chart.axes[0].transData.transform((rect.get_x() + rect.get_width() / 2, rect.get_y() + 0.4))
    assert (
        chart.hover_text(x, y) == f"Social care · On track: {social.states['on_track']:,} of {social.open:,}"
    )
    assert chart.hover_text(2, 2) is None

    # A real mouse move over the canvas shows the annotation (Qt's y axis points down).
    ratio = chart.device_pixel_ratio
    qtbot.mouseMove(chart, QPoint(round(x / ratio), round(chart.height() - y / ratio)))
    qtbot.waitUntil(lambda: chart.annot.get_visible(), timeout=2_000)
    assert "On track" in chart.annot.get_text()

    panel.tabs.setCurrentIndex(1)
    backlog = panel.charts[1]
    backlog.draw()
    t, n = f.backlog[-1]
    px, py = backlog.axes[0].transData.transform((t, n))
    assert backlog.hover_text(px, py) == f"{backlog._hhmm(t)} · {n:,} open"


def test_export_png_and_svg(qtbot: QtBot, tmp_path: Path, figures: tuple[BoardFigures, BoardFigures]) -> None:
    _, f = figures
    panel = ChartPanel(make_theme("light"))
    qtbot.addWidget(panel)
    panel.show()
    panel.set_figures(f)
    png = panel.export(tmp_path / "states.png", 0)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    svg = panel.export(tmp_path / "hourly.svg", 2)
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text and "Arrivals" in text
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        panel.export(tmp_path / "chart.bmp", 0)


def test_staffing_panel_shows_erlang_c_and_takes_new_inputs(
    qtbot: QtBot, figures: tuple[BoardFigures, BoardFigures]
) -> None:
    _, f = figures
    panel = StaffingPanel(make_theme("light"))
    qtbot.addWidget(panel)
    panel.show()
    panel.set_figures(f)
    assert panel.table.rowCount() == len(f.teams)
    social = next(i for i, t in enumerate(f.teams) if t.team_id == "social")
    team = f.teams[social]

    def cell(column: str) -> str:
        item = panel.table.item(social, COLUMNS.index(column))
        assert item is not None
        return item.text()

    assert cell("Needed now") == str(team.needed) == str(team.for_arrivals + team.for_backlog)
    assert cell("On shift") == str(team.on_shift)
    assert cell("Free slots") == f"{team.free_slots} of {team.capacity}"
    assert cell("Waiting for an agent") == f"{team.backlog:,}"
    with qtbot.waitSignal(panel.configChanged, timeout=2_000) as blocker:
        panel.aht.setValue(20.0)
    config = blocker.args[0]
    assert isinstance(config, StaffingConfig) and config.aht_s == 1200.0


def test_charts_module_is_not_imported_by_the_panel_module() -> None:
    # chart_panel.py imports widgets.charts.charts lazily; importing the panel alone must stay cheap.
    code = "import sys, widgets.charts.panel, widgets.wallboard.views; print('matplotlib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert out.stdout.strip() == "False", out.stderr


def label_px(text: Text, chart: Chart) -> float:
    """A text's size in logical screen pixels (what a reader sees next to the window's own text)."""
    return float(text.get_fontsize()) * DPI / 72.0


def test_values_are_written_on_the_bars_and_the_axis_fits_the_longest(
    qtbot: QtBot, figures: tuple[BoardFigures, BoardFigures]
) -> None:
    _, f = figures
    panel = ChartPanel(make_theme("light"))
    qtbot.addWidget(panel)
    panel.resize(1366, 768)
    panel.show()
    panel.set_figures(f)
    chart = panel.charts[0]
    assert isinstance(chart, TeamStatesChart)
    chart.draw()
    longest = max(t.open for t in f.teams)
    # The axis ends a little past the longest bar (room for its label), not at the next power of ten.
    assert longest * 1.05 <= chart.axes[0].get_xlim()[1] <= longest * 1.5
    # Each team's total is written at the end of its bar, without hovering.
    assert [t.get_text() for t in chart.totals] == [f"{t.open:,}" for t in f.teams]
    assert all(t.get_visible() for t in chart.totals)
    # Breached comes first, against the axis, for every team (never stacked in the middle).
    for j, team in enumerate(f.teams):
        assert chart.bars["breached"].patches[j].get_x() == 0
        assert chart.bars["breached"].patches[j].get_width() == team.states["breached"]
    legend = chart.legend
    assert legend is not None
    assert legend.get_texts()[0].get_text() == "Breached"
    # Wide segments carry their own count.
    social = next(j for j, t in enumerate(f.teams) if t.team_id == "social")
    assert chart.counts["on_track"][social].get_text() == f"{f.teams[social].states['on_track']:,}"

    # Every chart labels its value axis, the three per-hour charts included, and writes its values.
    for i in range(len(panel.charts)):
        panel.tabs.setCurrentIndex(i)
        panel.charts[i].draw()
    hourly = panel.charts[2]
    assert isinstance(hourly, HourlyChart)
    assert [ax.get_ylabel() for ax in hourly.axes] == ["per hour"] * 3
    arrivals = [sum(col) for col in zip(*f.hourly.counts["arrivals"].values(), strict=True)]
    shown = [t.get_text() for t in hourly.totals["arrivals"] if t.get_visible()]
    assert shown and set(shown) <= {f"{n:,}" for n in arrivals if n}
    for chart_ in panel.charts:
        ax = chart_.axes[0]
        assert (
            ax.get_ylabel() or ax.get_xlabel() == "open enquiries" or ax.get_xlabel().startswith("enquiries")
        )
    load = panel.charts[3]
    assert isinstance(load, LoadChart)
    assert [t.get_text() for t in load.values] == [
        f"{t.load}/{t.capacity} · {t.load / t.capacity:.0%}"
        if t.capacity
        else f"nobody on shift · {t.load} held"
        for t in f.teams
    ]
    frt = panel.charts[4]
    assert isinstance(frt, FrtChart)
    assert [t.get_text() for t in frt.counts if t.get_visible()] == [f"{n:,}" for n in f.frt.counts if n]


def test_nice_limit_fits_the_data() -> None:
    nice = Chart.nice_limit
    assert nice(None, 0.0, 950) == 1200.0  # type: ignore[arg-type]
    assert nice(None, 2000.0, 950) == 1200.0  # type: ignore[arg-type]  # shrinks back
    assert nice(None, 1200.0, 1000) == 1200.0  # type: ignore[arg-type]  # kept: no redraw
    assert nice(None, 1200.0, 1190) == 1500.0  # type: ignore[arg-type]  # no room left for the label
    for value in (1, 3, 7, 12, 95, 641, 950, 4321, 99_999):
        limit = nice(None, 0.0, value)  # type: ignore[arg-type]
        assert value * 1.1 <= limit <= value * 1.5, value


def test_charts_follow_the_theme_and_the_text_size(
    qtbot: QtBot, qapp: QApplication, figures: tuple[BoardFigures, BoardFigures]
) -> None:
    _, f = figures
    apply_theme(qapp, "light", 1.0)
    try:
        panel = ChartPanel(make_theme("light"))
        qtbot.addWidget(panel)
        panel.show()
        panel.set_figures(f)
        chart = panel.charts[0]
        body = QFontInfo(qapp.font()).pixelSize()
        legend = chart.legend
        assert legend is not None
        assert all(label_px(t, chart) >= body for t in legend.get_texts())  # legends at body size
        assert all(label_px(t, chart) >= body for t in chart.axes[0].get_yticklabels())
        light = to_hex(chart.axes[0].get_facecolor())

        # The console switches to dark at 200% text: the chart on screen follows at once...
        dark = apply_theme(qapp, "dark", 2.0)
        panel.set_theme(dark)
        assert to_hex(chart.axes[0].get_facecolor()) == dark.base.name().lower() != light
        assert to_hex(chart.figure_.get_facecolor()) == dark.base.name().lower()
        legend = chart.legend
        assert legend is not None and legend.get_texts()[0].get_color() == dark.text.name()
        big = QFontInfo(qapp.font()).pixelSize()
        assert big >= 2 * body - 1
        assert all(label_px(t, chart) >= big for t in legend.get_texts())
        # ...with its values still written, and the others follow when their tab is opened.
        assert [t.get_text() for t in chart.totals] == [f"{t.open:,}" for t in f.teams]
        panel.tabs.setCurrentIndex(2)
        assert to_hex(panel.charts[2].axes[1].get_facecolor()) == dark.base.name().lower()
    finally:
        apply_theme(qapp, "light", 1.0)


@pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")
def test_the_session_switches_open_charts_and_staffing_to_the_new_theme(demo_session: Session) -> None:
    views = demo_session.views
    assert views is not None
    charts = views.open_charts()
    staffing = views.open_staffing()
    try:
        demo_session.set_theme("dark", 1.0)
        dark = make_theme("dark")
        assert charts.theme.name == "dark" and staffing.theme.name == "dark"
        chart = charts.current_chart()
        assert chart is not None and to_hex(chart.figure_.get_facecolor()) == dark.base.name().lower()
    finally:
        demo_session.set_theme("light", 1.0)


def test_staffing_puts_the_figures_that_matter_beside_the_name_and_shows_the_day(
    qtbot: QtBot, figures: tuple[BoardFigures, BoardFigures]
) -> None:
    _, f = figures
    panel = StaffingPanel(make_theme("light"), tz="Europe/London")
    qtbot.addWidget(panel)
    panel.resize(1920, 1080)
    panel.show()
    panel.set_figures(f)
    QApplication.processEvents()
    header = panel.table.horizontalHeader()
    # The gap and the breaches likely next hour come right after the team's name...
    assert COLUMNS[:3] == ("Team", "Gap", "Breaches next hour")
    # ...and no column is stretched: the name column is as wide as the longest name, not the window.
    longest = max(QFontMetrics(panel.table.font()).horizontalAdvance(t.name) for t in f.teams)
    assert header.sectionSize(0) < longest + 80
    breaches_end = header.sectionViewportPosition(2) + header.sectionSize(2)
    assert breaches_end < panel.width() / 3
    # The table is no taller than its rows: the rest is the view across the day.
    assert panel.table.height() <= panel.table.maximumHeight() < panel.height() / 2

    day = panel.day
    hours = f.day.hours
    assert day.columnCount() == 2 + len(hours) and day.rowCount() == len(f.teams) + 1
    labels = [day.horizontalHeaderItem(c).text() for c in range(day.columnCount())]  # type: ignore[union-attr]
    assert labels[:2] == ["On shift now", "Peak"] and labels[-1].endswith("(now)")
    # The teams name the rows: they stay in view while the hours scroll.
    rows = [day.verticalHeaderItem(r).text() for r in range(day.rowCount())]
    assert rows == [t.name for t in f.teams] + ["All teams"] and day.verticalHeader().isVisible()
    for r, team in enumerate(f.day.teams):
        cells = [day.item(r, 2 + i).text() for i in range(len(hours))]  # type: ignore[union-attr]
        assert cells == [str(n) for n in team.needed]
        assert cells[-1] == str(f.teams[r].for_arrivals)  # the current hour is the figure now
    total = [day.item(len(f.teams), 2 + i).text() for i in range(len(hours))]  # type: ignore[union-attr]
    assert total == [str(n) for n in f.day.total()]
    # An hour that needed more agents than are on shift now is bold as well as tinted.
    over = [(r, i) for r, t in enumerate(f.day.teams) for i, n in enumerate(t.needed) if n > t.on_shift]
    assert over  # the demo floor has a team with nobody on shift
    for r, i in over:
        assert day.item(r, 2 + i).font().bold()  # type: ignore[union-attr]

    # A theme switch recolours the marked cells.
    marked = [r for r, t in enumerate(f.teams) if t.gap > 0]
    assert marked
    panel.set_theme(make_theme("dark"))
    for r in marked:
        bg = panel.table.item(r, COLUMNS.index("Gap")).background().color()  # type: ignore[union-attr]
        assert bg == make_theme("dark").states["breached"].bg
