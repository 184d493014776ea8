"""The API client waits between the attempts of one request as the one back-off policy says
(console.api.retry, also the sync loop's): doubling from ApiSettings.backoff_s, jittered, capped, and a
server's Retry-After honoured up to the policy's cap."""

from __future__ import annotations

import threading

import pytest

from console.api import client as client_module
from console.api.client import ApiClient, ApiSettings
from console.api.retry import CAP_S, OFFLINE_AFTER_S, RETRY_AFTER_CAP_S, BackoffPolicy
from tests.helpers.fake_api import Script

pytestmark = pytest.mark.expected_log(r"^retrying in ", logger="concierge.api")
OK_TEAMS: tuple[int, dict[str, str], dict[str, list[object]]] = (200, {}, {"items": []})


class Waits(threading.Event):
    """Stands in for the client's 'closed' event: records each back-off wait and returns at once."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        assert timeout is not None
        self.waits.append(timeout)
        return False


def test_the_client_backs_off_by_the_one_policy(
    fake: tuple[Script, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    script, base = fake
    monkeypatch.setattr(client_module, "jitter", lambda: 1.5)
    script.on("/v1/teams", *[(503, {}, {"status": 503})] * 4, OK_TEAMS)
    with ApiClient(ApiSettings(base, max_retries=4, backoff_s=2.0)) as api:
        api.use_access_token("t")
        waits = api._closed = Waits()
        assert api.reference("teams") == []
    policy = BackoffPolicy(2.0, CAP_S, OFFLINE_AFTER_S)
    assert waits.waits == [policy.delay(n, jitter=1.5) for n in range(4)] == [3.0, 6.0, 12.0, 22.5]


def test_retry_after_is_honoured_up_to_the_policy_cap(
    fake: tuple[Script, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    script, base = fake
    monkeypatch.setattr(client_module, "jitter", lambda: 1.0)
    script.on("/v1/teams", (429, {"Retry-After": "7"}, {}), (503, {"Retry-After": "3600"}, {}), OK_TEAMS)
    with ApiClient(ApiSettings(base, backoff_s=0.01)) as api:
        api.use_access_token("t")
        waits = api._closed = Waits()
        assert api.reference("teams") == []
    assert waits.waits == [7.0, RETRY_AFTER_CAP_S]
