"""The reference service over HTTP/1.1 (keep-alive) on stdlib ThreadingHTTPServer, and DemoService,
the embeddable whole (simulation + API + faults) used by the tests and `python -m console serve-demo`."""

from __future__ import annotations

import json
import logging
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from console.contract.http import PROBLEM, Request, Response, problem
from console.service.api import Api
from console.service.auth import Tokens
from console.service.faults import FaultSwitches
from console.service.sim.clock import SimClock, start_for_seed
from console.service.sim.simulator import Simulator
from console.service.sim.ticker import Ticker

log = logging.getLogger("concierge.service")
MAX_BODY = 1_000_000
LOOPBACK = ("127.0.0.1", "::1", "::ffff:127.0.0.1")


def load_spec() -> bytes:
    return resources.files("console.service").joinpath("openapi.json").read_bytes()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle holds the body ~40 ms.
    disable_nagle_algorithm = True
    server_version = "ConciergeReference/1"
    sys_version = ""
    service: DemoService  # set on the subclass made per service

    def __getattr__(self, name: str) -> Any:
        # every method reaches the router, which answers 405 with Allow (not http.server's 501 page)
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def date_time_string(self, timestamp: float | None = None) -> str:
        # the Date header follows the server's (simulated, possibly skewed) clock
        return formatdate(self.service.server_now() if timestamp is None else timestamp, usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)  # request lines carry no secrets

    def _serve(self) -> None:
        if self.service._server is None:
            # Stopped: a connection kept alive from before gets no answer, as from a server that is down.
            self.close_connection = True
            return
        try:
            self._serve_one()
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the client went away: nobody to answer
        except Exception:  # a bug: logged, and the client still gets an answer, never a dropped line
            log.exception("unexpected error answering %s %s", self.command, self.path[:100])
            self.close_connection = True
            self._send(problem(500, "The server failed on this request; it was logged."))

    def _serve_one(self) -> None:
        split = urlsplit(self.path)
        raw_length = (self.headers.get("Content-Length") or "0").strip()
        if self.headers.get("Transfer-Encoding") or not raw_length.isascii() or not raw_length.isdigit():
            # Unknown framing: the rest of the connection cannot be trusted, so it is closed after this.
            self.close_connection = True
            self._send(
                problem(400, "Content-Length must be a number of bytes (chunked bodies are not accepted).")
            )
            return
        length = int(raw_length)
        if length > MAX_BODY:
            self._send(problem(422, "The request body is too large."))
            self.close_connection = True
            return
        body = self.rfile.read(length) if length > 0 else b""
        if len(body) < length:
            self.close_connection = True
            self._send(problem(400, "The request body ended before its Content-Length."))
            return
        req = Request(
            self.command,
            split.path,
            dict(parse_qsl(split.query, keep_blank_values=True)),
            {k.lower(): v for k, v in self.headers.items()},
            body,
            self.client_address[0],
        )
        if req.path == "/openapi.json":
            self._send(Response(200, self.service.spec) if req.method == "GET" else problem(405, "GET only."))
        elif req.path.startswith("/_admin/"):
            self._send(self.service.admin(req))
        else:
            self._serve_api(req)

    def _serve_api(self, req: Request) -> None:
        faults = self.service.faults
        delay = faults.roll("slow")
        if delay:
            time.sleep(delay)  # the fault itself: a slow server
        drop = faults.roll("drop")
        if drop is not None and faults.choice(2) == 0:
            self.close_connection = True  # dropped before answering: nothing was done
            return
        if faults.roll("5xx") is not None:
            status = (500, 502, 503)[faults.choice(3)]
            self._send(problem(status, "Simulated server failure (fault switch)."))
            return
        retry_after = faults.roll("429")
        if retry_after is not None:
            resp = problem(429, "Too many requests (fault switch); retry later.")
            resp.headers["Retry-After"] = f"{retry_after:g}"
            self._send(resp)
            return
        resp = self.service.api.dispatch(req)
        if drop is not None:  # dropped mid-body: the work was done, the answer is cut short
            self._send(resp, cut=True)
            return
        if resp.status == 200 and faults.roll("malformed") is not None:
            resp = Response(200, resp.body[: max(1, len(resp.body) // 2)], resp.content_type, resp.headers)
        self._send(resp)

    def _send(self, resp: Response, *, cut: bool = False) -> None:
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type + "; charset=utf-8")
        self.send_header("Content-Length", str(len(resp.body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command == "HEAD":
            return
        if cut:
            self.wfile.write(resp.body[: len(resp.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(resp.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer (a killed sync, a closed long-poll) is routine, not a traceback.
        log.debug("connection from %s ended early", client_address, exc_info=True)

    allow_reuse_address = True
    request_queue_size = 64


class DemoService:
    """The reference service, embeddable: start() serves in daemon threads and returns the base URL."""

    def __init__(
        self,
        *,
        seed: int = 1,
        open_enquiries: int = 2000,
        speed: float = 1.0,
        faults: str = "",
        host: str = "127.0.0.1",
        port: int = 0,
        token_ttl_s: float = 3600,
        start_at: float | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.faults = FaultSwitches(faults, seed=seed)
        self.clock = SimClock(start_for_seed(seed) if start_at is None else start_at, speed)
        self.sim = Simulator(
            seed=seed, open_enquiries=open_enquiries, start=self.clock.now(), skew=lambda: self.faults.skew
        )
        self.tokens = Tokens(token_ttl_s)
        self.api = Api(self.sim, self.tokens, self.faults, self.server_now)
        self.spec = load_spec()
        self.url = ""
        self._server: _Server | None = None
        self._threads: list[threading.Thread] = []
        self._ticker = Ticker(self.sim, self.clock.now)

    def server_now(self) -> float:
        return self.clock.now() + self.faults.skew

    def start(self) -> str:
        if self._server is not None:
            return self.url
        handler = type("Handler", (_Handler,), {"service": self})
        self._server = _Server((self.host, self.port), handler)
        address, port = self._server.server_address[:2]
        host = address.decode() if isinstance(address, bytes) else str(address)
        self.port = int(port)
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.port}"
        thread = threading.Thread(target=self._server.serve_forever, name="demo-service", daemon=True)
        thread.start()
        self._threads.append(thread)
        if self.clock.speed > 0:
            self._ticker.start()
        return self.url

    def stop(self) -> None:
        self._ticker.stop()
        with self.sim.store.lock:
            self.api.stopping = True
            self.sim.store.changed.notify_all()  # release long-polls
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for t in self._threads:
            t.join(timeout=5)

    def advance(self, seconds: float) -> None:
        """Step simulated time by seconds and run every event due (deterministic with speed 0)."""
        target = self.clock.step(seconds)
        with self.sim.store.lock:
            self.sim.run_until(target)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        with self.sim.store.lock:
            return {i: json.loads(b) for i, b in self.sim.store.wire.items()}

    def add_enquiry(self, **overrides: Any) -> dict[str, Any]:
        with self.sim.store.lock:
            e = self.sim.add(overrides)
            return dict(json.loads(self.sim.store.wire[e.id]))

    def update_enquiry(self, ident: str, **changes: Any) -> dict[str, Any]:
        with self.sim.store.lock:
            e = self.sim.update(ident, changes)
            return dict(json.loads(self.sim.store.wire[e.id]))

    def delete_enquiry(self, ident: str, *, merged_into: str | None = None) -> None:
        """Tombstone an enquiry now (reason merged when merged_into is given)."""
        with self.sim.store.lock:
            self.sim.remove(ident, "merged" if merged_into else "deleted", merged_into)

    def admin(self, req: Request) -> Response:
        if req.client not in LOOPBACK:
            return problem(403, "The admin endpoints answer loopback clients only.")
        if req.path == "/_admin/enquiries":
            return self._admin_add(req)
        if req.path != "/_admin/faults":
            return problem(404, "Unknown admin endpoint.")
        if req.method == "POST":
            try:
                self.faults.set(req.body.decode("utf-8", "replace"))
            except ValueError as e:
                return problem(422, str(e))
        elif req.method != "GET":
            return problem(405, "GET or POST only.")
        return Response(200, json.dumps({"faults": self.faults.spec()}).encode())

    def _admin_add(self, req: Request) -> Response:
        """POST /_admin/enquiries {"channel": ...}: a new enquiry now, for benchmarks that drive a service
        in another process; answers its id and the moment it was committed to the feed (time.time())."""
        if req.method != "POST":
            return problem(405, "POST only.")
        try:
            overrides = json.loads(req.body or b"{}")
        except ValueError:
            return problem(422, "The body must be a JSON object.")
        channel = overrides.get("channel") if isinstance(overrides, dict) else None
        if not isinstance(channel, str | None):
            return problem(422, "channel must be a string.")
        with self.sim.store.lock:
            e = self.sim.add({"channel": channel} if channel else {})
            committed = time.time()
        return Response(200, json.dumps({"id": e.id, "committed_at": committed}).encode())

    def __enter__(self) -> DemoService:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["PROBLEM", "DemoService"]
