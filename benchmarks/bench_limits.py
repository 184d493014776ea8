"""What the contract's limits (issue 14) cost on the ingest path, each figure beside a raw baseline from
the same run.

    .venv/bin/python benchmarks/bench_limits.py [--n 20000]

1. Per enquiry: the limits check (console.domain.limits.check_value) and the whole wire mapping that
   includes it, against the raw baseline of json.loads of the same record's JSON text.
2. A feed page of 2,000 changes decoded by console.api.payload.loads (surrogate-safe, depth-safe) against
   plain json.loads of the same bytes. Bar: within 10% of raw.
3. A page with one record nested 100,000 levels deep (which json.loads cannot read at all): the iterative
   fallback's time, against decoding the same page without that record.
Other engineers share the 2 cores: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from console.api.payload import loads  # noqa: E402
from console.domain import wire  # noqa: E402
from console.domain.limits import check_value  # noqa: E402
from console.service.server import DemoService  # noqa: E402


def best(fn: Callable[[], object], rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    n = parser.parse_args().n
    with DemoService(seed=3, open_enquiries=min(n, 5000), speed=0) as svc:
        records = list(svc.snapshot().values())
    records = (records * (n // len(records) + 1))[:n]
    texts = [json.dumps(r) for r in records]
    per = 1e6 / n
    raw = best(lambda: [json.loads(t) for t in texts]) * per
    limits = best(lambda: [check_value(r, "enquiry") for r in records]) * per
    mapping = best(lambda: [wire.enquiry_from_wire(r) for r in records]) * per
    print(
        f"per enquiry: limits {limits:.1f} us, wire mapping incl. limits {mapping:.1f} us; "
        f"raw json.loads {raw:.1f} us"
    )
    items = [{"seq": i + 1, "op": "upsert", "enquiry": r} for i, r in enumerate(records[:2000])]
    body = json.dumps({"items": items, "next_cursor": "c", "has_more": False}).encode()
    safe, plain = best(lambda: loads(body)) * 1e3, best(lambda: json.loads(body)) * 1e3
    verdict = "ok" if safe <= plain * 1.1 else "OVER"
    print(
        f"page of 2,000: payload.loads {safe:.1f} ms vs raw json.loads {plain:.1f} ms (bar +10%: {verdict})"
    )
    deep = body.replace(b'"outcome": {', b'"outcome": ' + b"[" * 100_000 + b"]" * 100_000 + b', "x": {', 1)
    fallback = best(lambda: loads(deep), rounds=2) * 1e3
    print(
        f"the same page with one record 100,000 levels deep: {fallback:.0f} ms (json.loads: RecursionError)"
    )
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
