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
from matplotlib.patches import Rectangle
from PySide6.QtCore import QPoint
from pytestqt.qtbot import QtBot

from console.live.chart_data import BoardFigures, LiveBoard, StaffingConfig
from console.service.sim.simulator import Simulator
from widgets.charts.panel import ChartPanel
from widgets.charts.staffing_panel import COLUMNS, StaffingPanel
from widgets.theme.theme import make_theme

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
