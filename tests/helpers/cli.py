"""Run `python -m console ...` in a child process, as an operator would, with the cache key from the
environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(key: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONCIERGE_CACHE_KEY": key, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
