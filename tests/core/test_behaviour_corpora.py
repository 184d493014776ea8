"""The reply-behaviour rules (console.domain.risk.behaviours) on the seven labelled corpora of agent
replies (issue 17 item 1), and the traps the rules must not fall into.

- tuned (agent_replies_corpus.jsonl), blind (agent_replies_blind.jsonl), fresh
  (agent_replies_fresh.jsonl), round3 (agent_replies_round3.jsonl, a third author's), round4
  (agent_replies_round4.jsonl, a fourth's) and round5 (agent_replies_round5.jsonl, a fifth's, asked for
  as many ways of saying each behaviour as they could think of): the bars, >= 90% precision and >= 90%
  recall per behaviour. All six have been tuned on (fresh since the second round of rules, round3 since
  the third, round4 since the fourth, round5 since the fifth), so meeting the bars there says little
  about replies nobody has seen.
- unseen (agent_replies_unseen.jsonl): 267 replies by another author who never saw the rules, never
  read by whoever tunes them. Its floors below are the figures measured once, after the third round
  was final, rounded down: a guard that catches a rule change making generalisation worse, not the bar.
  UNSEEN_MEASURED says what they were.

The phrasings in the trap tests below were written by hand, apart from all five corpora.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from console.domain.risk import behaviours
from console.domain.risk.wording import wording

DATA = Path(__file__).parents[1] / "data"
TUNED, BLIND, FRESH, ROUND3, ROUND4, ROUND5, UNSEEN = (
    DATA / f"agent_replies_{n}.jsonl"
    for n in ("corpus", "blind", "fresh", "round3", "round4", "round5", "unseen")
)
LABELS = (
    "same_channel",
    "thanked",
    "offered_more_help",
    "offered_products",
    "asks_account_details_in_public",
)
Row = dict[str, object]


def load(path: Path) -> list[Row]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def label(row: Row, name: str) -> bool:
    labels = row["labels"]
    assert isinstance(labels, dict)
    return bool(labels[name])


def precision_recall(rows: list[Row], name: str) -> tuple[float, float]:
    tp = fp = fn = 0
    for r in rows:
        found = behaviours.detect(
            str(r["text"]),
            reply_channel=str(r["reply_channel"]),
            reply_visibility=str(r["reply_visibility"]),
            customer_channel=str(r["customer_channel"]),
        )
        got, want = bool(getattr(found, name)), label(r, name)
        tp += got and want
        fp += got and not want
        fn += want and not got
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def test_the_blind_and_fresh_corpora_are_big_enough_and_apart():
    tuned, blind, fresh = load(TUNED), load(BLIND), load(FRESH)
    assert len(blind) >= 200 and len(fresh) >= 80
    for name in LABELS:
        assert sum(label(r, name) for r in blind) >= 40, name
        assert sum(label(r, name) for r in fresh) >= 15, name
    assert sum(not label(r, "same_channel") for r in blind) >= 15  # replies that leave the channel
    near_misses = [r for r in blind if str(r["id"]).startswith("blnm")]
    assert len(near_misses) >= 40
    assert all(sum(label(r, n) for n in LABELS if n != "same_channel") <= 1 for r in near_misses)
    texts = [{str(r["text"]) for r in rows} for rows in (tuned, blind, fresh)]
    assert not (texts[0] & texts[1]) and not (texts[0] & texts[2]) and not (texts[1] & texts[2])
    assert {tuple(sorted(r)) for r in blind + fresh} == {tuple(sorted(tuned[0]))}


@pytest.mark.parametrize(
    "corpus",
    [TUNED, BLIND, FRESH, ROUND3, ROUND4, ROUND5],
    ids=["tuned", "blind", "fresh", "round3", "round4", "round5"],
)
@pytest.mark.parametrize("name", LABELS)
def test_each_behaviour_meets_the_bar(corpus, name):
    precision, recall = precision_recall(load(corpus), name)
    assert precision >= 0.90, f"precision {precision:.1%}"
    assert recall >= 0.90, f"recall {recall:.1%}"


def test_the_round3_corpus_is_big_enough_and_apart():
    round3 = load(ROUND3)
    assert len(round3) >= 250
    for name in LABELS:
        assert sum(label(r, name) for r in round3) >= 30, name
    assert {tuple(sorted(r)) for r in round3} == {tuple(sorted(load(TUNED)[0]))}
    earlier = {str(r["text"]) for path in (TUNED, BLIND, FRESH) for r in load(path)}
    assert not earlier & {str(r["text"]) for r in round3}


def test_the_round4_corpus_is_big_enough_and_apart():
    """300 replies by a fourth author who saw neither the rules nor the other corpora. Measured before the
    fourth round of rules was tuned on it: more help recall 76.5%, products 93.5% / 79.5%."""
    round4 = load(ROUND4)
    assert len(round4) == 300
    for name in LABELS:
        assert sum(label(r, name) for r in round4) >= 30, name
    assert {tuple(sorted(r)) for r in round4} == {tuple(sorted(load(TUNED)[0]))}
    earlier = {str(r["text"]) for path in (TUNED, BLIND, FRESH, ROUND3) for r in load(path)}
    assert not earlier & {str(r["text"]) for r in round4}


def test_the_round5_corpus_is_big_enough_and_apart():
    """300 replies by a fifth author who saw neither the rules nor the other corpora, asked for variety
    of wording above all. Measured before the fifth round of rules was tuned on it: more help recall
    60.2%, products 93.0% / 57.6%."""
    round5 = load(ROUND5)
    assert len(round5) == 300
    for name in LABELS:
        assert sum(label(r, name) for r in round5) >= 30, name
    assert {tuple(sorted(r)) for r in round5} == {tuple(sorted(load(TUNED)[0]))}
    earlier = {str(r["text"]) for path in (TUNED, BLIND, FRESH, ROUND3, ROUND4) for r in load(path)}
    assert not earlier & {str(r["text"]) for r in round5}


def test_the_unseen_corpus_is_whole_and_apart():
    unseen = load(UNSEEN)
    assert len(unseen) == 267
    assert {tuple(sorted(r)) for r in unseen} == {tuple(sorted(load(TUNED)[0]))}
    for name, count in UNSEEN_POSITIVES.items():
        assert sum(label(r, name) for r in unseen) == count, name
    others = {str(r["text"]) for path in (TUNED, BLIND, FRESH, ROUND3, ROUND4, ROUND5) for r in load(path)}
    assert not others & {str(r["text"]) for r in unseen}


# Measured on unseen (benchmarks/bench_behaviours.py) when the fifth round of rules (tuned on round5, 300
# replies by a fifth author who never saw the rules) was final: precision, recall. The floors are these
# rounded down to the next 5%. NOT the bars. The fourth round measured 100/88.1 (more help) and
# 98.2/87.1 (products) there, as the third did; the second 100/84.7 and 96.4/87.1; the first 96.4/99.1,
# 92.6/100, 100/84.7, 93.9/50.0 and 100/89.3.
UNSEEN_MEASURED = {
    "same_channel": (0.964, 0.991),
    "thanked": (0.940, 1.0),
    "offered_more_help": (0.982, 0.932),
    "offered_products": (0.983, 0.919),
    "asks_account_details_in_public": (1.0, 0.911),
}
UNSEEN_POSITIVES = {
    "same_channel": 216,
    "thanked": 63,
    "offered_more_help": 59,
    "offered_products": 62,
    "asks_account_details_in_public": 56,
}


@pytest.mark.parametrize("name", LABELS)
def test_the_unseen_corpus_stays_above_its_floor(name):
    precision, recall = precision_recall(load(UNSEEN), name)
    floor_p, floor_r = (math.floor(x * 20) / 20 for x in UNSEEN_MEASURED[name])
    assert precision >= floor_p, f"precision {precision:.1%}"
    assert recall >= floor_r, f"recall {recall:.1%}"


@pytest.mark.parametrize(
    ("text", "thanked"),
    [
        ("thx so much, all done", True),
        ("Thnaks for your patience!", True),
        ("Thanks to a fault, payments were late.", False),
        ('You wrote "thanks for nothing" and you were right.', False),
        ("No need to thank us.", False),
        ("I appreciate this is frustrating.", False),
        ("We'd appreciate it if you could DM us.", False),
        ("We can't thank you enough for spotting this.", True),
        ("I'd appreciate a quick reply.", False),
        ("I'll pass your thanks on to Mia.", False),
        ("Please thank the branch staff from us.", False),
        ("I understand and appreciate why you're upset.", False),
    ],
)
def test_thanks(text, thanked):
    assert behaviours.thanked(text) is thanked


@pytest.mark.parametrize(
    ("text", "offered"),
    [
        ("Anything else, just shout.", True),
        ("lmk if there's anything else", True),
        ("We're here if you need us.", True),
        ("We can't do anything else, sorry.", False),
        ("Did you post anything else with it?", False),
        ("If anything else comes up, our DMs are always open.", True),
        ("If you've any other questions, pop them below.", True),
        ("Don't be a stranger if anything else crops up", True),
        ("If you get stuck again, ping us here.", True),
        ("Did you receive anything else from the sender?", False),
        ("Could you tell us anything else about the payment?", False),
        ("We need more information from you before we can help.", False),
        ("More help is available on our website.", False),
        # A way back for when this does not settle it; a request is not one, nor is a product's.
        ("If the refund hasn't landed by Tuesday, give us a nudge here.", True),
        ("Should it bounce again, just message us and we'll take another look.", True),
        ("If you could message us your reference, we'll trace it.", False),
        ("If you'd like a quote for our Home Insurance, let us know.", False),
        ("If you need more than £500, you can withdraw it at a branch.", False),
        ("We're here when you need us.", True),
        ("Ye ken where tae find us if it acts up.", True),
        ("Any other hiccups, just drop us a message.", True),
        ("Still not showing by Monday? Reply here and we'll chase it.", True),
        ("What's your sort code? Reply here and we'll trace it.", False),
        ("Should you wish to apply, simply reply to this message.", False),
        ("We couldn't find the payment, but we're right here if you need us.", True),
    ],
)
def test_more_help(text, offered):
    assert behaviours.offered_more_help(text) is offered


@pytest.mark.parametrize(
    ("text", "offered"),
    [
        ("Have you considered a Cash ISA?", True),
        ("You might be eligible for our travel card.", True),
        ("Our Regular Saver pays 6% a year.", True),
        ("We can't offer a refund on that.", False),
        ("We no longer offer the Easy Saver.", False),
        ("You're not eligible for an overdraft right now.", False),
        ("Your ISA transfer completed today.", False),
        ("You could close the loan early.", False),
        # Offering constructions over a product family, none of them in the corpora.
        ("Just a thought - a notice saver would earn you a lot more interest.", True),
        ("Have you had a look at our Flex Saver? 4.75% AER on balances up to £10k.", True),
        ("We also offer invoice finance for businesses like yours.", True),
        ("Out of interest, would a 0% money transfer card help?", True),
        ("Have you looked into a HELOC?", True),
        ("Lots of our customers find our Bills Manager handy for direct debits.", True),
        ("Something like our Money Manager tool could stop this happening again.", True),
        ("Have you got life cover in place? We can arrange a quote through our partner.", True),
        ("Why don't you open a Regular Saver for the monthly surplus?", True),
        ("With rates where they are, a fixed-term deposit may be worth considering.", True),
        # The customer's own, a replacement, a purpose, a withdrawn product, a product that is down.
        ("The Fixed Saver you opened matures on 3 March.", False),
        ("If you need a replacement credit card, just let us know.", False),
        ("To apply for a mortgage you'll need three months of payslips.", False),
        ("A 0% purchase card isn't something we can offer at the moment, sorry.", False),
        ("Unfortunately the Kids Saver isn't available to new customers any more.", False),
        ("The Round Ups feature is down this morning, we're fixing it.", False),
        ("We don't charge for overpaying a personal loan. Anything else we can help with?", False),
        # A refusal of something else, then ours; a help page's address; the agent having a look.
        ("We don't do pet insurance I'm afraid, but our Travel Insurance covers pets abroad.", True),
        ("There's a guide to switching at example.com/help/isas.", False),
        ("I've had a look and your overdraft limit is £500.", False),
        ("There's an issue with our payment provider affecting some card transactions.", False),
        ("If you pay bills often, Bill Planner in the app lets you schedule them.", True),
        ("We're not able to offer you a loan at the moment.", False),
        ("There's a tool for that: it's called Spend Radar and you can switch it on in Settings.", True),
    ],
)
def test_products(text, offered):
    assert behaviours.offered_products(text) is offered


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("reply w/ your acct number pls", True),
        ("What's the last 4 of your card?", True),
        ("Pls DM us your sort code, don't share it here.", False),
        ("Never post your card number on social media.", False),
        ("Please keep your PIN safe.", False),
        ("Please call the number on the back of your card.", False),
        ("Please include your account and routing numbers in your reply.", True),
        ("Give us the last four numbers and we'll check.", True),
        ("Mind sharing your sort code here so I can look?", True),
        ("Please delete your comment as it shows your sort code.", False),
        ("Can you check that the last four digits on the receipt match your card?", False),
    ],
)
def test_account_details(text, asks):
    assert behaviours.asks_account_details(text) is asks


@pytest.mark.parametrize(
    ("text", "elsewhere"),
    [
        ("Please ring us on 0800 123 4567.", True),
        ("Pop into any branch with your ID.", True),
        ("No need to call us, it's fixed.", False),
        ("The call you got wasn't from us.", False),
        ("Your PIN will come in a separate letter.", False),
        ("Head into any of our branches and they'll update it.", True),
        ("We'll write to you with our final response within 8 weeks.", True),
        ("We tried to call you earlier about this - all sorted now.", False),
    ],
)
def test_sends_elsewhere(text, elsewhere):
    assert behaviours.sends_elsewhere(text) is elsewhere


def test_only_a_public_reply_is_flagged_for_account_details():
    ask = "Can you post your sort code here?"
    pub = behaviours.detect(ask, reply_channel="x", reply_visibility="public", customer_channel="x")
    dm = behaviours.detect(ask, reply_channel="x", reply_visibility="private", customer_channel="x")
    assert pub.asks_account_details_in_public and not dm.asks_account_details_in_public


def test_typos_are_put_right_only_towards_the_vocabulary():
    w = wording()
    assert w.normalise("thnaks, elligible, acct") == "thanks, eligible, account"
    # Other forms of a word and ordinary words stay as they are.
    assert w.normalise("saving offers saved lease than") == "saving offers saved lease than"
