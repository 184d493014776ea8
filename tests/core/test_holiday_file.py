"""Public holidays kept between runs beside the cache (console.platform.holiday_file): a start-up that
finds them imports no `holidays` tables, and only this package version's answers are ever read."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from console.domain.calendars import CalendarError, public_holidays, remember_holidays
from console.platform.holiday_file import FILE_NAME, HolidayFile, keep_holidays_beside
from console.sla.kept import package_stamp

ROOT = Path(__file__).resolve().parents[2]
# One process's start-up as the console's: the memo beside its cache, then a calendar's holidays.
A_START = """
import sys
from pathlib import Path
from console.platform.holiday_file import keep_holidays_beside
from console.domain.calendars import public_holidays
keep_holidays_beside(Path(sys.argv[1]))
days = public_holidays("GB-ENG", 2026)
print(len(days), "holidays" in sys.modules)
"""


@pytest.fixture(autouse=True)
def no_memo_after() -> Iterator[None]:
    yield
    remember_holidays(None)


def direct(region: str, year: int) -> dict[date, str]:
    remember_holidays(None)
    return public_holidays(region, year)


@pytest.mark.parametrize(("region", "year"), [("GB-ENG", 2026), ("XLON", 2027), ("US", 2031)])
def test_kept_holidays_are_the_packages_own(tmp_path: Path, region: str, year: int) -> None:
    expected = direct(region, year)
    keep_holidays_beside(tmp_path / "cache.db")
    assert public_holidays(region, year) == expected  # computed, then kept
    again = HolidayFile(tmp_path / FILE_NAME)  # as the next process reads it
    assert again.get(region.upper(), year) == expected
    remember_holidays(again)
    assert public_holidays(f" {region.lower()} ", year) == expected


def test_a_start_that_finds_them_imports_no_holiday_tables(tmp_path: Path) -> None:
    cache = tmp_path / "cache.db"

    def start() -> list[str]:
        run = [sys.executable, "-c", A_START, str(cache)]
        done = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
        return done.stdout.split()

    assert start() == ["9", "True"]  # the first computes them (2026 has a substitute Boxing Day)
    assert start() == ["9", "False"]  # the next reads them: the package is not even imported


def test_another_versions_file_is_not_read_and_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    HolidayFile(path, version="older").put("GB-ENG", 2026, {date(2026, 1, 2): "Not a holiday"})
    newer = HolidayFile(path, version="newer")
    assert newer.get("GB-ENG", 2026) is None
    newer.put("GB-ENG", 2027, {date(2027, 1, 1): "New Year's Day"})
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["key"].endswith(":newer")
    assert list(doc["days"]) == ["GB-ENG 2027"]


@pytest.mark.expected_log(r"could not be read", logger="concierge.holidays")
def test_a_damaged_file_is_said_and_written_again_whole(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / FILE_NAME
    path.write_text('{"key": "1:x", "days": {"GB-ENG 20', encoding="utf-8")
    keep_holidays_beside(tmp_path / "cache.db")
    with caplog.at_level(logging.WARNING, logger="concierge.holidays"):
        days = public_holidays("GB-ENG", 2026)
    assert days == direct("GB-ENG", 2026)
    assert "could not be read" in caplog.text
    assert HolidayFile(path).get("GB-ENG", 2026) == days


def test_a_damaged_entry_is_computed_again(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    key = f"1:{package_stamp('holidays')}"
    path.write_text(
        json.dumps({"key": key, "days": {"GB-ENG 2026": [["2026-13-01", "x"]]}}), encoding="utf-8"
    )
    memo = keep_holidays_beside(tmp_path / "cache.db")
    assert memo.get("GB-ENG", 2026) is None
    assert public_holidays("GB-ENG", 2026) == direct("GB-ENG", 2026)


@pytest.mark.expected_log(r"could not be (read|kept)", logger="concierge.holidays")
def test_a_file_that_cannot_be_written_leaves_them_computed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    keep_holidays_beside(blocker / "cache.db")  # its folder is a file: nothing can be written there
    with caplog.at_level(logging.WARNING, logger="concierge.holidays"):
        assert public_holidays("GB-ENG", 2026) == direct("GB-ENG", 2026)
    assert "could not be kept" in caplog.text


def test_an_unknown_region_is_an_error_and_nothing_is_kept(tmp_path: Path) -> None:
    keep_holidays_beside(tmp_path / "cache.db")
    with pytest.raises(CalendarError, match="not a region"):
        public_holidays("ZZ-NOWHERE", 2026)
    assert not (tmp_path / FILE_NAME).exists()


def test_the_package_stamp_tells_installs_apart_without_importing_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "stamped_package"
    package.mkdir()
    (package / "__init__.py").write_text("HOLIDAYS = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    first = package_stamp("stamped_package")
    assert first and "stamped_package" not in sys.modules
    assert package_stamp("stamped_package") == first  # the same install
    package_stamp.cache_clear()  # a later start, after an upgrade wrote the package afresh
    (package / "__init__.py").write_text("HOLIDAYS = 2  # the next version\n", encoding="utf-8")
    assert package_stamp("stamped_package") not in ("", first)
    assert package_stamp("no_such_package_installed") == ""
