"""The package rules of docs/DESIGN.md ("Layers"), checked on the source so they stay true.

- no module of ``towerplan/`` or ``app_pages/`` over 600 lines, no function over 150 lines;
- no private (underscore) name or module imported from another package (``towerplan.<pkg>`` is a
  package; the root package's own helpers such as ``towerplan._atomic`` are shared by all);
- ``planning/`` and ``export/`` do not import the download package ``sources/``;
- the layers point one way: ``coverage/`` does not import ``planning/``, ``study/`` or ``export/``;
  ``planning/`` does not import ``study/`` or ``export/``; ``export/`` does not import ``study/``;
  the library never imports ``cli``, ``app_pages`` or streamlit.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 150
#: importer package -> packages it must not import
FORBIDDEN = {
    "towerplan.coverage": ("towerplan.planning", "towerplan.study", "towerplan.export", "towerplan.sources"),
    "towerplan.planning": ("towerplan.sources", "towerplan.study", "towerplan.export"),
    "towerplan.export": ("towerplan.sources", "towerplan.study"),
    "towerplan.stations": ("towerplan.planning", "towerplan.coverage", "towerplan.study", "towerplan.export"),
}
LIBRARY_NEVER = ("towerplan.cli", "app_pages", "streamlit", "streamlit_folium")
#: the front ends (they may import the CLI package, the pages and streamlit)
ENTRY_POINTS = ("app_pages", "towerplan.cli", "towerplan.__main__")


def _modules() -> list[Path]:
    return sorted([*(REPO / "towerplan").rglob("*.py"), *(REPO / "app_pages").glob("*.py")])


def _package(path: Path) -> str:
    """``towerplan.<subpackage>`` for a module in a subpackage, ``towerplan.<module>`` for a top-level
    module, ``app_pages`` for a page."""
    parts = path.relative_to(REPO).with_suffix("").parts
    if parts[0] == "app_pages":
        return "app_pages"
    return ".".join(parts[:2])


def _target_package(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "towerplan" or len(parts) == 1:
        return parts[0]
    return ".".join(parts[:2])


def _imports(tree: ast.AST) -> list[tuple[str, list[str], int]]:
    """(module, imported names, line) of every absolute import, at any depth (also inside functions)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((a.name, [], node.lineno) for a in node.names)
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _problems() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"size": [], "private": [], "layers": []}
    for path in _modules():
        rel = path.relative_to(REPO).as_posix()
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > MAX_MODULE_LINES:
            out["size"].append(f"{rel}: {lines} lines")
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    out["size"].append(f"{rel}:{node.lineno} {node.name}: {length} lines")
        own = _package(path)
        for module, names, line in _imports(tree):
            target = _target_package(module)
            where = f"{rel}:{line} imports {module}"
            if target.startswith("towerplan.") and target != own:
                private_parts = [p for p in module.split(".")[2:] if _private(p)]
                if private_parts:
                    out["private"].append(f"{where} (a private module of another package)")
                out["private"].extend(f"{where}.{n} (a private name of another package)"
                                      for n in names if _private(n))
            if any(target == f or module.startswith(f + ".") for f in FORBIDDEN.get(own, ())):
                out["layers"].append(f"{where} ({own} must not import {target})")
            if own not in ENTRY_POINTS and any(
                    module == f or module.startswith(f + ".") for f in LIBRARY_NEVER):
                out["layers"].append(f"{where} (the library never imports {module})")
    return out


@pytest.fixture(scope="module")
def problems() -> dict[str, list[str]]:
    return _problems()


def test_modules_and_functions_stay_small(problems) -> None:
    assert problems["size"] == []


def test_no_private_name_crosses_a_package(problems) -> None:
    assert problems["private"] == []


def test_the_layers_point_one_way(problems) -> None:
    assert problems["layers"] == []


def test_the_checker_sees_violations(tmp_path: Path) -> None:
    """The rules find what they are meant to find (a checker that sees nothing would always pass)."""
    tree = ast.parse("from towerplan.coverage.engine import _fill_dem\nimport towerplan.sources.roads\n"
                     "def f():\n    from towerplan.coverage._kernels import x\n")
    found = _imports(tree)
    assert ("towerplan.coverage.engine", ["_fill_dem"], 1) in found
    assert ("towerplan.sources.roads", [], 2) in found
    assert ("towerplan.coverage._kernels", ["x"], 4) in found
    assert _package(REPO / "towerplan" / "planning" / "matrix.py") == "towerplan.planning"
    assert _package(REPO / "towerplan" / "grid.py") == "towerplan.grid"
    assert _target_package("towerplan.sources.roads") == "towerplan.sources"
    assert _private("_fill_dem")
    assert not _private("__version__")
