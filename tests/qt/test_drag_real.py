"""A real drag with the mouse: QDrag does nothing on the offscreen platform, so the drag runs in a child
process on the minimal platform (or under Xvfb when the minimal one cannot start), driven by QTest mouse
events: press on a queue row, move, and (inside QDrag's own event loop) hover over a lane and release.
The child reports what the lane said while hovering and what the drop did, as JSON."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _run_child(tmp_path: Path, platform: str, wrapper: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": platform}
    cmd = [*wrapper, sys.executable, "-m", "tests.qt.test_drag_real", str(tmp_path)]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_a_real_mouse_drag_from_the_queue_onto_a_lane(tmp_path: Path) -> None:
    proc = _run_child(tmp_path, "minimal", [])
    if proc.returncode != 0 and shutil.which("xvfb-run"):
        proc = _run_child(tmp_path, "xcb", ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    # Allowed: the lane said so while hovering, the drop moved the row at once and wrote the outbox.
    assert "Can go to the Cards team." in out["allowed_hover"]
    assert out["after_allowed"] == {"team": "cards", "outbox": ["c1"], "in_cards_lane": True}
    # Refused: the lane said why, and the drop changed nothing.
    assert "Fraud enquiries may only go to the Fraud team." in out["refused_hover"]
    assert out["after_refused"] == {"team": "soc", "outbox": ["c1"]}


# --- the child --------------------------------------------------------------------------------------


def _child(workdir: Path) -> dict[str, Any]:
    from PySide6.QtCore import QPoint, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget

    from console.store.cache import Store
    from tests.helpers.board import NowWriter
    from tests.helpers.routing import AGENTS, TEAMS, enq
    from tests.helpers.store import new_key
    from widgets.board.reassign import MoveController
    from widgets.board.view import TeamBoard
    from widgets.queue.model import QueueModel
    from widgets.queue.view import QueueView

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    rows = [dataclasses.replace(enq(), id="c1"), dataclasses.replace(enq(topic="fraud"), id="f1")]
    store = Store(workdir / "c.db", new_key())
    store.apply_enquiries(rows)
    model = QueueModel()
    model.set_rows(rows)
    moves = MoveController(model, actor="alice")
    writer = NowWriter(store)
    moves.writer = lambda: writer
    moves.reader = store
    moves.set_reference(TEAMS, AGENTS)
    window = QWidget()
    layout = QHBoxLayout(window)
    view = QueueView(model)
    board = TeamBoard(model, moves)
    layout.addWidget(view, 1)
    layout.addWidget(board, 2)
    window.resize(1500, 700)
    window.show()
    QTest.qWaitForWindowExposed(window)
    board.set_reference(TEAMS, AGENTS)
    lane = board.lanes["cards"]
    said: list[str] = []
    lane.enquiries.hovered.connect(lambda plan: said.append("" if plan is None else plan.summary()))

    def drag(ident: str) -> str:
        said.clear()
        row = model.row_of(ident)
        assert row is not None
        src = view.viewport()
        start = view.visualRect(model.index(row, 1)).center()
        dst_widget = lane.enquiries.viewport()
        dst = QPoint(dst_widget.width() // 2, dst_widget.height() // 2)
        steps = iter(range(12))

        def over_target() -> None:  # runs inside QDrag's event loop
            i = next(steps, None)
            if i is None:
                QTest.mouseRelease(dst_widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, dst)
                return
            QTest.mouseMove(dst_widget, dst + QPoint(0, i))
            QTimer.singleShot(20, over_target)

        QTest.mousePress(src, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
        QTimer.singleShot(50, over_target)
        far = start + QPoint(app.startDragDistance() * 3, 0)
        QTest.mouseMove(src, start + QPoint(2, 0))
        QTest.mouseMove(src, far)  # past the drag distance: QDrag.exec runs until the release
        QTest.qWait(100)
        return " | ".join(s for s in said if s)

    out: dict[str, Any] = {}
    out["allowed_hover"] = drag("c1")
    e = model.enquiry("c1")
    out["after_allowed"] = {
        "team": e.team_id if e else None,
        "outbox": sorted(o.enquiry_id or "" for o in store.outbox_pending()),
        "in_cards_lane": "c1" in board.lane_ids("cards"),
    }
    out["refused_hover"] = drag("f1")
    f = model.enquiry("f1")
    out["after_refused"] = {
        "team": f.team_id if f else None,
        "outbox": sorted(o.enquiry_id or "" for o in store.outbox_pending()),
    }
    window.close()
    store.close()
    return out


if __name__ == "__main__":
    print(json.dumps(_child(Path(sys.argv[1]))))
    sys.stdout.flush()
    os._exit(0)  # skip Qt's teardown in the child: the answer is out
