"""The queue's masked previews, kept in the cache between starts (issue 16).

Masking every open enquiry's text is the largest part of a start at 100,000 open (seconds of the PII
detectors). The console keeps the previews it made, by a digest of the text, so that the next start
reads them instead. They are valid for one version of the PII rules and of the preview's format (the
caller's `version`): under any other, none are read, and the next keep replaces them all. The previews
are masked text, and live in the same encrypted file as the texts they come from.
"""

from __future__ import annotations

from collections.abc import Mapping

import apsw

VERSION_KEY = "previews_version"


def read_previews(conn: apsw.Connection, version: str) -> dict[bytes, str]:
    """The kept previews by digest, or none when they were made under another version."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (VERSION_KEY,)).fetchone()
    if row is None or row[0] != version:
        return {}
    return dict(conn.execute("SELECT digest, preview FROM masked_previews"))


def keep_previews(conn: apsw.Connection, version: str, previews: Mapping[bytes, str]) -> int:
    """These previews, and only these, are kept under `version` (the caller's transaction: one)."""
    conn.execute("DELETE FROM masked_previews")
    conn.executemany("INSERT OR REPLACE INTO masked_previews VALUES (?, ?)", previews.items())
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (VERSION_KEY, version))
    return len(previews)
