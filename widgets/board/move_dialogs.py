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

from console.domain.labels import agent_status_label
from console.domain.model import Enquiry
from console.domain.moves import MovePlan, MoveRules
from console.domain.routing import Target

_SEARCH = Qt.ItemDataRole.UserRole + 1  # an item's searchable text
_PLAN = Qt.ItemDataRole.UserRole + 2  # the item's index in ReassignDialog.plans (-1: a heading)
_TEXTS = Qt.ItemDataRole.UserRole + 3  # a refused agent's (full, short) texts: short under its team


class Planner(Protocol):
    """What the "Reassign to..." dialog needs: the rules (teams, agents, labels) and a verdict per target
    (widgets.board.reassign.MoveController is one)."""

    @property
    def rules(self) -> MoveRules: ...

    def plan(self, ids: Sequence[str], target: Target) -> MovePlan: ...

    def lookup(self, ids: Sequence[str]) -> tuple[list[Enquiry], list[str]]: ...


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
    """ "Reassign to...": every team and agent with its verdict for the selection. The targets that can
    take it come first (teams in board order, each followed by its agents, every agent named with their
    team); then, greyed under "Cannot go here", the current team and the refused targets, each with its
    reason. Typing filters; Enter takes the first allowed match (arrows move). The keyboard way to do
    every drag."""

    def __init__(self, moves: Planner, ids: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.moves, self.ids = moves, list(ids)
        n = len(self.ids)
        self.setWindowTitle("Reassign to…")
        head = _label(f"Reassign {self.ids[0] if n == 1 else f'{n} enquiries'} to:", bold=True)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Type a team or agent name, then Enter")
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
        self._refused_head: QListWidgetItem | None = None
        self._refused_teams: dict[str, QListWidgetItem] = {}
        self._fill()
        self.filter.textChanged.connect(self._filter)
        self.list.currentItemChanged.connect(lambda item, _: self._current(item))
        self._current(self.list.currentItem())
        self.list.itemActivated.connect(lambda _: self._accept())
        self.filter.installEventFilter(self)
        m = self.fontMetrics()
        self.resize(m.horizontalAdvance("m") * 50, m.height() * 30)

    def _current_place(self) -> tuple[str | None, str | None]:
        """(team, agent) where the whole selection is now; None where it differs or is unassigned."""
        found = self.moves.lookup(self.ids)[0]
        teams = {e.team_id for e in found}
        agents = {e.agent_id for e in found}
        team = next(iter(teams)) if len(teams) == 1 else None
        agent = next(iter(agents)) if len(agents) == 1 and team is not None else None
        return team, agent

    def _fill(self) -> None:
        rules = self.moves.rules
        targets: list[Target] = []
        teams = sorted(rules.teams.values(), key=lambda t: (t.kind != "social", t.name))
        for t in teams:
            targets.append(Target(t.id))  # then its agents, by name
            agents = sorted((a for a in rules.agents.values() if a.team_id == t.id), key=lambda a: a.name)
            targets.extend(Target(t.id, a.id) for a in agents)
        self.plans = [(t, self.moves.plan(self.ids, t)) for t in targets]
        here = self._current_place()
        allowed = [i for i, (_, plan) in enumerate(self.plans) if plan.allowed]
        refused = [i for i, (_, plan) in enumerate(self.plans) if not plan.allowed]
        # The current team (and agent) lead the refused part: where the work is now, said as such.
        refused.sort(key=lambda i: (self.plans[i][0] not in _places(here), i))
        for i in allowed:
            self.list.addItem(self._item(i, here))
        if refused:
            self._refused_head = QListWidgetItem("Cannot go here:")
            self._refused_head.setFlags(Qt.ItemFlag.NoItemFlags)
            self._refused_head.setData(_PLAN, -1)
            font = self._refused_head.font()
            font.setBold(True)
            self._refused_head.setFont(font)
            self.list.addItem(self._refused_head)
            for i in refused:
                item = self._item(i, here)
                self.list.addItem(item)
                target = self.plans[i][0]
                if target.agent_id is None:
                    self._refused_teams[target.team_id] = item
                else:
                    self._shorten(item, target.team_id)
        self._select_first()

    def _shorten(self, item: QListWidgetItem, team_id: str) -> None:
        """A refused agent listed under its refused team, for the team's reason: the reason once, on the
        team's line (the agent's line keeps it when filtering hides the team)."""
        team_item = self._refused_teams.get(team_id)
        i, t = self._plan_index(item), self._plan_index(team_item)
        if team_item is None or i < 0 or t < 0 or _why_not(self.plans[i][1]) != _why_not(self.plans[t][1]):
            return
        full = item.text()
        item.setData(_TEXTS, (full, full[: full.rindex(" — ")]))
        item.setText(full[: full.rindex(" — ")])

    def _relabel(self) -> None:
        for r in range(self.list.count()):
            item = self.list.item(r)
            texts = item.data(_TEXTS)
            i = self._plan_index(item)
            if not isinstance(texts, tuple) or i < 0:
                continue
            team_item = self._refused_teams.get(self.plans[i][0].team_id)
            item.setText(texts[1] if team_item is not None and not team_item.isHidden() else texts[0])

    def _item(self, i: int, here: tuple[str | None, str | None]) -> QListWidgetItem:
        rules = self.moves.rules
        target, plan = self.plans[i]
        team = rules.teams.get(target.team_id)
        team_name = team.name if team is not None else target.team_id
        agent = rules.agents.get(target.agent_id or "")
        current = target in _places(here)
        if agent is None:
            label = rules.label(Target(target.team_id))
            name = f"{label[:1].upper()}{label[1:]}"
        else:
            # Two agents may share a name: the team tells them apart.
            status = agent_status_label(agent.status).lower()
            name = f"{agent.name} ({team_name}) — {status}, load {agent.load} of {agent.capacity}"
        if current:
            text = f"● {name} — current {'team' if agent is None else 'agent'}"
        elif plan.allowed:
            text = f"✓ {name}{' (asks for a reason)' if plan.needs_reason else ''}"
        else:
            text = f"✗ {name} — {_why_not(plan)}"
        item = QListWidgetItem(("      " if agent is not None else "") + text)
        item.setData(_PLAN, i)
        # Typing a team's name keeps its agents too.
        item.setData(_SEARCH, f"{name} {team_name} {rules.label(Target(target.team_id))}".casefold())
        item.setToolTip(plan.summary())
        item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, plan.summary())
        if agent is None:
            font = item.font()
            font.setBold(True)
            item.setFont(font)
        if not plan.allowed:
            item.setForeground(self.palette().placeholderText())
        return item

    def _plan_index(self, item: QListWidgetItem | None) -> int:
        value = -1 if item is None else item.data(_PLAN)
        return value if isinstance(value, int) and 0 <= value < len(self.plans) else -1

    def _select_first(self) -> None:
        """Highlight the first visible allowed target; else the first visible one (its reason shows)."""
        visible = [self.list.item(r) for r in range(self.list.count()) if not self.list.item(r).isHidden()]
        choices = [it for it in visible if self._plan_index(it) >= 0]
        best = next((it for it in choices if self.plans[self._plan_index(it)][1].allowed), None)
        pick = best or (choices[0] if choices else None)
        if pick is not None:
            self.list.setCurrentItem(pick)
        else:
            self.list.setCurrentRow(-1)
            self._current(None)

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        any_refused = False
        for r in range(self.list.count()):
            item = self.list.item(r)
            i = self._plan_index(item)
            if i < 0:
                continue
            hide = bool(needle) and needle not in str(item.data(_SEARCH))
            item.setHidden(hide)
            any_refused = any_refused or (not hide and not self.plans[i][1].allowed)
        if self._refused_head is not None:
            self._refused_head.setHidden(not any_refused)
        self._relabel()
        self._select_first()

    def _current(self, item: QListWidgetItem | None) -> None:
        i = self._plan_index(item)
        plan = self.plans[i][1] if i >= 0 else None
        if plan is None:
            self.verdict.setText("Nothing matches." if self.filter.text().strip() else "")
        else:
            self.verdict.setText(plan.summary())
        self._ok.setEnabled(plan is not None and plan.allowed)

    def chosen(self) -> Target | None:
        i = self._plan_index(self.list.currentItem())
        return self.plans[i][0] if i >= 0 else None

    def choose(self, target: Target) -> bool:
        """Highlight a target (tests and callers that know where to go)."""
        for r in range(self.list.count()):
            i = self._plan_index(self.list.item(r))
            if i >= 0 and self.plans[i][0] == target:
                self.list.setCurrentRow(r)
                return True
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Up/Down in the filter box move through the list, so the mouse is never needed; Enter takes
        # the highlighted target (the first allowed match after typing).
        if watched is self.filter and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._accept()
                return True
            if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                step = -1 if event.key() == Qt.Key.Key_Up else 1
                row = self.list.currentRow() + step
                while 0 <= row < self.list.count() and (
                    self.list.item(row).isHidden() or self._plan_index(self.list.item(row)) < 0
                ):
                    row += step
                if 0 <= row < self.list.count():
                    self.list.setCurrentRow(row)
                return True
        return super().eventFilter(watched, event)

    def _accept(self) -> None:
        i = self._plan_index(self.list.currentItem())
        if i >= 0 and self.plans[i][1].allowed:
            self.accept()


def _places(here: tuple[str | None, str | None]) -> set[Target]:
    team, agent = here
    if team is None:
        return set()
    return {Target(team), Target(team, agent)} if agent else {Target(team)}


def _why_not(plan: MovePlan) -> str:
    """The refusal's reason, each sentence once ("Fraud enquiries may only go to the Fraud team.")."""
    reasons = list(dict.fromkeys(i.verdict.reason for i in plan.refused))
    if not reasons:
        return "no longer in the queue" if plan.missing else "not allowed"
    more = len(reasons) - 1
    return reasons[0] + (f" (and {more} other reason{'s' if more > 1 else ''})" if more else "")


def _label(text: str, *, bold: bool = False) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    if bold:
        f = label.font()
        f.setBold(True)
        label.setFont(f)
    return label
