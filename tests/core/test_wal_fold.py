"""The cache's write-ahead log folded into the cache file at exit (console.store.schema.fold_wal), so the
next start has no log to recover: its first connection reads the whole log (~0.15 s at 200 MB, issue 16).
SQLite does so itself only when the last connection to close can write; an offline console's last ones
only read. Real encrypted cache files; a second connection stands in for another Concierge program."""

from __future__ import annotations

import time
from pathlib import Path

from console.store.cache import StoreReader, fold_wal
from tests.helpers.store import cache_with_a_log_left, log_of, new_key


def test_the_log_a_reading_console_left_is_folded_in_and_nothing_is_lost(tmp_path: Path) -> None:
    path, key = tmp_path / "cache.db", new_key()
    cache_with_a_log_left(path, key)
    assert fold_wal(path, key)
    assert not log_of(path).exists()  # the last connection anywhere: SQLite deleted the emptied log
    with StoreReader(path, key) as reader:
        assert reader.enquiry_count() == 40
    assert fold_wal(path, key)  # nothing to fold: nothing opened


def test_another_program_reading_leaves_the_log_for_later_without_a_long_wait(tmp_path: Path) -> None:
    path, key = tmp_path / "cache.db", new_key()
    cache_with_a_log_left(path, key)
    other = StoreReader(path, key)
    other._conn.execute("BEGIN")
    other._conn.execute("SELECT count(*) FROM enquiries").fetchall()  # a read under way, holding the log
    started = time.monotonic()
    assert not fold_wal(path, key)
    assert time.monotonic() - started < 2.0  # a short wait (FOLD_WAIT_MS), not the writers' 5 s
    other._conn.execute("COMMIT")
    assert other.enquiry_count() == 40
    other.close()
    assert fold_wal(path, key) and not log_of(path).exists()


def test_a_wrong_key_folds_nothing_and_harms_nothing(tmp_path: Path) -> None:
    path, key = tmp_path / "cache.db", new_key()
    cache_with_a_log_left(path, key)
    assert not fold_wal(path, new_key())
    with StoreReader(path, key) as reader:
        assert reader.enquiry_count() == 40
