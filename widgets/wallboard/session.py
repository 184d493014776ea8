"""`--wallboard [--screen N]`: a console that is only a wallboard, for a screen on a wall.

It reuses the session's pieces (cache, secrets, the sync worker with its reconnect and back-off) but
opens no main window and never a dialog: it signs in with a viewer token (the demo's "wallboard" user, or
CONCIERGE_TOKEN / a stored refresh token / CONCIERGE_PASSWORD for the configured user), and anything
that goes wrong is written on the board's status line and in the log. When the service forgets its
session (a restart) it signs in again by itself (console.sync.runner); when the sync loop dies of an
error, it starts it again from a timer on the UI thread.
"""

from __future__ import annotations

import logging
import secrets as pysecrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QApplication
from shiboken6 import Shiboken

from console.api.transport import check_base_url
from console.platform.credentials import SecretStore
from console.store.cache import StoreReader, open_reader
from console.sync.state import SyncStatus
from widgets.app.session import Session, SessionConfig
from widgets.app.workers import SyncWorker
from widgets.theme.theme import apply_theme
from widgets.wallboard.views import LiveViews

log = logging.getLogger("concierge.ui.wallboard")
WALLBOARD_USER, WALLBOARD_PASSWORD = "wallboard", "demo-viewer"
RESTART_MS = 15_000  # after the sync loop died of an error (a bug, a broken cache): try again


class WallboardSession(Session):
    # Read-only credentials only: a viewer token is enough for the feed and reference data.
    scope = "viewer"
    demo_account = (WALLBOARD_USER, WALLBOARD_PASSWORD)

    def __init__(
        self,
        app: QApplication,
        config: SessionConfig,
        *,
        screen: int | None = None,
        secret_store: SecretStore | None = None,
        full_screen: bool = True,
    ) -> None:
        config.headless = True  # never a dialog
        super().__init__(app, config, secret_store=secret_store)
        self.screen, self.full_screen = screen, full_screen
        self.views: LiveViews | None = None
        self.offset = 0.0
        self.restart = QTimer(self)  # on the UI thread: restarts the sync after it died
        self.restart.setSingleShot(True)
        self.restart.setInterval(RESTART_MS)
        self.restart.timeout.connect(self.start_sync)

    def start(self) -> None:
        c = self.config
        apply_theme(self.app, "high_contrast" if c.theme == "high_contrast" else "dark", c.font_scale)
        if self.secrets is None:
            self.secrets = SecretStore.open()
        if c.demo or not c.api_url:
            from console.service.server import DemoService

            self.service = DemoService(seed=1, open_enquiries=c.demo_open, speed=c.demo_speed)
            self.api_url = self.service.start()
            self._tmp = Path(tempfile.mkdtemp(prefix="concierge-wallboard-"))
            self._cache = self._tmp / "wallboard-cache.db"
            self._key = pysecrets.token_bytes(32)
        else:
            self.api_url = check_base_url(c.api_url)
            self._cache = c.cache_path or Path(tempfile.gettempdir()) / "concierge-wallboard.db"
            self._key = self.secrets.cache_key()
        self.chain = self._chain()
        self.reader = open_reader(self._cache, self._key)
        self.views = LiveViews(
            None,
            lambda: StoreReader(self._cache, self._key),
            self.now,
            tz=lambda: c.tz or "UTC",
            theme=lambda: c.theme,
            demo=self.service is not None,
            jurisdiction=c.jurisdiction,
        )
        self.views.open_wallboard(self.screen, full_screen=self.full_screen)
        self.start_sync()

    def now(self) -> float:
        """The server's clock (the offset the sync measured, read from the cache)."""
        return time.time() + self.offset

    def _connect(self, worker: SyncWorker) -> None:
        assert self.views is not None  # a QObject on the UI thread, like this session
        worker.changesReady.connect(self.views.on_changes)
        worker.stateChanged.connect(self._on_wall_state)
        worker.failed.connect(self._on_failed)

    @Slot(object)
    def _on_wall_state(self, status: SyncStatus) -> None:
        if self.reader is not None:
            raw = self.reader.get_meta("clock_offset")
            try:
                self.offset = float(raw) if raw else 0.0
            except ValueError:
                self.offset = 0.0
        if self.views is not None:
            self.views.on_state(status)

    @Slot(str)
    def _on_failed(self, reason: str) -> None:
        # The sync loop died (a bug or a broken cache): say so on the board, start again shortly.
        if self.views is not None and self.views.wallboard is not None:
            self.views.wallboard.show_problem(f"Sync stopped ({reason}); restarting")
        if not self._stopped:
            self.restart.start()

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.restart.stop()
        self.stop_sync()
        if self.views is not None:
            self.views.stop()
            Shiboken.delete(self.views)  # on the UI thread, not whenever the garbage collector runs
            self.views = None
        self.jobs.shutdown()
        self._wait_for_sync()
        if self.reader is not None:
            self.reader.close()
        if self.service is not None:
            self.service.stop()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)


def run_wallboard(app: QApplication, config: SessionConfig, screen: int | None) -> int:
    session = WallboardSession(app, config, screen=screen)
    try:
        session.start()
    except Exception as e:  # unattended: a sentence in the log and on stderr, never a dialog
        log.exception("the wallboard could not start")
        print(f"Concierge wallboard could not start: {e}", file=sys.stderr)
        session.stop()
        return 1
    code = app.exec()
    session.stop()
    return code
