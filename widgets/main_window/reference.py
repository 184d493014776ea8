"""The reference data every view of the main window shares, read from the local cache: teams, agents,
channel names, the SLA engine built from the policies and calendars, the display time zone, and the
server clock (an offset measured by sync, so a wrong PC clock never shows a wrong countdown).

It belongs to the UI thread. A worker thread never uses this engine (its caches are written as it
computes): it reads a console.sla.snapshot.ClockSnapshot of it, or times with engine.snapshot().
"""

from __future__ import annotations

import time

from console.domain.complaints.rules import DEFAULT_JURISDICTION, default_rules
from console.domain.complaints.status import complaints_calendar
from console.domain.model import Agent, Calendar, Enquiry, SLAPolicy, Team
from console.live.complaints import ComplaintDesk
from console.live.metrics import site_time_zone
from console.sla.engine import SlaEngine, Thresholds
from console.store.reads import StoreReader


class LiveReference:
    def __init__(self, reader: StoreReader, *, tz: str | None, thresholds: Thresholds) -> None:
        self.reader = reader
        self.auto_tz = tz is None  # None: follow the site (the social team's calendar zone)
        self.tz = tz or "UTC"
        self.thresholds = thresholds
        self.offset = 0.0  # server minus local clock, from the cache's meta
        self.engine = SlaEngine([], {}, {}, thresholds)
        self.engine_changed = False  # the last reload built a new engine (or moved the time zone)
        self.teams: list[Team] = []  # the social team first, then the specialists by name
        self.agents: list[Agent] = []
        self.team_names: dict[str, str] = {}
        self.agent_names: dict[str, str] = {}
        self.channel_names: dict[str, str] = {}
        self._inputs: tuple[list[SLAPolicy], dict[str, Calendar], list[Team]] = ([], {}, [])
        # Complaints and reply windows (issue 17): the site's jurisdiction (a setting) and its rules.
        self.jurisdiction = DEFAULT_JURISDICTION
        self.complaints = ComplaintDesk(default_rules(), self.jurisdiction)

    def now(self) -> float:
        """The server's clock as last measured by sync."""
        return time.time() + self.offset

    def due_at(self, e: Enquiry) -> float | None:
        clock = self.engine.current(e)
        return None if clock is None else clock.due_at

    def read_offset(self) -> None:
        raw = self.reader.get_meta("clock_offset")
        try:
            self.offset = float(raw) if raw else 0.0
        except ValueError:
            self.offset = 0.0

    def reload(self, *, force: bool = False) -> None:
        """Read the reference data again. The engine is rebuilt only when policies, calendars, teams,
        the thresholds (force) or the time zone changed: a new engine re-times every row, and agents
        change often (load, status)."""
        r = self.reader
        teams, agents = r.teams(), r.agents()
        calendars = {c.id: c for c in r.calendars()}
        policies = r.policies()
        inputs = (policies, calendars, teams)
        zone = site_time_zone(teams, calendars) if self.auto_tz else self.tz
        self.engine_changed = force or inputs != self._inputs or zone != self.tz
        if self.engine_changed:
            self._inputs, self.tz = inputs, zone
            self.engine = self._build()
            self.set_jurisdiction(self.jurisdiction)
        self.agents = agents
        self.teams = sorted(teams, key=lambda t: (t.kind != "social", t.name))
        self.team_names = {t.id: t.name for t in teams}
        self.agent_names = {a.id: a.name for a in agents}
        self.channel_names = {c.id: c.name for c in r.channels()}

    def set_jurisdiction(self, jurisdiction: str) -> None:
        """The regulator's clocks of this site, over the complaints team's business calendar."""
        _, calendars, teams = self._inputs
        self.jurisdiction = jurisdiction
        self.complaints = ComplaintDesk(
            default_rules(),
            jurisdiction,
            complaints_calendar(teams, calendars),
            self.complaints.decisions,
            self.complaints.book,  # the conversations read so far stay: only the rules changed
        )
        self.reload_decisions()

    def reload_decisions(self) -> None:
        """Supervisors' complaint decisions, from the cache (after one is written, and on reload)."""
        self.complaints.set_decisions(self.reader.complaint_decisions())

    def set_thresholds(self, thresholds: Thresholds) -> None:
        self.thresholds = thresholds
        self.reload(force=True)

    def _build(self) -> SlaEngine:
        policies, calendars, teams = self._inputs
        return SlaEngine(policies, calendars, {t.id: t for t in teams}, self.thresholds)
