"""A running console (Session): the command line that starts one is widgets.app.launch.

Start-up order: settings, theme, secrets, the cache (the UI opens it read-only), the window from the
cache at once, then the sync worker goes live in its own thread. With no API configured, or with --demo,
the embedded reference service runs in this process (in its own threads) with a throw-away cache.
"""

from __future__ import annotations

import linecache
import logging
import secrets as pysecrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, QTimer, Slot
from PySide6.QtWidgets import QApplication

from console.api.client import ApiClient, ApiSettings, Tokens
from console.api.transport import check_base_url
from console.domain import wire
from console.domain.calendars import remember_holidays
from console.domain.model import Message
from console.platform import settings as settings_file
from console.platform.credentials import SecretStore
from console.platform.holiday_file import keep_holidays_beside
from console.platform.settings import Settings, default_cache_path
from console.sla.engine import Thresholds
from console.store.cache import StoreReader, fold_wal, open_reader
from console.sync.engine import Syncer
from console.sync.runner import SignInThenSync
from console.sync.signin import CredentialChain
from console.sync.state import SyncState, SyncStatus
from widgets.app.dialogs import LoginDialog, SettingsDialog
from widgets.app.workers import BackgroundJobs, Runner, SyncWorker
from widgets.detail.audit_trail import AuditTrail, reveal_audited
from widgets.detail.complaint_box import decide_audited
from widgets.main_window.controller import Controller
from widgets.main_window.window import MainWindow
from widgets.queue.model import QueueModel
from widgets.theme.theme import apply_theme
from widgets.wallboard.views import LiveViews

log = logging.getLogger("concierge.ui.app")
DEMO_USER, DEMO_PASSWORD = "supervisor", "demo-supervisor"
EXIT_WAIT_S = 5.0  # at exit only: how long the sync thread may take to finish its network call


@dataclass
class SessionConfig:
    api_url: str | None
    demo: bool
    cache_path: Path | None = None
    theme: str = "light"
    font_scale: float = 1.0
    privacy: str = "partial"
    thresholds: Thresholds = field(default_factory=Thresholds)
    ca_bundle: str | None = None
    proxy: str | None = None
    username: str = ""
    tz: str = ""  # display time zone; empty: the site's (the social team's calendar), else UTC
    demo_open: int = 2000
    retention_days: int = 365  # the records policy for the cache (console.store.retention)
    routing_model: str = "concierge"  # the site's routing model, for the local verdicts
    ping_pong_limit: int = 3  # moves between teams before a further one needs a reason
    jurisdiction: str = "uk"  # whose complaint clocks apply (console/domain/complaints/rules.toml)
    demo_speed: float = 5.0
    headless: bool = False  # --screenshot: never open a dialog


