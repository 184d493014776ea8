"""Precision and recall of the reply-behaviour rules (console.domain.risk.behaviours) on the labelled
corpus tests/data/agent_replies_corpus.jsonl: on all of it, on its train part (the rules were tuned on
it), its held-out part (phrasings never used while tuning, but written by the rules' author at the same
time), its dev part (40 whole replies written by hand after the first rules: they showed the rules too
narrow and were then tuned on) and its blind part (whole replies written by hand after that, never tuned
on: the honest figure). Bars (issue 17): each behaviour >= 90% precision and >= 90% recall.
Baseline beside it, from the same run: a rule that says "yes" to everything (precision = prevalence).

    PYTHONPATH=$PWD python benchmarks/bench_behaviours.py [--split all|train|heldout]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from console.domain.risk.behaviours import Behaviours, detect

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "agent_replies_corpus.jsonl"
LABELS = (
    "same_channel",
    "thanked",
    "offered_more_help",
    "offered_products",
    "asks_account_details_in_public",
)
BAR = 0.90


def load(path: Path = CORPUS) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def predict(row: dict[str, object]) -> Behaviours:
    return detect(
        str(row["text"]),
        reply_channel=str(row["reply_channel"]),
        reply_visibility=str(row["reply_visibility"]),
        customer_channel=str(row["customer_channel"]),
    )


def scores(rows: list[dict[str, object]]) -> dict[str, tuple[float, float, int, int, int]]:
    """label -> (precision, recall, true positives, false positives, false negatives)."""
    out: dict[str, tuple[float, float, int, int, int]] = {}
    preds = [predict(r) for r in rows]
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


def report(name: str, rows: list[dict[str, object]], *, verbose: bool) -> bool:
    t0 = time.perf_counter()
    table = scores(rows)
    dt = time.perf_counter() - t0
    ok = True
    print(f"\n{name}: {len(rows)} replies, {dt * 1000 / max(1, len(rows)):.3f} ms per reply (5 rules)")
    print(f"  {'behaviour':34} {'precision':>9} {'recall':>7}   {'tp':>4} {'fp':>3} {'fn':>3}   baseline P")
    for label, (p, r, tp, fp, fn) in table.items():
        prevalence = sum(bool(x["labels"][label]) for x in rows) / max(1, len(rows))  # type: ignore[index]
        passed = p >= BAR and r >= BAR
        ok &= passed
        flag = "" if passed else "  BELOW BAR"
        print(f"  {label:34} {p:9.1%} {r:7.1%}   {tp:4} {fp:3} {fn:3}   {prevalence:9.1%}{flag}")
    if verbose:
        for row in rows:
            p = predict(row)
            for label in LABELS:
                if bool(row["labels"][label]) != bool(getattr(p, label)):  # type: ignore[index]
                    print(f"    {row['id']} {label}: labelled {row['labels'][label]}: {row['text']}")  # type: ignore[index]
    return ok


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", choices=("all", "train", "heldout", "dev", "blind"), default="all")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = ap.parse_args()
    rows = load()
    ok = True
    if args.split in ("all",):
        ok &= report("all", rows, verbose=args.verbose)
    if args.split in ("all", "train"):
        ok &= report("train", [r for r in rows if r["split"] == "train"], verbose=args.verbose)
    if args.split in ("all", "heldout"):
        ok &= report("held-out", [r for r in rows if r["split"] == "heldout"], verbose=args.verbose)
    if args.split in ("all", "dev"):
        ok &= report("dev", [r for r in rows if r["split"] == "dev"], verbose=args.verbose)
    if args.split in ("all", "blind"):
        ok &= report("blind", [r for r in rows if r["split"] == "blind"], verbose=args.verbose)
    print("\nbars met" if ok else "\nbars NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
