"""Public holidays kept between runs in a small JSON file beside the cache (console.domain.calendars'
HolidayMemo). Computing one region's holidays imports the `holidays` package and, through it, every
country's module: ~0.15 s of the UI thread before the window shows, at each start. The dates are
public and fixed by the package's version, so they are kept in plain JSON, for that install of it only
(console.sla.kept.package_stamp, as for the clocks kept in the cache).

A file that cannot be read (damaged, another version's, not JSON) is ignored, said once in the log and
written again whole; one that cannot be written leaves the holidays computed, as without a file.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import date
from pathlib import Path
from typing import Any

from console.domain.calendars import HOLIDAYS_FORM, remember_holidays
from console.platform.files import replaced_atomically
from console.sla.kept import package_stamp

log = logging.getLogger("concierge.holidays")

FILE_NAME = "public-holidays.json"


def keep_holidays_beside(cache: Path) -> HolidayFile:
    """Keep (and read first) the public holidays in FILE_NAME beside the cache file, from now on."""
    memo = HolidayFile(cache.parent / FILE_NAME)
    remember_holidays(memo)
    return memo


class HolidayFile:
    """The memo in a file: read once, written whole (a temporary file renamed over it) on each new
    region and year, merged with what another process may have written since. Thread-safe."""

    def __init__(self, path: Path, version: str | None = None) -> None:
        self.path = path
        found = version if version is not None else package_stamp("holidays")  # the package's install
        self._key = f"{HOLIDAYS_FORM}:{found}" if found else None  # no package found: nothing kept
        self._lock = threading.Lock()
        self._days: dict[str, Any] | None = None  # "REGION YEAR" -> [[iso date, name], ...]

    def get(self, region: str, year: int) -> dict[date, str] | None:
        with self._lock:
            if self._days is None:
                self._days = self._read(say=True)
            listed = self._days.get(f"{region} {year}")
        if not isinstance(listed, list):
            return None
        try:
            return {date.fromisoformat(day): str(name) for day, name in listed}
        except (TypeError, ValueError):  # a damaged entry: computed again (and rewritten)
            return None

    def put(self, region: str, year: int, days: dict[date, str]) -> None:
        if self._key is None:
            return
        with self._lock:
            merged = {**self._read(say=False), **(self._days or {})}
            merged[f"{region} {year}"] = [[d.isoformat(), name] for d, name in sorted(days.items())]
            self._days = merged
            self._write(merged)

    def _read(self, *, say: bool) -> dict[str, Any]:
        if self._key is None:
            return {}
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            if say:
                log.warning(
                    "the public holidays kept in %s could not be read (%s): computed again", self.path, e
                )
            return {}
        days = doc.get("days") if isinstance(doc, dict) and doc.get("key") == self._key else None
        return days if isinstance(days, dict) else {}  # another version's: replaced when written

    def _write(self, days: dict[str, Any]) -> None:
        text = json.dumps({"key": self._key, "days": days}, ensure_ascii=False, sort_keys=True)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with replaced_atomically(self.path, prefix=".holidays-") as f:
                f.write(text)
        except OSError as e:
            log.warning(
                "the public holidays could not be kept in %s (%s): computed at each start", self.path, e
            )
