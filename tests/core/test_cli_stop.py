"""Ctrl-C on `python -m console sync` (console.cli.commands.forever): the command returns only once the
sync thread has finished what it was writing, so the cache is never closed under it. A join that Ctrl-C
interrupts could mark a live thread as ended (CPython 3.11), and the cache was then closed mid-write."""

from __future__ import annotations

import signal
import threading
import time
from typing import Any, cast

from console.cli.commands import forever
from console.cli.common import EXIT_OK
from console.sync.engine import Syncer


class SlowToStop:
    """Stands in for the Syncer (the unit here is the command's thread handling): it runs until told to
    stop, then takes a moment to finish its write."""

    def __init__(self) -> None:
        self.running, self.finished = threading.Event(), threading.Event()

    def run_forever(self, stop: threading.Event) -> None:
        self.running.set()
        stop.wait()
        time.sleep(0.3)  # the page being written when Ctrl-C came
        self.finished.set()


def test_ctrl_c_returns_only_after_the_sync_thread_has_finished() -> None:
    syncer = SlowToStop()

    def press_ctrl_c() -> None:
        syncer.running.wait(5)
        time.sleep(0.2)  # the main thread is waiting for the sync thread by now
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)  # Ctrl-C, to the main thread

    threading.Thread(target=press_ctrl_c, daemon=True).start()
    assert forever(cast(Syncer, cast(Any, syncer))) == EXIT_OK
    assert syncer.finished.is_set(), "the command returned (and would close the cache) mid-write"
