"""One back-off policy: exponential with jitter, capped, Retry-After honoured up to a minute, and one
offline threshold for every loop that retries."""

from __future__ import annotations

import pytest

from console.sync import backoff
from console.sync.backoff import Backoff, BackoffPolicy
from console.sync.state import SyncState


def test_delays_double_up_to_the_cap_and_honour_retry_after() -> None:
    policy = BackoffPolicy(base_s=0.5, cap_s=15.0, offline_after_s=30.0)
    assert [policy.delay(n) for n in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0]
    assert policy.delay(1000) == 15.0  # no overflow after a long night offline
    assert policy.delay(0, jitter=1.5) == 0.75
    assert policy.delay(0, retry_after=20.0) == 20.0
    assert policy.delay(0, retry_after=3600.0) == 60.0  # a server's advice, within reason


def test_reconnecting_turns_offline_after_the_threshold_and_success_resets() -> None:
    now = [1000.0]
    b = Backoff(BackoffPolicy(0.5, 15.0, 30.0), clock=lambda: now[0], jitter=lambda: 1.0)
    first = b.failed()
    assert (first.state, first.since, first.delay) == (SyncState.RECONNECTING, 1000.0, 0.5)
    now[0] += 29.0
    assert b.failed().state is SyncState.RECONNECTING
    now[0] += 1.0
    late = b.failed()
    assert (late.state, late.since, late.delay) == (SyncState.OFFLINE, 1000.0, 2.0)
    b.succeeded()
    now[0] += 5.0
    again = b.failed()
    assert (again.state, again.since, again.delay) == (SyncState.RECONNECTING, 1035.0, 0.5)


def test_the_threshold_is_read_when_a_backoff_is_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backoff, "OFFLINE_AFTER_S", 0.0)
    monkeypatch.setattr(backoff, "CAP_S", 1.0)
    b = Backoff(jitter=lambda: 1.0)
    assert b.policy.offline_after_s == 0.0 and b.policy.cap_s == 1.0
    assert b.failed().state is SyncState.OFFLINE


def test_the_state_reads_as_its_word() -> None:
    assert str(SyncState.AUTH_REQUIRED) == "auth_required" and f"{SyncState.LIVE}" == "live"
    assert SyncState("offline") is SyncState.OFFLINE
