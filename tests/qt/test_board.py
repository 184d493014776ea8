"""The board's and the queue's drag and drop through the models: mimeData, canDropMimeData and
dropMimeData with a real move controller writing to a real encrypted cache (tmp_path)."""

from __future__ import annotations

import gc
import json
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from PySide6.QtCore import QByteArray, QMimeData, QModelIndex, Qt
from pytestqt.qtbot import QtBot

from console.domain.routing import Target
from console.live.warm_up import StatusSnapshot
from console.store.cache import Store
from tests.helpers.board import LANE_ORDER, LANE_ROWS
from tests.helpers.routing import AGENTS, TEAMS
from tests.helpers.store import make_enquiry
from tests.helpers.thread_rule import ThreadRule
from widgets.board import view
from widgets.board.model import AgentModel, LaneModel, group_lanes
from widgets.board.reassign import MoveController
from widgets.board.view import TeamBoard
from widgets.queue import mime
from widgets.queue.model import QueueModel

_MOVE = Qt.DropAction.MoveAction


def _payload(model: QueueModel, ids: list[str]) -> QMimeData:
    indexes = [model.index(r, c) for i in ids if (r := model.row_of(i)) is not None for c in range(3)]
    return model.mimeData(indexes)


def test_queue_rows_drag_as_ids_and_versions(harness: tuple[MoveController, QueueModel, Store]) -> None:
    _, model, _ = harness
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsDragEnabled
    assert model.mimeTypes() == [mime.MIME_TYPE]
    data = _payload(model, ["c2", "c1"])  # three cells per row: each row once
    refs = json.loads(bytes(data.data(mime.MIME_TYPE).data()))
    assert sorted(r["id"] for r in refs) == ["c1", "c2"] and all(r["version"] == 1 for r in refs)
    assert "hi" not in data.text()  # ids only: no customer text leaves through a drag


def test_a_drop_on_a_lane_moves_at_once_and_writes_the_outbox(
    harness: tuple[MoveController, QueueModel, Store],
) -> None:
    moves, model, store = harness
    lane = LaneModel("cards")
    lane.handler = moves
    data = _payload(model, ["c1", "c2"])
    assert lane.canDropMimeData(data, _MOVE, -1, -1, QModelIndex())
    assert lane.dropMimeData(data, _MOVE, -1, -1, QModelIndex())
    assert {model.enquiry(i).team_id for i in ("c1", "c2")} == {"cards"}  # type: ignore[union-attr]
    assert moves.pending_ids() == {"c1", "c2"}
    assert {o.enquiry_id for o in store.outbox_pending()} == {"c1", "c2"}
    assert [a.action for a in store.audit_entries()][-1] == "assignment.bulk"
    assert moves.records[-1].outbox and moves.last_undoable() is moves.records[-1]


def test_a_refused_drop_changes_nothing(harness: tuple[MoveController, QueueModel, Store]) -> None:
    moves, model, store = harness
    lane = LaneModel("cards")
    lane.handler = moves
    data = _payload(model, ["f1"])
    assert not lane.canDropMimeData(data, _MOVE, -1, -1, QModelIndex())
    assert (
        moves.plan_refs(mime.decode(data), Target("cards")).summary().startswith("Fraud enquiries may only")
    )
    assert not lane.dropMimeData(data, _MOVE, -1, -1, QModelIndex())
    assert model.enquiry("f1").team_id == "soc" and not store.outbox_pending()  # type: ignore[union-attr]


def test_a_drop_on_an_agent_and_a_capacity_override_asks_why(
    harness: tuple[MoveController, QueueModel, Store],
) -> None:
    moves, model, store = harness
    agents = AgentModel("soc")
    agents.handler = moves
    agents.set_agents(AGENTS)
    bob = agents.index(agents.row_of("bob") or 0)
    assert agents.target(bob) == Target("soc", "bob") and agents.target(QModelIndex()) == Target("soc")
    data = _payload(model, ["gen"])
    assert agents.canDropMimeData(data, _MOVE, -1, -1, bob)  # full, but an override is allowed
    assert agents.dropMimeData(data, _MOVE, -1, -1, bob)
    (plan,) = moves.asked  # type: ignore[attr-defined]
    assert "at capacity" in " ".join(plan.reason_prompts())
    assert model.enquiry("gen").agent_id == "bob"  # type: ignore[union-attr]
    (item,) = store.outbox_pending()
    assert item.payload["reason"] == "customer asked" and item.payload["agent_id"] == "bob"


