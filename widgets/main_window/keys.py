"""The main window's commands and keys: the menus (every command with a key that works from every pane
of the window), F6 / Shift+F6 between panes, the Team board button, and the re-scaling of fonts that
were set relative to the text size when that size changes.

Keys (listed under Help > Keyboard shortcuts):
  Ctrl+F filter the queue · F6 / Shift+F6 next / previous pane · Escape close the details ·
  Ctrl+B team board · Ctrl+Shift+C charts · Ctrl+Shift+S staffing · F11 wallboard ·
  Ctrl+Shift+R shift reports · Ctrl+, settings · Ctrl+R reassign · Ctrl+Shift+Z undo reassignment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QDragEnterEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMessageBox, QToolButton, QWidget

from widgets.queue.mime import has_refs

if TYPE_CHECKING:
    from widgets.main_window.window import MainWindow

THEMES = (("light", "Light"), ("dark", "Dark"), ("high_contrast", "High contrast"))
SCALES = ((1.0, "100 %"), (1.25, "125 %"), (1.5, "150 %"), (2.0, "200 %"))
_SIZE_RESOLVED = 0x2  # QFont's resolve bit for an explicitly set point or pixel size


def _action(
    window: QWidget, text: str, key: str | QKeySequence | None, slot: Callable[[], object]
) -> QAction:
    action = QAction(text, window)
    if key is not None:
        action.setShortcut(key if isinstance(key, QKeySequence) else QKeySequence(key))
    # Window-wide: the key works whichever pane has the focus.
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(lambda _=False: slot())
    return action


def build_menus(window: MainWindow, theme: str, font_scale: float) -> dict[str, QAction]:
    """Console, Edit, View, Reports and Help; returns the actions with keys by name."""
    bar = window.menuBar()
    named: dict[str, QAction] = {}

    menu = bar.addMenu("&Console")
    sign_in = _action(window, "&Sign in…", None, window.signInRequested.emit)
    settings = _action(window, "S&ettings…", None, window.settingsRequested.emit)
    # The platform's Preferences key where it has one (macOS: Cmd+,), and Ctrl+, everywhere (Linux has none).
    keys = [QKeySequence(QKeySequence.StandardKey.Preferences), QKeySequence("Ctrl+,")]
    settings.setShortcuts([k for k in keys if not k.isEmpty()])
    settings.setMenuRole(QAction.MenuRole.PreferencesRole)
    quit_ = _action(window, "&Quit", QKeySequence(QKeySequence.StandardKey.Quit), window.close)
    menu.addActions([sign_in, settings])
    menu.addSeparator()
    menu.addAction(quit_)
    named["settings"] = settings

    edit = bar.addMenu("&Edit")
    window.reassign_action = _action(window, "&Reassign to…", "Ctrl+R", window.reassignRequested.emit)
    window.undo_reassign_action = _action(
        window, "&Undo reassignment", "Ctrl+Shift+Z", window.undoReassignRequested.emit
    )
    window.undo_reassign_action.setEnabled(False)
    edit.addActions([window.reassign_action, window.undo_reassign_action])
    # The same action on the queue's right-click menu.
    window.queue_view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    window.queue_view.addAction(window.reassign_action)

    view = bar.addMenu("&View")
    named["find"] = _action(
        window, "&Filter the queue", QKeySequence(QKeySequence.StandardKey.Find), window.focus_filter
    )
    named["next_pane"] = _action(window, "&Next pane", "F6", window.panes.next)
    named["previous_pane"] = _action(window, "&Previous pane", "Shift+F6", window.panes.previous)
    named["close_detail"] = _action(window, "&Close the details (Esc)", None, window.close_detail)
    view.addActions([named["find"], named["next_pane"], named["previous_pane"], named["close_detail"]])
    view.addSeparator()
    named["charts"] = _action(window, "&Charts…", "Ctrl+Shift+C", window.chartsRequested.emit)
    named["staffing"] = _action(window, "S&taffing…", "Ctrl+Shift+S", window.staffingRequested.emit)
    named["wallboard"] = _action(window, "&Wallboard (full screen)", "F11", window.wallboardRequested.emit)
    view.addActions([named["charts"], named["staffing"], named["wallboard"]])
    view.addSeparator()
    themes = view.addMenu("&Theme")
    group = QActionGroup(window)
    for name, label in THEMES:
        action = QAction(label, window, checkable=True, checked=name == theme)
        action.triggered.connect(lambda _=False, n=name: window.themeRequested.emit(n))
        group.addAction(action)
        themes.addAction(action)
    sizes = view.addMenu("Text &size")
    group = QActionGroup(window)
    for scale, label in SCALES:
        action = QAction(label, window, checkable=True, checked=abs(scale - font_scale) < 0.01)
        action.triggered.connect(lambda _=False, s=scale: window.scaleRequested.emit(s))
        group.addAction(action)
        sizes.addAction(action)

    reports = bar.addMenu("&Reports")
    named["reports"] = _action(window, "&Shift reports…", "Ctrl+Shift+R", window.reportsRequested.emit)
    reports.addAction(named["reports"])

    help_ = bar.addMenu("&Help")
    shortcuts = _action(window, "&Keyboard shortcuts", "F1", lambda: show_shortcuts(window))
    help_.addAction(shortcuts)
    named["shortcuts"] = shortcuts
    named["reassign"] = window.reassign_action
    named["undo_reassign"] = window.undo_reassign_action
    return named


def shortcut_lines(window: MainWindow) -> list[str]:
    """Every command with a key, in words: "Charts…: Ctrl+Shift+C"."""
    lines = []
    for action in window.actions_by_name.values():
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
        if keys:
            name = action.text().replace("&", "").replace(" (Esc)", "")
            lines.append(f"{name}: {' or '.join(keys)}")
    lines.append("Close the details: Esc")
    return lines


def show_shortcuts(window: MainWindow) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, "Keyboard shortcuts", "", parent=window)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText("\n".join(shortcut_lines(window)))
    box.open()


class PaneCycle(QObject):
    """F6 / Shift+F6: the breaching strip, the navigator, the queue, the details (when open) and the
    team board (when shown), in that order. A folded navigator opens when F6 reaches it."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.board: QDockWidget | None = None

    def panes(self) -> list[tuple[QWidget, QWidget]]:
        """(the pane, where the focus goes in it)."""
        w = self._window
        strip = w.breach_strip.list_view()
        panes: list[tuple[QWidget, QWidget]] = [(strip, strip), (w.navigator, w.navigator)]
        panes.append((w.queue_view, w.queue_view))
        if w.drawer.is_open():
            panes.append((w.detail, w.detail.conversation))  # the conversation, not the Reveal button
        board = self.board.widget() if self.board is not None and self.board.isVisible() else None
        if board is not None and self.board is not None:
            panes.append((self.board, board))
        return panes

    def current(self) -> int | None:
        focus = self._window.focusWidget()
        if focus is None:
            return None
        for i, (pane, _) in enumerate(self.panes()):
            if pane is focus or pane.isAncestorOf(focus):
                return i
        if focus is self._window.filter_edit:  # the queue's filter belongs to the queue pane
            return 2
        return None

    def next(self) -> None:
        self._move(1)

    def previous(self) -> None:
        self._move(-1)

    def _move(self, step: int) -> None:
        panes = self.panes()
        here = self.current()
        _, target = panes[(2 if here is None else here + step) % len(panes)]
        if target is self._window.navigator and not self._window.navigator_shown():
            self._window.set_navigator_shown(True)
        focus_into(target)


