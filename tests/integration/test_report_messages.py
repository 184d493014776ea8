"""A shift report counts what agents wrote (the replies' behaviours, the complaint letters), so it is
closed only once the message feed has been read to its end: a console that starts on an empty cache after
a shift ended counts them as one that followed the shift all along."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from console.service.server import DemoService
from console.store.reports import load_report
from console.sync.engine import Syncer
from console.sync.shift_close import GRACE_S
from tests.helpers.reports import running_shift
from tests.helpers.reports import sync_and_close as sync
from tests.helpers.service import new_client
from tests.helpers.store import new_store


def test_a_first_sync_after_a_shift_closes_it_on_every_message_not_before_the_feed_is_read(
    fresh_service: Callable[..., DemoService], tmp_path: Path
) -> None:
    svc = fresh_service(seed=12, open_enquiries=400)
    shift = running_shift(svc)
    following, fresh = new_store(tmp_path, "following.db"), new_store(tmp_path, "fresh.db")
    sync(svc, following)  # on the floor during the shift
    svc.advance(shift.end + GRACE_S + 60 - svc.clock.now())
    sync(svc, following)
    # A console installed after the shift: its first pass reads 400 conversations' messages after the
    # change feed; the shift is closed with them, not in the reference refresh before them.
    syncer = Syncer(new_client(svc), fresh)
    counts = syncer.run_once()
    syncer.api.close()
    assert counts.messages > 400 and syncer.messages.caught_up_at is not None
    assert counts.reports >= 1 and 0 < counts.reports_s < counts.elapsed  # counted apart for the CLI
    report = load_report(fresh, shift.id)
    assert report is not None and report.quality is not None and report.quality.checked > 0
    # What agents wrote is counted alike (the agents' time differs: only a console on the floor during
    # the shift logged their statuses).
    followed = load_report(following, shift.id)
    assert followed is not None and followed.quality is not None
    assert report.quality == followed.quality and report.complaints == followed.complaints
