"""Resource guards: refuse heavy work that would not fit in memory, with a clear message.

An out-of-memory kill ends a run (or the app's worker) without a word; these
checks run before the big arrays are allocated and raise a
:class:`~towerplan.errors.ConfigError` that names the size needed, the limit
and how to reduce it (coarser resolution, smaller area, fewer operators).

Available memory is ``MemAvailable`` of ``/proc/meminfo`` (Linux), or
``psutil.virtual_memory().available`` when psutil is installed and
``/proc/meminfo`` is not readable; when neither is known the check passes.
"""

from __future__ import annotations

import logging
from pathlib import Path

from towerplan.errors import ConfigError, InputError

__all__ = ["MEMORY_FRACTION", "available_memory", "check_memory", "format_bytes"]

log = logging.getLogger(__name__)

#: heavy work may use at most this share of the memory available when it starts
MEMORY_FRACTION = 0.8

_MEMINFO = Path("/proc/meminfo")


def format_bytes(n_bytes: float) -> str:
    """``3.2e9`` -> ``"3.0 GiB"``."""
    value = float(n_bytes)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{value:,.0f} bytes" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} TiB"  # pragma: no cover


def available_memory(*, meminfo: str | Path = _MEMINFO) -> int | None:
    """Bytes of memory available to new work, or ``None`` when unknown."""
    try:
        for line in Path(meminfo).read_text(encoding="ascii", errors="replace").splitlines():
            if line.startswith("MemAvailable:"):
                parts = line.split()
                return int(parts[1]) * (1024 if len(parts) < 3 or parts[2].lower() == "kb" else 1)
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil
    except ImportError:
        return None
    try:
        return int(psutil.virtual_memory().available)
    except Exception:  # psutil raises its own errors on exotic systems
        return None


def check_memory(
    n_bytes_needed: float,
    *,
    what: str,
    how_to_reduce: str = "use a coarser resolution or a smaller study area",
    available: int | None = None,
    fraction: float = MEMORY_FRACTION,
) -> None:
    """Refuse work that needs more memory than is available.

    Parameters
    ----------
    n_bytes_needed
        Estimated peak bytes of the work (arrays it will allocate).
    what
        What is being computed, for the message (``"coverage of 120 sites on 4,000 x 3,000 cells"``).
    how_to_reduce
        The advice in the message.
    available
        Bytes available (default: :func:`available_memory`; the check passes when unknown).
    fraction
        Share of ``available`` the work may use.

    Raises
    ------
    ConfigError
        ``n_bytes_needed`` exceeds ``fraction`` of the available memory.
    InputError
        ``n_bytes_needed`` is negative or not a number.
    """
    if not n_bytes_needed >= 0:
        raise InputError(f"memory estimate must be 0 or more bytes, got {n_bytes_needed!r}")
    free = available_memory() if available is None else int(available)
    if free is None:
        log.debug("available memory unknown; %s needs about %s", what, format_bytes(n_bytes_needed))
        return
    limit = fraction * free
    if n_bytes_needed > limit:
        raise ConfigError(
            f"{what} needs about {format_bytes(n_bytes_needed)} of memory, more than the "
            f"{format_bytes(limit)} available ({fraction:.0%} of {format_bytes(free)} free); {how_to_reduce}"
        )
    log.debug("%s needs about %s of %s available", what, format_bytes(n_bytes_needed), format_bytes(free))
