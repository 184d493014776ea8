"""Undo the console's logging set-up after a test that installed it."""

from __future__ import annotations

import logging

from console.platform.log_setup import RedactingFilter


def remove_log_setup() -> None:
    """Our handlers off the root logger, and the filter off pytest's own handlers (it was added there)."""
    root = logging.getLogger()
    for h in [h for h in root.handlers if getattr(h, "_concierge", False)]:
        root.removeHandler(h)
        h.close()
    for h in root.handlers:
        for f in [f for f in h.filters if isinstance(f, RedactingFilter)]:
            h.removeFilter(f)
    logging.captureWarnings(False)
