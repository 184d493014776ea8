"""Freed memory goes back to the system (console.platform.memory), checked in a process of its own: the
setting is process-wide, and the resident size is the process's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from console.platform.memory import GLIBC

ROOT = Path(__file__).resolve().parents[2]

# A worker thread fills its heap with 100 MB of malloc'd blocks and frees all but every 50th: what is
# freed between the survivors stays resident until it is given back.
CHURN = """
import sys, threading
sys.path.insert(0, sys.argv[1])
from console.platform.memory import give_back, limit_heaps
def rss_mb():
    return next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmRSS:")) / 1024
print(int(limit_heaps()))
kept = []
def churn():
    blocks = [bytes(2000) for _ in range(50_000)]
    kept.extend(blocks[::50])
worker = threading.Thread(target=churn)
worker.start()
worker.join()
before = rss_mb()
print(int(give_back()), before, rss_mb())
"""


@pytest.mark.skipif(GLIBC is None, reason="glibc only: other allocators give free pages back themselves")
def test_the_pages_a_worker_freed_are_given_back() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHURN, str(ROOT)], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    limited, returned, before, after = int(out[0]), int(out[1]), float(out[2]), float(out[3])
    assert limited == 1 and returned == 1
    assert before - after > 50, (before, after)  # most of the ~98 MB freed left the process