def test_a_hand_back_without_a_reason_is_not_made(harness: tuple[MoveController, QueueModel, Store]) -> None:
    moves, model, store = harness
    moves.ask_reason = lambda plan, parent: None
    lane = LaneModel("soc")
    lane.handler = moves
    said: list[str] = []
    moves.message.connect(said.append)
    assert not lane.dropMimeData(_payload(model, ["back"]), _MOVE, -1, -1, QModelIndex())
    assert model.enquiry("back").team_id == "cards" and not store.outbox_pending()  # type: ignore[union-attr]
    assert said == ["Not moved: a reason is needed for this move."]


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b'{"id": "c1"}', b'[{"id": 5, "version": 1}]', b'[{"id": "c1", "version": "1"}]'],
)
def test_foreign_payloads_are_refused(harness: tuple[MoveController, QueueModel, Store], raw: bytes) -> None:
    moves, _, store = harness
    lane = LaneModel("cards")
    lane.handler = moves
    data = QMimeData()
    data.setData(mime.MIME_TYPE, QByteArray(raw))
    assert not lane.canDropMimeData(data, _MOVE, -1, -1, QModelIndex())
    assert not lane.dropMimeData(data, _MOVE, -1, -1, QModelIndex())
    with pytest.raises(mime.BadPayload):
        mime.decode(data)
    plain = QMimeData()
    plain.setText("c1")
    assert not lane.canDropMimeData(plain, _MOVE, -1, -1, QModelIndex()) and not store.outbox_pending()


def test_lanes_drag_too_and_refile_a_move_at_once(
    harness: tuple[MoveController, QueueModel, Store], qtbot: QtBot
) -> None:
    moves, model, _ = harness
    board = TeamBoard(model, moves)
    qtbot.addWidget(board)
    board.set_reference(TEAMS, AGENTS)
    assert list(board.lanes) == ["soc", "cards", "comp", "fraud", "lend"]  # social first
    assert set(board.lane_ids("soc")) == {"c1", "c2", "f1", "gen"} and board.lane_ids("cards") == ["back"]
    soc = board.lanes["soc"].lane_model
    data = soc.mimeData([soc.index(soc.ids().index("c1"))])
    assert mime.decode(data) == [("c1", 1)]
    assert board.lanes["cards"].lane_model.dropMimeData(data, _MOVE, -1, -1, QModelIndex())
    assert "c1" not in board.lane_ids("soc") and "c1" in board.lane_ids("cards")
    text = soc.index(0).data()
    assert "\n" in text and soc.index(0).data(Qt.ItemDataRole.AccessibleTextRole) == text
    moved = board.lanes["cards"].lane_model
    assert "move not yet confirmed" in moved.index(moved.ids().index("c1")).data()


def test_undo_is_a_new_audited_move(harness: tuple[MoveController, QueueModel, Store]) -> None:
    moves, model, store = harness
    assert moves.request(["c1"], Target("cards", "cat")) is not None
    undo = moves.undo_last()
    assert undo is not None and undo.undo and undo.reason.startswith("Undo: ")
    e = model.enquiry("c1")
    assert e is not None and (e.team_id, e.agent_id) == ("soc", None)
    actions = [a.action for a in store.audit_entries()]
    assert actions == ["assignment.requested", "assignment.requested", "assignment.undo"]
    assert moves.undo_last() is None and moves.last_undoable() is None


