"""A bank's Chatwoot account in the stand-in, and the connector wired to it, as a pytest plugin (loaded by
tests/conftest.py).

Fixtures:
- chatwoot_world (function): a World: the stand-in seeded with inboxes (X, Facebook, WhatsApp, web widget),
  teams (Social care, Cards, Fraud, Complaints) and agents; the connector writing into `chatwoot_ledger`;
  its webhook endpoint served on 127.0.0.1 and set as the stand-in's webhook URL.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from console.api.retry import BackoffPolicy
from console.domain import wire
from console.gateway.chatwoot import mapping
from console.gateway.chatwoot.client import ChatwootClient, ClientSettings
from console.gateway.chatwoot.connector import ChatwootConnector
from console.gateway.chatwoot.mapping import MappingConfig
from console.gateway.chatwoot.webhooks import WebhookEndpoint, WebhookServer
from tests.helpers.chatwoot_rest import TOKEN
from tests.helpers.chatwoot_standin import ChatwootStandin
from tests.helpers.memory_ledger import InspectableLedger

FAST = BackoffPolicy(0.001, 0.01, 1.0, retry_after_cap_s=0.2)  # tests wait milliseconds, not seconds


@dataclass
class World:
    standin: ChatwootStandin
    ledger: InspectableLedger
    connector: ChatwootConnector
    client: ChatwootClient
    webhooks: WebhookServer
    endpoint: WebhookEndpoint
    inboxes: dict[str, int] = field(default_factory=dict)
    teams: dict[str, int] = field(default_factory=dict)
    agents: dict[str, int] = field(default_factory=dict)
    waits: list[float] = field(default_factory=list)  # the client's back-off sleeps


def seed(
    standin: ChatwootStandin, world_inboxes: dict[str, int], teams: dict[str, int], agents: dict[str, int]
) -> None:
    world_inboxes.update(
        x=standin.add_inbox("@bank on X", "Channel::TwitterProfile"),
        facebook=standin.add_inbox("Bank page", "Channel::FacebookPage"),
        whatsapp=standin.add_inbox("WhatsApp", "Channel::Whatsapp"),
        web=standin.add_inbox("Website chat", "Channel::WebWidget"),
    )
    for name in ("Social care", "Cards", "Fraud", "Complaints"):
        teams[name] = standin.add_team(name)
    agents["ana"] = standin.add_agent("Ana", teams["Social care"])
    agents["ben"] = standin.add_agent("Ben", teams["Cards"], status="busy")
    agents["fay"] = standin.add_agent("Fay", teams["Fraud"])
    agents["oli"] = standin.add_agent("Oli", status="offline")  # in no team
    standin.labels.extend(["cards", "fraud", "vulnerable", "complex", "vip"])


def make_world(standin: ChatwootStandin, ledger: InspectableLedger, secret: str | None = None) -> World:
    waits: list[float] = []
    client = ChatwootClient(
        ClientSettings(standin.url, standin.account_id, policy=FAST), TOKEN, sleep=waits.append
    )
    connector = ChatwootConnector(client, ledger)
    endpoint = WebhookEndpoint(connector, secret)
    server = WebhookServer(endpoint).start()
    world = World(standin, ledger, connector, client, server, endpoint, waits=waits)
    seed(standin, world.inboxes, world.teams, world.agents)
    connector.refresh_reference()
    standin.webhook_url = server.url
    return world


@pytest.fixture
def chatwoot_world(chatwoot_standin: ChatwootStandin, chatwoot_ledger: InspectableLedger) -> Iterator[World]:
    world = make_world(chatwoot_standin, chatwoot_ledger)
    yield world
    world.webhooks.stop()
    world.client.close()


def truth(standin: ChatwootStandin, cid: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What the Ledger must hold for a conversation: the stand-in's own state through the mapping."""
    config = MappingConfig()
    kinds = {t["id"]: mapping.team_kind_of(t["name"], config)[0] for t in standin.teams.values()}
    conv = standin.conversation_json(cid)
    with standin.lock:
        msgs = [mapping.message_of(m) for m in standin.messages[cid]]
    return mapping.enquiry_of(conv, msgs, standin.inboxes[conv["inbox_id"]], kinds, config)


def normal(enquiry: Mapping[str, Any]) -> dict[str, Any]:
    """An enquiry as the console reads it, version aside: stores may normalise what they keep."""
    body = wire.enquiry_to_wire(wire.enquiry_from_wire({**enquiry, "version": 0}))
    del body["version"]
    return body


def normal_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [wire.message_to_wire(wire.message_from_wire(m)) for m in messages]


def mismatches(standin: ChatwootStandin, ledger: InspectableLedger) -> list[str]:
    """Record by record: every conversation the stand-in holds equals the Ledger's enquiry (version aside)
    and its messages; the Ledger holds nothing else."""
    out = []
    with standin.lock:
        cids = list(standin.conversations)
    for cid in cids:
        enquiry, messages = truth(standin, cid)
        held = ledger.enquiry(enquiry["id"])
        if held is None:
            out.append(f"{enquiry['id']}: missing")
            continue
        want, got = normal(enquiry), normal(held)
        diff = sorted(k for k in want if got.get(k) != want[k])
        if diff or normal_messages(ledger.messages(enquiry["id"])) != normal_messages(messages):
            out.append(f"{enquiry['id']}: {diff or 'messages'}")
    expected = {mapping.enquiry_id(c) for c in cids}
    out.extend(f"{extra}: not in Chatwoot" for extra in sorted(ledger.ids() - expected))
    return out
