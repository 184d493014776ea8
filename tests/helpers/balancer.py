"""A tiny TCP load balancer for tests: each new client connection goes to the next backend in turn (round
robin), skipping any that refuses the connection, and the bytes are piped both ways unchanged. A backend
killed mid-answer ends the client's connection, as a real balancer's would; the client's retry reaches a
live backend."""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlsplit


class Balancer:
    def __init__(self, backends: list[str]) -> None:
        self.backends = [(urlsplit(u).hostname or "127.0.0.1", urlsplit(u).port or 80) for u in backends]
        self._next = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.served: dict[int, int] = {}  # backend index -> connections sent to it
        self._stopping = False
        self._thread = threading.Thread(target=self._accept, name="balancer", daemon=True)

    def start(self) -> str:
        self._thread.start()
        return self.url

    def stop(self) -> None:
        self._stopping = True
        self._listener.close()
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._stopping:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _backend(self) -> socket.socket | None:
        with self._lock:
            start = self._next
            self._next = (self._next + 1) % len(self.backends)
        for k in range(len(self.backends)):
            index = (start + k) % len(self.backends)
            try:
                conn = socket.create_connection(self.backends[index], timeout=2)
            except OSError:
                continue
            conn.settimeout(None)
            with self._lock:
                self.served[index] = self.served.get(index, 0) + 1
            return conn
        return None

    def _serve(self, client: socket.socket) -> None:
        backend = self._backend()
        if backend is None:
            client.close()
            return
        for a, b in ((client, backend), (backend, client)):
            threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:  # one side ended: end both, so the client sees the break at once
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
