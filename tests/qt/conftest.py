"""Fixtures for the Qt tests; the helpers they are built from live in tests/helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.helpers.board import Harness, move_harness
from tests.helpers.queue import Feed, live_feed


@pytest.fixture(scope="module")
def feed() -> Iterator[Feed]:
    """A live reference service read to the end of its change feed: one per test module."""
    with live_feed() as f:
        yield f


@pytest.fixture
def harness(tmp_path: Path, qtbot: QtBot) -> Iterator[Harness]:
    """A move controller over a queue model and a real encrypted cache (tests.helpers.board)."""
    with move_harness(tmp_path) as h:
        yield h
