"""A regroup of the team board keeps what the supervisor picked: the lanes and agent lists follow their new
rows by removals, moves and inserts (widgets.queue.follow), never a reset that clears the selection."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractListModel, QItemSelectionModel, QPersistentModelIndex
from PySide6.QtWidgets import QListView
from pytestqt.qtbot import QtBot

from console.sla.engine import SlaStatus
from tests.helpers.board import move_harness
from tests.helpers.routing import AGENTS, TEAMS
from tests.helpers.store import make_enquiry
from widgets.board.model import AgentModel, LaneData, LaneModel
from widgets.board.view import TeamBoard
from widgets.queue.model import ID_ROLE

_PICK = QItemSelectionModel.SelectionFlag.Select
Row = tuple[float, str, Any, SlaStatus | None]


def _row(i: int, rank: float, left: float = 600.0) -> Row:
    e = make_enquiry(i, team="soc")
    return (rank, e.id, e, SlaStatus("first_response", "on_track", left, 0.0, 3600.0))


def _lane(rows: list[Row]) -> LaneData:
    return LaneData("soc", rows, len(rows), {"on_track": len(rows)})


def _view(qtbot: QtBot, model: QAbstractListModel) -> QListView:
    view = QListView()
    qtbot.addWidget(view)
    view.setModel(model)
    return view


def _shown(view: QListView) -> tuple[list[str], set[str], str | None]:
    """(ids in row order, selected ids, current id)."""
    model = view.model()
    ids = [model.index(r, 0).data(ID_ROLE) for r in range(model.rowCount())]
    picked = {i.data(ID_ROLE) for i in view.selectionModel().selectedIndexes()}
    return ids, picked, view.currentIndex().data(ID_ROLE)


def test_a_regrouped_lane_keeps_the_selection_and_current_row_with_their_enquiries(
    qtbot: QtBot, qtmodeltester: Any
) -> None:
    lane = LaneModel("soc")
    view = _view(qtbot, lane)
    lane.set_lane(_lane([_row(i, float(i)) for i in range(10)]), "UTC", 0.0)
    qtmodeltester.check(lane)  # the tester stays attached: every step below is checked as it is signalled
    ids = lane.ids()
    for row in (3, 7):
        view.selectionModel().select(lane.index(row), _PICK)
    view.selectionModel().setCurrentIndex(lane.index(7), QItemSelectionModel.SelectionFlag.NoUpdate)
    gone = QPersistentModelIndex(lane.index(4))
    changed: list[tuple[int, int]] = []
    lane.dataChanged.connect(lambda a, b: changed.append((a.row(), b.row())))

    # Regrouped a moment later: one enquiry left the lane, the order turned round, two arrived, and the
    # selected E000007's clock moved on.
    kept = [_row(i, 20.0 - i) for i in range(10) if i != 4]
    kept[[r[1] for r in kept].index(ids[7])] = _row(7, 13.0, left=60.0)
    new = sorted([*kept, _row(20, 0.5), _row(21, 14.5)])
    lane.set_lane(_lane(new), "UTC", 60.0)

    shown, picked, current = _shown(view)
    assert shown == [r[1] for r in new]
    assert picked == {ids[3], ids[7]} and current == ids[7]
    assert not gone.isValid()  # the enquiry that left is not pointed at any more
    assert lane.index(shown.index(ids[7])).data().startswith("On track")
    assert changed[-1] == (0, len(new) - 1)  # a new moment: every countdown is read again


def test_random_regroups_leave_the_lane_equal_to_its_grouping_and_the_model_consistent(
    qtbot: QtBot, qtmodeltester: Any
) -> None:
    rng = random.Random(16)
    lane = LaneModel("soc")
    view = _view(qtbot, lane)
    qtmodeltester.check(lane)
    for step in range(40):
        new = sorted(_row(i, rng.random()) for i in rng.sample(range(30), rng.randint(0, 30)))
        before = _shown(view)[1]
        lane.set_lane(_lane(new), "UTC", float(step))
        shown, picked, _ = _shown(view)
        assert shown == [r[1] for r in new] == lane.ids()
        assert picked == before & set(shown)  # what stayed in the lane stays picked
        for r in rng.sample(range(len(new)), min(3, len(new))):
            view.selectionModel().select(lane.index(r), _PICK)


def test_an_agent_whose_status_changes_stays_selected_where_it_moves(
    qtbot: QtBot, qtmodeltester: Any
) -> None:
    agents = AgentModel("soc")
    view = _view(qtbot, agents)
    agents.set_agents(AGENTS)
    qtmodeltester.check(agents)
    assert [a.id for a in agents.agents()] == ["ann", "bob"]  # available before busy
    view.selectionModel().select(agents.index(0), _PICK)
    view.selectionModel().setCurrentIndex(agents.index(0), QItemSelectionModel.SelectionFlag.NoUpdate)
    moved = [dataclasses.replace(a, status="away") if a.id == "ann" else a for a in AGENTS]
    agents.set_agents(moved)
    assert [a.id for a in agents.agents()] == ["bob", "ann"]
    assert [i.row() for i in view.selectionModel().selectedIndexes()] == [1]
    assert view.currentIndex().row() == 1
    assert "Away" in agents.index(1).data()


def test_the_board_regrouped_with_nothing_new_keeps_every_pick(tmp_path: Path, qtbot: QtBot) -> None:
    # As on a live floor: the queue changed elsewhere and the board regrouped (at least once a second).
    with move_harness(tmp_path) as (moves, model, _):
        board = TeamBoard(model, moves)
        qtbot.addWidget(board)
        board.set_reference(TEAMS, AGENTS)
        lane = board.lanes["soc"]
        row = lane.lane_model.ids().index("c2")
        lane.enquiries.selectionModel().select(lane.lane_model.index(row), _PICK)
        lane.agents.selectionModel().select(lane.agent_model.index(1), _PICK)
        board.rebuild(wait=True)
        assert _shown(lane.enquiries)[1] == {"c2"}
        assert [i.row() for i in lane.agents.selectionModel().selectedIndexes()] == [1]


def test_a_run_of_rows_leaves_in_one_step_and_a_lane_with_nothing_kept_is_reset_once(qtbot: QtBot) -> None:
    lane = LaneModel("soc")
    lane.set_lane(_lane([_row(i, float(i)) for i in range(10)]), "UTC", 0.0)
    removed: list[tuple[int, int]] = []
    resets: list[bool] = []
    lane.rowsRemoved.connect(lambda _, first, last: removed.append((first, last)))
    lane.modelReset.connect(lambda: resets.append(True))
    lane.set_lane(_lane([_row(i, float(i)) for i in (0, 1, 5, 6, 7, 8, 9)]), "UTC", 0.0)
    assert removed == [(2, 4)] and not resets
    lane.set_lane(_lane([_row(i, float(i)) for i in range(20, 25)]), "UTC", 0.0)
    assert removed == [(2, 4)] and resets == [True]
    assert lane.ids() == [f"E0000{i}" for i in range(20, 25)]
    lane.set_lane(_lane([]), "UTC", 0.0)
    lane.set_lane(_lane([]), "UTC", 0.0)  # empty and still empty: nothing is signalled
    assert resets == [True, True] and lane.rowCount() == 0
