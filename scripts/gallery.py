"""The screenshot gallery (docs/screenshots/): every screen of the console on the embedded demo, at
1366x768 and 1920x1080, light, dark and high contrast, text at 100% and 200%, and the same during an empty
cache's first fill; the wallboard at 1080p and 4K; one grayscale shot of the queue. Offscreen, so it runs
on a build machine with no display.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/gallery.py [OUT_DIR] [--quick]
(--quick: light theme only, for a look while working.) Screens are opened the way a supervisor opens
them (the window's own menu signals), so the gallery also shows what a real start looks like.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")  # the offscreen platform's "does not support"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

from console.platform.credentials import SecretStore
from widgets.app.session import Session, SessionConfig

SIZES = ((1366, 768), (1920, 1080))
THEMES = ("light", "dark", "high_contrast")
SCALES = (1.0, 2.0)
WALLBOARD_SIZES = ((1920, 1080, "1080p"), (3840, 2160, "4k"))
FILL_OPEN = 30_000  # the first-fill screens' demo: its fill takes seconds, so it can be seen under way
MEMORY = SecretStore("gallery", None, "memory", None)  # a demo needs no keyring, and leaves nothing there


def wait_until(predicate: Callable[[], bool], timeout_s: float = 60.0) -> bool:
    """Run the event loop until predicate() holds (checked every 50 ms) or the time runs out."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        loop = QEventLoop()
        QTimer.singleShot(50, loop.quit)
        loop.exec()
    return predicate()


def settle(ms: int = 600) -> None:
    """Let layouts, countdown ticks and background answers paint."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def save(widget: QWidget, path: Path, grayscale: bool = False) -> None:
    image = widget.grab().toImage()
    if grayscale:
        image = image.convertToFormat(QImage.Format.Format_Grayscale8)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(path), quality=0):  # PNG from the name; 0: the smallest file
        raise OSError(f"could not write {path}")
    print(f"  {path.name}")


def new_windows(app: QApplication, before: set[QWidget]) -> list[QWidget]:
    return [w for w in app.topLevelWidgets() if w.isVisible() and w not in before]


def open_and_save(app: QApplication, open_: Callable[[], None], path: Path, size: tuple[int, int]) -> None:
    """Open a screen (a window or a dialog, modal or not), save it at the given size, close it."""
    before = {w for w in app.topLevelWidgets() if w.isVisible()}
    shot: list[QWidget] = []

    def take() -> None:
        opened = new_windows(app, before) or [w for w in [app.activeModalWidget()] if w is not None]
        for w in opened[:1]:
            if w.isWindow() and not w.isFullScreen():
                w.resize(min(w.width(), size[0]), min(w.height(), size[1]))
            settle()
            save(w, path)
            shot.append(w)
        for w in opened:
            w.close()

    QTimer.singleShot(1500, take)  # a modal dialog's exec() returns only once take() closed it
    open_()
    wait_until(lambda: bool(shot), 20)
    if not shot:
        print(f"  (nothing opened for {path.name})")


def main_window_screens(
    app: QApplication, out: Path, theme: str, size: tuple[int, int], scale: float
) -> None:
    config = SessionConfig(
        api_url=None, demo=True, demo_open=2000, demo_speed=1.0, theme=theme, font_scale=scale
    )
    session = Session(app, config, secret_store=MEMORY)
    session.start()
    try:
        window, controller = session.window, session.controller
        assert window is not None and controller is not None
        window.resize(*size)
        window.show()
        if not wait_until(
            lambda: session.synced() and window.nav_model.count("all") == controller.model.total_count()
        ):
            raise RuntimeError("the demo did not sync in time")
        session.select_first()
        settle(1200)
        tag = f"{theme}-{size[0]}x{size[1]}-{round(scale * 100)}"
        save(window, out / f"main-{tag}.png")
        if theme == "light" and scale == 1.0 and size == (1920, 1080):
            save(window, out / "main-grayscale-1920x1080-100.png", grayscale=True)
        window.show_board(True)  # the team board unfolded below the queue
        settle(1200)
        save(window, out / f"board-{tag}.png")
        window.show_board(False)
        for name, signal in (
            ("charts", window.chartsRequested),
            ("staffing", window.staffingRequested),
            ("reports", window.reportsRequested),
            ("reassign", window.reassignRequested),
            ("signin", window.signInRequested),
        ):
            open_and_save(app, signal.emit, out / f"{name}-{tag}.png", size)
    finally:
        session.stop()


def first_fill_screens(app: QApplication, out: Path, theme: str, size: tuple[int, int], scale: float) -> None:
    """An empty cache's first fill (enough enquiries to see it under way), team board open: what says
    "still arriving" instead of 0; then a search typed before the search text is built, waiting for it."""
    config = SessionConfig(
        api_url=None, demo=True, demo_open=FILL_OPEN, demo_speed=1.0, theme=theme, font_scale=scale
    )
    session = Session(app, config, secret_store=MEMORY)
    session.start()
    tag = f"{theme}-{size[0]}x{size[1]}-{round(scale * 100)}"
    try:
        window, controller = session.window, session.controller
        assert window is not None and controller is not None
        window.resize(*size)
        window.show()
        window.show_board(True)
        status = window.statusBar()
        if not wait_until(lambda: status.currentMessage().startswith("Receiving")):
            raise RuntimeError("the demo's first fill was not seen")
        settle(400)
        save(window, out / f"fill-{tag}.png")
        if not wait_until(lambda: session.synced() and controller.model.total_count() > FILL_OPEN // 2):
            raise RuntimeError("the demo did not sync in time")
        window.show_board(False)
        window.filter_edit.setText("card")
        if status.currentMessage().startswith("Searching once"):
            settle(150)
            save(window, out / f"search-waiting-{tag}.png")
        else:
            print(f"  the search did not wait ({tag}): no search-waiting shot")
    finally:
        session.stop()


def wallboard_screens(app: QApplication, out: Path, theme: str) -> None:
    config = SessionConfig(api_url=None, demo=True, demo_open=2000, demo_speed=1.0, theme=theme)
    session = Session(app, config, secret_store=MEMORY)
    session.start()
    try:
        window = session.window
        assert window is not None
        wait_until(session.synced)
        before = {w for w in app.topLevelWidgets() if w.isVisible()}
        window.wallboardRequested.emit()
        wait_until(lambda: bool(new_windows(app, before)), 20)
        for board in new_windows(app, before)[:1]:
            for width, height, label in WALLBOARD_SIZES:
                board.showNormal()
                board.resize(width, height)
                settle(2500)  # its figures come from the feed a moment after it opens
                save(board, out / f"wallboard-{theme}-{label}.png")
                if label == "1080p" and theme == "dark":
                    save(board, out / "wallboard-grayscale-1080p.png", grayscale=True)
            board.close()
    finally:
        session.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--quick", action="store_true", help="light theme only")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setOrganizationName("Concierge")
    app.setApplicationName("Concierge gallery")
    themes = ("light",) if args.quick else THEMES
    for theme in themes:
        for size in SIZES:
            for scale in SCALES:
                print(f"{theme} {size[0]}x{size[1]} text {round(scale * 100)}%")
                main_window_screens(app, args.out, theme, size, scale)
                first_fill_screens(app, args.out, theme, size, scale)
        wallboard_screens(app, args.out, theme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
