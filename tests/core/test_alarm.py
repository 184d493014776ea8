"""The ranked alarm rule (console.live.alarm): only the worst few of a set are flagged."""

from __future__ import annotations

from console.live.alarm import alert_quota, rank_alarms, team_ceiling, team_severity, watch_quota


def test_quotas_are_about_one_in_five_and_one_in_four_at_least_one() -> None:
    assert [alert_quota(n) for n in (0, 1, 4, 5, 10, 11)] == [0, 1, 1, 1, 2, 2]
    assert [watch_quota(n) for n in (0, 1, 3, 8, 10)] == [0, 1, 1, 2, 2]


def test_a_bad_night_still_flags_only_the_worst() -> None:
    # Every one of ten tiles crossed its alert threshold: two alerts, two watches, the rest calm.
    severity = {f"t{i}": float(i + 1) for i in range(10)}
    levels = rank_alarms(severity)
    assert [k for k, v in levels.items() if v == "alert"] == ["t8", "t9"]
    assert sorted(k for k, v in levels.items() if v == "warn") == ["t6", "t7"]
    assert sum(v == "ok" for v in levels.values()) == 6


def test_nothing_at_stake_is_never_flagged() -> None:
    assert set(rank_alarms({"a": 0.0, "b": 0.0, "c": -1.0}).values()) == {"ok"}
    assert rank_alarms({}) == {}


def test_the_ceiling_caps_an_item_and_the_next_worst_takes_its_place() -> None:
    levels = rank_alarms({"a": 9.0, "b": 5.0, "c": 1.0, "d": 0.5}, {"a": "warn", "b": "alert", "c": "ok"})
    assert levels == {"b": "alert", "a": "warn", "c": "ok", "d": "ok"}


def test_equal_severities_never_get_different_levels() -> None:
    levels = rank_alarms({"a": 3.0, "b": 3.0, "c": 1.0, "d": 0.5, "e": 0.2, "f": 0.1})
    assert levels["a"] == levels["b"] == "alert"
    # A tie that would flag more than half stays at the lower level, whole.
    flat = rank_alarms({k: 2.0 for k in "abcdef"})
    assert len(set(flat.values())) == 1 and flat["a"] != "alert"


def test_team_severity_weighs_savable_work_per_slot_and_the_ceiling_is_the_absolute_rule() -> None:
    big = team_severity({"urgent": 4, "at_risk": 10, "breached": 20}, slots_on_shift=40)
    small = team_severity({"urgent": 2, "at_risk": 1}, slots_on_shift=3)
    assert small > big > 0
    assert team_severity({"on_track": 50}, 10) == 0
    assert team_severity({"urgent": 1}, 0) == 3.0  # nobody on shift: one slot
    assert team_ceiling({"breached": 1}, 5) == "alert"
    assert team_ceiling({"urgent": 3}, 2) == "alert"
    assert team_ceiling({"urgent": 2}, 2) == "warn"
    assert team_ceiling({"on_track": 9}, 0) == "ok"
