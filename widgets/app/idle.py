"""Small pieces of UI-thread work done one per event while the window is idle: work that would otherwise
land inside a paint (rendering icons the first paint meets) without holding the UI thread longer than one
piece at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, QTimer, Slot


class IdleSteps(QObject):
    """Runs each step in an event of its own, in order, until none is left; then it goes (deleteLater):
    a parent that starts one at every load keeps none of them."""

    def __init__(self, steps: Iterable[Callable[[], object]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._steps = list(reversed(list(steps)))
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._next)

    def start(self) -> None:
        if self._steps:
            self._timer.start()
        else:
            self.deleteLater()

    @Slot()
    def _next(self) -> None:
        if self._steps:
            self._steps.pop()()
        if not self._steps:
            self._timer.stop()
            self.deleteLater()
