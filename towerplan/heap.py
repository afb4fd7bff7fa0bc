"""The C heap's policy for work that allocates and frees the same large arrays again and again.

glibc's ``malloc`` serves a block above its *mmap threshold* with pages of its own, and gives the top of its heap
back to the system whenever more than its *trim threshold* lies free there. Both start low (128 KiB) and rise
as large blocks are freed (the trim threshold to twice the mmap threshold), so a block of a few MB freed at the
top of the heap goes back to the system on ``free`` once a few such blocks lie free there together, and the next
request for it faults every page in again, zero-filled by the kernel.

That is the candidate matrix's pattern (:mod:`towerplan.planning.matrix`): each candidate's P.1812 sweep
allocates its bound, profile, clutter and zone tables (numba's arrays come from ``malloc``; ~3 MB each at 90 m
and 30 km) and frees them when it returns, so every candidate faulted ~12 MB in again: ~2,900 page faults and a
third of its CPU time in the kernel (``bench/README.md``, helper w19-matrix). :func:`keep_freed_pages` fixes both
thresholds high, so that those blocks come from the heap and stay there for the next candidate. It changes the
whole process's allocator (the settings stay for its lifetime; at most :data:`TRIM_THRESHOLD` bytes freed at the
top of the heap are kept from the system) and no value any computation gives.

Only glibc has these settings (``mallopt``); elsewhere nothing is done.

:func:`peak_rss_mb` is the process's own peak resident memory (what the tiled engine reports per worker).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import resource
import sys

__all__ = ["MMAP_THRESHOLD", "TRIM_THRESHOLD", "keep_freed_pages", "peak_rss_mb"]

#: blocks up to this size come from the heap (glibc's largest allowed value on 64-bit systems: 32 MiB)
MMAP_THRESHOLD = 32 * 1024 * 1024
#: free memory at the top of the heap kept from the system up to this size
TRIM_THRESHOLD = 64 * 1024 * 1024
# glibc's <malloc.h> parameter numbers
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

_done: bool | None = None


def keep_freed_pages() -> bool:
    """Set glibc's mmap and trim thresholds to :data:`MMAP_THRESHOLD` / :data:`TRIM_THRESHOLD` for this process,
    once (later calls return the first call's result). True when both were set; False where the C library is not
    glibc (no ``mallopt``, or the values refused): the allocator is then left as it is."""
    global _done
    if _done is None:
        _done = _set_thresholds()
    return _done


def _set_thresholds() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return False
    # glibc only (musl's mallopt accepts and ignores every setting)
    if not (hasattr(libc, "mallopt") and hasattr(libc, "gnu_get_libc_version")):
        return False
    mallopt = libc.mallopt
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # the mmap threshold first: setting either fixes both (no dynamic thresholds from then on)
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (2**20 bytes).

    On Linux the ``VmHWM`` line of ``/proc/self/status``: the high-water mark of the process's own address space,
    which starts anew when the process calls ``exec``. Not ``getrusage``'s ``ru_maxrss`` there: Linux carries it over
    ``fork`` + ``exec``, so a process started by a large one (a ``dask worker`` launched from a benchmark or a
    notebook holding a country's DEM) reports at least the size its parent had when it forked, whatever it used
    itself. Elsewhere (no ``/proc``) ``ru_maxrss`` (bytes on macOS, KiB on the other systems)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0  # kB
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0
