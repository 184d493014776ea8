"""The cache file: encrypted at rest, wrong keys refused clearly, schema migrations, known errors."""

from __future__ import annotations

import os
from pathlib import Path

import apsw
import pytest

from console.store.cache import CacheKeyError, KnownError, Store, StoreReader, open_reader
from console.store.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    SchemaBehind,
    connect,
    known_errors,
    migrate,
    user_version,
)
from tests.helpers.store import make_enquiry, new_key


def test_the_file_is_encrypted(tmp_path: Path) -> None:
    path, key = tmp_path / "c.db", new_key()
    with Store(path, key) as s:
        s.apply_enquiries([make_enquiry(i, customer_name="Ada Lovelace") for i in range(50)], "cur-1")
        # Before the checkpoint the rows live in the WAL: it is encrypted too.
        for f in tmp_path.iterdir():
            assert b"Ada Lovelace" not in f.read_bytes() and key.encode() not in f.read_bytes(), f.name
        s._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = path.read_bytes()
    assert not data.startswith(b"SQLite format 3")
    assert b"Ada Lovelace" not in data and b"CREATE TABLE" not in data
    # Not readable as plain SQLite either.
    plain = apsw.Connection(str(path))
    with pytest.raises(apsw.NotADBError):
        plain.execute("SELECT count(*) FROM enquiries").fetchall()
    plain.close()


def test_a_wrong_key_gets_a_clear_error_and_the_cache_survives(tmp_path: Path) -> None:
    path, key = tmp_path / "c.db", new_key()
    with Store(path, key) as s:
        s.apply_enquiries([make_enquiry(1)], "cur-1")
    wrong = new_key()
    with pytest.raises(CacheKeyError, match="cache key does not match this cache") as info:
        Store(path, wrong)
    assert wrong not in str(info.value) and key not in str(info.value)
    with pytest.raises(CacheKeyError):
        StoreReader(path, wrong)
    with Store(path, key) as s:
        assert s.get("E000001") is not None and s.cursor() == "cur-1"


def test_malformed_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CacheKeyError, match="64 hexadecimal"):
        Store(tmp_path / "c.db", "not-a-key")
    with pytest.raises(CacheKeyError, match="32 bytes"):
        Store(tmp_path / "c.db", b"short")
    assert not (tmp_path / "c.db").exists()


def test_a_plain_sqlite_file_is_not_taken_for_a_cache(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    conn = apsw.Connection(str(path))
    conn.execute("CREATE TABLE x(y)")
    conn.close()
    with pytest.raises(KnownError, match="unencrypted SQLite"):
        Store(path, new_key())


def test_upgrading_from_v1_keeps_the_data(tmp_path: Path) -> None:
    path, key = tmp_path / "c.db", new_key()
    conn = connect(path, key)
    assert migrate(conn, path, target=1) == 1
    conn.execute(
        "INSERT INTO enquiries VALUES ('E1','x','public','@a','A','hi','cards',2,'','normal','open',"
        "'social',NULL,1.0,3,2.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,0,'[]','{}',1)"
    )
    conn.execute("INSERT INTO meta VALUES ('cursor', 'c-v1')")
    conn.close()
    with Store(path, key) as s:
        assert user_version(s._conn) == SCHEMA_VERSION == len(MIGRATIONS)
        e = s.get("E1")
        assert e is not None and e.version == 3 and e.team_id == "social"
        assert s.cursor() == "c-v1" and s.pending_ids() == set()
        # The v2 tables work.
        s.queue_assignment("E1", "cards", None, "specialist", "sup", now=10.0)
        assert len(s.outbox_pending()) == 1


def test_a_window_opens_a_cache_an_older_console_wrote_by_bringing_it_up_to_date(tmp_path: Path) -> None:
    """An upgrade: the console and the wallboard open their reader first (open_reader). A plain reader
    refuses an older schema; open_reader migrates it (under the creation lock), keeping the data."""
    path, key = tmp_path / "c.db", new_key()
    with Store(path, key) as s:
        s.apply_enquiries([make_enquiry(1)], "cur-1")
    conn = connect(path, key)
    conn.execute("DROP TABLE filter_texts")  # as the console before the last migration left it
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION - 1}")
    conn.close()
    with pytest.raises(SchemaBehind, match=r"older Concierge .* a sync or the console brings it up to date"):
        StoreReader(path, key)
    with open_reader(path, key) as reader:
        assert user_version(reader._conn) == SCHEMA_VERSION
        assert reader.get("E000001") is not None and reader.load_open_kept("any", print, "any")[1] == [None]
    with open_reader(tmp_path / "new.db", key) as reader:  # none yet: made empty, the window opens at once
        assert reader.enquiry_count() == 0


def test_a_cache_from_a_newer_console_is_refused(tmp_path: Path) -> None:
    path, key = tmp_path / "c.db", new_key()
    Store(path, key).close()
    conn = connect(path, key)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(KnownError, match="newer Concierge"):
        Store(path, key)


def test_reader_needs_an_existing_cache(tmp_path: Path) -> None:
    with pytest.raises(KnownError, match="sync first"):
        StoreReader(tmp_path / "none.db", new_key())


def test_reader_sees_committed_writes_and_cannot_write(tmp_path: Path) -> None:
    path, key = tmp_path / "c.db", new_key()
    with Store(path, key) as s, StoreReader(path, key) as r:
        s.apply_enquiries([make_enquiry(i) for i in range(10)], "c1")
        assert len(r.load_open()) == 10
        with pytest.raises(KnownError, match="read-only"), known_errors(path):
            r._conn.execute("DELETE FROM enquiries")
        s.apply_enquiries([make_enquiry(i) for i in range(10, 15)], "c2")
        assert len(r.load_open()) == 15 and r.cursor() == "c2"


def test_a_locked_cache_is_a_known_error(tmp_path: Path) -> None:
    path, key = tmp_path / "c.db", new_key()
    with Store(path, key) as s:
        other = connect(path, key)
        other.execute("BEGIN EXCLUSIVE")
        s._conn.set_busy_timeout(50)
        with pytest.raises(KnownError, match="locked by another program"):
            s.apply_enquiries([make_enquiry(1)], "c1")
        other.execute("ROLLBACK")
        other.close()
        s.apply_enquiries([make_enquiry(1)], "c1")  # nothing was lost: it works once the lock is gone
        assert s.cursor() == "c1"


def test_a_damaged_cache_is_a_known_error(tmp_path: Path) -> None:
    path, key = tmp_path / "c.db", new_key()
    with Store(path, key) as s:
        s.apply_enquiries([make_enquiry(i) for i in range(2000)], "c1")
        s._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    middle = len(data) // 2 // 4096 * 4096  # whole pages, tables' and indexes' alike
    data[middle - 4 * 4096 : middle + 4 * 4096] = os.urandom(8 * 4096)
    path.write_bytes(bytes(data))
    with pytest.raises(KnownError, match="damaged"), Store(path, key) as s:
        s.load_open()
