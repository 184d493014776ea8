"""`concierge --selftest`: prove an installed bundle works on this PC, with no network and no display.

Offscreen, it starts the embedded reference service, runs the real Session (sign-in, a real sync into a
throw-away encrypted cache, the main window rendered), checks that what arrived matches the service,
renders a PDF with matplotlib (the shift reports need it), loads the keyring, prints one line and exits
0; any failure prints `selftest FAILED: <why>` and exits 1.
"""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from console.platform.env import ENV_NO_CRASH_DIALOG
from console.platform.env import ENV_SELFTEST_TIMEOUT as ENV_TIMEOUT

TIMEOUT_S = 90.0
SQLITE_HEADER = b"SQLite format 3\x00"


class SelftestError(Exception):
    pass


def run(timeout_s: float | None = None, *, open_enquiries: int = 300) -> int:
    """Returns the process exit code; prints one summary line (stdout) or the failure (stderr)."""
    if timeout_s is None:
        try:
            timeout_s = float(os.environ.get(ENV_TIMEOUT) or TIMEOUT_S)
        except ValueError:
            print(f"selftest FAILED: {ENV_TIMEOUT} must be a number of seconds", file=sys.stderr)
            return 2
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before the QApplication exists
    os.environ[ENV_NO_CRASH_DIALOG] = "1"
    started = time.monotonic()
    try:
        summary = _run(timeout_s, open_enquiries)
    except Exception as e:  # every failure is a line and a non-zero exit, never a hang or a traceback only
        print(f"selftest FAILED: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        return 1
    print(f"selftest ok: {summary}; {time.monotonic() - started:.1f} s", flush=True)
    return 0


def _wait(app: Any, until: Callable[[], bool], timeout_s: float, what: str) -> None:
    from PySide6.QtCore import QEventLoop

    end = time.monotonic() + timeout_s
    while not until():
        if time.monotonic() > end:
            raise SelftestError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)  # processEvents returns at once when idle; do not spin a core


def _run(timeout_s: float, open_enquiries: int) -> str:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtWidgets import QApplication

    from console.platform.credentials import SecretStore
    from widgets.app import crash
    from widgets.app.session import Session, SessionConfig

    app = QApplication.instance() or QApplication([sys.argv[0], "-platform", "offscreen"])
    assert isinstance(app, QApplication)
    hooks = crash.install(dialog=False)  # Qt's own messages into the log, not onto the summary's terminal
    secrets = SecretStore("concierge-selftest", None, "memory", None)  # no trace left in a real keyring
    config = SessionConfig(api_url=None, demo=True, headless=True, demo_open=open_enquiries, demo_speed=0)
    session = Session(app, config, secret_store=secrets)
    try:
        session.start()
        _wait(app, session.synced, timeout_s, "the first sync")
        window, ctl, reader = session.window, session.controller, session.reader
        assert window is not None and ctl is not None and reader is not None
        snapshot = session.service.snapshot()
        open_ids = {i for i, r in snapshot.items() if r["status"] not in ("resolved", "closed")}
        _wait(app, lambda: set(ctl.rows) == open_ids, 15, "the open queue to match the service")
        cached = reader.enquiry_count()
        if cached != len(snapshot):
            raise SelftestError(f"the cache holds {cached} enquiries, the service {len(snapshot)}")
        with open(session._cache, "rb") as f:
            if f.read(16) == SQLITE_HEADER:
                raise SelftestError("the cache file is not encrypted")
        app.processEvents()
        image = window.grab().toImage()
        if image.isNull() or image.width() < 200 or image.height() < 200:
            raise SelftestError("the main window did not render")
        colours = {
            image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 23)
        }
        if len(colours) < 8:
            raise SelftestError(f"the main window rendered blank ({len(colours)} colours)")
        rendered = f"{image.width()}x{image.height()}"
        rows = ctl.model.rowCount()
    finally:
        session.stop()
        hooks.uninstall()
    pdf = _pdf_bytes()
    keyring_name = _keyring_name()
    return (
        f"synced {cached} enquiries ({len(open_ids)} open, {rows} in the queue) from the embedded "
        f"reference service into an encrypted cache; main window rendered {rendered} offscreen; "
        f"PDF {pdf} bytes; keyring {keyring_name}; PySide6 {pyside_version}, Python {sys.version.split()[0]}"
    )


def _pdf_bytes() -> int:
    """matplotlib draws the shift reports' PDFs: prove it (and its fonts) is in the bundle."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 1))
    fig.add_subplot().plot([0, 1, 2], [1, 3, 2])
    out = io.BytesIO()
    fig.savefig(out, format="pdf")
    data = out.getvalue()
    if not data.startswith(b"%PDF"):
        raise SelftestError("matplotlib did not produce a PDF")
    return len(data)


def _keyring_name() -> str:
    """The keyring loads (its backends are found through package metadata, easy to lose in a bundle)."""
    import keyring

    from console.platform.credentials import backend_name

    return backend_name(keyring.get_keyring())
