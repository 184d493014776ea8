"""Shift reports are computed off the sync thread: a report that takes seconds (100,000 enquiries) no
longer holds up the change feed (benchmarks/bench_arrival.py measured new enquiries arriving up to 13 s
late while one was computed); what it stores is still written by the sync thread, the one writer."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from console.domain.model import ChangeSet
from console.service.server import DemoService
from console.store.cache import Store, StoreReader
from console.sync import report_thread
from console.sync.engine import Syncer
from console.sync.shift_close import CloseResult, Writer
from console.sync.state import SyncState
from tests.helpers.service import new_client


def test_the_feed_flows_while_a_shift_report_is_computed(
    fresh_service: Callable[..., DemoService], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = fresh_service()
    key = os.urandom(32)
    store = Store(tmp_path / "c.db", key)
    computing, release = threading.Event(), threading.Event()
    ran_on: list[tuple[str, str]] = []

    def slow_close(reader: StoreReader, write: Writer, now: float, *_: Any, **__: Any) -> CloseResult:
        ran_on.append(("compute", threading.current_thread().name))
        computing.set()
        release.wait(30)  # a report over a big cache

        def store_it(s: Store) -> None:
            ran_on.append(("store", threading.current_thread().name))
            s.set_meta("probe", "stored")

        write(store_it)
        return CloseResult()

    monkeypatch.setattr(report_thread, "close_quietly", slow_close)
    added: set[str] = set()
    arrived = threading.Event()

    def on_changes(cs: ChangeSet) -> None:
        added.update(cs.added)
        arrived.set()

    live = threading.Event()
    syncer = Syncer(
        new_client(svc),
        store,
        on_changes=on_changes,
        on_state=lambda s: live.set() if s.state is SyncState.LIVE else None,
        long_poll_s=5,
    )
    stop = threading.Event()
    worker = threading.Thread(target=syncer.run_forever, args=(stop,), name="concierge-sync")
    worker.start()
    try:
        assert computing.wait(20), "the sync loop did not start closing shifts"
        assert live.wait(20), "the first catch-up waited for the shift report"
        arrived.clear()
        new = svc.add_enquiry()["id"]
        assert arrived.wait(10) and new in added, "the feed waited for the shift report"
        assert not release.is_set()
        release.set()
        with StoreReader(store.path, key) as reader:
            deadline = time.monotonic() + 10
            while reader.get_meta("probe") != "stored" and time.monotonic() < deadline:
                time.sleep(0.02)
            assert reader.get_meta("probe") == "stored"
        assert ran_on == [("compute", "concierge-reports"), ("store", "concierge-sync")]
    finally:
        release.set()
        stop.set()
        worker.join(10)
        store.close()
