"""PySide6's import hook no longer reads every module's source (widgets.pyside_hook)."""

from __future__ import annotations

import linecache
import sys
from pathlib import Path
from typing import Any

import pytest

from widgets.pyside_hook import FEATURE_MODULE, skip_source_scans

QT_MODULE = """
from PySide6.QtCore import Property, QObject, Signal


class Counter(QObject):
    changed = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self._n = 0

    def bump(self) -> None:
        self._n += 1
        self.changed.emit(self._n)

    def _get(self) -> int:
        return self._n

    count = Property(int, _get, notify=changed)
"""


def fresh_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str) -> Any:
    (tmp_path / f"{name}.py").write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    return __import__(name)  # the hook replaces __import__: importlib.import_module would pass it by


def test_a_module_imported_after_qt_is_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import widgets  # noqa: F401  (the package quietens the hook on import)

    path = tmp_path / "concierge_hook_probe.py"
    fresh_module(tmp_path, monkeypatch, "concierge_hook_probe", "VALUE = 1\n")
    # PySide6's stock check reads the whole file through linecache (inspect.getsource).
    assert str(path) not in linecache.cache


def test_a_module_using_qt_still_has_its_signals_and_properties(
    qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = fresh_module(tmp_path, monkeypatch, "concierge_hook_qt_probe", QT_MODULE)
    counter, seen = module.Counter(), list[int]()
    counter.changed.connect(seen.append)
    counter.bump()
    counter.bump()
    assert seen == [1, 2]
    assert counter.property("count") == 2


def test_without_the_hook_nothing_is_patched(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, FEATURE_MODULE)
    assert skip_source_scans() is False
