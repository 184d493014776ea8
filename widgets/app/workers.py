"""Background work, with every answer delivered on the UI thread.

The thread rule (DESIGN.md): the UI thread never waits on the network or on a write, and every receiver
of a signal that crosses threads is a QObject living on the UI thread.

- SyncWorker runs the sync loop (sign-in, then console.sync.engine.Syncer.run_forever) on its own
  thread and forwards the syncer's plain callbacks as signals. Connect them to slots of QObjects made on
  the UI thread: their thread is what makes Qt queue each call there. (A plain function or a method of
  a plain object runs wherever PySide places it: when the worker lived on its own QThread, as before,
  that was the sync thread.) stop() only asks: the loop ends by itself within half a second, or when
  the network call it is inside returns (benchmarks/bench_stop_sync.py).
- BackgroundJobs runs short calls on one worker thread (one thread keeps thread-confined resources,
  such as a reading cache connection, in one place). The owners of work over the whole open queue (the
  queue's load and scores, the figures, the complaint book, the board, the wallboard) pass
  whole_queue=True and share one thread: each such thread running Python beside the UI thread makes it
  wait for the GIL at every call from Qt into Python (benchmarks/bench_console.py, 100,000 open: the UI
  thread held up to 475-505 ms at a time after start with a thread each, 67-78 ms with one shared).
  Their jobs run inside gc_guard.bulk_work(), so the UI thread's collector never walks their working sets.
  The calls:
    read(fn, on_done, on_error)          fn() on the jobs thread
    write(writer, fn, on_done, on_error) fn(store) on the sync thread, the one writer of the cache
  on_done / on_error run on the UI thread. An answer for an owner that has been deleted meanwhile (a
  closed dialog, a window) is dropped here, so call sites never check. The owner is `owner=` or, for a
  bound method of a QObject, that object. A failure with no on_error is logged and said on `failed`.
  After shutdown() nothing more is called back.
  submit(fn, on_done, on_error) is read() under its older name.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from PySide6.QtCore import QObject, Signal, Slot
from shiboken6 import Shiboken

from console.platform.gil import share_the_gil, ui_first
from widgets.app.gc_guard import bulk_work

if TYPE_CHECKING:
    from console.store.cache import Store

log = logging.getLogger("concierge.ui.workers")

T = TypeVar("T")
OnError = Callable[[BaseException], None]


class Runner(Protocol):
    def run_forever(self, stop: threading.Event) -> None: ...


class StoreWriter(Protocol):
    """The sync thread's job queue (console.sync.engine.Syncer.submit)."""

    def submit(self, fn: Callable[[Store], Any]) -> Future[Any]: ...


class NotConnected(RuntimeError):
    """A write asked for while the sync thread (the cache's one writer) is not running."""


NOT_WRITTEN = "not connected: the change is not saved; try again shortly"

# Builds the runner INSIDE the sync thread: the store's writing connection is thread-confined.
RunnerFactory = Callable[["SyncWorker"], Runner]


class SyncWorker(QObject):
    """start() runs the factory's runner on a thread of its own until stop() or the runner returns.
    The worker object itself lives on the UI thread; only its emits come from the sync thread."""

    changesReady = Signal(object)  # console.domain.model.ChangeSet
    stateChanged = Signal(object)  # console.sync.state.SyncStatus
    outboxResult = Signal(object)  # console.store.cache.OutboxResult
    writerChanged = Signal(object)  # the Syncer (the cache's one writer) once it runs; None when it ends
    failed = Signal(str)  # the runner died: a plain sentence for the status bar
    finished = Signal()

    def __init__(self, factory: RunnerFactory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._factory = factory
        self._stop = threading.Event()
        self._ended = threading.Event()
        share_the_gil()  # the UI thread gets the GIL back at once from the sync thread (console.platform.gil)
        # A daemon thread: a loop still inside a network call never holds up the end of the process.
        self._thread = threading.Thread(target=self._run, name="concierge-sync", daemon=True)

    # Called on the sync thread by the syncer: emitting crosses to the UI thread (queued).
    def changes(self, change_set: object) -> None:
        self.changesReady.emit(change_set)

    def state(self, state: object) -> None:
        self.stateChanged.emit(state)

    def outbox(self, result: object) -> None:
        self.outboxResult.emit(result)

    def writer(self, syncer: object) -> None:
        self.writerChanged.emit(syncer)

    @property
    def ended(self) -> bool:
        """The loop has returned (finished has been emitted, or is about to be)."""
        return self._ended.is_set()

    @property
    def exited(self) -> bool:
        """Its thread has ended (after `finished` was emitted): the worker may be deleted."""
        return self.ended and not self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ask the loop to end; returns at once (finished is emitted when it has)."""
        self._stop.set()

    def wait(self, timeout_s: float) -> bool:
        """Wait for the loop to end (only when the application closes); False if it has not."""
        if self._thread.ident is None:
            return True
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            runner = self._factory(self)
            runner.run_forever(self._stop)
        except Exception as e:  # a bug or a broken cache: say so, do not take the window down
            log.exception("sync loop ended with an error")
            self.failed.emit(str(e) or type(e).__name__)
        finally:
            self._ended.set()
            self.finished.emit()


class _Delivery:
    """A callback and the QObject whose life bounds it (None: the callback is always called)."""

    __slots__ = ("callback", "owner")

    def __init__(self, callback: Callable[[Any], None], owner: QObject | None) -> None:
        self.callback = callback
        if owner is None:
            bound = getattr(callback, "__self__", None)
            owner = bound if isinstance(bound, QObject) else None
        self.owner = owner

    def alive(self) -> bool:
        return self.owner is None or Shiboken.isValid(self.owner)


class _Relay(QObject):
    """Lives on the UI thread; its slot is a bound method, so PySide queues emits from other threads
    (a bare lambda would run on the emitting thread)."""

    deliver = Signal(object, object)  # (_Delivery, the result or the exception)

    def __init__(self) -> None:
        super().__init__()
        self.open = True  # False once its owner shut down: answers still queued are dropped
        self.deliver.connect(self._call)

    @Slot(object, object)
    def _call(self, delivery: _Delivery, value: object) -> None:
        if self.open and delivery.alive():
            with ui_first():  # taking in a result (often over the whole queue): the workers give way
                delivery.callback(value)


_whole_queue: list[ThreadPoolExecutor] = []  # the one thread of the whole-queue owners, once made
_whole_queue_lock = threading.Lock()


def whole_queue_thread() -> ThreadPoolExecutor:
    """The thread every whole-queue owner's jobs run on (made on first use, kept for the process)."""
    with _whole_queue_lock:
        if not _whole_queue:
            _whole_queue.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="concierge-queue-jobs"))
        return _whole_queue[0]


