"""Giving memory Python has freed back to the system (glibc's allocator; elsewhere these do nothing).

Loading 100k open enquiries builds hundreds of MB of short-lived lists and tuples, much of it on worker
threads. Python frees them, but glibc keeps the freed pages in its heaps, one heap per thread that
allocated (up to 8 per core), so the console's resident size stayed ~30 MB above what it used once
loaded (bench_console, issue 16). Two settings bound that: few heaps, made before any thread starts,
and the free pages returned (malloc_trim, 2-4 ms at 300 MB) after a load and now and then.
Windows' and macOS's allocators give free pages back by themselves.
"""

from __future__ import annotations

import ctypes
import sys

M_ARENA_MAX = -8  # glibc's mallopt parameter: the most heaps threads may get
ARENAS = 2  # the UI thread's and one for the workers (more only fragment: each keeps its free pages)


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)  # the process's own symbols: glibc where it is the C library
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


GLIBC = _libc()  # None where the C library is not glibc


def limit_heaps(n: int = ARENAS) -> bool:
    """At most n allocator heaps for the process's threads; call before threads start (heaps made
    earlier stay). False where the allocator has no such setting."""
    if GLIBC is None:
        return False
    return bool(GLIBC.mallopt(ctypes.c_int(M_ARENA_MAX), ctypes.c_int(n)))


def give_back() -> bool:
    """Return the allocator's free pages to the system. True when any were returned."""
    if GLIBC is None:
        return False
    return bool(GLIBC.malloc_trim(ctypes.c_size_t(0)))