def focus_into(pane: QWidget) -> None:
    """Give the focus to a pane: to itself if it takes focus, else to its first visible child that does."""
    if pane.focusPolicy() & Qt.FocusPolicy.TabFocus and pane.isVisible():
        pane.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return
    for child in pane.findChildren(QWidget):
        if child.focusPolicy() & Qt.FocusPolicy.TabFocus and child.isVisible() and child.isEnabled():
            child.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return


class BoardButton(QToolButton):
    """Shows or hides the team board; dragging enquiries over it opens the board to drop them on."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)

    def set_action(self, action: QAction) -> None:
        self.setDefaultAction(action)
        self.setText("Team board")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        action = self.defaultAction()
        if action is not None and has_refs(event.mimeData()) and not action.isChecked():
            action.trigger()  # the board opens under the drag; the drop goes onto a lane
        event.ignore()


def rescale_fonts(root: QWidget, ratio: float) -> None:
    """Fonts set relative to the text size (a header figure 1.6 times the text) keep their ratio to it:
    every widget under root with an explicitly set size is scaled by the text size's change. Fonts that
    follow the application's (most) change by themselves."""
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.testAttribute(Qt.WidgetAttribute.WA_SetFont):
            continue
        font = widget.font()
        if not font.resolveMask() & _SIZE_RESOLVED:
            continue
        if font.pixelSize() > 0:
            font.setPixelSize(max(1, round(font.pixelSize() * ratio)))
        elif font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * ratio)
        widget.setFont(font)
