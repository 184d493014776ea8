"""A shift report is a function of the data up to its cut-off (the shift's end plus the grace, on the
service's clock): two real caches synced from the reference service at different moments store the same
report byte for byte, and what happens after the cut-off is recorded as an amendment, never folded in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from console.reports.codec import encode
from console.service.server import DemoService
from console.store.reports import load_report, report_amendments
from console.sync.shift_close import GRACE_S, build_report, close_shifts_quietly
from tests.helpers.reports import SITE, running_shift, stored_body
from tests.helpers.reports import sync_and_close as sync
from tests.helpers.store import new_store
from widgets.app.workers import BackgroundJobs
from widgets.reports.viewer import ReportViewer

HOUR = 3600.0


def test_two_caches_synced_at_different_moments_store_the_same_report_and_later_events_amend_it(
    fresh_service: Callable[..., DemoService], tmp_path: Path, qtbot: QtBot
) -> None:
    svc = fresh_service(seed=12, open_enquiries=400)
    shift = running_shift(svc)
    cutoff = shift.end + GRACE_S
    early, late = new_store(tmp_path, "early.db"), new_store(tmp_path, "late.db")
    # Two consoles on the floor: both sync during the shift (their agents' status logs start there)...
    sync(svc, early)
    sync(svc, late)
    svc.advance(shift.end + 30 - svc.clock.now())
    sync(svc, early)
    sync(svc, late)
    assert load_report(early, shift.id) is None  # inside the grace: not closed yet
    # ...then one syncs a minute after the cut-off, the other three hours later.
    svc.advance(cutoff + 60 - svc.clock.now())
    sync(svc, early)
    report = load_report(early, shift.id)
    assert report is not None and report.generated_at == report.data_cutoff == cutoff  # the service's clock
    assert report.summary.created > 20 and report.summary.answered > 0

    svc.advance(3 * HOUR)  # the floor goes on: the shift's enquiries are answered, resolved, closed
    sync(svc, late)
    changed = [
        e for e in late.export_rows() if shift.start <= e.created_at < shift.end and e.updated_at > cutoff
    ]
    assert len(changed) > 10  # the late cache holds newer versions of the shift's enquiries
    assert stored_body(late, shift.id) == stored_body(early, shift.id)

    # Counting whatever each cache holds when it computes (the old way) gives two different reports.
    naive_early = build_report(early, shift, cutoff)
    naive_late = build_report(late, shift, svc.clock.now())
    assert encode(naive_early) != encode(naive_late)

    # The early cache syncs again: the stored report stays, the later replies are an amendment.
    before = stored_body(early, shift.id)
    sync(svc, early)
    assert stored_body(early, shift.id) == before
    amendments = report_amendments(early, shift.id)
    amendment = amendments[-1]  # (the first pass after the cut-off may have found some already)
    assert abs(amendment.detected_at - svc.clock.now()) < 1.0  # the console's estimate of the service's clock
    figures = {name: (old, new) for name, old, new in amendment.changes}
    assert set(figures) & {"answered", "sla_due", "sla_met", "breaches"}  # later replies, later deadlines
    for name, (old, new) in figures.items():
        assert old == getattr(report.summary, name, getattr(report, name, None)) and old != new
    # Shown as such: the viewer names the amendment beside the report, whose figures stay as stored.
    jobs = BackgroundJobs()
    viewer = ReportViewer(early, jobs=jobs, tz="Europe/London")
    qtbot.addWidget(viewer)
    assert viewer.open(shift.id) == report
    said = viewer.status.text()
    assert "Amended after its cut-off" in said and f"{name.replace('_', ' ')} {old}" in said
    jobs.shutdown()
    # Nothing new since: no second amendment for the same figures.
    close_shifts_quietly(early, svc.clock.now() + 1000, extra=SITE)
    assert report_amendments(early, shift.id) == amendments
    early.close()
    late.close()
