"""A tiny scripted HTTP server on 127.0.0.1 (real sockets) that answers each path prefix from a list: the
ApiClient's faults (drops, hangs, 5xx, 429, refused refreshes) are driven through it. The `fake`
fixture is loaded as a plugin (tests/conftest.py)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from console.api.client import ApiClient, ApiSettings, Tokens

DROP = "drop"  # close the connection without answering
HANG = "hang"  # answer nothing until the test ends


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Script:
    """Per path prefix, a list of answers used in order; the last one repeats."""

    answers: dict[str, list[Any]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def on(self, prefix: str, *answers: Any) -> None:
        self.answers[prefix] = list(answers)

    def next(self, path: str) -> Any:
        for prefix in sorted(self.answers, key=len, reverse=True):
            if path.startswith(prefix):
                queue = self.answers[prefix]
                return queue.pop(0) if len(queue) > 1 else queue[0]
        return (404, {}, {"title": "Not Found", "status": 404})

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]


def scripted_handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            script.seen.append(Seen(self.command, self.path, dict(self.headers), body))
            answer = script.next(self.path)
            if callable(answer):
                answer = answer(script.seen[-1])
            if answer == DROP:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if answer == HANG:
                script.release.wait(10)
                self.close_connection = True
                return
            status, headers, payload = answer
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            if "Date" in headers:
                self.send_response_only(status)  # the script's Date instead of the real one
            else:
                self.send_response(status)
            ctype = "application/json" if status < 400 else "application/problem+json"
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _serve

    return Handler


@pytest.fixture
def fake() -> Iterator[tuple[Script, str]]:
    script = Script()
    server = ThreadingHTTPServer(("127.0.0.1", 0), scripted_handler(script))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield script, f"http://127.0.0.1:{server.server_address[1]}"
    script.release.set()
    server.shutdown()
    server.server_close()


def client_for(base: str, **kw: Any) -> ApiClient:
    on_tokens = kw.pop("on_tokens", None)
    settings = ApiSettings(base_url=base, backoff_s=0.01, read_timeout=kw.pop("read_timeout", 5.0), **kw)
    return ApiClient(settings, on_tokens=on_tokens)


def tokens_body(n: int) -> dict[str, Any]:
    return {
        "access_token": f"acc-{n}-SECRET",
        "refresh_token": f"ref-{n}-SECRET",
        "token_type": "Bearer",
        "expires_in": 900,
        "scope": "supervisor",
    }


def signed_in(base: str, **kw: Any) -> ApiClient:
    api = client_for(base, **kw)
    api.use_tokens(Tokens("acc-0-SECRET", "ref-0-SECRET", None, "supervisor"))
    return api
