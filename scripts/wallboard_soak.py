"""Wallboard soak: a simulated 24 hours of wallboard against the reference service at high speed.

The reference service runs in one child process (`python -m console serve-demo --speed 600`: 24 simulated
hours take 2.4 minutes), the wallboard in another (the real WallboardSession: sync worker, LiveFeed,
tiles, page rotation, rendered every few seconds under offscreen Qt, a viewer account). This process
samples the wallboard's RSS and reads its heartbeat and error lines, then checks:

- RSS growth at most 10% (baseline after the first full figures and a warm-up),
- no unhandled exception (sys.excepthook / threading.excepthook in the wallboard process),
- the board kept computing figures and rotating pages up to the end, and the service's clock did cover
  the simulated day.

    .venv/bin/python scripts/wallboard_soak.py [--hours 24] [--speed 600] [--open 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the wallboard process ------------------------------------------------------------------------------


def child(url: str, cache: str, beat_s: float) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import traceback

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from console.platform.credentials import SecretStore
    from widgets.app.session import SessionConfig
    from widgets.wallboard.session import WallboardSession

    errors = {"n": 0}

    def hook(kind: str, text: str) -> None:
        errors["n"] += 1
        print("UNHANDLED " + json.dumps({"kind": kind, "text": text[-2000:]}), flush=True)

    sys.excepthook = lambda t, v, tb: hook("main", "".join(traceback.format_exception(t, v, tb)))
    threading.excepthook = lambda a: hook(
        "thread", "".join(traceback.format_exception(a.exc_type, a.exc_value, a.exc_traceback))
    )
    app = QApplication([])
    os.environ["CONCIERGE_PASSWORD"] = "demo-viewer"  # noqa: S105 - the reference service's demo viewer
    os.environ.setdefault("CONCIERGE_CACHE_KEY", os.urandom(32).hex())
    config = SessionConfig(api_url=url, demo=False, cache_path=Path(cache), username="wallboard")
    session = WallboardSession(
        app, config, secret_store=SecretStore("soak", None, "memory", None), full_screen=False
    )
    session.start()
    views = session.views
    assert views is not None and views.wallboard is not None
    board = views.wallboard
    board.resize(1920, 1080)
    board.rotate.setInterval(2000)
    rotations = {"n": 0}
    board.rotate.timeout.connect(lambda: rotations.__setitem__("n", rotations["n"] + 1))

    def beat() -> None:
        board.grab()  # render the whole board, as a screen would
        feed = views.feed
        latest = feed.latest if feed is not None else None
        print(
            "BEAT "
            + json.dumps(
                {
                    "computed": feed.computed if feed is not None else 0,
                    "open": latest.open if latest else 0,
                    "at": latest.at if latest else 0,
                    "rotations": rotations["n"],
                    "alerts": len(board.alerts),
                    "status": board.status.text()[:120],
                    "errors": errors["n"],
                }
            ),
            flush=True,
        )

    timer = QTimer()
    timer.setInterval(int(beat_s * 1000))
    timer.timeout.connect(beat)
    timer.start()
    code = app.exec()
    session.stop()
    return code


# --- the driver -----------------------------------------------------------------------------------------


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hours", type=float, default=24.0, help="simulated hours (default 24)")
    p.add_argument("--speed", type=float, default=600.0, help="simulated seconds per real second")
    p.add_argument("--open", type=int, default=2000, help="open enquiries at the start")
    p.add_argument("--warmup", type=float, default=20.0, help="real seconds before the RSS baseline")
    p.add_argument("--child", nargs=2, metavar=("URL", "CACHE"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        return child(args.child[0], args.child[1], 2.0)

    import requests

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    service = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "console",
            "serve-demo",
            "--port",
            str(port),
            "--speed",
            str(args.speed),
            "--open",
            str(args.open),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    tmp = Path(tempfile.mkdtemp(prefix="wallboard-soak-"))
    board: subprocess.Popen[str] | None = None
    try:
        for _ in range(200):
            try:
                sim_start = _server_time(url)
                break
            except requests.RequestException:
                time.sleep(0.1)
        else:
            print("the reference service did not start", file=sys.stderr)
            return 1
        board = subprocess.Popen(  # noqa: S603 - this script, as the wallboard child
            [sys.executable, str(Path(__file__).resolve()), "--child", url, str(tmp / "wall.db")],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        beats: list[dict[str, object]] = []
        unhandled: list[str] = []
        stderr_lines: list[str] = []

        def read_out() -> None:
            assert board is not None and board.stdout is not None
            for line in board.stdout:
                if line.startswith("BEAT "):
                    beats.append(json.loads(line[5:]))
                elif line.startswith("UNHANDLED "):
                    unhandled.append(line[10:].strip())

        def read_err() -> None:
            assert board is not None and board.stderr is not None
            for line in board.stderr:
                stderr_lines.append(line.rstrip())
                del stderr_lines[:-200]  # the tail is enough

        threading.Thread(target=read_out, daemon=True).start()
        threading.Thread(target=read_err, daemon=True).start()

        real_s = args.hours * 3600 / args.speed
        started = time.monotonic()
        samples: list[tuple[float, float]] = []
        baseline: float | None = None
        while time.monotonic() - started < real_s:
            time.sleep(2.0)
            if board.poll() is not None:
                print("the wallboard process exited early:", board.returncode, file=sys.stderr)
                print("\n".join(stderr_lines[-30:]), file=sys.stderr)
                return 1
            t = time.monotonic() - started
            samples.append((t, rss_mb(board.pid)))
            computed = int(str(beats[-1]["computed"])) if beats else 0
            if baseline is None and t >= args.warmup and computed >= 2:
                baseline = samples[-1][1]
        sim_end = _server_time(url)
        end_rss = statistics_tail(samples)
        peak = max(r for _, r in samples)
        last = beats[-1] if beats else {}
        growth = (end_rss - baseline) / baseline * 100 if baseline else float("nan")
        covered_h = (sim_end - sim_start) / 3600
        tracebacks = sum(1 for line in stderr_lines if line.startswith("Traceback"))
        print(f"simulated {covered_h:.1f} h of service time in {time.monotonic() - started:.0f} s real")
        print(
            f"wallboard RSS: baseline {baseline or 0:.1f} MB (after {args.warmup:.0f} s), "
            f"end {end_rss:.1f} MB, "
            f"peak {peak:.1f} MB, growth {growth:+.1f}% (bar: at most +10%)"
        )
        print(
            f"figures computed {last.get('computed')}, page rotations {last.get('rotations')}, "
            f"alerts kept {last.get('alerts')} (ring of 20), last status: {last.get('status')}"
        )
        print(f"unhandled exceptions: {len(unhandled)}; tracebacks on stderr: {tracebacks}")
        for u in unhandled[:3]:
            print("  ", u[:500])
        rss_line = " ".join(f"{t:.0f}s:{r:.0f}" for t, r in samples[:: max(1, len(samples) // 12)])
        print(f"RSS samples (MB): {rss_line}")
        ok = (
            bool(baseline)
            and growth <= 10.0
            and not unhandled
            and tracebacks == 0
            and covered_h >= args.hours * 0.95
        )
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        if board is not None and board.poll() is None:
            board.terminate()
            try:
                board.wait(20)
            except subprocess.TimeoutExpired:
                board.kill()
        service.terminate()
        try:
            service.wait(10)
        except subprocess.TimeoutExpired:
            service.kill()


def statistics_tail(samples: list[tuple[float, float]]) -> float:
    """The end RSS: the median of the last five samples (one GC pause does not decide it)."""
    tail = sorted(r for _, r in samples[-5:])
    return tail[len(tail) // 2]


def _server_time(url: str) -> float:
    import requests

    from console.domain.wire import ts

    resp = requests.get(f"{url}/v1/time", timeout=5)
    resp.raise_for_status()
    return ts(resp.json()["now"], "now")


if __name__ == "__main__":
    raise SystemExit(main())
