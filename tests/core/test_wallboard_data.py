"""console.live.wallboard: tiles and their levels from the figures, alerts when a level goes up, fixed-size
history, and tile types that cannot carry customer data."""

from __future__ import annotations

import dataclasses
from dataclasses import replace

from console.live.chart_data import BoardFigures, FrtDistribution, Hourly, StaffingConfig, TeamFigures
from console.live.metrics import Attainment
from console.live.wallboard import (
    Limit,
    Page,
    Ring,
    Tile,
    WallboardThresholds,
    alerts_raised,
    wallboard_pages,
)

CUSTOMER_FIELDS = {"customer_handle", "customer_name", "text", "handle", "name_of_customer", "message"}


def team(tid: str, **kw: object) -> TeamFigures:
    base = TeamFigures(
        tid,
        tid.title(),
        {"on_track": 3, "at_risk": 0, "urgent": 0, "breached": 0, "no_clock": 1},
        4,
        2,
        5,
        10,
        3,
        12.0,
        3,
        0,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def figures(**kw: object) -> BoardFigures:
    base = BoardFigures(
        at=1_764_150_000.0,
        teams=(team("social"), team("cards")),
        channel_names={"x": "X", "whatsapp": "WhatsApp"},
        waiting_by_channel={"x": 3, "whatsapp": 1},
        longest_wait_s=600.0,
        open=8,
        waiting=4,
        breached_now=0,
        attainment=Attainment(9, 1),
        backlog=(),
        hourly=Hourly((), (), {}),
        frt=FrtDistribution((0.0,), (0,), None, 0, 0),
        shift_start=0.0,
        staffing=StaffingConfig(),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def tile(pages: tuple[Page, ...], key: str) -> Tile:
    return next(t for p in pages for t in p.tiles if t.key == key)


def test_limits() -> None:
    assert [Limit(10, 20).level(v) for v in (0, 10, 19, 20)] == ["ok", "warn", "warn", "alert"]
    low = Limit(0.9, 0.8, low_is_bad=True)
    assert [low.level(v) for v in (0.95, 0.85, 0.5, None)] == ["ok", "warn", "alert", "ok"]


def test_tiles_show_the_figures_and_cross_thresholds() -> None:
    calm = wallboard_pages(figures())
    assert [p.title for p in calm] == ["Queue now", "Team load", "Staffing"]
    assert tile(calm, "longest_wait").value == "10 min" and tile(calm, "longest_wait").level == "ok"
    assert tile(calm, "attainment").value == "90%" and tile(calm, "attainment").level == "ok"
    assert tile(calm, "channel:x").title == "Waiting · X"
    assert tile(calm, "team:social").value == "50%"
    assert tile(calm, "staffing:social").value == "just enough"

    busy = wallboard_pages(
        figures(
            longest_wait_s=2 * 3600.0,
            attainment=Attainment(7, 3),
            breached_now=12,
            teams=(team("social", load=11, capacity=10, needed=7, on_shift=3, predicted_breaches=6),),
        )
    )
    # Every headline tile is past its alert threshold, but levels are ranked: of the six tiles on the
    # queue page one is ALERT (the worst: a 2 h wait is twice its limit), one Watch, the rest OK.
    assert tile(busy, "longest_wait").level == "alert" and tile(busy, "longest_wait").words == "ALERT"
    assert tile(busy, "attainment").level == "warn"  # 70% against an 80% alert: 1.5 times its limit
    for key in ("breached", "staffing_gap", "channel:x"):
        assert tile(busy, key).level == "ok", key
    for key in ("team:social", "staffing:social"):  # the only team: the worst of its page
        assert tile(busy, key).level == "alert", key
    raised = {t.key for t in alerts_raised(calm, busy)}
    assert {"longest_wait", "attainment", "team:social", "staffing:social"} == raised
    assert alerts_raised(busy, busy) == [] and alerts_raised(busy, calm) == []  # only going up alerts
    # Breaches the staffing model predicts for the next hour raise the breach tile before they happen.
    soon = wallboard_pages(figures(teams=(team("social", predicted_breaches=6),)))
    assert tile(soon, "breached").level == "alert" and tile(soon, "breached").value == "0"
    assert tile(soon, "breached").severity == 6 / 5
    assert tile(soon, "staffing:social").level == "ok"  # the staffing tile shows the gap, nothing else


def test_many_channels_are_summed_and_custom_thresholds_apply() -> None:
    channels = {f"c{i}": 10 - i for i in range(9)}
    pages = wallboard_pages(
        figures(waiting_by_channel=channels), WallboardThresholds(waiting_per_channel=Limit(5, 9))
    )
    keys = [t.key for t in pages[0].tiles if t.key.startswith("channel:")]
    # Three busiest and the rest (the complaints tile takes the fourth place): nine tiles at most.
    assert len(keys) == 4 and keys[-1] == "channel:other"
    assert len(pages[0].tiles) == 9
    assert tile(pages, "channel:other").value == str(sum(list(channels.values())[3:]))
    # The limit is per channel: the summed tile is judged by its busiest channel (7), not by the sum.
    assert tile(pages, "channel:other").detail == "6 more channels, at most 7 on one"
    assert tile(pages, "channel:other").level == "ok"
    # Custom limits cap the levels, ranking picks the worst: c0 (10 of an alert at 9), then c1 and c2.
    assert tile(pages, "channel:c0").level == "alert"
    assert tile(pages, "channel:c1").level == tile(pages, "channel:c2").level == "warn"
    four = wallboard_pages(figures(waiting_by_channel={f"c{i}": 1 for i in range(4)}))
    assert [t.key for t in four[0].tiles][-1] == "channel:c3"  # four channels: no "1 more channel" tile


def test_ring_is_bounded() -> None:
    ring: Ring[int] = Ring(5)
    for i in range(1000):
        ring.append(i)
    assert list(ring) == [995, 996, 997, 998, 999] and len(ring) == ring.size == 5


def test_wallboard_types_hold_no_customer_fields() -> None:
    for cls in (Tile, Page, BoardFigures, TeamFigures, Hourly, FrtDistribution):
        names = {f.name for f in dataclasses.fields(cls)}
        assert not names & CUSTOMER_FIELDS, cls


def test_a_bad_night_flags_only_the_worst_tiles_not_nine_of_ten() -> None:
    # Nine tiles on the queue page (four headline, five channel), every one past its alert threshold.
    channels = {f"c{i}": 60 + 10 * i for i in range(6)}  # 60..110 waiting, alert at 50
    night = figures(
        longest_wait_s=3 * 3600.0,
        attainment=Attainment(6, 4),
        breached_now=60,
        waiting_by_channel=channels,
        teams=(team("social", needed=9, on_shift=3),),
    )
    page = wallboard_pages(night)[0]
    assert len(page.tiles) == 9
    levels = [t.level for t in page.tiles]
    assert levels.count("alert") == 1 and levels.count("warn") == 2 and levels.count("ok") == 6
    worst = sorted(page.tiles, key=lambda t: -t.severity)
    assert worst[0].level == "alert" and {t.level for t in worst[1:3]} == {"warn"}
    assert tile((page,), "breached").level == "alert"  # 60 breached: six times its limit, the worst


def test_a_tile_under_its_thresholds_is_never_flagged_however_it_ranks() -> None:
    calm = wallboard_pages(figures(longest_wait_s=25 * 60.0))  # under the 30 min watch threshold
    assert tile(calm, "longest_wait").severity > 0
    assert {t.level for p in calm for t in p.tiles} == {"ok"}
    # Past the watch threshold only: it may be Watch, never ALERT, even as the worst of its page.
    watch = wallboard_pages(figures(longest_wait_s=45 * 60.0))
    assert tile(watch, "longest_wait").level == "warn"
