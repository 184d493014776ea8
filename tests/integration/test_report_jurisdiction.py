"""A shift report counts the regulator's clocks of the site's jurisdiction (the `jurisdiction` setting),
through the real entry points: `python -m console report` in a child process reading the settings file,
and the sync loop the console runs (the shift reports the report viewer shows).

The cache holds two open complaints the bank flagged: one received 15 days before the shift, one 60
days before. Under the CFPB's rules (15 and 60 calendar days) both fall due, unmet, in the shift; under
the FCA's (3 business days, then 8 weeks) nothing falls due in it."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.domain import wire
from console.domain.model import Shift
from console.reports.types import ShiftReport
from console.store.cache import Store, StoreReader
from console.store.reports import load_report
from tests.helpers.cli import cli
from tests.helpers.store import make_enquiry, new_key, upsert

DAY = 86400.0
START = datetime(2026, 9, 16, 0, 0, tzinfo=UTC).timestamp()
SHIFT = Shift("s-sept16", "16 September", "Leeds", START, START + 1.5 * DAY, ("social",))


def fill(store: Store) -> None:
    """Two complaints, received 15 and 60 days (less an hour) before the shift, still open."""
    items = []
    for i, days in ((1, 15), (2, 60)):
        received = START - days * DAY + 3600
        e = make_enquiry(
            i,
            flags=frozenset({"complaint"}),
            created_at=received,
            first_customer_message_at=received,
            updated_at=received + 60,
        )
        items.append(upsert(e, i))
    store.apply_feed_page(items, "c1")
    store.replace_reference("shifts", [wire.shift_to_wire(SHIFT)])
    store.set_meta("last_sync_at", repr(SHIFT.end + 3600))  # synced after the shift ended


@pytest.mark.parametrize(("site", "regulator", "missed"), [("us", "CFPB", 2), ("uk", "FCA", 0)])
def test_the_report_command_uses_the_sites_jurisdiction(
    tmp_path: Path, site: str, regulator: str, missed: int
) -> None:
    path, key = tmp_path / "c.db", new_key()
    with Store(path, key) as store:
        fill(store)
    config = tmp_path / "config"
    (config / "concierge").mkdir(parents=True)
    (config / "concierge" / "settings.json").write_text(json.dumps({"jurisdiction": site}), encoding="utf-8")
    env = {**os.environ, "CONCIERGE_CACHE_KEY": key, "MPLBACKEND": "Agg", "XDG_CONFIG_HOME": str(config)}
    out = tmp_path / "shift.zip"
    args = ("report", "--cache", str(path), "--shift", SHIFT.id, "--format", "csv", "--out", str(out))
    done = cli(*args, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    with StoreReader(path, key) as reader:
        report = load_report(reader, SHIFT.id)
    assert_regulator(report, regulator, missed)


def assert_regulator(report: ShiftReport | None, regulator: str, missed: int) -> None:
    assert report is not None
    assert regulator in report.complaints.jurisdiction
    # CFPB: the 15-day response of one and the 60-day final response of the other fell due, unmet.
    assert (report.complaints.met, report.complaints.missed) == (0, missed)
