"""What a plan's method record says about its land cover: the source, the clutter table, who used it.

:func:`land_cover_method` is the ``land_cover`` entry of ``method.json`` (and of the
report's method section, :func:`towerplan.export.report_model.method_blocks`): the
land-cover file(s) with their sha256, or ``"default class"`` when none was given;
the class table (ESA WorldCover's, or the scenario's ``landcover_table`` file with its
sha256) and the clutter each class present maps to; which of the run's models take
the clutter; and the warnings (default class used, cells without data).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from towerplan.hashing import sha256_file
from towerplan.landcover import DEFAULT_CLASS, LandCover, default_land_cover
from towerplan.study.inputs import LANDCOVER_TABLE_ROLE, StudyInputs

__all__ = ["DEFAULT_SOURCE", "MODELS_USING_CLUTTER", "MODELS_WITH_TERMINAL_LOSS", "land_cover_method", "land_cover_of"]

#: what the method names as the source when no land cover was given
DEFAULT_SOURCE = "default class"
#: models of the engine that take the land cover as a clutter profile (ITU-R P.1812-7 §3.2)
MODELS_USING_CLUTTER = ("p1812",)
#: models to which the engine adds the ITU-R P.2108 §3.1 terminal clutter loss of each cell's class
MODELS_WITH_TERMINAL_LOSS = ("fspl", "itm")


def land_cover_of(inputs: StudyInputs) -> LandCover:
    """The study's land cover (the default class everywhere for inputs built without one)."""
    return inputs.land_cover if inputs.land_cover is not None else default_land_cover(inputs.dem)


def _file_entries(files: Mapping[str, Path], role: str) -> list[dict[str, Any]]:
    def ours(r: str) -> bool:  # ``landcover``, ``landcover_2`` ... (not ``landcover_table``)
        return r == role or (r.startswith(f"{role}_") and r[len(role) + 1:].isdigit())

    found = [p for r, p in sorted(files.items()) if ours(r)]
    return [{"file": Path(p).name, "sha256": sha256_file(p) if Path(p).is_file() else None} for p in found]


def _use(models: Sequence[str], *, terminal: bool = False) -> str:
    using = [m for m in models if m in MODELS_USING_CLUTTER]
    with_loss = [m for m in models if terminal and m in MODELS_WITH_TERMINAL_LOSS]
    others = [m for m in models if m not in MODELS_USING_CLUTTER and m not in with_loss]
    parts = []
    if using:
        parts.append(f"{', '.join(using)}: clutter heights R and categories along each profile (ITU-R P.1812-7 §3.2)")
    if with_loss:
        parts.append(f"{', '.join(with_loss)}: the terminal clutter loss of each cell's class (ITU-R P.2108-1 §3.1, "
                     "median)")
    if others:
        parts.append(f"{', '.join(others)}: not used (terrain-only or empirical models; their levels do not depend "
                     "on the land cover)")
    return "; ".join(parts) if parts else "no model ran"


def land_cover_method(inputs: StudyInputs, *, models: Sequence[str] = ()) -> dict[str, Any]:
    """The ``land_cover`` entry of the method record.

    ``models``: the path-loss models the coverage used (the coverage summary's ``models``).
    Keys: ``source`` (file names, or :data:`DEFAULT_SOURCE`), ``files`` (name and sha256 of each),
    ``table``, ``table_source``, ``table_file`` (name and sha256 of a scenario's table file, or
    None), ``clutter_table`` (every class of the table and its clutter), ``default_class`` (what
    cells without land cover use), ``classes`` (each class present: code, name, P.1812 category,
    clutter height, cells, percent), ``models_using``, ``used_by`` (a sentence), ``terminal_clutter``
    (the models given the ITU-R P.2108 §3.1 terminal clutter loss and how, when a land cover was given
    and ITM or free space ran; else None) and ``warnings``.
    """
    from towerplan.coverage.terminal_clutter import METHOD_TEXT
    cover = land_cover_of(inputs)
    summary = cover.summary()
    terminal = sorted(m for m in models if m in MODELS_WITH_TERMINAL_LOSS)
    files = _file_entries(inputs.files, "landcover")
    table_files = _file_entries(inputs.files, LANDCOVER_TABLE_ROLE)
    default = DEFAULT_CLASS
    return {
        "source": DEFAULT_SOURCE if cover.source == "none" else cover.source,
        "files": files,
        "table": summary["table"],
        "table_source": summary["table_source"],
        "table_file": table_files[0] if table_files else None,
        "clutter_table": cover.table.to_rows(),
        "default_class": (f"{default.name}: P.1812 clutter category {default.clutter} ({default.clutter_name}), "
                          f"clutter height {default.height_m:g} m"),
        "classes": summary["classes"],
        "models_using": sorted(m for m in models if m in MODELS_USING_CLUTTER),
        "used_by": _use(sorted(models), terminal=cover.source != "none"),
        "terminal_clutter": ({"models": terminal, "method": METHOD_TEXT} if cover.source != "none" and terminal
                             else None),
        "warnings": summary["warnings"],
    }
