"""The main window at a branch PC's size and at large text (issue 15, items 4 and 9): the columns a
supervisor needs stay on screen, the detail pane is a drawer, the team board folds away, a text-size
change re-lays the window, and every command's key works from every pane."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QDragEnterEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QListWidget, QWidget
from pytestqt.qtbot import QtBot

from console.platform.credentials import SecretStore
from tests.helpers.detail import enq
from widgets.app.session import Session, SessionConfig
from widgets.main_window.body import KEY_COLUMNS
from widgets.main_window.keys import focus_into, shortcut_lines
from widgets.main_window.window import MainWindow
from widgets.queue import mime
from widgets.queue.model import QueueModel
from widgets.queue.text import COLUMNS, Col
from widgets.theme.theme import apply_theme

# The offscreen platform cannot pass size hints to a window manager; nothing is wrong with the window.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def large_text_session(qapp: QApplication) -> Iterator[Session]:
    """The demo console at 200 % text; the application's text size is put back afterwards."""
    config = SessionConfig(
        api_url=None, demo=True, demo_open=150, demo_speed=0.0, headless=True, font_scale=2.0
    )
    s = Session(qapp, config, secret_store=SecretStore.open())
    s.start()
    yield s
    s.stop()
    apply_theme(qapp, "light", 1.0)


def key_columns_on_screen(window: MainWindow) -> list[str]:
    """The titles of the key columns whose first cell lies wholly inside the queue's viewport."""
    view = window.queue_view
    area = view.viewport().rect()
    shown = []
    for col in KEY_COLUMNS:
        rect = view.visualRect(view.queue_model().index(0, col))
        if rect.isValid() and not view.isColumnHidden(col) and area.contains(rect):
            shown.append(COLUMNS[col])
    return shown


def at_branch_pc_size(qtbot: QtBot, session: Session) -> MainWindow:
    window, controller = session.window, session.controller
    assert window is not None and controller is not None
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: controller.model.rowCount() > 0, timeout=20_000)
    qtbot.waitUntil(lambda: window.size() == QSize(1366, 768))
    QApplication.processEvents()  # the panes' deferred fit to the new size
    return window


def test_at_1366x768_and_200pc_text_sla_customer_team_and_message_stay_on_screen(
    qtbot: QtBot, large_text_session: Session
) -> None:
    window = at_branch_pc_size(qtbot, large_text_session)
    all_four = [COLUMNS[c] for c in KEY_COLUMNS]
    qtbot.waitUntil(lambda: key_columns_on_screen(window) == all_four)
    assert window.size() == QSize(1366, 768)  # the window did not grow past the screen to fit
    assert window.folded_note.text().endswith("folded to fit")  # what was folded is said, not hidden
    assert window.board_dock is not None and not window.board_dock.isVisible()  # the board folds away
    # The message column keeps a readable width, not a sliver.
    assert window.queue_view.columnWidth(Col.PREVIEW) >= window.columns.message_min()

    # Picking an enquiry opens the drawer over the queue (no room beside it at this size); Escape in
    # the queue closes it and the four columns are back.
    first = window.queue_view.queue_model().enquiry_at(0)
    assert first is not None
    window.queue_view.setFocus()
    window.queue_view.select_id(first.id)
    assert window.drawer.is_open() and window.drawer.is_overlay()
    assert window.detail.current_id() == first.id
    qtbot.keyClick(window.queue_view, Qt.Key.Key_Escape)
    assert not window.drawer.is_open()
    assert window.queue_view.current_id() == first.id  # the queue kept its place
    assert key_columns_on_screen(window) == all_four


def test_at_1366x768_the_drawer_sits_beside_the_queue_and_the_columns_stay(
    qtbot: QtBot, demo_session: Session
) -> None:
    window = at_branch_pc_size(qtbot, demo_session)
    first = window.queue_view.queue_model().enquiry_at(0)
    assert first is not None
    window.queue_view.select_id(first.id)
    assert window.drawer.is_open() and not window.drawer.is_overlay()
    all_four = [COLUMNS[c] for c in KEY_COLUMNS]
    qtbot.waitUntil(lambda: key_columns_on_screen(window) == all_four)
    queue_right = window.queue_view.mapTo(window, QPoint(window.queue_view.width(), 0)).x()
    assert queue_right <= window.detail.mapTo(window, QPoint(0, 0)).x()  # beside, not under, the drawer
    # Close gives the queue its width back.
    width = window.queue_view.width()
    window.detail.close_button.click()
    assert not window.drawer.is_open()
    qtbot.waitUntil(lambda: window.queue_view.width() > width)
    # A live refresh of the enquiry on show leaves the drawer closed; picking another one from
    # anywhere (here the controller, as a header tile or an earlier enquiry would) opens it.
    controller = demo_session.controller
    assert controller is not None
    controller.show_detail(first.id)
    assert not window.drawer.is_open()
    second = window.queue_view.queue_model().enquiry_at(1)
    assert second is not None
    controller.show_detail(second.id)
    assert window.drawer.is_open() and window.detail.current_id() == second.id


