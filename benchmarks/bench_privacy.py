"""PII masking cost: 100k previews of ~140 characters, beside raw baselines in the same run.

Run: .venv/bin/python benchmarks/bench_privacy.py
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable

from console.domain.privacy import mask_text

N = 100_000
PLAIN = [
    "Hi, my app keeps logging me out every time I try to check my balance. Can someone help please?",
    "Still waiting for a reply about the charge on my statement from last Tuesday, this is awful service",
    "Thanks for sorting my overdraft so quickly yesterday, really appreciated the help from your team!",
    "Paid £25 twice on 3 May at the same shop, ref 12345. Could you refund one of them? Cheers",
]
PII = [
    "My card 4111 1111 1111 1111 was declined at the till twice today, what is going on? DM me",
    "Please call me on 07700 900123 or email jo.bloggs@example.co.uk about my mortgage application",
    "Transfer to sort code 12-34-56 account 12345678 has not arrived after three days, help",
]


def previews(share_pii: float) -> list[str]:
    rng = random.Random(5)
    out = []
    for _ in range(N):
        base = rng.choice(PII if rng.random() < share_pii else PLAIN)
        out.append((base + " " + base)[:140])
    return out


def run(label: str, fn: Callable[[str], object], texts: list[str]) -> float:
    t0 = time.perf_counter()
    for t in texts:
        fn(t)
    seconds = time.perf_counter() - t0
    print(f"{label:<52} {seconds * 1000:8.1f} ms  ({seconds / len(texts) * 1e6:.2f} us each)")
    return seconds


def main() -> None:
    digit = re.compile(r"\d")
    mixed = previews(0.1)
    all_pii = previews(1.0)
    print(f"{N} previews of ~140 characters")
    run("baseline: one precompiled regex search (\\d)", digit.search, mixed)
    run("baseline: str.lower()", str.lower, mixed)
    run("mask_text, 10% of previews hold PII", mask_text, mixed)
    run("mask_text, no PII at all", mask_text, previews(0.0))
    run("mask_text, every preview holds PII", mask_text, all_pii)
    print("bar: 100k previews well under 1 s")


if __name__ == "__main__":
    main()
