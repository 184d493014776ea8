"""Fixtures for tests against the real reference service on 127.0.0.1.

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

from console.service.auth import USERS
from console.service.server import DemoService


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
