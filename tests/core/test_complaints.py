"""The complaint proposal from text: the labelled corpus (tests/data/complaints_corpus.jsonl) and what a
supervisor sees (the trigger words), plus who decides: the service's flag, a supervisor, or the text."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.domain.complaints import complaint_state, propose
from console.domain.complaints.detect import propose_every_cue
from console.domain.complaints.status import (
    BY_SERVICE,
    BY_SUPERVISOR,
    NOT_COMPLAINT,
    PROPOSED,
    Decision,
    received_at,
)
from console.service.sim import texts
from console.service.sim.clock import start_for_seed
from console.service.sim.population import draw_enquiry
from tests.helpers.store import T0, make_enquiry

CORPUS = Path(__file__).parents[1] / "data" / "complaints_corpus.jsonl"


def corpus() -> list[dict[str, object]]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


def scores(split: str | None) -> tuple[float, float]:
    tp = fp = fn = 0
    for row in corpus():
        if split is not None and row["split"] != split:
            continue
        said = propose(str(row["text"])).complaint
        tp += said and bool(row["complaint"])
        fp += said and not row["complaint"]
        fn += (not said) and bool(row["complaint"])
    return tp / (tp + fp), tp / (tp + fn)


def test_the_corpus_is_big_varied_and_keeps_a_held_out_part():
    rows = corpus()
    assert len(rows) >= 300
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({r["text"] for r in rows}) == len(rows)
    held = [r for r in rows if r["split"] == "heldout"]
    assert len(held) >= 75
    assert 0.35 < sum(bool(r["complaint"]) for r in held) / len(held) < 0.65
    texts = " ".join(str(r["text"]) for r in rows)
    for feature in ("hello??", "no complaints", "😡", "🙄", "lol", "u "):
        assert feature in texts


@pytest.mark.parametrize("split", [None, "heldout"])
def test_recall_and_precision_meet_the_bars(split):
    precision, recall = scores(split)
    assert recall >= 0.95, f"recall {recall:.3f}"
    assert precision >= 0.70, f"precision {precision:.3f}"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("absolutely disgraceful service at the Leeds branch today", {"disgraceful"}),
        ("thanks for absolutely nothing @yourbank", {"thanks for absolutely nothing"}),
        ("ANSWER YOUR PHONES", {"answer your phones"}),
        ("I've been waiting 3 weeks and heard nothing 😡", {"heard nothing", "😡"}),
    ],
)
def test_a_proposal_shows_the_words_that_triggered_it(text, words):
    p = propose(text)
    assert p.complaint
    assert words <= set(p.words)
    for t in p.triggers:
        assert text[t.start : t.end] == t.words


@pytest.mark.parametrize(
    "text",
    [
        "no complaints, just asking when my new card will arrive",
        "How do I make a complaint on behalf of my mum?",
        "What is the Financial Ombudsman Service?",
        "thanks so much for sorting my card so quickly 🙏",
        "hello??",
        "",
    ],
)
def test_calm_messages_are_not_proposed(text):
    assert not propose(text).complaint


def test_a_huge_message_is_judged_quickly_on_its_start():
    p = propose("disgraceful " + "a" * 1_000_000 + " fine")
    assert p.complaint and p.words == ("disgraceful",)


def test_the_service_flag_beats_everything_and_a_supervisor_beats_the_text():
    angry = make_enquiry(1, text="absolutely disgraceful service")
    calm = make_enquiry(2, text="what time do you open?")
    flagged = make_enquiry(3, text="what time do you open?", flags=frozenset({"complaint"}))
    topic = make_enquiry(4, text="hi", topic="complaint")
    assert complaint_state(angry, None) == PROPOSED
    assert complaint_state(calm, None) == NOT_COMPLAINT
    assert complaint_state(flagged, None) == BY_SERVICE
    assert complaint_state(topic, Decision("E000004", "dismissed", T0, "sam")) == BY_SERVICE
    assert complaint_state(angry, Decision(angry.id, "dismissed", T0, "sam")) == NOT_COMPLAINT
    assert complaint_state(calm, Decision(calm.id, "confirmed", T0, "sam")) == BY_SUPERVISOR


def test_received_is_the_first_customer_message():
    e = make_enquiry(1, first_customer_message_at=T0 - 50)
    assert received_at(e) == T0 - 50
    assert received_at(make_enquiry(2)) == T0 + 2


def demo_texts(n: int) -> list[str]:
    """Customer messages as the reference service writes them (first messages, follow-ups, chasers)."""
    rng = random.Random(17)
    start = start_for_seed(17)
    out = []
    for i in range(n):
        e = draw_enquiry(rng, f"e{i}", start)
        out += [e.text, texts.customer_text(rng, e.topic), texts.follow_up(rng), texts.chaser(rng)]
    return out


def test_the_stems_scan_gives_the_same_answer_as_trying_every_cue():
    # The fast path tries only the cues whose literal stems are in the text: it must never differ.
    for text in [str(r["text"]) for r in corpus()] + demo_texts(500):
        assert propose(text) == propose_every_cue(text), text


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["COMPLAINT", "\u017ftill", "\u212a", "no complaints", "worst", "İ", "ß", "\\n"]),
            st.text(),
        ),
        max_size=6,
    )
)
def test_the_stems_scan_agrees_on_any_text(parts: list[str]) -> None:
    # Long s and the Kelvin sign match "s" and "k" case-insensitively: the scan of the case-folded text
    # must find their stems too.
    text = " ".join(parts)
    assert propose(text) == propose_every_cue(text)
