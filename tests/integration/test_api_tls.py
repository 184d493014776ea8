"""TLS and proxies for real: an HTTPS server on 127.0.0.1 with a certificate from a test CA, and a CONNECT
proxy that tunnels a non-loopback host name to it. Verification is always on; the CA bundle and the
proxy come from ApiSettings."""

from __future__ import annotations

import datetime
import ipaddress
import json
import select
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from console.api.client import ApiClient, ApiSettings, TlsError
from console.domain import wire


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(
    subject: str, key: Any, issuer: str, issuer_key: Any, *, ca: bool, names: list[x509.GeneralName]
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        ).add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass
class Pki:
    ca_bundle: Path
    server_cert: Path
    server_key: Path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    d = tmp_path_factory.mktemp("pki")
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _cert("Concierge Test CA", ca_key, "Concierge Test CA", ca_key, ca=True, names=[])
    names: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.DNSName("api.bank.test"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    server = _cert("api.bank.test", server_key, "Concierge Test CA", ca_key, ca=False, names=names)
    pki = Pki(d / "ca.pem", d / "server.pem", d / "server.key")
    pki.ca_bundle.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    pki.server_cert.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    pki.server_key.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return pki


class _TimeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps({"now": wire.iso(1_800_000_000.0)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def https_port(pki: Pki) -> Iterator[int]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.server_cert, pki.server_key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TimeHandler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


class _Tunnel(socketserver.BaseRequestHandler):
    """A CONNECT proxy that sends every tunnel to 127.0.0.1 on the requested port (so a made-up host name
    such as api.bank.test resolves without DNS), recording the CONNECT lines it saw."""

    seen: list[str]

    def handle(self) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            head += chunk
        line = head.split(b"\r\n", 1)[0].decode()
        self.seen.append(line)
        port = int(line.split()[1].rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as upstream:
            self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            ends = [self.request, upstream]
            while True:
                ready, _, _ = select.select(ends, [], [], 5)
                if not ready:
                    return
                for end in ready:
                    data = end.recv(65536)
                    if not data:
                        return
                    (upstream if end is self.request else self.request).sendall(data)


@pytest.fixture
def proxy() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    handler = type("Tunnel", (_Tunnel,), {"seen": seen})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_the_configured_ca_bundle_verifies_the_server(
    pki: Pki, https_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The environment cannot swap the bundle behind the settings' back (requests would let it).
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent.pem")
    monkeypatch.setenv("CURL_CA_BUNDLE", "")
    api = ApiClient(ApiSettings(f"https://127.0.0.1:{https_port}", ca_bundle=str(pki.ca_bundle)))
    assert api.server_time() == 1_800_000_000.0


def test_an_unknown_ca_is_refused_at_once(https_port: int) -> None:
    api = ApiClient(ApiSettings(f"https://localhost:{https_port}", max_retries=3, backoff_s=5))
    with pytest.raises(TlsError, match=r"could not be verified.*CA bundle"):
        api.server_time()  # not retried: the backoff (5 s and up) would make this test slow


def test_a_name_the_certificate_does_not_cover_is_refused(
    pki: Pki, https_port: int, proxy: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    url, seen = proxy  # the tunnel reaches the same server under a name its certificate does not hold
    api = ApiClient(
        ApiSettings(f"https://other.bank.test:{https_port}", ca_bundle=str(pki.ca_bundle), proxy=url)
    )
    with pytest.raises(TlsError):
        api.server_time()
    assert len(seen) == 1  # refused at once, not retried


def test_a_remote_host_goes_through_the_proxy_with_tls_end_to_end(
    pki: Pki, https_port: int, proxy: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    url, seen = proxy
    api = ApiClient(
        ApiSettings(f"https://api.bank.test:{https_port}", ca_bundle=str(pki.ca_bundle), proxy=url)
    )
    assert api.server_time() == 1_800_000_000.0
    assert len(seen) == 1 and seen[0].startswith(f"CONNECT api.bank.test:{https_port} ")
