"""Backfill and periodic reconciliation over Chatwoot's REST API (the stand-in): pages, message paging,
429 with Retry-After, 5xx with back-off, an outage, deletions, the periodic thread."""

from __future__ import annotations

import logging

import keyring
import pytest

from console.gateway.chatwoot.client import (
    ENV_TOKEN,
    KEYRING_NAME,
    KEYRING_SERVICE,
    ChatwootClient,
    ChatwootRefused,
    ChatwootUnavailable,
    ClientSettings,
    token_from_environment,
)
from console.platform.log_setup import redact
from tests.helpers.chatwoot_rest import TOKEN
from tests.helpers.chatwoot_world import FAST, World, mismatches
from tests.helpers.logfail import ExpectLog


def test_backfill_reads_every_page_and_every_message(chatwoot_world: World) -> None:
    s, w = chatwoot_world.standin, chatwoot_world
    s.webhook_url = None  # REST alone
    cids = [
        s.create_conversation(w.inboxes["whatsapp"], f"c{i}", f"q{i}") for i in range(60)
    ]  # 3 pages of 25
    for i in range(30):
        s.add_message(
            cids[0], "incoming" if i % 2 else "outgoing", f"m{i}", agent_id=w.agents["ana"]
        )  # 2 pages
    report = w.connector.reconcile()
    assert (report.listed, report.reread, report.deleted) == (60, 60, 0)
    assert len(w.ledger.messages(f"cw-{cids[0]}")) == 31
    assert mismatches(s, w.ledger) == []
    pages = [p for m, p in s.requests if p.endswith("/conversations")]
    assert len(pages) == 3
    again = w.connector.reconcile()
    assert again.reread == 0  # nothing changed since the last REST read: only the list is read
    s.set_status(cids[5], "resolved")
    assert w.connector.reconcile().reread == 1
    assert mismatches(s, w.ledger) == []


def test_429_with_retry_after_and_5xx_are_retried(chatwoot_world: World) -> None:
    s, w = chatwoot_world.standin, chatwoot_world
    s.webhook_url = None
    for i in range(3):
        s.create_conversation(w.inboxes["x"], f"c{i}", "hi", kind="tweet")
    s.faults.rate_limit, s.faults.retry_after = 2, "0.15"
    s.faults.server_error = 2
    w.connector.reconcile()
    assert mismatches(s, w.ledger) == []
    assert w.client.rate_limited == 2 and w.client.retries == 4
    assert sorted(w.waits)[-2:] == [0.15, 0.15]  # the server's Retry-After outweighs the short back-off


def test_an_outage_is_reported_as_unavailable_after_the_retries(chatwoot_world: World) -> None:
    s, w = chatwoot_world.standin, chatwoot_world
    s.faults.server_error = 100
    with pytest.raises(ChatwootUnavailable, match="503"):
        w.connector.reconcile()
    assert len(w.waits) == w.client.settings.attempts - 1
    assert all(0 < wait <= FAST.cap_s * 1.5 for wait in w.waits)  # exponential, jittered, capped


def test_the_periodic_pass_heals_lost_webhooks(chatwoot_world: World, expect_log: ExpectLog) -> None:
    expect_log(r"reconciliation failed", logger="concierge.gateway.chatwoot")
    s, w = chatwoot_world.standin, chatwoot_world
    s.faults.lost = 1.0
    cid = s.create_conversation(w.inboxes["x"], "Jo", "hi", kind="tweet")
    s.assign(cid, assignee_id=w.agents["fay"], agent=True)
    s.faults.server_error = 100  # the first pass fails: the loop must live on
    w.connector.start(interval_s=0.01)
    try:
        assert w.connector.passed.wait(30)
        s.faults.server_error = 0
        w.connector.passed.clear()
        assert w.connector.passed.wait(30)
        w.connector.passed.clear()
        assert w.connector.passed.wait(30)  # a whole pass after the outage ended
    finally:
        w.connector.stop()
    assert mismatches(s, w.ledger) == []
    agents = {a["id"]: a for a in w.ledger.reference("agents")}
    assert agents[f"cw-agent-{w.agents['fay']}"]["load"] == 1


def test_the_api_token_stays_out_of_the_logs(
    chatwoot_world: World, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    s, w = chatwoot_world.standin, chatwoot_world
    s.faults.server_error = 2
    with caplog.at_level(logging.DEBUG, logger="concierge"):
        w.connector.reconcile()
    assert any("retrying" in r.getMessage() for r in caplog.records)
    assert all(TOKEN not in r.getMessage() for r in caplog.records)
    assert TOKEN not in redact(f"headers {{'api_access_token': '{TOKEN}'}} and bare {TOKEN}")
    monkeypatch.setenv(ENV_TOKEN, "token-from-the-environment")
    assert token_from_environment() == "token-from-the-environment"
    assert "token-from-the-environment" not in redact("sent token-from-the-environment")
    stranger = ChatwootClient(ClientSettings(s.url, s.account_id, policy=FAST), "not-the-token")
    with pytest.raises(ChatwootRefused) as refused:
        stranger.conversation(1)
    assert refused.value.status == 401
    stranger.close()


def test_the_api_token_can_live_in_the_keyring(
    secret_service_daemon: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not secret_service_daemon:
        pytest.skip("no Secret Service on this machine (run under dbus-run-session)")
    monkeypatch.delenv(ENV_TOKEN, raising=False)
    # The real Secret Service, chosen explicitly: test modules' own keyring backends (test_credentials'
    # deliberately broken vault) register themselves and would otherwise join the automatic choice.
    before = keyring.get_keyring()
    keyring.set_keyring(keyring.core.load_keyring("keyring.backends.SecretService.Keyring"))
    keyring.set_password(KEYRING_SERVICE, KEYRING_NAME, "token-kept-in-the-keyring")
    try:
        assert token_from_environment() == "token-kept-in-the-keyring"
        assert "token-kept-in-the-keyring" not in redact("Authorization: token-kept-in-the-keyring")
    finally:
        keyring.delete_password(KEYRING_SERVICE, KEYRING_NAME)
        keyring.set_keyring(before)
