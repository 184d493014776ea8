"""`python -m console ...` in a child process with its own home, as an operator's scripted run would be:
the hostile-input tests drive sync, export, audit and quarantine this way."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.helpers.cli import ROOT, cli
from tests.helpers.service import PASSWORD, USER


def env_for(home: Path, key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCIERGE_")}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        CONCIERGE_CACHE_KEY=key,
        CONCIERGE_PASSWORD=PASSWORD,
        PYTHONPATH=str(ROOT),
    )
    return env


def sync_once(url: str, cache: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return cli("sync", "--api", url, "--cache", str(cache), "--once", "--user", USER, *extra, env=env)
