"""People's words for codes (console.domain.labels): listed codes get their words, unknown ones are made
readable, never shown raw."""

from __future__ import annotations

import pytest

from console.domain import labels
from console.domain.model import AGENT_STATUSES, PRIORITIES, STATUSES, TOPICS


def test_the_codes_from_the_issue_read_as_words() -> None:
    assert labels.flags_text({"fraud_risk", "vulnerable"}) == "Fraud risk, Vulnerable customer"
    assert labels.status_label("pending_specialist") == "Waiting for a specialist"
    assert labels.priority_label("urgent") == "Urgent"
    assert labels.clock_label("handoff") == "Specialist hand-off"
    assert labels.channel_label("threads") == "Threads"
    assert labels.channel_label("whatsapp") == "WhatsApp"
    assert labels.team_kind_label("social") == "Social team"
    assert labels.channel_text("x", "private") == "X · DM"
    assert labels.channel_text("facebook", "public") == "Facebook · public"


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("some_new_code", "Some new code"),
        ("gold-tier", "Gold tier"),
        ("", "Unknown"),
        (None, "Unknown"),
        ("bad\x00code", "Badcode"),
    ],
)
def test_an_unknown_code_is_made_readable(code: str | None, words: str) -> None:
    assert labels.readable(code) == words
    assert labels.status_label(code) == words
    assert labels.channel_label(code) == words


@pytest.mark.parametrize(
    ("table", "say"),
    [
        (STATUSES, labels.status_label),
        (PRIORITIES, labels.priority_label),
        (TOPICS, labels.topic_label),
        (AGENT_STATUSES, labels.agent_status_label),
    ],
)
def test_every_code_the_domain_defines_has_words_with_no_underscore(
    table: tuple[str, ...], say: object
) -> None:
    assert callable(say)
    for code in table:
        words = say(code)
        assert "_" not in words and words[:1].isupper(), (code, words)


def test_a_private_only_channel_has_no_public_entry() -> None:
    assert labels.channel_visibilities("whatsapp") == ()
    assert labels.channel_visibilities("x") == ("public", "private")
    assert labels.flags_text([], none="none") == "none"


def test_the_raw_code_list_holds_the_codes_that_must_never_show() -> None:
    raw = labels.raw_codes()
    for code in ("fraud_risk", "pending_specialist", "handoff", "waiting_customer", "whatsapp"):
        assert code in raw
    assert "cards" not in raw and "x" not in raw  # plain words, and a letter


def test_a_channel_name_from_the_service_wins_unless_it_is_the_id_again() -> None:
    names = {"x": "X (Twitter)", "threads": "threads"}
    assert labels.channel_name("x", names) == "X (Twitter)"
    assert labels.channel_name("threads", names) == "Threads"
    assert labels.channel_name("mastodon", names) == "Mastodon"
    assert labels.channel_name("whatsapp") == "WhatsApp"
