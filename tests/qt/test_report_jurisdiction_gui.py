"""The console's own shift reports (closed by its sync loop, shown by the report viewer) count the
regulator's clocks of the site's jurisdiction: a CFPB site's report has the 15- and 60-day clocks.

The real console on its embedded demo service, set to the US. Its cache holds two open complaints the
bank flagged, received 15 and 60 calendar days before a night shift's New York midnight: under the
CFPB's rules both fall due in that shift (the last second of the 15th and of the 60th day); under the
FCA's (3 business days, then 8 weeks) nothing would. The shift ends; the sync loop closes it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.domain import wire
from console.domain.model import Shift
from console.platform.credentials import SecretStore
from console.reports.complaints import complaint_line
from console.store.reports import load_report
from console.sync import engine
from console.sync.shift_close import GRACE_S, last_synced
from tests.helpers.store import make_enquiry
from widgets.app.session import Session, SessionConfig

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")  # offscreen
NEW_YORK = ZoneInfo("America/New_York")  # the CFPB rules' zone (rules.toml)


@pytest.fixture
def us_session(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    # The loop looks for ended shifts with its reference refresh (once a minute): at every pass here.
    monkeypatch.setattr(engine, "REFRESH_EVERY_S", 0.0)
    config = SessionConfig(
        api_url=None, demo=True, demo_open=40, demo_speed=0.0, headless=True, jurisdiction="us"
    )
    s = Session(qapp, config, secret_store=SecretStore.open())
    s.start()
    yield s
    s.stop()


def new_york_midnight_in(shift: Shift) -> datetime | None:
    """The last second of a New York day, if it falls in the shift (a CFPB deadline can)."""
    day = datetime.fromtimestamp(shift.start, NEW_YORK).date()
    for d in (day, day + timedelta(days=1)):
        last = datetime(d.year, d.month, d.day, tzinfo=NEW_YORK) + timedelta(days=1, seconds=-1)
        if shift.start <= last.timestamp() < shift.end:
            return last
    return None


def test_the_consoles_shift_report_has_the_cfpb_clocks(us_session: Session, qtbot: QtBot) -> None:
    s = us_session
    qtbot.waitUntil(lambda: s.syncer is not None, timeout=30_000)  # signed in, syncing
    svc, reader, syncer = s.service, s.reader, s.syncer
    assert svc is not None and reader is not None and syncer is not None
    now = svc.clock.now()
    shift = next(
        x for x in svc.sim.world.shifts if x.end > now and "social" in x.team_ids and new_york_midnight_in(x)
    )
    due = new_york_midnight_in(shift)
    assert due is not None
    complaints = []
    for i, days in ((901, 15), (902, 60)):
        received = datetime.combine(due.date() - timedelta(days=days), datetime.min.time(), NEW_YORK)
        at = received.timestamp() + 12 * 3600  # noon that day
        e = make_enquiry(
            i, flags=frozenset({"complaint"}), created_at=at, first_customer_message_at=at, updated_at=at + 60
        )
        complaints.append(wire.enquiry_to_wire(e))
    # Written into the console's cache by its one writer, the sync thread.
    syncer.submit(lambda store: store.apply_records(complaints, now=now)).result(timeout=20)
    cutoff = shift.end + GRACE_S
    svc.advance(cutoff + 60 - now)
    qtbot.waitUntil(lambda: last_synced(reader) >= cutoff, timeout=60_000)
    svc.add_enquiry()  # a change wakes the loop: its next pass closes the shift, now synced past its end
    qtbot.waitUntil(lambda: load_report(reader, shift.id) is not None, timeout=60_000)
    report = load_report(reader, shift.id)
    assert report is not None
    stats = report.complaints
    assert "CFPB" in stats.jurisdiction
    # Both fell due in the shift, unmet: the 15-day response of one, the 60-day final response of the other.
    assert (stats.met, stats.missed) == (0, 2)
    # The report viewer shows the stored report, with the regulator named.
    s.open_reports()
    assert s.reports is not None and s.reports.open(shift.id) == report
    assert "United States (CFPB)" in complaint_line(stats)
