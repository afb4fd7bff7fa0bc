"""Coverage: propagation models, antennas, link budget and the coverage engine.

The engine's public API is re-exported here lazily (importing a model module such
as :mod:`towerplan.coverage.itm` does not load the engine)::

    from towerplan.coverage import CoverageConfig, run_coverage
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from towerplan._numba_cache import refresh as _refresh_numba_cache

__all__ = ["CoverageConfig", "CoverageResult", "ItmSettings", "run_coverage"]

_LAZY = {
    "CoverageConfig": "towerplan.coverage.config",
    "ItmSettings": "towerplan.coverage.config",
    "CoverageResult": "towerplan.coverage.engine",
    "run_coverage": "towerplan.coverage.engine",
}


# before any kernel of this package loads: numba's cache does not see changes in the files a kernel calls into
_refresh_numba_cache(Path(__file__).parent)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'towerplan.coverage' has no attribute {name!r}")
