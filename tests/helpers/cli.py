"""Run `python -m console ...` in a child process, as an operator would: `cli` with a given environment,
`run` with just the cache key added to this one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run(key: str, *args: str) -> subprocess.CompletedProcess[str]:
    return cli(*args, env={**os.environ, "CONCIERGE_CACHE_KEY": key, "MPLBACKEND": "Agg"}, timeout=60)
