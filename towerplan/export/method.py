"""The method section of a plan: models, settings, input files with checksums, version."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from towerplan import __version__
from towerplan.export._common import json_ready, sha256_file

__all__ = ["method_section"]


def method_section(
    *,
    models: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
    input_files: Mapping[str, str | os.PathLike[str]] | None = None,
    notes: list[str] | None = None,
    date: str | None = None,
    base_dir: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Build the ``method`` dict of a :class:`~towerplan.export.PlanPackage`.

    Parameters
    ----------
    models
        Model name -> description and validity range, e.g.
        ``{"Hata": "150-1500 MHz, 1-20 km, base 30-200 m"}`` (a string or a dict).
    settings
        Settings used (thresholds, margins, resolution, budget, ...); nested dicts allowed.
    input_files
        Role -> path (``{"stations": "data/stations.csv"}``); each file's size and
        sha256 are recorded. Folders are listed file by file.
    notes
        Free-text remarks (limitations, data caveats).
    date
        Date of the run (ISO text). Left out by default so that reruns give identical outputs.
    base_dir
        Paths are written relative to this folder when they lie inside it; other files by their name
        only (no local folder in the deliverables).

    Returns
    -------
    dict
        JSON-ready: ``towerplan_version``, ``models``, ``settings``, ``input_files``
        (list of ``{role, path, bytes, sha256}``), ``notes`` and ``date`` if given.
    """
    files: list[dict[str, Any]] = []
    base = Path(base_dir).resolve() if base_dir is not None else None
    for role, raw in (input_files or {}).items():
        path = Path(raw)
        paths = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for p in paths:
            shown = Path(p.name)  # no local folder (a user's cache or home) in the deliverables
            if base is not None:
                try:
                    shown = p.resolve().relative_to(base)
                except ValueError:
                    shown = Path(p.name)
            entry: dict[str, Any] = {"role": str(role), "path": shown.as_posix()}
            if p.is_file():
                entry["bytes"] = p.stat().st_size
                entry["sha256"] = sha256_file(p)
            else:
                entry["bytes"] = None
                entry["sha256"] = None
            files.append(entry)
    out: dict[str, Any] = {
        "towerplan_version": __version__,
        "models": json_ready(dict(models or {})),
        "settings": json_ready(dict(settings or {})),
        "input_files": files,
        "notes": [str(n) for n in (notes or [])],
    }
    if date is not None:
        out["date"] = str(date)
    return out
