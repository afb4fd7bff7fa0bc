"""Writers for the provincial plan package (GeoPackage, GeoJSON, GeoTIFF, KMZ, CSV/XLSX, reports).

Entry point: :func:`write_plan_package` with a :class:`PlanPackage`.
"""

from __future__ import annotations

from towerplan.export._common import sha256_file
from towerplan.export.method import method_section
from towerplan.export.package import PlanPackage, write_plan_package

__all__ = ["PlanPackage", "method_section", "sha256_file", "write_plan_package"]
