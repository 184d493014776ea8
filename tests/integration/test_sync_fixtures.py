"""Helpers shared by the test_sync_* modules (no tests here)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from console.api.client import ApiClient, ApiSettings
from console.domain import wire
from console.service.server import DemoService
from console.store.cache import Store, StoreReader

USER, PASSWORD = "supervisor", "demo-supervisor"


def new_client(svc: DemoService, **kw: Any) -> ApiClient:
    api = ApiClient(ApiSettings(svc.url, backoff_s=0.01, **kw))
    api.login(USER, PASSWORD)
    return api


def new_store(tmp_path: Path, name: str = "cache.db", key: bytes | None = None) -> Store:
    return Store(tmp_path / name, key or os.urandom(32))


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
