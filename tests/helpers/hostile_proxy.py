"""A hostile HTTP proxy in front of the real reference service, for tests driven from outside.

It forwards every request unchanged and, on the change feed (GET /v1/changes) and single-enquiry reads,
does what a broken network or a broken server would: corrupts one record with raw JSON text no encoder
would write (2^63, a lone surrogate, 100,000 levels of nesting, a wrong type), duplicates, reorders and
drops feed items, answers 410 Gone, cuts an answer in half, and stalls until released. Every knob is
plain data the test sets; counters say what was served.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

_MARK = "__hostile_value__"
DEEP = b"[" * 100_000 + b"]" * 100_000  # json.loads raises RecursionError on this


class HostileProxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.lock = threading.Lock()
        # id -> (field, raw JSON bytes): that field of that enquiry is replaced wherever it is served.
        self.corrupt: dict[str, tuple[str, bytes]] = {}
        self.corrupt_fetch = True  # also corrupt GET /v1/enquiries/{id} (damage at the source)
        self.drop_ids: set[str] = set()  # feed items of these ids are left out
        self.duplicate = False  # every feed item twice
        self.reverse = False  # feed items in reverse order
        self.gone_at: set[int] = set()  # numbers (1-based) of /v1/changes requests answered 410
        self.gone_always = False
        self.cut_at: set[int] = set()  # numbers of /v1/changes answers cut in half
        self.stall_at: int | None = None  # from this /v1/changes request on, wait for `release`
        self.stalled = threading.Event()  # set when a request is being held
        self.release = threading.Event()
        self.changes_requests = 0
        self.not_found: set[str] = set()  # paths answered 404 (a service without that endpoint)
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    # -- life --------------------------------------------------------------------------------------
    def start(self) -> str:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                proxy._handle(self)

            do_POST = do_PUT = do_DELETE = do_GET

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.url

    def stop(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> HostileProxy:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- one request -------------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        path = urlsplit(h.path).path
        is_feed = path == "/v1/changes"
        number = 0
        if path in self.not_found:
            self._answer(h, 404, b'{"type":"about:blank","title":"Not Found","status":404}')
            return
        if is_feed:
            with self.lock:
                self.changes_requests += 1
                number = self.changes_requests
            if self.stall_at is not None and number >= self.stall_at:
                self.stalled.set()
                self.release.wait()
            if self.gone_always or number in self.gone_at:
                self._answer(h, 410, b'{"type":"urn:concierge:problem:gone","title":"Gone","status":410}')
                return
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else None
        headers = {k: v for k, v in h.headers.items() if k.lower() not in ("host", "connection")}
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=90)
        try:
            conn.request(h.command, h.path, body=body, headers=headers)
            resp = conn.getresponse()
            status, data = resp.status, resp.read()
            ctype = resp.getheader("Content-Type", "application/json")
        finally:
            conn.close()
        if status == 200 and is_feed:
            data = self._feed(data)
        elif (
            status == 200
            and path.startswith("/v1/enquiries/")
            and path.count("/") == 3
            and self.corrupt_fetch
        ):
            data = self._one(data)
        self._answer(h, status, data, ctype, cut=number in self.cut_at)

    def _answer(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        data: bytes,
        ctype: str = "application/problem+json",
        *,
        cut: bool = False,
    ) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        if cut:
            h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(data[: len(data) // 2] if cut else data)
        h.wfile.flush()
        if cut:
            h.close_connection = True

    # -- mutations ---------------------------------------------------------------------------------
    def _spoil(self, enquiry: dict[str, Any]) -> bytes | None:
        hit = self.corrupt.get(str(enquiry.get("id")))
        if hit is None:
            return None
        field, raw = hit
        target = enquiry
        *parents, last = field.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = _MARK
        return json.dumps(enquiry).encode().replace(json.dumps(_MARK).encode(), raw)

    def _one(self, data: bytes) -> bytes:
        doc = json.loads(data)
        return self._spoil(doc) or data

    def _feed(self, data: bytes) -> bytes:
        page = json.loads(data)
        items: list[bytes] = []
        for item in page["items"]:
            ident = item.get("id") or (item.get("enquiry") or {}).get("id")
            if ident in self.drop_ids:
                continue
            spoiled = self._spoil(item["enquiry"]) if item.get("op") == "upsert" else None
            if spoiled is not None:
                head = json.dumps({"seq": item["seq"], "op": "upsert"}).encode()[:-1]
                items.append(head + b', "enquiry": ' + spoiled + b"}")
            else:
                items.append(json.dumps(item).encode())
        if self.duplicate:
            items = [x for item in items for x in (item, item)]
        if self.reverse:
            items.reverse()
        rest = json.dumps({"next_cursor": page["next_cursor"], "has_more": page["has_more"]}).encode()
        return b'{"items": [' + b", ".join(items) + b"], " + rest[1:]


@contextmanager
def hostile(upstream: str) -> Iterator[HostileProxy]:
    with HostileProxy(upstream) as proxy:
        yield proxy
