"""Default SLA policies and calendars a UK retail bank would recognise. The API's policies override
these by id (merge_policies); the catch-all policy applies when nothing else matches.

Targets are working seconds inside the policy's calendar. Sources for the numbers:
- first response within 7 hours of the customer's clock (24/7, every hour counts): J.D. Power 2012, the
  outer limit of customer satisfaction on social. The finding is about how long the customer waits, so
  the catch-all policy counts every hour: on the social calendar a Saturday 19:00 enquiry would otherwise
  be due Monday 14:00, 43 hours later. Sites may still choose working-hours targets per policy;
- resolution within a week on the same 24/7 clock (what 5 business days come to);
- public posts within 1 hour: the best UK banks answer public tweets in 3-12 minutes, and an unanswered
  public post is seen by everyone (DESIGN.md);
- suspected fraud within 15 minutes, around the clock: money can still be stopped;
- complaints resolved within 3 business days: the FCA's "summary resolution" window (DISP 1.5).
"""

from __future__ import annotations

from console.domain.model import Calendar, SLAPolicy

MIN = 60.0
HOUR = 3600.0
BUSINESS_DAY = 8 * HOUR  # one 09:00-17:00 day of working time

CATCH_ALL_ID = "default"

# Public holidays are computed per calendar, for any year, by console.domain.calendars (the `holidays`
# package): England and Wales here. The social team works bank holidays but not Christmas Day or New
# Year's Day.
BANK_HOLIDAY_REGION = "GB-ENG"
SOCIAL_CLOSED_EVERY_YEAR = frozenset({"12-25", "01-01"})


def default_calendars() -> list[Calendar]:
    office = ((9 * 60, 17 * 60),)
    extended = ((8 * 60, 20 * 60),)
    return [
        Calendar(
            id="business",
            name="UK business hours (09:00-17:00 Mon-Fri)",
            timezone="Europe/London",
            hours={d: office for d in range(5)},
            public_holidays=BANK_HOLIDAY_REGION,
        ),
        Calendar(
            id="social",
            name="Social care (08:00-20:00 Mon-Sat)",
            timezone="Europe/London",
            hours={d: extended for d in range(6)},
            annual_closures=SOCIAL_CLOSED_EVERY_YEAR,
        ),
        Calendar(id="24x7", name="Around the clock", timezone="UTC", always_open=True),
    ]


def default_policies() -> list[SLAPolicy]:
    return [
        SLAPolicy("fraud-flag", "Suspected fraud", 10, 15 * MIN, 15 * MIN, 24 * HOUR,
                  flag="fraud_risk", calendar_id="24x7"),
        SLAPolicy("fraud-topic", "Fraud enquiry", 11, 15 * MIN, 15 * MIN, 24 * HOUR,
                  topic="fraud", calendar_id="24x7"),
        SLAPolicy("vulnerable", "Vulnerable customer", 20, 1 * HOUR, 2 * HOUR, 3 * BUSINESS_DAY,
                  flag="vulnerable"),
        SLAPolicy("complaint", "Complaint", 30, 1 * HOUR, 4 * HOUR, 3 * BUSINESS_DAY,
                  topic="complaint", calendar_id="business"),
        SLAPolicy("complaint-flag", "Flagged as a complaint", 31, 1 * HOUR, 4 * HOUR, 3 * BUSINESS_DAY,
                  flag="complaint", calendar_id="business"),
        SLAPolicy("urgent", "Urgent priority", 40, 30 * MIN, 1 * HOUR, 1 * BUSINESS_DAY,
                  priority="urgent", calendar_id="social"),
        SLAPolicy("public", "Public post", 50, 1 * HOUR, 2 * HOUR, 3 * BUSINESS_DAY,
                  visibility="public", calendar_id="social"),
        SLAPolicy(CATCH_ALL_ID, "Standard (J.D. Power: 7 hours of the customer's clock)", 1000, 7 * HOUR,
                  7 * HOUR, 7 * 24 * HOUR, calendar_id="24x7"),
    ]  # fmt: skip


def merge_policies(base: list[SLAPolicy], overrides: list[SLAPolicy]) -> list[SLAPolicy]:
    """base with every policy of the same id replaced by the override; new overrides are added."""
    merged = {p.id: p for p in base}
    merged.update((p.id, p) for p in overrides)
    return list(merged.values())


def merge_calendars(base: list[Calendar], overrides: list[Calendar]) -> dict[str, Calendar]:
    merged = {c.id: c for c in base}
    merged.update((c.id, c) for c in overrides)
    return merged
