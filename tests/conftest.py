"""Suite-wide isolation: no test touches the real home directory or the user's keyring."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# The reference service's fixtures, the unexpected-log check and the thread rule, for every test
# (tests/helpers); pytester runs a small suite to test the check itself.
pytest_plugins = [
    "tests.helpers.service",
    "tests.helpers.fake_api",
    "tests.helpers.postgres",
    "tests.helpers.gateway",
    "tests.helpers.chatwoot_standin",
    "tests.helpers.chatwoot_world",
    "tests.helpers.logfail",
    "tests.helpers.thread_rule",
    "pytester",
]

# Qt tests run offscreen unless a test asks for a real display (Xvfb) or the minimal platform.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Settings, caches, logs and the keyring's files go to a private folder for this run, never to the
# developer's own (a locked login keyring left there once made every later run fail).
_ISOLATED = Path(tempfile.mkdtemp(prefix="concierge-tests-"))
for _var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_var] = str(_ISOLATED / _var.lower())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_ISOLATED, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def secret_service_daemon() -> Iterator[bool]:
    """A real gnome-keyring Secret Service on the session bus, its login keyring unlocked, started before
    any test so that nothing D-Bus-activates a locked one. False when there is no session bus."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS") or not shutil.which("gnome-keyring-daemon"):
        yield False
        return
    from jeepney import DBus, MatchRule
    from jeepney.io.blocking import open_dbus_connection

    runtime = _ISOLATED / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    rule = MatchRule(type="signal", sender="org.freedesktop.DBus", member="NameOwnerChanged")
    rule.add_arg_condition(0, "org.freedesktop.secrets")
    with open_dbus_connection(bus="SESSION") as conn:
        conn.send_and_get_reply(DBus().AddMatch(rule))
        with conn.filter(rule) as owner_changes:
            daemon = subprocess.Popen(
                ["gnome-keyring-daemon", "--unlock", "--components=secrets", "--foreground"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
            )
            assert daemon.stdin is not None
            daemon.stdin.write(b"test")
            daemon.stdin.close()
            # Wait for the daemon to own the name: an event, not a sleep.
            conn.recv_until_filtered(owner_changes, timeout=15)
    try:
        yield True
    finally:
        daemon.terminate()
        daemon.wait(10)
