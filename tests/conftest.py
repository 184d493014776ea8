from __future__ import annotations

import os

# Qt tests run offscreen unless a test asks for a real display (Xvfb) or the minimal platform.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
