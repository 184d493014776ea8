"""Issue 14, defect 2: the audit trail anchored outside the cache. A real sync sends the trail to the
real reference service; then the cache is tampered with through apsw directly (tail cut and the head
rewritten, the whole chain recomputed, everything deleted) and `audit verify --api` catches each."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import apsw
import pytest

from console.domain.audit_chain import GENESIS, entry_digest
from console.service.server import DemoService
from console.store.cache import Store
from tests.helpers.cli import cli
from tests.helpers.hostile_cli import env_for, sync_once


@pytest.fixture(scope="module")
def service() -> Iterator[DemoService]:
    with DemoService(seed=14, open_enquiries=50, speed=0) as svc:
        yield svc


@pytest.fixture
def anchored(service: DemoService, tmp_path: Path) -> tuple[Path, str, dict[str, str]]:
    key = os.urandom(32).hex()
    cache, env = tmp_path / "c.db", env_for(tmp_path, key)
    with Store(cache, key) as store:
        for i in range(6):
            store.audit(at=1.9e9 + i, actor="sup.ann", action="reveal", subject=f"e{i}", detail={"n": i})
    done = sync_once(service.url, cache, env)
    assert done.returncode == 0, done.stderr
    return cache, key, env


def verify(cache: Path, env: dict[str, str], *extra: str) -> tuple[int, str]:
    done = cli("audit", "verify", "--cache", str(cache), *extra, env=env)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stderr


def tamper(cache: Path, key: str, *sql: tuple[str, tuple[object, ...]]) -> None:
    conn = apsw.Connection(
        f"{cache.resolve().as_uri()}?cipher=chacha20&hexkey={key}",
        flags=apsw.SQLITE_OPEN_URI | apsw.SQLITE_OPEN_READWRITE,
    )
    with conn:
        for statement, args in sql:
            conn.execute(statement, args)
    conn.close()


def stored_shift_ids(cache: Path, key: str) -> list[str]:
    uri = f"{cache.resolve().as_uri()}?cipher=chacha20&hexkey={key}"
    conn = apsw.Connection(uri, flags=apsw.SQLITE_OPEN_URI | apsw.SQLITE_OPEN_READONLY)
    try:
        return [str(r[0]) for r in conn.execute("SELECT shift_id FROM shift_reports")]
    finally:
        conn.close()


def rewrite_chain(cache: Path, key: str, keep: int, edit: dict[str, str] | None = None) -> None:
    """What someone with the key can do: keep the first `keep` entries (editing one), recompute every
    hash, rewrite the head and the local anchor so that the local chain checks out."""
    conn = apsw.Connection(
        f"{cache.resolve().as_uri()}?cipher=chacha20&hexkey={key}",
        flags=apsw.SQLITE_OPEN_URI | apsw.SQLITE_OPEN_READWRITE,
    )
    with conn:
        rows: list[tuple[Any, ...]] = conn.execute(
            "SELECT seq, at, actor, action, subject, detail FROM audit ORDER BY seq"
        ).fetchall()
        conn.execute("DELETE FROM audit")
        prev, last = GENESIS, 0
        for seq, at, actor, action, subject, detail in rows[:keep]:
            if edit and seq == 2:
                actor = edit["actor"]
            digest = entry_digest(
                prev, int(seq), float(at), str(actor), str(action), str(subject), str(detail)
            )
            conn.execute(
                "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, at, actor, action, subject, detail, prev, digest),
            )
            prev, last = digest, int(seq)
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('audit_head', ?)", (f"{last}:{prev}",))
        anchor = {"seq": last, "hash": prev, "at": 1.9e9, "server": "forged"}
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('audit_anchor', ?)", (json.dumps(anchor),))
    conn.close()


def test_an_anchored_trail_verifies_online_and_says_how_far_offline(
    service: DemoService, anchored: tuple[Path, str, dict[str, str]]
) -> None:
    cache, _, env = anchored
    code, err = verify(cache, env, "--api", service.url)
    assert code == 0 and "entries 1..6 match the copy" in err, err
    code, err = verify(cache, env)
    assert code == 0 and "offline: entries 1..6 were anchored" in err, err


def test_a_cut_tail_with_the_head_rewritten_is_caught(
    service: DemoService, anchored: tuple[Path, str, dict[str, str]]
) -> None:
    cache, key, env = anchored
    reports = stored_shift_ids(cache, key)
    assert reports, "the first sync stores the reports of the shifts that ended"
    rewrite_chain(cache, key, keep=4)
    # Offline, with the local anchor forged too, the chain itself checks out; only the stored reports,
    # whose "report.stored" entries went with the cut tail, still tell.
    code, err = verify(cache, env)
    assert code == 6 and "entries 1..4 were anchored" in err, err
    assert all(f"no record of storing the report of shift {s}" in err for s in reports), err
    code, err = verify(cache, env, "--api", service.url)
    assert code == 6 and "holds 6 entries" in err and "only 4" in err, err


def test_a_cut_tail_is_caught_offline_when_the_anchor_was_left_alone(
    anchored: tuple[Path, str, dict[str, str]],
) -> None:
    cache, key, env = anchored
    tamper(
        cache,
        key,
        ("DELETE FROM audit WHERE seq > 4", ()),
        (
            "UPDATE meta SET value = (SELECT '4:' || hash FROM audit WHERE seq = 4) WHERE key = 'audit_head'",
            (),
        ),
    )
    code, err = verify(cache, env)
    assert code == 6 and "the newest entries were deleted" in err, err


def test_a_recomputed_history_is_caught(
    service: DemoService, anchored: tuple[Path, str, dict[str, str]]
) -> None:
    cache, key, env = anchored
    rewrite_chain(cache, key, keep=6, edit={"actor": "someone.else"})
    code, err = verify(cache, env, "--api", service.url)
    assert code == 6 and "differs from the copy" in err, err


def test_a_trail_deleted_whole_is_caught(
    service: DemoService, anchored: tuple[Path, str, dict[str, str]]
) -> None:
    cache, key, env = anchored
    tamper(
        cache,
        key,
        ("DELETE FROM audit", ()),
        ("DELETE FROM meta WHERE key IN ('audit_head', 'audit_anchor')", ()),
    )
    code, err = verify(cache, env, "--api", service.url)
    assert code == 6 and "only 0" in err, err


def test_sync_refuses_to_anchor_a_rewritten_history(
    service: DemoService, anchored: tuple[Path, str, dict[str, str]]
) -> None:
    cache, key, env = anchored
    rewrite_chain(cache, key, keep=6, edit={"actor": "someone.else"})
    done = sync_once(service.url, cache, env)
    assert done.returncode == 0 and "NOT anchored" in done.stderr, done.stderr
    code, _ = verify(cache, env, "--api", service.url)
    assert code == 6


def test_a_viewer_account_syncs_without_anchoring(service: DemoService, tmp_path: Path) -> None:
    """A wallboard's viewer token may not append to the bank's copy: sync goes on regardless."""
    from console.api.client import ApiClient, ApiSettings
    from console.sync.engine import Syncer

    with Store(tmp_path / "w.db", os.urandom(32)) as store, ApiClient(ApiSettings(service.url)) as api:
        store.audit(at=1.9e9, actor="wallboard", action="report.stored", subject="s1", detail={})
        api.login("wallboard", "demo-viewer", "viewer")
        counts = Syncer(api, store).run_once()
        assert counts.added == len(service.snapshot()) and store.get_meta("audit_anchor") is None
