"""The reference service serves the bank's own closures (an .ics feed) on top of public holidays, and the
console times its clocks with them (issue 12, "Clocks")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import requests

from console.domain import wire
from console.domain.calendars import BusinessClock
from console.domain.ical import read_holidays
from console.service import demo
from console.service.server import DemoService
from console.service.sim.world import add_closures

DATA = Path(__file__).parent.parent / "core" / "data"


def test_the_service_serves_the_feed_on_top_of_the_public_holidays(
    fresh_service: Callable[..., DemoService], bearer: Callable[..., dict[str, str]]
) -> None:
    svc = fresh_service()
    with svc.sim.store.lock:
        add_closures(svc.sim.world, read_holidays(DATA / "outlook-closures.ics", years=(2026, 2030)))
    items = requests.get(f"{svc.url}/v1/calendars", headers=bearer(svc), timeout=10).json()["items"]
    calendars = {c.id: c for c in map(wire.calendar_from_wire, items)}
    business = BusinessClock(calendars["cal-business"])
    assert business.closed_on(date(2027, 3, 12).toordinal())  # the bank's training day, from the feed
    assert business.closed_on(date(2027, 3, 29).toordinal())  # Easter Monday, a public holiday
    assert calendars["cal-24x7"].holidays == frozenset()  # around the clock stays around the clock


def test_serve_demo_takes_a_feed_and_refuses_a_bad_one(tmp_path: Path) -> None:
    assert demo.parse(["--holidays", "closures.ics"]).holidays == "closures.ics"
    bad = tmp_path / "bad.ics"
    bad.write_text("not a calendar", encoding="utf-8")
    assert demo.main(["--holidays", str(bad)]) == 2
