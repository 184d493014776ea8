"""An offline console or wallboard leaves no write-ahead log at exit (issue 16): the next start's first
connection would read the whole log again (~0.15 s at 200 MB). Its writers are short-lived and its last
connections only read, so SQLite itself does not fold the log in. Real sessions over real encrypted
caches, their service unreachable (port 9 on 127.0.0.1)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.platform.credentials import SecretStore
from console.store.cache import StoreReader
from tests.helpers.store import cache_with_a_log_left, log_of
from widgets.app.session import Session, SessionConfig
from widgets.wallboard.session import WallboardSession

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


def test_an_offline_wallboard_folds_the_caches_log_in_when_it_stops(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = secrets.token_hex(32)
    monkeypatch.setenv("CONCIERGE_CACHE_KEY", key)
    path = tmp_path / "wallboard.db"
    cache_with_a_log_left(path, key)
    config = SessionConfig(api_url="http://127.0.0.1:9", demo=False, cache_path=path, headless=True)
    session = WallboardSession(
        qapp, config, secret_store=SecretStore("test", None, "memory", None), full_screen=False
    )
    session.start()
    try:
        assert session.reader is not None and session.reader.enquiry_count() == 40
    finally:
        session.stop()
    assert not log_of(path).exists()
    with StoreReader(path, key) as reader:
        assert reader.enquiry_count() == 40
