"""The non-secret configuration: a JSON file per user over an optional machine-wide file.

Where: Linux $XDG_CONFIG_HOME/concierge/settings.json (machine: /etc/concierge/settings.json); Windows
%APPDATA%\\Concierge (machine: %PROGRAMDATA%\\Concierge); macOS ~/Library/Application Support/Concierge
(machine: /Library/Application Support/Concierge). User values override machine values, which override
the defaults, except for the keys the machine file lists under "locked" (IT's decision: the user file
cannot change them, and saying so is a problem listed for the user). A bad value is skipped with a
logged warning (the layer below wins) and listed in Settings.problems for the settings pane; unknown
keys are kept and written back unchanged. Secrets (tokens, passwords, keys) never go in these files:
they live in console.platform.credentials. A secret-looking key found in a file is ignored and never written
back; a proxy password is dropped when saving.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from console.api.transport import check_base_url
from console.domain.complaints.rules import DEFAULT_JURISDICTION, jurisdiction_ids
from console.domain.model import ROUTING_MODELS
from console.platform.files import replaced_atomically
from console.sla.engine import Thresholds

log = logging.getLogger("concierge.settings")

THEMES = ("light", "dark", "high_contrast")
PRIVACY_MODES = ("masked", "partial", "full")
FILE_NAME = "settings.json"
# Key names that must never be stored in a settings file.
SECRET_KEY = re.compile(
    r"pass(word|wd|phrase)?|secret|token|credential|api[_-]?key|cache[_-]?key|private", re.I
)


@dataclass
class Settings:
    api_url: str = ""  # empty: not configured yet
    ca_bundle: str | None = None
    proxy: str | None = None
    site: str = ""
    theme: str = "light"
    font_scale: float = 1.0
    # Supervisors read customer text with PII masked (cards, accounts, contact details...) and reveal one
    # enquiry at a time (audited); the wallboard shows no customer data whatever this says.
    privacy: str = "partial"
    at_risk_fraction: float = 0.5
    at_risk_minutes: float = 30.0
    urgent_fraction: float = 0.2
    urgent_minutes: float = 10.0
    wallboard_screen: int | None = None
    cache_path: str = ""  # empty: default_cache_path()
    username: str = ""
    retention_days: int = 365  # closed enquiries older than this leave the cache (console.store.retention)
    routing_model: str = (
        "concierge"  # the site's model: one_stop | concierge | hybrid (console.domain.routing)
    )
    # Moves between teams an enquiry may make before a further one needs a reason (ping-pong rule).
    ping_pong_limit: int = 3
    # The site's jurisdiction: whose complaint clocks apply (console/domain/complaints/rules.toml).
    jurisdiction: str = DEFAULT_JURISDICTION
    locked: tuple[str, ...] = ()  # keys the machine file fixes: user settings cannot override them
    managed_by: str = ""  # the machine-wide file, when IT deployed one: a managed install
    extra: dict[str, Any] = field(default_factory=dict)  # unknown keys from the user file, kept as they are
    problems: list[str] = field(default_factory=list)  # what was wrong in the files, for the user

    def thresholds(self) -> Thresholds:
        return Thresholds(
            self.at_risk_fraction, self.at_risk_minutes, self.urgent_fraction, self.urgent_minutes
        )

    def resolved_cache_path(self) -> Path:
        return Path(self.cache_path).expanduser() if self.cache_path else default_cache_path()


# -- where the files are ----------------------------------------------------------------------------------


def user_config_dir(platform: str = sys.platform, env: Mapping[str, str] = os.environ) -> Path:
    home = Path(env.get("HOME") or Path.home())
    if platform == "win32":
        return Path(env.get("APPDATA") or home / "AppData" / "Roaming") / "Concierge"
    if platform == "darwin":
        return home / "Library" / "Application Support" / "Concierge"
    return Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "concierge"


def machine_config_dir(platform: str = sys.platform, env: Mapping[str, str] = os.environ) -> Path:
    if platform == "win32":
        return Path(env.get("PROGRAMDATA") or r"C:\ProgramData") / "Concierge"
    if platform == "darwin":
        return Path("/Library/Application Support/Concierge")
    return Path("/etc/concierge")


def default_cache_path(platform: str = sys.platform, env: Mapping[str, str] = os.environ) -> Path:
    """The encrypted cache: user data that must survive (offline work), so not a disposable cache dir."""
    home = Path(env.get("HOME") or Path.home())
    if platform == "win32":
        base = Path(env.get("LOCALAPPDATA") or home / "AppData" / "Local") / "Concierge"
    elif platform == "darwin":
        base = home / "Library" / "Application Support" / "Concierge"
    else:
        base = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share") / "concierge"
    return base / "cache.db"


# -- validation -------------------------------------------------------------------------------------------


def _text(limit: int) -> Callable[[Any], Any]:
    def check(v: Any) -> str:
        if not isinstance(v, str) or len(v) > limit:
            raise ValueError(f"expected text of at most {limit} characters")
        return v.strip()

    return check


def _choice(options: tuple[str, ...]) -> Callable[[Any], Any]:
    def check(v: Any) -> str:
        if v not in options:
            raise ValueError(f"expected one of {', '.join(options)}")
        return str(v)

    return check


def _number(low: float, high: float) -> Callable[[Any], Any]:
    def check(v: Any) -> float:
        if (
            isinstance(v, bool)
            or not isinstance(v, int | float)
            or not math.isfinite(v)
            or not low <= v <= high
        ):
            raise ValueError(f"expected a number from {low:g} to {high:g}")
        return float(v)

    return check


def _api_url(v: Any) -> str:
    if v == "":
        return ""
    if not isinstance(v, str):
        raise ValueError("expected a web address")
    return check_base_url(v)


def _optional_path(v: Any) -> str | None:
    if v is None or v == "":
        return None
    if not isinstance(v, str) or len(v) > 4096:
        raise ValueError("expected a file path")
    return v


def _proxy(v: Any) -> str | None:
    if v is None or v == "":
        return None
    parts = urlsplit(v) if isinstance(v, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected a proxy address like http://proxy.example:3128")
    return str(v)


def _days(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 3650:
        raise ValueError("expected a whole number of days from 1 to 3650")
    return v


def _moves(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 100:
        raise ValueError("expected a whole number of moves from 1 to 100")
    return v


def _screen(v: Any) -> int | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 64:
        raise ValueError("expected a screen number (0 is the first screen) or null")
    return v


CHECKS: dict[str, Callable[[Any], Any]] = {
    "api_url": _api_url,
    "ca_bundle": _optional_path,
    "proxy": _proxy,
    "site": _text(200),
    "theme": _choice(THEMES),
    "font_scale": _number(0.5, 3.0),
    "privacy": _choice(PRIVACY_MODES),
    "at_risk_fraction": _number(0.0, 1.0),
    "at_risk_minutes": _number(0.0, 24 * 60),
    "urgent_fraction": _number(0.0, 1.0),
    "urgent_minutes": _number(0.0, 24 * 60),
    "wallboard_screen": _screen,
    "cache_path": _text(4096),
    "username": _text(200),
    "retention_days": _days,
    "routing_model": _choice(ROUTING_MODELS),
    "ping_pong_limit": _moves,
    "jurisdiction": lambda v: _choice(jurisdiction_ids())(v),
}
LOCKED = "locked"  # the machine file's list of keys users cannot override
THRESHOLD_KEYS = ("at_risk_fraction", "at_risk_minutes", "urgent_fraction", "urgent_minutes")


# -- load and save ----------------------------------------------------------------------------------------


def _read(path: Path, problems: list[str]) -> dict[str, Any]:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as e:
        problems.append(
            f"{path} could not be read ({e.strerror or type(e).__name__}); its settings were skipped"
        )
        return {}
    try:
        doc = json.loads(raw)
    except ValueError as e:
        problems.append(
            f"{path} is not valid JSON (line {getattr(e, 'lineno', '?')}); its settings were skipped"
        )
        return {}
    if not isinstance(doc, dict):
        problems.append(f"{path} does not hold a JSON object; its settings were skipped")
        return {}
    return doc


def _apply(target: Settings, doc: dict[str, Any], path: Path, keep_extra: bool) -> None:
    for key, value in doc.items():
        if key == LOCKED:
            continue  # only the machine file may lock keys: see _locked
        if SECRET_KEY.search(key):
            target.problems.append(
                f"{path}: '{key}' looks like a secret and was ignored; remove it from the file"
            )
            continue
        check = CHECKS.get(key)
        if check is None:
            if keep_extra:
                target.extra[key] = value
            continue
        try:
            setattr(target, key, check(value))
        except ValueError as e:
            target.problems.append(f"{path}: '{key}' was ignored: {e}")
    try:
        target.thresholds()
    except ValueError as e:
        target.problems.append(f"{path}: the SLA thresholds were ignored: {e}")
        for key in THRESHOLD_KEYS:
            setattr(target, key, getattr(Settings, key))


def load(user_path: Path | None = None, machine_path: Path | None = None) -> Settings:
    """Defaults, then the machine file, then the user file. Never raises for bad files: see .problems."""
    user_path = user_path or user_config_dir() / FILE_NAME
    machine_path = machine_path or machine_config_dir() / FILE_NAME
    result = Settings()
    machine = _read(machine_path, result.problems)
    if machine_path.exists():
        result.managed_by = str(machine_path)
    _apply(result, machine, machine_path, keep_extra=False)
    result.locked = _locked(machine, machine_path, result.problems)
    user = _read(user_path, result.problems)
    if LOCKED in user:
        result.problems.append(f"{user_path}: 'locked' belongs in the machine-wide file only; ignored")
    _apply(result, {k: v for k, v in user.items() if k not in result.locked}, user_path, keep_extra=True)
    for key in result.locked:
        if key in user and user[key] != getattr(result, key):
            result.problems.append(
                f"{user_path}: '{key}' is fixed by your organisation ({machine_path}); the user value "
                "was not applied"
            )
    for problem in result.problems:
        log.warning("%s", problem)
    return result


def demo_refusal(settings: Settings) -> str | None:
    """A managed install (IT deployed a machine-wide file) never falls back to the embedded demo: a
    branch PC whose settings failed to deploy would otherwise show convincing made-up queues. What is
    wrong and how to fix it instead; None when the demo may start (no machine file) or is not needed."""
    if not settings.managed_by or settings.api_url:
        return None
    where = settings.managed_by
    found = [p for p in settings.problems if p.startswith(where)]
    also = f" That file also has problems: {'; '.join(found)}." if found else ""
    return (
        f"Concierge on this PC is set up by your organisation ({where}), but no service address is set "
        f'there, so it cannot show your queues. Ask your IT team to set "api_url" in that file.{also} '
        "(To try Concierge with made-up data, start it with --demo: every screen then says DEMO.)"
    )


def _locked(machine: dict[str, Any], path: Path, problems: list[str]) -> tuple[str, ...]:
    raw = machine.get(LOCKED, [])
    if not isinstance(raw, list) or not all(isinstance(k, str) for k in raw):
        problems.append(f"{path}: 'locked' must be a list of setting names; nothing was locked")
        return ()
    unknown = [k for k in raw if k not in CHECKS]
    if unknown:
        problems.append(f"{path}: 'locked' names unknown settings ({', '.join(unknown)}); they were skipped")
    return tuple(k for k in dict.fromkeys(raw) if k in CHECKS)


def _without_password(proxy: str | None) -> str | None:
    if not proxy:
        return proxy
    parts = urlsplit(proxy)
    if parts.password is None:
        return proxy
    netloc = (parts.username or "") + "@" + (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def to_json(settings: Settings, base: Settings | None = None) -> dict[str, Any]:
    """What the user file holds: the fields that differ from `base` (defaults + machine file), unknown
    keys as they were, and nothing secret."""
    base = base or Settings()
    doc: dict[str, Any] = {k: v for k, v in settings.extra.items() if not SECRET_KEY.search(k)}
    for f in fields(Settings):
        if f.name in ("extra", "problems", "locked", "managed_by") or f.name in settings.locked:
            continue  # a locked key is the machine file's to hold
        value = getattr(settings, f.name)
        if f.name == "proxy":
            value = _without_password(value)  # a proxy password belongs in the secret store
        if value != getattr(base, f.name):
            doc[f.name] = value
    return doc


def save(settings: Settings, user_path: Path | None = None, machine_path: Path | None = None) -> Path:
    """Write the user file atomically (a crash leaves the old file or the new one, never half of one)."""
    user_path = user_path or user_config_dir() / FILE_NAME
    machine_path = machine_path or machine_config_dir() / FILE_NAME
    base = Settings()
    _apply(base, _read(machine_path, base.problems), machine_path, keep_extra=False)
    text = json.dumps(to_json(settings, base), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    user_path.parent.mkdir(parents=True, exist_ok=True)
    unreadable: list[str] = []
    _read(user_path, unreadable)
    if unreadable:
        # The old file could not be read: keep it beside the new one rather than lose what it held.
        user_path.replace(user_path.with_suffix(".json.unreadable"))
    with replaced_atomically(user_path, prefix=".settings-") as f:
        f.write(text)
    return user_path
