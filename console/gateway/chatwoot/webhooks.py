"""Chatwoot's account webhooks in: a handler the gateway mounts (`WebhookEndpoint.handle`) and a small
standalone server for the tests and for a gateway that takes webhooks on a port of their own.

Verification. Chatwoot signs a webhook that has a secret (recent versions): `X-Chatwoot-Timestamp` (Unix
seconds) and `X-Chatwoot-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`. With a secret
configured, a webhook without a valid signature, or signed more than five minutes from now, gets 401.
Chatwoot versions that cannot sign send nothing to check: then the endpoint must only be reachable from
Chatwoot (a private network or a path nobody can guess), and reconciliation reads the truth anyway.

Every body is checked against the description (chatwoot-api.json): a body that is not the shape of its
event is counted and refused (422) and never reaches the Ledger.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from console.gateway.chatwoot.client import ChatwootRefused, ChatwootUnavailable
from console.gateway.chatwoot.connector import ChatwootConnector
from console.gateway.chatwoot.spec import SchemaError, check_webhook, webhook_events
from console.platform.log_setup import register_secret

log = logging.getLogger("concierge.gateway.chatwoot")
MAX_BODY = 2_000_000
MAX_SKEW_S = 300.0
PATH = "/chatwoot/webhook"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Chatwoot-Signature value Chatwoot sends for this body."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookEndpoint:
    def __init__(
        self, connector: ChatwootConnector, secret: str | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        register_secret(secret)
        self.connector = connector
        self._secret = secret
        self._clock = clock

    def _verified(self, headers: Mapping[str, str], body: bytes) -> bool:
        if self._secret is None:
            return True
        stamp, given = headers.get("x-chatwoot-timestamp", ""), headers.get("x-chatwoot-signature", "")
        try:
            fresh = abs(self._clock() - float(stamp)) <= MAX_SKEW_S
        except ValueError:
            return False
        return fresh and hmac.compare_digest(signature(self._secret, stamp, body), given)

    def handle(self, headers: Mapping[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """(status, JSON answer) for one POST. Header names in any case."""
        lowered = {k.lower(): v for k, v in headers.items()}
        counts = self.connector.counts
        if len(body) > MAX_BODY:
            counts["webhook_too_large"] += 1
            return 413, {"error": "body too large"}
        if not self._verified(lowered, body):
            counts["webhook_unverified"] += 1
            log.warning("chatwoot webhook refused: no valid signature")
            return 401, {"error": "signature"}
        try:
            parsed = json.loads(body)
        except ValueError:
            counts["webhook_invalid"] += 1
            return 400, {"error": "not JSON"}
        if isinstance(parsed, dict) and parsed.get("event") not in webhook_events():
            counts["webhook_ignored"] += 1
            return 200, {"outcome": "ignored"}  # an event we do not subscribe to (contact_created...)
        try:
            check_webhook(parsed)
        except SchemaError as e:
            counts["webhook_invalid"] += 1
            log.warning("chatwoot webhook quarantined: %s", e)
            return 422, {"error": str(e)}
        account = parsed["account"]["id"] if "account" in parsed else parsed["account_id"]
        if account != self.connector.client.settings.account_id:
            counts["webhook_other_account"] += 1
            return 200, {"outcome": "ignored"}  # one webhook URL shared by several accounts
        try:
            outcome = self.connector.handle_event(parsed)
        except (ChatwootUnavailable, ChatwootRefused) as e:
            # The re-read failed: reconciliation will read it; Chatwoot does not resend anyway.
            counts["webhook_deferred"] += 1
            log.info("chatwoot webhook left to reconciliation: %s", e)
            return 202, {"outcome": "deferred"}
        return 200, {"outcome": outcome}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms wait between
    endpoint: WebhookEndpoint

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("webhook %s", format % args)

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or "")
        except ValueError:
            self._answer(411, {"error": "Content-Length required"})
            return
        if self.path.split("?")[0] != PATH:
            self._answer(404, {"error": "not found"})
            return
        if length > MAX_BODY:
            self._answer(413, {"error": "body too large"})
            return
        body = self.rfile.read(length)
        self._answer(*self.endpoint.handle({k: v for k, v in self.headers.items()}, body))

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status >= 400:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)


class WebhookServer:
    """The endpoint on its own port (127.0.0.1 by default): `url` is what Chatwoot's webhook is set to."""

    def __init__(self, endpoint: WebhookEndpoint, host: str = "127.0.0.1", port: int = 0) -> None:
        handler = type("Handler", (_Handler,), {"endpoint": endpoint})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="chatwoot-webhooks", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{PATH}"

    def start(self) -> WebhookServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
