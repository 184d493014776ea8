"""The regulators' complaint clocks and the platforms' reply windows, read from data (rules.toml).

The rules are data, not code: a bank reviews rules.toml (or gives its own file) and the clocks follow.
A file that cannot be used raises RulesError with a sentence saying where and why; nothing is guessed.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from console.domain.complaints.letter_words import KINDS

DEFAULT_RULES = Path(__file__).with_name("rules.toml")
DEFAULT_JURISDICTION = "uk"


class RulesError(ValueError):
    """A rules file that cannot be used. str(e) says which entry and why."""


@dataclass(frozen=True, slots=True)
class ClockRule:
    """One regulatory clock. Exactly one of business_days, calendar_days, hours is set."""

    id: str
    name: str
    source: str
    business_days: int | None = None
    calendar_days: int | None = None
    hours: float | None = None
    at_risk_hours: float = 24.0
    urgent_hours: float = 4.0
    topics: frozenset[str] = frozenset()  # empty: every topic
    exclude_topics: frozenset[str] = frozenset()
    passes_to: str | None = None  # missing it is no breach: this clock takes over
    # Complaint communications (console.domain.complaints.letters): the kind this clock is met only with
    # (sent by its deadline); the kinds that stop it when sent; the kind that must be sent by its deadline
    # for passes_to to take over (without it, missing this clock is a breach).
    needs: str | None = None
    stopped_by: frozenset[str] = frozenset()
    passes_with: str | None = None

    def applies_to(self, topic: str) -> bool:
        return (not self.topics or topic in self.topics) and topic not in self.exclude_topics


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    id: str
    name: str
    timezone: str
    public_holidays: str
    clocks: tuple[ClockRule, ...]


@dataclass(frozen=True, slots=True)
class WindowRule:
    """A platform's reply window for private conversations on one channel."""

    channel: str
    name: str
    hours: float
    after: str  # what the business may still do once it has closed
    extended_hours: float | None = None
    extended_by: str = ""


@dataclass(frozen=True, slots=True)
class Rules:
    jurisdictions: dict[str, Jurisdiction]
    windows: dict[str, WindowRule]
    warn_s: float  # a reply window warns this long before it closes

    def jurisdiction(self, key: str) -> Jurisdiction:
        found = self.jurisdictions.get(key)
        if found is None:
            known = ", ".join(sorted(self.jurisdictions))
            raise RulesError(f"no complaint rules for jurisdiction {key[:20]!r} (known: {known})")
        return found


