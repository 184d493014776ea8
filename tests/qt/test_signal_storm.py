"""PySide6 6.12.0 on CPython 3.11 aborts after a few hundred Python-side Signal.emit() calls
(DESIGN.md). The pin in pyproject.toml keeps 3.11 off 6.12; this proves the installed pair is sound.
It runs in a subprocess because the failure is a hard abort that would take pytest down with it."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
from PySide6.QtCore import QCoreApplication, QObject, Signal

class Emitter(QObject):
    changed = Signal(object)
    ticked = Signal(bool)

app = QCoreApplication([])
e = Emitter()
got = []
e.changed.connect(got.append)
e.ticked.connect(lambda b: got.append(b))
for i in range(20000):
    e.changed.emit({"i": i})
    e.ticked.emit(i % 2 == 0)
print(len(got))
"""


def test_thousands_of_signal_emits_do_not_crash() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "40000"
