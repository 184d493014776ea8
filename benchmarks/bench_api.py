"""ApiClient overhead against the reference service on loopback, beside a raw baseline (a bare
requests.Session doing the same HTTP calls and json parsing) measured in the same run:
  1. a full first sync of the change feed (20,000 enquiries, pages of 2,000);
  2. 300 small GETs (/v1/teams), one at a time.
The client adds retries, typed errors, shape checks and clock refinement; the bar is that it costs next
to nothing beside the network and JSON work itself.

Run: .venv/bin/python benchmarks/bench_api.py
"""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

from console.api.client import ApiClient, ApiSettings
from console.service.server import DemoService

ENQUIRIES = 20_000
PAGE = 2_000
SMALL_GETS = 300
ROUNDS = 7


def best_pair(raw: Callable[[], int], client: Callable[[], int]) -> tuple[float, float, int, int]:
    """Best time of each, the two interleaved round by round so both see the same machine load."""
    t_raw, t_api, n_raw, n_api = [], [], 0, 0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        n_raw = raw()
        t_raw.append(time.perf_counter() - started)
        started = time.perf_counter()
        n_api = client()
        t_api.append(time.perf_counter() - started)
    return min(t_raw), min(t_api), n_raw, n_api


def main() -> None:
    # The reference handler writes headers and body in two sends; with Nagle on, each call would stall
    # ~40 ms on the client's delayed ACK (measured: 45 ms vs 2 ms per GET). The handler switches Nagle
    # off itself (console.service.server), so what is timed here is the client's own overhead.
    with DemoService(seed=5, open_enquiries=ENQUIRIES, speed=0) as svc:
        api = ApiClient(ApiSettings(svc.url))
        token = api.login("supervisor", "demo-supervisor").access_token
        raw = requests.Session()
        raw.headers["Authorization"] = f"Bearer {token}"

        def raw_feed() -> int:
            cursor, n = "", 0
            while True:
                r = raw.get(f"{svc.url}/v1/changes", params={"cursor": cursor, "limit": PAGE}, timeout=15)
                r.raise_for_status()
                body = r.json()
                n += len(body["items"])
                cursor = body["next_cursor"]
                if not body["has_more"]:
                    return n

        def client_feed() -> int:
            cursor, n = "", 0
            while True:
                page = api.changes(cursor, limit=PAGE)
                n += len(page.items)
                cursor = page.next_cursor
                if not page.has_more:
                    return n

        def raw_small() -> int:
            for _ in range(SMALL_GETS):
                raw.get(f"{svc.url}/v1/teams", timeout=15).json()
            return SMALL_GETS

        def client_small() -> int:
            for _ in range(SMALL_GETS):
                api.reference("teams")
            return SMALL_GETS

        rows = []
        for name, raw_fn, client_fn in (
            (f"first sync, {ENQUIRIES:,} enquiries", raw_feed, client_feed),
            (f"{SMALL_GETS} small GETs", raw_small, client_small),
        ):
            raw_fn(), client_fn()  # warm up both (connections, caches)
            t_raw, t_api, n_raw, n_api = best_pair(raw_fn, client_fn)
            assert n_raw == n_api, (n_raw, n_api)
            rows.append((name, t_raw, t_api))
        print(f"best of {ROUNDS} rounds, 2-core box, reference service on 127.0.0.1")
        print(f"{'case':<32}{'raw requests':>14}{'ApiClient':>12}{'overhead':>11}")
        for name, t_raw, t_api in rows:
            extra = (t_api / t_raw - 1) * 100
            print(f"{name:<32}{t_raw * 1000:>11.0f} ms{t_api * 1000:>9.0f} ms{extra:>+10.1f}%")
        per_call = (rows[1][2] - rows[1][1]) / SMALL_GETS * 1e6
        print(f"client overhead per small call: {per_call:.0f} µs")
        api.close()
        raw.close()


if __name__ == "__main__":
    main()
