"""The crash handler: an exception nobody caught (on the UI thread or any other) is logged, written to a
crash report file with every secret masked, and shown in a calm dialog that says the work is safe and
where the report is. Qt's own messages (qWarning and friends) are routed into logging as well.

install() once at start-up; uninstall() restores what was there (tests).
"""

from __future__ import annotations

import logging
import os
import platform
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6 import __version__ as PYSIDE_VERSION
from PySide6.QtCore import (
    QMessageLogContext,
    QObject,
    QtMsgType,
    QUrl,
    Signal,
    Slot,
    qInstallMessageHandler,
)
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox

from console.platform.env import ENV_NO_CRASH_DIALOG as ENV_NO_DIALOG
from console.platform.log_setup import log_dir, redact

log = logging.getLogger("concierge.crash")
qt_log = logging.getLogger("concierge.qt")

KEEP_REPORTS = 20
_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def crash_dir() -> Path:
    return log_dir() / "crashes"


def qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's messages as log records under concierge.qt (category as a prefix when Qt gives one)."""
    category = getattr(context, "category", None)
    prefix = f"{category}: " if category and category != "default" else ""
    qt_log.log(_QT_LEVELS.get(kind, logging.WARNING), "%s%s", prefix, message)


def write_report(exc: ExcInfo, *, thread: str = "", directory: Path | None = None) -> Path | None:
    """A crash report file (redacted); None when it cannot be written (the log still has it)."""
    directory = directory or crash_dir()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    text = "\n".join(
        [
            "Concierge crash report",
            f"time (UTC): {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())}",
            f"thread: {thread or threading.current_thread().name}",
            f"python: {sys.version.split()[0]} ({platform.platform()})",
            f"pyside6: {PYSIDE_VERSION}",
            f"frozen: {getattr(sys, 'frozen', False)}",
            "",
            "".join(traceback.format_exception(*exc)),
        ]
    )
    try:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"crash-{stamp}-{os.getpid()}-{time.monotonic_ns() % 1_000_000:06d}.txt"
        path.write_text(redact(text), encoding="utf-8")
        if os.name == "posix":
            path.chmod(0o600)
        for old in sorted(directory.glob("crash-*.txt"))[:-KEEP_REPORTS]:
            old.unlink(missing_ok=True)
    except OSError as e:
        log.error("the crash report could not be written to %s: %s", directory, e)
        return None
    return path


class _DialogRelay(QObject):
    """Lives on the UI thread: a crash on another thread is shown there (queued by the signal)."""

    crashed = Signal(str, object)  # summary, report path or None

    def __init__(self) -> None:
        super().__init__()
        self.showing = False
        self.shown = 0
        self.crashed.connect(self.show)

    @Slot(str, object)
    def show(self, summary: str, report: Path | None) -> None:
        if self.showing:  # one dialog at a time; later crashes are in the log and their own reports
            return
        self.showing = True
        self.shown += 1
        try:
            box = QMessageBox(QMessageBox.Icon.Information, "Concierge ran into a problem", calm_text(report))
            box.setDetailedText(summary)
            box.setStandardButtons(QMessageBox.StandardButton.Ok)
            box.button(QMessageBox.StandardButton.Ok).setText("Keep working")
            folder = box.addButton("Open the report folder", QMessageBox.ButtonRole.ActionRole)
            box.exec()
            if report is not None and box.clickedButton() is folder:
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(report.parent)))
        finally:
            self.showing = False


def calm_text(report: Path | None) -> str:
    where = f"A report was saved to:\n{report}\n\n" if report else "The details are in the log file.\n\n"
    return (
        "Something went wrong inside Concierge. Your work is safe: every move you made is kept in the "
        "local cache and sent when Concierge next syncs.\n\n"
        f"{where}Please send the report to your IT service desk. You can keep working; if the window "
        "looks wrong, close Concierge and start it again."
    )


class CrashHandler:
    def __init__(self, *, dialog: bool, directory: Path | None = None) -> None:
        self.dialog = dialog and not os.environ.get(ENV_NO_DIALOG)
        self.directory = directory
        self.reports: list[Path] = []
        self.relay: _DialogRelay | None = None
        self._old_hook: Callable[..., Any] = sys.excepthook
        self._old_thread_hook: Callable[..., Any] = threading.excepthook
        self._old_qt: Any = None

    def install(self) -> None:
        self._old_hook, self._old_thread_hook = sys.excepthook, threading.excepthook
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_hook
        self._old_qt = qInstallMessageHandler(qt_message)
        if self.dialog and QApplication.instance() is not None:
            self.relay = _DialogRelay()

    def uninstall(self) -> None:
        sys.excepthook, threading.excepthook = self._old_hook, self._old_thread_hook
        qInstallMessageHandler(self._old_qt)

    def handle(self, exc: ExcInfo, thread: str = "") -> Path | None:
        if issubclass(exc[0], KeyboardInterrupt):
            return None
        log.critical("an unexpected error (thread %s)", thread or "main", exc_info=exc)
        report = write_report(exc, thread=thread, directory=self.directory)
        if report is not None:
            self.reports.append(report)
        if self.relay is not None:
            summary = redact("".join(traceback.format_exception_only(exc[0], exc[1])).strip())
            self.relay.crashed.emit(summary, report)
        return report

    def _excepthook(self, kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._old_hook(kind, value, tb)
            return
        self.handle((kind, value, tb))

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "?"
        self.handle((args.exc_type, args.exc_value, args.exc_traceback), thread=name)


_installed: CrashHandler | None = None


def install(*, dialog: bool = True, directory: Path | None = None) -> CrashHandler:
    """Install the hooks (replacing a previous install). Call after the QApplication exists for the dialog."""
    global _installed
    if _installed is not None:
        _installed.uninstall()
    _installed = CrashHandler(dialog=dialog, directory=directory)
    _installed.install()
    return _installed
