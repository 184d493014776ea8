"""PII masking on the labelled corpus (tests/data/pii_corpus.jsonl): recall and false-positive rate per
category, and throughput on one core beside raw baselines from the same run.

Run: .venv/bin/python benchmarks/bench_privacy.py [--rounds 5]

Bars (issue 13): recall >= 99% for cards, IBANs, sort codes, account numbers, e-mails and phone numbers;
>= 95% for postcodes, dates of birth, NI numbers, SSNs and obfuscated e-mails; false positives <= 1% of
the numbers that are not PII; >= 5,000 messages a second on one core.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable

from console.domain.privacy.detect import mask_uncached as mask_text  # the detectors, not the cache
from tests.helpers.pii_scoring import FALSE_POSITIVE_BAR, HANDWRITTEN, RECALL_BARS, load, score

THROUGHPUT_BAR = 5_000


def rate(fn: Callable[[str], object], texts: list[str], rounds: int) -> float:
    """Messages a second, the best of `rounds` passes over texts (one thread: one core)."""
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for t in texts:
            fn(t)
        best = min(best, time.perf_counter() - t0)
    return len(texts) / best


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    corpus = load()
    texts = [m["text"] for m in corpus]
    s = score(corpus)
    print(
        f"corpus: {len(corpus)} messages, {sum(s.items.values())} PII items, "
        f"{sum(s.numbers.values())} numbers that are not PII"
    )
    print(f"\n{'PII category':<18} {'caught':>7} {'items':>6} {'recall':>8} {'bar':>6}")
    ok = True
    for category, bar in RECALL_BARS.items():
        r = s.recall(category)
        ok &= r >= bar
        flag = "" if r >= bar else "  BELOW BAR"
        print(f"{category:<18} {s.caught[category]:>7} {s.items[category]:>6} {r:>8.1%} {bar:>6.0%}{flag}")
    print(f"\n{'not PII':<18} {'masked':>7} {'numbers':>7} {'FP rate':>8}")
    for category in sorted(s.numbers):
        print(
            f"{category:<18} {s.false_positives[category]:>7} {s.numbers[category]:>7} "
            f"{s.false_positive_rate(category):>8.2%}"
        )
    fp = s.false_positive_rate()
    ok &= fp <= FALSE_POSITIVE_BAR
    print(
        f"{'all':<18} {sum(s.false_positives.values()):>7} {sum(s.numbers.values()):>7} {fp:>8.2%}"
        f"  (bar {FALSE_POSITIVE_BAR:.0%})"
    )
    print(f"spans over text with no labelled item (stray masks): {s.stray}")
    for category, item, text in s.missed[:10]:
        print(f"  missed {category}: {item!r} in {text!r}")
    for category, item, text in s.flagged[:10]:
        print(f"  masked {category}: {item!r} in {text!r}")

    hand = score(load(HANDWRITTEN))
    print(
        f"\nhand-written messages (outside the templates): {hand.caught['any']} of {hand.items['any']} PII "
        f"items caught ({hand.recall('any'):.1%}), {sum(hand.false_positives.values())} of "
        f"{sum(hand.numbers.values())} other numbers masked"
    )
    for _, item, text in hand.missed:
        print(f"  missed: {item!r} in {text!r}")
    for _, item, text in hand.flagged:
        print(f"  masked: {item!r} in {text!r}")

    digit = re.compile(r"\d")
    print(f"\nthroughput on one core, {len(texts)} corpus messages, best of {args.rounds}")
    raw_search = rate(digit.search, texts, args.rounds)
    raw_lower = rate(str.lower, texts, args.rounds)
    masked = rate(mask_text, texts, args.rounds)
    print(f"  baseline: one precompiled regex search (\\d)  {raw_search:>12,.0f} messages/s")
    print(f"  baseline: str.lower()                          {raw_lower:>12,.0f} messages/s")
    print(
        f"  mask_text                                      {masked:>12,.0f} messages/s"
        f"  (bar {THROUGHPUT_BAR:,})"
    )
    ok &= masked >= THROUGHPUT_BAR
    print("\nall bars met" if ok else "\nSOME BARS NOT MET")


if __name__ == "__main__":
    main()
