"""A message from the wire: the one-pass reading of a sound record (what the message feed brings by the
hundred thousand) gives exactly what the long way gives, and anything unsound still goes the long way
and is refused with its reason."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.domain import wire
from console.domain.limits import MAX_STRING

FIELDS = ("id", "enquiry_id", "direction", "author", "text", "sent_at", "channel", "visibility")
TIMES = ["2026-11-26T09:15:00.000Z", "2026-11-26T09:15:00+01:00", "2026-11-26T09:15:00", "yesterday", ""]
SCALARS = st.one_of(
    st.sampled_from(["m-1", "enq-1", "in", " OUT ", "In", "x", "", "public", "DM", "a\x00b", "a\ud800b"]),
    st.sampled_from(TIMES),
    st.text(max_size=30),
    st.none(),
    st.integers(-5, 5),
    st.lists(st.text(max_size=3), max_size=2),
)


def outcome(read: Any, d: Any) -> object:
    try:
        return read(d)
    except wire.BadRecord as e:
        return ("refused", type(e))


@settings(max_examples=600, deadline=None)
@given(
    st.dictionaries(st.sampled_from([*FIELDS, "extra"]), SCALARS, max_size=9),
    st.sampled_from(FIELDS),
)
def test_the_one_pass_reading_gives_what_the_long_way_gives(record: dict[str, Any], anchor: str) -> None:
    sound = {"id": "m-1", "enquiry_id": "enq-1", "direction": "in", "sent_at": TIMES[0], **record}
    for d in (record, sound, {**sound, anchor: sound.get(anchor)}):
        assert outcome(wire.message_from_wire, d) == outcome(wire.message_checked, d)


@pytest.mark.parametrize(
    "spoil",
    [
        {"text": "x" * (MAX_STRING + 1)},
        {"text": "nul \x00 here"},
        {"author": "lone \ud800"},
        {"id": ""},
        {"enquiry_id": "bad\x07id"},
        {"direction": "sideways"},
        {"sent_at": "2026-11-26T09:15:00"},
        {"text": 5},
        {"extra": [1, 2]},
    ],
)
def test_an_unsound_message_is_refused_with_its_reason(spoil: dict[str, Any]) -> None:
    good = {"id": "m-1", "enquiry_id": "enq-1", "direction": "in", "text": "hi", "sent_at": TIMES[0]}
    assert wire.message_from_wire(good).text == "hi"
    if "extra" in spoil:  # an unknown field is no fault: read the long way, same result
        assert wire.message_from_wire({**good, **spoil}) == wire.message_checked({**good, **spoil})
        return
    with pytest.raises(wire.BadRecord):
        wire.message_from_wire({**good, **spoil})
