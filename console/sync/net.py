"""Network calls for the sync thread: a safe read asked again when its answer arrived damaged, and a
blocking call run on a short-lived helper thread that never touches the store."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from console.api.errors import BadDataError

log = logging.getLogger("concierge.sync")

T = TypeVar("T")

BAD_DATA_RETRIES = 3  # a read cut short in transit is worth asking again (reads are safe to repeat)


def read_safely(fn: Callable[..., T], *args: Any) -> T:
    """A safe read, asked again when the answer arrived damaged (the client retries the rest)."""
    for _ in range(BAD_DATA_RETRIES):
        try:
            return fn(*args)
        except BadDataError as e:
            log.info("a damaged answer, asking again: %s", e)
    return fn(*args)


def background(fn: Callable[..., T], *args: Any) -> Future[T]:
    """Run one blocking call on a daemon thread (it may outlive a stop; it never touches the store)."""
    fut: Future[T] = Future()

    def run() -> None:
        try:
            fut.set_result(fn(*args))
        except BaseException as e:
            fut.set_exception(e)

    threading.Thread(target=run, name="concierge-sync-net", daemon=True).start()
    return fut
