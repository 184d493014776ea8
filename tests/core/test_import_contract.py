"""The core (console/) never imports Qt: checked statically and at run time."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import console

FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "widgets")
CONSOLE_DIR = Path(console.__file__).parent


def _imported_names(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module",
            "__import__",
        ):
            names.extend(
                a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
            )
    return names


def test_no_module_in_console_names_qt() -> None:
    offenders = []
    files = sorted(CONSOLE_DIR.rglob("*.py"))
    assert len(files) > 3
    for path in files:
        for name in _imported_names(ast.parse(path.read_text(encoding="utf-8"))):
            if name.split(".")[0] in FORBIDDEN:
                offenders.append(f"{path.relative_to(CONSOLE_DIR.parent)} imports {name}")
    assert offenders == []


def test_the_checker_catches_a_qt_import() -> None:
    tree = ast.parse("import os\nfrom PySide6.QtCore import QObject\nimportlib.import_module('shiboken6')")
    assert [n for n in _imported_names(tree) if n.split(".")[0] in FORBIDDEN] == [
        "PySide6.QtCore",
        "shiboken6",
    ]


def test_importing_every_console_module_loads_no_qt() -> None:
    modules = [m.name for m in pkgutil.walk_packages([str(CONSOLE_DIR)], prefix="console.")]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(len(sys.modules)); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
