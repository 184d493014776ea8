"""The keyboard and menu way to reassign, and the whole console doing it: a real Session on the embedded
reference service, its sync thread writing and pushing the move, the answer confirming it, the undo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from console.domain.model import Agent
from console.domain.moves import DONE, MovePlan
from console.domain.routing import CONCIERGE_SPECIALIST_COMPLEXITY, Target
from console.platform.credentials import SecretStore
from console.store.cache import Store
from tests.helpers.routing import AGENTS, TEAMS
from widgets.app.session import Session, SessionConfig
from widgets.board.move_dialogs import ReasonDialog, ReassignDialog
from widgets.board.reassign import MoveController, reassign_with_dialog
from widgets.queue.model import QueueModel

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
Harness = tuple[MoveController, QueueModel, Store]


def _texts(dialog: ReassignDialog) -> list[str]:
    return [
        dialog.list.item(i).text().strip()
        for i in range(dialog.list.count())
        if not dialog.list.item(i).isHidden()
    ]


def test_the_dialog_lists_allowed_targets_first_then_the_refused_with_reasons(
    harness: Harness, qtbot: QtBot
) -> None:
    moves, _, _ = harness
    dialog = ReassignDialog(moves, ["c1", "f1"])
    qtbot.addWidget(dialog)
    texts = _texts(dialog)
    head = texts.index("Cannot go here:")
    assert head > 0 and all(t.startswith("✓") for t in texts[:head])
    # Where the selection is now is said as such, first among the targets it cannot go to.
    assert texts[head + 1] == "● The Social team — current team"
    assert all(t.startswith("✗") for t in texts[head + 2 :])
    assert "✗ Eve Ash (Cards) — offline, load 0 of 2 — " in [
        t[: len("✗ Eve Ash (Cards) — offline, load 0 of 2 — ")] for t in texts
    ]
    assert any(t.startswith("✓ The Cards team") for t in texts[:head])
    # The first allowed target is highlighted and its verdict is shown in words.
    assert dialog.chosen() == Target("soc", "ann")
    assert dialog.verdict.text().startswith("1 of 2 can go to Ann Lee in the Social team")
    # Arrows move through what is left; refused targets cannot be chosen.
    QTest.keyClicks(dialog.filter, "fraud")
    assert dialog.chosen() == Target("fraud")
    QTest.keyClick(dialog.filter, Qt.Key.Key_Down)
    assert dialog.chosen() == Target("fraud", "fay")
    assert dialog.choose(Target("cards", "eve")) and not dialog._ok.isEnabled()


def test_a_refused_target_gives_its_reason(harness: Harness, qtbot: QtBot) -> None:
    moves, _, _ = harness
    dialog = ReassignDialog(moves, ["f1"])
    qtbot.addWidget(dialog)
    cards = next(t for t in _texts(dialog) if "The Cards team" in t)
    assert cards == "✗ The Cards team — Fraud enquiries may only go to the Fraud team."


def test_typing_filters_and_enter_takes_the_first_allowed_match(harness: Harness, qtbot: QtBot) -> None:
    moves, _, _ = harness
    dialog = ReassignDialog(moves, ["f1"])  # fraud work: only the Fraud team (and its agents) may take it
    qtbot.addWidget(dialog)
    dialog.show()
    # "a" matches refused targets that come before the Fraud team on the board (the Social team, Ann,
    # Cards...); they are listed after it, and Enter takes the first allowed match.
    QTest.keyClicks(dialog.filter, "a")
    visible = _texts(dialog)
    assert visible[0] == "✓ The Fraud team" and "Cannot go here:" in visible
    assert any(t.startswith("✗ Ann Lee (Social") for t in visible)
    assert dialog.chosen() == Target("fraud")
    QTest.keyClicks(dialog.filter, "y")  # "ay": Fay Oz alone
    assert _texts(dialog)[0].startswith("✓ Fay Oz (Fraud)") and dialog.chosen() == Target("fraud", "fay")
    with qtbot.waitSignal(dialog.accepted, timeout=1000):
        QTest.keyClick(dialog.filter, Qt.Key.Key_Return)
    assert dialog.result() == 1 and dialog.chosen() == Target("fraud", "fay")


def test_enter_does_nothing_when_no_match_is_allowed(harness: Harness, qtbot: QtBot) -> None:
    moves, _, _ = harness
    dialog = ReassignDialog(moves, ["f1"])
    qtbot.addWidget(dialog)
    dialog.show()
    QTest.keyClicks(dialog.filter, "cards")
    assert _texts(dialog)[0] == "Cannot go here:" and dialog.chosen() == Target("cards")
    assert dialog.verdict.text().startswith("Fraud enquiries may only go to")
    QTest.keyClick(dialog.filter, Qt.Key.Key_Return)
    assert dialog.isVisible() and not dialog._ok.isEnabled()
    QTest.keyClicks(dialog.filter, "zzz")
    assert _texts(dialog) == [] and dialog.chosen() is None and dialog.verdict.text() == "Nothing matches."


def test_agents_with_the_same_name_are_told_apart_by_team(harness: Harness, qtbot: QtBot) -> None:
    moves, _, _ = harness
    twins = [*AGENTS, Agent("ben1", "Ben Wright", "cards", "available", 2, 0)]
    twins.append(Agent("ben2", "Ben Wright", "lend", "available", 2, 0))
    moves.set_reference(TEAMS, twins)
    dialog = ReassignDialog(moves, ["c1"])
    qtbot.addWidget(dialog)
    QTest.keyClicks(dialog.filter, "ben wright")
    bens = _texts(dialog)
    assert any("Ben Wright (Cards) — " in t for t in bens)
    assert any("Ben Wright (Lending) — " in t for t in bens)
    assert len([t for t in bens if "Ben Wright" in t]) == 2
    dialog.filter.setText("wright (lending")  # what is shown can be typed
    assert dialog.chosen() == Target("lend", "ben2")


def test_menu_shortcut_and_context_menu_reach_the_same_dialog(
    harness: Harness,
    qtbot: QtBot,
) -> None:
    moves, model, store = harness
    from widgets.main_window.window import MainWindow

    window = MainWindow(model)
    qtbot.addWidget(window)
    assert window.reassign_action.shortcut() == QKeySequence("Ctrl+R")
    assert window.reassign_action in window.queue_view.actions()  # the right-click menu
    assert window.queue_view.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu

    def pick_cards() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ReassignDialog)
        dialog.choose(Target("cards"))
        dialog._accept()

    QTimer.singleShot(0, pick_cards)
    rec = reassign_with_dialog(moves, ["c1"], window)
    assert rec is not None and model.enquiry("c1").team_id == "cards"  # type: ignore[union-attr]
    assert [o.enquiry_id for o in store.outbox_pending()] == ["c1"]


def test_the_reason_prompt_needs_words(harness: Harness, qtbot: QtBot) -> None:
    moves, _, _ = harness
    plan = moves.plan(["back"], Target("soc"))
    dialog = ReasonDialog(plan)
    qtbot.addWidget(dialog)
    assert not dialog._ok.isEnabled()
    dialog.edit.setText("   ")
    assert not dialog._ok.isEnabled()
    dialog.edit.setText("customer asked for the branch")
    assert dialog._ok.isEnabled() and dialog.reason() == "customer asked for the branch"


@pytest.fixture
def session(qapp: QApplication, tmp_path: Path) -> Iterator[Session]:
    config = SessionConfig(api_url=None, demo=True, demo_open=150, demo_speed=0.0, headless=True)
    s = Session(qapp, config, secret_store=SecretStore.open())
    s.start()
    yield s
    s.stop()


def test_a_move_in_the_running_console_is_confirmed_then_undone(session: Session, qtbot: QtBot) -> None:
    window, controller = session.window, session.controller
    assert window is not None and controller is not None
    qtbot.waitUntil(session.synced, timeout=30_000)
    moves, model = controller.moves, controller.model
    # Simple card work the social team holds: in the concierge model a specialist move needs a reason,
    # which the supervisor gives in the prompt (answered here; the prompt has its own tests).
    e = next(
        x
        for x in model.all_enquiries()
        if x.topic == "cards" and x.team_id == "social" and not x.flags and x.status == "open"
    )
    assert e.complexity < CONCIERGE_SPECIALIST_COMPLEXITY
    asked: list[str] = []

    def answer(plan: MovePlan, parent: QWidget | None) -> str:
        asked.append(plan.summary())
        return "customer asked for Cards"

    moves.ask_reason = answer
    board = controller.board
    qtbot.waitUntil(lambda: e.id in board.lane_ids("social"), timeout=10_000)
    rec = moves.request([e.id], Target("cards"))
    assert len(asked) == 1  # the rule asked for a reason
    assert rec is not None and model.enquiry(e.id).team_id == "cards"  # type: ignore[union-attr]
    assert controller.rows[e.id].team_id == "cards" and e.id in board.lane_ids("cards")
    qtbot.waitUntil(lambda: rec.finished, timeout=15_000)
    assert rec.outcomes[e.id].state == DONE
    assert (
        window.statusBar().currentMessage() == f"{e.id}: moved to the Cards team, confirmed by the service."
    )
    assert window.undo_reassign_action.isEnabled()
    assert board.last.text() == f"Last reassignment (supervisor): {window.statusBar().currentMessage()}"
    window.undo_reassign_action.trigger()
    undo = moves.records[-1]
    assert undo.undo and model.enquiry(e.id).team_id == "social"  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: undo.finished, timeout=15_000)
    assert undo.outcomes[e.id].state == DONE and not window.undo_reassign_action.isEnabled()
    assert session.reader is not None
    trail = [a for a in session.reader.audit_entries() if a.subject == e.id or e.id in a.subject]
    assert [a.action for a in trail] == [
        "assignment.requested",
        "assignment.confirmed",
        "assignment.requested",
        "assignment.undo",
        "assignment.confirmed",
    ]
    assert trail[0].actor == "supervisor" and trail[0].detail["reason"] == "customer asked for Cards"
    assert trail[2].detail["reason"] == "Undo: customer asked for Cards"
