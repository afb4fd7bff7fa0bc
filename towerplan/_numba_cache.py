"""Drop a package's numba cache when any of its source files changed since the cache was written.

numba's ``cache=True`` keys each kernel's cache on the file that defines it only (numba documentation, "Notes
on caching": "changes to other functions called by a cached function are not detected"). A kernel inlines or
links the kernels it calls from other files, so after one of those files changes, its cached machine code is
stale: wrong results, or a crash where a table's layout changed. :func:`refresh` keeps a stamp of every
``*.py`` file of a package folder (name, size, modification time) beside the cache in ``__pycache__``; when the
stamp differs, the folder's ``*.nbi`` / ``*.nbc`` files are removed before any kernel loads, so every kernel of
the package is compiled again once. It costs one ``stat`` a file (well under a millisecond a package).

Only the package's own ``__pycache__`` is handled: with ``NUMBA_CACHE_DIR`` set, numba writes elsewhere and
nothing is done. Any file-system error leaves the cache as it is (a read-only install, a race with another
process: numba then recompiles or loads what it finds, as without this module).

:func:`serialize_saves` (installed by :func:`refresh`, so in every process that imports a package with kernels)
makes numba's cache saves of concurrent processes take turns. numba keeps one index file per kernel (signature ->
data file) and one data file per signature, each written whole (``os.replace``); but a save reads the index, takes
the first data-file number it does not list, writes the index, then the data. Two processes saving *different*
signatures of one kernel at once (two CLI runs, the processes executor's or Dask's workers, a test suite beside
``towerplan compile``) can both take the same number: the index then names one signature and the data file holds
the other's machine code, which a later load hands to the wrong signature. Each save therefore holds an exclusive
``flock`` on a lock file in its cache folder (:data:`LOCK_NAME`), so that it reads the index the previous save
wrote. Loads take no lock: a save adds a number no index lists, and a load that finds no data file compiles. The
lock costs an ``open`` and a ``flock`` per save (saves follow compiles: seconds each). Where ``fcntl`` is missing
(Windows) or the lock file cannot be opened, numba saves as it does itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["LOCK_NAME", "STAMP_NAME", "refresh", "save_lock", "serialize_saves"]

#: the stamp file in the package's ``__pycache__``
STAMP_NAME = "towerplan-numba-sources.stamp"
#: the lock file, in each numba cache folder a save writes to, that serializes the saves (:func:`serialize_saves`)
LOCK_NAME = "towerplan-numba-save.lock"
_CACHING = "numba.core.caching"


@contextlib.contextmanager
def save_lock(folder: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the exclusive lock of numba cache saves in ``folder`` (none where it cannot be taken)."""
    lock = None
    try:
        import fcntl

        lock = open(os.path.join(folder, LOCK_NAME), "a")  # noqa: SIM115 - closed below
    except (ImportError, OSError):
        pass
    if lock is None:
        yield
        return
    with lock:
        with contextlib.suppress(OSError):
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


def _lock_saves(caching: ModuleType) -> None:
    cls = caching.IndexDataCacheFile
    real = cls.save
    if getattr(real, "towerplan_locked", False):
        return

    def save(self: Any, key: Any, data: Any) -> None:
        with save_lock(self._cache_path):
            real(self, key, data)

    save.towerplan_locked = True  # type: ignore[attr-defined]
    save.__wrapped__ = real  # type: ignore[attr-defined]
    cls.save = save


class _OnImport(importlib.abc.MetaPathFinder):
    """Locks numba's saves once ``numba.core.caching`` is imported (importing numba here would slow every
    ``import towerplan.coverage``, the configuration included)."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
                  ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _CACHING:
            return None
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        loader = spec.loader if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        real = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            real(module)
            _lock_saves(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def serialize_saves() -> None:
    """Make every numba cache save of this process hold :func:`save_lock` on its folder (now, or when numba loads)."""
    caching = sys.modules.get(_CACHING)
    if caching is not None:
        _lock_saves(caching)
    elif not any(isinstance(f, _OnImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _OnImport())


def _stamp(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        st = path.stat()
        digest.update(f"{path.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def refresh(folder: str | os.PathLike[str]) -> bool:
    """Remove ``folder``'s numba cache files when its sources changed since the last call; True when removed.
    Installs :func:`serialize_saves` first (wherever numba's cache is)."""
    serialize_saves()
    if os.environ.get("NUMBA_CACHE_DIR"):
        return False
    folder = Path(folder)
    cache = folder / "__pycache__"
    mark = cache / STAMP_NAME
    try:
        stamp = _stamp(folder)
        if mark.is_file() and mark.read_text(encoding="ascii") == stamp:
            return False
        stale = sorted(cache.glob("*.nb[ic]")) if cache.is_dir() else []
        for path in stale:
            path.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        tmp = cache / f".{STAMP_NAME}.{os.getpid()}.tmp"
        tmp.write_text(stamp, encoding="ascii")
        os.replace(tmp, mark)
        return bool(stale)
    except (OSError, UnicodeDecodeError):
        return False
