"""The unexpected-log check (tests/helpers/logfail.py), run over a small suite in a separate pytest."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SUITE = """
import logging
import threading

import pytest

log = logging.getLogger("concierge.demo")


def test_quiet():
    log.info("only information")


def test_an_unexpected_warning():
    log.warning("the disk is nearly full")


def test_an_unexpected_warning_from_another_thread():
    worker = threading.Thread(target=log.warning, args=("from the worker",))
    worker.start()
    worker.join()


@pytest.mark.expected_log(r"^retrying in ", logger="concierge")
def test_a_declared_warning():
    log.warning("retrying in 0.1 s")


def test_a_warning_declared_in_the_test(expect_log):
    expect_log("nearly full", logger="concierge.demo")
    log.warning("the disk is nearly full")


@pytest.mark.expected_log("nearly full")
def test_a_declared_warning_does_not_excuse_an_error():
    log.error("the disk is nearly full")


@pytest.mark.expected_log("full", logger="concierge.other")
def test_a_declaration_names_its_logger():
    log.warning("the disk is full")


@pytest.fixture
def noisy():
    log.warning("set-up went wrong")


def test_a_warning_while_setting_up(noisy):
    pass
"""


def test_unexpected_warnings_fail_and_declared_ones_pass(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # no Qt, no hypothesis: a quick start
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess("-p", "tests.helpers.logfail", "-p", "no:cacheprovider", "-rfE")
    result.assert_outcomes(passed=3, failed=4, errors=1)
    result.stdout.fnmatch_lines_random(
        [
            "FAILED test_suite.py::test_an_unexpected_warning - *",
            "FAILED test_suite.py::test_an_unexpected_warning_from_another_thread - *",
            "FAILED test_suite.py::test_a_declared_warning_does_not_excuse_an_error - *",
            "FAILED test_suite.py::test_a_declaration_names_its_logger - *",
            "ERROR test_suite.py::test_a_warning_while_setting_up - *",
            "*concierge.demo WARNING: the disk is nearly full*",
            "*concierge.demo WARNING: from the worker*",
            "*concierge.demo ERROR: the disk is nearly full*",
            "*unexpected log records during set-up*",
        ]
    )
