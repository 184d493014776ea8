"""The gateway over HTTP/1.1 (plumbing shared in console.contract.server), and Gateway, the embeddable whole:
the store, the LISTEN thread and the API, started in daemon threads (tests, benchmarks, the CLI)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from importlib import resources

import psycopg
import psycopg_pool

from console.contract.http import Request, Response, problem
from console.contract.server import ContractHandler, ContractServer, serve
from console.gateway.db.feed import Listener
from console.gateway.db.ledger import PgLedger
from console.gateway.db.store import Database
from console.gateway.http.api import Api
from console.gateway.ports import Upstream

log = logging.getLogger("concierge.gateway")


def load_spec() -> bytes:
    # The contract's document ships in the console package (console/service/openapi.json); read as data,
    # not imported: the gateway stands apart from the reference service.
    return resources.files("console").joinpath("service", "openapi.json").read_bytes()


class _Handler(ContractHandler):
    server_version = "ConciergeGateway/1"
    log = log
    gateway: Gateway  # set on the subclass made per gateway

    def spec(self) -> bytes:
        return self.gateway.spec

    def failure(self, exc: Exception) -> Response | None:
        if not isinstance(exc, psycopg.OperationalError | psycopg_pool.PoolTimeout):
            return None
        log.warning("PostgreSQL is unavailable answering %s %s", self.command, self.path[:100])
        resp = problem(503, "The gateway's database is unavailable; try again shortly.")
        resp.headers["Retry-After"] = "2"
        return resp

    def route(self, req: Request) -> None:
        for prefix, handler in self.gateway.mounts:
            if req.path.startswith(prefix):
                self.send(handler(req))
                return
        self.send(self.gateway.api.dispatch(req))


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
        self._server: ContractServer | None = None
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
        serving = serve(self.host, self.port, handler, queue_size=128, thread_name="gateway-http")
        self._server, self._thread = serving.server, serving.thread
        self.port, self.url = serving.port, serving.url
        return self.url

    def serve_forever(self) -> None:
        self.start()
        assert self._thread is not None
        # Not Thread.join: a join that a signal (Ctrl-C, a service manager's SIGTERM) interrupts can mark
        # the live server thread as ended (CPython 3.11), and stop() then closed the database under it.
        while self._thread.is_alive():
            time.sleep(0.5)

    def stop(self) -> None:
        self.listener.stop()  # releases long-polls
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.db.close()

    def __enter__(self) -> Gateway:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
