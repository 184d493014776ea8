"""`python -m console report` and `python -m console audit` run as real subprocesses over a real encrypted
cache; the audit trail tampered with through apsw directly (edited, inserted, deleted rows)."""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
import subprocess
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

from console.domain import wire
from console.domain.audit_chain import GENESIS, entry_digest
from console.store.cache import Store, StoreReader
from console.store.reports import load_report
from console.store.schema import connect
from tests.helpers.cli import run
from tests.helpers.reports import BACK, SHIFT, fill, moved_back, moves_back, simulate
from tests.helpers.store import new_key

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path("/tmp/shots")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path, key = tmp_path_factory.mktemp("cli") / "c.db", new_key()
    enquiries, moves, _ = simulate(400, seed=21)
    with Store(path, key) as store:
        fill(store, [moved_back(e) for e in enquiries], moves_back(moves))
        shift = replace(SHIFT, start=SHIFT.start - BACK, end=SHIFT.end - BACK)
        store.replace_reference("shifts", [wire.shift_to_wire(shift)])
        store.set_meta("last_sync_at", repr(shift.end + 3600))  # synced after the shift ended
        for i in range(4):
            store.audit(at=1.0e9 + i, actor="sup.ann", action="reveal", subject=f"e{i}", detail={"n": i})
    return path, key


def test_report_pdf_and_csv_from_the_cache(cache: tuple[Path, str], tmp_path: Path) -> None:
    path, key = cache
    pdf, zipped = tmp_path / "shift.pdf", tmp_path / "shift.zip"
    done = run(key, "report", "--cache", str(path), "--shift", "s1", "--format", "pdf", "--out", str(pdf))
    assert done.returncode == 0, done.stderr
    assert "computed at the end of the shift and stored" in done.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    done = run(key, "report", "--cache", str(path), "--shift", "s1", "--format", "csv", "--out", str(zipped))
    assert done.returncode == 0, done.stderr
    assert "s1: stored" in done.stderr  # the second export reads the stored report
    with zipfile.ZipFile(zipped) as zf:
        assert "README.txt" in zf.namelist() and len(zf.namelist()) > 5
        text = "".join(zf.read(n).decode("utf-8-sig") for n in zf.namelist())
    assert "4111" not in text and "07700" not in text  # PII masked (cards, phones)
    with StoreReader(path, key) as reader:
        stored = load_report(reader, "s1")
        assert stored is not None and stored.summary.created > 0
        actions = [(a.action, a.subject, a.detail.get("format")) for a in reader.audit_entries()]
        assert actions[-3:] == [
            ("report.stored", "s1", None),
            ("report.export", "s1", "pdf"),
            ("report.export", "s1", "csv"),
        ]
        assert reader.audit_entries()[-1].actor.endswith("(cli)")
    # Page 1 to PNG, to look at.
    if shutil.which("pdftoppm"):
        SHOTS.mkdir(exist_ok=True)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(SHOTS / "cli-report")],
            check=True,
            timeout=60,
        )
        assert (SHOTS / "cli-report.png").stat().st_size > 10_000


def test_report_errors_are_sentences(cache: tuple[Path, str], tmp_path: Path) -> None:
    path, key = cache
    done = run(key, "report", "--cache", str(path), "--shift", "nope", "--format", "pdf", "--out", "x.pdf")
    assert done.returncode == 2 and "no shift 'nope' in the cache (known: s1)" in done.stderr
    out = tmp_path / "missing" / "x.pdf"
    done = run(key, "report", "--cache", str(path), "--shift", "s1", "--format", "pdf", "--out", str(out))
    assert done.returncode == 7 and "does not exist" in done.stderr and "Traceback" not in done.stderr
    done = run(key, "audit", "export", "--cache", str(path), "--out", str(out))  # same failure, same code
    assert done.returncode == 7 and "does not exist" in done.stderr and "Traceback" not in done.stderr
    done = run(new_key(), "audit", "verify", "--cache", str(path))
    assert done.returncode == 3 and "cache key does not match" in done.stderr


def test_audit_export_is_json_lines_with_the_chain(cache: tuple[Path, str], tmp_path: Path) -> None:
    path, key = cache
    out = tmp_path / "audit.jsonl"
    done = run(key, "audit", "export", "--cache", str(path), "--out", str(out))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[0]["seq"] == 1 and lines[0]["prev_hash"] == GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(lines))
    assert lines[0]["at"] == "2001-09-09T01:46:40.000Z" and lines[0]["actor"] == "sup.ann"
    with StoreReader(path, key) as reader:
        last = reader.audit_entries()[-1]
    assert (last.action, last.subject, last.detail["entries"]) == ("audit.export", "audit.jsonl", len(lines))


