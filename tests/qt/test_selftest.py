"""`main.py --selftest`: a real sync and render offscreen, one line, exit 0; a failure is a line and 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from console.platform.env import ENV_SELFTEST_TIMEOUT

ROOT = Path(__file__).resolve().parents[2]


def test_selftest_passes_and_prints_one_summary_line(tmp_path: Path) -> None:
    env = {**os.environ, "CONCIERGE_LOG_DIR": str(tmp_path / "logs"), "HOME": str(tmp_path)}
    env.pop("QT_QPA_PLATFORM", None)  # the selftest goes offscreen by itself
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--selftest"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("selftest ok: synced ")
    assert "encrypted cache" in lines[0] and "rendered" in lines[0] and "PDF" in lines[0]
    log = (tmp_path / "logs" / "concierge.log").read_text(encoding="utf-8")
    assert "signed in to" in log and "demo-supervisor" not in log


def test_a_failure_is_one_line_and_exit_1(tmp_path: Path) -> None:
    # Run as a process: stopping mid-load leaves queued callbacks that only a test's event loop would run.
    env = {**os.environ, "CONCIERGE_LOG_DIR": str(tmp_path), ENV_SELFTEST_TIMEOUT: "0"}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--selftest"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert "selftest FAILED: SelftestError: timed out after 0 s waiting for the first sync" in proc.stderr
