"""The privacy default: supervisors read customer text with PII masked ("partial"), not hidden."""

from __future__ import annotations

from pathlib import Path

from console.platform import settings
from console.platform.settings import PRIVACY_MODES, Settings


def test_the_default_is_partial_text_readable_with_pii_masked(tmp_path: Path) -> None:
    assert Settings().privacy == "partial"
    fresh = settings.load(tmp_path / "user.json", tmp_path / "machine.json")  # neither file exists
    assert fresh.privacy == "partial" and fresh.problems == []
    assert set(PRIVACY_MODES) == {"full", "partial", "masked"}
