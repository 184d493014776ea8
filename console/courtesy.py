"""Worker threads give way to the UI thread while it paints or takes in a result.

The GIL lets one thread run Python at a time. While a worker computes over 100,000 rows (the navigator's
counts, the header's figures, the complaint book), a paint on the UI thread shares the GIL with it and runs
at a third of its speed: a whole-window repaint after the load held the UI thread 50-85 ms where it takes
20-30 ms alone. The long loops of the workers therefore walk their rows through paced(): at every row (25 ns)
they look whether the UI thread is busy (ui_busy(), entered by console.platform.gil.ui_first), and if so
they wait for it, at most GIVE_WAY_MAX_S at a time and only in the first TRUSTED_S of a busy spell: a UI
thread that never rests (or a modal dialog opened inside a busy spell) cannot stop them.

The lowest layer (stdlib only): the loops of console.live and console.store use it, the UI side enters it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

GIVE_WAY_MAX_S = 0.05  # the longest a worker waits at one look
TRUSTED_S = 0.25  # a busy spell longer than this is not a paint: the workers stop giving way to it

_quiet = threading.Event()  # set while the UI thread is not busy
_quiet.set()
_busy = [False]  # the same, read by paced() at every item (a list item: ~15 ns, an Event ~50 ns)
_owner: list[int | None] = [None]  # the UI thread's ident, while busy (it never waits for itself)
_depth = [0]  # nested ui_busy() on the UI thread
_since = [0.0]  # when the busy spell began (time.monotonic)
_waiting = [0]  # workers waiting now (for tests and probes)
_count_lock = threading.Lock()


@contextmanager
def ui_busy() -> Iterator[None]:
    """On the UI thread, around work that must not share the GIL with the workers (a paint, taking in a
    worker's result). Nests."""
    if _depth[0] == 0:
        _owner[0] = threading.get_ident()
        _since[0] = time.monotonic()
        _quiet.clear()
        _busy[0] = True
    _depth[0] += 1
    try:
        yield
    finally:
        _depth[0] -= 1
        if _depth[0] == 0:
            _owner[0] = None
            _busy[0] = False
            _quiet.set()


def ui_is_busy() -> bool:
    return not _quiet.is_set()


def give_way(max_wait_s: float = GIVE_WAY_MAX_S) -> bool:
    """While the UI thread is busy, wait for it (at most max_wait_s, and never past the first TRUSTED_S of
    its busy spell); never on the UI thread itself. True when this call waited."""
    if _quiet.is_set() or threading.get_ident() == _owner[0]:
        return False
    left = _since[0] + TRUSTED_S - time.monotonic()
    if left <= 0:
        return False
    with _count_lock:
        _waiting[0] += 1
    try:
        _quiet.wait(min(max_wait_s, left))
    finally:
        with _count_lock:
            _waiting[0] -= 1
    return True


def waiting() -> int:
    """How many threads are waiting in give_way now."""
    return _waiting[0]


def paced(items: Iterable[T], max_wait_s: float = GIVE_WAY_MAX_S) -> Iterator[T]:
    """The items, each after a look whether to give way: for a worker's loop over many rows. Each item,
    not every few hundred: one row of the navigator's counts can take 50 us (its message scored)."""
    busy = _busy
    for item in items:
        if busy[0]:
            give_way(max_wait_s)
        yield item
