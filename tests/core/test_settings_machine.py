"""The machine-wide file IT deploys: defaults users may override, and a `locked` list they may not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.platform import settings as settings_file


def _files(tmp_path: Path, machine: object, user: object | None = None) -> tuple[Path, Path]:
    m, u = tmp_path / "etc" / "settings.json", tmp_path / "home" / "settings.json"
    m.parent.mkdir(parents=True)
    m.write_text(json.dumps(machine), encoding="utf-8")
    if user is not None:
        u.parent.mkdir(parents=True)
        u.write_text(json.dumps(user), encoding="utf-8")
    return u, m


MACHINE = {
    "api_url": "https://concierge-api.bank.example",
    "ca_bundle": "/etc/ssl/bank-ca.pem",
    "proxy": "http://proxy.bank.example:3128",
    "site": "Leeds",
    "theme": "dark",
    "wallboard_screen": 1,
    "retention_days": 400,
}


def test_machine_values_apply_and_user_values_override_them(tmp_path: Path) -> None:
    u, m = _files(tmp_path, MACHINE, {"theme": "light", "site": "Leeds branch 2"})
    s = settings_file.load(u, m)
    assert (s.api_url, s.ca_bundle, s.proxy) == (MACHINE["api_url"], MACHINE["ca_bundle"], MACHINE["proxy"])
    assert (s.theme, s.site, s.wallboard_screen, s.retention_days) == ("light", "Leeds branch 2", 1, 400)
    assert s.locked == () and s.problems == []


@pytest.mark.expected_log(r"is fixed by your organisation", logger="concierge.settings")
def test_locked_keys_cannot_be_overridden_by_the_user(tmp_path: Path) -> None:
    machine = {**MACHINE, "locked": ["api_url", "proxy", "privacy", "retention_days"]}
    user = {
        "api_url": "https://elsewhere.example",
        "proxy": None,
        "privacy": "full",
        "retention_days": 3000,
        "theme": "high_contrast",
    }
    u, m = _files(tmp_path, machine, user)
    s = settings_file.load(u, m)
    assert s.api_url == MACHINE["api_url"] and s.proxy == MACHINE["proxy"]
    assert s.privacy == "partial"  # locked with no machine value: the default holds
    assert s.retention_days == 400
    assert s.theme == "high_contrast"  # not locked: the user's choice
    assert s.locked == ("api_url", "proxy", "privacy", "retention_days")
    fixed = [p for p in s.problems if "fixed by your organisation" in p]
    assert len(fixed) == 4 and any("'api_url'" in p for p in fixed)


def test_saving_never_writes_a_locked_key_to_the_user_file(tmp_path: Path) -> None:
    u, m = _files(tmp_path, {**MACHINE, "locked": ["api_url"]})
    s = settings_file.load(u, m)
    s.api_url = "https://elsewhere.example"  # e.g. a dialog that did not grey the field out
    s.theme = "high_contrast"
    settings_file.save(s, u, m)
    written = json.loads(u.read_text(encoding="utf-8"))
    assert written == {"theme": "high_contrast"}
    assert settings_file.load(u, m).api_url == MACHINE["api_url"]


@pytest.mark.expected_log(
    r"'locked' belongs in the machine-wide file only|is fixed by your organisation",
    logger="concierge.settings",
)
def test_a_user_file_cannot_lock_or_unlock(tmp_path: Path) -> None:
    u, m = _files(tmp_path, {**MACHINE, "locked": ["theme"]}, {"locked": [], "theme": "light"})
    s = settings_file.load(u, m)
    assert s.theme == "dark" and s.locked == ("theme",)
    assert any("'locked' belongs in the machine-wide file" in p for p in s.problems)
    assert "locked" not in s.extra


@pytest.mark.expected_log(r"'locked' (must be a list|names unknown settings)", logger="concierge.settings")
def test_a_bad_locked_list_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    u, m = _files(tmp_path, {**MACHINE, "locked": "api_url"}, {"theme": "light"})
    s = settings_file.load(u, m)
    assert s.locked == () and s.theme == "light"
    assert any("must be a list" in p for p in s.problems)
    u2, m2 = _files(tmp_path / "b", {"locked": ["theme", "colour", "password"]})
    s2 = settings_file.load(u2, m2)
    assert s2.locked == ("theme",)
    assert any("unknown settings (colour, password)" in p for p in s2.problems)


@pytest.mark.expected_log(r"'retention_days' was ignored", logger="concierge.settings")
def test_retention_days_is_checked(tmp_path: Path) -> None:
    for bad in (0, -5, 3651, 1.5, "365", True):
        u, m = _files(tmp_path / str(bad), {"retention_days": bad})
        s = settings_file.load(u, m)
        assert s.retention_days == 365
        assert any("'retention_days' was ignored" in p for p in s.problems)
