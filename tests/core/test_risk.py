"""Signals of risk (issue 17): sentiment, the escalation-risk score and its reasons, repeat contacts,
channel continuity and the reply behaviours on the labelled corpus."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from console.domain import wire
from console.domain.model import Message
from console.domain.risk import behaviours, continuity, sentiment
from console.domain.risk.contacts import earlier, handle_key
from console.domain.risk.score import AT_RISK, NO_RISK, Signals, assess
from console.live.risk import RiskBook, RiskCache, all_contacts
from tests.helpers.store import T0, make_enquiry, new_store

DAY = 86_400.0
CORPUS = Path(__file__).parents[1] / "data" / "agent_replies_corpus.jsonl"


def msg(i: int, direction: str, text: str, at: float, channel: str | None = None, vis: str | None = None):
    return Message(f"m{i}", "E000001", direction, "x", text, at, channel, vis)


# --- sentiment ------------------------------------------------------------------------------------


def test_vader_scores_social_media_anger_below_thanks():
    angry = sentiment.score("NOBODY answers!!! This is a disgrace, worst bank ever :(")
    happy = sentiment.score("That worked, thank you so much :)")
    assert angry <= sentiment.ANGRY < sentiment.POSITIVE <= happy
    assert sentiment.words(angry) == "very negative" and sentiment.words(happy) == "positive"
    assert sentiment.score("") == 0.0 and sentiment.words(0.0) == "neutral"


def test_a_pasted_essay_is_scored_on_its_start_only():
    assert sentiment.score("terrible. " * 100_000) == sentiment.score(("terrible. " * 100_000)[:2000])


def test_worsening_needs_a_fall_to_a_negative_message():
    assert sentiment.worsening([0.4, -0.6]) == pytest.approx(1.0)
    assert sentiment.worsening([-0.7, -0.6]) is None  # angry all along: not a trend (very negative counts)
    assert sentiment.worsening([0.3, 0.1]) is None  # cooler but not negative
    assert sentiment.worsening([-0.2]) is None


# --- the score and its reasons ----------------------------------------------------------------------


def test_no_signals_no_risk():
    assert assess(Signals()) is NO_RISK
    assert NO_RISK.explain() == "No signs of risk" and NO_RISK.level == "none"


def test_every_reason_is_named_with_its_points_and_they_add_up():
    risk = assess(
        Signals(
            sla_state="urgent",
            bounces=3,
            customer_scores=(0.5, -0.8),
            public=True,
            earlier_contacts_7d=2,
            vulnerable=True,
        )
    )
    said = [str(r) for r in risk.reasons]
    assert said == [
        "reply nearly overdue +20",
        "customer's mood worsening +20",
        "public post +20",
        "wrote to us 2 times before within 7 days +20",
        "vulnerable customer +15",
        "3 reassignments +10",
        "very negative message +10",
    ]
    assert risk.score == 100  # 115 capped
    assert risk.level == "high"
    assert risk.explain().startswith("100 (high): reply nearly overdue +20, ")


def test_one_move_to_a_specialist_is_not_a_bounce():
    assert assess(Signals(bounces=1)) is NO_RISK
    assert [str(r) for r in assess(Signals(bounces=2)).reasons] == ["2 reassignments +5"]
    assert assess(Signals(bounces=50)).score == 20  # capped


def test_a_public_angry_post_is_at_risk():
    risk = assess(Signals(public=True, customer_scores=(-0.9,), sla_state="at_risk"))
    assert risk.score == 40 >= AT_RISK and risk.level == "at risk"


# --- repeat contacts -----------------------------------------------------------------------------------


def test_repeat_contacts_count_the_seven_days_before_only():
    times = sorted([T0 - 8 * DAY, T0 - 6 * DAY, T0 - DAY, T0, T0 + DAY])
    assert earlier(times, T0) == 2  # -6 d and -1 d; not -8 d, not itself, not the later one
    assert handle_key("  @Amy_B ") == handle_key("@amy_b")


def test_the_book_counts_repeat_contacts_across_cases_of_the_handle():
    first = make_enquiry(1, customer_handle="@Amy_B", created_at=T0 - 2 * DAY)
    again = make_enquiry(2, customer_handle="@amy_b", created_at=T0)
    book = RiskBook.build([])
    assert book.earlier_contacts(again) == 0
    book2 = book.with_enquiries([first, again])
    assert book2.earlier_contacts(again) == 1 and book2.earlier_contacts(first) == 0
    assert book.earlier_contacts(again) == 0  # snapshots: the old book is unchanged
    assert book2.with_enquiries([first]) is book2


def test_a_book_from_the_open_rows_and_the_closed_contacts_counts_as_one_from_every_contact(
    tmp_path: Path,
) -> None:
    # The loading worker has the open rows in hand: their contacts come from them (the book then keys on
    # their own handle strings and times, ~6 MB at 100k), the closed ones' from the cache.
    store = new_store(tmp_path)
    try:
        rows = [make_enquiry(i, customer_handle=f"@c{i % 7}", created_at=T0 + i * 3600) for i in range(60)]
        rows[3] = replace(rows[3], customer_handle="@Amy_B ")  # compared without case or blanks
        rows += [
            replace(e, id=f"X{e.id}", status="resolved", created_at=e.created_at - DAY) for e in rows[:20]
        ]
        store.apply_enquiries(rows)
        open_rows = store.load_open()
        closed = store.risk_contacts(closed_only=True)
        assert len(open_rows) == 60 and len(closed) == 20 and len(store.risk_contacts()) == 80
        whole, split = (
            RiskBook.build(store.risk_contacts()),
            RiskBook.build(all_contacts(open_rows, closed)),
        )
        assert [split.earlier_contacts(e) for e in open_rows] == [
            whole.earlier_contacts(e) for e in open_rows
        ]
        assert sum(whole.earlier_contacts(e) for e in open_rows) > 60
        assert (
            handle_key(open_rows[0].customer_handle) is open_rows[0].customer_handle
        )  # the row's own string
        assert handle_key("@Amy_B ") == "@amy_b"
    finally:
        store.close()


def test_the_book_scores_the_conversation_then_the_newer_latest_message():
    e = make_enquiry(
        1,
        visibility="private",
        flags=frozenset(),
        text="Still nothing, this is useless and I am furious!!",
        last_customer_message_at=T0 + 300,
    )
    book = RiskBook.build([(e.customer_handle, e.created_at)])
    assert book.customer_scores(e) == (sentiment.score(e.text),)  # only the latest known
    conv = [
        msg(1, "in", "Hi, quick question about my card please", T0),
        msg(2, "out", "Thanks, looking", T0 + 60),
    ]
    book = book.with_messages(e.id, conv)
    scores = book.customer_scores(e)
    assert len(scores) == 2 and scores[-1] < 0 < scores[0]
    risk = book.assess(e, "on_track")
    assert "customer's mood worsening +20" in [str(r) for r in risk.reasons]
    for state in (None, "on_track", "at_risk", "urgent", "breached"):  # the fast path says the same
        assert book.assess(e, state) == assess(book.signals(e, state))


def test_the_latest_messages_are_scored_once_per_text_and_a_new_text_changes_the_key():
    # Many open enquiries carry the same latest message ("hello?"): the book keeps one score per text,
    # not a (text, score) pair per enquiry, and a cached risk notices when a row's text changes.
    same = [make_enquiry(i, text="hello? anyone??") for i in range(1, 4)]
    angry = make_enquiry(4, text="Worst bank ever, I am furious!!")
    trails, latest = RiskBook.scores([], [*same, angry, make_enquiry(5, text="")])
    assert latest == {
        "hello? anyone??": sentiment.score("hello? anyone??"),
        angry.text: sentiment.score(angry.text),
    }
    book = RiskBook.build([]).with_scores(trails, latest)
    assert book.customer_scores(angry) == (sentiment.score(angry.text),)
    calmer = replace(angry, text="Thanks, all sorted now", version=angry.version + 1)
    assert book.key(calmer) != book.key(angry)
    assert book.customer_scores(calmer) == (sentiment.score(calmer.text),)  # not the stored one


def test_the_book_reads_the_trail_from_the_cache(tmp_path):
    e = make_enquiry(1, text="ok")
    store = new_store(tmp_path)
    store.replace_messages(e.id, [wire.message_to_wire(msg(1, "in", "Great, thanks!", T0))])
    book = RiskBook.build([], [(e.id, T0, "Great, thanks!")])
    assert book.customer_scores(e) == (sentiment.score("Great, thanks!"),)


# --- channel continuity -----------------------------------------------------------------------------------


def _moved():
    e = make_enquiry(1, channel="x", visibility="private")
    msgs = [
        msg(1, "in", "My card was declined twice!!", T0, "x", "public"),
        msg(
            2,
            "out",
            "Thanks for flagging. Can you reply with your sort code and account number?",
            T0 + 60,
            "x",
            "public",
        ),
        msg(3, "out", "Sent you a DM.", T0 + 90, "x", "public"),
        msg(4, "in", "Here are my details", T0 + 200, "x", "private"),
        msg(
            5,
            "out",
            "Thanks. Please call us on 0345 300 0000 and we'll sort it over the phone.",
            T0 + 300,
            "x",
            "private",
        ),
        msg(6, "out", "Logged call: refund agreed. Anything else, just ask.", T0 + 900, "phone", "private"),
    ]
    return e, msgs


def test_one_enquiry_keeps_its_channel_history():
    e, msgs = _moved()
    steps = continuity.history(e, msgs)
    assert [continuity.step_words(s) for s in steps] == ["x (public)", "x (private)", "phone"]
    assert continuity.moved(steps)
    # messages without a channel (an older service) are where the enquiry is
    plain = [replace(m, channel=None, visibility=None) for m in msgs]
    assert [continuity.step_words(s) for s in continuity.history(e, plain)] == ["x (private)"]


def test_replied_in_the_same_channel_is_computed_from_the_history():
    e, msgs = _moved()
    checks = continuity.check_replies(e, msgs)
    assert [c.behaviours.same_channel for c in checks] == [True, True, False, False]
    assert [c.answered_channel for c in checks] == ["x", "x", "x", "x"]
    # only the public reply that asked for account details is flagged
    assert [m.id for m in continuity.public_detail_requests(e, msgs)] == ["m2"]


def test_a_reply_before_any_customer_message_has_no_channel_to_match():
    e = make_enquiry(1)
    checks = continuity.check_replies(e, [msg(1, "out", "Hello", T0)])
    assert checks[0].behaviours.same_channel is None


def test_message_channels_round_trip_the_wire_and_the_cache(tmp_path):
    store = new_store(tmp_path)
    e, msgs = _moved()
    raws = [wire.message_to_wire(m) for m in msgs]
    assert raws[0]["channel"] == "x" and "channel" not in wire.message_to_wire(replace(msgs[0], channel=None))
    assert store.replace_messages(e.id, raws) == len(msgs)
    back = store.messages(e.id)
    assert [(m.channel, m.visibility) for m in back] == [(m.channel, m.visibility) for m in msgs]
    store.close()


# --- behaviours ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "thanked"),
    [
        ("Thanks for getting in touch.", True),
        ("Thanks to the new update, the app is faster.", False),
        ("Please don't thank me, it was our mistake.", False),
        ("Cheers for the heads up!", True),
        ("We appreciate you reaching out.", True),
    ],
)
def test_thanks_and_its_traps(text, thanked):
    assert behaviours.thanked(text) is thanked


def test_the_corpus_is_big_enough_and_has_a_held_out_part():
    rows = [json.loads(x) for x in CORPUS.read_text().splitlines()]
    assert len(rows) >= 300
    held = [r for r in rows if r["split"] == "heldout"]
    assert len(held) >= 90
    for label in ("same_channel", "thanked", "offered_more_help", "offered_products"):
        assert 0 < sum(r["labels"][label] for r in held) < len(held)


def test_every_behaviour_meets_the_bar_on_the_held_out_part():
    """The bar (>= 90% precision and recall) on the replies never used while the rules were written;
    benchmarks/bench_behaviours.py prints the figures."""
    held = [json.loads(x) for x in CORPUS.read_text().splitlines() if '"heldout"' in x]
    found = {
        r["id"]: behaviours.detect(
            r["text"],
            reply_channel=r["reply_channel"],
            reply_visibility=r["reply_visibility"],
            customer_channel=r["customer_channel"],
        )
        for r in held
    }
    for label in (
        "same_channel",
        "thanked",
        "offered_more_help",
        "offered_products",
        "asks_account_details_in_public",
    ):
        said = {r["id"] for r in held if getattr(found[r["id"]], label)}
        truth = {r["id"] for r in held if r["labels"][label]}
        assert len(said & truth) >= 0.9 * len(said), label  # precision
        assert len(said & truth) >= 0.9 * len(truth), label  # recall


def test_priming_reads_the_sentiment_lexicon_before_any_score() -> None:
    # The loading worker primes it: the queue's first paint on the UI thread once read it (~15 ms).
    script = (
        "from console.domain.risk import sentiment as s\n"
        "before = s._analyser is None\n"
        "s.prime()\n"
        "print(before, s._analyser is not None, s.score('This is useless and I am furious!!') < -0.5)\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "True"]


def test_a_kept_risk_holds_while_version_clock_state_and_book_key_hold():
    e = make_enquiry(1, visibility="public", flags=frozenset(), text="Worst bank ever, I am furious!!")
    book = RiskBook.build([(e.customer_handle, e.created_at)])
    cache = RiskCache()
    first = cache.risk(book, e, "on_track")
    assert cache.risk(book, e, "on_track") is first  # kept
    assert cache.risk(book, e, "breached") == book.assess(e, "breached") != first  # the clock's state
    calmer = book.with_scores({}, {e.text: 0.9})  # the book scores the same text otherwise: its key
    assert calmer.key(e) != book.key(e)
    assert cache.risk(calmer, e, "breached") == calmer.assess(e, "breached")
    renewed = replace(e, text="Thanks, all sorted now", version=e.version + 1)
    assert cache.risk(calmer, renewed, "breached") == calmer.assess(renewed, "breached")
