"""Customer handles as a privacy mode allows."""

from __future__ import annotations

import hashlib

MASK = "\u2022"  # bullet
HANDLE_MODES = ("full", "partial", "masked")


def mask_handle(handle: str, mode: str, *, salt: str = "") -> str:
    """A customer handle as the display mode allows: "full" as is, "partial" "@jo••••" (fixed length, so
    the length does not leak), "masked" "customer #a1b2" (a stable short hash of the handle; give a
    site salt to make it unguessable from a list of handles)."""
    if mode == "full":
        return handle
    if mode == "partial":
        at = "@" if handle.startswith("@") else ""
        return f"{at}{handle[len(at) : len(at) + 2]}{MASK * 4}"
    if mode == "masked":
        key = handle.strip().lstrip("@").lower()
        digest = hashlib.blake2b(
            key.encode("utf-8"), digest_size=2, key=salt.encode("utf-8")[:64]
        ).hexdigest()
        return f"customer #{digest}"
    raise ValueError(f"Unknown handle display mode {mode!r}; expected one of {', '.join(HANDLE_MODES)}.")
