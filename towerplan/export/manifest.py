"""``summary.json`` (headline figures) and ``manifest.json`` (every file, size, sha256)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from towerplan import __version__
from towerplan.export._common import sha256_file, vector_layers

if TYPE_CHECKING:
    from towerplan.export.package import PlanPackage

__all__ = ["manifest_document", "summary_document"]


def _layer_info(package: PlanPackage) -> dict[str, Any]:
    from towerplan.export.package import VECTOR_LAYERS

    present = vector_layers(package)
    return {
        "layers": {name: len(frame) for name, frame in present.items()},
        "layers_absent": [name for name in VECTOR_LAYERS if name not in present],
        "rasters": sorted(package.rasters),
    }


def summary_document(package: PlanPackage) -> dict[str, Any]:
    """The caller's headline figures plus what the package holds (``plan_package``)."""
    doc = dict(package.summary)
    doc["plan_package"] = {
        "title": package.title,
        "study_label": package.study_label,
        **_layer_info(package),
    }
    return doc


def manifest_document(package: PlanPackage, stage: Path) -> dict[str, Any]:
    """Every file under ``stage`` (POSIX relative paths, sorted) with bytes and sha256."""
    files = []
    for path in sorted(p for p in stage.rglob("*") if p.is_file()):
        rel = path.relative_to(stage).as_posix()
        if rel == "manifest.json":
            continue
        files.append({"path": rel, "bytes": path.stat().st_size, "sha256": sha256_file(path)})
    return {
        "title": package.title,
        "study_label": package.study_label,
        "towerplan_version": __version__,
        "files": files,
        **_layer_info(package),
    }
