"""A short text profile from py-spy's raw output: the functions holding the most samples, per thread.

    py-spy record -r 200 -f raw --threads -o raw.txt -- python SCRIPT ...
    python benchmarks/profiles/summarize.py raw.txt [--top 25] [--thread MainThread]

Each line: inclusive samples (the function or anything it called), own samples, and the function.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict

_WHERE = re.compile(r" \((?:.*/)?([^/]+\.py)(?::\d+)?\)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("raw")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--thread", default="", help="only threads whose name contains this")
    args = p.parse_args()
    inclusive: dict[str, Counter[str]] = defaultdict(Counter)
    own: dict[str, Counter[str]] = defaultdict(Counter)
    totals: Counter[str] = Counter()
    with open(args.raw, encoding="utf-8") as f:
        for line in f:
            stack, _, count = line.rstrip().rpartition(" ")
            frames = stack.split(";")
            if frames[0].startswith("thread "):  # recorded with --threads
                thread = re.sub(r"\(\d+\)", "", frames.pop(0)).replace("thread ", "").strip(" :") or "?"
                thread = thread.rstrip("_0123456789") or thread
            else:
                thread = "all threads"
            if args.thread not in thread:
                continue
            n = int(count)
            totals[thread] += n
            names = [_WHERE.sub(r" (\1)", fr) for fr in frames]
            for name in set(names):
                inclusive[thread][name] += n
            if names:
                own[thread][names[-1]] += n
    for thread, total in totals.most_common():
        print(f"== {thread}: {total} samples")
        for name, n in inclusive[thread].most_common(args.top):
            print(f"{n:6d} {100 * n / total:5.1f}%  own {own[thread][name]:5d}  {name}")


if __name__ == "__main__":
    main()
