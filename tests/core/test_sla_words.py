"""The words and time formats for SLA clocks and states: one definition that every view reads."""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

from console.sla.engine import KINDS, STATES, SlaStatus
from console.sla.words import (
    CLOCK_WORDS,
    NO_CLOCK,
    NO_DEADLINE,
    STATE_WORDS,
    clock_word,
    format_countdown,
    hours_minutes,
    state_word,
)

LONDON = ZoneInfo("Europe/London")
MIN, HOUR = 60.0, 3600.0


def at(*args: int) -> float:
    return datetime(*args, tzinfo=LONDON).timestamp()  # type: ignore[misc,arg-type]


def _status(remaining: float, due: float, state: str = "on_track") -> SlaStatus:
    return SlaStatus("first_response", state, remaining, due, HOUR, remaining / HOUR)


def test_every_state_and_clock_of_the_engine_has_its_words() -> None:
    assert set(STATE_WORDS) == set(STATES) and set(CLOCK_WORDS) == set(KINDS)
    assert [state_word(s) for s in STATES] == ["On track", "At risk", "Urgent", "Breached"]
    assert clock_word("handoff") == "Specialist hand-off"  # one name, in the queue and the detail pane
    assert state_word(None) == NO_CLOCK == "No SLA clock running"


def test_unknown_states_and_clocks_stay_readable() -> None:
    assert state_word("paused_by_regulator") == "paused_by_regulator"
    assert clock_word("regulator_final_response") == "Regulator final response"


def test_hours_minutes() -> None:
    assert hours_minutes(65 * MIN + 30) == "1:05"
    assert hours_minutes(65 * MIN + 30, up=True) == "1:06"
    assert hours_minutes(26 * HOUR) == "26:00"
    assert hours_minutes(0) == "0:00"


def test_format_countdown() -> None:
    due = at(2026, 11, 30, 9, 16)
    assert format_countdown(_status(42 * MIN, due), LONDON) == "0:42 left · due Mon 09:16"
    assert format_countdown(_status(41 * MIN + 1, due), "Europe/London") == "0:42 left · due Mon 09:16"
    assert format_countdown(_status(26 * HOUR, due), LONDON) == "26:00 left · due Mon 09:16"
    over = _status(-(65 * MIN + 30), at(2026, 11, 26, 14, 20), "breached")
    assert format_countdown(over, LONDON, now=at(2026, 11, 26, 15, 25)) == "+1:05 over · was due 14:20"
    assert format_countdown(over, LONDON) == "+1:05 over · was due Thu 14:20"
    far = _status(200 * HOUR, at(2026, 12, 14, 9))
    assert format_countdown(far, LONDON, now=at(2026, 11, 26, 9)) == "200:00 left · due Mon 14 Dec 09:00"
    # Wall clock in the viewer's zone: the same deadline read in New York.
    assert format_countdown(_status(42 * MIN, due), "America/New_York") == "0:42 left · due Mon 04:16"
    assert format_countdown(_status(HOUR, math.inf), LONDON) == NO_DEADLINE
