"""Run records of a plan: the headline summary, the method record and the export package.

:func:`plan_summary` (deterministic figures for ``summary.json``), :func:`method_record`
(models with validity ranges, every setting, input checksums) and :func:`plan_package`
(the export's :class:`~towerplan.export.package.PlanPackage`). Run times are kept out
of both records, so reruns give byte-identical outputs.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from towerplan.coverage.config import CoverageConfig
from towerplan.export.commands import server_names
from towerplan.grid import Grid
from towerplan.planning.coverage_stats import operator_slug
from towerplan.study.service import criterion_record
from towerplan.study.steps import PlanResults

if TYPE_CHECKING:  # pragma: no cover
    from towerplan.export.package import PlanPackage

__all__ = ["jsonable", "method_record", "plan_package", "plan_summary", "preparation_date", "server_names"]

log = logging.getLogger(__name__)

#: keys of summaries that change from run to run (kept out of summary.json and the method; logged)
_VOLATILE = re.compile(r"(runtime|timing|elapsed|wall_s|duration)", re.IGNORECASE)


def jsonable(value: Any) -> Any:
    """Plain JSON types (dataclasses, numpy scalars, paths, tuples); NaN/inf as None."""
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(asdict(value))
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [jsonable(v) for v in items]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if value is None or isinstance(value, int | str):
        return value
    return str(value)


def _split_volatile(data: Any, moved: dict[str, Any], prefix: str = "") -> Any:
    """``data`` without run-time figures (runtimes, timings), which go into ``moved``."""
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            if _VOLATILE.search(k):
                moved[f"{prefix}{k}"] = v
            else:
                out[k] = _split_volatile(v, moved, f"{prefix}{k}.")
        return out
    return data


def plan_summary(results: PlanResults) -> tuple[dict[str, Any], dict[str, Any]]:
    """Headline figures (deterministic, JSON-ready) and the run-time figures kept out of them.

    ``figures`` holds the :class:`~towerplan.study.summary.StudySummary` figures every front end
    shows (rounded as shown); the other keys are the detailed figures they come from.

    Population total, covered per operator / technology / by any / by two or more,
    uncovered, dead zones (count, people), road km, stations, area covered and, with a
    placement, proposals, people newly covered and cost (VND) with the solver's figures.
    """
    from towerplan.study.summary import summary_of_results

    study = summary_of_results(results)
    gaps = results.gaps.summary()
    moved: dict[str, Any] = {}
    summary: dict[str, Any] = {
        "study": results.inputs.label,
        "data_origin": study.origin.as_dict(),
        "figures": study.figures(),
        "technologies": list(results.technologies) if results.technologies else "all",
        "threshold_dbm": results.coverage_config.threshold_dbm,
        "service_criterion": criterion_record(results.coverage_config, results.settings.service,
                                              results.technologies),
        "population_total": gaps.get("total_people"),
        "covered_by_operator": gaps.get("covered_by_operator"),
        "covered_by_technology": gaps.get("covered_by_technology"),
        "covered_any_operator": gaps.get("covered_any_operator"),
        "covered_two_or_more_operators": gaps.get("covered_two_or_more_operators"),
        "uncovered": gaps.get("uncovered"),
        "covered_any_pct": gaps.get("covered_any_pct"),
        "gap_count": gaps.get("gap_count"),
        "gap_people": gaps.get("gap_people"),
    }
    for key in ("road_km", "road_covered_km"):
        if key in gaps:
            summary[key] = gaps[key]
    cov = results.coverage.summary()
    modelled = study.modelled
    summary["stations"] = {"sectors_modelled": cov["stations"]["used"],
                           "sites": modelled.sites if modelled else None,
                           "skipped": cov["stations"]["skipped"], "sectors_in_inputs": study.inputs.sectors,
                           "sites_in_inputs": study.inputs.sites, "towers_in_inputs": study.inputs.towers}
    summary["area_covered_km2"] = {"any_operator": cov["any_operator"]["area_km2"],
                                   **{k: v["area_km2"] for k, v in cov["operators"].items()}}
    if results.placement is not None:
        placed = _split_volatile(jsonable(results.placement.summary()), moved, "placement.")
        summary["proposals"] = placed.get("proposals")
        summary["people_newly_covered"] = placed.get("people_newly_covered")
        summary["cost_vnd"] = placed.get("cost_vnd")
        summary["capex_vnd"] = placed.get("capex_vnd")
        summary["present_value_vnd"] = placed.get("present_value_vnd")
        summary["placement"] = placed
        if placed.get("warnings"):  # e.g. towers assumed fibre-fed: the plan must say so
            summary["warnings"] = [*summary.get("warnings", []), *placed["warnings"]]
    else:
        summary["placement"] = None
    speed = getattr(results, "speed", None)
    if speed is not None:  # coverage.sinr: people reaching the speed targets (Decision 36/QĐ-TTg)
        summary["speed"] = {**speed.summary(), "market_share": dict(speed.load.market_share),
                            "other_share": speed.load.other_share}
    if results.inputs.units_label:
        summary["admin_units"] = results.inputs.units_label  # which units the per-commune tables use
    if results.villages is not None:
        from towerplan.study.villages_step import villages_summary

        summary["villages"] = villages_summary(results.villages)
        from towerplan.study.summary import study_area_population
        from towerplan.study.villages_step import village_target_summary

        village_target = village_target_summary(results.villages, results.placement, results.inputs.dem,
                                                people=study_area_population(results.inputs))
        if village_target is not None and summary["villages"] is not None:  # every village of > N households
            summary["villages"]["target"] = village_target
    if results.switch_off is not None:
        from towerplan.planning.plan_summary import switch_off_summary

        summary["switch_off"] = switch_off_summary(results.switch_off)
    return jsonable(summary), jsonable(moved)


_MODEL_TEXT = {
    "hata": "Okumura-Hata + terrain diffraction beyond the smooth earth (ITU-R P.526)",
    "cost231": "COST-231 Hata + terrain diffraction beyond the smooth earth (ITU-R P.526)",
    "itm": "Longley-Rice ITM v1.2.2 (point-to-point; valid 20 MHz - 20 GHz, 1-2000 km, antennas 0.5-3000 m)",
    "fspl": "free space + one knife edge (no clutter: an optimistic bound)",
}


_DIFFRACTION_TEXT = {"none": "no terrain diffraction", "deygout": "Deygout terrain diffraction",
                    "bullington": "Bullington terrain diffraction",
                    "delta_bullington": "Delta-Bullington terrain diffraction"}


def _models(counts: Mapping[str, int], config: CoverageConfig, *, land_cover: str | None = None) -> dict[str, str]:
    """Model -> description, validity range and number of sectors it was used for (``land_cover``: its
    source and table for P.1812, None when none was given)."""
    from towerplan.coverage.propagation import VALIDITY_RANGES

    out = {}
    for name in sorted(counts):
        text = _MODEL_TEXT.get(name, name)
        if name in ("hata", "cost231"):
            text = text.replace("terrain diffraction", _DIFFRACTION_TEXT.get(config.diffraction, config.diffraction))
        if name == "p1812":
            from towerplan.coverage.p1812 import p1812_method_text

            text = p1812_method_text(config.p1812, land_cover=land_cover)
        if name in ("itm", "fspl") and land_cover:  # the engine adds the P.2108 terminal clutter loss
            text += f"; + ITU-R P.2108-1 §3.1 terminal clutter loss, median, by the class of {land_cover}"
        rng = VALIDITY_RANGES.get(name)
        if rng:
            f, d, hb, hm = (rng[k] for k in ("freq_mhz", "distance_m", "h_base_m", "h_mobile_m"))
            text += (f"; valid {f[0]:g}-{f[1]:g} MHz, {d[0] / 1e3:g}-{d[1] / 1e3:g} km, base antenna "
                     f"{hb[0]:g}-{hb[1]:g} m, mobile {hm[0]:g}-{hm[1]:g} m (beyond: extrapolated)")
        out[name] = f"{text}; {counts[name]} sectors"
    return out


def preparation_date() -> str:
    """The plan's preparation date (ISO ``YYYY-MM-DD``, UTC): the day of ``$SOURCE_DATE_EPOCH`` when set
    (reproducible builds: the same date on every rerun), else today. It is the report's date and the
    PDF's creation date; the rest of the record holds no run time."""
    import datetime

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            when = datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
        except (ValueError, OverflowError, OSError):
            log.warning("SOURCE_DATE_EPOCH=%r is not a Unix time; today's date is used", epoch)
        else:
            return when.date().isoformat()
    return datetime.datetime.now(tz=datetime.UTC).date().isoformat()


