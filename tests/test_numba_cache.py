"""towerplan._numba_cache: a package's numba cache is dropped when any of its sources changes (numba's own
cache only watches the file that defines a kernel), kept otherwise, and never touched outside ``__pycache__``;
numba's cache saves wait for the cache folder's lock (every process that imports a package with kernels)."""

from __future__ import annotations

import fcntl
import importlib.util
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from numba.core import caching

from towerplan._numba_cache import LOCK_NAME, STAMP_NAME, refresh, save_lock, serialize_saves

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


def _frames_in(thread: threading.Thread) -> list[str]:
    frame = sys._current_frames().get(thread.ident or -1)
    names = []
    while frame is not None:
        names.append(f"{Path(frame.f_code.co_filename).name}:{frame.f_code.co_name}")
        frame = frame.f_back
    return names


def test_a_cache_save_waits_while_another_process_holds_the_folders_lock(tmp_path, monkeypatch) -> None:
    """(~1 s: one tiny kernel compiled.) The lock is held through another open file description, which ``flock``
    excludes as it excludes another process."""
    real = caching.IndexDataCacheFile.save
    real = getattr(real, "__wrapped__", real)
    saved: list[float] = []

    def spy(self, key, data):
        saved.append(time.perf_counter())
        real(self, key, data)

    monkeypatch.setattr(caching.IndexDataCacheFile, "save", spy)  # the process's own wrapper comes back after
    serialize_saves()  # the lock around the spy
    (tmp_path / "tiny_kernel.py").write_text(textwrap.dedent("""
        from numba import njit

        @njit(cache=True)
        def plus_one(x):
            return x + 1
    """))
    spec = importlib.util.spec_from_file_location("tiny_kernel", tmp_path / "tiny_kernel.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / "__pycache__").mkdir(exist_ok=True)
    results: list[int] = []
    with open(tmp_path / "__pycache__" / LOCK_NAME, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        worker = threading.Thread(target=lambda: results.append(module.plus_one(41)))
        worker.start()
        deadline = time.perf_counter() + 60.0
        while "_numba_cache.py:save_lock" not in _frames_in(worker):
            assert not saved, "the save went ahead while the lock was held"
            assert worker.is_alive(), "the kernel failed before its save"
            assert time.perf_counter() < deadline, "the save never reached the lock"
            time.sleep(0.01)
        time.sleep(0.2)
        assert not saved
        assert worker.is_alive()
        released = time.perf_counter()
    worker.join(timeout=60.0)
    assert results == [42]
    assert len(saved) == 1
    assert saved[0] >= released
    assert list((tmp_path / "__pycache__").glob("tiny_kernel.plus_one-*.nbi"))


def test_saves_are_locked_in_every_process_that_imports_the_kernels(tmp_path) -> None:
    """A fresh process (~2 s): importing towerplan.coverage does not load numba, and numba's saves are locked
    once it loads; a folder where no lock can be taken leaves the save to numba."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    probe = ("import sys, towerplan.coverage\nassert 'numba' not in sys.modules\nimport numba.core.caching as c\n"
             "print(getattr(c.IndexDataCacheFile.save, 'towerplan_locked', False))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120, check=True)
    assert done.stdout.split() == ["True"]
    with save_lock(tmp_path / "missing"):
        pass
