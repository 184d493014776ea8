"""Fail a test on an unexpected WARNING (or higher) log record, as qutebrowser's logfail does.

A pytest plugin (loaded by tests/conftest.py). A handler on the root logger collects every record of
WARNING or above, from any thread, while a test sets up, runs and tears down; a record nobody declared
makes the test fail (in its call) or error (in its set-up or teardown), with the records listed.

A test declares what it expects in one of two ways, each a regular expression searched in the message,
optionally narrowed to a logger (and its children) and up to a level (WARNING by default):

    @pytest.mark.expected_log(r"retrying", logger="concierge.api")
    def test_...

    def test_...(expect_log: ExpectLog) -> None:
        expect_log(r"could not be written", logger="concierge.crash", level=logging.CRITICAL)

Reading records through `caplog` does not make them expected: declare them too.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass

import pytest

MIN_LEVEL = logging.WARNING


@dataclass(frozen=True)
class Expected:
    pattern: re.Pattern[str]
    logger: str | None = None
    level: int = logging.WARNING

    def covers(self, record: logging.LogRecord) -> bool:
        if record.levelno > self.level:
            return False
        if self.logger is not None and not (
            record.name == self.logger or record.name.startswith(self.logger + ".")
        ):
            return False
        return self.pattern.search(record.getMessage()) is not None


ExpectLog = Callable[..., None]


def expected(pattern: str, logger: str | None = None, level: int | str = logging.WARNING) -> Expected:
    number = logging.getLevelName(level) if isinstance(level, str) else level
    if not isinstance(number, int):
        raise ValueError(f"unknown log level {level!r}")
    return Expected(re.compile(pattern), logger, number)


class CollectingHandler(logging.Handler):
    """Keeps every record at or above MIN_LEVEL, whichever thread logs it."""

    def __init__(self) -> None:
        super().__init__(MIN_LEVEL)
        self.records: list[logging.LogRecord] = []
        self.guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self.guard:
            self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        with self.guard:
            records, self.records = self.records, []
        return records


HANDLER_KEY = pytest.StashKey[CollectingHandler]()
EXPECTED_KEY = pytest.StashKey[list[Expected]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "expected_log(pattern, logger=None, level=WARNING): a WARNING-or-higher log record this test "
        "expects (tests/helpers/logfail.py)",
    )
    handler = CollectingHandler()
    config.stash[HANDLER_KEY] = handler
    logging.getLogger().addHandler(handler)


def pytest_unconfigure(config: pytest.Config) -> None:
    handler = config.stash.get(HANDLER_KEY, None)
    if handler is not None:
        logging.getLogger().removeHandler(handler)


def _declared(item: pytest.Item) -> list[Expected]:
    marked = [expected(*m.args, **m.kwargs) for m in item.iter_markers("expected_log")]
    return marked + item.stash.get(EXPECTED_KEY, [])


def _unexpected(item: pytest.Item) -> str:
    records = item.config.stash[HANDLER_KEY].take()
    allowed = _declared(item)
    bad = [r for r in records if not any(e.covers(r) for e in allowed)]
    return "\n".join(f"  {r.name} {r.levelname}: {r.getMessage()}" for r in bad)


def _check(item: pytest.Item, phase: str) -> Generator[None, None, None]:
    item.config.stash[HANDLER_KEY].take()  # what came before this phase is not this test's
    yield
    bad = _unexpected(item)
    if bad:
        pytest.fail(
            f"unexpected log records during {phase} (declare them with the expected_log marker or "
            f"the expect_log fixture):\n{bad}",
            pytrace=False,
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from _check(item, "set-up"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from _check(item, "the test"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from _check(item, "teardown"))


@pytest.fixture
def expect_log(request: pytest.FixtureRequest) -> ExpectLog:
    """expect_log(pattern, logger=None, level=logging.WARNING): declare a record this test expects."""
    declared = request.node.stash.setdefault(EXPECTED_KEY, [])

    def declare(pattern: str, logger: str | None = None, level: int | str = logging.WARNING) -> None:
        declared.append(expected(pattern, logger, level))

    return declare
