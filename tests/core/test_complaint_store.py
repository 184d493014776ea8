"""A supervisor's complaint decision is an audit entry; the cache keeps the latest per enquiry from it."""

from __future__ import annotations

from pathlib import Path

from console.domain.complaints.status import AUDIT_ACTIONS, CONFIRMED, DISMISSED
from console.store.cache import Store, StoreReader
from tests.helpers.store import T0, new_key, new_store


def test_decisions_come_from_the_audit_trail_latest_wins(tmp_path: Path) -> None:
    key = new_key()
    with Store(tmp_path / "c.db", key) as store:
        store.audit(at=T0, actor="sam", action="reveal", subject="E1", detail={})
        store.audit(
            at=T0 + 1, actor="sam", action=AUDIT_ACTIONS[CONFIRMED], subject="E1",
            detail={"words": ["disgraceful"]},
        )  # fmt: skip
        store.audit(at=T0 + 2, actor="ana", action=AUDIT_ACTIONS[DISMISSED], subject="E2", detail={})
        store.audit(at=T0 + 3, actor="ana", action=AUDIT_ACTIONS[DISMISSED], subject="E1", detail={})
    with StoreReader(tmp_path / "c.db", key) as reader:
        decisions = reader.complaint_decisions()
        assert reader.verify_audit() is None
        actions = [e.action for e in reader.audit_entries()]
    assert actions == ["reveal", "complaint.confirmed", "complaint.dismissed", "complaint.dismissed"]
    assert set(decisions) == {"E1", "E2"}
    assert (decisions["E1"].decision, decisions["E1"].actor, decisions["E1"].at) == (DISMISSED, "ana", T0 + 3)
    assert decisions["E2"].decision == DISMISSED


def test_a_new_cache_has_no_decisions(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        assert store.complaint_decisions() == {}
