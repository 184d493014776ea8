"""The entry point as a user (or a headless check) runs it: a real process, the embedded service."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from widgets.app.launch import parse_args

ROOT = Path(__file__).resolve().parents[2]


def test_demo_screenshot_exits_0_and_writes_a_png(tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"))
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--demo", "--open", "300", "--screenshot", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000  # a real window, not an empty image
    # Headless runs leave no settings behind, and nothing secret was printed.
    assert not (tmp_path / "config" / "concierge" / "settings.json").exists()
    assert "demo-supervisor" not in result.stderr + result.stdout


def test_bad_scale_is_refused_with_a_message(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--scale", "9"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 2
    assert "--scale must be between" in result.stderr


def test_arguments() -> None:
    args = parse_args(["--api", "https://api.bank.example", "--theme", "dark", "--scale", "1.5"])
    assert (args.api, args.theme, args.scale, args.demo) == ("https://api.bank.example", "dark", 1.5, False)
    with pytest.raises(SystemExit):
        parse_args(["--theme", "neon"])


def test_a_bad_api_address_is_a_sentence_not_a_traceback(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    env["CONCIERGE_CACHE_KEY"] = "ab" * 32
    shot = str(tmp_path / "x.png")
    args = ["--api", "http://bank.example", "--cache", str(tmp_path / "c.db"), "--screenshot", shot]
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Concierge could not start:") and "http" in last
    assert not (tmp_path / "x.png").exists()
