"""Start-up from the command line: arguments, settings, the console or the wallboard, and the
headless --screenshot and --selftest modes. The running console itself is widgets.app.session.Session."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from console.platform import settings as settings_file
from console.platform.log_setup import setup_logging
from console.platform.memory import limit_heaps
from console.platform.settings import Settings
from widgets.app import crash
from widgets.app.gc_guard import GarbageCollector
from widgets.app.session import Session, SessionConfig

log = logging.getLogger("concierge.ui.app")
SCREENSHOT_TIMEOUT_MS = 90_000


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="concierge", description="Concierge supervisor console")
    p.add_argument("--demo", action="store_true", help="run the embedded demo service (default with no API)")
    p.add_argument("--api", metavar="URL", help="the Service API base URL (overrides the settings)")
    p.add_argument("--cache", metavar="PATH", help="the encrypted cache file (overrides the settings)")
    p.add_argument("--screenshot", metavar="PATH", help="save a PNG of the window after the first sync, exit")
    p.add_argument("--theme", choices=("light", "dark", "high_contrast"), help="colour theme")
    p.add_argument("--scale", type=float, metavar="F", help="font scale, e.g. 1.5 or 2")
    p.add_argument("--privacy", choices=("full", "partial", "masked"), help="customer data shown (overrides)")
    p.add_argument("--open", type=int, default=2000, metavar="N", help="demo: open enquiries to start with")
    p.add_argument("--selftest", action="store_true", help="offscreen sync and render check; exit 0 if fine")
    p.add_argument("--wallboard", action="store_true", help="run as a full-screen wallboard (a viewer token)")
    p.add_argument("--screen", type=int, metavar="N", help="wallboard: the screen to fill (0 = primary)")
    return p.parse_args(argv)


def config_from(settings: Settings, args: argparse.Namespace) -> SessionConfig:
    return SessionConfig(
        api_url=None if args.demo else (args.api or settings.api_url or None),
        demo=bool(args.demo),
        cache_path=Path(args.cache)
        if args.cache
        else (Path(settings.cache_path) if settings.cache_path else None),
        theme=args.theme or settings.theme,
        font_scale=args.scale or settings.font_scale,
        privacy=args.privacy or settings.privacy,
        thresholds=settings.thresholds(),
        ca_bundle=settings.ca_bundle or None,
        proxy=settings.proxy or None,
        username=settings.username or "",
        demo_open=args.open,
        retention_days=settings.retention_days,
        routing_model=settings.routing_model,
        ping_pong_limit=settings.ping_pong_limit,
        jurisdiction=settings.jurisdiction,
    )


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    """settings: the loaded configuration (default: the user's and the machine's files)."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    setup_logging()  # rotating files, secrets redacted
    if args.selftest:
        from widgets.app.selftest import run as selftest

        return selftest()
    if args.scale is not None and not 0.5 <= args.scale <= 4.0:
        print("--scale must be between 0.5 and 4", file=sys.stderr)
        return 2
    limit_heaps()  # before Qt and the workers start their threads (console.platform.memory)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setOrganizationName("Concierge")
    app.setApplicationName("Concierge")
    crash.install(dialog=not args.screenshot)
    GarbageCollector(app).start()  # cycles are freed on the UI thread only
    settings = settings or settings_file.load()
    refusal = None if args.demo or args.api else settings_file.demo_refusal(settings)
    if refusal is not None:  # a managed install with no service: never the demo in its place
        log.error("%s", refusal)
        print(refusal, file=sys.stderr)
        if not args.screenshot:
            _critical("Concierge is not configured", refusal)
        return 2
    config = config_from(settings, args)
    config.headless = args.screenshot is not None
    if args.wallboard:
        from widgets.wallboard.session import run_wallboard  # no main window, no dialogs

        return run_wallboard(app, config, args.screen)
    session = Session(app, config, settings=settings, qsettings=None if args.screenshot else QSettings())
    try:
        session.start()
    except Exception as e:  # a sentence the user can act on, not a traceback
        log.exception("start-up failed")
        print(f"Concierge could not start: {e}", file=sys.stderr)
        session.stop()
        if not args.screenshot:
            _critical("Concierge could not start", str(e))
        return 1
    if args.screenshot:
        return _screenshot(app, session, Path(args.screenshot))
    code = app.exec()
    session.stop()
    return code


def _critical(title: str, text: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Critical, title, text)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.exec()


def _screenshot(app: QApplication, session: Session, path: Path) -> int:
    """Wait for the first sync, pick the most urgent enquiry so the detail pane shows, save, exit."""
    result = {"code": 1}

    def check() -> None:
        if not session.synced():
            return
        c = session.controller
        # ...and the counts and header figures caught up with the rows (they are computed off the UI
        # thread, a moment after the rows arrive): a picture with "nobody waiting" over a full queue lies.
        if c is not None and c.window.nav_model.count("all") != c.model.total_count():
            return
        poll.stop()
        session.select_first()
        QTimer.singleShot(800, shoot)  # let the pane and a countdown tick paint first

    def shoot() -> None:
        assert session.window is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        ok = session.window.grab().save(str(path), "PNG")
        result["code"] = 0 if ok else 1
        if not ok:
            print(f"could not write {path}", file=sys.stderr)
        app.quit()

    def give_up() -> None:
        print("no sync within the time allowed; no screenshot taken", file=sys.stderr)
        app.quit()

    poll = QTimer()
    poll.setInterval(100)
    poll.timeout.connect(check)
    poll.start()
    QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, give_up)
    app.exec()
    session.stop()
    return result["code"]
