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
    duration,
    format_age,
    format_countdown,
    format_waited,
    hours_minutes,
    state_word,
)

LONDON = ZoneInfo("Europe/London")
MIN, HOUR = 60.0, 3600.0


def at(*args: int) -> float:
    return datetime(*args, tzinfo=LONDON).timestamp()  # type: ignore[misc,arg-type]


def _status(remaining: float, due: float, state: str = "on_track") -> SlaStatus:
    return SlaStatus("first_response", state, remaining, due, HOUR)


def test_every_state_and_clock_of_the_engine_has_its_words() -> None:
    assert set(STATE_WORDS) == set(STATES) and set(CLOCK_WORDS) == set(KINDS)
    assert [state_word(s) for s in STATES] == ["On track", "At risk", "Urgent", "Breached"]
    assert clock_word("handoff") == "Specialist hand-off"  # one name, in the queue and the detail pane
    assert state_word(None) == NO_CLOCK == "No SLA clock running"


def test_unknown_states_and_clocks_stay_readable() -> None:
    assert state_word("paused_by_regulator") == "paused_by_regulator"
    assert clock_word("regulator_final_response") == "Regulator final response"


def test_time_is_written_one_way() -> None:
    assert duration(0) == duration(59) == "under a minute"
    assert duration(25 * MIN + 59) == "25 min"
    assert duration(65 * MIN + 30) == "1 h 05 min"
    assert duration(65 * MIN + 30, up=True) == "1 h 06 min"
    assert duration(2 * HOUR) == "2 h"  # no "00 min" on a whole hour
    assert duration(26 * HOUR) == "1 d 2 h" and duration(31 * HOUR + 59 * MIN) == "1 d 7 h"
    assert duration(48 * HOUR) == "2 d"
    assert duration(-5 * MIN) == "-5 min"
    # Response times keep their seconds under a threshold (shift reports: under ten minutes).
    assert duration(42, exact_below=600) == "42 s"
    assert duration(4 * MIN + 30, exact_below=600) == "4 min 30 s"
    assert duration(9 * MIN, exact_below=600) == "9 min"
    assert duration(12 * MIN + 30, exact_below=600) == "12 min"
    # Every helper speaks the same family: nothing writes "1:05", "25m" or "9h 50m".
    assert hours_minutes(65 * MIN) == format_age(65 * MIN) == "1 h 05 min"
    assert format_waited(9 * HOUR + 12 * MIN + 5) == "waited 9 h 12 min"
    assert format_age(-30) == "under a minute"


def test_format_countdown() -> None:
    due = at(2026, 11, 30, 9, 16)
    assert format_countdown(_status(42 * MIN, due), LONDON) == "42 min left · due Mon 09:16"
    assert format_countdown(_status(41 * MIN + 1, due), "Europe/London") == "42 min left · due Mon 09:16"
    assert format_countdown(_status(1, due), LONDON) == "1 min left · due Mon 09:16"  # until really gone
    assert format_countdown(_status(26 * HOUR, due), LONDON) == "1 d 2 h left · due Mon 09:16"
    over = _status(-(65 * MIN + 30), at(2026, 11, 26, 14, 20), "breached")
    assert format_countdown(over, LONDON, now=at(2026, 11, 26, 15, 25)) == "1 h 05 min over · was due 14:20"
    assert format_countdown(over, LONDON) == "1 h 05 min over · was due Thu 14:20"
    far = _status(200 * HOUR, at(2026, 12, 14, 9))
    assert format_countdown(far, LONDON, now=at(2026, 11, 26, 9)) == "8 d 8 h left · due Mon 14 Dec 09:00"
    working = format_countdown(_status(2 * HOUR + 5 * MIN, due), LONDON, working=True)
    assert working == "2 h 05 min working time left · due Mon 09:16"
    # Wall clock in the viewer's zone: the same deadline read in New York.
    assert format_countdown(_status(42 * MIN, due), "America/New_York") == "42 min left · due Mon 04:16"
    assert format_countdown(_status(HOUR, math.inf), LONDON) == NO_DEADLINE
