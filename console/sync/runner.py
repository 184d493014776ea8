"""The sync thread's whole life, for the console and the wallboard alike: sign in with the credential
chain (retrying while the network is down), open the cache's writing connection, run the syncer.

When the service refuses the session (revoked, or forgotten by a restart) and the chain can log in
again, the runner does so once, quietly; otherwise auth_required is reported and a person signs in.
The client and the writing store connection are made, used and closed on the thread that calls
run_forever. Everything is reported through `reports` (the UI wraps these in signals).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from console.api.client import ApiClient
from console.domain.model import ChangeSet
from console.store import retention
from console.store.cache import KnownError, OutboxResult, Store
from console.sync.engine import Syncer
from console.sync.signin import CredentialChain, sign_in
from console.sync.state import SyncState, SyncStatus

log = logging.getLogger("concierge.sync")


class Reports(Protocol):
    """Where the sync thread reports (widgets.app.workers.SyncWorker turns each into a signal)."""

    def changes(self, change_set: ChangeSet) -> None: ...
    def state(self, status: SyncStatus) -> None: ...
    def outbox(self, result: OutboxResult) -> None: ...
    def writer(self, syncer: Syncer | None) -> None: ...


class SignInThenSync:
    def __init__(
        self,
        reports: Reports,
        chain: CredentialChain,
        api: Callable[[], ApiClient],
        cache: Path,
        key: bytes,
        *,
        retention_days: int,
        last_sync_at: Callable[[], float | None],
        jurisdiction: str | None = None,
    ) -> None:
        self.reports, self.chain, self._api = reports, chain, api
        self.jurisdiction = jurisdiction  # whose complaint clocks the shift reports count
        self.cache, self.key, self.retention_days = cache, key, retention_days
        self._last_sync_at = last_sync_at
        self._refused: SyncStatus | None = None  # the syncer's auth_required, held back
        self._relogged = False  # once per refusal: a login whose session is refused at once is final

    def run_forever(self, stop: threading.Event) -> None:
        reports, chain = self.reports, self.chain
        api = self._api()
        store: Store | None = None
        try:
            while not stop.is_set():
                source = sign_in(api, chain, stop, reports.state, self._last_sync_at())
                if source is None:
                    return
                if store is None:
                    store = Store(self.cache, self.key)
                    maintain(store, self.retention_days, stop)
                self._refused = None
                syncer = Syncer(
                    api,
                    store,
                    on_changes=reports.changes,
                    on_state=self._report,
                    on_outbox_result=reports.outbox,
                    jurisdiction=self.jurisdiction,
                )
                reports.writer(syncer)
                try:
                    syncer.run_forever(stop)
                finally:
                    reports.writer(None)
                refused = self._refused
                if refused is None or stop.is_set():
                    return
                if self._relogged or not chain.refused(source):
                    reports.state(refused)
                    return
                log.info("the service refused the session; signing in again")
                self._relogged = True
        finally:
            if store is not None:
                store.close()
            api.close()

    def _report(self, status: SyncStatus) -> None:
        if status.state is SyncState.AUTH_REQUIRED:
            self._refused = status  # reported by run_forever, unless signing in again helps
            return
        if status.state is SyncState.LIVE:
            self._relogged = False
        self.reports.state(status)


def maintain(store: Store, retention_days: int, stop: threading.Event) -> None:
    """Retention and planner statistics, on the sync thread before it syncs; never stops the sync."""
    try:
        retention.maintain(store, retention_days, stop=stop)
    except KnownError as e:
        log.warning("cache maintenance skipped: %s", e)