def test_a_text_size_change_re_lays_the_header_and_the_panes(qtbot: QtBot, demo_session: Session) -> None:
    window = at_branch_pc_size(qtbot, demo_session)
    tile = window.header.longest
    caption, value = tile.caption.font().pointSizeF(), tile.value.font().pointSizeF()
    assert value > caption
    nav = window.splitter.sizes()[0]
    assert nav > 0
    folded = window.columns.folded_titles()
    try:
        demo_session.set_theme("light", 2.0)
        # The figure grew with the text: still bigger than its caption, by the same ratio.
        assert tile.caption.font().pointSizeF() == pytest.approx(caption * 2, rel=0.05)
        assert tile.value.font().pointSizeF() == pytest.approx(value * 2, rel=0.05)
        # A style-sheeted banner follows too (Qt works its font out once, when the sheet is applied).
        assert window.demo_banner.font().pointSizeF() == pytest.approx(caption * 2, rel=0.05)
        # At this size the queue needs the room: the navigator folds away, the key columns stay.
        assert window.splitter.sizes()[0] < nav
        demo_session.set_theme("light", 1.0)
        assert tile.value.font().pointSizeF() == pytest.approx(value, rel=0.01)
        assert tile.caption.font().pointSizeF() == pytest.approx(caption, rel=0.01)
        assert window.demo_banner.font().pointSizeF() == pytest.approx(caption, rel=0.01)
        # The pane widths come back too (the splitter shares out its width after the re-layout).
        qtbot.waitUntil(lambda: abs(window.splitter.sizes()[0] - nav) <= 2, timeout=2_000)
        assert window.columns.folded_titles() == folded  # and the same columns as before
    finally:
        demo_session.set_theme("light", 1.0)


def test_columns_fold_in_order_and_come_back_when_the_window_widens(qtbot: QtBot) -> None:
    window = MainWindow(QueueModel())
    qtbot.addWidget(window)
    window.show()
    window.resize(1900, 1000)
    window.set_navigator_shown(False)
    qtbot.waitUntil(lambda: window.columns.folded_titles() == [])
    window.resize(1000, 700)
    qtbot.waitUntil(lambda: "Age" in window.columns.folded_titles())
    folded = window.columns.folded_titles()
    order = ["Age", "Topic", "Agent", "Risk", "Channel", "Flags"]
    assert folded == order[: len(folded)]  # the least needed first
    assert not any(window.queue_view.isColumnHidden(c) for c in KEY_COLUMNS)
    # A column shown again by hand stays shown (the supervisor's choice wins).
    window.queue_view.setColumnHidden(Col.AGE, False)
    window.resize(1010, 700)
    qtbot.waitUntil(lambda: "Age" not in window.columns.folded_titles())
    assert not window.queue_view.isColumnHidden(Col.AGE)
    window.resize(2400, 1000)
    qtbot.waitUntil(lambda: window.columns.folded_titles() == [])
    assert not any(window.queue_view.isColumnHidden(c) for c in range(len(COLUMNS)))


# --- keys -------------------------------------------------------------------------------------------


@pytest.fixture
def window(qtbot: QtBot) -> MainWindow:
    """A main window with a board and the drawer open, shown and active."""
    w = MainWindow(QueueModel())
    qtbot.addWidget(w)
    board = QListWidget()
    board.addItems(["Cards", "Fraud"])
    w.add_board(board)
    w.resize(1600, 1000)
    w.show()
    w.show_board(True)
    w.open_detail()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    return w


def panes(w: MainWindow) -> dict[str, QWidget]:
    assert w.board_dock is not None and w.board_dock.widget() is not None
    return {
        "breaching strip": w.breach_strip.list_view(),
        "navigator": w.navigator,
        "queue": w.queue_view,
        "filter": w.filter_edit,
        "details": w.detail.conversation,
        "team board": w.board_dock.widget(),
    }


def focus(qtbot: QtBot, widget: QWidget) -> QWidget:
    focus_into(widget)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    focused = QApplication.focusWidget()
    assert focused is not None and (focused is widget or widget.isAncestorOf(focused))
    return focused


