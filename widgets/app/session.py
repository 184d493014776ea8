"""A running console (Session): the command line that starts one is widgets.app.launch.

Start-up order: settings, theme, secrets, the cache (the UI opens it read-only), the window from the
cache at once, then the sync worker goes live in its own thread. With no API configured, or with --demo,
the embedded reference service runs in this process (in its own threads) with a throw-away cache.
"""

from __future__ import annotations

import logging
import random
import secrets as pysecrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from console.api.client import ApiClient, ApiSettings, Tokens
from console.api.errors import ApiError, AuthError
from console.api.transport import check_base_url
from console.domain import wire
from console.domain.model import Message
from console.platform import settings as settings_file
from console.platform.credentials import ACCESS_TOKEN, PASSWORD, REFRESH_TOKEN, SecretStore
from console.platform.settings import Settings, default_cache_path
from console.sla.engine import Thresholds
from console.store import retention
from console.store.cache import KnownError, Store, StoreReader
from console.sync import engine as sync_module
from console.sync.engine import Syncer
from widgets.app.dialogs import LoginDialog, SettingsDialog
from widgets.app.workers import BackgroundJobs, Runner, SyncWorker
from widgets.main_window.audit_trail import AuditTrail, reveal_audited
from widgets.main_window.controller import Controller
from widgets.main_window.window import MainWindow
from widgets.queue.model import QueueModel
from widgets.theme.theme import apply_theme
from widgets.wallboard.views import LiveViews

log = logging.getLogger("concierge.ui.app")
DEMO_USER, DEMO_PASSWORD = "supervisor", "demo-supervisor"
_LINGERING: list[SyncWorker] = []


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
    demo_speed: float = 5.0
    headless: bool = False  # --screenshot: never open a dialog


@dataclass(frozen=True)
class _State:
    """A sync state the shell reports itself (before the Syncer runs)."""

    state: str
    since: float
    last_sync_at: float | None = None
    detail: str = ""


