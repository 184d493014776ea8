"""Issue 14, defect 1, the sync thread: an unexpected error (here a listener that fails, the one part a
test may break on purpose) is logged with its traceback, shown in the state, retried with back-off, and
sync goes on; a worker that dies all the same ends `sync` with exit 1, never 0."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest

from console.cli.commands import forever
from console.cli.common import EXIT_BUG, CommandError
from console.domain.model import ChangeSet
from console.service.server import DemoService
from console.sync.engine import Syncer
from console.sync.state import SyncStatus
from tests.helpers.service import new_client
from tests.helpers.store import new_store


@pytest.mark.expected_log(r"unexpected error in the sync thread", logger="concierge.sync", level="ERROR")
def test_an_unexpected_error_is_logged_shown_and_retried(
    fresh_service: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    svc: DemoService = fresh_service()
    api, store = new_client(svc), new_store(tmp_path)
    states: list[SyncStatus] = []
    live = threading.Event()
    calls = 0

    def on_changes(cs: ChangeSet) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("a listener bug")

    def on_state(state: SyncStatus) -> None:
        states.append(state)
        if state.state == "live":
            live.set()

    stop = threading.Event()
    syncer = Syncer(api, store, on_changes=on_changes, on_state=on_state, long_poll_s=0.5)
    worker = threading.Thread(target=syncer.run_forever, args=(stop,))
    with caplog.at_level(logging.ERROR, logger="concierge.sync"):
        worker.start()
        try:
            assert live.wait(30), [s.state for s in states]
        finally:
            stop.set()
            worker.join(30)
    assert not worker.is_alive()
    shown = [s for s in states if s.state == "reconnecting"]
    assert shown and "unexpected error (RuntimeError: a listener bug)" in shown[0].detail
    assert any("unexpected error in the sync thread" in r.message and r.exc_info for r in caplog.records)
    assert store.enquiry_count() == len(svc.snapshot())
    store.close()
    api.close()


@pytest.mark.expected_log(r"unexpected error in the sync thread", logger="concierge.sync", level="ERROR")
@pytest.mark.expected_log(r"the sync thread died", logger="concierge.cli", level="CRITICAL")
def test_the_command_exits_1_when_the_worker_dies(fresh_service: Any, tmp_path: Path) -> None:
    svc: DemoService = fresh_service()
    api, store = new_client(svc), new_store(tmp_path)

    def on_state(state: SyncStatus) -> None:
        raise RuntimeError("cannot report")  # fails inside the error handler too: the thread ends

    syncer = Syncer(api, store, on_state=on_state)
    with pytest.raises(CommandError) as raised:
        forever(syncer)
    assert raised.value.code == EXIT_BUG and "unexpected error (RuntimeError)" in str(raised.value)
    store.close()
    api.close()
