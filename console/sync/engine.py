"""The sync engine: pull reference data and the change feed into the store, push the outbox, heal
quarantined records, and report plain change-sets, states and outbox outcomes to whoever listens.

The Syncer and its Store live on one thread (the sync thread). Network calls that may block for long (the
long-poll, the next feed page) run on short-lived helper threads that never touch the store, so local
actions submitted by the UI (submit / queue_assignment) are written and pushed at once.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from console.api.client import ApiClient, FeedPage
from console.api.errors import (
    ApiError,
    AuthError,
    BadDataError,
    ConflictError,
    GoneError,
    NetworkError,
    NotFound,
    PolicyError,
    RateLimited,
    ServerError,
)
from console.domain import wire
from console.domain.model import ChangeSet, Enquiry
from console.platform.gil import share_the_gil
from console.store.cache import KnownError, OutboxItem, OutboxResult, ParsedPage, Store, parse_feed_page
from console.store.feed import ids_of
from console.store.reports import replace_reference_logged
from console.sync.anchor import anchor_audit
from console.sync.backoff import Backoff, BackoffPolicy
from console.sync.complaints import push_decision
from console.sync.counts import SyncCounts
from console.sync.message_feed import MessageFeed
from console.sync.net import background as _background
from console.sync.net import read_safely
from console.sync.report_thread import ShiftCloser
from console.sync.shift_close import close_shifts_quietly
from console.sync.state import SyncState, SyncStatus

log = logging.getLogger("concierge.sync")

T = TypeVar("T")

REFERENCE_KINDS = ("teams", "agents", "channels", "sla-policies", "calendars", "shifts")
PAGE_LIMIT = 2000  # changes per page: memory stays flat whatever the backlog
LONG_POLL_S = 25.0
MESSAGE_TURN_S = 0.5  # message-feed pages read in one go while live, before the change feed is asked again
REFRESH_EVERY_S = 60.0  # reference data and the clock offset, while live
HEAL_PER_RUN = 50  # quarantined enquiries re-fetched per sync step
GONE_RETRIES = 3  # full re-reads started in one catch-up when the server keeps forgetting the cursor
TRANSIENT = (NetworkError, ServerError, RateLimited, BadDataError)


class Syncer:
    def __init__(
        self,
        api: ApiClient,
        store: Store,
        *,
        on_changes: Callable[[ChangeSet], None] | None = None,
        on_state: Callable[[SyncStatus], None] | None = None,
        on_outbox_result: Callable[[OutboxResult], None] | None = None,
        page_limit: int = PAGE_LIMIT,
        long_poll_s: float = LONG_POLL_S,
        backoff: BackoffPolicy | None = None,
        jurisdiction: str | None = None,
    ) -> None:
        self.api = api
        self.jurisdiction = jurisdiction  # whose complaint clocks shift reports use (None: the settings')
        self.store = store
        self.on_changes = on_changes
        self.on_state = on_state
        self.on_outbox_result = on_outbox_result
        self.page_limit = page_limit
        self.long_poll_s = long_poll_s
        self.backoff = backoff  # None: the policy's values when run_forever starts
        self._jobs: queue.SimpleQueue[tuple[Callable[[Store], Any], Future[Any]]] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._closed = False  # run_forever has returned: no more jobs are taken
        self._jobs_lock = threading.Lock()
        last = store.get_meta("last_sync_at")
        self._state = SyncStatus(SyncState.SYNCING, time.time(), float(last) if last else None)
        self._refreshed_at, self._filling = 0.0, False  # _filling: an empty cache's first fill runs
        self.messages = MessageFeed(api, store, self._emit, page_limit)
        self._stop: threading.Event | None = None
        self._poll: Future[FeedPage] | None = None  # a long-poll still waiting while messages are read
        self.closer: ShiftCloser | None = None  # while run_forever runs (console.sync.report_thread)

    # -- for the UI thread ------------------------------------------------------------------------
    def submit(self, fn: Callable[[Store], T]) -> Future[T]:
        """Run fn(store) on the sync thread (the only writer) soon; thread-safe. Once the sync loop has
        returned the future is cancelled at once (the caller writes another way)."""
        fut: Future[T] = Future()
        with self._jobs_lock:
            if self._closed:
                fut.cancel()
                return fut
            self._jobs.put((fn, fut))
        self._wake.set()
        return fut

    def queue_assignment(
        self, enquiry_id: str, team_id: str, agent_id: str | None, reason: str, actor: str
    ) -> Future[int]:
        """An optimistic move: written at once on the sync thread, then pushed. Resolves to the outbox id."""
        return self.submit(
            lambda s: s.queue_assignment(enquiry_id, team_id, agent_id, reason, actor, now=self.api.now())
        )

    def queue_agent_status(self, agent_id: str, status: str, actor: str) -> Future[int]:
        return self.submit(lambda s: s.queue_agent_status(agent_id, status, actor, now=self.api.now()))

    @property
    def state(self) -> SyncStatus:
        return self._state

    def _read(self, fn: Callable[..., T], *args: Any) -> T:
        return read_safely(fn, *args)

    # -- one full pass ----------------------------------------------------------------------------
    def run_once(self) -> SyncCounts:
        """Catch up completely: the outbox, clock and reference data, the feed to its end, healing."""
        started = time.monotonic()
        counts = SyncCounts()
        self._poll = None  # a full pass reads the feed itself; an older long-poll's answer is not wanted
        self._check_server()
        self._set_state(SyncState.SYNCING)
        self._run_jobs()
        self.push_outbox(counts)  # local actions first: they are what a supervisor waits for
        anchor_audit(self.api, self.store)  # the bank's copy of the audit trail (console.sync.anchor)
        self._refresh(counts)
        self._filling = bulk = self.store.begin_bulk()  # an empty cache: load first, index after
        try:
            self._catch_up(counts)
        finally:
            self._filling = False
            if bulk:
                self.store.end_bulk()
                self._emit(ChangeSet(filled=True))
        self.heal(counts)
        # Live, the first pass takes one turn of the message feed (the steps the rest); the CLI all of it.
        turn = MESSAGE_TURN_S if self._stop is not None else None
        held_back = self.messages.caught_up_at is None
        counts.messages += self.messages.pull(self._stop, budget_s=turn)
        self._synced()
        if held_back and self.messages.caught_up_at is not None:
            self._close_reports(counts)  # the reports the refresh above held back, now on every message
        counts.elapsed = time.monotonic() - started
        return counts

    def _check_server(self) -> None:
        """A cache belongs to one server: its cursor and records mean nothing to another."""
        known = self.store.get_meta("server")
        if known is None:
            self.store.set_meta("server", self.api.base_url)
        elif known != self.api.base_url:
            raise KnownError(
                f"this cache holds data from {known}, not {self.api.base_url}; use another cache file"
            )

    def _refresh(self, counts: SyncCounts) -> None:
        self._read(self.api.server_time)
        self.store.set_meta("clock_offset", repr(self.api.clock_offset))
        now = self.api.now()
        changed = False
        self.messages.available = True  # a service that had none may have gained it
        for kind in REFERENCE_KINDS:
            # For agents, the status log is kept in the same transaction (console.store.reports).
            changed |= replace_reference_logged(
                self.store, kind, self._read(self.api.reference, kind), now=now
            )
        if changed:
            counts.reference_changed = True
            self._emit(ChangeSet(reference_changed=True))
        self._refreshed_at = time.monotonic()
        self._close_reports(counts)

    def _close_reports(self, counts: SyncCounts | None = None) -> None:
        """Close the ended shifts, on data read to their cut-off (MessageFeed.read_until)."""
        now = self.messages.read_until(self.api.now())
        if now is None:
            return
        if self.closer is not None:  # live: reports of ended shifts take seconds at 100k, off this thread
            self.closer.poke(now)
            return
        started = time.monotonic()  # a one-off run_once (the CLI): here and now, and counted
        stored = close_shifts_quietly(self.store, now, jurisdiction=self.jurisdiction).stored
        if counts is not None:
            counts.reports += len(stored)
            counts.reports_s += time.monotonic() - started

    def _synced(self) -> None:
        now = self.api.now()
        self.store.set_meta("last_sync_at", repr(now))
        self._set_state(SyncState.LIVE, last_sync_at=now)

    # -- the change feed --------------------------------------------------------------------------
    def _catch_up(self, counts: SyncCounts, first: Future[FeedPage] | None = None) -> None:
        """The feed to its end (from a long-poll's answer when given), restarting from scratch on 410.

        A full re-read is a saved state (Store.reset_feed): cut short by a kill it goes on next time from
        its last page, cut short by another 410 it starts again, and either way it prunes at its end."""
        for attempt in range(GONE_RETRIES + 1):
            try:
                if attempt == 0 and first is not None:
                    self._pull(0.0, counts, first=first.result())
                else:
                    self._pull(0.0, counts)
                break
            except GoneError:
                if attempt == GONE_RETRIES:
                    raise
                # The server forgot our position: read it all again, then drop what it no longer has.
                log.warning("the server forgot our feed cursor: full re-read (attempt %d)", attempt + 1)
                self.store.reset_feed()
        if self.store.resyncing():
            gone = self.store.finish_resync()
            if gone:
                counts.removed += len(gone)
                self._emit(ChangeSet(removed=gone))

    def _fetch(self, cursor: str, wait: float) -> tuple[FeedPage, ParsedPage]:
        """Fetch and parse one page; runs on a helper thread (it touches no connection)."""
        page = self._read(self.api.changes, cursor, self.page_limit, wait)
        return page, parse_feed_page(page.items)

    def _pull(self, wait: float, counts: SyncCounts, *, first: FeedPage | None = None) -> None:
        resync = self.store.resyncing()
        if first is not None:
            page, parsed = first, parse_feed_page(first.items)
        else:
            page, parsed = self._fetch(self.store.cursor(), wait)
        while True:
            # The next page is fetched and parsed while SQLite writes this one (it releases the GIL).
            ahead = _background(self._fetch, page.next_cursor, 0.0) if page.has_more else None
            seen = ids_of(page.items) if resync else ()
            cs = self.store.apply_parsed(parsed, page.next_cursor, now=self.api.now(), seen=seen)
            counts.pages += 1
            counts.add(cs)
            self._emit(cs)
            if ahead is None or (self._stop is not None and self._stop.is_set()):
                return  # each page is committed with its cursor: stopping here loses nothing
            page, parsed = ahead.result()

    # -- the outbox -------------------------------------------------------------------------------
    def push_outbox(self, counts: SyncCounts | None = None) -> int:
        """Send every due item with its stored idempotency key; returns how many got an answer."""
        answered = 0
        for item in self.store.outbox_pending():
            result = self._push_one(self.store.mark_sent(item.id))
            answered += 1
            if counts is not None:
                counts.pushed += 1
                counts.conflicts += result.state == "conflict"
                counts.rejected += result.state == "rejected"
                counts.outcomes.append(result)
            if self.on_outbox_result is not None:
                self.on_outbox_result(result)
        return answered

    def _push_one(self, item: OutboxItem) -> OutboxResult:
        p = item.payload
        try:
            if item.kind == "agent_status":
                agent = self.api.set_agent_status(p["agent_id"], p["status"])
                self.store.put_reference_item("agents", agent, now=self.api.now())
                return self.store.resolve_outbox(item.id, "done", now=self.api.now())
            if item.kind == "complaint":
                return push_decision(self.api, self.store, item)  # console.sync.complaints
            assert item.enquiry_id is not None
            answer = self.api.assign(
                item.enquiry_id,
                team_id=p["team_id"],
                agent_id=p.get("agent_id"),
                reason=p.get("reason", ""),
                actor=p.get("actor", ""),
                version=int(p["version"]),
                idempotency_key=item.idempotency_key,
            )
        except ConflictError as e:
            winner = e.current.get("moved_by")
            return self.store.resolve_outbox(
                item.id,
                "conflict",
                now=self.api.now(),
                message=str(e),
                winner=winner if isinstance(winner, str) else None,
                result=e.current,
                enquiry=self._server_copy(item.enquiry_id),
            )
        except PolicyError as e:
            return self.store.resolve_outbox(
                item.id,
                "rejected",
                now=self.api.now(),
                message=e.detail,
                enquiry=self._server_copy(item.enquiry_id),
            )
        except (*TRANSIENT, AuthError) as e:
            self.store.note_outbox_error(item.id, str(e))
            raise
        except ApiError as e:  # 404 and other refusals: final, and the supervisor is told why
            return self.store.resolve_outbox(
                item.id,
                "failed",
                now=self.api.now(),
                message=str(e),
                enquiry=self._server_copy(item.enquiry_id),
            )
        try:
            enquiry = wire.enquiry_from_wire(answer["enquiry"])
            assignment = wire.assignment_from_wire(answer["assignment"])
        except wire.BadRecord as e:
            log.warning("an accepted assignment came back unreadable: %s", e)
            return self.store.resolve_outbox(item.id, "done", now=self.api.now(), message=str(e))
        return self.store.resolve_outbox(
            item.id,
            "done",
            now=self.api.now(),
            result={"assignment_id": assignment.id, "version": enquiry.version},
            enquiry=enquiry,
            assignment=assignment,
        )

    def _server_copy(self, enquiry_id: str | None) -> Enquiry | None:
        """The server's current record, to revert a refused move to; None when it cannot be had."""
        if enquiry_id is None:
            return None
        try:
            return wire.enquiry_from_wire(self._read(self.api.enquiry, enquiry_id))
        except (ApiError, wire.BadRecord) as e:
            log.info("could not fetch %s to revert a refused move: %s", enquiry_id, e)
            return None

    def heal(self, counts: SyncCounts | None = None, *, limit: int | None = HEAL_PER_RUN) -> int:
        """Re-fetch quarantined enquiries one by one: damage in transit heals, real damage stays."""
        healed = 0
        for row in self.store.quarantine("feed")[:limit]:
            rid = row["record_id"]
            if rid.startswith("sha256:"):
                continue  # no usable id: nothing to ask the server for
            try:
                raw = self._read(self.api.enquiry, rid)
            except NotFound:
                self.store.drop_quarantine("feed", rid)
                healed += 1
                continue
            except BadDataError as e:  # this record is unreadable even alone: it stays quarantined
                log.info("quarantined enquiry %s still unreadable: %s", rid, e)
                continue
            cs = self.store.apply_records([raw], now=self.api.now())
            if not cs.quarantined:
                healed += 1
            self._emit(cs)
            if counts is not None:
                counts.add(cs)
        healed += self.messages.heal_quarantined(limit)
        if counts is not None:
            counts.healed += healed
        return healed

    def run_forever(self, stop: threading.Event) -> None:
        """Sync until stop is set or sign-in is needed. Never raises for network trouble. Jobs
        submitted before it returns are all run: a local action is never dropped by a stop."""
        share_the_gil()  # the sync thread gets the GIL back at once from the report and UI threads
        self.closer = ShiftCloser(self.store.reader, self.submit, self.jurisdiction)
        try:
            self._run_forever(stop)
        finally:
            with self._jobs_lock:
                self._closed = True
            self._run_jobs()
            self.closer.stop(timeout_s=1.0)  # its next write is refused: it ends after this report

    def _run_forever(self, stop: threading.Event) -> None:
        backoff = Backoff(self.backoff)
        caught_up = False
        self._stop = stop
        while not stop.is_set():
            try:
                if not caught_up:
                    self.run_once()
                    caught_up = True
                else:
                    self._step(stop)
                backoff.succeeded()
            except AuthError as e:
                self._set_state(SyncState.AUTH_REQUIRED, detail=str(e))
                return
            except Exception as e:  # transient, refused for a reason a retry may outlive, or a bug
                if not isinstance(e, ApiError | KnownError):
                    # Never a silent end: logged with its traceback, shown, and retried with back-off.
                    log.exception("unexpected error in the sync thread; retrying")
                    e = RuntimeError(f"unexpected error ({type(e).__name__}: {str(e)[:200]}); retrying")
                failure = backoff.failed(e.retry_after if isinstance(e, RateLimited) else None)
                self._set_state(failure.state, detail=str(e), since=failure.since + self._offset())
                caught_up = False
                self._wait(stop, failure.delay)

    def _step(self, stop: threading.Event) -> None:
        """One long-poll; local actions are written and pushed while it waits. While the message feed is
        behind, its turns are read meanwhile, each ended as soon as the change feed answers: a new
        enquiry never waits behind a backlog of messages."""
        poll, self._poll = self._poll or self._long_poll(), None
        counts = SyncCounts()
        held_back = self.messages.caught_up_at is None
        if self.messages.behind:
            counts.messages += self.messages.pull(self._stop, budget_s=MESSAGE_TURN_S, until=poll.done)
            if not poll.done():
                self._poll = poll  # nothing new yet: the next turn goes on waiting for the same answer
            if held_back and self.messages.caught_up_at is not None:  # the backlog's end, and the reports
                held_back = False  # it held back: now, not when the long-poll next answers (up to 25 s)
                self._synced()
                self._close_reports()
            if stop.is_set():
                return
        while not poll.done() and not self.messages.behind:
            self._wake.wait(0.5)
            self._wake.clear()
            if stop.is_set():
                return
            if self._run_jobs():
                self.push_outbox()
        if poll.done():
            self._catch_up(counts, first=poll)
            if not self.messages.behind:  # a new message changes its enquiry: read it now
                counts.messages += self.messages.pull(self._stop, budget_s=MESSAGE_TURN_S)
        if self._run_jobs() or self.store.outbox_pending():
            self.push_outbox()
        if time.monotonic() - self._refreshed_at > REFRESH_EVERY_S:
            self._refresh(counts)
            self.heal()
            anchor_audit(self.api, self.store)
        self._synced()
        if held_back and self.messages.caught_up_at is not None:
            self._close_reports()  # the first catch-up since this start: the reports held back

    def _long_poll(self) -> Future[FeedPage]:
        poll = _background(self.api.changes, self.store.cursor(), self.page_limit, self.long_poll_s)
        poll.add_done_callback(lambda _: self._wake.set())
        return poll

    def _wait(self, stop: threading.Event, seconds: float) -> None:
        """Back off, but keep serving local actions (they are written; pushed when back online)."""
        end = time.monotonic() + seconds
        while not stop.is_set() and (left := end - time.monotonic()) > 0:
            self._wake.wait(min(left, 0.5))
            self._wake.clear()
            self._run_jobs()

    def _run_jobs(self) -> int:
        ran = 0
        while True:
            try:
                fn, fut = self._jobs.get_nowait()
            except queue.Empty:
                return ran
            ran += 1
            if fut.set_running_or_notify_cancel():
                try:
                    fut.set_result(fn(self.store))
                except Exception as e:  # the caller sees it through the future
                    fut.set_exception(e)

    def _offset(self) -> float:
        return self.api.clock_offset

    def _emit(self, cs: ChangeSet) -> None:
        cs.bulk = self._filling
        if cs and self.on_changes is not None:
            self.on_changes(cs)

    def _set_state(
        self,
        state: SyncState,
        *,
        detail: str = "",
        since: float | None = None,
        last_sync_at: float | None = None,
    ) -> None:
        old = self._state
        backlog = self.messages.available and self.messages.caught_up_at is None
        changed = old.state != state or old.detail != detail or old.backlog != backlog
        if not changed and last_sync_at is None:
            return
        if since is None:
            since = old.since if old.state == state else time.time() + self._offset()
        last = last_sync_at if last_sync_at is not None else old.last_sync_at
        self._state = SyncStatus(state, since, last, detail, backlog)
        if changed and self.on_state is not None:
            self.on_state(self._state)
