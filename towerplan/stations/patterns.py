"""Antenna pattern files named in a station list (the ``antenna_pattern`` column).

A name is looked up in the pattern folder given with the list (``pattern_dir``; by default the
folder of the station file itself) and replaced by the file's absolute path, which the coverage
engine reads (:func:`towerplan.coverage.antenna.read_pattern`: MSI/Planet text or the simple CSV
of two cuts). A name with no such file (or an uploaded list, which has no folder) gives one
``pattern_missing`` warning naming the rows, and those sectors use the parametric pattern.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np

from towerplan.stations.report import Issue, StationLoad, ValidationReport

__all__ = ["PATTERN_SUFFIXES", "resolve_patterns"]

#: file endings accepted as pattern files (MSI/Planet text and the two-cut CSV)
PATTERN_SUFFIXES = (".msi", ".pln", ".ant", ".txt", ".csv")


def resolve_patterns(load: StationLoad, folder: str | os.PathLike[str] | None) -> StationLoad:
    """``load`` with each ``antenna_pattern`` name replaced by its file's absolute path in ``folder``.

    Names that are not a pattern file there are cleared (the sector uses the parametric pattern and,
    when its tilt was empty, the default tilt) with one ``pattern_missing`` warning per name.
    """
    stations = load.stations
    if "antenna_pattern" not in stations.columns or not len(stations):
        return load
    names = stations["antenna_pattern"].to_numpy(dtype=object)
    wanted = sorted({str(n).strip() for n in names if isinstance(n, str) and n.strip()})
    if not wanted:
        return load
    base = Path(folder) if folder is not None else None
    resolved: dict[str, str | None] = {}
    issues: list[Issue] = []
    for name in wanted:
        path = Path(name) if Path(name).is_absolute() or base is None else base / name
        ok = (base is not None or Path(name).is_absolute()) and path.is_file() \
            and path.suffix.lower() in PATTERN_SUFFIXES
        resolved[name] = str(path.resolve()) if ok else None
        if not ok:
            hit = np.array([isinstance(n, str) and n.strip() == name for n in names])
            rows = [int(r) for r in stations.loc[hit, "source_row"].to_numpy()[:10]]
            where = str(base) if base is not None else "no pattern folder (an uploaded list)"
            issues.append(Issue(
                None, "antenna_pattern", "warning", "pattern_missing",
                f"antenna pattern '{name}' (rows {rows}) is not a pattern file ({', '.join(PATTERN_SUFFIXES)}) in "
                f"{where}; those sectors use the parametric 3GPP pattern; put the file beside the list or give "
                "its folder (pattern_dir)",
                value=name, params={"name": name, "rows": ", ".join(map(str, rows)), "folder": where},
            ))
    out = stations.copy()
    out["antenna_pattern"] = [resolved.get(str(n).strip()) if isinstance(n, str) and n.strip() else None
                              for n in names]
    report = ValidationReport(tuple(load.report.issues) + tuple(issues))
    return dataclasses.replace(load, stations=out, report=report)
