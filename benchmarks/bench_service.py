"""Reference service: start-up with 100k open enquiries and a full feed read over loopback.

Prints, from one run:
- start: building 100k enquiries (draw + wire encoding) and listening; beside it the raw cost of
  enquiry_to_wire + json.dumps alone for the same records (the floor the cache pays once);
- feed: paging the whole feed (limit 5000) with a bare requests loop (no JSON parsing) and the same
  loop parsing every page; beside them a raw baseline: the same number of same-sized bodies served by
  a bare ThreadingHTTPServer that only writes prepared bytes.

Run: .venv/bin/python benchmarks/bench_service.py [--open 100000] [--limit 5000]
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from console.domain.wire import enquiry_to_wire
from console.service.server import DemoService

CURSOR = b'"next_cursor":"'


def cursor_of(body: bytes) -> tuple[str, bool]:
    # no parsing: the cursor and has_more sit at the end of the page
    at = body.rfind(CURSOR) + len(CURSOR)
    end = body.index(b'"', at)
    return body[at:end].decode(), body.endswith(b"true}")


def bare_loop(url: str, headers: dict[str, str], limit: int) -> tuple[int, int]:
    pages = size = 0
    cursor = ""
    with requests.Session() as s:
        while True:
            resp = s.get(f"{url}/v1/changes", params={"cursor": cursor, "limit": limit}, headers=headers)
            body = resp.content
            pages, size = pages + 1, size + len(body)
            cursor, more = cursor_of(body)
            if not more:
                return pages, size


def parsing_loop(url: str, headers: dict[str, str], limit: int) -> int:
    items = 0
    cursor = ""
    with requests.Session() as s:
        while True:
            page = s.get(
                f"{url}/v1/changes", params={"cursor": cursor, "limit": limit}, headers=headers
            ).json()
            items += len(page["items"])
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return items


def raw_baseline(pages: int, size: int) -> float:
    body = b"x" * (size // pages)

    class Static(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Static)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    started = time.perf_counter()
    with requests.Session() as s:
        for _ in range(pages):
            s.get(url).content  # noqa: B018
    elapsed = time.perf_counter() - started
    server.shutdown()
    server.server_close()
    return elapsed


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--open", type=int, default=100_000)
    p.add_argument("--limit", type=int, default=5000)
    args = p.parse_args()

    started = time.perf_counter()
    svc = DemoService(seed=1, open_enquiries=args.open, speed=0)
    url = svc.start()
    start_s = time.perf_counter() - started
    records = list(svc.sim.store.enquiries.values())
    t = time.perf_counter()
    for e in records:
        json.dumps(enquiry_to_wire(e), separators=(",", ":"))
    encode_s = time.perf_counter() - t
    print(f"start with {args.open:,} open enquiries: {start_s:.2f} s  "
          f"(raw: wire + json encode alone {encode_s:.2f} s)")  # fmt: skip

    token = requests.post(
        f"{url}/v1/auth/token", json={"username": "supervisor", "password": "demo-supervisor"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    t = time.perf_counter()
    pages, size = bare_loop(url, headers, args.limit)
    bare_s = time.perf_counter() - t
    t = time.perf_counter()
    items = parsing_loop(url, headers, args.limit)
    parse_s = time.perf_counter() - t
    base_s = raw_baseline(pages, size)
    print(f"feed: {items:,} items, {pages} pages, {size / 1e6:.1f} MB")
    print(f"  bare requests loop (no parsing): {bare_s:.2f} s  ({size / 1e6 / bare_s:.0f} MB/s)")
    print(f"  same loop with json parsing:     {parse_s:.2f} s")
    print(f"  raw baseline (static bytes, same pages and sizes): {base_s:.2f} s")
    svc.stop()


if __name__ == "__main__":
    main()
