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
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["STAMP_NAME", "refresh"]

#: the stamp file in the package's ``__pycache__``
STAMP_NAME = "towerplan-numba-sources.stamp"


def _stamp(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        st = path.stat()
        digest.update(f"{path.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def refresh(folder: str | os.PathLike[str]) -> bool:
    """Remove ``folder``'s numba cache files when its sources changed since the last call; True when removed."""
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
