"""The HTTP/1.1 (keep-alive) plumbing both servers share, on stdlib ThreadingHTTPServer: request framing
(Content-Length only, at most MAX_BODY bytes), the Request value, answers with the contract's headers,
every method routed (so the router answers 405 with Allow, not http.server's 501 page), GET /openapi.json,
a bug answered 500 and logged, and serving on a port in a daemon thread.

Each server subclasses ContractHandler and fills in its hooks: spec, route and, where it differs,
accepting and failure."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from console.contract.http import Request, Response, problem

MAX_BODY = 1_000_000


class ContractHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle holds the body ~40 ms.
    disable_nagle_algorithm = True
    sys_version = ""
    log: logging.Logger  # the server's own logger, set on the subclass

    def __getattr__(self, name: str) -> Any:
        # every method reaches the router, which answers 405 with Allow (not http.server's 501 page)
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        self.log.debug("%s %s", self.address_string(), format % args)  # request lines carry no secrets

    # --- the hooks ---
    def spec(self) -> bytes:
        """The OpenAPI document served at /openapi.json."""
        raise NotImplementedError

    def route(self, req: Request) -> None:
        """Answer a request (with send) that is not for /openapi.json."""
        raise NotImplementedError

    def accepting(self) -> bool:
        """False once the server is stopped: a connection kept alive from before gets no answer."""
        return True

    def failure(self, exc: Exception) -> Response | None:
        """The answer to an expected failure (e.g. the database is down), logged here; None for a bug."""
        return None

    # --- the plumbing ---
    def _serve(self) -> None:
        if not self.accepting():
            self.close_connection = True  # as from a server that is down
            return
        try:
            self._serve_one()
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the client went away: nobody to answer
        except Exception as exc:  # the client still gets an answer, never a dropped line
            resp = self.failure(exc)
            if resp is None:  # a bug: logged
                self.log.exception("unexpected error answering %s %s", self.command, self.path[:100])
                resp = problem(500, "The server failed on this request; it was logged.")
            self.close_connection = True
            self.send(resp)

    def _serve_one(self) -> None:
        split = urlsplit(self.path)
        raw_length = (self.headers.get("Content-Length") or "0").strip()
        if self.headers.get("Transfer-Encoding") or not raw_length.isascii() or not raw_length.isdigit():
            # Unknown framing: the rest of the connection cannot be trusted, so it is closed after this.
            self.close_connection = True
            self.send(
                problem(400, "Content-Length must be a number of bytes (chunked bodies are not accepted).")
            )
            return
        length = int(raw_length)
        if length > MAX_BODY:
            self.send(problem(422, "The request body is too large."))
            self.close_connection = True
            return
        body = self.rfile.read(length) if length > 0 else b""
        if len(body) < length:
            self.close_connection = True
            self.send(problem(400, "The request body ended before its Content-Length."))
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
            self.send(Response(200, self.spec()) if req.method == "GET" else problem(405, "GET only."))
        else:
            self.route(req)

    def send(self, resp: Response, *, cut: bool = False) -> None:
        """Write the answer; cut sends half the body and closes (the reference service's drop fault)."""
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


class ContractServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[ContractHandler], queue_size: int) -> None:
        self.request_queue_size = queue_size  # read by server_activate, inside super().__init__
        self.log = handler.log
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer (a killed sync, a closed long-poll) is routine, not a traceback.
        self.log.debug("connection from %s ended early", client_address, exc_info=True)

    def close(self) -> None:
        """Stop serving (serve_forever returns) and release the port."""
        self.shutdown()
        self.server_close()


@dataclass(frozen=True, slots=True)
class Serving:
    server: ContractServer
    thread: threading.Thread
    port: int
    url: str  # http://host:port, an IPv6 host in brackets


def serve(
    host: str, port: int, handler: type[ContractHandler], *, queue_size: int, thread_name: str
) -> Serving:
    """Bind host:port (0: a free port) and serve in a daemon thread."""
    server = ContractServer((host, port), handler, queue_size)
    address, bound = server.server_address[:2]
    shown = address.decode() if isinstance(address, bytes) else str(address)
    shown = f"[{shown}]" if ":" in shown else shown
    thread = threading.Thread(target=server.serve_forever, name=thread_name, daemon=True)
    thread.start()
    return Serving(server, thread, int(bound), f"http://{shown}:{int(bound)}")
