"""Reassignments both ways: a console's move written to Chatwoot through the Upstream (and its refusals),
and a move made in Chatwoot reaching the Ledger by webhook or, when that is lost, by reconciliation."""

from __future__ import annotations

import json

import keyring
import pytest

from console.gateway.chatwoot.client import ENV_TOKEN
from console.gateway.chatwoot.upstream import ChatwootUpstream
from console.gateway.chatwoot.webhooks import WebhookEndpoint
from console.gateway.chatwoot.wiring import ENV_WEBHOOK_SECRET, client_from_environment, connect
from console.gateway.ports import Upstream, UpstreamRefused, UpstreamUnavailable
from tests.helpers.chatwoot_rest import TOKEN
from tests.helpers.chatwoot_standin import ChatwootStandin
from tests.helpers.chatwoot_world import World, mismatches
from tests.helpers.memory_ledger import InspectableLedger


def test_a_console_move_goes_to_chatwoot_and_comes_back(chatwoot_world: World) -> None:
    s, w = chatwoot_world.standin, chatwoot_world
    cid = s.create_conversation(w.inboxes["facebook"], "Kim", "card stolen", labels=("fraud",))
    upstream: Upstream = ChatwootUpstream(w.client)
    upstream.assign(f"cw-{cid}", f"cw-team-{w.teams['Fraud']}", f"cw-agent-{w.agents['fay']}")
    s.wait_delivered()  # Chatwoot sends the webhooks after answering, from its job queue
    meta = s.conversation_json(cid)["meta"]
    assert (meta["team"]["id"], meta["assignee"]["id"]) == (w.teams["Fraud"], w.agents["fay"])
    assert [p for m, p in s.requests if m == "POST"] == [
        f"/api/v1/accounts/1/conversations/{cid}/assignments"
    ] * 2
    enquiry = w.ledger.enquiry(f"cw-{cid}")  # Chatwoot's webhooks brought the move back
    assert enquiry is not None and enquiry["agent_id"] == f"cw-agent-{w.agents['fay']}"
    upstream.assign(f"cw-{cid}", f"cw-team-{w.teams['Cards']}", None)  # to a team, nobody in it yet
    s.wait_delivered()
    assert s.conversation_json(cid)["meta"]["assignee"] is None
    assert mismatches(s, w.ledger) == []


def test_chatwoots_refusals_are_sentences(chatwoot_world: World) -> None:
    s, w = chatwoot_world.standin, chatwoot_world
    cid = s.create_conversation(w.inboxes["x"], "Jo", "hi", kind="tweet")
    upstream = ChatwootUpstream(w.client)
    team = f"cw-team-{w.teams['Cards']}"
    s.refuse_assignments = "Agent is not a member of this inbox"
    with pytest.raises(
        UpstreamRefused, match="Chatwoot refused the move: Agent is not a member of this inbox"
    ):
        upstream.assign(f"cw-{cid}", team, f"cw-agent-{w.agents['ben']}")
    s.refuse_assignments = None
    with pytest.raises(UpstreamRefused, match="no conversation 9999"):
        upstream.assign("cw-9999", team, None)
    with pytest.raises(UpstreamRefused, match="not a Chatwoot team"):
        upstream.assign(f"cw-{cid}", "cw-no-team", None)
    with pytest.raises(UpstreamRefused, match="does not come from Chatwoot"):
        upstream.assign("E-1", team, None)
    s.faults.server_error = 100
    with pytest.raises(UpstreamUnavailable, match="did not answer"):
        upstream.assign(f"cw-{cid}", team, None)
    assert s.conversation_json(cid)["meta"]["team"] is None  # nothing was made


