"""The team board: a lane per team (the social team first, then the specialists), each with its agents
(status, load against capacity), its enquiries by SLA urgency and its breach risk. Enquiries are dragged
from the queue table or a lane onto a lane (the team) or onto an agent; while hovering, the lane says
whether the move is allowed and, if not, why (the routing verdict).

The lanes are rebuilt from the queue model's rows on a coalescing timer whenever the window's change feed
says rows changed; a local move re-files just the moved rows at once (apply_rows), so a drop shows where
it went without waiting for the rebuild. BoardPresenter wires the board into the main window; a lane
itself is widgets.board.lane.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QModelIndex, QObject, QSize, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListView,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from console.domain.model import Agent, Enquiry, Team
from console.domain.moves import MoveRecord
from console.live.alarm import rank_alarms
from console.live.warm_up import StatusSnapshot
from widgets.app.workers import BackgroundJobs
from widgets.board.lane import LaneWidget, plain_label
from widgets.board.model import LaneData, group_lanes
from widgets.board.reassign import MoveController, reassign_with_dialog
from widgets.main_window.changes import ChangeFeed, LiveChange
from widgets.main_window.reference import LiveReference
from widgets.main_window.window import MainWindow
from widgets.queue.model import ID_ROLE, QueueModel
from widgets.theme.theme import Theme

log = logging.getLogger("concierge.ui.board")
REBUILD_MS = 1000  # changes are gathered this long before the lanes are rebuilt
REFRESH_MS = 15_000  # countdowns move with time even when nothing changes
# A worker's grouping holds the GIL the UI thread needs: at 100k rows (0.1-0.3 s a time) live changes
# regroup at most as often as keeps the grouping to this share of the time, so arrivals stay prompt.
GROUPING_SHARE = 0.25
SYNC_ROWS = 5000  # up to this many rows the lanes are grouped at once, on the UI thread
SNAPSHOT_SLICE = 8_000  # rows of the grouping's snapshot read per event (~2 ms; 20k took 9-17 ms at start-up)


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
        self.last = plain_label()
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
        self.pending = False  # set_pending
        self._unpend = False  # rows_loaded: the next grouping's snapshot has every row; it ends pending
        self.rebuilds = 0
        self.rebuild_ms = 0.0  # the UI thread's part of the last rebuild (filling the lanes)
        self.total_ms = 0.0  # snapshot to lanes filled, grouping on the worker included
        self.group_ms = 0.0  # the worker's grouping, the last time
        self._jobs = BackgroundJobs(self, whole_queue=True)
        self._busy = False
        self._again = False
        self._generation = 0  # bumped by every local re-file
        self._reading: tuple[StatusSnapshot, int, float, bool] | None = None  # a snapshot being read
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
            lane.set_theme(theme)

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
                lane.pending = self.pending
                lane.set_theme(self.theme)
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
        runs on a worker thread; a result overtaken by a local move is dropped and asked for again. The
        snapshot is read in slices of SNAPSHOT_SLICE rows, one event each (not 100k rows in one go)."""
        started = time.perf_counter()
        generation, whole = self._generation, self._unpend
        if wait:
            self._show(group_lanes(zip(*self.queue.status_rows(), strict=True)), generation, started, whole)
            return
        if self._busy:
            self._again = True
            return
        self._busy = True
        self._reading = (self.queue.status_snapshot(), generation, started, whole)
        self._read_more()

    @Slot()
    def _read_more(self) -> None:
        """The next slice of the snapshot, each in an event of its own; then the grouping on the worker.
        A method, not a closure that calls itself: such a closure is a reference cycle holding the whole
        snapshot (two lists of 100k), which refcounting never frees and which a freeze of the collector
        (widgets.app.gc_guard) would keep for the session."""
        if self._reading is None:
            return
        snapshot, generation, started, whole = self._reading
        if not snapshot.step(SNAPSHOT_SLICE):
            QTimer.singleShot(0, self, self._read_more)
            return
        self._reading = None

        def group() -> tuple[dict[str | None, LaneData], float]:
            t = time.perf_counter()
            rows = zip(snapshot.enquiries, snapshot.statuses, strict=True)
            return group_lanes(rows), (time.perf_counter() - t) * 1000

        def grouped(result: tuple[dict[str | None, LaneData], float]) -> None:
            self.group_ms = result[1]
            self._show(result[0], generation, started, whole)

        # Owned by the board: a grouping that ends after the board was deleted is dropped by the helper.
        self._jobs.read(group, grouped, self._group_failed, owner=self)

    def _group_failed(self, error: BaseException) -> None:
        self._busy = False
        log.error("the team board could not be grouped: %s", error)

    def _show(self, lanes: dict[str | None, LaneData], generation: int, started: float, whole: bool) -> None:
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
        if whole and self._unpend:
            self._unpend = False
            self.set_pending(False)  # ranks the lanes
        else:
            self.rank_lanes()
        self.rebuilds += 1
        self.rebuild_ms = (time.perf_counter() - t) * 1000
        self.total_ms = (time.perf_counter() - started) * 1000
        self.rebuilt.emit()

    def set_pending(self, pending: bool) -> None:
        """The rows are arriving in bulk (an empty cache's first fill): every lane says its load is not
        known yet, rather than "0 open · Nothing at risk"; rows_loaded clears it."""
        self._unpend = False
        if pending != self.pending:
            self.pending = pending
            for lane in self.lanes.values():
                lane.set_pending(pending)
            self.rank_lanes()

    def rows_loaded(self) -> None:
        """The queue model has read the cache whole: the lanes stay pending until they are grouped from
        it (seconds at 100k rows), never "0 open" beside a full queue meanwhile."""
        if self.pending:
            self._unpend = True
            self.rebuild()  # one under way (rows from before the load) is shown pending, then regrouped

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
        feed.filling.connect(self._filling)

    @Slot(object)
    def on_change(self, change: LiveChange) -> None:
        if change.origin == "load":
            self.board.rows_loaded()  # the filled cache was read whole
        if change.reference:
            self.moves.set_reference(self.reference.teams, self.reference.agents)  # the board follows
        if change.origin != "move" and not change.messages_only:  # a local move re-filed its rows already
            self.board.refresh()

    @Slot(int)
    def _filling(self, _rows: int) -> None:
        self.board.set_pending(True)

    def _record_changed(self, _: object) -> None:
        self.window.undo_reassign_action.setEnabled(self.moves.last_undoable() is not None)

    def _reassign(self) -> None:
        focus = self.window.focusWidget()
        ids = selected_ids(focus) if isinstance(focus, QListView) else self.window.queue_view.selectedIds()
        reassign_with_dialog(self.moves, ids, self.window)
