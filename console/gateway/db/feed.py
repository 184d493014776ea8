"""Reading the change feed, and one LISTEN connection per process that wakes every waiting long-poll.

A cursor is `<database instance>.<seq>`: the feed's own numbers, the same in every gateway process on the
database and across restarts, so a console may follow any of them. Pages are joined from the stored
change texts, never re-encoded.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import psycopg

from console.gateway.db.schema import CHANNEL
from console.gateway.db.store import Database

log = logging.getLogger("concierge.gateway.feed")


class CursorGone(Exception):
    """A cursor from another database, or from beyond the feed's end."""


@dataclass(frozen=True, slots=True)
class Page:
    items: list[str]  # whole changes: '{"seq":N,...}'
    last_seq: int
    has_more: bool


class Feed:
    def __init__(self, db: Database) -> None:
        self.db = db

    def cursor(self, seq: int) -> str:
        return f"{self.db.instance}.{seq}"

    def parse_cursor(self, cursor: str) -> int:
        if not cursor:
            return 0
        instance, _, seq = cursor.partition(".")
        if instance != self.db.instance or not seq.isdigit() or len(seq) > 18:
            raise CursorGone(cursor)
        if int(seq) > self.head():
            raise CursorGone(cursor)
        return int(seq)

    def head(self) -> int:
        with self.db.tx() as conn:
            row = conn.execute("SELECT coalesce(max(seq), 0) FROM feed").fetchone()
        return int(row[0]) if row else 0

    def page(self, after: int, limit: int) -> Page:
        with self.db.tx() as conn:
            rows = conn.execute(
                "SELECT seq, item FROM feed WHERE seq > %s ORDER BY seq LIMIT %s", (after, limit + 1)
            ).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        items = [f'{{"seq":{seq},' + item for seq, item in rows]
        return Page(items, int(rows[-1][0]) if rows else after, more)


class Listener:
    """LISTEN concierge_changes on one connection of its own; every notification (a committed feed seq)
    raises `latest` and wakes the long-polls waiting on `changed`. Reconnects when the connection drops;
    a reconnect wakes everyone too (a notification may have been missed), and they read the feed again."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.changed = threading.Condition()
        self.latest = 0
        self.generation = 0  # bumped on every wake-up, notification or reconnect
        self.stopping = False
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._thread = threading.Thread(target=self._run, name="gateway-listen", daemon=True)
        self._ready = threading.Event()

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(timeout=10)

    def stop(self) -> None:
        with self.changed:
            self.stopping = True
            self.changed.notify_all()
        self._thread.join(timeout=5)

    def wait(self, generation: int, timeout: float) -> None:
        """Until the generation moves past the one seen (a change or a reconnect), the timeout or stop."""
        with self.changed:
            self.changed.wait_for(lambda: self.generation != generation or self.stopping, timeout=timeout)

    def _wake(self, seq: int) -> None:
        with self.changed:
            self.latest = max(self.latest, seq)
            self.generation += 1
            self.changed.notify_all()

    def _run(self) -> None:
        while not self.stopping:
            try:
                with psycopg.connect(self.dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._wake(0)  # anything committed while not listening is read again
                    self._ready.set()
                    while not self.stopping:
                        for note in conn.notifies(timeout=0.5):
                            self._wake(int(note.payload) if note.payload.isdigit() else 0)
            except psycopg.Error:
                log.warning("the LISTEN connection to PostgreSQL failed; reconnecting", exc_info=True)
                self._ready.set()
                with self.changed:
                    self.changed.wait_for(lambda: self.stopping, timeout=1.0)