def test_a_move_made_in_chatwoot_reaches_the_ledger_even_when_its_webhook_is_lost(
    chatwoot_world: World,
) -> None:
    s, w = chatwoot_world.standin, chatwoot_world
    cid = s.create_conversation(w.inboxes["whatsapp"], "Sam", "my mortgage")
    s.assign(cid, team_id=w.teams["Cards"], team=True)
    before = w.ledger.enquiry(f"cw-{cid}")
    assert before is not None and before["team_id"] == f"cw-team-{w.teams['Cards']}"
    s.faults.lost = 1.0
    s.assign(cid, assignee_id=w.agents["ben"], agent=True)
    assert w.ledger.enquiry(f"cw-{cid}")["agent_id"] is None  # type: ignore[index]
    w.connector.reconcile()
    after = w.ledger.enquiry(f"cw-{cid}")
    assert after is not None and after["agent_id"] == f"cw-agent-{w.agents['ben']}"
    assert after["version"] == before["version"] + 1


@pytest.mark.expected_log(r"no valid signature", logger="concierge.gateway.chatwoot")
def test_the_gateway_builds_the_parts_from_its_secrets(
    chatwoot_standin: ChatwootStandin, chatwoot_ledger: InspectableLedger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_TOKEN, raising=False)
    monkeypatch.setattr(keyring, "get_password", lambda service, name: None)
    with pytest.raises(ValueError, match="No Chatwoot API token"):
        client_from_environment(chatwoot_standin.url, 1)
    monkeypatch.setenv(ENV_TOKEN, TOKEN)
    monkeypatch.setenv(ENV_WEBHOOK_SECRET, "secret-of-the-webhook")
    parts = connect(client_from_environment(chatwoot_standin.url, 1), chatwoot_ledger)
    try:
        cid = chatwoot_standin.create_conversation(
            chatwoot_standin.add_inbox("X", "Channel::TwitterProfile"), "Jo", "hi"
        )
        parts.connector.refresh_reference()
        parts.connector.reconcile()
        assert chatwoot_ledger.enquiry(f"cw-{cid}") is not None
        body = json.dumps(
            {**chatwoot_standin.conversation_json(cid), "event": "conversation_updated"}
        ).encode()
        assert parts.endpoint.handle({}, body)[0] == 401  # a secret is set: unsigned webhooks are refused
        other = {**chatwoot_standin.conversation_json(cid), "event": "conversation_updated", "account_id": 2}
        unsigned = WebhookEndpoint(parts.connector)
        assert unsigned.handle({}, json.dumps(other).encode()) == (200, {"outcome": "ignored"})
    finally:
        parts.client.close()


def test_a_supervisors_status_change_reaches_chatwoot_and_comes_back(chatwoot_world: World) -> None:
    s, w = chatwoot_world.standin, chatwoot_world
    upstream: Upstream = ChatwootUpstream(w.client)
    fay = w.agents["fay"]
    role = s.agents[fay].get("role", "agent")
    upstream.set_agent_status(f"cw-agent-{fay}", "busy")
    assert s.agents[fay]["availability_status"] == "busy" and s.agents[fay].get("role", "agent") == role
    assert ("PATCH", f"/api/v1/accounts/1/agents/{fay}") in s.requests
    w.connector.refresh_reference()  # Chatwoot sends no webhook for availability: the next read brings it
    agent = next(a for a in w.ledger.reference("agents") if a["id"] == f"cw-agent-{fay}")
    assert agent["status"] == "busy"
    with pytest.raises(UpstreamRefused, match="no status 'away'"):
        upstream.set_agent_status(f"cw-agent-{fay}", "away")
    with pytest.raises(UpstreamRefused, match="not a Chatwoot agent"):
        upstream.set_agent_status("A-1", "busy")
    with pytest.raises(UpstreamRefused, match="no agent 9999"):
        upstream.set_agent_status("cw-agent-9999", "busy")
    s.faults.server_error = 100
    with pytest.raises(UpstreamUnavailable):
        upstream.set_agent_status(f"cw-agent-{fay}", "offline")
    assert s.agents[fay]["availability_status"] == "busy"  # nothing was made
