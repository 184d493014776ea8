"""Precision and recall of the reply-behaviour rules (console.domain.risk.behaviours) per behaviour, on
seven labelled corpora, the old rules (benchmarks/behaviours_v1.py, main before issue 17 item 1) beside
the new ones in the same run, and the throughput of each (replies a second, one core, old and new passes
interleaved, best of --rounds).

- tuned: tests/data/agent_replies_corpus.jsonl, 465 replies; the first rules were tuned on all of it
  (its splits, train/heldout/dev/blind, are its own history).
- blind: tests/data/agent_replies_blind.jsonl, 252 replies in other styles, written before the new
  rules; the new rules were then tuned on it (so it is no longer blind for them, only for the old ones).
- fresh: tests/data/agent_replies_fresh.jsonl, 97 replies written after the first round of these rules;
  the second round (the product families, the offering constructions) was tuned on it too.
- round3: tests/data/agent_replies_round3.jsonl, 260 replies by a third author who never saw the rules
  nor the other corpora (measured before tuning: more help recall 77.8%, products 93.5/95.1); the third
  round (invitations with no "more" word, who a product suits, forms and branch appointments as
  "elsewhere") was tuned on it.
- round4: tests/data/agent_replies_round4.jsonl, 300 replies by a fourth author who saw neither the rules
  nor the other corpora (measured before tuning: more help recall 76.5%, products 93.5/79.5); the fourth
  round (a way back "if it hasn't arrived by Friday, DM us", invitations with no "more" word, a refusal of
  something else before ours, reviews an adviser runs) was tuned on it.
- round5: tests/data/agent_replies_round5.jsonl, 300 replies by a fifth author who saw neither, asked for
  as many ways of saying each behaviour as they could find (measured before tuning: more help recall
  60.2%, products 93.0/57.6); the fifth round (a way back after a short question, "any X, tag us",
  "whenever", idioms of several Englishes, features named or living in the app, habits "if you ... often",
  a negation that stops at a comma) was tuned on it.
- unseen: tests/data/agent_replies_unseen.jsonl, 267 replies by another author who never saw the rules,
  and never read by whoever tunes them: the honest figure for replies nobody has seen. Only its
  aggregate figures are ever printed (-v lists misses on the other three only), so that looking at it
  cannot become tuning on it.

Bars (issue 17): each behaviour >= 90% precision and >= 90% recall; the exit status says whether the
new rules meet them on every corpus but unseen (unseen is reported, whatever it is). Baseline P: a rule
that says "yes" to every reply (its precision is the prevalence).

    PYTHONPATH=$PWD python benchmarks/bench_behaviours.py [-v] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import behaviours_v1
from console.domain.risk import behaviours

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
CORPORA = {
    "tuned": DATA / "agent_replies_corpus.jsonl",
    "blind": DATA / "agent_replies_blind.jsonl",
    "fresh": DATA / "agent_replies_fresh.jsonl",
    "round3": DATA / "agent_replies_round3.jsonl",
    "round4": DATA / "agent_replies_round4.jsonl",
    "round5": DATA / "agent_replies_round5.jsonl",
    "unseen": DATA / "agent_replies_unseen.jsonl",
}
# Reported, never tuned on: no per-reply output, no part of the exit status.
HELD_OUT = frozenset({"unseen"})
LABELS = (
    "same_channel",
    "thanked",
    "offered_more_help",
    "offered_products",
    "asks_account_details_in_public",
)
BAR = 0.90
Row = dict[str, object]
Detect = Callable[[Row], object]


def load(path: Path) -> list[Row]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _caller(detect: Callable[..., object]) -> Detect:
    def call(row: Row) -> object:
        return detect(
            str(row["text"]),
            reply_channel=str(row["reply_channel"]),
            reply_visibility=str(row["reply_visibility"]),
            customer_channel=str(row["customer_channel"]),
        )

    return call


OLD, NEW = _caller(behaviours_v1.detect), _caller(behaviours.detect)


def scores(rows: list[Row], detect: Detect = NEW) -> dict[str, tuple[float, float, int, int, int]]:
    """label -> (precision, recall, true positives, false positives, false negatives)."""
    out: dict[str, tuple[float, float, int, int, int]] = {}
    preds = [detect(r) for r in rows]
    for label in LABELS:
        tp = fp = fn = 0
        for r, p in zip(rows, preds, strict=True):
            want = bool(r["labels"][label])  # type: ignore[index]
            got = bool(getattr(p, label))
            tp += want and got
            fp += got and not want
            fn += want and not got
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        out[label] = (precision, recall, tp, fp, fn)
    return out


def throughput(rows: list[Row], rounds: int) -> tuple[float, float]:
    """Replies a second for the old and the new rules: passes interleaved (old, new, old, new...) so a
    busy machine slows both alike; the best pass of each."""
    best = {"old": float("inf"), "new": float("inf")}
    for _ in range(rounds):
        for name, detect in (("old", OLD), ("new", NEW)):
            behaviours.forget_words()  # the rules' cost, not a memo's: every text is new to a pass
            t0 = time.perf_counter()
            for r in rows:
                detect(r)
            best[name] = min(best[name], time.perf_counter() - t0)
    return len(rows) / best["old"], len(rows) / best["new"]


def report(name: str, rows: list[Row], *, verbose: bool) -> bool:
    old, new = scores(rows, OLD), scores(rows, NEW)
    ok = True
    print(f"\n{name}: {len(rows)} replies")
    head = f"{'old P':>7} {'old R':>7}   {'new P':>7} {'new R':>7} {'fp':>3} {'fn':>3}"
    print(f"  {'behaviour':32} {head}   baseline P")
    for label in LABELS:
        op, orc = old[label][:2]
        p, r, _, fp, fn = new[label]
        prevalence = sum(bool(x["labels"][label]) for x in rows) / max(1, len(rows))  # type: ignore[index]
        passed = p >= BAR and r >= BAR
        ok &= passed
        flag = "" if passed else "  BELOW BAR"
        figures = f"{op:7.1%} {orc:7.1%}   {p:7.1%} {r:7.1%} {fp:3} {fn:3}"
        print(f"  {label:32} {figures}   {prevalence:9.1%}{flag}")
    if verbose:
        for row in rows:
            found = NEW(row)
            for label in LABELS:
                want = bool(row["labels"][label])  # type: ignore[index]
                if want != bool(getattr(found, label)):
                    print(f"    {'missed' if want else 'wrongly said'} {label}: {row['id']} {row['text']}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument(
        "-v", "--verbose", action="store_true", help="list every miss of the new rules (not on unseen)"
    )
    ap.add_argument("--rounds", type=int, default=5, help="throughput passes (best of)")
    args = ap.parse_args()
    corpora = {name: load(path) for name, path in CORPORA.items()}
    ok = True
    for name, rows in corpora.items():
        met = report(name, rows, verbose=args.verbose and name not in HELD_OUT)
        if name not in HELD_OUT:
            ok &= met
    everything = [r for rows in corpora.values() for r in rows]
    old_rate, new_rate = throughput(everything, args.rounds)
    print(
        f"\nthroughput over all {len(everything)} replies (one core, best of {args.rounds} interleaved "
        f"passes): old {old_rate:,.0f} replies/s, new {new_rate:,.0f} replies/s"
    )
    print("\nbars met on every corpus tuned on" if ok else "\nbars NOT met on every corpus tuned on")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
