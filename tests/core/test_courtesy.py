"""Worker threads give way to the UI thread (console.courtesy): a worker's paced loop waits while the UI
thread is busy, goes on when it is done, never waits long or for itself, and leaves its items as they were."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from console import courtesy
from console.courtesy import paced, ui_busy, ui_is_busy, waiting

N = 1000


def _until(test: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    """True once test() is; False if it never was within timeout_s (waits on an Event, not in sleeps)."""
    pause = threading.Event()
    for _ in range(int(timeout_s / 0.001)):
        if test():
            return True
        pause.wait(0.001)
    return test()


def _walk(log: list[str], max_wait_s: float) -> threading.Thread:
    def run() -> None:
        for _ in paced(range(N), max_wait_s=max_wait_s):
            log.append("item")
        log.append("done")

    return threading.Thread(target=run, name="worker")


def test_a_paced_loop_waits_while_the_ui_thread_is_busy_and_goes_on_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(courtesy, "TRUSTED_S", 60.0)  # this busy spell is trusted for the whole test
    log: list[str] = []
    worker = _walk(log, max_wait_s=30.0)
    with ui_busy():
        assert ui_is_busy()
        worker.start()
        assert _until(lambda: waiting() == 1)  # at its first look, before any item
        assert log == []
        log.append("ui done")
    worker.join(timeout=10)
    assert not ui_is_busy() and waiting() == 0
    assert log[0] == "ui done" and log.count("item") == N and log[-1] == "done"


def test_a_ui_thread_that_never_rests_cannot_stop_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(courtesy, "TRUSTED_S", 0.2)
    log: list[str] = []
    worker = _walk(log, max_wait_s=30.0)  # each look would wait 30 s for a spell that never ends...
    with ui_busy():  # ...but past TRUSTED_S the worker stops giving way to it
        worker.start()
        assert _until(lambda: log[-1:] == ["done"], timeout_s=10)
    worker.join(timeout=10)
    assert log.count("item") == N


def test_the_ui_thread_never_waits_for_itself_and_busy_spells_nest() -> None:
    with ui_busy():
        with ui_busy():
            pass
        assert ui_is_busy()  # still inside the outer spell
        assert list(paced(range(N), max_wait_s=30.0)) == list(range(N))  # at once: no wait on itself
        assert waiting() == 0
    assert not ui_is_busy()


def test_paced_keeps_every_item_in_order_whatever_the_iterable() -> None:
    assert list(paced(iter(range(N)))) == list(range(N))
    assert list(paced([])) == []
    assert list(paced({"a": 1, "b": 2}.items())) == [("a", 1), ("b", 2)]
