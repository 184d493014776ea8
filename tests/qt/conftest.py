"""Fixtures for the Qt tests; the helpers they are built from live in tests/helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.platform.credentials import SecretStore
from tests.helpers.board import Harness, move_harness
from tests.helpers.queue import Feed, live_feed
from widgets.app.session import Session, SessionConfig


@pytest.fixture(scope="module")
def feed() -> Iterator[Feed]:
    """A reference service's floor written into a cache and read back: one per test module."""
    with live_feed() as f:
        yield f


@pytest.fixture
def harness(tmp_path: Path, qtbot: QtBot) -> Iterator[Harness]:
    """A move controller over a queue model and a real encrypted cache (tests.helpers.board)."""
    with move_harness(tmp_path) as h:
        yield h


@pytest.fixture
def demo_session(qapp: QApplication) -> Iterator[Session]:
    """The console on its embedded demo service (150 open enquiries, a frozen clock), headless."""
    config = SessionConfig(api_url=None, demo=True, demo_open=150, demo_speed=0.0, headless=True)
    s = Session(qapp, config, secret_store=SecretStore.open())
    s.start()
    yield s
    s.stop()
