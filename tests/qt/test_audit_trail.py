"""AuditTrail writes through the one background helper (BackgroundJobs.write) while a writer runs, and
never loses an entry when it does not: a writer that stops, or one stuck in a long call, hands the entry
to a direct write on the jobs thread, exactly once. The writer here is a real thread owning a real cache
file (the sync thread's role); the answers must come back on the UI thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.store.cache import Store, StoreReader
from tests.helpers.store import new_key
from widgets.app.workers import BackgroundJobs
from widgets.detail.audit_trail import AuditTrail


class ThreadWriter:
    """The cache's one writer on a thread of its own, as the sync thread is."""

    def __init__(self, path: Path, key: str) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="writer")
        self.store: Store = self.pool.submit(Store, path, key).result()

    def submit(self, fn: Callable[[Store], Any]) -> Future[Any]:
        return self.pool.submit(fn, self.store)

    def close(self) -> None:
        self.pool.submit(self.store.close).result()
        self.pool.shutdown()


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    path, key = tmp_path / "cache.db", new_key()
    Store(path, key).close()
    yield path, key


def entries(cache: tuple[Path, str]) -> list[tuple[str, str]]:
    with StoreReader(*cache) as reader:
        assert reader.verify_audit() is None
        return [(a.action, a.subject) for a in reader.audit_entries()]


def trail(qapp: QApplication, cache: tuple[Path, str], writer: ThreadWriter | None) -> AuditTrail:
    jobs = BackgroundJobs()
    return AuditTrail(jobs, syncer=lambda: writer, cache=lambda: cache, actor=lambda: "supervisor")  # type: ignore[arg-type, return-value]


class Answers:
    def __init__(self) -> None:
        self.seqs: list[int] = []
        self.on_ui_thread: list[bool] = []

    def done(self, seq: int) -> None:
        self.seqs.append(seq)
        self.on_ui_thread.append(QThread.currentThread() is QApplication.instance().thread())  # type: ignore[union-attr]


def test_written_by_the_writer_and_answered_on_the_ui_thread(
    qtbot: QtBot, qapp: QApplication, cache: tuple[Path, str]
) -> None:
    writer = ThreadWriter(*cache)
    try:
        answers = Answers()
        audit = trail(qapp, cache, writer)  # held: the console's session holds its trail
        audit.record("export", "shift 3", {"rows": 10}, answers.done)
        qtbot.waitUntil(lambda: answers.seqs != [], timeout=5_000)
        assert answers.on_ui_thread == [True]
    finally:
        writer.close()
    assert entries(cache) == [("export", "shift 3")]


def test_a_writer_that_stops_first_hands_the_entry_to_a_direct_write(
    qtbot: QtBot, qapp: QApplication, cache: tuple[Path, str]
) -> None:
    writer = ThreadWriter(*cache)
    gate = threading.Event()
    writer.pool.submit(gate.wait)  # the writer is busy, then shuts down with the entry still queued
    answers = Answers()
    audit = trail(qapp, cache, writer)
    audit.record("reveal", "E000001", {}, answers.done)
    writer.pool.shutdown(wait=False, cancel_futures=True)
    gate.set()
    qtbot.waitUntil(lambda: answers.seqs != [], timeout=5_000)
    assert answers.on_ui_thread == [True]
    writer.store.close()
    assert entries(cache) == [("reveal", "E000001")]


def test_a_stuck_writer_loses_the_entry_to_a_direct_write_exactly_once(
    qtbot: QtBot, qapp: QApplication, cache: tuple[Path, str]
) -> None:
    writer = ThreadWriter(*cache)
    gate = threading.Event()
    writer.pool.submit(gate.wait)  # a long network call on the sync thread
    answers = Answers()
    audit = trail(qapp, cache, writer)
    audit.fallback_ms = 100
    audit.record("login", "supervisor", {}, answers.done)
    qtbot.waitUntil(lambda: answers.seqs != [], timeout=5_000)
    gate.set()  # the writer comes back: the entry it was given was taken back, not written twice
    writer.close()
    assert entries(cache) == [("login", "supervisor")]
    assert answers.on_ui_thread == [True]