def test_the_board_models_pass_the_model_tester(
    harness: tuple[MoveController, QueueModel, Store], qtbot: QtBot, qtmodeltester: Any
) -> None:
    moves, model, _ = harness
    board = TeamBoard(model, moves)
    qtbot.addWidget(board)
    board.set_reference(TEAMS, AGENTS)
    lane = board.lanes["soc"]
    assert lane.lane_model.rowCount() == 4 and lane.agent_model.rowCount() == 2
    qtmodeltester.check(lane.lane_model)
    qtmodeltester.check(lane.agent_model)
    assert lane.stats.text().startswith("4 open")
    # Ranked, not absolute: of five lanes only the one in most trouble is flagged "Most at risk".
    levels = {t: board.lanes[t].level for t in board.lanes}
    assert list(levels.values()).count("alert") <= 1
    for t, level in levels.items():
        mark = board.lanes[t].risk.text()[:1]
        assert (mark == "▲") == (level == "alert") and (mark == "◆") == (level == "warn")


def test_a_lane_leads_with_what_can_still_be_saved_and_only_urgent_cards_are_strong(qtbot: QtBot) -> None:
    lanes = group_lanes(LANE_ROWS)
    lane = LaneModel("social")
    lane.set_lane(lanes["social"], "UTC", 0.0)
    # Savable soonest first, then breached (the most recent breach first), then no clock at all.
    assert lane.ids() == LANE_ORDER
    bold = lane.index(0).data(Qt.ItemDataRole.FontRole)
    assert bold is not None and bold.bold()  # urgent: filled and bold
    assert lane.index(0).data(Qt.ItemDataRole.BackgroundRole) is not None
    # Breached cards are not a wall of fill: the state's colour is in the text and the icon only.
    assert lane.index(2).data(Qt.ItemDataRole.BackgroundRole) is None
    assert lane.index(2).data(Qt.ItemDataRole.DecorationRole) is not None
    assert "Breached" in lane.index(2).data()


def test_a_refused_drop_has_its_own_style_not_the_breached_one(
    harness: tuple[MoveController, QueueModel, Store], qtbot: QtBot
) -> None:
    moves, model, _ = harness
    board = TeamBoard(model, moves)
    qtbot.addWidget(board)
    board.set_reference(TEAMS, AGENTS)
    lane = board.lanes["cards"]
    lane.show_verdict(moves.plan(["f1"], Target("cards")))
    text, style = lane.verdict.text(), lane.verdict.styleSheet()
    assert text.startswith("⊘ Not here: Fraud enquiries may only go to")
    breached = board.theme.states["breached"]
    assert "dashed" in style and breached.bg.name() not in style and breached.fg.name() not in style
    lane.show_verdict(moves.plan(["c1"], Target("cards")))
    assert lane.verdict.text().startswith("✓") and "dashed" not in lane.verdict.styleSheet()


