"""The house's rules, checked on the real tree: no import cycles between modules, no folder of more than
15 modules, no module over 500 lines, no name with a leading underscore imported from another module, and
the import contracts in pyproject.toml (import-linter), which are shown to fail on a violation."""

from __future__ import annotations

import ast
import functools
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("console", "widgets")
MAX_MODULES_PER_FOLDER = 15
MAX_LINES = 500


def python_files() -> list[Path]:
    """Every Python file of the project that git knows, or would add (not ignored); outside a git
    checkout (an unpacked archive), every one outside hidden folders and build output."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", "*.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        skip = {"build", "dist", "__pycache__"}
        return sorted(
            p
            for p in ROOT.rglob("*.py")
            if not any(part.startswith(".") or part in skip for part in p.relative_to(ROOT).parts[:-1])
        )
    return sorted(ROOT / line for line in out.splitlines() if (ROOT / line).is_file())


@functools.cache
def syntax_tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The import cycles: strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph.modules):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = []
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        work.append((start, iter(sorted(graph.find_modules_directly_imported_by(start)))))
        while work:
            node, children = work[-1]
            for child in children:
                if child not in graph.modules:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found)


def test_the_cycle_finder_finds_a_cycle_and_nothing_else() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in [
        ("p.a", "p.b"),
        ("p.b", "p.c"),
        ("p.c", "p.a"),
        ("p.c", "p.d"),
        ("p.d", "p.e"),
    ]:
        graph.add_import(importer=importer, imported=imported)
    graph.add_import(importer="p.x", imported="p.y")
    graph.add_import(importer="p.y", imported="p.x")
    assert cycles(graph) == [["p.a", "p.b", "p.c"], ["p.x", "p.y"]]


def test_no_import_cycles_between_modules() -> None:
    """Imports made only for type checking count too: two modules that know each other are one."""
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_no_folder_holds_more_than_15_modules() -> None:
    folders: dict[Path, int] = {}
    for path in python_files():
        if path.relative_to(ROOT).parts[0] in PACKAGES and path.name != "__init__.py":
            folders[path.parent] = folders.get(path.parent, 0) + 1
    assert len(folders) > 5
    crowded = {str(f.relative_to(ROOT)): n for f, n in folders.items() if n > MAX_MODULES_PER_FOLDER}
    assert not crowded, f"more than {MAX_MODULES_PER_FOLDER} modules in a folder: {crowded}"


def test_no_module_is_over_500_lines() -> None:
    files = python_files()
    assert len(files) > 50
    long = {}
    for path in files:
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            long[str(path.relative_to(ROOT))] = lines
    assert not long, f"over {MAX_LINES} lines: " + ", ".join(f"{p} ({n})" for p, n in sorted(long.items()))


def underscore_imports(tree: ast.AST) -> list[str]:
    """Names with one leading underscore taken from another module (dunders such as __version__ aside)."""

    def private(name: str) -> bool:
        return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))

    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = "." * node.level + (node.module or "")
            prefix = source if source.endswith(".") else source + "."
            found += [prefix + a.name for a in node.names if private(a.name)]
            if any(private(part) for part in (node.module or "").split(".")):
                found.append(source)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if any(private(p) for p in a.name.split("."))]
    return found


def test_the_underscore_check_sees_names_modules_and_relative_imports() -> None:
    code = (
        "from __future__ import annotations\nimport os._x\nfrom a.b import c, _d\n"
        "from ._e import f\nfrom . import _g\nfrom m import __version__\n"
    )
    assert underscore_imports(ast.parse(code)) == ["os._x", "a.b._d", "._e", "._g"]


def test_no_name_with_a_leading_underscore_is_imported_from_another_module() -> None:
    offenders = []
    for path in python_files():
        for name in underscore_imports(syntax_tree(path)):
            offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offenders, "underscore names imported across modules:\n" + "\n".join(offenders)


# --- the import contracts (import-linter) -----------------------------------------------------------

LINT_IMPORTS = (
    "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
)


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache", str(tree / "pyproject.toml")],
        cwd=tree,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_tree_keeps_the_import_contracts() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


VIOLATIONS = [
    # (module, injected import, the contract it breaks, the import-linter line that names it)
    (
        "console/domain/model.py",
        "import PySide6.QtCore",
        "The core never imports Qt or the widgets",
        "console.domain.model -> PySide6",
    ),
    (
        "console/sla/engine.py",
        "import console.store.cache",
        "Layers",
        "console.sla.engine -> console.store.cache",
    ),
    (
        "console/sync/engine.py",
        "import console.service.server",
        "Only the CLI and the console's demo launcher start the reference service",
        "console.sync.engine -> console.service.server",
    ),
]


def test_each_contract_fails_on_a_violation(tmp_path: Path) -> None:
    """A copy of the packages with one import injected per contract: each contract is reported broken,
    naming the injected import."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for module, line, _, _ in VIOLATIONS:
        target = tmp_path / module
        target.write_text(f"{target.read_text(encoding='utf-8')}\n{line}  # injected by the test\n", "utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    broken = result.stdout.split("Broken contracts", 1)[-1]
    for _, _, contract, names in VIOLATIONS:
        assert contract in broken and names in broken, f"{contract!r} not broken by {names}:\n{result.stdout}"


def test_no_test_module_imports_another_test_module() -> None:
    """Shared test code lives in tests/helpers; a test module or a conftest is never imported."""
    offenders = []
    for path in python_files():
        if path.relative_to(ROOT).parts[0] != "tests":
            continue
        for node in ast.walk(syntax_tree(path)):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] == "tests" and any(p.startswith("test_") or p == "conftest" for p in parts[1:]):
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offenders, "test modules imported by others (move the shared code to tests/helpers):\n" + (
        "\n".join(offenders)
    )
