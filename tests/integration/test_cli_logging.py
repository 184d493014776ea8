"""The headless commands log through the console's one logging set-up (console.platform.log_setup): the
same rotating file and the same secret redaction as the GUI, on the terminal too. Real subprocesses."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from console.platform.env import ENV_CACHE_KEY, ENV_LOG_DIR, ENV_PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCIERGE_")}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_STATE_HOME=str(home / "state"),
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def _user_settings(home: Path, doc: dict[str, object]) -> None:
    folder = home / "config" / "concierge"
    folder.mkdir(parents=True)
    (folder / "settings.json").write_text(json.dumps(doc), encoding="utf-8")


def test_cli_logs_are_redacted_on_the_terminal_and_in_the_log_file(tmp_path: Path) -> None:
    # A token pasted into the API address of the settings file: loading the settings warns about the
    # address, quoting it, before the command has parsed its arguments.
    token = "tok_" + secrets.token_urlsafe(24)
    _user_settings(tmp_path, {"api_url": f"https://api.bank.example/v1?access_token={token}"})
    logs = tmp_path / "logs"
    env = _env(
        tmp_path,
        **{ENV_LOG_DIR: str(logs), ENV_CACHE_KEY: secrets.token_hex(32), ENV_PASSWORD: "pw-" + token},
    )
    cache = str(tmp_path / "cache.db")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "console",
            "sync",
            "--api",
            "http://127.0.0.1:9",
            "--once",
            "-v",
            "--cache",
            cache,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 4 and "Cannot reach" in done.stderr  # port 9: nothing listens
    warning = "WARNING concierge.settings"  # the set-up's format, not basicConfig's nor Python's last resort
    assert warning in done.stderr and "must not contain '?' or '#'" in done.stderr
    assert "access_token=[redacted]" in done.stderr and token not in done.stderr
    text = (logs / "concierge.log").read_text(encoding="utf-8")
    assert warning in text and "access_token=[redacted]" in text and token not in text
    assert token not in done.stdout


def test_cli_without_verbose_keeps_info_off_the_terminal(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    env = _env(tmp_path, **{ENV_LOG_DIR: str(logs), ENV_CACHE_KEY: secrets.token_hex(32)})
    done = subprocess.run(
        [sys.executable, "-m", "console", "export", "--cache", str(tmp_path / "missing" / "cache.db")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3 and "Traceback" not in done.stderr
    assert " INFO " not in done.stderr and (logs / "concierge.log").exists()
