"""The background-work helper: reads on the jobs thread, writes through the cache's one writer, every
answer on the UI thread, answers for a deleted owner dropped by the helper; the sync worker's stop()
returns at once and its reports arrive on the UI thread."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from shiboken6 import Shiboken

from console.courtesy import ui_is_busy
from console.store.cache import Store
from tests.helpers.thread_rule import ThreadRule
from widgets.app.workers import BackgroundJobs, NotConnected, SyncWorker


class Answers(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.got: list[object] = []
        self.threads: list[bool] = []

    @Slot(object)
    def take(self, value: object) -> None:
        self.threads.append(threading.current_thread() is threading.main_thread())
        self.got.append(value)


class OneWriter:
    """A real writer: one thread owning a real Store, like the sync thread (Syncer.submit)."""

    def __init__(self, path: Path) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="writer")
        self.store: Store = self._pool.submit(Store, path, os.urandom(32)).result()

    def submit(self, fn: Callable[[Store], Any]) -> Future[Any]:
        return self._pool.submit(fn, self.store)

    def close(self) -> None:
        self._pool.submit(self.store.close).result()
        self._pool.shutdown()


@pytest.fixture
def jobs() -> Iterator[BackgroundJobs]:
    j = BackgroundJobs()
    yield j
    j.shutdown()


def test_reads_answer_on_the_ui_thread(qtbot: QtBot, jobs: BackgroundJobs) -> None:
    answers = Answers()
    ran_on: list[str] = []

    def work() -> int:
        ran_on.append(threading.current_thread().name)
        return 42

    jobs.read(work, answers.take)
    jobs.read(lambda: 1 / 0, lambda _: None, answers.take)
    qtbot.waitUntil(lambda: len(answers.got) == 2, timeout=5_000)
    assert answers.got[0] == 42 and isinstance(answers.got[1], ZeroDivisionError)
    assert answers.threads == [True, True] and ran_on[0].startswith("concierge-jobs")


def test_a_result_is_taken_in_while_the_workers_give_way(qtbot: QtBot, jobs: BackgroundJobs) -> None:
    # Taking in a result is often work over the whole queue on the UI thread: the workers' long loops
    # (console.courtesy) wait for it rather than share the GIL with it.
    seen: list[bool] = []
    jobs.read(lambda: 1, lambda _: seen.append(ui_is_busy()))
    qtbot.waitUntil(lambda: bool(seen), timeout=5_000)
    assert seen == [True] and not ui_is_busy()


@pytest.mark.expected_log(r"a background job failed", logger="concierge.ui.workers", level="ERROR")
def test_a_failure_nobody_handles_is_said_not_lost(qtbot: QtBot, jobs: BackgroundJobs) -> None:
    with qtbot.waitSignal(jobs.failed, timeout=5_000) as said:
        jobs.read(lambda: 1 / 0, lambda _: None)  # no on_error
    assert said.args == ["Something could not be done in the background: division by zero"]


def test_an_answer_for_a_deleted_owner_is_dropped(qtbot: QtBot, jobs: BackgroundJobs) -> None:
    """No isValid checks at call sites: the helper drops the answer of a widget closed meanwhile."""
    release = threading.Event()
    widget = QWidget()
    calls: list[object] = []
    jobs.read(release.wait, lambda v: calls.append(("closure", v)), owner=widget)
    jobs.read(lambda: str(release.wait()), widget.setWindowTitle)  # a bound method: its object is the owner
    witness = Answers()
    jobs.read(lambda: "after", witness.take)
    Shiboken.delete(widget)
    release.set()
    qtbot.waitUntil(lambda: witness.got == ["after"], timeout=5_000)  # answers come in order
    assert calls == []


def test_writes_go_through_the_one_writer_and_answer_on_the_ui_thread(
    qtbot: QtBot, jobs: BackgroundJobs, tmp_path: Path
) -> None:
    writer = OneWriter(tmp_path / "cache.db")
    answers = Answers()
    try:

        def note(store: Store) -> str:
            store.set_meta("note", "written")
            return "done"

        jobs.write(writer, note, answers.take)
        jobs.write(writer, lambda store: store.get_meta("note"), answers.take)
        jobs.write(None, lambda store: None, lambda _: None, answers.take)  # sync not running
        qtbot.waitUntil(lambda: len(answers.got) == 3, timeout=5_000)
        failures = [a for a in answers.got if isinstance(a, NotConnected)]
        assert [a for a in answers.got if not isinstance(a, NotConnected)] == ["done", "written"]
        assert len(failures) == 1 and "not saved" in str(failures[0])
        assert answers.threads == [True, True, True]
    finally:
        writer.close()


def test_whole_queue_owners_share_one_thread_and_one_closing_leaves_it_to_the_others(qtbot: QtBot) -> None:
    """The owners of work over the whole queue run on one thread (fewer threads for the UI thread to
    wait on for the GIL); a private owner keeps its own; shutting one whole-queue owner down cancels
    only its own jobs not started, and the thread goes on serving the rest."""
    figures, book, private = (BackgroundJobs(whole_queue=True), BackgroundJobs(whole_queue=True),
                              BackgroundJobs())  # fmt: skip
    ran_on: dict[str, str] = {}
    answers = Answers()
    release = threading.Event()

    def on(name: str, value: object = None) -> Callable[[], object]:
        def work() -> object:
            ran_on[name] = threading.current_thread().name
            return value if value is not None else name

        return work

    try:
        for name, owner in (("figures", figures), ("book", book), ("private", private)):
            owner.read(on(name), answers.take)
        qtbot.waitUntil(lambda: len(answers.got) == 3, timeout=5_000)
        assert ran_on["figures"] == ran_on["book"] and ran_on["figures"].startswith("concierge-queue-jobs")
        assert ran_on["private"] != ran_on["figures"]
        # A long job of one owner under way, the next of each owner queued behind it on the shared thread.
        running = figures.read(release.wait, lambda _: None)
        dropped = figures.read(on("dropped"), answers.take)
        kept = book.read(on("kept"), answers.take)
        figures.shutdown()
        assert dropped.cancelled() and not kept.cancelled()
        release.set()
        qtbot.waitUntil(lambda: "kept" in answers.got, timeout=5_000)
        assert running.done() and "dropped" not in ran_on
        assert book.read(on("after"), answers.take).result(timeout=5) is None  # the thread still serves
        qtbot.waitUntil(lambda: answers.got[-1] == "after", timeout=5_000)
    finally:
        release.set()
        for owner in (figures, book, private):
            owner.shutdown()


def test_after_shutdown_nothing_is_answered_and_the_last_step_still_runs(qtbot: QtBot) -> None:
    jobs = BackgroundJobs()
    release = threading.Event()
    answers = Answers()
    closed = threading.Event()
    running = jobs.read(release.wait, answers.take)
    queued = jobs.read(lambda: "never", answers.take)
    jobs.shutdown(last=closed.set)  # returns at once, with a job under way
    assert queued.cancelled() and jobs.read(lambda: 1, answers.take).cancelled()
    release.set()
    assert closed.wait(5) and running.result(timeout=5) is None
    qtbot.wait(50)
    assert answers.got == []


class Blocked:
    """A sync loop inside a long call: it ends only when released."""

    def __init__(self, worker: SyncWorker, release: threading.Event) -> None:
        self.worker, self.release = worker, release

    def run_forever(self, stop: threading.Event) -> None:
        self.worker.state("running")
        self.release.wait(10)


class Receiver(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.states: list[object] = []
        self.finished = 0
        self.failures: list[str] = []

    @Slot(object)
    def on_state(self, state: object) -> None:
        self.states.append(state)

    @Slot()
    def on_finished(self) -> None:
        self.finished += 1

    @Slot(str)
    def on_failed(self, reason: str) -> None:
        self.failures.append(reason)


def test_stopping_the_sync_worker_never_waits(qtbot: QtBot, thread_rule: ThreadRule) -> None:
    thread_rule.watch(Receiver, "on_state", "on_finished", "on_failed")
    release = threading.Event()
    worker = SyncWorker(lambda w: Blocked(w, release))
    receiver = Receiver()
    worker.stateChanged.connect(receiver.on_state)
    worker.finished.connect(receiver.on_finished)
    worker.start()
    qtbot.waitUntil(lambda: receiver.states == ["running"], timeout=5_000)
    worker.stop()  # returns while the loop is still inside its call
    assert not worker.ended and not worker.wait(0.05)
    release.set()
    qtbot.waitUntil(lambda: receiver.finished == 1, timeout=5_000)
    assert worker.ended and worker.wait(1)


@pytest.mark.expected_log(r"sync loop ended with an error", logger="concierge.ui.workers", level="ERROR")
def test_a_sync_loop_that_dies_says_why(qtbot: QtBot, thread_rule: ThreadRule) -> None:
    thread_rule.watch(Receiver, "on_failed", "on_finished")

    def broken(_: SyncWorker) -> Blocked:
        raise OSError("disk full")

    worker = SyncWorker(broken)
    receiver = Receiver()
    worker.failed.connect(receiver.on_failed)
    worker.finished.connect(receiver.on_finished)
    worker.start()
    qtbot.waitUntil(lambda: receiver.finished == 1, timeout=5_000)
    assert receiver.failures == ["disk full"]


def test_a_write_after_the_sync_loop_ended_is_reported_not_lost(
    qtbot: QtBot, jobs: BackgroundJobs, tmp_path: Path
) -> None:
    from console.api.client import ApiClient, ApiSettings
    from console.sync.engine import Syncer

    store = Store(tmp_path / "cache.db", os.urandom(32))
    api = ApiClient(ApiSettings("http://127.0.0.1:9"))
    try:
        syncer = Syncer(api, store)
        done = threading.Event()
        done.set()
        syncer.run_forever(done)  # the loop has ended (a stop, a new sign-in)
        answers = Answers()
        jobs.write(syncer, lambda s: s.set_meta("note", "late"), answers.take, answers.take)
        qtbot.waitUntil(lambda: bool(answers.got), timeout=5_000)
        assert isinstance(answers.got[0], NotConnected) and answers.threads == [True]
        assert store.get_meta("note") is None
    finally:
        api.close()
        store.close()
