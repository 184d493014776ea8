"""Logging: rotating files, and no secret in any line, message, traceback or rotated file."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.platform.env import ENV_LOG_DIR
from console.platform.log_setup import log_dir, redact, register_secret, setup_logging
from tests.helpers.logs import remove_log_setup

TOKEN = "tok_" + secrets.token_urlsafe(24)
KEY_HEX = secrets.token_bytes(32).hex()
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzdXBlcnZpc29yIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


@pytest.fixture
def logs(tmp_path: Path) -> Iterator[Path]:
    root = logging.getLogger()
    level = root.level
    path = setup_logging(tmp_path / "logs", stderr=False, max_bytes=4000, backups=2)
    assert path is not None
    yield path
    remove_log_setup()
    root.setLevel(level)


@pytest.mark.parametrize(
    "text",
    [
        f"GET /v1/teams headers={{'Authorization': 'Bearer {TOKEN}'}}",
        f"Authorization: Bearer {TOKEN}",
        f'body {{"username": "sam", "password": "{TOKEN}"}}',
        f"refresh_token={TOKEN}&grant=x",
        f"file:///c.db?cipher=chacha20&hexkey={KEY_HEX}",
        f"cache key {KEY_HEX}",
        f"proxy http://sam:{TOKEN}@proxy.bank.example:3128",
        f"token {JWT} expired",
        f"{{'access_token': '{TOKEN}', 'token_type': 'Bearer'}}",
        f"api_key: {TOKEN}",
    ],
)
def test_redact_masks_each_kind_of_secret(text: str) -> None:
    out = redact(text)
    assert TOKEN not in out and KEY_HEX not in out and JWT not in out
    assert "[redacted]" in out


def test_ordinary_text_is_left_alone() -> None:
    text = "synced 2000 enquiries from http://127.0.0.1:8765 in 1.2 s; enq-0001332 moved to cards"
    assert redact(text) == text


def test_a_registered_secret_is_masked_whatever_surrounds_it() -> None:
    odd = "x9" + secrets.token_hex(6)
    register_secret(odd)
    assert odd not in redact(f"weird<{odd}>text")


@pytest.mark.expected_log(r"^request headers ", logger="concierge.test")
@pytest.mark.expected_log(r"^opening the cache failed$", logger="concierge.test", level="ERROR")
def test_log_file_holds_no_secret_from_message_args_or_traceback(logs: Path) -> None:
    log = logging.getLogger("concierge.test")
    log.info("signed in with %s", {"access_token": TOKEN, "refresh_token": TOKEN})
    log.warning("request headers %r", {"Authorization": f"Bearer {TOKEN}"})
    try:
        raise RuntimeError(f"could not open file:///cache.db?hexkey={KEY_HEX}")
    except RuntimeError:
        log.exception("opening the cache failed")
    for h in logging.getLogger().handlers:
        h.flush()
    text = logs.read_text(encoding="utf-8")
    assert "signed in with" in text and "opening the cache failed" in text and "RuntimeError" in text
    assert TOKEN not in text and KEY_HEX not in text
    assert text.count("[redacted]") >= 4


@pytest.mark.expected_log(r"^login failed for ", logger="concierge.test", level="ERROR")
def test_env_secrets_are_registered_at_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    password = "Pw-" + secrets.token_hex(8)
    monkeypatch.setenv("CONCIERGE_PASSWORD", password)
    path = setup_logging(tmp_path, stderr=False)
    assert path is not None
    logging.getLogger("concierge.test").error("login failed for sam using %s", password)
    for h in logging.getLogger().handlers:
        h.flush()
    assert password not in path.read_text(encoding="utf-8")
    remove_log_setup()


def test_files_rotate_and_rotated_files_are_redacted_too(logs: Path) -> None:
    log = logging.getLogger("concierge.test")
    for i in range(200):
        log.info("line %d with password=%s", i, TOKEN)
    files = sorted(logs.parent.glob("concierge.log*"))
    assert len(files) == 3  # the live file and two backups: old ones are dropped
    for f in files:
        assert f.stat().st_size <= 4000 + 200
        assert TOKEN not in f.read_text(encoding="utf-8")


def test_setup_twice_does_not_double_lines(logs: Path) -> None:
    again = setup_logging(logs.parent, stderr=False)
    assert again == logs
    logging.getLogger("concierge.test").info("once")
    for h in logging.getLogger().handlers:
        h.flush()
    assert logs.read_text(encoding="utf-8").count("once") == 1


@pytest.mark.expected_log(r"^no log file ", logger="concierge.logging")
@pytest.mark.expected_log(r"^still heard", logger="concierge.test")
def test_an_unusable_log_dir_falls_back_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert setup_logging(blocker / "logs", stderr=False) is None
    logging.getLogger("concierge.test").warning("still heard, token=%s", TOKEN)
    err = capsys.readouterr().err
    assert "no log file" in err and "still heard" in err and TOKEN not in err
    remove_log_setup()


def test_platform_log_dirs() -> None:
    assert log_dir("linux", {"HOME": "/home/sam"}) == Path("/home/sam/.local/state/concierge/logs")
    assert log_dir("linux", {"HOME": "/h", "XDG_STATE_HOME": "/s"}) == Path("/s/concierge/logs")
    assert log_dir("win32", {"LOCALAPPDATA": r"C:\L"}) == Path(r"C:\L") / "Concierge" / "Logs"
    assert log_dir("darwin", {"HOME": "/Users/sam"}) == Path("/Users/sam/Library/Logs/Concierge")
    assert log_dir("linux", {ENV_LOG_DIR: "/x"}) == Path("/x")
