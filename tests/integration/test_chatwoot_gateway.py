"""Chatwoot through the gateway end to end, on a real PostgreSQL: a reassignment from the console's API
client goes through the gateway to the Chatwoot stand-in (its refusal and its outage come back as the
console expects, and nothing changes anywhere); a move made in Chatwoot reaches the console through the
gateway; a message sent in Chatwoot reaches the gateway's message feed once."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from console.api.errors import PolicyError, ServerError
from console.gateway.chatwoot.client import ChatwootClient, ClientSettings
from console.gateway.chatwoot.upstream import ChatwootUpstream
from console.gateway.chatwoot.webhooks import WebhookServer
from console.gateway.chatwoot.wiring import ChatwootParts, connect
from console.gateway.db.ledger import GATEWAY_FACTS
from tests.helpers.chatwoot_rest import TOKEN
from tests.helpers.chatwoot_standin import ChatwootStandin
from tests.helpers.chatwoot_world import FAST, normal, normal_messages, seed, truth
from tests.helpers.gateway import auth_headers, new_client, users

Ids = dict[str, dict[str, int]]


@pytest.fixture
def on_gateway(
    chatwoot_standin: ChatwootStandin, gateways: Callable[..., Any], pg_dsn: str
) -> Iterator[tuple[Any, ChatwootParts, Ids]]:
    client = ChatwootClient(
        ClientSettings(chatwoot_standin.url, chatwoot_standin.account_id, policy=FAST),
        TOKEN,
        sleep=lambda s: None,
    )
    gw = gateways(upstream=ChatwootUpstream(client))  # the Upstream first: the gateway is made with it
    users(pg_dsn)
    parts = connect(client, gw.ledger)  # then the connector, on the gateway's own Ledger
    server = WebhookServer(parts.endpoint).start()
    chatwoot_standin.webhook_url = server.url
    ids: Ids = {"inboxes": {}, "teams": {}, "agents": {}}
    seed(chatwoot_standin, ids["inboxes"], ids["teams"], ids["agents"])
    parts.connector.refresh_reference()
    yield gw, parts, ids
    chatwoot_standin.wait_delivered()
    server.stop()
    client.close()


def test_a_console_move_goes_to_chatwoot_and_a_chatwoot_move_reaches_the_console(
    chatwoot_standin: ChatwootStandin, on_gateway: tuple[Any, ChatwootParts, Ids]
) -> None:
    gw, _, ids = on_gateway
    s = chatwoot_standin
    cid = s.create_conversation(
        ids["inboxes"]["x"], "Kim", "someone used my card", labels=("fraud",), kind="tweet"
    )
    api = new_client(gw)
    page = api.changes("")
    assert [c["enquiry"]["id"] for c in page.items] == [f"cw-{cid}"]
    fraud, fay = f"cw-team-{ids['teams']['Fraud']}", f"cw-agent-{ids['agents']['fay']}"
    done = api.assign(
        f"cw-{cid}",
        team_id=fraud,
        agent_id=fay,
        reason="fraud",
        actor="supervisor",
        version=page.items[0]["enquiry"]["version"],
        idempotency_key=str(uuid.uuid4()),
    )
    assert (done["enquiry"]["team_id"], done["enquiry"]["agent_id"]) == (fraud, fay)
    meta = s.conversation_json(cid)["meta"]
    assert (meta["team"]["id"], meta["assignee"]["id"]) == (ids["teams"]["Fraud"], ids["agents"]["fay"])
    s.assign(cid, assignee_id=None, agent=True)  # moved back in Chatwoot's own UI
    now = api.enquiry(f"cw-{cid}")
    assert (now["team_id"], now["agent_id"]) == (fraud, None)
    s.wait_delivered()
    # What Chatwoot holds, the console sees; and what only the gateway knows (the hand-off clock the
    # console's move started) stays with the enquiry, though Chatwoot has no such field.
    held = normal(api.enquiry(f"cw-{cid}"))
    assert held["handoff_requested_at"] is not None
    assert held == {**normal(truth(s, cid)[0]), **{k: held[k] for k in GATEWAY_FACTS}}


def test_chatwoots_refusal_and_outage_come_back_as_the_console_expects(
    chatwoot_standin: ChatwootStandin, on_gateway: tuple[Any, ChatwootParts, Ids]
) -> None:
    gw, _, ids = on_gateway
    s = chatwoot_standin
    cid = s.create_conversation(ids["inboxes"]["whatsapp"], "Sam", "card question", labels=("cards",))
    api = new_client(gw, max_retries=0)
    version = api.enquiry(f"cw-{cid}")["version"]
    move = {"team_id": f"cw-team-{ids['teams']['Cards']}", "agent_id": f"cw-agent-{ids['agents']['ben']}"}
    s.refuse_assignments = "Agent is not a member of this inbox"
    with pytest.raises(PolicyError, match="Agent is not a member of this inbox"):
        api.assign(f"cw-{cid}", **move, reason="", actor="supervisor", version=version, idempotency_key="k1")
    s.refuse_assignments = None
    s.faults.server_error = 100
    with pytest.raises(ServerError):
        api.assign(f"cw-{cid}", **move, reason="", actor="supervisor", version=version, idempotency_key="k2")
    s.faults.server_error = 0
    assert api.enquiry(f"cw-{cid}")["team_id"] is None  # nothing changed anywhere
    assert s.conversation_json(cid)["meta"]["team"] is None


def test_a_message_sent_in_chatwoot_reaches_the_message_feed_once(
    chatwoot_standin: ChatwootStandin, on_gateway: tuple[Any, ChatwootParts, Ids]
) -> None:
    gw, _, ids = on_gateway
    s = chatwoot_standin
    cid = s.create_conversation(ids["inboxes"]["x"], "Jo", "my card was swallowed", kind="tweet")
    s.add_message(cid, "outgoing", "Sorry! Please DM us", agent_id=ids["agents"]["ana"])
    s.wait_delivered()
    headers = auth_headers(gw)

    def feed(cursor: str) -> tuple[list[dict[str, Any]], str]:
        page = requests.get(
            f"{gw.url}/v1/messages", params={"cursor": cursor}, headers=headers, timeout=10
        ).json()
        assert not page["has_more"]
        return page["items"], page["next_cursor"]

    items, cursor = feed("")
    assert items == normal_messages(truth(s, cid)[1]) and len(items) == 2
    s.add_message(cid, "incoming", "done, thanks")  # its webhook replaces the conversation whole
    s.set_labels(cid, "cards")  # and this one sends the same conversation again
    s.wait_delivered()
    items, _ = feed(cursor)
    assert [(m["enquiry_id"], m["direction"], m["text"]) for m in items] == [
        (f"cw-{cid}", "in", "done, thanks")
    ]
