"""Application bootstrap (placeholder until the live console lands)."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    print("Concierge console: the main window is not built yet.")
    return 0
