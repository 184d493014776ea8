"""`python -m console gateway --chatwoot-url ...` as a real process: it backfills from the Chatwoot stand-in
at start, takes Chatwoot's webhooks on its own port (/chatwoot/webhook), and a console's move goes to Chatwoot
before it commits. The token comes from the environment and never reaches the gateway's log."""

from __future__ import annotations

import signal
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import requests

from tests.helpers.chatwoot_rest import TOKEN
from tests.helpers.chatwoot_standin import ChatwootStandin
from tests.helpers.chatwoot_world import seed
from tests.helpers.gateway import spawn_gateway, users
from tests.helpers.service import PASSWORD, USER


def test_the_gateway_command_runs_the_chatwoot_connector(
    chatwoot_standin: ChatwootStandin, pg_dsn: str, tmp_path: Path
) -> None:
    s = chatwoot_standin
    inboxes: dict[str, int] = {}
    teams: dict[str, int] = {}
    agents: dict[str, int] = {}
    seed(s, inboxes, teams, agents)
    before = s.create_conversation(inboxes["whatsapp"], "Sam", "card question", labels=("cards",))
    users(pg_dsn)
    log = tmp_path / "gateway.log"
    args = ("--chatwoot-url", s.url, "--chatwoot-account", str(s.account_id), "--reconcile-every", "2")
    proc, url = spawn_gateway(pg_dsn, log, *args, env={"CHATWOOT_API_TOKEN": TOKEN})
    try:
        token = requests.post(
            f"{url}/v1/auth/token", json={"username": USER, "password": PASSWORD}, timeout=10
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        def enquiry(cid: int) -> dict[str, object] | None:
            resp = requests.get(f"{url}/v1/enquiries/cw-{cid}", headers=headers, timeout=10)
            return resp.json() if resp.status_code == 200 else None

        _until(lambda: enquiry(before) is not None, "the backfill at start never brought the conversation")
        s.webhook_url = f"{url}/chatwoot/webhook"  # Chatwoot's account webhook points at the gateway
        after = s.create_conversation(
            inboxes["x"], "Kim", "someone used my card", labels=("fraud",), kind="tweet"
        )
        _until(lambda: enquiry(after) is not None, "the webhook never brought the new conversation")
        held = enquiry(before)
        assert held is not None
        cards, ben = f"cw-team-{teams['Cards']}", f"cw-agent-{agents['ben']}"
        moved = requests.post(
            f"{url}/v1/enquiries/cw-{before}/assignment",
            json={"team_id": cards, "agent_id": ben, "reason": "card question", "actor": "alice"},
            headers={**headers, "If-Match": f'"{held["version"]}"', "Idempotency-Key": str(uuid.uuid4())},
            timeout=30,
        )
        assert moved.status_code == 200, moved.text
        meta = s.conversation_json(before)["meta"]
        assert (meta["team"]["id"], meta["assignee"]["id"]) == (teams["Cards"], agents["ben"])
        s.wait_delivered()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.returncode == 0
    assert TOKEN not in log.read_text(encoding="utf-8")


def _until(condition: Callable[[], bool], message: str, timeout: float = 20) -> None:
    event = threading.Event()
    for _ in range(int(timeout * 10)):
        if condition():
            return
        event.wait(0.1)
    raise AssertionError(message)
