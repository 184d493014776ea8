"""A managed install (IT deployed a machine-wide settings file) never falls back to the embedded demo:
with no service address it says what is wrong and how to fix it, and shows no queues at all. Real
settings files on disk; the real entry point."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from console.platform import settings as settings_file
from widgets.app.launch import main


def files(
    tmp_path: Path, machine: dict[str, object] | None, user: dict[str, object]
) -> settings_file.Settings:
    machine_path, user_path = tmp_path / "etc" / "settings.json", tmp_path / "home" / "settings.json"
    user_path.parent.mkdir()
    user_path.write_text(json.dumps(user), encoding="utf-8")
    if machine is not None:
        machine_path.parent.mkdir()
        machine_path.write_text(json.dumps(machine), encoding="utf-8")
    return settings_file.load(user_path=user_path, machine_path=machine_path)


def test_no_machine_file_means_the_demo_may_start(tmp_path: Path) -> None:
    assert settings_file.demo_refusal(files(tmp_path, None, {})) is None


def test_a_machine_file_without_a_service_refuses_the_demo_and_says_how_to_fix_it(tmp_path: Path) -> None:
    refusal = settings_file.demo_refusal(files(tmp_path, {"theme": "dark"}, {}))
    assert refusal is not None
    assert str(tmp_path / "etc" / "settings.json") in refusal and '"api_url"' in refusal
    assert "IT team" in refusal


@pytest.mark.expected_log(r"is not valid JSON", logger="concierge.settings")
def test_a_broken_machine_file_is_still_a_managed_install_and_its_problem_is_named(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "settings.json").write_text("{ not json", encoding="utf-8")
    (tmp_path / "home").mkdir()
    loaded = settings_file.load(
        user_path=tmp_path / "home" / "x.json", machine_path=tmp_path / "etc" / "settings.json"
    )
    refusal = settings_file.demo_refusal(loaded)
    assert refusal is not None and "is not valid JSON" in refusal


def test_a_service_set_in_either_file_needs_no_refusal(tmp_path: Path) -> None:
    assert settings_file.demo_refusal(files(tmp_path, {"api_url": "https://care.bank.example"}, {})) is None
    other = tmp_path / "b"
    other.mkdir()
    assert settings_file.demo_refusal(files(other, {}, {"api_url": "https://care.bank.example"})) is None


def test_the_managed_marker_is_never_written_to_the_user_file(tmp_path: Path) -> None:
    loaded = files(tmp_path, {"theme": "dark"}, {})
    assert loaded.managed_by and "managed_by" not in settings_file.to_json(loaded)


@pytest.fixture
def root_logging() -> Iterator[None]:
    """main() installs the console's log handlers on the root logger: put it back for later tests."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


@pytest.mark.usefixtures("root_logging")
@pytest.mark.expected_log(r"set up by your organisation", logger="concierge.ui.app", level="ERROR")
def test_the_console_does_not_start_the_demo_on_a_managed_pc(
    qapp: QApplication, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shot = tmp_path / "shot.png"
    code = main(["--screenshot", str(shot)], settings=files(tmp_path, {"theme": "dark"}, {}))
    assert code == 2
    assert not shot.exists()  # no window, no queues, made-up or otherwise
    assert "ask your it team" in capsys.readouterr().err.lower()
