"""Files the console writes for itself, written whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


@contextmanager
def replaced_atomically(path: Path, *, prefix: str, newline: str | None = None) -> Iterator[TextIO]:
    """A text file (UTF-8) to write `path` through: a temporary file beside it, renamed over it once the
    block ends, removed if the block fails. A crash, a failed export or another process reading sees the
    old file or the new one, never half of one."""
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
