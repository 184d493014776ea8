"""The sync engine against the real reference service on 127.0.0.1: convergence, faults, 410, states."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.api.errors import ApiError
from console.domain.model import ChangeSet
from console.service.server import DemoService
from console.store.cache import Store, StoreReader
from console.sync.backoff import BackoffPolicy
from console.sync.engine import Syncer
from console.sync.state import SyncStatus
from tests.helpers.service import assert_converged, assert_messages_converged, new_client
from tests.helpers.store import new_store


@pytest.fixture(scope="module")
def service() -> Iterator[DemoService]:
    with DemoService(seed=11, open_enquiries=300, speed=0) as svc:
        yield svc


@pytest.fixture
def svc(service: DemoService) -> Iterator[DemoService]:
    service.faults.clear()
    yield service
    service.faults.clear()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with new_store(tmp_path) as s:
        yield s


def test_initial_sync_then_changes_converge_exactly(svc: DemoService, store: Store) -> None:
    api = new_client(svc)
    seen: list[ChangeSet] = []
    syncer = Syncer(api, store, on_changes=seen.append, page_limit=50)
    counts = syncer.run_once()
    assert counts.added == len(svc.snapshot()) and counts.pages >= 6 and counts.reference_changed
    assert_converged(svc, store)
    # The empty cache's first fill: every page of it says so, then one change-set says it has ended.
    pages = [c for c in seen if c.added]
    assert len(pages) >= 6 and all(c.bulk for c in pages)
    ended = [i for i, c in enumerate(seen) if c.filled]
    assert len(ended) == 1 and ended[0] > seen.index(pages[-1]) and not seen[ended[0]].bulk
    assert store.teams() and store.agents() and store.policies() and store.calendars() and store.channels()
    assert store.get_meta("last_sync_at") and store.get_meta("clock_offset") is not None
    svc.advance(1800)
    some = next(iter(svc.snapshot()))
    svc.delete_enquiry(some)
    seen.clear()
    counts = syncer.run_once()
    assert counts.changed > 0 and counts.removed >= 1 and some in set().union(*(c.removed for c in seen))
    assert not any(c.bulk or c.filled for c in seen)  # a cache with rows is not filled in bulk
    assert_converged(svc, store)
    # Nothing new: nothing to report.
    counts = syncer.run_once()
    assert (counts.added, counts.changed, counts.removed) == (0, 0, 0)
    api.close()


FAULTS = [
    "5xx=0.3",
    "429=0.3:0.01",
    "slow=0.3:0.05",
    "drop=0.2",
    "malformed=0.3",
    "invalid=0.5",
    "dup=0.6",
    "reorder=0.6",
    "skew=300",
]


@pytest.mark.expected_log(r"^quarantined ", logger="concierge.store")
@pytest.mark.expected_log(r"^retrying in ", logger="concierge.api")
@pytest.mark.parametrize("spec", FAULTS)
def test_each_fault_switch_still_converges(svc: DemoService, tmp_path: Path, spec: str) -> None:
    api = new_client(svc, max_retries=6)
    with new_store(tmp_path) as store:
        syncer = Syncer(api, store, page_limit=100)
        syncer.run_once()
        svc.faults.set(spec)
        quarantined = 0
        for _ in range(2):  # traffic while the fault is on
            svc.advance(900)
            for _attempt in range(10):
                try:
                    quarantined += syncer.run_once().quarantined
                    break
                except ApiError:  # a fault that outlasted the client's retries: the loop tries again
                    continue
            else:
                pytest.fail(f"never got through with {spec}")
        if spec.startswith("invalid"):
            assert quarantined > 0  # the damaged records were held back, not applied
        if spec == "skew=300":  # the client measured the skewed server clock
            offset = float(store.get_meta("clock_offset") or 0)
            assert abs(offset - (svc.server_now() - time.time())) < 5
        svc.faults.clear()
        syncer.run_once()
        assert_converged(svc, store)
        assert_messages_converged(svc, store)  # the message feed too, through the same faults
        assert store.quarantine_count() == 0  # in-transit damage healed by re-fetching
    api.close()


@pytest.mark.expected_log(r"forgot our feed cursor", logger="concierge.sync")
@pytest.mark.expected_log(r"(no longer knows|forgot) our feed cursor", logger="concierge.sync")
def test_an_unknown_cursor_means_a_full_resync_that_drops_stale_rows(svc: DemoService, store: Store) -> None:
    api = new_client(svc)
    syncer = Syncer(api, store, page_limit=200)
    syncer.run_once()
    from tests.helpers.store import make_enquiry

    store.apply_enquiries([make_enquiry(424242)])  # a record the server does not have
    store.set_meta("cursor", "another-server.99")
    svc.advance(300)
    counts = syncer.run_once()
    assert counts.removed >= 1 and store.get("E424242") is None
    assert_converged(svc, store)
    api.close()


def test_a_cache_belongs_to_one_server(svc: DemoService, store: Store) -> None:
    from console.store.cache import KnownError

    store.set_meta("server", "http://127.0.0.1:1")
    with pytest.raises(KnownError, match="holds data from"):
        Syncer(new_client(svc), store).run_once()


def test_run_forever_states_and_prompt_local_actions(svc: DemoService, tmp_path: Path) -> None:
    key = os.urandom(32)
    store = new_store(tmp_path, key=key)
    api = new_client(svc, max_retries=0)
    states: list[SyncStatus] = []
    live, reconnecting, offline, pushed = (threading.Event() for _ in range(4))

    def on_state(s: SyncStatus) -> None:
        states.append(s)
        {"live": live, "reconnecting": reconnecting, "offline": offline}.get(s.state, threading.Event()).set()

    syncer = Syncer(api, store, on_state=on_state, on_outbox_result=lambda r: pushed.set(), long_poll_s=20)
    syncer.backoff = BackoffPolicy(base_s=0.5, cap_s=15.0, offline_after_s=0.3)
    stop = threading.Event()
    worker = threading.Thread(target=syncer.run_forever, args=(stop,))
    worker.start()
    reader = None
    try:
        assert live.wait(20)
        reader = StoreReader(store.path, key)  # the UI's own connection: the Store belongs to the sync thread
        # A move submitted while the sync thread long-polls is written and pushed at once.
        target = next(
            e for e in reader.load_open() if e.team_id == "social" and e.topic == "cards" and not e.flags
        )
        oid = syncer.queue_assignment(target.id, "cards", None, "card dispute", "sup-test").result(timeout=5)
        assert pushed.wait(10), "the move waited for the long-poll to end"
        item = reader.outbox_item(oid)
        assert item is not None and item.state == "done"
        live.clear()
        svc.faults.set("5xx=1")
        # Wakes the long-poll into a failing server: fifteen simulated minutes always change something
        # on the floor (a calm minute may not).
        svc.advance(900)
        assert reconnecting.wait(25) and offline.wait(10)
        assert states[-1].last_sync_at is not None
        svc.faults.clear()
        assert live.wait(20)
    finally:
        stop.set()
        worker.join(10)
        if reader is not None:
            reader.close()
    assert not worker.is_alive()
    assert_converged(svc, store)
    store.close()
    api.close()


def test_run_forever_stops_for_sign_in(svc: DemoService, store: Store) -> None:
    api = new_client(svc)
    api.use_access_token("not-a-valid-token")
    states: list[SyncStatus] = []
    Syncer(api, store, on_state=states.append).run_forever(threading.Event())  # returns by itself
    assert states[-1].state == "auth_required" and "sign in" in states[-1].detail
    api.close()


@pytest.mark.expected_log(r"forgot our feed cursor", logger="concierge.sync")
@pytest.mark.expected_log(r"(no longer knows|forgot) our feed cursor", logger="concierge.sync")
def test_run_forever_resyncs_when_the_server_forgets_the_cursor(svc: DemoService, store: Store) -> None:
    """410 while live: full resync from an empty cursor, and rows the server no longer has are dropped."""
    from tests.helpers.store import make_enquiry

    api = new_client(svc)
    live, dropped, armed = threading.Event(), threading.Event(), threading.Event()

    def on_changes(cs: ChangeSet) -> None:
        if armed.is_set() and cs.changed:
            armed.clear()
            with svc.sim.store.lock:  # as after a server restart: the cursors it issued are unknown
                svc.sim.store.instance = f"restarted-{time.monotonic()}"
        if "E777777" in cs.removed:
            dropped.set()

    syncer = Syncer(
        api, store, on_changes=on_changes, on_state=lambda s: live.set() if s.state == "live" else None
    )
    syncer.long_poll_s = 5.0
    stop = threading.Event()
    worker = threading.Thread(target=syncer.run_forever, args=(stop,))
    worker.start()
    try:
        assert live.wait(20)
        syncer.submit(lambda s: s.apply_enquiries([make_enquiry(777777)])).result(timeout=5)
        armed.set()
        svc.advance(600)  # a change wakes the long-poll; its page arms the 410 for the next request
        assert dropped.wait(20), "no full resync after 410"
    finally:
        stop.set()
        worker.join(10)
    assert not worker.is_alive()
    assert_converged(svc, store)
    api.close()
