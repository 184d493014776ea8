"""The queue's filter text kept in the cache between starts (issue 16: making it for 100k open enquiries
was ~0.6 s of a start). A start reads the text kept for the same version, team and agent of each open
enquiry under the same version of the text's words, and None for the rest. A real encrypted cache file."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Any

from console.domain.model import Enquiry
from console.store import kept
from console.store.cache import Store, StoreReader
from tests.helpers.store import T0, make_enquiry, new_key

WORDS = "words v1"


def hays_read(path: Path, key: str, words: str | None = WORDS) -> dict[str, str | None]:
    with StoreReader(path, key) as reader:
        rows, hays = reader.load_open_kept("no clocks kept", lambda pairs: None, words)
    return {e.id: h for e, h in zip(rows, hays, strict=True)}


def text_of(e: Enquiry) -> tuple[str, int, str | None, str | None, str]:
    return (e.id, e.version, e.team_id, e.agent_id, f"text of {e.id} v{e.version}")


def test_kept_text_is_read_only_for_its_enquiry_version_team_and_agent_under_the_same_words(
    tmp_path: Path,
) -> None:
    path, key = tmp_path / "cache.db", new_key()
    rows = [make_enquiry(i) for i in range(12)]
    with Store(path, bytes.fromhex(key)) as store:
        store.apply_enquiries(rows)
        assert store.keep_filter_texts(WORDS, [text_of(e) for e in rows]) == 12
    assert hays_read(path, key) == {e.id: f"text of {e.id} v1" for e in rows}
    assert set(hays_read(path, key, "words v2").values()) == {None}  # other names, privacy or rules
    assert set(hays_read(path, key, None).values()) == {None}  # no text to be made at this load

    with Store(path, bytes.fromhex(key)) as store:
        store.apply_enquiries([dataclasses.replace(rows[1], version=2, updated_at=T0 + 99)])  # changed
        store.queue_assignment(rows[2].id, "cards", None, "specialist", "sup", now=T0)  # moved locally
        store._conn.execute("UPDATE enquiries SET agent_id = 'a7' WHERE id = ?", (rows[3].id,))
    read = hays_read(path, key)
    assert {i for i, h in read.items() if h is None} == {rows[1].id, rows[2].id, rows[3].id}

    # Kept under the same words: added to, replacing the enquiry's older one.
    newer = dataclasses.replace(rows[1], version=2)
    with Store(path, bytes.fromhex(key)) as store:
        assert store.keep_filter_texts(WORDS, [text_of(newer)]) == 1
    assert hays_read(path, key)[rows[1].id] == f"text of {rows[1].id} v2"
    assert hays_read(path, key)[rows[0].id] == f"text of {rows[0].id} v1"

    # Under other words: they replace every text kept.
    with Store(path, bytes.fromhex(key)) as store:
        store.keep_filter_texts("words v2", [text_of(rows[0])])
        assert store._conn.execute("SELECT count(*) FROM filter_texts").fetchall() == [(1,)]
    assert [h for h in hays_read(path, key, "words v2").values() if h] == [f"text of {rows[0].id} v1"]


def test_texts_of_closed_enquiries_go_once_they_are_a_tenth_of_those_kept(tmp_path: Path) -> None:
    path, key = tmp_path / "cache.db", new_key()
    rows = [make_enquiry(i) for i in range(20)]
    with Store(path, bytes.fromhex(key)) as store:
        store.apply_enquiries(rows)
        store.keep_filter_texts(WORDS, [text_of(e) for e in rows])
        totals = []
        for e in rows[:4]:
            store.apply_enquiries([dataclasses.replace(e, version=2, status="resolved", resolved_at=T0)])
            store.keep_filter_texts(WORDS, [])
            totals.append(store._conn.execute("SELECT count(*) FROM filter_texts").fetchall()[0][0])
    assert totals == [20, 18, 18, 16]  # 20 kept over 19 open stay; over 18 the closed go, 18 over 17 stay


def test_a_large_keep_is_copied_into_the_cache_file_at_once(tmp_path: Path, monkeypatch: Any) -> None:
    # A first start keeps 100k filter texts (~15 MB of WAL); read through the WAL, the next start's read
    # of every open row was slower. From CHECKPOINT_AFTER rows the keep is checkpointed at once.
    path, key = tmp_path / "cache.db", new_key()
    rows = [make_enquiry(i, text="x" * 2000) for i in range(40)]
    with Store(path, bytes.fromhex(key)) as store:
        store.apply_enquiries(rows)
        store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = path.stat().st_size
        store.keep_filter_texts(WORDS, [(*text_of(e)[:4], "y" * 3000) for e in rows[:20]])
        assert path.stat().st_size == size  # a small keep: in the WAL, for the next checkpoint
        monkeypatch.setattr(kept, "CHECKPOINT_AFTER", 20)
        store.keep_filter_texts(WORDS, [(*text_of(e)[:4], "y" * 3000) for e in rows[20:]])
        assert path.stat().st_size > size + 20 * 3000  # both keeps' pages are in the file now
    assert len([h for h in hays_read(path, key).values() if h]) == 40


def test_a_keep_holds_the_write_lock_from_its_first_read_so_another_writers_commit_waits(
    tmp_path: Path,
) -> None:
    """A keep reads the kept version, then writes. In a deferred transaction another writer's commit in
    between failed the keep at once (SQLITE_BUSY on a stale snapshot): seen when a signed-in-again sync
    thread wrote while an offline keep ran. Now the other writer waits for the keep, and both land."""
    path, key = tmp_path / "cache.db", new_key()
    keeper = Store(path, bytes.fromhex(key))
    committed = threading.Event()

    def other_writer() -> None:
        with Store(path, bytes.fromhex(key)) as other:
            other.set_meta("other", "1")
        committed.set()

    def keep() -> int:
        keeper._conn.execute("SELECT value FROM meta").fetchall()  # the keep's first read
        thread = threading.Thread(target=other_writer)
        thread.start()
        assert not committed.wait(0.3)  # it waits for the keep's lock (without it: committed at once)
        keeper._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('kept', '1')")
        threads.append(thread)
        return 1

    threads: list[threading.Thread] = []
    assert kept.in_one(keeper._conn, keep) == 1
    threads[0].join(10)
    assert committed.is_set()
    assert {k for k, _ in keeper._conn.execute("SELECT key, value FROM meta")} >= {"kept", "other"}
    keeper.close()
