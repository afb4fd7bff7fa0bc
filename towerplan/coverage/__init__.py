"""Coverage: propagation models, antennas, link budget and the coverage engine.

The engine's public API is re-exported here lazily (importing a model module such
as :mod:`towerplan.coverage.itm` does not load the engine)::

    from towerplan.coverage import CoverageConfig, run_coverage
"""

from __future__ import annotations

from typing import Any

__all__ = ["CoverageConfig", "CoverageResult", "ItmSettings", "run_coverage"]

_LAZY = {
    "CoverageConfig": "towerplan.coverage.config",
    "ItmSettings": "towerplan.coverage.config",
    "CoverageResult": "towerplan.coverage.engine",
    "run_coverage": "towerplan.coverage.engine",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'towerplan.coverage' has no attribute {name!r}")
