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
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QDragEnterEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox, QToolButton, QWidget

from widgets.queue.mime import has_refs

THEMES = (("light", "Light"), ("dark", "Dark"), ("high_contrast", "High contrast"))
SCALES = ((1.0, "100 %"), (1.25, "125 %"), (1.5, "150 %"), (2.0, "200 %"))
_SIZE_RESOLVED = 0x2  # QFont's resolve bit for an explicitly set point or pixel size

Command = Callable[[], object]


@dataclass(frozen=True)
class Commands:
    """What the window's menus and keys do."""

    sign_in: Command
    settings: Command
    quit: Command
    reassign: Command
    undo_reassign: Command
    find: Command
    next_pane: Command
    previous_pane: Command
    close_detail: Command
    charts: Command
    staffing: Command
    wallboard: Command
    reports: Command
    theme: Callable[[str], object]
    scale: Callable[[float], object]


def _action(window: QWidget, text: str, key: str | QKeySequence | None, slot: Command) -> QAction:
    action = QAction(text, window)
    if key is not None:
        action.setShortcut(key if isinstance(key, QKeySequence) else QKeySequence(key))
    # Window-wide: the key works whichever pane has the focus.
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(lambda _=False: slot())
    return action


def build_menus(window: QMainWindow, do: Commands, theme: str, font_scale: float) -> dict[str, QAction]:
    """Console, Edit, View, Reports and Help; returns the actions by name."""
    bar = window.menuBar()
    named: dict[str, QAction] = {}

    menu = bar.addMenu("&Console")
    sign_in = _action(window, "&Sign in…", None, do.sign_in)
    settings = named["settings"] = _action(window, "S&ettings…", None, do.settings)
    # The platform's Preferences key where it has one (macOS: Cmd+,), and Ctrl+, everywhere (Linux has none).
    keys = [QKeySequence(QKeySequence.StandardKey.Preferences), QKeySequence("Ctrl+,")]
    settings.setShortcuts([k for k in keys if not k.isEmpty()])
    settings.setMenuRole(QAction.MenuRole.PreferencesRole)
    menu.addActions([sign_in, settings])
    menu.addSeparator()
    menu.addAction(_action(window, "&Quit", QKeySequence(QKeySequence.StandardKey.Quit), do.quit))

    edit = bar.addMenu("&Edit")
    named["reassign"] = _action(window, "&Reassign to…", "Ctrl+R", do.reassign)
    named["undo_reassign"] = _action(window, "&Undo reassignment", "Ctrl+Shift+Z", do.undo_reassign)
    named["undo_reassign"].setEnabled(False)
    edit.addActions([named["reassign"], named["undo_reassign"]])

    view = bar.addMenu("&View")
    named["find"] = _action(window, "&Filter the queue", QKeySequence(QKeySequence.StandardKey.Find), do.find)
    named["next_pane"] = _action(window, "&Next pane", "F6", do.next_pane)
    named["previous_pane"] = _action(window, "&Previous pane", "Shift+F6", do.previous_pane)
    named["close_detail"] = _action(window, "&Close the details (Esc)", None, do.close_detail)
    view.addActions([named["find"], named["next_pane"], named["previous_pane"], named["close_detail"]])
    view.addSeparator()
    named["charts"] = _action(window, "&Charts…", "Ctrl+Shift+C", do.charts)
    named["staffing"] = _action(window, "S&taffing…", "Ctrl+Shift+S", do.staffing)
    named["wallboard"] = _action(window, "&Wallboard (full screen)", "F11", do.wallboard)
    view.addActions([named["charts"], named["staffing"], named["wallboard"]])
    view.addSeparator()
    themes = view.addMenu("&Theme")
    group = QActionGroup(window)
    for name, label in THEMES:
        action = QAction(label, window, checkable=True, checked=name == theme)
        action.triggered.connect(lambda _=False, n=name: do.theme(n))
        group.addAction(action)
        themes.addAction(action)
    sizes = view.addMenu("Text &size")
    group = QActionGroup(window)
    for scale, label in SCALES:
        action = QAction(label, window, checkable=True, checked=abs(scale - font_scale) < 0.01)
        action.triggered.connect(lambda _=False, s=scale: do.scale(s))
        group.addAction(action)
        sizes.addAction(action)

    reports = bar.addMenu("&Reports")
    named["reports"] = _action(window, "&Shift reports…", "Ctrl+Shift+R", do.reports)
    reports.addAction(named["reports"])

    help_ = bar.addMenu("&Help")
    named["shortcuts"] = _action(window, "&Keyboard shortcuts", "F1", lambda: show_shortcuts(window, named))
    help_.addAction(named["shortcuts"])
    return named


def shortcut_lines(actions: dict[str, QAction]) -> list[str]:
    """Every command with a key, in words: "Charts…: Ctrl+Shift+C"."""
    lines = []
    for action in actions.values():
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
        if keys:
            name = action.text().replace("&", "").replace(" (Esc)", "")
            lines.append(f"{name}: {' or '.join(keys)}")
    lines.append("Close the details: Esc")
    return lines


def show_shortcuts(window: QWidget, actions: dict[str, QAction]) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, "Keyboard shortcuts", "", parent=window)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText("\n".join(shortcut_lines(actions)))
    box.open()


Pane = tuple[QWidget, QWidget]  # (the pane, where the focus goes in it)


class PaneCycle(QObject):
    """F6 / Shift+F6 through the panes the window lists (only those on show), wrapping round; from
    outside every pane, F6 starts at the home pane. entering(target) runs before the focus moves (a
    folded pane unfolds)."""

    def __init__(
        self,
        window: QWidget,
        panes: Callable[[], list[Pane]],
        entering: Callable[[QWidget], None],
        home: int = 0,
    ) -> None:
        super().__init__(window)
        self._window, self._panes, self._entering, self._home = window, panes, entering, home

    def current(self) -> int | None:
        focus = self._window.focusWidget()
        if focus is None:
            return None
        for i, (pane, _) in enumerate(self._panes()):
            if pane is focus or pane.isAncestorOf(focus):
                return i
        return None

    def next(self) -> None:
        self._move(1)

    def previous(self) -> None:
        self._move(-1)

    def _move(self, step: int) -> None:
        panes = self._panes()
        here = self.current()
        _, target = panes[self._home if here is None else (here + step) % len(panes)]
        self._entering(target)
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
        if widget.styleSheet():
            # A style sheet's font is worked out when it is applied, from the application font as it
            # then was (Qt lags one change behind): apply it again.
            widget.setStyleSheet(widget.styleSheet())
            continue
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
