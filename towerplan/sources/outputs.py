"""What a study area folder records about itself: ``SOURCES.md``, ``scenario.toml`` and checksums.

Every input file that went into the folder is a :class:`SourceRecord` (origin,
retrieval date, sha256, licence); every file written is an :class:`OutputFile`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from shapely.geometry.base import BaseGeometry

from towerplan import __version__
from towerplan._atomic import atomic_path
from towerplan.errors import ConfigError
from towerplan.sources._common import FetchedFile
from towerplan.sources.cache import sha256_file, utc_now
from towerplan.sources.licences import Licence, licence

__all__ = [
    "OutputFile",
    "SourceRecord",
    "StudyArea",
    "local_record",
    "record_from_fetched",
    "write_checksums",
    "write_scenario_toml",
    "write_sources_md",
]


@dataclass(frozen=True)
class StudyArea:
    """The area a study folder covers.

    Attributes
    ----------
    name
        Display name ("Thanh Hóa", a file stem, or the box as text).
    geometry
        Polygon in EPSG:4326.
    kind
        How it was given: a box, a polygon file or a boundary name.
    attributes
        Extra facts (e.g. ``shapeISO``) for SOURCES.md.
    """

    name: str
    geometry: BaseGeometry
    kind: Literal["bbox", "polygon", "boundary"]
    attributes: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.geometry.is_empty or self.geometry.geom_type not in ("Polygon", "MultiPolygon"):
            raise ConfigError(f"the study area {self.name!r} must be a non-empty polygon")


@dataclass(frozen=True)
class SourceRecord:
    """One input file of the study area.

    Attributes
    ----------
    role
        ``dem``, ``population``, ``boundaries``, ``communes`` or ``roads``.
    name
        File name.
    origin
        URL (downloads) or path (local files).
    licence
        Its terms.
    sha256, size_bytes
        Of the file as used.
    retrieved_utc
        Download time (``None`` for local files).
    extra
        Facts from the provider (boundary source and licence...).
    """

    role: str
    name: str
    origin: str
    licence: Licence
    sha256: str | None
    size_bytes: int | None
    retrieved_utc: str | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())


@dataclass(frozen=True)
class OutputFile:
    """A file written to the study folder: its name, what it is and the roles of the inputs it comes from."""

    name: str
    description: str
    made_from: tuple[str, ...] = ()


def record_from_fetched(fetched: FetchedFile, role: str) -> SourceRecord:
    """The record of a downloaded file."""
    res = fetched.resource
    return SourceRecord(
        role, res.filename, fetched.url, licence(res.licence), fetched.sha256, fetched.size_bytes,
        fetched.retrieved_utc, res.extra,
    )


def local_record(path: str | os.PathLike[str], role: str, lic: Licence, *, origin: str | None = None) -> SourceRecord:
    """The record of a local file (checksummed now)."""
    p = Path(path)
    return SourceRecord(role, p.name, origin or str(p), lic, sha256_file(p), p.stat().st_size)


def _toml_str(value: str) -> str:
    # a JSON string is a valid TOML basic string (same escapes); keep non-ASCII readable
    return json.dumps(value, ensure_ascii=False)


def write_scenario_toml(
    path: Path, *, area: StudyArea, crs: str, resolution_m: float, inputs: Mapping[str, str]
) -> Path:
    """A provisional ``scenario.toml`` naming the prepared inputs (relative paths)."""
    lon_min, lat_min, lon_max, lat_max = (round(v, 6) for v in area.geometry.bounds)
    lines = [
        f"# Study area prepared by towerplan {__version__} (`towerplan fetch`) on {utc_now()}.",
        "#",
        "# PROVISIONAL SKELETON. The scenario format is defined by the batch-run issue",
        "# (towerplan/scenario.py); until then this file only names the prepared inputs so",
        "# that they can be found again. Paths are relative to this file. Keys may change.",
        "",
        "[area]",
        f"name = {_toml_str(area.name)}",
        f"kind = {_toml_str(area.kind)}",
        f"bounds_lonlat = [{lon_min}, {lat_min}, {lon_max}, {lat_max}]  # lon_min, lat_min, lon_max, lat_max",
        f"crs = {_toml_str(crs)}  # every raster and vector below is in this CRS",
        'boundary = "province.gpkg"',
        "",
        "[grid]",
        f"resolution_m = {float(resolution_m):g}",
        "",
        "[inputs]",
    ]
    lines += [f"{key} = {_toml_str(value)}" for key, value in inputs.items()]
    lines += ['# stations = "stations.csv"  # add your station list here', ""]
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_checksums(path: Path, records: Sequence[SourceRecord]) -> Path:
    """``SOURCES.sha256``: ``<sha256>  <file name>`` of every input (usable as ``--checksums``)."""
    lines = sorted({f"{r.sha256}  {r.name}" for r in records if r.sha256})
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def write_sources_md(
    path: Path,
    *,
    area: StudyArea,
    crs: str,
    resolution_m: float,
    outputs: Sequence[OutputFile],
    output_dir: Path,
    records: Sequence[SourceRecord],
    notes: Sequence[str] = (),
) -> Path:
    """``SOURCES.md``: every file of the folder, the inputs it came from, and their licences.

    ``output_dir`` holds the written files (their sha256 is computed from there).
    """
    lon_min, lat_min, lon_max, lat_max = area.geometry.bounds
    attrs = "".join(f"; {k} {v}" for k, v in area.attributes)
    lines = [
        "# Sources of this study area",
        "",
        f"Prepared by towerplan {__version__} on {utc_now()} (UTC).",
        "",
        f"- Area: {area.name} ({area.kind}{attrs}), {lon_min:.4f}–{lon_max:.4f} E, {lat_min:.4f}–{lat_max:.4f} N",
        f"- Coordinate reference system of every file: {crs}; grid cell {float(resolution_m):g} m",
        *[f"- {n}" for n in notes],
        "",
        "## Files in this folder",
        "",
        "| file | what it is | made from | sha256 |",
        "|---|---|---|---|",
    ]
    for out in outputs:
        digest = sha256_file(output_dir / out.name) if (output_dir / out.name).is_file() else ""
        lines.append(f"| {out.name} | {_cell(out.description)} | {', '.join(out.made_from) or '-'} | `{digest}` |")
    lines += ["", "## Input files", ""]
    for role in dict.fromkeys(r.role for r in records):
        group = [r for r in records if r.role == role]
        lines += [f"### {role}", "", "| file | origin | retrieved (UTC) | bytes | sha256 | licence |",
                  "|---|---|---|---|---|---|"]
        for r in group:
            retrieved = r.retrieved_utc or "local file"
            size = f"{r.size_bytes:,}" if r.size_bytes is not None else ""
            lines.append(
                f"| {_cell(r.name)} | {_cell(r.origin)} | {retrieved} | {size} | `{r.sha256 or ''}` | "
                f"{_cell(r.licence.name)} |"
            )
        for r in group:
            for k, v in r.extra:
                lines.append(f"- {r.name}: {k} = {_cell(v)}")
        lines.append("")
    lines += ["## Licences and attribution you must respect", ""]
    for lic in {r.licence.key: r.licence for r in records}.values():
        lines += [f"### {lic.name}", ""]
        if lic.url:
            lines.append(f"- Terms: {lic.url}")
        lines.append(f"- Attribution: {lic.attribution}")
        if lic.notes:
            lines.append(f"- Obligations: {lic.notes}")
        lines.append("")
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines), encoding="utf-8")
    return path
