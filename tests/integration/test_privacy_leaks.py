"""No customer PII leaves the cache unmasked: the console's export (JSONL and CSV), the shift report (CSV
and PDF), the log file and a forced crash report, all written over enquiries whose texts (and the
supervisors' move reasons) hold every PII item of the labelled corpus; then every file written is searched
for every item as typed, with its white space normalised, and (long items) with separators dropped."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from console.domain import wire
from console.platform.log_setup import setup_logging
from console.store.cache import Store
from tests.helpers.cli import run
from tests.helpers.logs import remove_log_setup
from tests.helpers.pii_scoring import load
from tests.helpers.reports import BACK, SHIFT, fill, moved_back, moves_back, simulate
from tests.helpers.store import new_key
from widgets.app.crash import CrashHandler

_SPACE = re.compile(r"\s+")
_SEPARATORS = re.compile(r"[\s\-.()\[\]]+")


def _variants(text: str) -> list[tuple[str, bool]]:
    """(needle, compact): the item as typed, white space collapsed, and for long items without separators."""
    out = [(text, False), (_SPACE.sub(" ", text), False)]
    compact = _SEPARATORS.sub("", text)
    if len(compact) >= 10:
        out.append((compact, True))
    return out


def _leaks(files: dict[str, str], items: list[str]) -> list[tuple[str, str]]:
    """(file, item) for every item found in a file. As typed, an item must stand alone (no letter or digit
    right before or after it): sort code 821590 is not a leak inside the timestamp 1794821590.2. Without
    its separators (10 characters or more) it is looked for anywhere in the file with white space and
    separators dropped."""
    # One compiled pattern per needle (not per file: re's cache is too small for thousands), and a fast
    # substring test first.
    needles = [
        (item, needle.lower(), squeezed, re.compile(rf"(?<![a-z0-9]){re.escape(needle.lower())}(?![a-z0-9])"))
        for item in items
        for needle, squeezed in _variants(item)
    ]
    found: list[tuple[str, str]] = []
    for name, content in files.items():
        flat, compact = _SPACE.sub(" ", content).lower(), _SEPARATORS.sub("", content).lower()
        for item, needle, squeezed, pattern in needles:
            if found and found[-1] == (name, item):
                continue
            haystack = compact if squeezed else flat
            if needle in haystack and (squeezed or pattern.search(haystack)):
                found.append((name, item))
    return found


@pytest.mark.expected_log(r"an unexpected error", logger="concierge.crash", level="CRITICAL")
@pytest.mark.expected_log(r"customer wrote", logger="concierge.test")
def test_no_corpus_item_survives_in_any_file_written(tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is missing: scripts/setup.sh installs it")
    corpus = [m for m in load() if m["pii"]]
    items = sorted({i["text"] for m in corpus for i in m["pii"]})
    enquiries, moves, _ = simulate(len(corpus), seed=21)
    # Every enquiry open at the shift's end, so that the report carries its (masked) text over.
    texts = [
        replace(e, text=m["text"], status="open", resolved_at=None)
        for e, m in zip(enquiries, corpus, strict=True)
    ]
    moves = [replace(a, reason=corpus[i % len(corpus)]["text"]) for i, a in enumerate(moves)]
    path, key = tmp_path / "c.db", new_key()
    with Store(path, key) as store:
        fill(store, [moved_back(e) for e in texts], moves_back(moves))
        shift = replace(SHIFT, start=SHIFT.start - BACK, end=SHIFT.end - BACK)
        store.replace_reference("shifts", [wire.shift_to_wire(shift)])
        store.set_meta("last_sync_at", repr(shift.end + 3600))

    written: dict[str, str] = {}
    for fmt in ("jsonl", "csv"):
        out = tmp_path / f"export.{fmt}"
        done = run(key, "export", "--cache", str(path), "--format", fmt, "--out", str(out))
        assert done.returncode == 0, done.stderr
        written[out.name] = out.read_text(encoding="utf-8")
    assert sum(1 for line in written["export.jsonl"].splitlines() if line) >= len(corpus)
    pdf, zipped = tmp_path / "shift.pdf", tmp_path / "shift.zip"
    for fmt, out in (("pdf", pdf), ("csv", zipped)):
        done = run(key, "report", "--cache", str(path), "--shift", "s1", "--format", fmt, "--out", str(out))
        assert done.returncode == 0, done.stderr
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, timeout=60
    )
    written["shift.pdf"] = text.stdout.decode("utf-8")
    with zipfile.ZipFile(zipped) as z:
        for name in z.namelist():
            written[f"shift.zip/{name}"] = z.read(name).decode("utf-8")
    # Masked texts are there (the report's move reasons, the export's messages), not just absent.
    assert "•" in written["export.jsonl"] and any(
        "•" in c for n, c in written.items() if n.startswith("shift.zip/")
    )

    logs = tmp_path / "logs"
    log_file = setup_logging(logs, stderr=False)
    assert log_file is not None
    try:
        handler = CrashHandler(dialog=False, directory=tmp_path / "crashes")
        try:
            raise ValueError("could not render: " + "\n".join(m["text"] for m in corpus))
        except ValueError:
            report = handler.handle(sys.exc_info())  # type: ignore[arg-type]
        logging.getLogger("concierge.test").warning("customer wrote %s", corpus[0]["text"])
    finally:
        remove_log_setup()
    assert report is not None
    written["crash report"] = report.read_text(encoding="utf-8")
    written["log file"] = log_file.read_text(encoding="utf-8")
    assert "could not render" in written["crash report"] and "could not render" in written["log file"]

    assert _leaks(written, items) == []


def test_the_search_finds_an_item_left_unmasked() -> None:
    files = {"a": 'name,text\r\nx,"call 0770 0900 123\nand GB29NWBK60161331926819"', "b": "nothing"}
    found = _leaks(files, ["0770 0900 123", "GB29 NWBK 6016 1331 9268 19", "jo@example.com"])
    assert found == [("a", "0770 0900 123"), ("a", "GB29 NWBK 6016 1331 9268 19")]
