"""Concierge: start the supervisor console. All the work is in widgets.app.session."""

from __future__ import annotations

import sys

from widgets.app.launch import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
