"""Where Concierge keeps its files on each platform (the cache is encrypted; secrets are never files)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_DATA_DIR = "CONCIERGE_DATA_DIR"  # overrides the platform default (tests, portable installs)


def data_dir() -> Path:
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        return Path(override)
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "Concierge"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Concierge"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "concierge"


def default_cache_path(profile: str = "default") -> Path:
    return data_dir() / f"cache-{profile}.db"
