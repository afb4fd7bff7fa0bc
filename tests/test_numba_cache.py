"""towerplan._numba_cache: a package's numba cache is dropped when any of its sources changes (numba's own
cache only watches the file that defines a kernel), kept otherwise, and never touched outside ``__pycache__``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from towerplan._numba_cache import STAMP_NAME, refresh

REPO = Path(__file__).resolve().parents[1]


def _package(tmp_path: Path) -> tuple[Path, Path]:
    pkg = tmp_path / "pkg"
    (pkg / "__pycache__").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "b.py").write_text("y = 2\n")
    return pkg, pkg / "__pycache__"


def _caches(cache: Path) -> list[str]:
    for name in ("a.k-3.py311.nbi", "a.k-3.py311.1.nbc"):
        (cache / name).write_bytes(b"compiled")
    return sorted(p.name for p in cache.glob("*.nb[ic]"))


def test_cache_kept_while_sources_unchanged_dropped_when_one_changes(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    pkg, cache = _package(tmp_path)
    (cache / "a.cpython-311.pyc").write_bytes(b"bytecode")
    assert _caches(cache)
    assert refresh(pkg) is True  # no stamp yet: whatever was there may be stale
    assert not list(cache.glob("*.nb[ic]"))
    assert (cache / STAMP_NAME).is_file()
    assert _caches(cache)
    assert refresh(pkg) is False  # unchanged sources: the cache stays
    assert len(list(cache.glob("*.nb[ic]"))) == 2
    (pkg / "b.py").write_text("y = 3  # another file than the kernel's\n")
    assert refresh(pkg) is True
    assert not list(cache.glob("*.nb[ic]"))
    assert (cache / "a.cpython-311.pyc").read_bytes() == b"bytecode"  # only numba's files
    assert _caches(cache)
    stamp = (cache / STAMP_NAME).read_text()
    os.utime(pkg / "a.py", ns=(1, 1))  # same size, another modification time
    assert refresh(pkg) is True
    assert (cache / STAMP_NAME).read_text() != stamp
    (pkg / "c.py").write_text("")  # a new file
    _caches(cache)
    assert refresh(pkg) is True


def test_numba_cache_dir_and_unwritable_folders_are_left_alone(tmp_path, monkeypatch) -> None:
    pkg, cache = _package(tmp_path)
    _caches(cache)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert refresh(pkg) is False
    assert len(list(cache.glob("*.nb[ic]"))) == 2
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    assert refresh(tmp_path / "missing") is False  # no such package folder: nothing raised


def test_the_packages_with_kernels_refresh_on_import(tmp_path) -> None:
    """Importing towerplan.coverage and towerplan.planning writes their stamps (a fresh process)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("NUMBA_CACHE_DIR", None)
    subprocess.run([sys.executable, "-c", "import towerplan.coverage, towerplan.planning"], check=True, env=env,
                   cwd=tmp_path, timeout=120)
    for package in ("coverage", "planning"):
        mark = REPO / "towerplan" / package / "__pycache__" / STAMP_NAME
        assert mark.is_file(), package