def method_record(
    results: PlanResults,
    *,
    extra: Mapping[str, Any] | None = None,
    base_dir: Path | None = None,
) -> dict[str, Any]:
    """The method (:func:`towerplan.export.method.method_section`): models with their validity
    ranges, every setting, input files with sha256, the land cover (source, clutter table, which
    models used it: :func:`towerplan.study.land_cover_record.land_cover_method`), notes, towerplan version.

    Run times are left out so that reruns give identical outputs. ``extra`` is merged in:
    its ``settings`` and ``models`` into those of the record, its ``notes`` appended, other
    keys set. Input paths are written relative to ``base_dir`` where inside it.
    """
    from towerplan.export.method import method_section
    from towerplan.study.land_cover_record import DEFAULT_SOURCE, land_cover_method

    cov = results.coverage.summary()
    land_cover = land_cover_method(results.inputs, models=list(cov.get("models", {})))
    cover_text = (None if land_cover["source"] == DEFAULT_SOURCE
                  else f"{land_cover['source']} (class table: {land_cover['table']})")
    settings: dict[str, Any] = {
        "study": results.inputs.label,
        "technologies": list(results.technologies) if results.technologies else "all",
        "grid": cov.get("grid", {}),
        "coverage": results.coverage_config.to_dict(),
        "gaps": {k: getattr(results.gaps.config, k) for k in results.gaps.config.__dataclass_fields__},
        "gap_score_formula": results.gaps.score_formula,
        "service": None if results.settings.service is None else asdict(results.settings.service),
    }
    if results.placement is not None:
        settings["placement"] = jsonable(results.placement.settings)
    if results.settings.switch_off is not None:
        from towerplan.planning.switchoff import SWITCH_OFF_CALENDAR

        settings["switch_off"] = {**jsonable(results.settings.switch_off), "off": list(results.settings.switch_off.off),
                                  "calendar": {t: d.isoformat() for t, d in SWITCH_OFF_CALENDAR.items()}}
    notes = [*results.gaps.notes]
    if results.inputs.station_report is not None and len(results.inputs.station_report):
        rep = results.inputs.station_report
        errors = int((rep["severity"] == "error").sum()) if "severity" in rep else 0
        notes.append(f"station lists: {errors} error(s) (rows left out) and {len(rep) - errors} warning(s) "
                     "(defaults used); see `towerplan validate`")
    notes.extend(land_cover["warnings"])
    method = method_section(models=_models(cov.get("models", {}), results.coverage_config, land_cover=cover_text),
                            settings=jsonable(settings), input_files=dict(sorted(results.inputs.files.items())),
                            notes=notes, base_dir=base_dir, date=preparation_date())
    method["land_cover"] = jsonable(land_cover)
    for key, value in (extra or {}).items():
        if key in ("settings", "models") and isinstance(value, Mapping):
            method[key] = {**method[key], **jsonable(value)}
        elif key == "notes":
            method["notes"] = [*method["notes"], *map(str, value)]
        else:
            method[key] = jsonable(value)
    return method


