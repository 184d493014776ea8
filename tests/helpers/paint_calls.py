"""What Python runs while a view repaints: every call from Qt into Python waits for the GIL while the jobs
thread computes, so a paint's count of them is a behaviour worth holding (the navigator, the lanes)."""

from __future__ import annotations

import sys
from collections import Counter
from types import FrameType

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QAbstractItemView
from pytestqt.qtbot import QtBot


class Painted(QObject):
    """Counts the paint events of the widgets it filters."""

    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        self.paints += event.type() == QEvent.Type.Paint
        return False


def calls_in_one_paint(qtbot: QtBot, view: QAbstractItemView, module_file: str) -> Counter[str]:
    """The functions of one module (by file) that Qt called while the view's viewport painted once (after a
    first paint, which settles what showing the view set off)."""
    painted = Painted()
    view.viewport().installEventFilter(painted)
    view.viewport().update()
    qtbot.waitUntil(lambda: painted.paints > 0, timeout=5_000)
    paints = painted.paints
    seen: Counter[str] = Counter()

    def note(frame: FrameType, event: str, _arg: object) -> None:
        if event == "call" and frame.f_code.co_filename == module_file:
            seen[frame.f_code.co_name] += 1

    sys.setprofile(note)
    try:
        view.viewport().update()
        qtbot.waitUntil(lambda: painted.paints > paints, timeout=5_000)
    finally:
        sys.setprofile(None)
        view.viewport().removeEventFilter(painted)
    return seen