def _table(doc: Any, where: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise RulesError(f"{where} must be a table")
    return doc


def _text(doc: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = doc.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise RulesError(f"{where}: '{key}' must be non-empty text")
    return value.strip()


def _number(doc: dict[str, Any], key: str, where: str, *, whole: bool = False) -> float | None:
    value = doc.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RulesError(f"{where}: '{key}' must be a positive number")
    if not math.isfinite(value) or value <= 0:
        raise RulesError(f"{where}: '{key}' must be a positive number")
    if whole and int(value) != value:
        raise RulesError(f"{where}: '{key}' must be a whole number of days")
    return float(value)


def _topics(doc: dict[str, Any], key: str, where: str) -> frozenset[str]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise RulesError(f"{where}: '{key}' must be a list of topics")
    return frozenset(t.strip().lower() for t in value)


def _letter(doc: dict[str, Any], key: str, where: str) -> str | None:
    value = doc.get(key)
    if value is not None and value not in KINDS:
        raise RulesError(f"{where}: '{key}' must be one of {', '.join(KINDS)}")
    return value if value is None else str(value)


def _clock(doc: dict[str, Any], where: str) -> ClockRule:
    doc = _table(doc, where)
    cid = _text(doc, "id", where)
    where = f"{where} ({cid})"
    business = _number(doc, "business_days", where, whole=True)
    calendar = _number(doc, "calendar_days", where, whole=True)
    hours = _number(doc, "hours", where)
    if sum(x is not None for x in (business, calendar, hours)) != 1:
        raise RulesError(f"{where}: give exactly one of business_days, calendar_days, hours")
    passes = doc.get("passes_to")
    if passes is not None and not isinstance(passes, str):
        raise RulesError(f"{where}: 'passes_to' must name another clock")
    needs, passes_with = _letter(doc, "needs", where), _letter(doc, "passes_with", where)
    if passes_with is not None and passes is None:
        raise RulesError(f"{where}: 'passes_with' needs a 'passes_to'")
    stopped_by = doc.get("stopped_by", [])
    if not isinstance(stopped_by, list) or not all(k in KINDS for k in stopped_by):
        raise RulesError(f"{where}: 'stopped_by' must list communications ({', '.join(KINDS)})")
    return ClockRule(
        id=cid,
        name=_text(doc, "name", where),
        source=_text(doc, "source", where, cid),
        business_days=None if business is None else int(business),
        calendar_days=None if calendar is None else int(calendar),
        hours=hours,
        at_risk_hours=_number(doc, "at_risk_hours", where) or 24.0,
        urgent_hours=_number(doc, "urgent_hours", where) or 4.0,
        topics=_topics(doc, "topics", where),
        exclude_topics=_topics(doc, "exclude_topics", where),
        passes_to=passes,
        needs=needs,
        stopped_by=frozenset(stopped_by),
        passes_with=passes_with,
    )


def _jurisdiction(key: str, doc: Any) -> Jurisdiction:
    where = f"jurisdictions.{key}"
    doc = _table(doc, where)
    zone = _text(doc, "timezone", where)
    try:
        ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError):
        raise RulesError(f"{where}: {zone[:40]!r} is not a time zone") from None
    raw = doc.get("clocks", [])
    if not isinstance(raw, list) or not raw:
        raise RulesError(f"{where}: 'clocks' must list at least one clock")
    clocks = tuple(_clock(c, f"{where}.clocks[{i}]") for i, c in enumerate(raw))
    ids = {c.id for c in clocks}
    if len(ids) != len(clocks):
        raise RulesError(f"{where}: two clocks share an id")
    for c in clocks:
        if c.passes_to is not None and c.passes_to not in ids:
            raise RulesError(f"{where} ({c.id}): passes_to names no clock of this jurisdiction")
    return Jurisdiction(key, _text(doc, "name", where), zone, _text(doc, "public_holidays", where), clocks)


def _window(channel: str, doc: Any) -> WindowRule:
    where = f"reply_windows.channels.{channel}"
    doc = _table(doc, where)
    hours = _number(doc, "hours", where)
    if hours is None:
        raise RulesError(f"{where}: 'hours' is required")
    extended = _number(doc, "extended_hours", where)
    return WindowRule(
        channel=channel.strip().lower(),
        name=_text(doc, "name", where),
        hours=hours,
        after=_text(doc, "after", where),
        extended_hours=extended,
        extended_by=_text(doc, "extended_by", where) if extended is not None else "",
    )


def parse_rules(text: str, origin: str = "rules") -> Rules:
    """Rules from TOML text. Raises RulesError naming the bad entry."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RulesError(f"{origin} is not valid TOML: {e}") from None
    juris = _table(doc.get("jurisdictions", {}), "jurisdictions")
    if not juris:
        raise RulesError(f"{origin}: no jurisdictions")
    windows = _table(doc.get("reply_windows", {}), "reply_windows")
    warn = _number(windows, "warn_hours", "reply_windows") or 2.0
    channels = _table(windows.get("channels", {}), "reply_windows.channels")
    return Rules(
        jurisdictions={k: _jurisdiction(k, v) for k, v in juris.items()},
        windows={w.channel: w for w in (_window(k, v) for k, v in channels.items())},
        warn_s=warn * 3600.0,
    )


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    """The rules shipped beside this module (rules.toml), read once."""
    return parse_rules(DEFAULT_RULES.read_text(encoding="utf-8"), str(DEFAULT_RULES.name))


def jurisdiction_ids() -> tuple[str, ...]:
    return tuple(sorted(default_rules().jurisdictions))
