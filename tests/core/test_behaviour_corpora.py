"""The reply-behaviour rules (console.domain.risk.behaviours) on the three labelled corpora of agent
replies (issue 17 item 1), and the traps the rules must not fall into.

- tuned (agent_replies_corpus.jsonl) and blind (agent_replies_blind.jsonl): the bars, >= 90% precision
  and >= 90% recall per behaviour.
- fresh (agent_replies_fresh.jsonl): written after all tuning and never tuned on. The rules fall short
  of the bars there; the floors below are the measured figures (rounded down), so they catch a rule
  change that makes generalisation worse. Measured when it was written (benchmarks/bench_behaviours.py):
  same channel 100/100, thanked 100/100, more help 88.2/83.3, products 100/55.6, account details in
  public 93.8/88.2 (precision/recall, %).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.domain.risk import behaviours
from console.domain.risk.wording import wording

DATA = Path(__file__).parents[1] / "data"
TUNED, BLIND, FRESH = (DATA / f"agent_replies_{n}.jsonl" for n in ("corpus", "blind", "fresh"))
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


@pytest.mark.parametrize("corpus", [TUNED, BLIND], ids=["tuned", "blind"])
@pytest.mark.parametrize("name", LABELS)
def test_each_behaviour_meets_the_bar(corpus, name):
    precision, recall = precision_recall(load(corpus), name)
    assert precision >= 0.90, f"precision {precision:.1%}"
    assert recall >= 0.90, f"recall {recall:.1%}"


# The fresh corpus's floors: its measured figures, rounded down. NOT the bars: see the module docstring.
FRESH_FLOORS = {
    "same_channel": (0.95, 0.95),
    "thanked": (0.95, 0.95),
    "offered_more_help": (0.85, 0.80),
    "offered_products": (0.95, 0.55),
    "asks_account_details_in_public": (0.90, 0.85),
}


@pytest.mark.parametrize("name", LABELS)
def test_the_fresh_corpus_stays_above_its_floor(name):
    precision, recall = precision_recall(load(FRESH), name)
    floor_p, floor_r = FRESH_FLOORS[name]
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
