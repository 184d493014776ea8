"""Issue 12, "Rules": every code from the API is normalised once, at the boundary (console.domain.wire),
so no spelling of a flag, topic or status can slip past a hard rule."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from console.domain import wire
from console.domain.routing import Router, Target
from tests.helpers.store import make_enquiry

BLANKS = st.text(alphabet=" \t\n\r\u00a0\u2003", max_size=3)


@st.composite
def spelt(draw: st.DrawFn, value: str) -> str:
    """value in random casing with random blanks around it."""
    cased = "".join(c.upper() if draw(st.booleans()) else c for c in value)
    return draw(BLANKS) + cased + draw(BLANKS)


def _enquiry_wire(**over: Any) -> dict[str, Any]:
    base = wire.enquiry_to_wire(make_enquiry(0, flags=frozenset({"fraud_risk", "vulnerable"}), pauses=()))
    return {**base, **over}


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_any_casing_and_blanks_read_as_the_canonical_codes(data: st.DataObject) -> None:
    canonical = wire.enquiry_from_wire(_enquiry_wire())
    messy = _enquiry_wire(
        channel=data.draw(spelt("x")),
        visibility=data.draw(spelt("public")),
        status=data.draw(spelt("open")),
        topic=data.draw(spelt("cards")),
        priority=data.draw(spelt("normal")),
        flags=[
            data.draw(spelt("fraud_risk")),
            data.draw(spelt("vulnerable")),
            data.draw(spelt("fraud_risk")),
        ],
    )
    assert wire.enquiry_from_wire(messy) == canonical
    team = {
        "id": "fraud",
        "name": "Fraud",
        "kind": data.draw(spelt("specialist")),
        "topics": [data.draw(spelt("fraud")), data.draw(spelt("fraud"))],
        "calendar_id": "cal",
    }
    t = wire.team_from_wire(team)
    assert (t.kind, t.topics) == ("specialist", ("fraud",))
    agent = {
        "id": "a",
        "name": "A",
        "team_id": "fraud",
        "status": data.draw(spelt("available")),
        "capacity": 2,
    }
    assert wire.agent_from_wire(agent).status == "available"
    policy = {
        "id": "p",
        "first_response_s": 60,
        "next_response_s": 60,
        "resolution_s": 60,
        "match": {"flag": data.draw(spelt("fraud_risk")), "channel": data.draw(spelt("whatsapp"))},
    }
    p = wire.policy_from_wire(policy)
    assert (p.flag, p.channel) == ("fraud_risk", "whatsapp")
    msg = {
        "id": "m",
        "enquiry_id": "e",
        "direction": data.draw(spelt("in")),
        "sent_at": "2026-11-26T10:00:00Z",
    }
    assert wire.message_from_wire(msg).direction == "in"
    assert wire.channel_from_wire({"id": data.draw(spelt("whatsapp")), "name": "WhatsApp"}).id == "whatsapp"


def test_identifiers_are_kept_exactly_as_sent() -> None:
    e = wire.enquiry_from_wire(_enquiry_wire(team_id="Cards-Team", agent_id="AG-01"))
    assert (e.team_id, e.agent_id) == ("Cards-Team", "AG-01")


TEAMS = [
    {"id": "soc", "name": "Social", "kind": "social", "topics": ["General"], "calendar_id": "c"},
    {"id": "cards", "name": "Cards", "kind": "specialist", "topics": ["Cards"], "calendar_id": "c"},
    {"id": "fraud", "name": "Fraud", "kind": "Specialist", "topics": [" Fraud "], "calendar_id": "c",
     "trained_vulnerable": True},
]  # fmt: skip


def test_a_fraud_risk_cards_enquiry_is_refused_by_the_fraud_rule() -> None:
    """The defect: "Fraud_Risk" skipped the fraud rule and a team sent as ["Fraud"] owned nothing."""
    teams = [wire.team_from_wire(t) for t in TEAMS]
    router = Router("concierge", teams, [])
    e = wire.enquiry_from_wire(_enquiry_wire(topic="Cards", flags=["Fraud_Risk"], team_id="soc"))
    refused = router.verdict(e, Target("cards"))
    assert not refused.allowed and refused.reason == "Fraud enquiries may only go to the Fraud team."
    assert router.verdict(e, Target("fraud")).allowed
    vulnerable = wire.enquiry_from_wire(_enquiry_wire(topic="cards", flags=["VULNERABLE"], team_id="soc"))
    assert not router.verdict(vulnerable, Target("cards")).allowed
