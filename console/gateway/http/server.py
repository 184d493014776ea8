"""The gateway over HTTP/1.1 (keep-alive) on stdlib ThreadingHTTPServer, and Gateway, the embeddable whole:
the store, the LISTEN thread and the API, started in daemon threads (tests, benchmarks, the CLI)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import psycopg
import psycopg_pool

from console.contract.http import Request, Response, problem
from console.gateway.db.feed import Listener
from console.gateway.db.ledger import PgLedger
from console.gateway.db.store import Database
from console.gateway.http.api import Api
from console.gateway.ports import Upstream

log = logging.getLogger("concierge.gateway")
MAX_BODY = 1_000_000


def load_spec() -> bytes:
    # The contract's document ships in the console package (console/service/openapi.json); read as data,
    # not imported: the gateway stands apart from the reference service.
    return resources.files("console").joinpath("service", "openapi.json").read_bytes()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms Nagle wait
    server_version = "ConciergeGateway/1"
    sys_version = ""
    gateway: Gateway  # set on the subclass made per gateway

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # every method reaches the router, which answers 405 with Allow
            return self._serve
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)  # request lines carry no secrets

    def _serve(self) -> None:
        try:
            self._serve_one()
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except (psycopg.OperationalError, psycopg_pool.PoolTimeout):
            log.warning("PostgreSQL is unavailable answering %s %s", self.command, self.path[:100])
            self.close_connection = True
            resp = problem(503, "The gateway's database is unavailable; try again shortly.")
            resp.headers["Retry-After"] = "2"
            self._send(resp)
        except Exception:  # a bug: logged, and the client still gets an answer
            log.exception("unexpected error answering %s %s", self.command, self.path[:100])
            self.close_connection = True
            self._send(problem(500, "The server failed on this request; it was logged."))

    def _serve_one(self) -> None:
        split = urlsplit(self.path)
        raw_length = (self.headers.get("Content-Length") or "0").strip()
        if self.headers.get("Transfer-Encoding") or not raw_length.isascii() or not raw_length.isdigit():
            self.close_connection = True  # unknown framing: the rest of the connection cannot be trusted
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
            self._send(Response(200, self.gateway.spec) if req.method == "GET" else problem(405, "GET only."))
            return
        for prefix, handler in self.gateway.mounts:
            if req.path.startswith(prefix):
                self._send(handler(req))
                return
        self._send(self.gateway.api.dispatch(req))

    def _send(self, resp: Response) -> None:
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type + "; charset=utf-8")
        self.send_header("Content-Length", str(len(resp.body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection from %s ended early", client_address, exc_info=True)


class Gateway:
    """The gateway, embeddable: start() serves in daemon threads and returns the base URL."""

    def __init__(
        self,
        dsn: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        upstream: Upstream | None = None,
        routing_model: str = "concierge",
        token_ttl_s: float = 3600.0,
        pool_size: int = 16,
    ) -> None:
        self.host, self.port = host, port
        self.db = Database(dsn, max_size=pool_size)
        self.listener = Listener(dsn)
        self.api = Api(
            self.db, self.listener, upstream=upstream, routing_model=routing_model, token_ttl_s=token_ttl_s
        )
        self.ledger: PgLedger = self.api.ledger
        self.spec = load_spec()
        self.url = ""
        self.mounts: list[tuple[str, Callable[[Request], Response]]] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def mount(self, prefix: str, handler: Callable[[Request], Response]) -> None:
        """Serve every path under prefix (e.g. a connector's webhooks, "/chatwoot/") with handler, outside the
        contract: no bearer token is asked for, the handler authenticates what it receives itself."""
        if prefix.startswith("/v1/") or prefix in ("/", "/v1") or not prefix.startswith("/"):
            raise ValueError(f"{prefix!r} would shadow the contract's paths")
        self.mounts.append((prefix, handler))

    def start(self) -> str:
        if self._server is not None:
            return self.url
        self.listener.start()
        handler = type("Handler", (_Handler,), {"gateway": self})
        self._server = _Server((self.host, self.port), handler)
        address, port = self._server.server_address[:2]
        host = address.decode() if isinstance(address, bytes) else str(address)
        self.port = int(port)
        self.url = f"http://{f'[{host}]' if ':' in host else host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="gateway-http", daemon=True)
        self._thread.start()
        return self.url

    def serve_forever(self) -> None:
        self.start()
        assert self._thread is not None
        self._thread.join()

    def stop(self) -> None:
        self.listener.stop()  # releases long-polls
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.db.close()

    def __enter__(self) -> Gateway:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