class Session:
    """One running console: service (demo), cache, window, controller and workers."""

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
        self.app, self.config, self.settings, self.qsettings = app, config, settings, qsettings
        self.secrets = secret_store
        self.service: Any = None
        self.api_url = ""
        self.window: MainWindow | None = None
        self.controller: Controller | None = None
        self.reader: StoreReader | None = None
        self.worker: SyncWorker | None = None
        self.syncer: Syncer | None = None
        self.views: LiveViews | None = None  # charts, staffing, wallboard: built when first opened
        self.jobs = BackgroundJobs()
        self.tokens: Tokens | None = None
        self._tmp: Path | None = None
        self._key = b""
        self._cache = Path()
        self._job_local = threading.local()
        self._stopped = False
        self.audit: AuditTrail | None = None  # logins, reveals and exports (widgets.main_window.audit_trail)
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
        if not self._cache.exists():
            Store(self._cache, self._key).close()  # an empty cache, so the window can open at once
        self.reader = StoreReader(self._cache, self._key)

        model = QueueModel()
        model.set_theme(theme)
        self.window = MainWindow(
            model, tz=c.tz or "UTC", qsettings=self.qsettings, theme=c.theme, font_scale=c.font_scale
        )
        self.window.set_theme(theme)
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
        self.controller.moves.actor = c.username or DEMO_USER
        self.controller.moves.routing_model = c.routing_model  # used from the first reference data on
        self.controller.moves.ping_pong_limit = c.ping_pong_limit
        self.controller.load_from_cache()
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
        )
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
        self.window.detail.revealRequested.connect(lambda i: reveal_audited(audit, i, self._reveal))
        self.window.reportsRequested.connect(self.open_reports)
        self.window.restore_window_state()
        self.window.show()
        if self.secrets.warning and self.service is None:
            self.window.statusBar().showMessage(self.secrets.warning, 60_000)
        self.start_sync()

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
        self.jobs.shutdown()
        if self.window is not None:
            self.window.save_window_state()
            self.window.close()
        if self.reader is not None:
            self.reader.close()
        if self.service is not None:
            self.service.stop()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    # --- sync -------------------------------------------------------------------------------------

    def start_sync(self) -> None:
        assert self.controller is not None
        self.stop_sync()
        worker = SyncWorker(self._make_runner)
        worker.changesReady.connect(self.controller.on_changes)
        worker.stateChanged.connect(self.controller.on_state)
        worker.outboxResult.connect(self.controller.on_outbox)
        worker.failed.connect(self.controller.on_failed)
        worker.stateChanged.connect(self._on_state)
        if self.views is not None:
            worker.changesReady.connect(self.views.on_changes)
            worker.stateChanged.connect(self.views.on_state)
        self.worker = worker
        worker.start()

    def stop_sync(self) -> None:
        if self.worker is not None:
            if not self.worker.stop(8000):
                # Still inside a network call: keep the thread object alive until it ends (a QThread
                # destroyed while running takes the process down).
                log.warning("the sync thread is still inside a network call; leaving it to end")
                _LINGERING.append(self.worker)
                self.worker.finished.connect(lambda w=self.worker: _LINGERING.remove(w))
            self.worker = None

    def synced(self) -> bool:
        """True once a sync has completed (state live) and its changes reached the window."""
        c = self.controller
        return c is not None and getattr(c.sync_state, "state", "") == "live" and c.changes_seen > 0

    def select_first(self) -> None:
        assert self.controller is not None
        first = self.controller.model.enquiry_at(0)
        if first is not None:
            self.controller.select(first.id)

    def _api(self) -> ApiClient:
        c = self.config
        return ApiClient(
            ApiSettings(self.api_url, ca_bundle=c.ca_bundle, proxy=c.proxy), on_tokens=self._keep_tokens
        )

    def _make_runner(self, worker: SyncWorker) -> Runner:
        return _SignInThenSync(self, worker)

    def _authorise(self, api: ApiClient) -> bool:
        """Give the client credentials: an env token, this session's tokens, the demo account, a
        stored refresh token, or a non-interactive password. May call the network (login); raises the
        client's errors. False: nobody to sign in as (the user must sign in)."""
        assert self.secrets is not None
        env_token = self.secrets.get(ACCESS_TOKEN)  # CONCIERGE_TOKEN wins over everything
        if env_token:
            api.use_access_token(env_token)
            return True
        if self.tokens is not None:
            api.use_tokens(self.tokens)
            return True
        if self.service is not None:
            self._login(api, *self.demo_account)
            return True
        stored = self.secrets.get(self._secret_name(REFRESH_TOKEN))
        if stored:
            # expires_at 0: the client refreshes before its first call.
            api.use_tokens(Tokens(access_token="", refresh_token=stored, expires_at=0.0))
            return True
        password = self.secrets.get(PASSWORD)  # CONCIERGE_PASSWORD, for unattended consoles
        if password and self.config.username:
            self._login(api, self.config.username, password)
            return True
        return False

    def _login(self, api: ApiClient, user: str, password: str) -> None:
        # One attempt per call: the sign-in loop does the retrying and reports the state meanwhile.
        with ApiClient(replace(api.settings, max_retries=0)) as once:
            tokens = once.login(user, password, self.scope)
        api.use_tokens(tokens)
        self._keep_tokens(tokens)

    def _secret_name(self, kind: str) -> str:
        return f"{kind}:{self.config.username or 'default'}@{self.api_url}"

    def _keep_tokens(self, tokens: Tokens) -> None:
        """From any thread: the client signed in or refreshed. Only the secret store sees tokens."""
        self.tokens = tokens
        if self.secrets is not None and tokens.refresh_token and self.service is None:
            self.secrets.set(self._secret_name(REFRESH_TOKEN), tokens.refresh_token)

    def _last_sync(self) -> float | None:
        raw = self.reader.get_meta("last_sync_at") if self.reader is not None else None
        try:
            return float(raw) if raw else None
        except ValueError:
            return None

    def _on_state(self, state: Any) -> None:
        if (
            getattr(state, "state", "") == "auth_required"
            and self.config.api_url
            and not self.config.headless
        ):
            QTimer.singleShot(0, self.sign_in)

    # --- background conversation fetch (the jobs thread) -------------------------------------------

    def _fetch_messages(self, enquiry_id: str) -> list[Message]:
        local = self._job_local
        if getattr(local, "api", None) is None:
            local.api = self._api()
        api: ApiClient = local.api
        if self.tokens is not None:
            api.use_tokens(self.tokens)
        elif not self._authorise(api):
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
        assert self.window is not None and self.secrets is not None
        api_settings = ApiSettings(self.api_url, ca_bundle=self.config.ca_bundle, proxy=self.config.proxy)

        def login(user: str, password: str, scope: str) -> Tokens:
            with ApiClient(api_settings) as client:
                return client.login(user, password, scope)

        dialog = LoginDialog(
            login,
            self.jobs,
            api_url=self.api_url,
            username=self.config.username,
            warning=self.secrets.warning,
            parent=self.window,
        )
        if dialog.exec() and isinstance(dialog.result_value, Tokens):
            self.config.username = dialog.user.text().strip()
            self.signed_in(dialog.result_value)

    def signed_in(self, tokens: Tokens) -> None:
        """Fresh tokens from a sign-in: keep the refresh token in the secret store, sync again."""
        self._keep_tokens(tokens)
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
        self.window.set_theme(apply_theme(self.app, name, scale))
        s = self.settings
        if s is not None and not self.config.headless and (s.theme, s.font_scale) != (name, scale):
            self.settings = replace(s, theme=name, font_scale=scale)
            try:
                settings_file.save(self.settings)
            except OSError as e:
                self.window.statusBar().showMessage(f"The theme could not be saved: {e}", 15_000)


