"""The team board: a lane per team (the social team first, then the specialists), each with its agents
(status, load against capacity), its enquiries by SLA urgency and its breach risk. Enquiries are dragged
from the queue table or a lane onto a lane (the team) or onto an agent; while hovering, the lane says
whether the move is allowed and, if not, why (the routing verdict).

The lanes are rebuilt from the queue model's rows on a coalescing timer whenever the window's change feed
says rows changed; a local move re-files just the moved rows at once (apply_rows), so a drop shows where
it went without waiting for the rebuild. BoardPresenter wires the board into the main window.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from console.domain.labels import team_kind_label
from console.domain.model import Agent, Enquiry, Team
from console.domain.moves import MovePlan, MoveRecord
from console.domain.routing import Target, team_label
from console.domain.staffing import capacity
from console.live.alarm import Level, rank_alarms, team_ceiling, team_severity
from console.live.floor import capacity_words
from widgets.app.workers import BackgroundJobs
from widgets.board.model import AgentModel, LaneData, LaneModel, group_lanes, risk_words
from widgets.board.reassign import MoveController, reassign_with_dialog
from widgets.main_window.changes import ChangeFeed, LiveChange
from widgets.main_window.reference import LiveReference
from widgets.main_window.window import MainWindow
from widgets.queue import mime
from widgets.queue.model import ID_ROLE, QueueModel
from widgets.theme.theme import Theme, make_theme

log = logging.getLogger("concierge.ui.board")
REBUILD_MS = 1000  # changes are gathered this long before the lanes are rebuilt
REFRESH_MS = 15_000  # countdowns move with time even when nothing changes
# A worker's grouping holds the GIL the UI thread needs: at 100k rows (0.1-0.3 s a time) live changes
# regroup at most as often as keeps the grouping to this share of the time, so arrivals stay prompt.
GROUPING_SHARE = 0.25
SYNC_ROWS = 5000  # up to this many rows the lanes are grouped at once, on the UI thread
# A lane's alarm borrows a state's colours: only the ranked worst are strong (console.live.alarm).
RISK_STATE: dict[Level, str | None] = {"alert": "urgent", "warn": "at_risk", "ok": None}


class DropView(QListView):
    """A list that shows the routing verdict while enquiries hover over it. The verdict is computed by
    the move controller (cached per payload and target) and the model's canDropMimeData agrees."""

    hovered = Signal(object)  # MovePlan | None (None: the drag left)

    def __init__(self, moves: MoveController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.moves = moves
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setWordWrap(True)

    def target_at(self, pos: QPoint) -> Target | None:
        model = self.model()
        index = self.indexAt(pos)
        if isinstance(model, AgentModel):
            return model.target(index)
        if isinstance(model, LaneModel):
            return model.target(index)
        return None

    def verdict_at(self, event: QDragMoveEvent | QDragEnterEvent | QDropEvent) -> MovePlan | None:
        target = self.target_at(event.position().toPoint())
        data = event.mimeData()
        if target is None or not mime.has_refs(data):
            return None
        try:
            refs = mime.decode(data)
        except mime.BadPayload:
            return None
        return self.moves.plan_refs(refs, target)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if mime.has_refs(event.mimeData()):
            event.acceptProposedAction()
            self._judge(event)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        super().dragMoveEvent(event)  # auto-scroll and the drop indicator
        self._judge(event)

    def _judge(self, event: QDragMoveEvent | QDragEnterEvent) -> None:
        plan = self.verdict_at(event)
        self.hovered.emit(plan)
        if plan is not None and plan.allowed:
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        super().dragLeaveEvent(event)
        self.hovered.emit(None)

    def dropEvent(self, event: QDropEvent) -> None:
        self.hovered.emit(None)
        model = self.model()
        target = self.target_at(event.position().toPoint())
        index = self.indexAt(event.position().toPoint())
        if target is None or model is None:
            event.ignore()
            return
        # The model's dropMimeData holds the logic; the view never removes the dragged rows itself.
        done = model.dropMimeData(event.mimeData(), Qt.DropAction.MoveAction, -1, -1, index)
        event.setDropAction(Qt.DropAction.CopyAction if done else Qt.DropAction.IgnoreAction)
        event.accept() if done else event.ignore()


class LaneWidget(QFrame):
    def __init__(self, team: Team, moves: MoveController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.team = team
        self.moves = moves
        self.theme = make_theme("light")  # the board hands its theme down
        self.setObjectName(f"lane-{team.id}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(team.name.strip() or team_kind_label(team.kind))
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setToolTip(team_kind_label(team.kind))
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.stats = _plain()
        self.risk = _plain()
        self.risk.setObjectName("risk")
        self.level: Level = "ok"
        self._states: dict[str, int] = {}
        self._mine: list[Agent] = []
        self.verdict = _plain()
        self.verdict.setObjectName("verdict")
        self.verdict.setAccessibleName(f"Drop verdict for {team_label(team)}")
        self.verdict.hide()
        self.agent_model = AgentModel(team.id, self)
        self.agent_model.handler = moves
        self.agents = DropView(moves)
        self.agents.setModel(self.agent_model)
        self.agents.setAccessibleName(f"Agents of {team_label(team)}")
        self.agents.setDragEnabled(False)
        # About six agents in sight; the enquiries get the rest of the lane.
        self.agents.setMaximumHeight(self.fontMetrics().height() * 7 + 8)
        self.agents.setWordWrap(False)
        self.lane_model = LaneModel(team.id, self)
        self.lane_model.handler = moves
        self.enquiries = DropView(moves)
        self.enquiries.setModel(self.lane_model)
        self.enquiries.setAccessibleName(f"Enquiries of {team_label(team)}, most urgent first")
        self.enquiries.setDragEnabled(True)
        self.enquiries.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.enquiries.setSpacing(1)
        # Every item is two lines: uniform sizes spare Qt measuring 200 items per lane on each refill.
        self.enquiries.setWordWrap(False)
        self.enquiries.setUniformItemSizes(True)
        self.enquiries.setTextElideMode(Qt.TextElideMode.ElideRight)
        for view in (self.agents, self.enquiries):
            view.hovered.connect(self.show_verdict)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        for w in (self.title, self.stats, self.risk, self.verdict):
            layout.addWidget(w)
        layout.addWidget(self.agents, 2)
        layout.addWidget(self.enquiries, 5)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("m") * 24)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)

    def show_verdict(self, plan: MovePlan | None) -> None:
        if plan is None:
            self.verdict.hide()
            return
        # A mark and words, never colour alone: ✓ all go, ◐ some go, ✎ goes with a reason, ⊘ none go.
        partial = plan.allowed and bool(plan.refused or plan.missing)
        mark, state = ("⊘ Not here: ", None) if not plan.allowed else ("✓ ", "on_track")
        if partial:
            mark, state = "◐ ", "at_risk"
        elif plan.allowed and plan.needs_reason:
            mark, state = "✎ ", "at_risk"
        self.verdict.setText(mark + plan.summary())
        self.verdict.setProperty("allowed", plan.allowed)
        self.verdict.setStyleSheet(self._verdict_style(state))
        self.verdict.show()

    def _verdict_style(self, state: str | None) -> str:
        if state is None:
            # A refusal is a rule, not a late enquiry: the window's own colours in a dashed frame, so it
            # is never mistaken for a breached card (wine) or an urgent one (vermillion).
            t = self.theme
            return (
                f"QLabel {{ color: {t.text.name()}; background: {t.alt_base.name()}; padding: 4px;"
                f" border: 2px dashed {t.text.name()}; font-weight: bold; }}"
            )
        c = self.theme.states[state]
        return (
            f"QLabel {{ color: {c.fg.name()}; background: {c.bg.name()}; padding: 4px; font-weight: bold; }}"
        )

    def set_data(self, lane: LaneData, agents: Sequence[Agent], tz: str, now: float) -> None:
        self.lane_model.set_lane(lane, tz, now)
        self.agent_model.set_agents(agents)
        mine = self.agent_model.agents()
        self.update_counts(lane.total, lane.states, mine)

    def update_counts(self, total: int, states: dict[str, int], agents: Sequence[Agent]) -> None:
        c = capacity(agents)
        self.stats.setText(
            f"{total:,} open · {c.on_shift} of {len(agents)} agents working · {capacity_words(c)}"
        )
        self._states, self._mine = dict(states), list(agents)
        self.show_level(self.level)

    def severity(self) -> tuple[float, Level]:
        """This lane's trouble and how far the absolute rule lets it be flagged (the board ranks them)."""
        c = capacity(self._mine)
        return team_severity(self._states, c.capacity), team_ceiling(self._states, c.free_slots)

    def show_level(self, level: Level) -> None:
        self.level = level
        line, tip = risk_words(level, self._states, self._mine)
        self.risk.setText(line)
        self.risk.setToolTip(tip)
        self.risk.setAccessibleName(f"Risk for {team_label(self.team)}")
        self.risk.setProperty("level", level)
        state = RISK_STATE[level]
        risk_style = lane_style = ""
        if state is not None:
            c = self.theme.states[state]
            strong = "font-weight: bold; " if level == "alert" else ""
            risk_style = (
                f"QLabel {{ color: {c.fg.name()}; background: {c.bg.name()}; padding: 3px; {strong}}}"
            )
            if level == "alert":  # the lane itself is framed in the state's colour
                lane_style = f"QFrame#{self.objectName()} {{ border: 3px solid {c.icon_fill.name()}; }}"
        # Restyled only on a change: a style sheet re-polishes every child (each rebuild re-ranks).
        if self.risk.styleSheet() != risk_style:
            self.risk.setStyleSheet(risk_style)
        if self.styleSheet() != lane_style:
            self.setStyleSheet(lane_style)


class TeamBoard(QScrollArea):
    """All lanes side by side. set_reference() with the teams and agents, then refresh() whenever the
    queue model's rows change (coalesced); the move controller's local moves are re-filed at once."""

    rebuilt = Signal()

    def __init__(self, queue: QueueModel, moves: MoveController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.queue, self.moves = queue, moves
        self.theme = queue.theme()
        self.setWidgetResizable(True)
        self.setAccessibleName("Team board")
        self._inner = QWidget()
        column = QVBoxLayout(self._inner)
        column.setContentsMargins(4, 4, 4, 4)
        # The outcome of the last reassignment stays in sight until the next one (the status bar's
        # message fades; a supervisor told "bob moved it first" must be able to read it later).
        self.last = _plain()
        self.last.setObjectName("lastMove")
        self.last.setAccessibleName("Last reassignment")
        self.last.hide()
        column.addWidget(self.last)
        self._row = QHBoxLayout()
        column.addLayout(self._row, 1)
        self.setWidget(self._inner)
        self.lanes: dict[str, LaneWidget] = {}
        self._teams: list[Team] = []
        self._agents: list[Agent] = []
        self.rebuilds = 0
        self.rebuild_ms = 0.0  # the UI thread's part of the last rebuild (filling the lanes)
        self.total_ms = 0.0  # snapshot to lanes filled, grouping on the worker included
        self.group_ms = 0.0  # the worker's grouping, the last time
        self._jobs = BackgroundJobs(self, whole_queue=True)
        self._busy = False
        self._again = False
        self._generation = 0  # bumped by every local re-file
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(REBUILD_MS)
        self._soon.timeout.connect(self.rebuild)
        self._tick = QTimer(self)
        self._tick.setInterval(REFRESH_MS)
        self._tick.timeout.connect(self.rebuild)
        self._tick.start()
        moves.rowsChanged.connect(self.apply_rows)
        moves.recordChanged.connect(self.show_record)

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        return QSize(fm.horizontalAdvance("m") * 120, fm.height() * 22)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            # A theme switch: the window hands the queue model its new theme right after the palette.
            QTimer.singleShot(0, self, lambda: self.set_theme(self.queue.theme()))

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        for lane in self.lanes.values():
            lane.theme = theme
            lane.lane_model.set_theme(theme)
            lane.show_level(lane.level)

    def set_reference(self, teams: Sequence[Team], agents: Sequence[Agent]) -> None:
        order = sorted(teams, key=lambda t: (t.kind != "social", t.name))
        if [(t.id, t.name, t.kind) for t in order] != [(t.id, t.name, t.kind) for t in self._teams]:
            for lane in self.lanes.values():
                lane.setParent(None)
                lane.deleteLater()
            self.lanes = {}
            while self._row.count():
                self._row.takeAt(0)
            for t in order:
                lane = self.lanes[t.id] = LaneWidget(t, self.moves, self._inner)
                lane.theme = self.theme
                lane.lane_model.set_theme(self.theme)
                self._row.addWidget(lane)
        self._teams, self._agents = list(order), list(agents)
        self.rebuild(wait=self.queue.total_count() <= SYNC_ROWS)

    def refresh(self, *_: object) -> None:
        """Something changed in the queue: rebuild soon (bursts of changes make one rebuild)."""
        if self.queue.total_count() <= SYNC_ROWS:
            self._soon.setInterval(REBUILD_MS // 5)
        else:
            self._soon.setInterval(max(REBUILD_MS, round(self.group_ms / GROUPING_SHARE)))
        if not self._soon.isActive():
            self._soon.start()

    def rebuild(self, *, wait: bool = False) -> None:
        """Regroup the lanes from a snapshot of the queue model. The grouping (~0.4 s of Python at 100k)
        runs on a worker thread; a result overtaken by a local move is dropped and asked for again."""
        started = time.perf_counter()
        snapshot = self.queue.status_rows()
        generation = self._generation
        if wait:
            self._show(group_lanes(zip(*snapshot, strict=True)), generation, started)
            return
        if self._busy:
            self._again = True
            return
        self._busy = True

        def failed(error: BaseException) -> None:
            self._busy = False
            log.error("the team board could not be grouped: %s", error)

        def group() -> tuple[dict[str | None, LaneData], float]:
            t = time.perf_counter()
            return group_lanes(zip(*snapshot, strict=True)), (time.perf_counter() - t) * 1000

        def grouped(result: tuple[dict[str | None, LaneData], float]) -> None:
            self.group_ms = result[1]
            self._show(result[0], generation, started)

        # Owned by the board: a grouping that ends after the board was deleted is dropped by the helper.
        self._jobs.read(
            group,
            grouped,
            failed,
            owner=self,
        )

    def _show(self, lanes: dict[str | None, LaneData], generation: int, started: float) -> None:
        self._busy = False
        if generation != self._generation or self._again:
            self._again = False
            self.refresh()  # a move re-filed rows meanwhile: group again from fresh rows
            if generation != self._generation:
                return
        t = time.perf_counter()
        now, tz = self.queue.now(), self.queue.time_zone()
        for team_id, lane in self.lanes.items():
            lane.set_data(lanes.get(team_id) or LaneData(team_id), self._agents, tz, now)
        self.rank_lanes()
        self.rebuilds += 1
        self.rebuild_ms = (time.perf_counter() - t) * 1000
        self.total_ms = (time.perf_counter() - started) * 1000
        self.rebuilt.emit()

    def rank_lanes(self) -> None:
        """Flag only the lanes in most trouble (console.live.alarm.rank_alarms), not every lane."""
        judged = {team_id: lane.severity() for team_id, lane in self.lanes.items()}
        levels = rank_alarms({k: v[0] for k, v in judged.items()}, {k: v[1] for k, v in judged.items()})
        for team_id, lane in self.lanes.items():
            lane.show_level(levels[team_id])

    def show_record(self, rec: MoveRecord) -> None:
        latest = self.moves.records[-1] if self.moves.records else None
        if rec is not latest:
            return  # an answer to an older move: the status bar says it; this line shows the latest
        self.last.setText(f"Last reassignment ({rec.actor}): {rec.summary()}")
        self.last.show()

    def apply_rows(self, rows: dict[str, Enquiry | None]) -> None:
        """Re-file rows that moved locally (optimistic, confirmed or reverted) at once."""
        self._generation += 1
        for ident, e in rows.items():
            for lane in self.lanes.values():
                if lane.lane_model.take(ident) and (e is None or e.team_id != lane.team.id):
                    lane.lane_model.total = max(0, lane.lane_model.total - 1)
            if e is not None and e.team_id in self.lanes:
                self.lanes[e.team_id].lane_model.put(e, self.queue.status_of(e.id))
        self.refresh()

    def lane_ids(self, team_id: str) -> list[str]:
        lane = self.lanes.get(team_id)
        return [] if lane is None else lane.lane_model.ids()


def _plain() -> QLabel:
    label = QLabel("")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


def selected_ids(view: QAbstractItemView) -> list[str]:
    sm = view.selectionModel()
    if sm is None:
        return []
    rows: list[QModelIndex] = sorted(sm.selectedIndexes(), key=lambda i: i.row())
    out = dict.fromkeys(str(i.data(ID_ROLE)) for i in rows if i.data(ID_ROLE))
    return list(out)


class BoardPresenter(QObject):
    """Drag-to-reassign in the main window: the move controller, the team board dock, the "Reassign
    to..." and undo actions. The board is regrouped when the change feed reports rows or reference data
    changed; the move controller's own changes go out on the feed for every other view."""

    def __init__(
        self,
        window: MainWindow,
        model: QueueModel,
        feed: ChangeFeed,
        reference: LiveReference,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window, self.reference = window, reference
        moves = self.moves = MoveController(model, now=reference.now, parent=self)
        moves.reader = reference.reader
        moves.forget = lambda ids: reference.engine.forget(ids)
        board = self.board = TeamBoard(model, moves)
        window.add_board(board)
        moves.rowsChanged.connect(feed.on_moved)
        moves.recordChanged.connect(self._record_changed)
        moves.message.connect(lambda text: window.statusBar().showMessage(text, 30_000))
        moves.rulesChanged.connect(
            lambda: board.set_reference(list(moves.rules.teams.values()), reference.agents)
        )
        window.reassignRequested.connect(self._reassign)
        window.undoReassignRequested.connect(lambda: moves.undo_last(window))
        feed.changed.connect(self.on_change)

    @Slot(object)
    def on_change(self, change: LiveChange) -> None:
        if change.reference:
            self.moves.set_reference(self.reference.teams, self.reference.agents)  # the board follows
        if change.origin != "move" and not change.messages_only:  # a local move re-filed its rows already
            self.board.refresh()

    def _record_changed(self, _: object) -> None:
        self.window.undo_reassign_action.setEnabled(self.moves.last_undoable() is not None)

    def _reassign(self) -> None:
        focus = self.window.focusWidget()
        ids = selected_ids(focus) if isinstance(focus, QListView) else self.window.queue_view.selectedIds()
        reassign_with_dialog(self.moves, ids, self.window)
