"""A window's paint goes first for the GIL (console.platform.gil.ui_first).

Qt paints a window in one UpdateRequest event to its top-level widget; each cell painted calls from Qt into
Python, and each call waited for the GIL while the jobs thread computed the figures over 100k rows: the
whole-window repaints after the load held the UI thread 90-160 ms (bench_console). With the window's
paints under ui_first, the longest hold from fully loaded to settled measured 94-115 ms (median 98)
against 117-161 ms (median 117) without, in 4 interleaved runs each at 100,000 open. A top-level window
passes its events through paint_first."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent

from console.platform.gil import ui_first

_UPDATE_REQUEST = QEvent.Type.UpdateRequest


def paint_first(event: QEvent, deliver: Callable[[QEvent], bool]) -> bool:
    """deliver(event), the window's own QWidget.event; an UpdateRequest (the paint) under ui_first()."""
    if event.type() == _UPDATE_REQUEST:
        with ui_first():
            return deliver(event)
    return deliver(event)
