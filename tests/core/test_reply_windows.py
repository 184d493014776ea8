"""The platforms' reply windows: per channel, private conversations only, 24 elapsed hours (also
across a change of the clocks), a warning before they close, and words that say what is left."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from console.domain.complaints import default_rules
from console.sla.reply_windows import (
    CLOSED,
    CLOSING,
    OPEN,
    closing_soon,
    format_window,
    reply_window,
    window_status,
)
from tests.helpers.store import make_enquiry

LONDON = ZoneInfo("Europe/London")
RULES = default_rules()


def at(*parts: int) -> float:
    return datetime(*parts, tzinfo=LONDON).timestamp()  # type: ignore[misc, arg-type]


def test_a_whatsapp_window_across_the_spring_change_closes_at_11_summer_time():
    # Clocks go forward at 01:00 GMT on Sunday 29 March 2026: 24 hours after Saturday 10:00 GMT is
    # Sunday 11:00 BST, not 10:00.
    last = at(2026, 3, 28, 10, 0)
    e = make_enquiry(1, channel="whatsapp", visibility="private", last_customer_message_at=last)
    w = reply_window(e, RULES)
    assert w is not None
    assert w.closes_at - last == 24 * 3600
    assert w.closes_at == at(2026, 3, 29, 11, 0)
    assert w.extended_closes_at is None
    assert window_status(w, at(2026, 3, 29, 8, 59), RULES.warn_s).state == OPEN
    assert window_status(w, at(2026, 3, 29, 9, 0), RULES.warn_s).state == CLOSING
    assert window_status(w, at(2026, 3, 29, 11, 1), RULES.warn_s).state == CLOSED
    now = at(2026, 3, 29, 9, 48)
    assert format_window(w, window_status(w, now, RULES.warn_s), "Europe/London", now) == (
        "1 h 12 min left · closes 11:00"
    )
    now = at(2026, 3, 29, 11, 40)
    assert format_window(w, window_status(w, now, RULES.warn_s), "Europe/London", now) == (
        "closed 11:00, 40 min ago: only approved templates can be sent"
    )


def test_a_whatsapp_window_across_the_autumn_change_closes_at_17_winter_time():
    last = at(2026, 10, 24, 18, 0)  # Saturday 18:00 BST; clocks go back on Sunday 25 October
    e = make_enquiry(1, channel="whatsapp", visibility="private", last_customer_message_at=last)
    w = reply_window(e, RULES)
    assert w is not None and w.closes_at == at(2026, 10, 25, 17, 0)


def test_messenger_and_instagram_have_seven_days_with_the_human_agent_tag():
    last = at(2026, 6, 1, 12, 0)
    for channel in ("messenger", "facebook", "instagram"):
        e = make_enquiry(1, channel=channel, visibility="private", last_customer_message_at=last)
        w = reply_window(e, RULES)
        assert w is not None and w.closes_at == last + 24 * 3600
        assert w.extended_closes_at == last + 7 * 24 * 3600
        now = last + 30 * 3600
        text = format_window(w, window_status(w, now, RULES.warn_s), "Europe/London", now)
        assert text == (
            "closed 12:00, 6 h ago: only tagged messages can be sent; with the human-agent tag until "
            "Mon 12:00"
        )


@pytest.mark.parametrize(
    "kw",
    [
        dict(channel="whatsapp", visibility="public"),
        dict(channel="x", visibility="private"),
        dict(channel="whatsapp", visibility="private", status="resolved"),
        dict(channel="whatsapp", visibility="private", last_customer_message_at=None),
    ],
)
def test_no_window_for_public_posts_other_channels_closed_or_silent_conversations(kw):
    kw.setdefault("last_customer_message_at", at(2026, 6, 1, 12, 0))
    assert reply_window(make_enquiry(1, **kw), RULES) is None


def test_the_saved_view_keeps_windows_closing_within_the_warning():
    last = at(2026, 6, 1, 12, 0)
    e = make_enquiry(1, channel="instagram", visibility="private", last_customer_message_at=last)
    assert not closing_soon(e, RULES, last + 21 * 3600)
    assert closing_soon(e, RULES, last + 22.5 * 3600)
    assert not closing_soon(e, RULES, last + 25 * 3600)  # closed already: other views show it
