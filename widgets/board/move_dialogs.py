"""The reassignment dialogs: the reason prompt (the rules ask why) and the keyboard "Reassign to..." list
of every team and agent with its verdict. Plain text only. The move controller (widgets.board.reassign)
opens them; they know it only as a Planner.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.domain.moves import MovePlan, MoveRules
from console.domain.routing import Target

_SEARCH = Qt.ItemDataRole.UserRole + 1  # an item's searchable text


class Planner(Protocol):
    """What the "Reassign to..." dialog needs: the rules (teams, agents, labels) and a verdict per target
    (widgets.board.reassign.MoveController is one)."""

    @property
    def rules(self) -> MoveRules: ...

    def plan(self, ids: Sequence[str], target: Target) -> MovePlan: ...


class ReasonDialog(QDialog):
    """Why this move? Shows the rules' sentences (hand-back, capacity override, off-model) and warnings;
    OK stays disabled until a reason is typed. Plain text only."""

    def __init__(self, plan: MovePlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reason for this move")
        n = len(plan.movable)
        what = f"{n} enquiries" if n != 1 else plan.movable[0].enquiry_id
        intro = _label(f"Moving {what} to {plan.label}.", bold=True)
        why = _label(" ".join(plan.reason_prompts()))
        warn = _label(" ".join(plan.warnings()))
        warn.setVisible(bool(plan.warnings()))
        refused = _label(
            f"{len(plan.refused)} of the selection cannot go there and will stay where they are."
            if plan.refused
            else ""
        )
        refused.setVisible(bool(plan.refused))
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("e.g. customer asked for a card specialist")
        self.edit.setAccessibleName("Reason for the move")
        self.edit.setMaxLength(500)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self._ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self._ok.setText("Move")
        self._ok.setEnabled(False)
        self.edit.textChanged.connect(lambda t: self._ok.setEnabled(bool(t.strip())))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (intro, why, warn, refused):
            layout.addWidget(w)
        layout.addWidget(QLabel("Reason (kept in the audit trail):"))
        layout.addWidget(self.edit)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("m") * 45)

    def reason(self) -> str:
        return self.edit.text().strip()


def ask_reason(plan: MovePlan, parent: QWidget | None) -> str | None:
    dialog = ReasonDialog(plan, parent)
    return dialog.reason() if dialog.exec() else None


class ReassignDialog(QDialog):
    """ "Reassign to...": every team and agent with its verdict for the selection, typed to filter,
    allowed targets first; Enter moves to the highlighted one. The keyboard way to do every drag."""

    def __init__(self, moves: Planner, ids: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.moves, self.ids = moves, list(ids)
        n = len(self.ids)
        self.setWindowTitle("Reassign to…")
        head = _label(f"Reassign {self.ids[0] if n == 1 else f'{n} enquiries'} to:", bold=True)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Type a team or agent name")
        self.filter.setAccessibleName("Filter the targets")
        self.list = QListWidget()
        self.list.setAccessibleName("Teams and agents")
        self.list.setWordWrap(True)
        self.verdict = _label("")
        self.verdict.setAccessibleName("Verdict")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self._ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self._ok.setText("Reassign")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.verdict)
        layout.addWidget(buttons)
        self.plans: list[tuple[Target, MovePlan]] = []
        self._fill()
        self.filter.textChanged.connect(self._filter)
        self.list.currentRowChanged.connect(self._current)
        self._current(self.list.currentRow())
        self.list.itemActivated.connect(lambda _: self._accept())
        self.filter.installEventFilter(self)
        m = self.fontMetrics()
        self.resize(m.horizontalAdvance("m") * 50, m.height() * 30)

    def _fill(self) -> None:
        rules = self.moves.rules
        targets: list[Target] = []
        teams = sorted(rules.teams.values(), key=lambda t: (t.kind != "social", t.name))
        for t in teams:
            targets.append(Target(t.id))  # then its agents, by name
            agents = sorted((a for a in rules.agents.values() if a.team_id == t.id), key=lambda a: a.name)
            targets.extend(Target(t.id, a.id) for a in agents)
        # Teams in board order, each followed by its agents; refused targets stay in place, greyed and
        # marked, so the list reads like the board. The first allowed target is highlighted.
        self.plans = [(t, self.moves.plan(self.ids, t)) for t in targets]
        first = -1
        for row, (target, plan) in enumerate(self.plans):
            mark = "✓" if plan.allowed else "✗"
            agent = rules.agents.get(target.agent_id or "")
            if agent is None:
                label = rules.label(target)
                text = f"{mark} {label[:1].upper()}{label[1:]}"
            else:
                text = f"{mark}      {agent.name} — {agent.status}, load {agent.load} of {agent.capacity}"
            note = " (asks for a reason)" if plan.needs_reason else ("" if plan.allowed else " — not allowed")
            item = QListWidgetItem(text + note)
            # Typing a team's name keeps its agents too.
            item.setData(_SEARCH, f"{text} {rules.label(Target(target.team_id))}".casefold())
            item.setToolTip(plan.summary())
            item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, plan.summary())
            if agent is None:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            if not plan.allowed:
                item.setForeground(self.palette().placeholderText())
            elif first < 0:
                first = row
            self.list.addItem(item)
        if self.plans:
            self.list.setCurrentRow(max(first, 0))

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        first = -1
        for i in range(self.list.count()):
            item = self.list.item(i)
            hide = bool(needle) and needle not in str(item.data(_SEARCH))
            item.setHidden(hide)
            if not hide and first < 0:
                first = i
        if first >= 0:
            self.list.setCurrentRow(first)

    def _current(self, row: int) -> None:
        plan = self.plans[row][1] if 0 <= row < len(self.plans) else None
        self.verdict.setText("" if plan is None else plan.summary())
        self._ok.setEnabled(plan is not None and plan.allowed)

    def chosen(self) -> Target | None:
        row = self.list.currentRow()
        return self.plans[row][0] if 0 <= row < len(self.plans) else None

    def choose(self, target: Target) -> bool:
        """Highlight a target (tests and callers that know where to go)."""
        for i, (t, _) in enumerate(self.plans):
            if t == target:
                self.list.setCurrentRow(i)
                return True
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Up/Down in the filter box move through the list, so the mouse is never needed.
        if watched is self.filter and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                step = -1 if event.key() == Qt.Key.Key_Up else 1
                row = self.list.currentRow() + step
                while 0 <= row < self.list.count() and self.list.item(row).isHidden():
                    row += step
                if 0 <= row < self.list.count():
                    self.list.setCurrentRow(row)
                return True
        return super().eventFilter(watched, event)

    def _accept(self) -> None:
        target = self.chosen()
        plan = self.plans[self.list.currentRow()][1] if target is not None else None
        if plan is not None and plan.allowed:
            self.accept()


def _label(text: str, *, bold: bool = False) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    if bold:
        f = label.font()
        f.setBold(True)
        label.setFont(f)
    return label
