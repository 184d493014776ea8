"""No internal code reaches the screen (issue 15, item 6): the console on its embedded demo service, every
screen opened (main window with the detail pane, team board, Reassign dialog, charts with every tab drawn,
staffing, wallboard), and every piece of text a person can read walked for the codes of
console.domain.labels ("fraud_risk", "pending_specialist", "handoff", "whatsapp", "threads"...) and for any
snake_case word. Customer-written text (messages, handles) is left out: a customer may write anything."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from matplotlib.text import Text
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from console.domain.labels import raw_codes
from console.store.cache import Store, StoreReader
from console.sync.shift_close import close_ended_shifts
from tests.helpers.reports import END, SHIFT, fill, simulate
from tests.helpers.store import new_key
from widgets.app.session import Session
from widgets.app.workers import BackgroundJobs
from widgets.board.move_dialogs import ReassignDialog
from widgets.detail.audit_trail import AuditTrail
from widgets.reports.viewer import ReportViewer

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")

RAW = re.compile(r"\b(" + "|".join(re.escape(c) for c in sorted(raw_codes(), key=len, reverse=True)) + r")\b")
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
CUSTOMER_COLUMNS = {"Customer", "Latest message"}  # customer-written: anything may be in them
ROWS = 60  # rows read per view (what is on screen and more)


def _columns(model: QAbstractItemModel, parent: QModelIndex) -> int:
    try:
        return model.columnCount(parent)
    except TypeError:  # a list model (QListWidget's): columnCount is private in PySide
        return 1


def _model_texts(model: QAbstractItemModel, parent: QModelIndex, depth: int = 0) -> Iterator[str]:
    columns = _columns(model, parent)
    skip = {c for c in range(columns) if model.headerData(c, Qt.Orientation.Horizontal) in CUSTOMER_COLUMNS}
    for c in range(columns):
        header = model.headerData(c, Qt.Orientation.Horizontal)
        if isinstance(header, str):
            yield header
    for r in range(min(model.rowCount(parent), ROWS)):
        for c in range(columns):
            if c in skip:
                continue
            index = model.index(r, c, parent)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                value = index.data(role)
                if isinstance(value, str):
                    yield value
            if depth < 3 and c == 0 and columns > 1 and model.rowCount(index) > 0:
                yield from _model_texts(model, index, depth + 1)


def _texts(top: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for every readable string under a top-level widget."""
    yield top.objectName() or type(top).__name__, top.windowTitle()
    for w in [top, *top.findChildren(QWidget)]:
        where = f"{type(w).__name__}#{w.objectName()}"
        if isinstance(w, QLabel):
            yield where, w.text()
            yield where, w.toolTip()
        elif isinstance(w, QAbstractButton):
            yield where, w.text()
        elif isinstance(w, QGroupBox):
            yield where, w.title()
        elif isinstance(w, QLineEdit):
            yield where, w.placeholderText()
        elif isinstance(w, QTabWidget):
            for i in range(w.count()):
                yield where, w.tabText(i)
        elif isinstance(w, QAbstractItemView) and w.model() is not None:
            for text in _model_texts(w.model(), QModelIndex()):
                yield where, text
        figure = getattr(w, "figure", None)
        if figure is not None and hasattr(figure, "findobj"):
            for t in figure.findobj(Text):
                yield f"{where} chart", t.get_text()


def _offenders(tops: list[QWidget]) -> list[str]:
    found = []
    for top in tops:
        for where, text in _texts(top):
            for pattern in (RAW, SNAKE):
                hit = pattern.search(text or "")
                if hit:
                    found.append(f"{where}: {hit.group(0)!r} in {text[:120]!r}")
    return sorted(set(found))