class Session(QObject):
    """One running console: service (demo), cache, window, controller and workers. A QObject made on
    the UI thread: the sync worker's signals reach its slots there."""

    scope = "supervisor"  # what this session signs in for; the wallboard needs only "viewer"
    demo_account = (DEMO_USER, DEMO_PASSWORD)

    def __init__(
        self,
        app: QApplication,
        config: SessionConfig,
        *,
        settings: Settings | None = None,
        qsettings: QSettings | None = None,
        secret_store: SecretStore | None = None,
    ) -> None:
        super().__init__()
        self.app, self.config, self.settings, self.qsettings = app, config, settings, qsettings
        self.secrets = secret_store
        self.service: Any = None
        self.api_url = ""
        self.window: MainWindow | None = None
        self.controller: Controller | None = None
        self.reader: StoreReader | None = None
        self.worker: SyncWorker | None = None
        self._ending: list[SyncWorker] = []  # stopped, not finished yet (inside a network call)
        self._restart = False  # start sync again once the last of those has finished
        self._ended: list[SyncWorker] = []  # finished, freed once their threads have exited (_release)
        self.syncer: Syncer | None = None  # set on the UI thread from the worker's writerChanged
        self.views: LiveViews | None = None  # charts, staffing, wallboard: built when first opened
        self.jobs = BackgroundJobs()
        self.chain: CredentialChain | None = None  # made once the service's address is known
        self._login_dialog: LoginDialog | None = None
        self._tmp: Path | None = None
        self._key, self._cache = b"", Path()  # the cache's key and file, once start() knows them
        self._job_local = threading.local()
        self._job_apis: list[ApiClient] = []  # conversation fetches' clients: closed on stop, no retry left
        self._stopped = False
        self.audit: AuditTrail | None = None  # logins, reveals and exports (widgets.detail.audit_trail)
        self.reports: Any = None  # the shift report viewer, made on first use

    # --- start and stop ---------------------------------------------------------------------------

    def start(self) -> None:
        c = self.config
        theme = apply_theme(self.app, c.theme, c.font_scale)
        if self.secrets is None:
            self.secrets = SecretStore.open()
        if c.demo or not c.api_url:
            from console.service.server import DemoService  # only the demo needs the service

            self.service = DemoService(seed=1, open_enquiries=c.demo_open, speed=c.demo_speed)
            self.api_url = self.service.start()
            self._tmp = Path(tempfile.mkdtemp(prefix="concierge-demo-"))
            self._cache = self._tmp / "demo-cache.db"
            self._key = pysecrets.token_bytes(32)  # a throw-away cache needs no stored key
        else:
            self.api_url = check_base_url(c.api_url)  # a bad address is a start-up message, not a crash
            self._cache = c.cache_path or default_cache_path()
            self._key = self.secrets.cache_key()
        keep_holidays_beside(self._cache)  # the window's calendars then need no `holidays` import
        self.chain = self._chain()
        self.reader = open_reader(self._cache, self._key)

        model = QueueModel()
        model.set_theme(theme)
        self.window = MainWindow(
            model, tz=c.tz or "UTC", qsettings=self.qsettings, theme=c.theme, font_scale=c.font_scale
        )
        self.window.set_theme(theme)
        self.window.set_demo(self.service is not None)
        self.controller = Controller(
            self.window,
            model,
            self.reader,
            tz=c.tz or None,
            thresholds=c.thresholds,
            jobs=self.jobs,
            fetch_messages=self._fetch_messages,
            reader_factory=lambda: StoreReader(self._cache, self._key),
            privacy=c.privacy,
        )
        # Reassignments are written by the sync thread (the one writer) as the signed-in supervisor.
        self.controller.moves.writer = lambda: self.syncer
        self.controller.queue.writer = lambda: self.syncer
        self.controller.queue.cache = lambda: (self._cache, self._key)
        self.controller.moves.actor = c.username or DEMO_USER
        self.controller.moves.routing_model = c.routing_model  # used from the first reference data on
        self.controller.moves.ping_pong_limit = c.ping_pong_limit
        self.controller.reference.set_jurisdiction(c.jurisdiction)  # whose complaint clocks apply
        self.controller.load_from_cache()
        linecache.clearcache()  # what PySide6's hook read before widgets.pyside_hook: not kept for good
        self.window.signInRequested.connect(self.sign_in)
        self.window.settingsRequested.connect(self.edit_settings)
        self.window.themeRequested.connect(lambda name: self.set_theme(name, self.config.font_scale))
        self.window.scaleRequested.connect(lambda scale: self.set_theme(self.config.theme, scale))
        self.views = LiveViews(
            self.window,
            self.controller.reader_factory or (lambda: StoreReader(self._cache, self._key)),
            self.controller.now,
            tz=lambda: self.controller.tz if self.controller else "UTC",
            theme=lambda: self.config.theme,
            demo=self.service is not None,
            jurisdiction=c.jurisdiction,
        )
        self.controller.feed.changed.connect(self.views.on_live_change)
        self.window.chartsRequested.connect(self.views.open_charts)
        self.window.staffingRequested.connect(self.views.open_staffing)
        self.window.wallboardRequested.connect(self.views.open_wallboard)
        audit = self.audit = AuditTrail(
            self.jobs,
            syncer=lambda: self.syncer,
            cache=lambda: (self._cache, self._key),
            actor=lambda: self.config.username or DEMO_USER,
        )
        status = self.window.statusBar()
        audit.failed.connect(lambda text: status.showMessage(text, 30_000))
        self.jobs.failed.connect(lambda text: status.showMessage(text, 30_000))
        self.window.detail.revealRequested.connect(lambda i: reveal_audited(audit, i, self._reveal))
        self.window.detail.complaint.decided.connect(self._decide_complaint)
        self.window.reportsRequested.connect(self.open_reports)
        self.window.restore_window_state()
        self.window.show()
        if self.secrets.warning and self.service is None:
            self.window.statusBar().showMessage(self.secrets.warning, 60_000)
        self.start_sync()

    def _decide_complaint(self, enquiry_id: str, decision: str) -> None:
        """Confirm or dismiss a complaint: audited first, then shown (widgets.detail.complaint_box)."""
        c = self.controller
        e = None if c is None else c.model.enquiry(enquiry_id) or c.reader.get(enquiry_id)
        if c is None or e is None or self.audit is None:
            return
        decide_audited(
            self.audit, c.reference.complaints, e, decision, lambda: c.complaint_decided(enquiry_id), c.now
        )

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self.views is not None:
            self.views.stop()
        if self.controller is not None:
            self.controller.stop()
        if self.reports is not None:
            self.reports.close()
        self.stop_sync()
        for api in self._job_apis:
            api.close()  # a fetch still retrying gives up at once
        self.jobs.shutdown()
        if self.window is not None:
            self.window.save_window_state()
            self.window.close()
        self._wait_for_sync()
        if self.reader is not None:
            self.reader.close()
            fold_wal(self._cache, self._key)  # the next start then has no write-ahead log to recover
        if self.service is not None:
            self.service.stop()
        remember_holidays(None)  # the memo beside this session's cache is its own
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    # --- sync -------------------------------------------------------------------------------------

    def start_sync(self) -> None:
        """A new sync thread; after one still ending (inside a network call), once it has ended."""
        self.stop_sync()
        self._ending = [w for w in self._ending if not w.ended]
        if self._ending:
            self._restart = True
            return
        worker = SyncWorker(self._make_runner)
        # Freed by _release on the UI thread once its thread has exited: a deleteLater on `finished` could run
        # between two deliveries of that cross-thread emit and drop the rest (a restart lost 1 run in 15).
        worker.finished.connect(self._on_worker_finished)
        worker.writerChanged.connect(self._on_writer)
        self._connect(worker)
        self.worker = worker
        worker.start()

    def _connect(self, worker: SyncWorker) -> None:
        """The receivers of a new worker's signals: slots of QObjects on the UI thread only."""
        assert self.controller is not None
        worker.changesReady.connect(self.controller.on_changes)
        worker.stateChanged.connect(self.controller.on_state)
        worker.outboxResult.connect(self.controller.on_outbox)
        worker.failed.connect(self.controller.on_failed)
        worker.stateChanged.connect(self._on_state)
        if self.views is not None:  # its changes come through the controller's feed
            worker.stateChanged.connect(self.views.on_state)

    def stop_sync(self) -> None:
        """Ask the sync thread to end and return at once (it ends within half a second, or when the
        network call it is inside returns); its late reports are still delivered, and ignored."""
        self._restart = False
        self.syncer = None  # new writes go another way at once (see BackgroundJobs.write)
        if self.worker is not None:
            self.worker.stop()
            self._ending.append(self.worker)
            self.worker = None

    @Slot()
    def _on_worker_finished(self) -> None:
        self._ended += [w for w in (*self._ending, self.worker) if w is not None and w.ended]
        self._ending = [w for w in self._ending if not w.ended]
        if self.worker is not None and self.worker.ended:
            self.worker = None
        self._release()
        if self._restart and not self._ending and not self._stopped:
            self._restart = False
            self.start_sync()

    @Slot()
    def _release(self) -> None:
        """Free the ended workers whose threads have exited; look again shortly for the others (a thread
        is still returning from its last emit when `finished` arrives)."""
        for worker in self._ended:
            if worker.exited:
                worker.deleteLater()
        self._ended = [w for w in self._ended if not w.exited]
        if self._ended:
            QTimer.singleShot(50, self, self._release)

    @Slot(object)
    def _on_writer(self, syncer: Syncer | None) -> None:
        """The sync thread's syncer (the cache's one writer) is up, or gone (None)."""
        if self.worker is not None and self.sender() is self.worker:  # not a stopped worker's
            self.syncer = syncer

    def _wait_for_sync(self) -> None:
        """At exit only (the window is closed): let the sync thread finish, so the cache is closed
        properly; a thread still stuck in a network call is a daemon and ends with the process."""
        deadline = time.monotonic() + EXIT_WAIT_S
        for worker in self._ending:
            if not worker.wait(max(0.0, deadline - time.monotonic())):
                log.warning("the sync thread is still inside a network call; leaving it to end")

    def synced(self) -> bool:
        """True once a sync has completed (state live) and its changes reached the window."""
        c = self.controller
        state = c.sync_state if c is not None else None
        return c is not None and state is not None and state.state is SyncState.LIVE and c.changes_seen > 0

    def select_first(self) -> None:
        assert self.controller is not None
        first = self.controller.model.enquiry_at(0)
        if first is not None:
            self.controller.select(first.id)

    def _api(self) -> ApiClient:
        c = self.config
        on_tokens = self.chain.keep if self.chain is not None else None
        return ApiClient(ApiSettings(self.api_url, ca_bundle=c.ca_bundle, proxy=c.proxy), on_tokens=on_tokens)

    def _chain(self) -> CredentialChain:
        """The one credential chain (console.sync.signin) for this service and user."""
        assert self.secrets is not None
        return CredentialChain(
            self.api_url,
            self.config.username,
            self.scope,
            self.secrets,
            demo_account=self.demo_account if self.service is not None else None,
            remember=self.service is None,  # a throw-away demo keeps nothing
        )

    @property
    def tokens(self) -> Tokens | None:
        return self.chain.tokens if self.chain is not None else None

    def _make_runner(self, worker: SyncWorker) -> Runner:
        assert self.chain is not None
        return SignInThenSync(
            worker,
            self.chain,
            self._api,
            self._cache,
            self._key,
            retention_days=self.config.retention_days,
            last_sync_at=self._last_sync,
            jurisdiction=self.config.jurisdiction,  # the shift reports sync closes use the site's rules
        )

    def _last_sync(self) -> float | None:
        raw = self.reader.get_meta("last_sync_at") if self.reader is not None else None
        try:
            return float(raw) if raw else None
        except ValueError:
            return None

    @Slot(object)
    def _on_state(self, status: SyncStatus) -> None:
        if status.state is SyncState.AUTH_REQUIRED and self.config.api_url and not self.config.headless:
            self.sign_in()

    # --- background conversation fetch (the jobs thread) -------------------------------------------

    def _fetch_messages(self, enquiry_id: str) -> list[Message]:
        local = self._job_local
        if getattr(local, "api", None) is None:
            local.api = self._api()
            self._job_apis.append(local.api)
        api: ApiClient = local.api
        assert self.chain is not None
        if self.chain.authorise(api) is None:
            raise RuntimeError("sign in to fetch the conversation")
        raws = api.messages(enquiry_id)
        syncer = self.syncer
        if syncer is not None:  # cached by the one writer, on the sync thread
            syncer.submit(lambda store: store.replace_messages(enquiry_id, raws, now=time.time()))
        out = []
        for raw in raws:
            try:
                out.append(wire.message_from_wire(raw))
            except wire.BadRecord as e:
                log.warning("a message of %s was unreadable: %s", enquiry_id[:64], e)
        return sorted(out, key=lambda m: (m.sent_at, m.id))

    # --- dialogs and appearance ----------------------------------------------------------------------

    def sign_in(self) -> None:
        """The sign-in dialog, window-modal (never a nested event loop); one at a time."""
        assert self.window is not None and self.secrets is not None
        if self._login_dialog is not None:
            self._login_dialog.raise_()
            return
        api_settings = ApiSettings(self.api_url, ca_bundle=self.config.ca_bundle, proxy=self.config.proxy)

        def login(user: str, password: str, scope: str) -> Tokens:
            with ApiClient(api_settings) as client:
                return client.login(user, password, scope)

        dialog = self._login_dialog = LoginDialog(
            login,
            self.jobs,
            api_url=self.api_url,
            username=self.config.username,
            warning=self.secrets.warning,
            parent=self.window,
        )
        dialog.finished.connect(self._on_login_finished)
        dialog.open()

    @Slot(int)
    def _on_login_finished(self, result: int) -> None:
        dialog, self._login_dialog = self._login_dialog, None
        if dialog is None:
            return
        dialog.deleteLater()
        if result and isinstance(dialog.result_value, Tokens) and not self._stopped:
            self.config.username = dialog.user.text().strip()
            if self.chain is not None:
                self.chain.user = self.config.username
            self.signed_in(dialog.result_value)

    def signed_in(self, tokens: Tokens) -> None:
        """Fresh tokens from a sign-in: keep the refresh token in the secret store, sync again."""
        assert self.chain is not None
        self.chain.keep(tokens)
        self.start_sync()
        if self.audit is not None:
            who = self.config.username or DEMO_USER
            self.audit.record("login", who, {"api": self.api_url})

    def _reveal(self, enquiry_id: str) -> None:
        """The reveal is in the audit trail: show the enquiry unmasked (on screen, this session)."""
        if self.window is not None and self.controller is not None:
            self.window.detail.reveal(enquiry_id)
            self.controller.show_detail(enquiry_id)

    def open_reports(self) -> None:
        from widgets.reports.viewer import show_viewer  # the report code loads on first use

        if self.reader is not None:
            tz = self.controller.tz if self.controller is not None else None
            self.reports = show_viewer(self.reports, self.reader, jobs=self.jobs, audit=self.audit, tz=tz)

    def edit_settings(self) -> None:
        assert self.window is not None
        if self.settings is None:
            return
        dialog = SettingsDialog(self.settings, parent=self.window)
        if dialog.exec():
            self.apply_settings(dialog.settings())

    def apply_settings(self, new: Settings) -> None:
        """Theme, text size, privacy and SLA thresholds apply at once; the API address, CA bundle
        and proxy at the next start (the sync connection is not torn down under the user)."""
        assert self.window is not None and self.controller is not None
        self.settings = new
        note = "Settings saved."
        try:
            settings_file.save(new)
        except OSError as e:
            note = f"The settings could not be saved ({e}); they apply until Concierge closes."
        self.set_theme(new.theme, new.font_scale)
        self.config.privacy = new.privacy
        self.controller.set_privacy(new.privacy)
        self.config.thresholds = new.thresholds()
        self.controller.set_thresholds(self.config.thresholds)
        if (new.api_url or None, new.ca_bundle, new.proxy) != (
            self.config.api_url,
            self.config.ca_bundle,
            self.config.proxy,
        ):
            note += " The new connection settings apply at the next start."
        self.window.statusBar().showMessage(note, 15_000)

    def set_theme(self, name: str, scale: float) -> None:
        """From the View menu or the settings: applied at once and remembered for the next start."""
        assert self.window is not None
        self.config.theme, self.config.font_scale = name, scale
        theme = apply_theme(self.app, name, scale)
        self.window.set_theme(theme)
        if self.views is not None:  # the charts and the staffing panel follow the theme too
            self.views.set_theme(theme)
        s = self.settings
        if s is not None and not self.config.headless and (s.theme, s.font_scale) != (name, scale):
            self.settings = replace(s, theme=name, font_scale=scale)
            try:
                settings_file.save(self.settings)
            except OSError as e:
                self.window.statusBar().showMessage(f"The theme could not be saved: {e}", 15_000)
