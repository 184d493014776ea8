"""The real reference service on 127.0.0.1, as a pytest plugin (loaded by tests/conftest.py), and the
helpers that talk to it as a client would.

Fixtures:
- demo_service (session): DemoService(seed=7, open_enquiries=300, speed=0), started. Shared: do not set
  faults on it or leave it changed in ways others would trip over; use fresh_service for that.
- fresh_service (function): a factory, fresh_service(**DemoService kwargs) -> started DemoService
  (defaults seed=7, open_enquiries=50, speed=0); every service it made is stopped after the test.
- bearer (function): bearer(service, user="supervisor") -> {"Authorization": "Bearer ..."} headers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from console.api.client import ApiClient, ApiSettings
from console.domain import wire
from console.service.auth import USERS
from console.service.server import DemoService
from console.store.cache import StoreReader

USER, PASSWORD = "supervisor", "demo-supervisor"


@pytest.fixture(scope="session")
def demo_service() -> Iterator[DemoService]:
    service = DemoService(seed=7, open_enquiries=300, speed=0)
    service.start()
    yield service
    service.stop()


@pytest.fixture
def fresh_service() -> Iterator[Callable[..., DemoService]]:
    started: list[DemoService] = []

    def make(**kwargs: Any) -> DemoService:
        kwargs = {"seed": 7, "open_enquiries": 50, "speed": 0, **kwargs}
        service = DemoService(**kwargs)
        service.start()
        started.append(service)
        return service

    yield make
    for service in started:
        service.stop()


def login(service: DemoService, user: str = "supervisor", scope: str | None = None) -> dict[str, Any]:
    password, scopes = USERS[user]
    body = {"username": user, "password": password, "scope": scope or scopes[0]}
    resp = requests.post(f"{service.url}/v1/auth/token", json=body, timeout=10)
    resp.raise_for_status()
    tokens: dict[str, Any] = resp.json()
    return tokens


@pytest.fixture
def bearer() -> Callable[..., dict[str, str]]:
    def make(service: DemoService, user: str = "supervisor") -> dict[str, str]:
        return {"Authorization": f"Bearer {login(service, user)['access_token']}"}

    return make


def new_client(svc: DemoService, **kw: Any) -> ApiClient:
    """The console's API client, signed in as the supervisor, with a short back-off for tests."""
    api = ApiClient(ApiSettings(svc.url, backoff_s=0.01, **kw))
    api.login(USER, PASSWORD)
    return api


def assert_messages_converged(svc: DemoService, store: StoreReader) -> None:
    """The cache holds every conversation the service holds, message by message, in order."""
    with svc.sim.store.lock:
        expected = {
            i: [wire.message_to_wire(m) for m in svc.sim.messages(e)]
            for i, e in svc.sim.store.enquiries.items()
        }
    differ = [
        i for i, msgs in expected.items() if [wire.message_to_wire(m) for m in store.messages(i)] != msgs
    ]
    assert not differ, f"{len(differ)} conversations differ, e.g. {differ[0]}"


def normalised(raw: dict[str, Any]) -> dict[str, Any]:
    return wire.enquiry_to_wire(wire.enquiry_from_wire(raw))


def assert_converged(svc: DemoService, store: StoreReader) -> None:
    """The cache holds exactly the service's records: same ids, every field equal."""
    expected = {i: normalised(d) for i, d in svc.snapshot().items()}
    mine = {e.id: wire.enquiry_to_wire(e) for e in store.export_rows()}
    missing, extra = expected.keys() - mine.keys(), mine.keys() - expected.keys()
    assert not missing and not extra, f"missing {sorted(missing)[:5]}, extra {sorted(extra)[:5]}"
    differ = [i for i in expected if expected[i] != mine[i]]
    assert not differ, f"{len(differ)} differ, e.g. {differ[0]}: {expected[differ[0]]} != {mine[differ[0]]}"
