"""Issue 14, defect 10: the reference service answers every malformed request with a problem+json 400
(raw sockets, so nothing in between tidies the request up), and a refreshed-away access token is dead."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import requests

from console.service.server import DemoService
from tests.helpers.service import login


def raw(service: DemoService, request: bytes) -> tuple[int, dict[str, object]]:
    with socket.create_connection(("127.0.0.1", service.port), timeout=20) as s:
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data or len(data) < data.index(b"\r\n\r\n") + 4 + _length(data):
            chunk = s.recv(65536)
            assert chunk, f"the server closed the connection without an answer: {data!r}"
            data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    assert b"application/problem+json" in head
    return int(head.split()[1]), json.loads(body)


def _length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
        b"POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        b"POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 400004\r\n\r\n"
        + b"[" * 200_002
        + b"]" * 200_002,
        b"POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n\xff\xfe{}",
    ],
    ids=["length-abc", "length-negative", "chunked", "deep-nesting", "not-utf8"],
)
def test_malformed_requests_get_a_problem_400(demo_service: DemoService, request_bytes: bytes) -> None:
    status, problem = raw(demo_service, request_bytes)
    assert status == 400 and problem["status"] == 400 and problem["detail"]


def test_a_refreshed_access_token_stops_working(demo_service: DemoService) -> None:
    old = login(demo_service)
    url = f"{demo_service.url}/v1/teams"
    assert requests.get(url, headers={"Authorization": f"Bearer {old['access_token']}"}, timeout=10).ok
    new = requests.post(
        f"{demo_service.url}/v1/auth/refresh", json={"refresh_token": old["refresh_token"]}, timeout=10
    ).json()
    gone = requests.get(url, headers={"Authorization": f"Bearer {old['access_token']}"}, timeout=10)
    assert gone.status_code == 401
    assert requests.get(url, headers={"Authorization": f"Bearer {new['access_token']}"}, timeout=10).ok


def test_if_match_is_required_in_the_contract() -> None:
    spec_path = Path(__file__).resolve().parents[2] / "console" / "service" / "openapi.json"
    SPEC = json.loads(spec_path.read_text(encoding="utf-8"))

    params = SPEC["paths"]["/v1/enquiries/{id}/assignment"]["post"]["parameters"]
    assert next(p for p in params if p["name"] == "If-Match")["required"] is True
    enquiry = SPEC["components"]["schemas"]["Enquiry"]["properties"]
    assert enquiry["version"]["maximum"] == 2**53 - 1 and enquiry["text"]["maxLength"] == 20_000
    assert enquiry["created_at"]["pattern"] == "^20[0-9]{2}-"
