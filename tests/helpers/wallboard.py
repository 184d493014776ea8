"""Shared set-up for the wallboard tests: a wallboard session against the real reference service on
127.0.0.1 with a real encrypted cache file, signed in with the read-only "wallboard" account."""

from __future__ import annotations

import secrets
import socket
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from console.platform.credentials import SecretStore
from widgets.app.session import SessionConfig
from widgets.wallboard.session import WallboardSession


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_wallboard(
    qapp: QApplication, url: str, cache: Path, monkeypatch: pytest.MonkeyPatch, *, rotate_ms: int = 15_000
) -> WallboardSession:
    monkeypatch.setenv("CONCIERGE_CACHE_KEY", secrets.token_bytes(32).hex())
    monkeypatch.setenv("CONCIERGE_PASSWORD", "demo-viewer")  # the viewer account: read only
    monkeypatch.delenv("CONCIERGE_TOKEN", raising=False)
    config = SessionConfig(api_url=url, demo=False, cache_path=cache, username="wallboard")
    store = SecretStore("concierge-test", None, "memory", None)  # no desktop keyring needed
    session = WallboardSession(qapp, config, secret_store=store, full_screen=False)
    session.start()
    assert session.views is not None and session.views.wallboard is not None
    session.views.wallboard.rotate.setInterval(rotate_ms)
    assert session.views.feed is not None
    session.views.feed.timer.setInterval(300)  # figures every 0.3 s instead of every 3 s
    return session
