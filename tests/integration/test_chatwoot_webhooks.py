"""Chatwoot's webhooks into the Ledger through the connector's real HTTP endpoint, sent by the stand-in:
in order, twice, late and out of order, lost; signed and not; malformed."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests

from console.gateway.chatwoot.webhooks import signature
from tests.helpers.chatwoot_rest import TOKEN
from tests.helpers.chatwoot_standin import ChatwootStandin
from tests.helpers.chatwoot_world import World, make_world, mismatches, truth
from tests.helpers.logfail import ExpectLog
from tests.helpers.memory_ledger import InspectableLedger


def held(world: World, cid: int) -> dict[str, Any]:
    found = world.ledger.enquiry(f"cw-{cid}")
    assert found is not None
    return dict(found)


def test_webhooks_alone_keep_the_ledger_equal_to_chatwoot(chatwoot_world: World) -> None:
    s, w = chatwoot_world.standin, chatwoot_world
    cid = s.create_conversation(
        w.inboxes["x"], "Jo", "my card was swallowed", labels=("cards",), kind="tweet"
    )
    s.add_message(cid, "outgoing", "Sorry! Please DM us", agent_id=w.agents["ana"])
    s.add_message(cid, "incoming", "done")
    s.assign(cid, team_id=w.teams["Cards"], team=True)
    s.assign(cid, assignee_id=w.agents["ben"], agent=True)
    s.set_status(cid, "resolved")
    assert mismatches(s, w.ledger) == []
    e = held(w, cid)
    assert (e["team_id"], e["agent_id"], e["status"]) == (
        f"cw-team-{w.teams['Cards']}",
        f"cw-agent-{w.agents['ben']}",
        "resolved",
    )
    assert w.connector.counts["reread"] == 0  # nothing was ambiguous


def test_a_duplicated_webhook_changes_nothing_twice(chatwoot_world: World) -> None:
    s, w = chatwoot_world.standin, chatwoot_world
    s.faults.duplicate = 1.0
    cid = s.create_conversation(w.inboxes["whatsapp"], "Sam", "is my transfer through?")
    first = held(w, cid)["version"]
    s.set_labels(cid, "vulnerable")
    s.add_message(cid, "outgoing", "Checking now", agent_id=w.agents["ana"])
    assert s.duplicated == 3
    assert held(w, cid)["version"] == first + 2  # three real changes, six deliveries
    assert w.connector.counts["stale"] == 3
    assert mismatches(s, w.ledger) == []


def test_a_late_webhook_never_overwrites_a_newer_state(chatwoot_world: World) -> None:
    s, w = chatwoot_world.standin, chatwoot_world
    cid = s.create_conversation(w.inboxes["facebook"], "Kim", "someone used my card")
    s.faults.late, s.faults.late_by = 1.0, 1000  # hold everything from now on
    s.assign(cid, team_id=w.teams["Cards"], team=True)
    s.assign(cid, team_id=w.teams["Fraud"], team=True)
    s.add_message(cid, "incoming", "hello??")
    assert held(w, cid)["team_id"] is None  # nothing arrived yet
    s.flush_late(newest_first=True)
    assert held(w, cid)["team_id"] == f"cw-team-{w.teams['Fraud']}"
    assert w.connector.counts["stale"] >= 1
    assert mismatches(s, w.ledger) == []


def test_a_webhook_for_a_conversation_never_seen_is_read_back_over_rest(chatwoot_world: World) -> None:
    s, w = chatwoot_world.standin, chatwoot_world
    s.faults.lost = 1.0
    cid = s.create_conversation(w.inboxes["web"], "Lee", "loan question")  # its webhook is lost
    s.add_message(cid, "incoming", "anyone?")
    s.faults.lost = 0.0
    s.set_labels(cid, "complex")
    assert w.connector.counts["reread"] == 1
    assert mismatches(s, w.ledger) == []


def test_a_lost_message_is_noticed_by_the_next_conversation_webhook(chatwoot_world: World) -> None:
    s, w = chatwoot_world.standin, chatwoot_world
    cid = s.create_conversation(w.inboxes["x"], "Max", "fees?", kind="tweet")
    s.faults.lost = 1.0
    s.add_message(cid, "outgoing", "We'll DM you", agent_id=w.agents["ana"])
    s.faults.lost = 0.0
    assert held(w, cid)["first_response_at"] is None
    s.set_labels(cid, "vip")  # its body names a latest message the connector never saw: read it back
    assert held(w, cid)["first_response_at"] is not None
    assert mismatches(s, w.ledger) == []


def test_lost_webhooks_converge_after_reconciliation(chatwoot_world: World) -> None:
    s, w = chatwoot_world.standin, chatwoot_world
    cids = [s.create_conversation(w.inboxes["x"], f"c{i}", "help", kind="tweet") for i in range(5)]
    s.faults.lost = 1.0
    for cid in cids:
        s.add_message(cid, "outgoing", "on it", agent_id=w.agents["ana"])
        s.set_status(cid, "snoozed")
    s.delete_conversation(cids[0])
    assert mismatches(s, w.ledger) != []
    report = w.connector.reconcile()
    assert (report.listed, report.deleted) == (4, 1)
    assert mismatches(s, w.ledger) == []
    assert w.ledger.tombstone(f"cw-{cids[0]}") == {
        "id": f"cw-{cids[0]}",
        "reason": "deleted",
        "merged_into": None,
    }


def test_signed_webhooks_are_verified(
    chatwoot_standin: ChatwootStandin, chatwoot_ledger: InspectableLedger, expect_log: ExpectLog
) -> None:
    expect_log(r"no valid signature", logger="concierge.gateway.chatwoot")
    chatwoot_standin.webhook_secret = "a-shared-webhook-secret"
    w = make_world(chatwoot_standin, chatwoot_ledger, secret="a-shared-webhook-secret")
    try:
        cid = chatwoot_standin.create_conversation(w.inboxes["x"], "Jo", "hi", kind="tweet")
        assert held(w, cid)["text"] == "hi"  # signed by the stand-in, accepted
        body = json.dumps(
            {**chatwoot_standin.conversation_json(cid), "event": "conversation_updated"}
        ).encode()
        now = str(int(time.time()))
        forged = {"X-Chatwoot-Timestamp": now, "X-Chatwoot-Signature": signature("guess", now, body)}
        assert requests.post(w.webhooks.url, data=body, headers=forged, timeout=10).status_code == 401
        old = str(int(time.time()) - 3600)  # a replay of a genuine webhook an hour later
        replay = {
            "X-Chatwoot-Timestamp": old,
            "X-Chatwoot-Signature": signature("a-shared-webhook-secret", old, body),
        }
        assert requests.post(w.webhooks.url, data=body, headers=replay, timeout=10).status_code == 401
        assert requests.post(w.webhooks.url, data=body, timeout=10).status_code == 401
        assert w.connector.counts["webhook_unverified"] == 3
    finally:
        w.webhooks.stop()
        w.client.close()


def test_a_malformed_webhook_is_counted_and_refused(chatwoot_world: World, expect_log: ExpectLog) -> None:
    expect_log(r"quarantined", logger="concierge.gateway.chatwoot")
    w = chatwoot_world
    cid = w.standin.create_conversation(w.inboxes["x"], "Jo", "hi", kind="tweet")
    bad = {
        **w.standin.conversation_json(cid),
        "event": "conversation_updated",
        "status": "lost",
        "updated_at": 9e9,
    }
    resp = requests.post(w.webhooks.url, json=bad, timeout=10)
    assert resp.status_code == 422 and "status" in resp.json()["error"]
    assert requests.post(w.webhooks.url, data=b"{not json", timeout=10).status_code == 400
    other = requests.post(w.webhooks.url, json={"event": "contact_created", "id": 1}, timeout=10)
    assert other.status_code == 200 and other.json() == {"outcome": "ignored"}
    assert w.connector.counts["webhook_invalid"] == 2
    assert held(w, cid)["status"] == "new" and truth(w.standin, cid)[0]["status"] == "new"


@pytest.mark.parametrize("seed", [1, 2])
def test_duplicated_reordered_and_lost_webhooks_converge(chatwoot_world: World, seed: int) -> None:
    s, w = chatwoot_world.standin, chatwoot_world
    s.rng.seed(seed)
    s.faults.duplicate, s.faults.late, s.faults.lost, s.faults.late_by = 0.1, 0.1, 0.05, 8
    cids = [
        s.create_conversation(
            w.inboxes["x" if i % 2 else "whatsapp"], f"c{i}", "help", kind="tweet" if i % 2 else None
        )
        for i in range(12)
    ]
    for round_ in range(4):
        for i, cid in enumerate(cids):
            s.add_message(
                cid, "incoming" if (i + round_) % 3 else "outgoing", f"r{round_}", agent_id=w.agents["ana"]
            )
            if (i + round_) % 4 == 0:
                s.assign(cid, team_id=w.teams["Cards" if round_ % 2 else "Fraud"], team=True)
    s.flush_late()
    w.connector.reconcile()
    assert mismatches(s, w.ledger) == []


def test_a_conversation_the_contract_cannot_carry_is_quarantined_and_the_rest_go_on(
    chatwoot_world: World, expect_log: ExpectLog
) -> None:
    expect_log(r"quarantined: .*NUL", logger="concierge.gateway.chatwoot")
    s, w = chatwoot_world.standin, chatwoot_world
    bad = s.create_conversation(w.inboxes["web"], "Eve", "hello\x00there")  # no NUL in a contract string
    good = s.create_conversation(w.inboxes["web"], "Ann", "hello")
    assert w.ledger.enquiry(f"cw-{bad}") is None and w.ledger.enquiry(f"cw-{good}") is not None
    w.connector.reconcile()  # the batch goes on past it
    assert w.connector.counts["quarantined"] == 2
    assert mismatches(s, w.ledger) == [f"cw-{bad}: missing"]


def test_the_stand_in_refuses_a_request_its_description_does_not_allow(chatwoot_world: World) -> None:
    s = chatwoot_world.standin
    headers = {"api_access_token": TOKEN}
    base = f"{s.url}/api/v1/accounts/1"
    assert (
        requests.get(f"{base}/conversations?updated_since=1", headers=headers, timeout=10).status_code == 400
    )
    assert requests.get(f"{base}/conversations?page=0", headers=headers, timeout=10).status_code == 400
    bad_body = requests.post(
        f"{base}/conversations/1/assignments", json={"agent": 1}, headers=headers, timeout=10
    )
    assert bad_body.status_code == 400
    assert requests.get(f"{base}/contacts", headers=headers, timeout=10).status_code == 404
    assert len(s.invalid) == 4
    s.invalid.clear()  # seen: the fixture would otherwise fail the test at teardown
