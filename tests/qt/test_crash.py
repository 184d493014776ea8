"""The crash handler: reports without secrets from the UI thread and other threads, a calm dialog on the
UI thread, Qt's own messages in logging."""

from __future__ import annotations

import logging
import secrets
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer, qWarning
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from console.platform.env import ENV_NO_CRASH_DIALOG
from widgets.app import crash

TOKEN = "tok_" + secrets.token_urlsafe(24)


@pytest.fixture
def handler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[crash.CrashHandler]:
    monkeypatch.setenv(ENV_NO_CRASH_DIALOG, "1")
    h = crash.install(directory=tmp_path / "crashes")
    yield h
    h.uninstall()


def _raise() -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    raise ValueError(f"the server said no to {headers}")


@pytest.mark.expected_log(
    r"^an unexpected error \(thread main\)$", logger="concierge.crash", level="CRITICAL"
)
def test_uncaught_exception_writes_a_report_without_secrets(
    handler: crash.CrashHandler, caplog: pytest.LogCaptureFixture
) -> None:
    try:
        _raise()
    except ValueError:
        kind, value, tb = sys.exc_info()
        assert kind is not None and value is not None
        sys.excepthook(kind, value, tb)  # what Python calls for an exception nobody caught
    assert len(handler.reports) == 1
    text = handler.reports[0].read_text(encoding="utf-8")
    assert "Concierge crash report" in text and "ValueError" in text and "_raise" in text
    assert TOKEN not in text and "[redacted]" in text
    assert any(r.name == "concierge.crash" and r.levelno == logging.CRITICAL for r in caplog.records)


@pytest.mark.expected_log(r"^an unexpected error \(thread ", logger="concierge.crash", level="CRITICAL")
def test_an_exception_on_another_thread_is_reported_with_its_thread(handler: crash.CrashHandler) -> None:
    t = threading.Thread(target=_raise, name="concierge-sync-net")
    t.start()
    t.join()
    assert len(handler.reports) == 1
    text = handler.reports[0].read_text(encoding="utf-8")
    assert "thread: concierge-sync-net" in text and TOKEN not in text


def test_old_reports_are_pruned(tmp_path: Path) -> None:
    for _ in range(crash.KEEP_REPORTS + 5):
        try:
            _raise()
        except ValueError:
            kind, value, tb = sys.exc_info()
            assert kind is not None and value is not None
            crash.write_report((kind, value, tb), directory=tmp_path)
    assert len(list(tmp_path.glob("crash-*.txt"))) == crash.KEEP_REPORTS


@pytest.mark.expected_log(r"^the crash report could not be written", logger="concierge.crash", level="ERROR")
def test_an_unwritable_report_dir_still_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    try:
        _raise()
    except ValueError:
        kind, value, tb = sys.exc_info()
        assert kind is not None and value is not None
        assert crash.write_report((kind, value, tb), directory=blocker / "crashes") is None
    assert "could not be written" in caplog.text


@pytest.mark.expected_log(r"^QFont: odd size", logger="concierge.qt")
def test_qt_messages_go_to_logging(handler: crash.CrashHandler, caplog: pytest.LogCaptureFixture) -> None:
    qWarning(f"QFont: odd size, token={TOKEN}")
    records = [r for r in caplog.records if r.name == "concierge.qt"]
    assert records and records[0].levelno == logging.WARNING
    assert "QFont: odd size" in records[0].getMessage()


@pytest.mark.expected_log(
    r"^an unexpected error \(thread worker\)$", logger="concierge.crash", level="CRITICAL"
)
@pytest.mark.expected_log(r"propagateSizeHints", logger="concierge.qt")
def test_a_crash_on_a_worker_thread_shows_one_calm_dialog_on_the_ui_thread(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_NO_CRASH_DIALOG, raising=False)
    h = crash.install(directory=tmp_path)
    seen: dict[str, object] = {}

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen["title"], seen["text"] = box.windowTitle(), box.text()
        seen["thread"] = threading.current_thread() is threading.main_thread()
        box.button(QMessageBox.StandardButton.Ok).click()

    try:
        QTimer.singleShot(20, answer)
        t = threading.Thread(target=_raise, name="worker")
        t.start()
        t.join()
        assert h.relay is not None
        qtbot.waitUntil(lambda: h.relay is not None and h.relay.shown == 1 and not h.relay.showing)
    finally:
        h.uninstall()
    assert seen["title"] == "Concierge ran into a problem" and seen["thread"] is True
    text = str(seen["text"])
    assert "Your work is safe" in text and str(h.reports[0]) in text and TOKEN not in text
