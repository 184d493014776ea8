"""The cyclic collector runs on the UI thread only, and still frees cycles there."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from widgets.app.gc_guard import BULK_YOUNG, GarbageCollector

pytestmark = pytest.mark.own_collector  # these tests switch the collector themselves


class Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def collector(qtbot: QtBot) -> Iterator[GarbageCollector]:
    guard = GarbageCollector(interval_ms=10)
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
