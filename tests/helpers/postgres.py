"""A real PostgreSQL server for the gateway's tests, as a pytest plugin (loaded by tests/conftest.py).

Fixtures:
- pg_cluster (session): a private cluster (initdb + pg_ctl) in a temporary folder, listening only on a unix
  socket there (no TCP port is shared with anything else), stopped at the end. PostgreSQL refuses to run as
  root: as root the cluster belongs to the unprivileged `postgres` user (Debian's package creates it).
  Skips the test when no PostgreSQL binaries are installed (scripts/setup.sh test installs them).
- pg_dsn (function): a fresh database for one test, copied from an empty template (CREATE DATABASE ...
  TEMPLATE), so tests stay independent; dropped afterwards. `database(cluster)` makes one for wider scopes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)  # Debian: newest first
TEMPLATE = "gw_template"


@dataclass(frozen=True, slots=True)
class Cluster:
    socket_dir: Path
    port: int
    user: str

    def dsn(self, dbname: str) -> str:
        return f"host={self.socket_dir} port={self.port} user={self.user} dbname={dbname}"


def _bin(name: str) -> str | None:
    for d in BIN_DIRS:
        if (d / name).exists():
            return str(d / name)
    return shutil.which(name)


def _free_port() -> int:
    import socket

    with socket.socket() as s:  # the port names the socket file; unused on TCP (listen_addresses='')
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_cluster(root: Path) -> tuple[Cluster, list[str]]:
    """initdb + pg_ctl start under root; returns the cluster and the command that stops it."""
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip("PostgreSQL is not installed (scripts/setup.sh test installs Debian's postgresql)")
    as_user: list[str] = []
    user = "postgres"  # the cluster's superuser name (trust on its private socket), whoever runs it
    if os.geteuid() == 0:  # PostgreSQL refuses root: run it as the unprivileged postgres user
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, user="postgres")
        root.chmod(0o700)
    port = _free_port()
    data = root / "data"
    subprocess.run(
        [*as_user, initdb, "-D", str(data), "-A", "trust", "-U", user, "-E", "UTF8", "--no-sync"],
        check=True,
        capture_output=True,
    )
    opts = f"-p {port} -k {root} -c listen_addresses='' -c fsync=off -c max_connections=200"
    subprocess.run(
        [*as_user, pg_ctl, "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"],
        check=True,
        capture_output=True,
    )
    stop = [*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]
    return Cluster(root, port, user), stop


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    import psycopg

    root = Path(tempfile.mkdtemp(prefix="concierge-pg-"))
    cluster, stop = start_cluster(root)
    try:
        with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {TEMPLATE}")
        yield cluster
    finally:
        subprocess.run(stop, check=False, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def database(cluster: Cluster) -> Iterator[str]:
    """A fresh database copied from the empty template; dropped (connections and all) afterwards."""
    import psycopg

    name = f"gw_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    try:
        yield cluster.dsn(name)
    finally:
        with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_dsn(pg_cluster: Cluster) -> Iterator[str]:
    with database(pg_cluster) as dsn:
        yield dsn
