"""A team's lane on the team board: its name, its counts and risk line, its agents and its enquiries (most
urgent first), and the drop targets that say, while an enquiry hovers, whether the move is allowed."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent, QFont
from PySide6.QtWidgets import QAbstractItemView, QFrame, QLabel, QListView, QSizePolicy, QVBoxLayout, QWidget

from console.domain.labels import team_kind_label
from console.domain.model import Agent, Team
from console.domain.moves import MovePlan
from console.domain.routing import Target, team_label
from console.domain.staffing import capacity
from console.live.alarm import Level, team_ceiling, team_severity
from console.live.floor import capacity_words
from widgets.board.cards import CardDelegate
from widgets.board.model import AgentModel, LaneData, LaneModel, risk_words
from widgets.board.reassign import MoveController
from widgets.queue import mime
from widgets.theme.theme import Theme, make_theme

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
        self.stats = plain_label()
        self.risk = plain_label()
        self.risk.setObjectName("risk")
        self.level: Level = "ok"
        self.pending = False  # set_pending
        self._states: dict[str, int] = {}
        self._mine: list[Agent] = []
        self.verdict = plain_label()
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
        self.cards = CardDelegate(self.enquiries, self.theme)  # one read of each card per paint
        self.enquiries.setItemDelegate(self.cards)
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

    def set_theme(self, theme: Theme) -> None:
        self.theme = self.cards.theme = theme
        self.lane_model.set_theme(theme)
        self.show_level(self.level)

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
        # While the rows are still arriving, "0 open" would be a guess: the agents are known, the load not.
        opened = "Open enquiries not known yet" if self.pending else f"{total:,} open"
        self.stats.setText(f"{opened} · {c.on_shift} of {len(agents)} agents working · {capacity_words(c)}")
        self._states, self._mine = dict(states), list(agents)
        self.show_level(self.level)

    def set_pending(self, pending: bool) -> None:
        """The service's enquiries are still arriving (an empty cache's first fill): no count, no risk."""
        self.pending = pending
        self.update_counts(self.lane_model.total, self._states, self._mine)

    def severity(self) -> tuple[float, Level]:
        """This lane's trouble and how far the absolute rule lets it be flagged (the board ranks them)."""
        c = capacity(self._mine)
        return team_severity(self._states, c.capacity), team_ceiling(self._states, c.free_slots)

    def show_level(self, level: Level) -> None:
        self.level = level
        if self.pending:
            level = "ok"  # nothing is flagged on rows that are not all in
            line, tip = "Risk not known yet", "The service's enquiries are still arriving."
        else:
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


def plain_label() -> QLabel:
    label = QLabel("")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label
