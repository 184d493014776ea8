"""Alarm levels that are relative and ranked: only the worst few of a set are flagged.

A board where every lane says "High risk" and a wallboard where nine tiles of ten say ALERT tell a
supervisor nothing. Each view still judges its items against absolute thresholds, but a threshold only
says how far an item MAY go (its ceiling); how far it DOES go depends on where it ranks among the others:

- an item with nothing at stake (severity 0 or less) or a ceiling of "ok" is "ok";
- the rest are ranked by severity, worst first;
- the worst `alert_quota(n)` items whose ceiling allows it are "alert" (about one in five, at least one);
- the next `watch_quota(n)` whose ceiling allows it are "warn" (about one in four, at least one);
- everything else is "ok": on a bad night the board still points at where to look first.
- Equal severities never get different levels: a tie at a quota's edge is all raised, unless that would
  flag more than half of the items, when the whole tie stays at the lower level.

The levels are the wallboard's words ("ok" | "warn" | "alert"); the team board and the wallboard tiles
use rank_alarms() alike. team_severity() is the board's measure of a team's trouble: work that can still
be saved counts most, and it is weighed against the agent slots on shift, so a big team is not flagged
just for being big.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Literal, TypeVar

Level = Literal["ok", "warn", "alert"]
LEVELS: tuple[Level, ...] = ("ok", "warn", "alert")
ALERT_SHARE = 5  # one item in this many may be "alert"
WATCH_SHARE = 4  # one item in this many may be "warn" (after the alerts)
# What each clock state weighs in a team's severity: urgent work can still be saved and is nearly lost;
# breached work is already lost (it is grouped elsewhere), so it weighs least.
STATE_WEIGHTS = {"urgent": 3.0, "at_risk": 1.0, "breached": 0.5}

K = TypeVar("K", bound=Hashable)


def alert_quota(n: int) -> int:
    """How many of n items may be "alert": one in five, at least one (none of none)."""
    return 0 if n <= 0 else max(1, n // ALERT_SHARE)


def watch_quota(n: int) -> int:
    """How many more of n items may be "warn": one in four, at least one (none of none)."""
    return 0 if n <= 0 else max(1, n // WATCH_SHARE)


def rank_alarms(
    severity: Mapping[K, float],
    ceiling: Mapping[K, Level] | None = None,
    *,
    alerts: int | None = None,
    watches: int | None = None,
) -> dict[K, Level]:
    """Each item's level (see the module's notes). `ceiling` caps an item (its absolute thresholds'
    level; missing: "alert"); `alerts` and `watches` override the quotas for len(severity) items."""
    n = len(severity)
    caps = ceiling or {}
    quotas: dict[Level, int] = {
        "alert": alert_quota(n) if alerts is None else alerts,
        "warn": watch_quota(n) if watches is None else watches,
    }
    half = n // 2
    levels: dict[K, Level] = dict.fromkeys(severity, "ok")
    at_stake = [k for k, s in severity.items() if s > 0 and caps.get(k, "alert") != "ok"]
    # Ties grouped, worst first; the key's text orders items within a group (stable results).
    groups: dict[float, list[K]] = {}
    for k in sorted(at_stake, key=lambda k: (-severity[k], str(k))):
        groups.setdefault(severity[k], []).append(k)
    flagged: dict[Level, int] = {"alert": 0, "warn": 0}
    for group in groups.values():
        for level in ("alert", "warn"):
            takers = [
                k
                for k in group
                if levels[k] == "ok" and LEVELS.index(caps.get(k, "alert")) >= LEVELS.index(level)
            ]
            if not takers:
                continue
            room = quotas[level] - flagged[level]
            # A tie is raised whole when it starts within the quota and stays within half of the items.
            if room > 0 and flagged[level] + len(takers) <= max(quotas[level], half):
                for k in takers:
                    levels[k] = level
                flagged[level] += len(takers)
    return levels


def team_severity(states: Mapping[str, int], slots_on_shift: int) -> float:
    """A team's trouble for ranking: its clocks weighed by state (STATE_WEIGHTS) per agent slot on shift
    (a team with nobody on shift counts as one slot). 0 when nothing is at risk, urgent or breached."""
    weight = sum(STATE_WEIGHTS.get(state, 0.0) * count for state, count in states.items())
    return weight / max(1, slots_on_shift)


def team_ceiling(states: Mapping[str, int], free_slots: int) -> Level:
    """How far a team may be flagged by the absolute rule: "alert" with anything breached or more urgent
    work than free agent slots, "warn" with anything urgent or at risk, else "ok"."""
    breached, urgent, at_risk = (states.get(k, 0) for k in ("breached", "urgent", "at_risk"))
    if breached or urgent > free_slots:
        return "alert"
    if urgent or at_risk:
        return "warn"
    return "ok"