def plan_package(
    results: PlanResults,
    *,
    title: str,
    method: Mapping[str, Any] | None = None,
    base_dir: Path | None = None,
) -> PlanPackage:
    """The export package of a plan (:class:`towerplan.export.package.PlanPackage`).

    Rasters: ``best_rsrp_dbm``, ``best_server``, ``server_count``, ``rsrp_<operator>_dbm``,
    and with a placement ``coverage_before_dbm`` / ``coverage_after_dbm``. ``method`` is
    merged into :func:`method_record` (``base_dir``: input paths relative to it).
    """
    from towerplan.export.package import PlanPackage

    cov = results.coverage
    rasters: dict[str, Grid] = {"best_rsrp_dbm": cov.best_level, "best_server": cov.best_server,
                                "server_count": cov.server_count}
    for name in sorted(cov.operator_levels):
        rasters[f"rsrp_{operator_slug(name)}_dbm"] = cov.operator_levels[name]
    if cov.sinr is not None:  # coverage.sinr = true: SINR, throughput and uplink rasters per operator
        from towerplan.coverage.radio_maps import radio_maps

        rasters.update({f.removesuffix(".tif"): g for f, (g, _, _) in radio_maps(cov).rasters(operator_slug).items()})
    plan = results.placement
    proposals = curve = None
    if plan is not None:
        rasters["coverage_before_dbm"] = plan.before
        rasters["coverage_after_dbm"] = plan.after
        proposals = plan.result.proposals
        if plan.phasing is not None and len(proposals):  # each proposal's year (phasing)
            proposals = proposals.assign(phase_rank=plan.phasing.proposals["phase_rank"].to_numpy(),
                                         target_year=plan.phasing.proposals["target_year"].to_numpy())
        curve = plan.result.curve
    summary, _ = plan_summary(results)
    gaps = results.gaps
    speed = getattr(results, "speed", None)
    return PlanPackage(
        title=title,
        study_label=results.inputs.label,
        stations=results.inputs.stations,
        gaps=gaps.gaps,
        proposals=proposals,
        commune_stats=gaps.commune_stats,
        road_coverage=gaps.road_pieces,
        curve=curve,
        rasters=rasters,
        summary=summary,
        method=method_record(results, extra=method, base_dir=base_dir),
        server_names=server_names(cov),
        speed_communes=speed.communes if speed is not None else None,
        villages=results.villages,
        extra_tables=_option_tables(results),
    )


def _option_tables(results: PlanResults) -> dict[str, Any]:
    from towerplan.planning.plan_summary import plan_option_tables

    return plan_option_tables(results.placement, results.switch_off)