class _ThreadWriter:
    """The sync thread's submit on a real thread of its own: fn(store) runs there, as in the console."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fake-sync")

    def submit(self, fn: Callable[[Store], Any]) -> Future[Any]:
        return self.pool.submit(fn, self.store)


def test_a_move_is_written_through_the_background_helper_and_answered_on_the_ui_thread(
    harness: tuple[MoveController, QueueModel, Store], qtbot: QtBot, thread_rule: ThreadRule
) -> None:
    thread_rule.watch(MoveController, "_on_written", "_revert")
    moves, _, store = harness
    writer = _ThreadWriter(store)
    moves.writer = lambda: writer
    try:
        rec = moves.request(["c1"], Target("cards", "cat"))
        assert rec is not None  # written on the other thread; the answer comes back to this one
        qtbot.waitUntil(lambda: bool(rec.outbox), timeout=5_000)
        assert thread_rule.calls["MoveController._on_written"] == 1
        assert [o.enquiry_id for o in store.outbox_pending()] == ["c1"]
    finally:
        writer.pool.shutdown(wait=True)


@pytest.mark.expected_log(
    r"^a move could not be written: not connected", logger="concierge.ui.moves", level="ERROR"
)
def test_a_move_the_sync_loop_never_wrote_is_put_back_and_said(
    harness: tuple[MoveController, QueueModel, Store], qtbot: QtBot, thread_rule: ThreadRule
) -> None:
    thread_rule.watch(MoveController, "_revert")
    moves, model, store = harness

    class Stopped:
        def submit(self, fn: Callable[[Store], Any]) -> Future[Any]:
            fut: Future[Any] = Future()
            fut.cancel()  # Syncer.submit after a stop: the job never runs
            return fut

    moves.writer = lambda: Stopped()
    said: list[str] = []
    moves.message.connect(said.append)
    rec = moves.request(["c1"], Target("cards", "cat"))
    assert rec is not None
    qtbot.waitUntil(lambda: thread_rule.calls["MoveController._revert"] == 1, timeout=5_000)
    assert model.enquiry("c1").team_id == "soc"  # type: ignore[union-attr]
    assert rec.outcomes["c1"].state == "failed" and not moves.pending_ids()
    assert "not saved" in said[-1] and not store.outbox_pending()


def test_a_large_queue_is_read_for_grouping_in_slices_and_every_row_is_counted(
    harness: tuple[MoveController, QueueModel, Store], qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At 100k rows the grouping's snapshot, read in one go, held the UI thread 20-60 ms at every regroup.
    monkeypatch.setattr(view, "SNAPSHOT_SLICE", 1000)
    moves, model, _ = harness
    teams = ("soc", "cards", "fraud")
    model.set_rows([make_enquiry(i, team=teams[i % 3]) for i in range(view.SYNC_ROWS + 1500)])
    board = TeamBoard(model, moves)
    qtbot.addWidget(board)
    board.set_reference(TEAMS, AGENTS)  # more than SYNC_ROWS: grouped on the worker
    taken: list[StatusSnapshot] = []
    snapshot = model.status_snapshot

    def take() -> StatusSnapshot:
        taken.append(snapshot())
        return taken[-1]

    monkeypatch.setattr(model, "status_snapshot", take)
    qtbot.waitSignal(board.rebuilt, timeout=10_000).wait()  # the one set_reference asked for
    with qtbot.waitSignal(board.rebuilt, timeout=10_000):
        board.rebuild()
        assert len(taken[-1].enquiries) == 1000  # one slice read here, the rest in events of their own
    counts = {t: board.lanes[t].lane_model.total for t in teams}
    assert counts == {t: sum(1 for i in range(view.SYNC_ROWS + 1500) if teams[i % 3] == t) for t in teams}


def test_a_regroup_leaves_no_reference_cycle_holding_its_snapshot(
    harness: tuple[MoveController, QueueModel, Store], qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the collector frees a cycle, and the console freezes what is young after each job over the
    # whole queue (widgets.app.gc_guard): a cycle holding a regroup's snapshot (two lists of 100k at
    # 100k open) was kept for the session, one per freeze (~48,000 objects trapped in a minute).
    moves, model, _ = harness
    monkeypatch.setattr(view, "SNAPSHOT_SLICE", 100)
    model.set_rows([make_enquiry(i, team="soc") for i in range(view.SYNC_ROWS + 250)])
    board = TeamBoard(model, moves)
    qtbot.addWidget(board)
    board.set_reference(TEAMS, AGENTS)
    qtbot.waitSignal(board.rebuilt, timeout=10_000).wait()
    taken: list[weakref.ref[StatusSnapshot]] = []
    snapshot = model.status_snapshot

    def take() -> StatusSnapshot:
        s = snapshot()
        taken.append(weakref.ref(s))
        return s

    monkeypatch.setattr(model, "status_snapshot", take)
    with qtbot.waitSignal(board.rebuilt, timeout=10_000):
        board.rebuild()  # read in three slices, each in an event of its own, then grouped on the worker
    assert not gc.isenabled()  # as in the console: nothing but reference counting frees it
    qtbot.waitUntil(lambda: taken[0]() is None, timeout=5_000)
