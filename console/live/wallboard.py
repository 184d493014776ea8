"""What the wallboard shows, as plain data: pages of tiles built from console.live.chart_data.BoardFigures.

Branch screens are seen by the public, so a Tile holds only counts, durations, percentages and team or
channel names: no field here can carry a customer's handle, name or words (the types make sure of it,
and tests/qt/test_wallboard_privacy.py walks the widget tree to prove it).

A tile's level is relative and ranked (console.live.alarm, the team board's rule too): its thresholds
say how far it MAY go (its ceiling), and on each page only the worst tiles are flagged: about one in
five "ALERT", the next one in four "Watch", ranked by severity (how far past its alert threshold a tile
is: 1.0 at the threshold). A bad night flags the two or three tiles to look at first, never nine of ten.
A level change changes the tile's colour, shape, border and words, and `alerts_raised` tells the board
which tiles just got worse, for its status line and log.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Generic, TypeVar

from console.domain.labels import channel_name
from console.live.alarm import Level, rank_alarms
from console.live.chart_data import BoardFigures, TeamFigures
from console.live.floor import gap_words
from console.live.metrics import format_wait
from console.sla import today

T = TypeVar("T")

LEVELS = ("ok", "warn", "alert")
LEVEL_WORDS = {"ok": "OK", "warn": "Watch", "alert": "ALERT"}
# The SLA state each level borrows its colour and icon from (resources/palette.py, resources/icons).
LEVEL_STATE = {"ok": "on_track", "warn": "at_risk", "alert": "breached"}
# Busiest channels shown on their own, the rest summed in one tile: at most nine tiles on the queue page,
# three across, so its figures keep their full size at 1080p ("23 h 59 min" included).
CHANNEL_TILES = 4


@dataclass(frozen=True, slots=True)
class Limit:
    """warn at or above `warn`, alert at or above `alert` (below, for the `low_is_bad` figures)."""

    warn: float
    alert: float
    low_is_bad: bool = False

    def level(self, value: float | None) -> str:
        if value is None:
            return "ok"
        if self.low_is_bad:
            return "alert" if value < self.alert else "warn" if value < self.warn else "ok"
        return "alert" if value >= self.alert else "warn" if value >= self.warn else "ok"

    def severity(self, value: float | None) -> float:
        """How far past the alert threshold: 1.0 at it, 0 with nothing at stake (for ranking)."""
        if value is None:
            return 0.0
        if self.low_is_bad:  # the shortfall from perfect, against the shortfall that alerts
            return max(0.0, 1.0 - value) / max(1e-9, 1.0 - self.alert)
        return max(0.0, value) / self.alert if self.alert > 0 else float(value > 0)


@dataclass(frozen=True, slots=True)
class WallboardThresholds:
    longest_wait_s: Limit = Limit(30 * 60, 60 * 60)
    waiting_per_channel: Limit = Limit(20, 50)
    attainment: Limit = Limit(0.9, 0.8, low_is_bad=True)
    breached: Limit = Limit(1, 10)
    # load / capacity of the agents on shift: full is normal on a busy day (watch), beyond it is not
    team_load: Limit = Limit(0.9, 1.05)
    staffing_gap: Limit = Limit(1, 3)  # agents missing now
    predicted_breaches: Limit = Limit(1, 5)  # in the next hour


@dataclass(frozen=True, slots=True)
class Tile:
    key: str  # stable id: "longest_wait", "channel:x", "team:cards", ...
    title: str
    value: str
    detail: str
    level: str  # ok | warn | alert (after ranking; before it, the thresholds' ceiling)
    severity: float = field(default=0.0, compare=False)  # for ranking: 1.0 at the alert threshold

    @property
    def words(self) -> str:
        return LEVEL_WORDS[self.level]


@dataclass(frozen=True, slots=True)
class Page:
    title: str
    tiles: tuple[Tile, ...]


class Ring(Generic[T]):
    """A fixed-size history: the oldest item falls out, so a board running for days never grows."""

    def __init__(self, size: int) -> None:
        self._items: deque[T] = deque(maxlen=size)

    def append(self, item: T) -> None:
        self._items.append(item)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items)

    @property
    def size(self) -> int:
        return self._items.maxlen or 0


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.0f}%"


def _plural(n: int, word: str, many: str = "") -> str:
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def queue_page(f: BoardFigures, t: WallboardThresholds) -> Page:
    total_gap = sum(max(0, team.gap) for team in f.teams)
    backlog = sum(team.backlog for team in f.teams)
    predicted = sum(team.predicted_breaches for team in f.teams)
    att = f.attainment
    att_value, att_detail = today.words(att)
    tiles = [
        Tile(
            "longest_wait",
            "Longest wait",
            format_wait(f.longest_wait_s) if f.waiting else "nobody",
            f"{_plural(f.waiting, 'customer')} waiting for a reply",
            t.longest_wait_s.level(f.longest_wait_s),
            t.longest_wait_s.severity(f.longest_wait_s if f.waiting else 0.0),
        ),
        Tile(
            "attainment",
            today.CAPTION,
            att_value,
            att_detail,
            t.attainment.level(att.fraction),
            t.attainment.severity(att.fraction),
        ),
        Tile(
            "breached",
            "Breached now",
            f"{f.breached_now:,}",
            f"{predicted:,} more likely in the next hour",
            max(t.breached.level(f.breached_now), t.predicted_breaches.level(predicted), key=LEVELS.index),
            max(t.breached.severity(f.breached_now), t.predicted_breaches.severity(predicted)),
        ),
        Tile(
            "staffing_gap",
            "Staffing gap",
            f"{total_gap} short" if total_gap else "0",
            ("agents missing now, all teams · " if total_gap else "enough agents on shift now · ")
            + f"{backlog:,} waiting for a free agent",
            t.staffing_gap.level(total_gap),
            t.staffing_gap.severity(total_gap),
        ),
    ]
    c = f.complaints  # counts only: a wallboard in a branch shows no customer data
    tiles.append(
        Tile(
            "complaints",
            "Complaints open",
            f"{c.open:,}",
            f"{c.due_today:,} due today · {c.overdue:,} overdue · {c.proposed:,} to confirm",
            "alert" if c.overdue else "warn" if c.due_today else "ok",
            # A regulator's deadline missed ranks with the worst; one due today with a tile at its limit.
            2.0 if c.overdue else 1.0 if c.due_today else 0.0,
        )
    )
    channels = list(f.waiting_by_channel.items())
    room = CHANNEL_TILES - 1  # the complaints tile takes one: still nine tiles, three across
    cut = len(channels) if len(channels) <= room + 1 else room  # never "1 more channel"
    shown, rest = channels[:cut], channels[cut:]
    for ident, n in shown:
        name = channel_name(ident, f.channel_names)
        tiles.append(
            Tile(
                f"channel:{ident}",
                f"Waiting · {name}",
                f"{n:,}",
                "customers owed a reply",
                t.waiting_per_channel.level(n),
                t.waiting_per_channel.severity(n),
            )
        )
    if rest:
        n = sum(v for _, v in rest)
        worst = max(v for _, v in rest)  # the limit is per channel: the sum would flag many quiet ones
        tiles.append(
            Tile(
                "channel:other",
                "Waiting · other channels",
                f"{n:,}",
                f"{len(rest)} more channels, at most {worst:,} on one",
                t.waiting_per_channel.level(worst),
                t.waiting_per_channel.severity(worst),
            )
        )
    return ranked("Queue now", tiles)


def _team_tile(team: TeamFigures, t: WallboardThresholds) -> Tile:
    load = team.load / team.capacity if team.capacity else None
    value = _pct(load) if team.capacity else "no agents"
    level = t.team_load.level(load) if team.capacity else ("alert" if team.waiting else "ok")
    # Nobody on shift with customers waiting ranks with a team at twice its alert load.
    severity = t.team_load.severity(load) if team.capacity else (2.0 if team.waiting else 0.0)
    return Tile(
        f"team:{team.team_id}",
        team.name,
        value,
        f"{_plural(team.free_slots, 'free slot')} · load {team.load}/{team.capacity} · "
        f"{team.waiting:,} waiting",
        level,
        severity,
    )


def _staffing_tile(team: TeamFigures, t: WallboardThresholds) -> Tile:
    gap = team.gap
    level = t.staffing_gap.level(gap)  # the value is the gap, so the level is too
    return Tile(
        f"staffing:{team.team_id}",
        team.name,  # the page says "Staffing"
        gap_words(gap),
        f"need {team.needed} ({team.for_arrivals} for arrivals + {team.for_backlog} for {team.backlog:,} "
        f"waiting) · {team.on_shift} on shift · "
        f"{_plural(team.predicted_breaches, 'breach', 'breaches')} likely in 1 h",
        level,
        t.staffing_gap.severity(gap),
    )


def ranked(title: str, tiles: Sequence[Tile]) -> Page:
    """A page whose tiles are flagged relative to each other (console.live.alarm.rank_alarms): each
    tile's thresholds cap it, and only the worst of the page are "alert" or "warn"."""
    levels = rank_alarms({t.key: t.severity for t in tiles}, {t.key: _level(t.level) for t in tiles})
    return Page(title, tuple(replace(t, level=levels[t.key]) for t in tiles))


def _level(level: str) -> Level:
    return "alert" if level == "alert" else "warn" if level == "warn" else "ok"


def wallboard_pages(f: BoardFigures, t: WallboardThresholds = WallboardThresholds()) -> tuple[Page, ...]:
    return (
        queue_page(f, t),
        ranked("Team load", [_team_tile(team, t) for team in f.teams]),
        ranked("Staffing", [_staffing_tile(team, t) for team in f.teams]),
    )


def alerts_raised(before: Sequence[Page], after: Sequence[Page]) -> list[Tile]:
    """Tiles whose level went up (ok -> warn, warn -> alert...) between two snapshots."""
    old = {tile.key: tile.level for page in before for tile in page.tiles}
    return [
        tile
        for page in after
        for tile in page.tiles
        if LEVELS.index(tile.level) > LEVELS.index(old.get(tile.key, "ok"))
    ]