def tampered(cache: tuple[Path, str], tmp_path: Path, sql: list[tuple[str, tuple[object, ...]]]) -> Path:
    copy = tmp_path / "copy.db"
    with Store(cache[0], cache[1]) as store:
        store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(cache[0], copy)
    conn = connect(copy, cache[1])  # plain apsw on the encrypted file: what an attacker with the key does
    with conn:
        for statement, args in sql:
            conn.execute(statement, args)
    conn.close()
    return copy


def test_audit_verify_passes_an_intact_trail(cache: tuple[Path, str]) -> None:
    done = run(cache[1], "audit", "verify", "--cache", str(cache[0]))
    assert done.returncode == 0 and "audit trail intact" in done.stderr


def test_audit_verify_detects_an_edited_row(cache: tuple[Path, str], tmp_path: Path) -> None:
    copy = tampered(cache, tmp_path, [("UPDATE audit SET actor = 'someone.else' WHERE seq = 3", ())])
    done = run(cache[1], "audit", "verify", "--cache", str(copy))
    assert done.returncode == 6 and "BROKEN at entry 3" in done.stderr


def test_audit_verify_detects_a_deleted_row(cache: tuple[Path, str], tmp_path: Path) -> None:
    copy = tampered(cache, tmp_path, [("DELETE FROM audit WHERE seq = 2", ())])
    done = run(cache[1], "audit", "verify", "--cache", str(copy))
    assert done.returncode == 6 and "BROKEN at entry 3" in done.stderr
    # The newest row deleted: the kept head of the chain no longer matches.
    copy.unlink()
    copy = tampered(cache, tmp_path, [("DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)", ())])
    done = run(cache[1], "audit", "verify", "--cache", str(copy))
    assert done.returncode == 6 and "BROKEN at entry" in done.stderr


def test_audit_verify_detects_an_inserted_row(cache: tuple[Path, str], tmp_path: Path) -> None:
    # A forged entry with a correctly computed hash slipped in after entry 2: the old 3rd entry, now
    # 4th, no longer chains to it.
    with StoreReader(cache[0], cache[1]) as reader:
        entries = reader.audit_entries()
    prev = entries[1].hash
    forged = entry_digest(prev, 3, 1.0e9 + 1.5, "sup.eve", "reveal", "e9", "{}")
    moves: list[tuple[str, tuple[object, ...]]] = [
        ("UPDATE audit SET seq = ? WHERE seq = ?", (e.seq + 1, e.seq)) for e in reversed(entries[2:])
    ]
    moves.append(
        (
            "INSERT INTO audit (seq, at, actor, action, subject, detail, prev_hash, hash) "
            "VALUES (3, ?, 'sup.eve', 'reveal', 'e9', '{}', ?, ?)",
            (1.0e9 + 1.5, prev, forged),
        )
    )
    copy = tampered(cache, tmp_path, moves)
    done = run(cache[1], "audit", "verify", "--cache", str(copy))
    assert done.returncode == 6 and "BROKEN at entry 4" in done.stderr


def test_audit_verify_detects_a_stored_report_changed_behind_the_trail(
    cache: tuple[Path, str], tmp_path: Path
) -> None:
    with Store(cache[0], cache[1]) as store:
        if load_report(store, "s1") is None:  # stored by the export test when run before this one
            assert run(cache[1], "report", "--cache", str(cache[0]), "--shift", "s1", "--format", "csv",
                       "--out", str(tmp_path / "r.zip")).returncode == 0  # fmt: skip
    body = zlib.compress(b'{"forged": true}')
    digest = hashlib.sha256(b'{"forged": true}').hexdigest()
    copy = tampered(
        cache,
        tmp_path,
        [
            ("DROP TRIGGER shift_reports_no_update", ()),
            ("UPDATE shift_reports SET body = ?, sha256 = ? WHERE shift_id = 's1'", (body, digest)),
        ],
    )
    done = run(cache[1], "audit", "verify", "--cache", str(copy))
    assert done.returncode == 6 and "stored report of shift s1 was changed" in done.stderr
    assert "audit trail BROKEN" not in done.stderr  # the chain itself is intact
