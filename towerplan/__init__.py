"""towerplan: telecom infrastructure GIS planning for mountain provinces.

Coverage modelling over terrain, dead-zone ("vùng lõm sóng") analysis and
shared-tower placement. See ``docs/DESIGN.md`` for the architecture.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
