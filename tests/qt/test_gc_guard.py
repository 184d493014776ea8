"""The cyclic collector runs on the UI thread only, and still frees cycles there."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from widgets.app.gc_guard import BULK_YOUNG, GarbageCollector, bulk_work_running
from widgets.app.workers import BackgroundJobs, whole_queue_thread

pytestmark = pytest.mark.own_collector  # these tests switch the collector themselves


class Cycle:
    def __init__(self) -> None:
        self.me = self


class Collections:
    """The generations collected, and whether a job was running then."""

    def __init__(self) -> None:
        self.job_running = False
        self.seen: list[tuple[int, bool]] = []

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.seen.append((info["generation"], self.job_running))


@pytest.fixture
def collections() -> Iterator[Collections]:
    noted = Collections()
    gc.callbacks.append(noted)
    yield noted
    gc.callbacks.remove(noted)


@pytest.fixture
def collector(qtbot: QtBot) -> Iterator[GarbageCollector]:
    # What earlier tests' whole-queue jobs left: one still running or queued (its owner gone) defers
    # collections, and one that ended asks for a freeze at the first look; all settled before the test's
    # own objects (the whole-queue thread runs its jobs in order: a no-op through it waits for them all).
    whole_queue_thread().submit(lambda: None).result(timeout=60)
    qtbot.waitUntil(lambda: bulk_work_running() == 0, timeout=60_000)
    guard = GarbageCollector(interval_ms=10)
    guard.check()
    guard.start()
    yield guard
    guard.stop()
    gc.unfreeze()


def test_worker_threads_never_collect_but_the_ui_thread_does(
    collector: GarbageCollector, qtbot: QtBot
) -> None:
    assert not gc.isenabled()
    collected_on: list[str] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collected_on.append(threading.current_thread().name)

    gc.callbacks.append(note)
    try:
        refs = []

        def churn() -> None:  # far past the gen-0 threshold, on a worker thread
            for _ in range(20_000):
                refs.append(weakref.ref(Cycle()))

        worker = threading.Thread(target=churn, name="worker")
        worker.start()
        worker.join()
        assert collected_on == []  # the worker allocated plenty and never collected
        qtbot.waitUntil(lambda: all(r() is None for r in refs), timeout=5000)
        assert collected_on and set(collected_on) == {threading.main_thread().name}
    finally:
        gc.callbacks.remove(note)


def test_stop_gives_the_automatic_collector_back(qtbot: QtBot) -> None:
    guard = GarbageCollector()
    guard.start()
    assert not gc.isenabled()
    guard.stop()
    assert gc.isenabled()


def test_freeze_moves_long_lived_objects_out_of_sight(collector: GarbageCollector) -> None:
    rows = [Cycle() for _ in range(1000)]
    GarbageCollector.freeze_long_lived()
    assert gc.get_freeze_count() >= len(rows)


def test_a_bulk_of_young_objects_is_frozen_not_walked_on_the_ui_thread(
    collector: GarbageCollector, qtbot: QtBot
) -> None:
    walked: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            walked.append(gc.get_freeze_count())

    rows: list[object] = []

    def load() -> None:  # a loader's rows, made on a worker thread
        rows.extend([i, str(i)] for i in range(BULK_YOUNG + 10_000))

    gc.callbacks.append(note)
    try:
        frozen = gc.get_freeze_count()
        worker = threading.Thread(target=load, name="loader")
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: gc.get_freeze_count() >= frozen + BULK_YOUNG, timeout=5000)
        # Out of the collector's sight with no collection over them first (any later one walks the few
        # objects made since the freeze).
        assert all(n >= frozen + BULK_YOUNG for n in walked)
    finally:
        gc.callbacks.remove(note)


def test_a_whole_queue_job_is_not_walked_while_it_runs_and_what_it_leaves_is_frozen(
    collector: GarbageCollector, collections: Collections, qtbot: QtBot
) -> None:
    # As the navigator's counts do at 100k: a result rebuilt while the old one (frozen) is dropped. The
    # young count is net of frees, so it looks small (past the gen-0 threshold, far below BULK_YOUNG)
    # while the young generation holds the whole new result: collected, it held the UI thread 18-60 ms.
    n = 3 * BULK_YOUNG
    old = [[i] for i in range(n)]
    GarbageCollector.freeze_long_lived()
    go_on = threading.Event()
    results: list[list[list[int]]] = []

    def rebuild() -> list[list[int]]:
        collections.job_running = True
        new = []
        for i in range(n):
            new.append([i])
            if len(old) > 5_000:
                old.pop()
        go_on.wait(10)
        collections.job_running = False
        return new

    jobs = BackgroundJobs(whole_queue=True)
    assert gc.get_threshold()[0] < 5_000 < BULK_YOUNG  # the young count the job leaves
    looks = collector.looks
    jobs.read(rebuild, results.append)
    qtbot.waitUntil(lambda: collections.job_running and collector.looks >= looks + 5, timeout=5_000)
    frozen = gc.get_freeze_count()
    go_on.set()
    qtbot.waitUntil(lambda: bool(results) and gc.get_freeze_count() >= frozen + n, timeout=5_000)
    assert not [g for g, running in collections.seen if running]  # nothing walked the job's working set
    assert not collections.seen  # and its result went out of sight unwalked
    jobs.shutdown()


def test_cycles_are_still_freed_beside_a_job_that_never_rests(collections: Collections, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: bulk_work_running() == 0, timeout=60_000)  # the job below is the one running
    guard = GarbageCollector(interval_ms=10, max_defer_s=0.05)
    guard.check()  # a freeze an earlier test's job asked for: before the garbage below is made
    guard.start()
    go_on = threading.Event()
    jobs = BackgroundJobs(whole_queue=True)
    try:
        jobs.read(lambda: go_on.wait(10), lambda _: None)
        garbage = [weakref.ref(Cycle()) for _ in range(2_000)]
        qtbot.waitUntil(lambda: all(r() is None for r in garbage), timeout=5_000)
    finally:
        go_on.set()
        guard.stop()
        jobs.shutdown()
        gc.unfreeze()
