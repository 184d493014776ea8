"""The SLA engine's timed clocks as the cache keeps them between starts (console.store.kept), and the
version of the rules they were timed under.

A clock is kept as a row: (enquiry id, enquiry version, team id, kind, started_at, due_at, target_s,
calendar id, policy id), with NULLs from kind on when no clock runs. It holds for that version of its
enquiry with that team (a local move changes the team before the service gives a new version), under
the same rules: the policies, the calendars (hours, closures, the public-holiday region), the teams'
calendars, the handoff target, the `holidays` package's data, the time-zone data, and the code that times
them (the engine's, the calendars' and the enquiry's modules, compiled). A change to any of them gives
another `rules_version`, and no kept clock is read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import os
import uuid
import zoneinfo
from functools import cache
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

from console.domain.model import Calendar, SLAPolicy, Team

KeptRow = tuple[
    str, int, str | None, str | None, float | None, float | None, float | None, str | None, str | None
]
KEPT_IDLE = (None, None, None, None, None, None)  # a version with no running clock


@cache
def package_stamp(name: str) -> str:
    """Which install of a package this process would import, told apart without importing it: a digest
    of where its code is and of its top module's size and modification time (an upgrade or reinstall
    writes that module afresh); "" when it is not installed. What kept results depend on. Reading the
    version from the package's metadata instead took ~30 ms of the start-up's UI thread
    (importlib.metadata walks every installed distribution)."""
    try:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        st = os.stat(origin) if origin else None
    except (ImportError, ValueError, OSError):
        return ""
    if st is None:
        return ""
    return hashlib.sha256(f"{origin}\0{st.st_size}\0{st.st_mtime_ns}".encode()).hexdigest()[:24]


def tz_data_version() -> str:
    """The version of the time-zone data zoneinfo reads: the system's (its tzdata.zi names it), else
    the tzdata package's."""
    for root in zoneinfo.TZPATH:
        try:
            with (Path(root) / "tzdata.zi").open(encoding="ascii", errors="replace") as f:
                first = f.readline().strip()
        except OSError:
            continue
        if first.startswith("# version"):
            return first.removeprefix("# version").strip()
    return "tzdata " + package_stamp("tzdata")


@cache
def code_digest(module: ModuleType) -> str:
    """A digest of a module's compiled code, or, where its loader cannot give it, one that matches no
    other (nothing kept is then trusted)."""
    try:
        code = module.__spec__.loader.get_code(module.__name__)  # type: ignore[union-attr]
    except Exception:  # any loader, any failure: time every clock again rather than trust a kept one
        return uuid.uuid4().hex
    if not isinstance(code, CodeType):
        return uuid.uuid4().hex
    h = hashlib.sha256()
    _digest(code, h)
    return h.hexdigest()


def _digest(code: CodeType, h: Any) -> None:
    """The code's instructions, names and constants, nested code too, each by value. Not
    marshal.dumps(code): whether it writes an object once or as a back-reference depends on the
    object's reference count, which depends on what else the process has loaded; a version that
    differed from one start to the next would never match what the last one kept."""
    h.update(code.co_code)
    h.update(repr((code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars)).encode())
    for const in code.co_consts:
        if isinstance(const, CodeType):
            _digest(const, h)
        elif isinstance(const, frozenset):  # its order follows the (per-process) string hashes
            h.update(repr(sorted(map(repr, const))).encode())
        else:
            h.update(repr(const).encode())


def rules_version(
    policies: list[SLAPolicy],
    calendars: list[Calendar],
    teams: dict[str, Team],
    fallback_calendar_id: str,
    handoff_target_s: float,
    code: list[ModuleType],
) -> str:
    """A digest of everything a clock's timing depends on besides its enquiry: the rules, the data
    behind the calendars and the modules of `code`."""
    facts: dict[str, Any] = {
        "code": [code_digest(m) for m in code],
        "policies": [dataclasses.asdict(p) for p in policies],
        "calendars": sorted((dataclasses.asdict(c) for c in calendars), key=lambda c: str(c["id"])),
        "team_calendars": sorted((t.id, t.calendar_id) for t in teams.values()),
        "fallback": fallback_calendar_id,
        "handoff": handoff_target_s,
        "holidays": package_stamp("holidays"),
        "tz": tz_data_version(),
    }
    text = json.dumps(facts, sort_keys=True, default=sorted)  # frozensets as sorted lists
    return hashlib.sha256(text.encode()).hexdigest()[:32]
