"""The cache's transactions (console.store.schema.transaction): apsw's `with conn:` semantics (one
savepoint per level, the outermost commits, a failure rolls back only its own level), but the GIL free
while SQLite commits, so the window's thread runs while the sync thread's page is written."""

from __future__ import annotations

import ast
import os
import sys
import threading
from pathlib import Path

import apsw
import pytest

from console.store.schema import connect, transaction
from tests.helpers.store import new_key

ROWS = 40_000  # ~20 MB committed at once: a commit of tens of milliseconds, as a big sync page's


def _table(path: Path, key: str) -> apsw.Connection:
    conn = connect(path, key)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    return conn


def _count(conn: apsw.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM t").fetchone()
    assert row is not None
    return int(row[0])


def test_another_thread_runs_while_a_transaction_commits(tmp_path: Path) -> None:
    path, key = tmp_path / "c.db", new_key()
    writer = _table(path, key)
    reader = connect(path, key, readonly=True)
    woken, seen = threading.Event(), []

    def read_once() -> None:  # as the UI thread: it runs as soon as it gets the GIL
        woken.wait()
        seen.append(_count(reader))

    other = threading.Thread(target=read_once)
    other.start()
    # Only a thread that gives the GIL up lets the reader in: no hand-over forced by the interval.
    was = sys.getswitchinterval()
    sys.setswitchinterval(10.0)
    try:
        with transaction(writer):
            rows = ((i, os.urandom(256).hex()) for i in range(ROWS))
            writer.executemany("INSERT INTO t VALUES (?, ?)", rows)
            woken.set()  # the reader now waits for the GIL; the writer's next step is the commit
    finally:
        sys.setswitchinterval(was)
        other.join()
    # With apsw's own `with writer:` the GIL stays held through the commit: the reader ran only after it
    # and counted every row.
    assert seen == [0], "the other thread was held until the commit was over"
    assert _count(reader) == ROWS
    reader.close()
    writer.close()


def test_a_failure_rolls_back_only_its_own_level_and_propagates(tmp_path: Path) -> None:
    conn = _table(tmp_path / "c.db", new_key())
    with transaction(conn):
        conn.execute("INSERT INTO t VALUES (1, 'kept')")
        with pytest.raises(ValueError, match="refused"), transaction(conn):
            conn.execute("INSERT INTO t VALUES (2, 'rolled back')")
            raise ValueError("refused")
        conn.execute("INSERT INTO t VALUES (3, 'kept too')")
    assert [r[0] for r in conn.execute("SELECT id FROM t ORDER BY id")] == [1, 3]
    with pytest.raises(KeyError), transaction(conn):
        conn.execute("INSERT INTO t VALUES (4, 'never committed')")
        raise KeyError("outer")
    assert _count(conn) == 2
    assert conn.in_transaction is False


def test_the_callers_error_is_raised_when_sqlite_already_rolled_everything_back(tmp_path: Path) -> None:
    # SQLite rolls a whole transaction back on its own after some errors (disk full, I/O): the savepoint
    # is gone, and the error the caller sees is still the one that happened, not "no such savepoint".
    conn = _table(tmp_path / "c.db", new_key())
    with pytest.raises(RuntimeError, match="disk"), transaction(conn):
        conn.execute("INSERT INTO t VALUES (1, 'x')")
        conn.execute("ROLLBACK")
        raise RuntimeError("disk full")
    assert _count(conn) == 0
    assert conn.in_transaction is False


def test_no_cache_write_uses_apsws_own_with_block() -> None:
    # `with conn:` on an apsw connection commits with the GIL held: every write goes through transaction().
    root = Path(__file__).resolve().parents[2]
    found = []
    for path in [*root.glob("console/**/*.py"), *root.glob("widgets/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    expr = item.context_expr
                    name = expr.id if isinstance(expr, ast.Name) else getattr(expr, "attr", "")
                    if name in ("conn", "_conn", "connection"):
                        found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []
