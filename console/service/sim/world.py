"""The reference service's static world: teams, agents, channels, calendars, SLA policies and shifts.

Everything is built from a seeded random.Random so the same seed gives the same world.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from console.domain.ical import HolidayFeed, with_feed
from console.domain.model import Agent, Calendar, ChannelInfo, Shift, SLAPolicy, Team

LONDON = ZoneInfo("Europe/London")
SITE = "Leeds customer care"

# Public holidays: England and Wales, every year, computed by console.domain.calendars.
BANK_HOLIDAY_REGION = "GB-ENG"

FIRST = [
    "Amira",
    "Ben",
    "Chloe",
    "Daniel",
    "Ella",
    "Farid",
    "Grace",
    "Harry",
    "Isla",
    "Jack",
    "Kofi",
    "Leah",
    "Mohammed",
    "Niamh",
    "Oliver",
    "Priya",
    "Rhys",
    "Sofia",
    "Tom",
    "Uma",
    "Vikram",
    "Wendy",
    "Yusuf",
    "Zara",
    "Aisha",
    "Callum",
    "Dylan",
    "Erin",
    "Fatima",
    "George",
    "Hannah",
    "Ibrahim",
]
LAST = [
    "Patel",
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Khan",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
    "Hughes",
    "Edwards",
    "Green",
    "Hall",
    "Wood",
    "Clarke",
    "Ali",
    "Hussain",
    "Murphy",
    "Campbell",
    "Kelly",
    "Begum",
    "Okafor",
    "Nowak",
    "Davies",
]

# (id, name, kind, topics, calendar, trained_vulnerable, agent count)
TEAM_SPECS: tuple[tuple[str, str, str, tuple[str, ...], str, bool, int], ...] = (
    ("social", "Social care", "social", (), "cal-social", False, 20),
    ("cards", "Cards", "specialist", ("cards",), "cal-business", False, 6),
    ("lending", "Lending & mortgages", "specialist", ("lending", "mortgages"), "cal-business", False, 5),
    ("fraud", "Fraud", "specialist", ("fraud",), "cal-24x7", True, 6),
    ("complaints", "Complaints", "specialist", ("complaint",), "cal-complaints", False, 5),
    (
        "accounts",
        "Accounts & customer support",
        "specialist",
        ("accounts", "payments"),
        "cal-business",
        True,
        6,
    ),
)
# Which specialist team owns a topic (the concierge model's hand-off target).
OWNER = {t: spec[0] for spec in TEAM_SPECS[1:] for t in spec[3]}


@dataclass(frozen=True, slots=True)
class Incident:
    """A scripted event on the demo floor, every day at a London hour, lasting `hours`.
    kind "spike": arrivals of `topic` at `factor` times the peak rate's share on top of the usual ones;
    kind "offline": every agent of `team` logs off (their work goes back to the team's queue)."""

    kind: str
    start_hour: int
    hours: float
    team: str = ""
    topic: str = ""
    factor: float = 0.0


# A fraud spike at 20:00 (a phishing text doing the rounds) and the Cards team offline at 14:00 for an hour
# (a system outage): something for a supervisor to act on.
INCIDENTS = (
    Incident("spike", 20, 1.0, team="fraud", topic="fraud", factor=0.6),
    Incident("offline", 14, 1.0, team="cards"),
)


@dataclass(slots=True)
class World:
    teams: list[Team]
    agents: dict[str, Agent]
    channels: list[ChannelInfo]
    calendars: list[Calendar]
    policies: list[SLAPolicy]
    shifts: list[Shift]


def _hours(days: range, spans: tuple[tuple[int, int], ...]) -> dict[int, tuple[tuple[int, int], ...]]:
    return {d: spans for d in days}


def calendars() -> list[Calendar]:
    business = _hours(range(5), ((8 * 60, 20 * 60),)) | {5: ((9 * 60, 17 * 60),)}
    return [
        Calendar(
            "cal-business",
            "UK business hours",
            "Europe/London",
            hours=business,
            public_holidays=BANK_HOLIDAY_REGION,
        ),
        Calendar(
            "cal-social",
            "Social care extended hours",
            "Europe/London",
            hours=_hours(range(7), ((7 * 60, 23 * 60),)),
            annual_closures=frozenset({"12-25"}),  # open on bank holidays but Christmas Day
        ),
        Calendar(
            "cal-complaints",
            "Complaints (split day)",
            "Europe/London",
            hours=_hours(range(5), ((9 * 60, 12 * 60 + 30), (13 * 60 + 30, 17 * 60 + 30))),
            public_holidays=BANK_HOLIDAY_REGION,
        ),
        Calendar("cal-24x7", "24/7", "Europe/London", always_open=True),
    ]


def policies() -> list[SLAPolicy]:
    m, h = 60.0, 3600.0
    return [
        SLAPolicy("sla-fraud", "Fraud", 10, 15 * m, 30 * m, 4 * h, topic="fraud", calendar_id="cal-24x7"),
        SLAPolicy("sla-vulnerable", "Vulnerable customer", 20, 30 * m, 1 * h, 24 * h, flag="vulnerable"),
        SLAPolicy("sla-urgent", "Urgent", 30, 30 * m, 1 * h, 8 * h, priority="urgent"),
        SLAPolicy("sla-complaint", "Complaint", 40, 2 * h, 4 * h, 5 * 12 * h, topic="complaint"),
        SLAPolicy(
            "sla-x-public", "X public mention", 50, 1 * h, 2 * h, 24 * h, channel="x", visibility="public"
        ),
        SLAPolicy("sla-public", "Public post", 60, 2 * h, 3 * h, 24 * h, visibility="public"),
        SLAPolicy("sla-private", "Private message", 70, 4 * h, 4 * h, 48 * h, visibility="private"),
        # J.D. Power's 7 hours are the customer's: counted around the clock (the default policy's way).
        SLAPolicy("sla-default", "Default (7 hours)", 1000, 7 * h, 7 * h, 72 * h, calendar_id="cal-24x7"),
    ]


def channels() -> list[ChannelInfo]:
    # "threads" is deliberately absent: enquiries from it exercise unknown-channel handling.
    return [
        ChannelInfo("x", "X", public=True, private=True),
        ChannelInfo("facebook", "Facebook", public=True, private=True),
        ChannelInfo("instagram", "Instagram", public=True, private=True),
        ChannelInfo("whatsapp", "WhatsApp", public=False, private=True),
        ChannelInfo("linkedin", "LinkedIn", public=True, private=True),
    ]


def shifts(now: float) -> list[Shift]:
    """Early, late and night shifts of the day before, the day of and the day after `now` (London time)."""
    day = datetime.fromtimestamp(now, LONDON).date()
    all_teams = tuple(spec[0] for spec in TEAM_SPECS)
    out: list[Shift] = []
    for offset in (-1, 0, 1):
        d = day + timedelta(days=offset)
        for name, start_h, length_h in (("early", 6, 8), ("late", 14, 8), ("night", 22, 8)):
            start = datetime(d.year, d.month, d.day, start_h, tzinfo=LONDON)
            end = start + timedelta(hours=length_h)
            teams = all_teams if name != "night" else ("social", "fraud")
            out.append(
                Shift(f"shift-{d.isoformat()}-{name}", f"{name.title()} {d:%a %d %b}", SITE,
                      start.timestamp(), end.timestamp(), teams)
            )  # fmt: skip
    return out


def add_closures(world: World, feed: HolidayFeed) -> None:
    """The bank's own closures (its .ics feed) on top of every working-hours calendar the service serves."""
    world.calendars = list(with_feed(world.calendars, feed).values())


def build(rng: random.Random, now: float) -> World:
    teams: list[Team] = []
    agents: dict[str, Agent] = {}
    for team_id, name, kind, topics, cal, trained, count in TEAM_SPECS:
        teams.append(Team(team_id, name, kind, topics, cal, trained))
        for i in range(count):
            agent_id = f"ag-{team_id}-{i + 1:02d}"
            status = rng.choices(("available", "busy", "away", "offline"), (55, 25, 10, 10))[0]
            agents[agent_id] = Agent(
                agent_id,
                f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                team_id,
                status,
                capacity=rng.randint(3, 8),
                load=0,
                status_since=now - rng.uniform(0, 4 * 3600),
            )
    return World(teams, agents, channels(), calendars(), policies(), shifts(now))