def test_no_screen_shows_an_internal_code(demo_session: Session, qtbot: QtBot) -> None:
    session = demo_session
    window, controller, views = session.window, session.controller, session.views
    assert window is not None and controller is not None and views is not None
    qtbot.waitUntil(session.synced, timeout=30_000)
    qtbot.waitUntil(lambda: controller.board.rebuilds > 0, timeout=10_000)
    session.select_first()
    # A fraud enquiry opened in the detail pane and in the Reassign dialog (its refusals name teams).
    fraud = next(e for e in controller.model.all_enquiries() if "fraud_risk" in e.flags or e.topic == "fraud")
    controller.show_detail(fraud.id)
    dialog = ReassignDialog(controller.moves, [fraud.id], window)
    qtbot.addWidget(dialog)
    charts, staffing = views.open_charts(), views.open_staffing()
    wall = views.open_wallboard(full_screen=False)
    qtbot.waitUntil(lambda: charts.latest is not None and wall.title.text() != "", timeout=20_000)
    for i in range(charts.tabs.count()):  # every chart drawn once
        charts.tabs.setCurrentIndex(i)
        qtbot.wait(50)
    tops: list[QWidget] = [window, dialog, charts, staffing, wall]
    seen = "\n".join(text for top in tops for _, text in _texts(top))
    # The walk reached every screen (and the charts' own text), and found nothing raw.
    charted = [text for top in tops for where, text in _texts(top) if where.endswith(" chart") and text]
    for expected in ("Cannot go here:", "Flags: ", "Per hour by channel", "Fraud"):
        assert expected in seen, expected
    assert len(charted) > 20
    assert len(seen) > 5_000
    assert not _offenders(tops)
    wall.close()


def test_the_walk_would_catch_a_raw_code(qtbot: QtBot) -> None:
    """The walk itself: a label, a list row and a chart that show codes are all caught."""
    from matplotlib.figure import Figure
    from PySide6.QtWidgets import QListWidget, QVBoxLayout

    top = QWidget()
    qtbot.addWidget(top)
    layout = QVBoxLayout(top)
    layout.addWidget(QLabel("Flags fraud_risk"))
    rows = QListWidget()
    rows.addItem("priority urgent · pending specialist · handoff")
    layout.addWidget(rows)
    chart = QWidget()
    chart.figure = Figure()  # type: ignore[attr-defined]
    chart.figure.text(0.1, 0.1, "threads")  # type: ignore[attr-defined]
    layout.addWidget(chart)
    found = " ".join(_offenders([top]))
    assert "'fraud_risk'" in found and "'handoff'" in found and "'threads'" in found


def test_the_report_viewer_shows_no_internal_code(qtbot: QtBot, tmp_path: Path) -> None:
    path, key = tmp_path / "c.db", new_key()
    enquiries, moves, log = simulate(300, seed=4)
    with Store(path, key) as store:
        fill(store, enquiries, moves)
        store._conn.executemany(
            "INSERT INTO agent_status_log (agent_id, status, from_ts, to_ts) VALUES (?, ?, ?, ?)", log
        )
        assert close_ended_shifts(store, END + 600, [SHIFT]).stored == [SHIFT.id]
    reader = StoreReader(path, key)
    jobs = BackgroundJobs()
    audit = AuditTrail(jobs, syncer=lambda: None, cache=lambda: (path, key), actor=lambda: "sup.night")
    viewer = ReportViewer(reader, jobs=jobs, audit=audit, tz="Europe/London")
    qtbot.addWidget(viewer)
    try:
        viewer.show()
        report = viewer.open(SHIFT.id)
        assert report is not None and report.breaches and report.carried_over
        viewer.panel.fill_all()
        for i in range(viewer.panel.tabs.count()):  # every table and chart shown once
            viewer.panel.tabs.setCurrentIndex(i)
            qtbot.wait(20)
        # The drill-down's own lines (the conversation below them is the customer's).
        detail = viewer.enquiry_detail(report.breaches[0].enquiry_id).split("Conversation")[0]
        found = _offenders([viewer]) + [f"drill-down: {m.group(0)!r}" for m in RAW.finditer(detail)]
        assert not found
    finally:
        jobs.shutdown()
        reader.close()
