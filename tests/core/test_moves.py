"""Move planning (single, bulk, undo), the outcome record, and a bulk move written in one transaction."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import apsw
import pytest

from console.domain.model import Agent, Enquiry, Team
from console.domain.moves import CONFLICT, DONE, PENDING, REFUSED, REJECTED, MoveRecord, MoveRules
from console.domain.routing import Target
from console.store.cache import Store
from console.store.moves import QueuedMove, write_moves
from tests.helpers.routing import AGENTS, TEAMS, enq
from tests.helpers.store import T0, make_enquiry, new_key

RULES = MoveRules("concierge", TEAMS, AGENTS)


def named(ident: str, **kw: object) -> Enquiry:
    return dataclasses.replace(enq(**kw), id=ident)  # type: ignore[arg-type]


def test_a_single_move_says_the_routers_verdict() -> None:
    plan = RULES.plan([named("a")], Target("cards"))
    assert plan.allowed and not plan.needs_reason and plan.summary() == "Can go to the Cards team."
    fraud = RULES.plan([named("f", topic="fraud")], Target("cards"))
    assert not fraud.allowed and fraud.summary() == "Fraud enquiries may only go to the Fraud team."


def test_a_hand_back_needs_a_reason() -> None:
    plan = RULES.plan([named("a", team="cards")], Target("soc"))
    assert plan.allowed and plan.needs_reason
    assert plan.reason_prompts() == ["Handing back to the Social team from a specialist team needs a reason."]


def test_an_agent_at_capacity_is_an_override_with_a_reason() -> None:
    plan = RULES.plan([named("a", topic="general")], Target("soc", "bob"))
    (item,) = plan.items
    assert plan.allowed and plan.needs_reason and item.override
    assert "at capacity (3 of 3" in plan.summary() and "override needs a reason" in plan.summary()
    offline = RULES.plan([named("a")], Target("cards", "eve"))
    assert not offline.allowed and "offline" in offline.summary()


def test_a_bulk_plan_counts_and_names_each_refusal() -> None:
    items = [named("a"), named("b"), named("f1", topic="fraud"), named("f2", flags=("fraud_risk",))]
    plan = RULES.plan(items, Target("cards"), missing=["gone"])
    assert [i.enquiry_id for i in plan.movable] == ["a", "b"]
    text = plan.summary()
    assert text.startswith("2 of 5 can go to the Cards team; the others stay where they are.")
    assert "f1, f2: Fraud enquiries may only go to the Fraud team." in text
    assert "gone: no longer in the queue." in text
    assert RULES.plan(items[:2], Target("cards")).summary() == "All 2 can go to the Cards team."


def test_undo_puts_each_back_where_it_was_even_past_capacity() -> None:
    now_cards = named("a", team="cards", topic="general")
    was_with_bob = Target("soc", "bob")  # bob is full now: the undo overrides capacity
    plan = RULES.plan_undo([(now_cards, was_with_bob), (named("u", team="cards"), None)])
    assert plan.undo and [i.enquiry_id for i in plan.movable] == ["a"] and plan.movable[0].override
    assert "had no team before" in plan.refused[0].verdict.reason


def test_a_record_reports_per_enquiry() -> None:
    items = [named("a"), named("b"), named("c"), named("f", topic="fraud")]
    rec = MoveRecord.from_plan(RULES.plan(items, Target("cards")), "card dispute", "alice")
    assert rec.before == {"a": Target("soc"), "b": Target("soc"), "c": Target("soc")}
    assert rec.outcomes["f"].state == REFUSED and not rec.finished
    rec.record("a", DONE)
    rec.record("b", CONFLICT, "bob changed this enquiry first", "bob", "the Lending team")
    assert rec.outcomes["c"].state == PENDING and not rec.finished
    rec.record("c", REJECTED, "Cards does not handle general enquiries.")
    assert rec.finished and rec.count(DONE) == 1
    text = rec.summary()
    assert text.startswith("Moved 1 of 4 to the Cards team.")
    assert "b: bob moved it first to the Lending team; your move was undone." in text
    assert "c: the service refused: Cards does not handle general enquiries.; moved back." in text
    assert "f: not moved: Fraud enquiries may only go to the Fraud team." in text


def test_a_bulk_move_is_one_transaction_with_its_audit(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.db", new_key())
    store.apply_enquiries([make_enquiry(i) for i in range(3)])
    moves = [QueuedMove(f"E{i:06d}", "cards", None) for i in range(3)] + [QueuedMove("nope", "cards", None)]
    ids = write_moves(store, moves, reason="card wave", actor="alice", now=T0 + 100)
    assert ids["nope"] is None and all(ids[f"E{i:06d}"] for i in range(3))
    assert store.pending_ids() == {f"E{i:06d}" for i in range(3)}
    assert [o.payload["from_team"] for o in store.outbox_pending()] == ["social"] * 3
    audit = store.audit_entries()
    assert [a.action for a in audit] == ["assignment.requested"] * 3 + ["assignment.bulk"]
    bulk = audit[-1]
    assert bulk.actor == "alice" and bulk.at == T0 + 100 and bulk.detail["reason"] == "card wave"
    assert bulk.detail["not_cached"] == ["nope"] and len(bulk.detail["outbox_ids"]) == 3
    assert store.verify_audit() is None
    store.close()


def test_a_failed_bulk_write_leaves_nothing_behind(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.db", new_key())
    store.apply_enquiries([make_enquiry(1)])
    store._conn.execute(
        "CREATE TRIGGER no_outbox BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'full'); END"
    )
    with pytest.raises(apsw.ConstraintError):
        write_moves(store, [QueuedMove("E000001", "cards", None)], reason="r", actor="a", now=T0)
    e = store.get("E000001")
    assert e is not None and e.team_id == "social" and not store.outbox_pending() and not store.pending_ids()
    store.close()


def test_rules_label_targets() -> None:
    assert RULES.label(Target("cards", "cat")) == "Cat Ng in the Cards team"
    assert RULES.label(Target("zzz")) == "team zzz"
    assert MoveRules(
        "hybrid", [Team("t", "Ops team", "social", (), "c")], [Agent("a", "A", "t", "busy", 1, 0)]
    )


def test_a_moves_effect_on_the_record_is_the_same_for_every_server() -> None:
    from console.domain.moves import apply_move

    e = named("E1", team="social", agent=None, status="open", bounces=0)
    apply_move(e, "cards", "specialist", None, 100.0)  # to a specialist team, nobody named: waits for them
    assert (e.team_id, e.status, e.bounces, e.handoff_requested_at, e.handoff_accepted_at) == (
        "cards",
        "pending_specialist",
        1,
        100.0,
        None,
    )
    apply_move(e, "cards", "specialist", "a1", 160.0)  # a specialist takes it: the hand-off accepted
    assert (e.agent_id, e.status, e.bounces, e.handoff_accepted_at) == ("a1", "open", 1, 160.0)
    apply_move(e, "social", "social", None, 200.0)  # back to the front line: another bounce
    assert (e.team_id, e.agent_id, e.status, e.bounces) == ("social", None, "open", 2)
    first = named("E2", team=None, agent=None, status="new", bounces=0)
    apply_move(first, "social", "social", "a2", 10.0)  # its first owner: no bounce
    assert (first.team_id, first.agent_id, first.bounces) == ("social", "a2", 0)
