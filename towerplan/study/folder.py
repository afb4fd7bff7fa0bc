"""A study folder as ``towerplan demo`` or ``towerplan fetch`` writes it: its files by role, its label, reading it.

The files are read by :mod:`towerplan.study.inputs` (:func:`~towerplan.study.inputs.read_study_files`);
this module finds them, refuses links out of the folder and labels the synthetic demo.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from towerplan.errors import ConfigError, UnreadableFileError
from towerplan.study.inputs import (
    LANDCOVER_TABLE_ROLE,
    REQUIRED_ROLES,
    STUDY_FILES,
    StudyInputs,
    read_study_files,
)

__all__ = ["folder_files", "folder_label", "is_demo_folder", "load_study_folder"]


def folder_files(folder: Path) -> dict[str, Path]:
    """Role -> path of the :data:`STUDY_FILES` present in ``folder``."""
    return {role: folder / name for role, name in STUDY_FILES.items() if (folder / name).is_file()}


def is_demo_folder(folder: Path) -> bool:
    """Whether ``folder`` is a ``towerplan demo`` folder (the synthetic demo province)."""
    from towerplan.demo import DEMO_LABEL

    readme = Path(folder) / "README.txt"
    return readme.is_file() and readme.read_text(encoding="utf-8").startswith(DEMO_LABEL.upper())


def folder_label(folder: Path) -> str:
    """The demo's "(not real data)" label for a ``towerplan demo`` folder, else the folder name."""
    from towerplan.demo import DEMO_LABEL

    return DEMO_LABEL[:1].upper() + DEMO_LABEL[1:] if is_demo_folder(folder) else folder.name


def _refuse_links_out(folder: Path, found: Mapping[str, Path]) -> None:
    """Refuse a study file that is a symbolic link to a file outside the folder (links resolved first)."""
    real_folder = folder.resolve()
    for path in found.values():
        real = Path(path).resolve()
        if not real.is_relative_to(real_folder):
            raise UnreadableFileError(
                f"{Path(path).name} in {folder}: a symbolic link to {real}, outside the study folder; refused: copy "
                "the file into the folder"
            )


def load_study_folder(
    folder: Path,
    *,
    resolution_m: float | None = None,
    label: str | None = None,
    files: Mapping[str, Path | None] | None = None,
) -> StudyInputs:
    """Read a study folder as ``towerplan demo`` or ``towerplan fetch`` writes it.

    ``dem.tif``, ``population.tif`` and ``stations.csv`` are required; ``communes.gpkg``,
    ``roads.gpkg``, ``candidates.csv``, ``exclusions.gpkg``, ``fibre_points.gpkg`` and
    ``landcover.tif`` are read when present (:data:`STUDY_FILES`). ``files`` (role of :data:`STUDY_FILES` ->
    path) are read instead of (or in addition to) the folder's files; None values are
    ignored. The label is :func:`folder_label` unless given.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UnreadableFileError(f"{folder}: not a study-area folder (as `towerplan demo` or `towerplan fetch` "
                                  "writes it)")
    missing = [STUDY_FILES[r] for r in REQUIRED_ROLES if not (folder / STUDY_FILES[r]).is_file()]
    if missing:
        raise UnreadableFileError(f"{folder}: {', '.join(missing)} missing (a study folder needs "
                                  f"{', '.join(STUDY_FILES[r] for r in REQUIRED_ROLES)})")
    found: dict[str, Any] = folder_files(folder)
    _refuse_links_out(folder, found)
    unknown = sorted(set(files or {}) - {*STUDY_FILES, LANDCOVER_TABLE_ROLE})
    if unknown:
        raise ConfigError(f"unknown study file role(s) {', '.join(unknown)}; roles are {', '.join(STUDY_FILES)}, "
                          f"{LANDCOVER_TABLE_ROLE}")
    given = {role: Path(path) for role, path in (files or {}).items() if path is not None}
    found.update(given)
    inputs = read_study_files(found, resolution_m=resolution_m,
                              label=folder_label(folder) if label is None else label)
    if is_demo_folder(folder):  # the generated demo province: synthetic, but for the files given in its place
        from towerplan.study.origin import REAL, SYNTHETIC, origin_of_files

        origins = {**origin_of_files(found, SYNTHETIC), **origin_of_files(given, REAL)}
        inputs = dataclasses.replace(inputs, origins=origins)
    return inputs
