"""What the app says about the land cover: where it comes from, its clutter table and which model uses it.

Text only (the land cover itself is read by :mod:`towerplan.study`, drawn by
:mod:`towerplan.maps.landcover`); used by the Data and Coverage pages.
"""

from __future__ import annotations

from collections.abc import Mapping

from app_pages.common import lang, tr
from towerplan.i18n import t
from towerplan.study import StudyInputs
from towerplan.study.land_cover_record import MODELS_USING_CLUTTER, land_cover_of

__all__ = ["has_land_cover", "land_cover_line", "land_cover_source", "model_line"]


def has_land_cover(inputs: StudyInputs) -> bool:
    """Whether the study has a land-cover raster (not the default class everywhere)."""
    return land_cover_of(inputs).source != "none"


def land_cover_source(inputs: StudyInputs) -> str:
    """The land cover's file name(s), or the default class, in the UI language."""
    cover = land_cover_of(inputs)
    return tr("lc_default") if cover.source == "none" else cover.source


def land_cover_line(inputs: StudyInputs) -> str:
    """One line for the Data page: source and its largest classes."""
    cover = land_cover_of(inputs)
    if cover.source == "none":
        return tr("summary_landcover", source=tr("lc_default"), classes=cover.table.name)
    return tr("summary_landcover", source=cover.source, classes=cover.describe(lang=lang()))


def model_line(models: Mapping[str, int], config_model: str, inputs: StudyInputs, language: str) -> list[str]:
    """What the Coverage page says after a run: the model(s) used, the land-cover source and its clutter
    table; and, when the land cover is there but no model used it, or when there is none, a note."""
    used = sorted(models) or [config_model]
    names = ", ".join(t(f"model_{m}", language) for m in used)
    if config_model == "auto":
        names = f"auto → {names}"
    cover = land_cover_of(inputs)
    lines = [t("lc_line", language, model=names, source=land_cover_source(inputs), table=cover.table.name)]
    if cover.source == "none":
        lines.append(t("lc_default_warning", language))
    elif not any(m in MODELS_USING_CLUTTER for m in used):
        lines.append(t("lc_not_used", language, models=", ".join(t(f"model_{m}", language) for m in used)))
    return lines