class _SignInThenSync:
    """The sync thread's whole life: sign in (retrying while the network is down, reporting
    reconnecting/offline like the syncer does), then run the syncer; the writing store connection
    and the client are made and closed in this thread."""

    def __init__(self, session: Session, worker: SyncWorker) -> None:
        self.session, self.worker = session, worker

    def run_forever(self, stop: threading.Event) -> None:
        api = self.session._api()
        try:
            if not self._sign_in(api, stop):
                return
            store = Store(self.session._cache, self.session._key)
            try:
                _maintain(store, self.session.config.retention_days, stop)
                w = self.worker
                syncer = Syncer(api, store, on_changes=w.changes, on_state=w.state, on_outbox_result=w.outbox)
                self.session.syncer = syncer
                syncer.run_forever(stop)
            finally:
                self.session.syncer = None
                store.close()
        finally:
            api.close()

    def _sign_in(self, api: ApiClient, stop: threading.Event) -> bool:
        failing_since: float | None = None
        attempt = 0
        last = self.session._last_sync()
        while not stop.is_set():
            try:
                if self.session._authorise(api):
                    return True
                self.worker.state(_State("auth_required", time.time(), last, "not signed in"))
                return False
            except AuthError as e:
                self.worker.state(_State("auth_required", time.time(), last, str(e)))
                return False
            except ApiError as e:
                now = time.time()
                failing_since = failing_since or now
                offline = now - failing_since >= sync_module.OFFLINE_AFTER_S
                self.worker.state(
                    _State("offline" if offline else "reconnecting", failing_since, last, str(e))
                )
                delay = min(sync_module.BACKOFF_CAP_S, sync_module.BACKOFF_BASE_S * 2**attempt)
                attempt += 1
                stop.wait(delay * random.uniform(0.5, 1.5))
        return False


def _maintain(store: Store, retention_days: int, stop: threading.Event) -> None:
    """Retention and planner statistics, on the sync thread before it syncs; never stops the sync."""
    try:
        retention.maintain(store, retention_days, stop=stop)
    except KnownError as e:
        log.warning("cache maintenance skipped: %s", e)
