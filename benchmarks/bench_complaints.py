"""The complaint proposal on the labelled corpus (tests/data/complaints_corpus.jsonl): precision and
recall on all of it and on the held-out part it was not tuned on, the misses listed, and throughput on one
core beside a raw baseline from the same run (one case-folded substring test per message).

Run: .venv/bin/python benchmarks/bench_complaints.py [--rounds 5]

Bars (issue 17): recall >= 95% (a missed complaint is the costly error), precision >= 70%.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.bench_privacy import rate  # messages a second, best of N passes
from console.domain.complaints import propose

CORPUS = Path(__file__).parents[1] / "tests" / "data" / "complaints_corpus.jsonl"
RECALL_BAR, PRECISION_BAR = 0.95, 0.70


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    said = {r["id"]: propose(r["text"]).complaint for r in rows}
    ok = True
    print(
        f"{'part':<10} {'msgs':>5} {'complaints':>10} {'TP':>4} {'FP':>4} {'FN':>4} "
        f"{'precision':>10} {'recall':>8}"
    )
    for part in ("all", "tune", "heldout"):
        chosen = [r for r in rows if part == "all" or r["split"] == part]
        tp = sum(said[r["id"]] and r["complaint"] for r in chosen)
        fp = sum(said[r["id"]] and not r["complaint"] for r in chosen)
        fn = sum(not said[r["id"]] and r["complaint"] for r in chosen)
        precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
        if part != "tune":
            ok &= recall >= RECALL_BAR and precision >= PRECISION_BAR
        print(
            f"{part:<10} {len(chosen):>5} {tp + fn:>10} {tp:>4} {fp:>4} {fn:>4} "
            f"{precision:>10.1%} {recall:>8.1%}"
        )
    print(f"bars: recall >= {RECALL_BAR:.0%}, precision >= {PRECISION_BAR:.0%} (all and held-out)")
    print("\nmissed complaints:")
    for r in rows:
        if r["complaint"] and not said[r["id"]]:
            print(f"  [{r['split']}] {r['text']}")
    print("\nproposed but not complaints:")
    for r in rows:
        if not r["complaint"] and said[r["id"]]:
            print(f"  [{r['split']}] {r['text']}  <- {', '.join(propose(r['text']).words)}")
    texts = [r["text"] for r in rows] * 10
    mine = rate(propose.__wrapped__, texts, args.rounds)  # the detector itself, not its per-text cache
    base = rate(lambda t: "complain" in t.casefold(), texts, args.rounds)
    print(
        f"\nthroughput, one core: propose {mine:,.0f} msgs/s; "
        f"raw baseline (one substring test) {base:,.0f} msgs/s"
    )
    print("ALL BARS MET" if ok else "BELOW A BAR")


if __name__ == "__main__":
    main()
