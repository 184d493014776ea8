"""The PII rules' version (console.domain.privacy.RULES_VERSION) moves with their sources: masked text the
cache keeps (the queue's previews) is only reused under the version it was made with, so a change to
what the detectors find must raise it, or a start would show previews masked by the old rules."""

from __future__ import annotations

import hashlib
from pathlib import Path

from console.domain import privacy

PACKAGE = Path(privacy.__file__).parent
# The sources' fingerprint at each version. Changed a detector? Raise RULES_VERSION and add its line.
FINGERPRINTS = {1: "d769c3e3ac7d29cf7763af31e2ee403f420c272518e00fbb91af14ac5eb72081"}


def fingerprint() -> str:
    h = hashlib.sha256()
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name != "__init__.py":  # it only re-exports, and holds the version itself
            h.update(path.name.encode() + b"\0" + path.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return h.hexdigest()


def test_the_rules_version_was_raised_with_the_last_change_to_the_detectors() -> None:
    assert FINGERPRINTS.get(privacy.RULES_VERSION) == fingerprint(), (
        "console/domain/privacy changed: raise RULES_VERSION and record the new fingerprint here "
        f"({fingerprint()})"
    )


def test_the_version_names_the_libraries_whose_data_decides_what_is_found() -> None:
    version = privacy.rules_version()
    assert version.startswith(f"{privacy.RULES_VERSION}/")
    assert "phonenumbers " in version and "stdnum " in version
