"""Threads that keep the UI thread off the network and off writes.

SyncWorker runs the core's Syncer.run_forever in a QThread and forwards its plain callbacks (change-sets,
state, outbox results) as Qt signals; the receivers live in the UI thread, so delivery is queued.
BackgroundJobs runs short one-off calls (fetch a conversation, sign in) on one Python worker thread and
hands each result back through a signal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from PySide6.QtCore import QObject, QThread, Signal, Slot

log = logging.getLogger("concierge.ui.workers")


class Runner(Protocol):
    def run_forever(self, stop: threading.Event) -> None: ...


class SyncCallbacks(Protocol):
    def changes(self, change_set: object) -> None: ...
    def state(self, state: object) -> None: ...
    def outbox(self, result: object) -> None: ...


# Builds the syncer INSIDE the worker thread: the store's writing connection is thread-confined.
RunnerFactory = Callable[["SyncWorker"], Runner]


class SyncWorker(QObject):
    """Owns a QThread; start() runs the factory's runner there until stop()."""

    changesReady = Signal(object)  # console.domain.model.ChangeSet
    stateChanged = Signal(object)  # console.sync.engine.SyncState
    outboxResult = Signal(object)  # console.store.cache.OutboxResult
    failed = Signal(str)  # the runner died: a plain sentence for the status bar
    finished = Signal()

    def __init__(self, factory: RunnerFactory) -> None:
        super().__init__()
        self._factory = factory
        self._stop = threading.Event()
        self._thread = QThread()
        self._thread.setObjectName("concierge-sync")
        self.moveToThread(self._thread)
        self._thread.started.connect(self._run)

    # Called from the worker thread by the syncer: emitting crosses to the UI thread (queued).
    def changes(self, change_set: object) -> None:
        self.changesReady.emit(change_set)

    def state(self, state: object) -> None:
        self.stateChanged.emit(state)

    def outbox(self, result: object) -> None:
        self.outboxResult.emit(result)

    def start(self) -> None:
        self._stop.clear()
        self._thread.start()

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def stop(self, timeout_ms: int = 5000) -> bool:
        """Ask the loop to end and wait for it; False if it is still inside a network call."""
        self._stop.set()
        self._thread.quit()
        return self._thread.wait(timeout_ms)

    @Slot()
    def _run(self) -> None:
        try:
            runner = self._factory(self)
            runner.run_forever(self._stop)
        except Exception as e:  # a bug or a broken cache: say so, do not take the window down
            log.exception("sync loop ended with an error")
            self.failed.emit(str(e) or type(e).__name__)
        finally:
            self.finished.emit()
            self._thread.quit()


class _Relay(QObject):
    """Lives in the UI thread; its slots are bound methods, so PySide queues emits from the worker
    (a bare lambda would run in the emitting thread)."""

    done = Signal(object, object)  # (callback, result)
    error = Signal(object, object)  # (callback, exception)

    def __init__(self) -> None:
        super().__init__()
        self.open = True  # False once its owner shut down: answers still queued are dropped
        self.done.connect(self._call)
        self.error.connect(self._call)

    @Slot(object, object)
    def _call(self, callback: Callable[[Any], None], value: object) -> None:
        if self.open:
            callback(value)


class BackgroundJobs(QObject):
    """One worker thread for short calls. submit(fn, on_done, on_error): the callbacks run in the UI
    thread. A single thread keeps thread-confined resources (a store connection) in one place."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="concierge-jobs")
        self._relay = _Relay()
        self.local = threading.local()  # per-thread state for jobs (e.g. their own store connection)
        self._closed = False

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> Future[None]:
        if self._closed:  # the window is closing (e.g. during the first load): nothing more to do
            cancelled: Future[None] = Future()
            cancelled.cancel()
            return cancelled

        def job() -> None:
            try:
                result = fn()
            except Exception as e:
                if not self._closed:
                    self._relay.error.emit(on_error, e)
            else:
                if not self._closed:
                    self._relay.done.emit(on_done, result)

        return self._pool.submit(job)

    def shutdown(self) -> None:
        self._closed = True
        self._relay.open = False
        self._pool.shutdown(wait=False, cancel_futures=True)