class BackgroundJobs(QObject):
    """One worker thread for short reads, and a route for writes through the sync thread; the
    callbacks run on the UI thread (see the module's notes). A failure with no on_error is logged and
    said on `failed` (the session shows it in the status bar): it never vanishes."""

    failed = Signal(str)  # a plain sentence, for a failure nobody else handled

    def __init__(self, parent: QObject | None = None, *, whole_queue: bool = False) -> None:
        super().__init__(parent)
        share_the_gil()
        self._shared = whole_queue
        if whole_queue:
            self._pool = whole_queue_thread()
        else:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="concierge-jobs")
        self._relay = _Relay()
        self._closed = False
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()

    def read(
        self,
        fn: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: OnError | None = None,
        *,
        owner: QObject | None = None,
    ) -> Future[None]:
        """fn() on the jobs thread; on_done(result) or on_error(exception) on the UI thread."""
        if self._closed:  # the window is closing (e.g. during the first load): nothing more to do
            return _cancelled()
        done, error = _Delivery(on_done, owner), _Delivery(on_error or self._unhandled, owner)

        bulk = self._shared

        def job() -> None:
            try:
                if bulk:  # a working set over the whole queue: not for the UI thread's collector to walk
                    with bulk_work():
                        result = fn()
                else:
                    result = fn()
            except Exception as e:
                self._answer(error, e)
            else:
                self._answer(done, result)

        future = self._pool.submit(job)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._settled)
        return future

    def submit(
        self, fn: Callable[[], Any], on_done: Callable[[Any], None], on_error: OnError
    ) -> Future[None]:
        return self.read(fn, on_done, on_error)

    def write(
        self,
        writer: StoreWriter | None,
        fn: Callable[[Store], T],
        on_done: Callable[[T], None],
        on_error: OnError | None = None,
        *,
        owner: QObject | None = None,
    ) -> Future[Any]:
        """fn(store) on the sync thread (the cache's one writer); on_done / on_error on the UI thread.
        With no writer (sync not running) on_error gets NotConnected, on the UI thread as always."""
        done, error = _Delivery(on_done, owner), _Delivery(on_error or self._unhandled, owner)
        if self._closed:
            return _cancelled()
        if writer is None:
            self._answer(error, NotConnected(NOT_WRITTEN))
            return _cancelled()
        future = writer.submit(fn)

        def settled(f: Future[Any]) -> None:  # on the sync thread (or here, when already settled)
            if f.cancelled():  # the sync loop ended before it ran: not written, and the caller hears so
                self._answer(error, NotConnected(NOT_WRITTEN))
                return
            failure = f.exception()
            if failure is not None:
                self._answer(error, failure)
            else:
                self._answer(done, f.result())

        future.add_done_callback(settled)
        return future

    def shutdown(self, last: Callable[[], None] | None = None) -> None:
        """Answer nothing more and drop the jobs not started; `last` (closing a connection the jobs
        thread made) still runs there, after the job under way. Never waits."""
        self._closed = True
        self._relay.open = False
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            future.cancel()  # only those not started yet
        if last is not None:
            self._pool.submit(_quietly, last)
        if not self._shared:  # the shared thread serves the other owners still open
            self._pool.shutdown(wait=False)

    def _unhandled(self, error: BaseException) -> None:
        log.error("a background job failed: %s", error, exc_info=error)
        self.failed.emit(f"Something could not be done in the background: {error}")

    def _answer(self, delivery: _Delivery, value: object) -> None:
        if not self._closed:
            self._relay.deliver.emit(delivery, value)

    def _settled(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)


def _cancelled() -> Future[Any]:
    future: Future[Any] = Future()
    future.cancel()
    return future


def _quietly(fn: Callable[[], None]) -> None:
    try:
        fn()
    except Exception:
        log.exception("closing a background resource failed")