def press(qtbot: QtBot, target: QWidget, keys: str) -> None:
    combination = QKeySequence(keys)[0]  # type: ignore[index]  # QKeySequence is indexable
    qtbot.keyClick(target, combination.key(), combination.keyboardModifiers())


COMMANDS = (
    ("Ctrl+Shift+C", "chartsRequested"),
    ("Ctrl+Shift+S", "staffingRequested"),
    ("F11", "wallboardRequested"),
    ("Ctrl+Shift+R", "reportsRequested"),
    ("Ctrl+,", "settingsRequested"),
)


def test_every_command_key_works_from_every_pane(qtbot: QtBot, window: MainWindow) -> None:
    assert window.board_dock is not None
    for name, pane in panes(window).items():
        for keys, signal in COMMANDS:
            target = focus(qtbot, pane)
            with qtbot.waitSignal(getattr(window, signal), timeout=1000, raising=False) as fired:
                press(qtbot, target, keys)
            assert fired.signal_triggered, f"{keys} did nothing from the {name}"
        # Ctrl+F: the queue's filter, from wherever the supervisor is.
        target = focus(qtbot, pane)
        press(qtbot, target, "Ctrl+F")
        assert window.filter_edit.hasFocus(), f"Ctrl+F did not reach the filter from the {name}"
        # Ctrl+B folds the team board away and brings it back.
        target = focus(qtbot, pane)
        press(qtbot, target, "Ctrl+B")
        assert not window.board_dock.isVisible(), f"Ctrl+B did not fold the board from the {name}"
        press(qtbot, QApplication.focusWidget() or window, "Ctrl+B")
        assert window.board_dock.isVisible()


def test_settings_are_under_a_menu_with_a_key_on_every_platform(window: MainWindow) -> None:
    settings = window.actions_by_name["settings"]
    assert settings.shortcuts() and all(not k.isEmpty() for k in settings.shortcuts())
    console = window.menu_named("&Console")
    assert console is not None and settings in console.actions()
    assert settings.menuRole() == settings.MenuRole.PreferencesRole
    # Help > Keyboard shortcuts lists every key in words.
    lines = shortcut_lines(window.actions_by_name)
    for expected in (
        "Charts…: Ctrl+Shift+C",
        "Team board: Ctrl+B",
        "Next pane: F6",
        "Filter the queue: Ctrl+F",
    ):
        assert expected in lines


def which_pane(w: MainWindow) -> str:
    focused = QApplication.focusWidget()
    for name, pane in panes(w).items():
        if focused is pane or (focused is not None and pane.isAncestorOf(focused)):
            return name
    return repr(focused)


def test_f6_moves_between_panes_and_tab_reaches_the_strip_early(qtbot: QtBot, window: MainWindow) -> None:
    focus(qtbot, window.queue_view)
    seen = []
    for _ in range(5):
        press(qtbot, QApplication.focusWidget() or window, "F6")
        seen.append(which_pane(window))
    assert seen == ["details", "team board", "breaching strip", "navigator", "queue"]
    back = []
    for _ in range(5):
        press(qtbot, QApplication.focusWidget() or window, "Shift+F6")
        back.append(which_pane(window))
    assert back == ["navigator", "breaching strip", "team board", "details", "queue"]
    # A folded navigator opens when F6 reaches it.
    window.set_navigator_shown(False)
    focus(qtbot, window.breach_strip.list_view())
    press(qtbot, QApplication.focusWidget() or window, "F6")
    assert which_pane(window) == "navigator" and window.navigator_shown()
    # Tab from the queue: the breaching strip is the very next stop.
    focus(qtbot, window.queue_view)
    qtbot.keyClick(window.queue_view, Qt.Key.Key_Tab)
    assert which_pane(window) == "breaching strip"


def test_escape_and_close_fold_the_drawer_and_a_drag_opens_the_board(
    qtbot: QtBot, window: MainWindow
) -> None:
    target = focus(qtbot, window.detail.conversation)
    qtbot.keyClick(target, Qt.Key.Key_Escape)
    assert not window.drawer.is_open()
    assert window.queue_view.hasFocus()  # the focus goes back to the queue, not nowhere
    window.open_detail()
    window.detail.close_button.click()
    assert not window.drawer.is_open()
    # Dragging enquiries over the Team board button opens the board to drop them on.
    assert window.board_dock is not None
    window.show_board(False)
    data = mime.encode([enq()])
    event = QDragEnterEvent(
        QPoint(2, 2),
        Qt.DropAction.MoveAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.board_button.dragEnterEvent(event)
    assert window.board_dock.isVisible()
