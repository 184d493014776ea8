"""An offline console leaves no write-ahead log at exit (issue 16): the next start's first connection
would read the whole log again (~0.15 s at 200 MB). Its writers are short-lived and its last connections
only read, so SQLite itself does not fold the log in. A real session over a real encrypted cache, its
service unreachable (port 9 on 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.platform.credentials import SecretStore
from console.store.cache import StoreReader
from tests.helpers.store import cache_with_a_log_left, log_of
from widgets.app.session import Session, SessionConfig

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def test_an_offline_console_folds_the_caches_log_in_when_it_stops(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    secrets = SecretStore("test", None, "memory", None)
    path, key = tmp_path / "cache.db", secrets.cache_key().hex()
    cache_with_a_log_left(path, key, n=120)
    config = SessionConfig(api_url="http://127.0.0.1:9", demo=False, cache_path=path, headless=True)
    session = Session(qapp, config, secret_store=secrets)
    session.start()
    try:
        controller = session.controller
        assert controller is not None
        qtbot.waitUntil(lambda: controller.loaded and controller.model.rowCount() == 120, timeout=20_000)
    finally:
        session.stop()
    assert not log_of(path).exists()
    with StoreReader(path, key) as reader:
        assert reader.enquiry_count() == 120
