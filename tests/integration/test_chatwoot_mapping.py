"""Chatwoot's records -> the contract's (console/gateway/chatwoot/mapping.py): pure functions, checked on
bodies shaped as the description says (each one is checked against it first)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from console.domain import wire
from console.gateway.chatwoot import mapping
from console.gateway.chatwoot.mapping import MappingConfig, message_of
from console.gateway.chatwoot.spec import check_schema

T0 = 1_796_115_600  # 2026-12-01T09:00:00Z
TWITTER = {"id": 1, "name": "@bank", "channel_type": "Channel::TwitterProfile"}
FACEBOOK = {"id": 2, "name": "Page", "channel_type": "Channel::FacebookPage"}


def conversation(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": 42,
        "account_id": 1,
        "inbox_id": 1,
        "status": "open",
        "priority": None,
        "labels": [],
        "meta": {
            "sender": {"id": 7, "name": "Jo Bloggs", "additional_attributes": {"screen_name": "jo"}},
            "assignee": None,
            "team": None,
        },
        "created_at": T0,
        "updated_at": T0 + 0.5,
        "last_activity_at": T0,
        "additional_attributes": {},
    }
    body.update(over)
    check_schema("conversation", body)
    return body


def rest_message(
    mid: int, kind: int, at: int, *, private: bool = False, sender: str = "user"
) -> dict[str, Any]:
    m = {
        "id": mid,
        "content": f"m{mid}",
        "message_type": kind,
        "created_at": at,
        "conversation_id": 42,
        "private": private,
        "sender": {"id": 3, "name": "Ana", "type": sender},
    }
    check_schema("message", m)
    return m


def enquiry(
    conv: dict[str, Any],
    msgs: Sequence[dict[str, Any]] = (),
    inbox: dict[str, Any] = TWITTER,
    kinds: dict[int, str] | None = None,
    config: MappingConfig | None = None,
) -> dict[str, Any]:
    e, _ = mapping.enquiry_of(
        conv, [message_of(m) for m in msgs], inbox, kinds or {}, config or MappingConfig()
    )
    wire.enquiry_from_wire(e)  # every mapped enquiry is a record the console accepts
    return e


def test_inbox_and_conversation_type_give_channel_and_visibility() -> None:
    assert enquiry(conversation(additional_attributes={"type": "tweet"}))["channel"] == "x"
    assert enquiry(conversation(additional_attributes={"type": "tweet"}))["visibility"] == "public"
    dm = enquiry(conversation(inbox_id=2), inbox=FACEBOOK)
    assert (dm["channel"], dm["visibility"]) == ("facebook", "private")
    odd = enquiry(conversation(inbox_id=9), inbox={"id": 9, "name": "?", "channel_type": "Channel::Voice"})
    assert odd["channel"] == "voice"  # unknown channels are kept, never dropped
    config = MappingConfig(inboxes={2: ("facebook", "public")})  # a page's comments through one inbox
    assert enquiry(conversation(inbox_id=2), inbox=FACEBOOK, config=config)["visibility"] == "public"


def test_labels_give_topic_flags_and_complexity() -> None:
    e = enquiry(conversation(labels=["Fraud", "vulnerable-customer", "complex", "vip"], priority="urgent"))
    assert (e["topic"], e["flags"], e["complexity"], e["priority"]) == ("fraud", ["vulnerable"], 3, "urgent")
    assert enquiry(conversation(labels=["vip"], priority="medium"))["topic"] == "general"
    assert enquiry(conversation(priority="medium"))["priority"] == "normal"


def test_status_mapping() -> None:
    team = {"id": 5, "name": "Cards"}
    agent = {"id": 3, "name": "Ana"}
    assert enquiry(conversation(status="pending"))["status"] == "new"
    assert enquiry(conversation(status="snoozed"))["status"] == "waiting_customer"
    assert enquiry(conversation())["status"] == "new"  # nobody has it, nobody answered
    specialist = conversation(meta={"sender": {"id": 7}, "assignee": None, "team": team})
    assert enquiry(specialist, kinds={5: "specialist"})["status"] == "pending_specialist"
    held = conversation(meta={"sender": {"id": 7}, "assignee": agent, "team": team})
    e = enquiry(held, kinds={5: "specialist"})
    assert (e["status"], e["team_id"], e["agent_id"]) == ("open", "cw-team-5", "cw-agent-3")
    done = enquiry(conversation(status="resolved", last_activity_at=T0 + 600))
    assert (done["status"], done["resolved_at"]) == ("resolved", "2026-12-01T09:10:00.000Z")


def test_clock_times_come_from_the_messages() -> None:
    msgs = [
        rest_message(1, 0, T0 + 0, sender="contact"),
        rest_message(2, 0, T0 + 1500, sender="contact"),  # "hello??" 25 minutes later, still unanswered
        rest_message(3, 1, T0 + 1600, private=True),  # an internal note answers nobody
        rest_message(4, 1, T0 + 1700, sender="agent_bot"),  # nor does a bot
        rest_message(5, 2, T0 + 1800),  # activity: not part of the conversation
    ]
    e = enquiry(conversation(), msgs)
    assert e["first_customer_message_at"] == "2026-12-01T09:00:00.000Z"
    assert e["oldest_unanswered_message_at"] == "2026-12-01T09:00:00.000Z"
    assert e["last_customer_message_at"] == "2026-12-01T09:25:00.000Z"
    assert e["first_response_at"] is None and e["text"] == "m2"
    e = enquiry(conversation(), [*msgs, rest_message(6, 1, T0 + 1900)])
    assert e["first_response_at"] == e["last_agent_message_at"] == "2026-12-01T09:31:40.000Z"
    assert e["oldest_unanswered_message_at"] is None
    _, wire_messages = mapping.enquiry_of(
        conversation(), [message_of(m) for m in msgs], TWITTER, {}, MappingConfig()
    )
    assert [m["id"] for m in wire_messages] == ["cw-msg-1", "cw-msg-2", "cw-msg-4"]  # no note, no activity


def test_a_message_maps_the_same_from_a_webhook_and_from_rest() -> None:
    rest = rest_message(9, 0, T0 + 30, sender="contact")
    hook = {
        "id": 9,
        "content": "m9",
        "message_type": "incoming",
        "created_at": "2026-12-01T09:00:30.734Z",
        "private": False,
        "sender": {"id": 3, "name": "Ana", "type": "contact"},
    }
    assert message_of(rest) == message_of(hook)


def test_reference_data_and_a_bank_config_file(tmp_path: Path) -> None:
    path = tmp_path / "chatwoot.toml"
    path.write_text(
        'agent_capacity = 8\n[label_topics]\n"credit-card" = "cards"\n'
        '[teams]\n"Escalations" = ["specialist", ["complaint"]]\n[sla_match.Fraud]\ntopic = "fraud"\n',
        encoding="utf-8",
    )
    config = MappingConfig.from_toml(path)
    assert enquiry(conversation(labels=["credit-card"]), config=config)["topic"] == "cards"
    teams = mapping.teams_to_wire(
        [{"id": 1, "name": "Escalations"}, {"id": 2, "name": "Complaints"}], config, False
    )
    assert [(t["kind"], t["topics"]) for t in teams] == [
        ("specialist", ["complaint"]),
        ("specialist", ["complaint"]),
    ]
    for team in teams:
        wire.team_from_wire(team)
    agents = mapping.agents_to_wire(
        [{"id": 3, "name": "Ana", "availability_status": "busy"}], {}, {3: 2}, config
    )
    assert wire.agent_from_wire(agents[0]).capacity == 8 and agents[0]["team_id"] == mapping.NO_TEAM
    policies, left_out = mapping.sla_policies_to_wire(
        [
            {
                "id": 1,
                "name": "Fraud",
                "first_response_time_threshold": 900,
                "next_response_time_threshold": 1800,
                "resolution_time_threshold": 86400,
            },
            {"id": 2, "name": "Other"},
        ],
        config,
    )
    assert left_out == 1 and wire.policy_from_wire(policies[0]).topic == "fraud"
    wire.calendar_from_wire(mapping.CALENDARS[0])
    assert mapping.conversation_id("cw-42") == 42 and mapping.conversation_id("x-42") is None
