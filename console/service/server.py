"""The reference service over HTTP/1.1 (the plumbing shared in console.contract.server), and DemoService,
the embeddable whole (simulation + API + faults) used by the tests and `python -m console serve-demo`."""

from __future__ import annotations

import json
import logging
import threading
import time
from email.utils import formatdate
from importlib import resources
from typing import Any

from console.contract.http import PROBLEM, Request, Response, problem
from console.contract.server import ContractHandler, ContractServer, serve
from console.service.api import Api
from console.service.auth import Tokens
from console.service.faults import FaultSwitches
from console.service.sim.clock import SimClock, start_for_seed
from console.service.sim.simulator import Simulator
from console.service.sim.ticker import Ticker

log = logging.getLogger("concierge.service")
LOOPBACK = ("127.0.0.1", "::1", "::ffff:127.0.0.1")


def load_spec() -> bytes:
    return resources.files("console.service").joinpath("openapi.json").read_bytes()


class _Handler(ContractHandler):
    server_version = "ConciergeReference/1"
    log = log
    service: DemoService  # set on the subclass made per service

    def date_time_string(self, timestamp: float | None = None) -> str:
        # the Date header follows the server's (simulated, possibly skewed) clock
        return formatdate(self.service.server_now() if timestamp is None else timestamp, usegmt=True)

    def spec(self) -> bytes:
        return self.service.spec

    def accepting(self) -> bool:
        return self.service.serving()

    def route(self, req: Request) -> None:
        if req.path.startswith("/_admin/"):
            self.send(self.service.admin(req))
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
            self.send(problem(status, "Simulated server failure (fault switch)."))
            return
        retry_after = faults.roll("429")
        if retry_after is not None:
            resp = problem(429, "Too many requests (fault switch); retry later.")
            resp.headers["Retry-After"] = f"{retry_after:g}"
            self.send(resp)
            return
        resp = self.service.api.dispatch(req)
        if drop is not None:  # dropped mid-body: the work was done, the answer is cut short
            self.send(resp, cut=True)
            return
        if resp.status == 200 and faults.roll("malformed") is not None:
            resp = Response(200, resp.body[: max(1, len(resp.body) // 2)], resp.content_type, resp.headers)
        self.send(resp)


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
        self._server: ContractServer | None = None
        self._threads: list[threading.Thread] = []
        self._ticker = Ticker(self.sim, self.clock.now)

    def serving(self) -> bool:
        return self._server is not None

    def server_now(self) -> float:
        return self.clock.now() + self.faults.skew

    def start(self) -> str:
        if self._server is not None:
            return self.url
        handler = type("Handler", (_Handler,), {"service": self})
        serving = serve(self.host, self.port, handler, queue_size=64, thread_name="demo-service")
        self._server, self.port, self.url = serving.server, serving.port, serving.url
        self._threads.append(serving.thread)
        if self.clock.speed > 0:
            self._ticker.start()
        return self.url

    def stop(self) -> None:
        self._ticker.stop()
        with self.sim.store.lock:
            self.api.stopping = True
            self.sim.store.changed.notify_all()  # release long-polls
        if self._server is not None:
            self._server.close()
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
