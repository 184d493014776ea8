"""Routing verdicts: every hard rule, every model, the reason texts, targets and suggestions."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from console.domain.model import Agent, Team
from console.domain.moves import MoveRules
from console.domain.routing import PING_PONG_LIMIT, Router, Target, Verdict, team_label
from console.platform import settings
from tests.helpers.routing import AGENTS, TEAMS, enq


def router(model: str = "concierge") -> Router:
    return Router(model, TEAMS, AGENTS)


@pytest.mark.parametrize("model", ["one_stop", "concierge", "hybrid"])
@pytest.mark.parametrize(("topic", "flags"), [("fraud", ()), ("cards", ("fraud_risk",))])
def test_fraud_goes_only_to_the_fraud_team_in_every_model(
    model: str, topic: str, flags: tuple[str, ...]
) -> None:
    r = router(model)
    e = enq(topic, flags=flags)
    for team in ("cards", "lend", "comp"):
        assert r.verdict(e, Target(team)) == Verdict(False, "Fraud enquiries may only go to the Fraud team.")
    assert r.verdict(e, Target("soc", "ann")).reason == "Fraud enquiries may only go to the Fraud team."
    ok = r.verdict(e, Target("fraud"))
    assert ok.allowed and not ok.needs_reason and ok.reason == "Can go to the Fraud team."
    assert r.verdict(e, Target("fraud", "fay")).allowed
    assert r.suggest(e) == Target("fraud")


@pytest.mark.parametrize("model", ["one_stop", "concierge", "hybrid"])
@pytest.mark.parametrize(("topic", "flags"), [("complaint", ()), ("lending", ("complaint",))])
def test_complaints_go_to_the_complaints_team(model: str, topic: str, flags: tuple[str, ...]) -> None:
    r = router(model)
    e = enq(topic, flags=flags, complexity=1, team=None)
    assert r.verdict(e, Target("soc")) == Verdict(False, "Complaints may only go to the Complaints team.")
    assert not r.verdict(e, Target("lend")).allowed
    assert r.verdict(e, Target("comp")).allowed
    assert r.suggest(e) == Target("comp")


def test_fraud_outranks_complaint_and_several_owners_are_named() -> None:
    teams = [*TEAMS, Team("fr2", "Fraud Ops team", "specialist", ("fraud",), "cal")]
    r = Router("hybrid", teams, AGENTS)
    e = enq("complaint", flags=("fraud_risk",))
    assert (
        r.verdict(e, Target("comp")).reason
        == "Fraud enquiries may only go to the Fraud team or Fraud Ops team."
    )
    assert r.verdict(e, Target("fr2")).allowed


def test_no_fraud_team_refuses_with_a_clear_reason() -> None:
    r = Router("one_stop", [t for t in TEAMS if t.id != "fraud"], AGENTS)
    v = r.verdict(enq("fraud"), Target("soc", "ann"))
    assert v == Verdict(False, "Fraud enquiries may only go to a fraud team, and no team owns fraud.")
    assert r.suggest(enq("fraud")) is None


@pytest.mark.parametrize("model", ["one_stop", "concierge", "hybrid"])
def test_vulnerable_customers_only_to_trained_teams(model: str) -> None:
    r = router(model)
    e = enq("cards", flags=("vulnerable",), complexity=3)
    v = r.verdict(e, Target("cards", "cat"))
    assert v == Verdict(
        False, "Vulnerable customers may only go to teams trained to support them; the Cards team is not."
    )
    assert r.verdict(e, Target("soc", "ann")).allowed
    # The model would send complex cards work to Cards, but Cards is not trained: the suggestion skips it.
    assert r.suggest(e) == Target("soc")


def test_one_stop_keeps_everything_with_the_social_team() -> None:
    r = router("one_stop")
    e = enq("cards", complexity=3)
    assert r.verdict(e, Target("cards")) == Verdict(
        False,
        "In the one-stop model the social team answers everything; "
        "the Cards team only takes fraud or complaints.",
    )
    assert r.verdict(e, Target("soc", "ann")).allowed
    assert r.suggest(e) == Target("soc")


def test_concierge_sends_owned_topics_to_specialists_only() -> None:
    r = router("concierge")
    e = enq("lending", complexity=1)
    assert r.verdict(e, Target("cards")) == Verdict(
        False, "The Cards team does not handle lending enquiries."
    )
    v = r.verdict(enq("lending", complexity=2), Target("lend", "gus"))
    assert v.allowed and not v.needs_reason and v.reason == "Can go to Gus Fe in the Lending team."
    assert r.suggest(enq("lending", complexity=2)) == Target("lend")
    assert r.suggest(enq("lending", complexity=1)) == Target("soc")  # simple work stays with triage
    assert r.suggest(enq("general", complexity=3)) == Target("soc")  # no specialist owns it


def test_hybrid_routes_by_complexity() -> None:
    r = router("hybrid")
    simple = r.verdict(enq("cards", complexity=2), Target("cards"))
    assert simple.allowed and simple.needs_reason
    assert simple.reason == (
        "In the hybrid model simple and standard enquiries stay with the social team; "
        "sending this one to the Cards team needs a reason."
    )
    complex_ = r.verdict(enq("cards", complexity=3), Target("cards"))
    assert complex_ == Verdict(True, "Can go to the Cards team.")
    assert not r.verdict(enq("cards", complexity=3), Target("lend")).allowed
    assert r.suggest(enq("cards", complexity=2)) == Target("soc")
    assert r.suggest(enq("cards", complexity=3)) == Target("cards")


@pytest.mark.parametrize("model", ["concierge", "hybrid"])
def test_hand_back_to_social_needs_a_reason(model: str) -> None:
    r = router(model)
    v = r.verdict(enq("cards", team="cards", agent="cat"), Target("soc"))
    assert v.allowed and v.needs_reason
    assert v.reason == "Handing back to the Social team from a specialist team needs a reason."
    # Social to social (picking an agent) asks nothing.
    assert not r.verdict(enq("cards"), Target("soc", "ann")).needs_reason


def test_fraud_cannot_be_handed_back() -> None:
    r = router("concierge")
    assert not r.verdict(enq("fraud", team="fraud"), Target("soc")).allowed


def test_agent_capacity_refuses_unless_overridden_with_a_reason() -> None:
    r = router()
    e = enq("general")
    assert r.verdict(e, Target("soc", "bob")) == Verdict(False, "Bob Roy is at capacity (3 of 3 enquiries).")
    v = r.verdict(e, Target("soc", "bob"), override_capacity=True)
    assert v.allowed and v.needs_reason
    assert v.reason == "Bob Roy is at capacity (3 of 3 enquiries); an override needs a reason."
    # Live load change: a freed slot makes the move plain.
    r.update_agents([dataclasses.replace(AGENTS[1], load=2)])
    assert r.verdict(e, Target("soc", "bob")) == Verdict(True, "Can go to Bob Roy in the Social team.")


def test_offline_agents_refuse_and_away_agents_warn() -> None:
    r = router()
    e = enq("cards", complexity=3)
    assert r.verdict(e, Target("cards", "eve")) == Verdict(False, "Eve Ash is offline and cannot take work.")
    assert not r.verdict(e, Target("cards", "eve"), override_capacity=True).allowed
    away = r.verdict(e, Target("cards", "dan"))
    assert away.allowed and away.warnings == ("Dan Ito is away; the enquiry waits until they are back.",)


def test_ping_pong_is_a_rule_after_three_moves_a_further_move_needs_a_reason() -> None:
    r = router()
    assert r.ping_pong_limit == 3  # the default setting
    assert r.verdict(enq("cards", team="cards", complexity=3, bounces=1), Target("lend")).warnings == ()
    third = r.verdict(enq("cards", team="cards", complexity=3, bounces=2), Target("soc"))
    assert third.allowed and third.warnings == (
        "This will be move 3 between teams for this enquiry; any further move will need a reason.",
    )
    # The 4th move (and the 51st) between teams needs a reason, even one that no other rule questions.
    for bounces in (3, 50):
        v = r.verdict(enq("cards", complexity=3, team="soc", bounces=bounces), Target("cards"))
        assert v.allowed and v.needs_reason
        assert v.reason == (
            f"This enquiry has already moved between teams {bounces} times (ping-pong); "
            "another move needs a reason."
        )
    # Picking an agent in the same team is not a move between teams.
    assert not r.verdict(enq("cards", team="cards", bounces=9), Target("cards", "cat")).needs_reason


def test_the_ping_pong_limit_is_a_setting() -> None:
    strict = Router("concierge", TEAMS, AGENTS, ping_pong_limit=1)
    v = strict.verdict(enq("cards", complexity=3, team="soc", bounces=1), Target("cards"))
    assert v.needs_reason and "moved between teams 1 times" in v.reason
    lax = Router("concierge", TEAMS, AGENTS, ping_pong_limit=10)
    assert not lax.verdict(enq("cards", complexity=3, team="soc", bounces=5), Target("cards")).needs_reason
    for bad in (0, -1, True, 2.5):
        with pytest.raises(ValueError, match="ping-pong limit"):
            Router("concierge", TEAMS, AGENTS, ping_pong_limit=bad)  # type: ignore[arg-type]


def test_concierge_simple_work_sent_to_a_specialist_needs_a_reason() -> None:
    r = router("concierge")
    simple = r.verdict(enq("cards", complexity=1), Target("cards"))
    assert simple.allowed and simple.needs_reason
    assert simple.reason == (
        "In the concierge model the social team answers simple enquiries itself; "
        "sending this one to the Cards team needs a reason."
    )
    assert r.verdict(enq("cards", complexity=1), Target("cards", "cat")).needs_reason
    assert r.verdict(enq("cards", complexity=2), Target("cards")) == Verdict(
        True, "Can go to the Cards team."
    )
    assert r.suggest(enq("cards", complexity=1)) == Target("soc")
    # The hard rules decide on their own: simple fraud goes to Fraud without a reason.
    assert r.verdict(enq("fraud", complexity=1), Target("fraud")) == Verdict(
        True, "Can go to the Fraud team."
    )
    # A vulnerable customer on an untrained team must move: no reason asked for that.
    untrained = [dataclasses.replace(TEAMS[0], trained_vulnerable=False), *TEAMS[1:]]
    v = Router("concierge", untrained, AGENTS).verdict(
        enq("lending", complexity=1, flags=("vulnerable",)), Target("lend")
    )
    assert v == Verdict(True, "Can go to the Lending team.")


def test_already_there_closed_and_unknown_targets() -> None:
    r = router()
    assert r.verdict(enq(team="soc"), Target("soc")) == Verdict(
        False, "This enquiry is already with the Social team."
    )
    assert r.verdict(enq(team="soc", agent="ann"), Target("soc", "ann")).reason == (
        "This enquiry is already with Ann Lee in the Social team."
    )
    assert r.verdict(enq(team="soc", agent="ann"), Target("soc")).allowed  # back to the team queue
    assert r.verdict(enq(status="resolved"), Target("cards")) == Verdict(
        False, "This enquiry is resolved and cannot be moved."
    )
    assert r.verdict(enq(), Target("nope")) == Verdict(
        False, "There is no team 'nope'; refresh the team list and try again."
    )
    assert r.verdict(enq(), Target("soc", "zed")) == Verdict(
        False, "There is no agent 'zed'; refresh the agent list and try again."
    )
    assert r.verdict(enq("cards", complexity=3), Target("soc", "cat")) == Verdict(
        False, "Cat Ng belongs to the Cards team, not the Social team."
    )
    assert r.suggest(enq(status="closed")) is None


def test_allowed_targets_lists_everything_allowed_first() -> None:
    r = router("concierge")
    e = enq("cards", complexity=3, team="soc", agent="ann")
    rows = r.allowed_targets(e)
    assert len(rows) == len(TEAMS) + len(AGENTS)
    flags = [v.allowed for _, v in rows]
    assert flags == sorted(flags, reverse=True)
    allowed = {t for t, v in rows if v.allowed}
    assert allowed == {Target("soc"), Target("cards"), Target("cards", "cat"), Target("cards", "dan")}
    by_target = dict(rows)
    assert by_target[Target("soc", "ann")].reason.startswith("This enquiry is already with Ann Lee")
    assert by_target[Target("soc", "bob")].reason == "Bob Roy is at capacity (3 of 3 enquiries)."
    # Every row is exactly what verdict() says for that target.
    for target, v in rows:
        assert r.verdict(e, target) == v


def test_allowed_targets_of_a_closed_enquiry_refuse_all_and_orphan_agents_are_listed() -> None:
    r = Router("hybrid", TEAMS, [*AGENTS, Agent("zoe", "Zoe", "gone", "available", 2, 0)])
    rows = r.allowed_targets(enq(status="closed"))
    assert len(rows) == len(TEAMS) + len(AGENTS) + 1 and not any(v.allowed for _, v in rows)
    rows = r.allowed_targets(enq("general", complexity=1))
    assert (
        dict(rows)[Target("gone", "zoe")].reason
        == "There is no team 'gone'; refresh the team list and try again."
    )


def test_update_teams_replaces_and_bad_model_is_refused() -> None:
    r = router("concierge")
    r.update_teams([dataclasses.replace(TEAMS[1], topics=("cards", "lending"))])
    assert r.verdict(enq("lending"), Target("cards")).allowed
    r.update_teams(TEAMS[:2], replace=True)
    assert r.verdict(enq("lending"), Target("lend")).reason.startswith("There is no team 'lend'")
    with pytest.raises(ValueError, match="Unknown routing model 'pool'"):
        Router("pool", TEAMS, AGENTS)


def test_team_label_does_not_double_team() -> None:
    assert team_label(TEAMS[0]) == "the Social team"
    assert team_label(Team("x", "Fraud Ops Team", "specialist", (), "c")) == "Fraud Ops Team"


@pytest.mark.expected_log(r"'ping_pong_limit' was ignored", logger="concierge.settings")
def test_the_ping_pong_limit_is_a_site_setting(tmp_path: Path) -> None:
    assert settings.Settings().ping_pong_limit == PING_PONG_LIMIT == 3
    machine = tmp_path / "machine.json"
    machine.write_text(json.dumps({"ping_pong_limit": 5}), encoding="utf-8")
    assert settings.load(tmp_path / "none.json", machine).ping_pong_limit == 5
    user = tmp_path / "user.json"
    user.write_text(json.dumps({"ping_pong_limit": 0}), encoding="utf-8")
    bad = settings.load(user, machine)
    assert bad.ping_pong_limit == 5 and any("'ping_pong_limit' was ignored" in p for p in bad.problems)
    rules = MoveRules("concierge", TEAMS, AGENTS, ping_pong_limit=bad.ping_pong_limit)
    assert rules.router.ping_pong_limit == 5
