"""Scenario files: one TOML file naming a plan's inputs and every setting.

::

    [scenario]
    name = "thanh-hoa-2026"
    title = "Quy hoạch hạ tầng viễn thông thụ động"
    language = "vi"                      # report language: vi or en

    [inputs]                             # paths relative to this file
    stations = ["viettel.xlsx", "vnpt.csv"]
    dem = "dem.tif"                      # or several: ["n19_e105.hgt", "n20_e105.hgt"]
    population = "population.tif"
    communes = "communes.gpkg"           # optional: roads, candidates, exclusions, fibre_points
    landcover = "landcover.tif"          # optional land cover (ESA WorldCover classes; one file or several)
    # landcover_table = "classes.csv"    # its class table when not WorldCover (towerplan.landcover.table)
    # landcover = false                  # no land cover even where the folder / demo has one
    # study_folder = "studies/thanh-hoa" # or a `towerplan demo` / `towerplan fetch` folder
    # demo = {seed = 2024, resolution_m = 90}   # or the synthetic demo province

    [coverage]                           # CoverageConfig fields, plus:
    technologies = ["4G"]                # which sectors to model
    resolution_m = 90                    # analysis cell size (omit: the DEM's own)
    threshold_dbm = -110.0
    [coverage.itm]                       # ItmSettings fields
    [coverage.link_budget]               # LinkBudget fields (margins)
    [coverage.technology_params.4G]      # TechnologyParams fields

    [service]                            # ServiceSettings fields: the service criterion (default:
    service_class = "outdoor"            # outdoor | in_car | indoor        3GPP-based levels, 75 %)
    location_probability = 0.75          # at the edge of the served area
    # environment, sigma_db, building_type, building_probability, body_loss_db, min_level_4g_dbm ...
    # (towerplan.coverage.criteria); coverage.threshold_dbm is then derived, and giving it too is refused.
    # Without [service], a coverage.threshold_dbm (or link-budget margins) keeps one fixed threshold.

    [gaps]                               # GapConfig fields (threshold: always the coverage one)
    [placement]                          # PlacementSettings fields (budget_towers = max_sites;
                                         # its mast_height_m wins over [candidates] mast_height_m)
    [placement.radio]                    # CandidateRadio fields
    [placement.target]                   # TargetSettings: population_share = 0.99, min_households
    [placement.phasing]                  # PhasingSettings: start_year, budgets_vnd = [...], rule, carry_over
    [placement.upgrade_costs]            # UpgradeCosts (with include_upgrades = true in [placement])
    [switch_off]                         # SwitchOffSettings: technologies = ["2G"] or date = "2028-10-01"
    [costs]                              # CostModel fields (VND)
    [candidates]                         # CandidateConfig fields
    [run]
    executor = "serial"                  # serial | processes | dask
    workers = 2

Sections map onto the settings dataclasses generically, from their fields and
type hints, so a new setting is available here as soon as it exists there.
:func:`load_scenario` collects every problem (unknown keys with a "did you mean",
wrong types, bad values, missing files, paths outside the allowed folders) and
raises one :class:`ScenarioError` (a :class:`~towerplan.errors.ConfigError`)
listing them by TOML key. ``"none"`` sets an optional setting to None
(e.g. ``max_road_distance_m = "none"``).

Paths may only point inside the scenario file's folder (and its subfolders) or
inside ``allowed_roots``: ``..`` escapes, absolute paths elsewhere and symlinks
leading out are refused. The demo's inputs live in towerplan's cache.
"""


from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from towerplan._atomic import atomic_path
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.criteria import ServiceSettings
from towerplan.errors import TowerplanError
from towerplan.planning.candidates import CandidateConfig
from towerplan.planning.costs import CostModel
from towerplan.planning.gaps import GapConfig
from towerplan.planning.shared_towers import PlacementSettings
from towerplan.planning.speed import LoadModel
from towerplan.planning.switchoff import SwitchOffSettings
from towerplan.study.inputs import STUDY_FILES
from towerplan.study.sandbox import check_path, check_paths, resolve_roots
from towerplan.study.scenario import (
    INPUT_KEYS,
    INPUT_PATHS,
    DemoInputs,
    Language,
    Scenario,
    ScenarioError,
    ScenarioInputs,
)
from towerplan.study.service import LINK_BUDGET_MARGIN_KEYS, coverage_for_service, with_calibration_sigma
from towerplan.study.settings import TECHNOLOGIES, Executor, StudySettings, gap_config_for
from towerplan.study.toml_io import BAD, NONE, build_dataclass, convert, show, suggest, toml_type, unknown

__all__ = ["load_scenario", "parse_scenario", "save_scenario", "scenario_from_settings"]

log = logging.getLogger(__name__)

_SECTIONS = ("scenario", "inputs", "coverage", "service", "gaps", "placement", "costs", "candidates", "run", "area",
             "grid", "speed", "switch_off")
_SCENARIO_KEYS = ("name", "title", "language", "description")
#: keys of ``[coverage]`` that are not CoverageConfig fields
_COVERAGE_EXTRA = ("technologies", "resolution_m", "level_offsets_db", "carrier_entry_loss")
_SERVICE_ALIASES = {"class": "service_class"}
#: CoverageConfig fields renamed in the file (its ``technologies`` are the per-technology level definitions)
_COVERAGE_RENAMED = {"technology_params": "technologies"}
_PLACEMENT_ALIASES = {"budget_towers": "max_sites"}
#: PlacementSettings fields that have their own top-level section
_PLACEMENT_OWN_SECTION = {"costs": "costs", "candidates": "candidates"}
_RUN_KEYS = ("executor", "workers")
#: ``[area]`` and ``[grid]`` of the study-folder skeleton written by ``towerplan fetch`` (informational,
#: except ``grid.resolution_m``)
_AREA_KEYS = ("name", "kind", "bounds_lonlat", "crs", "boundary")
_FETCH_ONLY_INPUTS = ("province", "road_graph")


def _parse_inputs(data: Any, base: Path, roots: Sequence[Path], problems: list[str], *,
                  fetch_skeleton: bool) -> ScenarioInputs | None:
    if not isinstance(data, dict):
        problems.append(f"inputs: expected a table, got {toml_type(data)}")
        return None
    kw: dict[str, Any] = {}
    for key, value in data.items():
        where = f"inputs.{key}"
        if key == "landcover" and isinstance(value, bool):
            if value:
                problems.append(f"{where}: true is not a file; name the land-cover GeoTIFF(s), or false for none")
            else:
                kw["landcover_off"] = True
        elif key in ("dem", "stations", "landcover"):
            kw[key] = check_paths(value, where, base, roots, problems)
        elif key == "study_folder":
            kw[key] = check_path(value, where, base, roots, problems, folder=True)
        elif key in INPUT_PATHS:
            kw[key] = check_path(value, where, base, roots, problems)
        elif key == "demo":
            if value is True:
                kw["demo"] = DemoInputs()
            elif value is False:
                pass
            else:
                demo = build_dataclass(DemoInputs, value, where, problems)
                if demo is not BAD:
                    from towerplan.demo import check_options

                    try:
                        check_options(seed=demo.seed, resolution_m=demo.resolution_m)
                        kw["demo"] = demo
                    except TowerplanError as exc:
                        problems.append(f"{where}: {exc}")
        elif key in ("label", "commune_name_column"):
            if isinstance(value, str):
                kw[key] = value
            else:
                problems.append(f"{where}: expected a string, got {toml_type(value)} {show(value)}")
        elif fetch_skeleton and key in _FETCH_ONLY_INPUTS:
            continue  # files of a fetch folder the plan does not read (outline, road graph)
        else:
            unknown(key, where, INPUT_KEYS, problems)
    sources = [k for k in ("study_folder", "demo") if k in data and data[k] is not False]
    if len(sources) > 1:
        problems.append("inputs: give either study_folder or demo, not both")
    elif not sources:
        for key in ("dem", "population", "stations"):
            if key not in data:
                problems.append(f"inputs.{key}: missing (or name a study_folder, or demo = true)")
    elif kw.get("study_folder") is not None:
        folder = kw["study_folder"]
        for key in ("dem", "population", "stations"):
            if key not in data and not (folder / STUDY_FILES[key]).is_file():
                problems.append(f"inputs.study_folder: {STUDY_FILES[key]} not found in {folder} "
                                f"(or name inputs.{key})")
    return ScenarioInputs(**kw)


# ------------------------------------------------------------------ parse
def _section(doc: dict[str, Any], name: str, problems: list[str]) -> dict[str, Any]:
    value = doc.get(name, {})
    if not isinstance(value, dict):
        problems.append(f"{name}: expected a table [{name}], got {toml_type(value)} {show(value)}")
        return {}
    return value


def _technologies(value: Any, problems: list[str]) -> tuple[str, ...] | None:
    if isinstance(value, str) and value.lower() in ("all", NONE):
        return None
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items) or not items:
        problems.append(f"coverage.technologies: expected an array of technologies such as [\"4G\"] or \"all\", "
                        f"got {toml_type(value)} {show(value)}")
        return None
    techs = tuple(v.strip().upper() for v in items)
    bad = [t for t in techs if t not in TECHNOLOGIES]
    if bad:
        problems.append(f"coverage.technologies: unknown {', '.join(map(repr, bad))} "
                        f"(expected {', '.join(TECHNOLOGIES)})")
    return techs


def _gaps(data: dict[str, Any], coverage: Any, coverage_has_threshold: bool | str, problems: list[str]) -> Any:
    """GapConfig from ``[gaps]`` with the threshold of ``[coverage]``; a different ``gaps.threshold_dbm`` is a
    problem naming both keys."""
    threshold = coverage.threshold_dbm if coverage is not BAD else CoverageConfig().threshold_dbm
    given = data.get("threshold_dbm")
    if isinstance(given, int | float) and not isinstance(given, bool) and float(given) != threshold \
            and coverage is not BAD:
        where = ("coverage.threshold_dbm" if coverage_has_threshold is True else
                 f"coverage.threshold_dbm ({coverage_has_threshold})" if coverage_has_threshold else
                 "coverage.threshold_dbm (default)")
        problems.append(f"gaps.threshold_dbm = {given:g} contradicts {where} = {threshold:g}: a cell is served "
                        "at one level for coverage, dead zones and proposals; set it once, as coverage.threshold_dbm")
        return BAD
    return build_dataclass(GapConfig, data, "gaps", problems, base=gap_config_for(
        coverage if coverage is not BAD else CoverageConfig()))


def _service(doc: dict[str, Any], cov: dict[str, Any], inputs: ScenarioInputs | None,
             technologies: tuple[str, ...] | None, problems: list[str]) -> ServiceSettings | None:
    """ServiceSettings from ``[service]``; the default criteria when neither ``[service]`` nor a fixed
    ``coverage.threshold_dbm`` (or link-budget margin) is given; None (one fixed threshold) otherwise."""
    given = cov.get("link_budget")
    link_budget: dict[str, Any] = given if isinstance(given, dict) else {}
    fixed = [f"coverage.{k}" for k in ("threshold_dbm",) if k in cov]
    fixed += [f"coverage.link_budget.{k} = {show(link_budget[k])}" for k, neutral in LINK_BUDGET_MARGIN_KEYS.items()
              if k in link_budget and link_budget[k] != neutral]
    if "service" not in doc:
        if fixed:
            log.info("%s given without [service]: one fixed threshold for every technology", ", ".join(fixed))
            return None
        service: Any = ServiceSettings()
    else:
        data = _section(doc, "service", problems)
        if "calibration_sigma_db" in data:
            problems.append("service.calibration_sigma_db: read from inputs.calibration; give service.sigma_db "
                            "to set the shadowing sigma yourself")
            data = {k: v for k, v in data.items() if k != "calibration_sigma_db"}
        if fixed:
            problems.append(f"{', '.join(fixed)} contradicts [service]: with service criteria the threshold is "
                            "derived (minimum level + losses + margin per technology); remove "
                            f"{' and '.join(f.split(' = ')[0] for f in fixed)} or the [service] table")
            return None
        service = build_dataclass(ServiceSettings, data, "service", problems, base=ServiceSettings(),
                                  aliases=_SERVICE_ALIASES)
        if service is BAD:
            return None
    calibration = inputs.calibration if inputs is not None else None
    if calibration is not None and service.sigma_db is None:
        try:
            service = with_calibration_sigma(service, calibration)
        except TowerplanError as exc:
            problems.append(f"inputs.calibration: {exc}")
    return service  # type: ignore[no-any-return]


def parse_scenario(
    doc: Mapping[str, Any],
    *,
    base_dir: Path,
    allowed_roots: Iterable[os.PathLike[str] | str] | None = None,
    path: Path | None = None,
    source: str = "scenario",
) -> Scenario:
    """A :class:`Scenario` from a parsed TOML document (paths relative to ``base_dir``).

    Raises
    ------
    ScenarioError
        Listing every problem found, by TOML key.
    """
    problems: list[str] = []
    doc = dict(doc)
    roots = resolve_roots(Path(base_dir), allowed_roots)
    for name in doc:
        if name not in _SECTIONS:
            problems.append(f"[{name}]: unknown section{suggest(name, _SECTIONS[:9])}")
    fetch_skeleton = "area" in doc or "grid" in doc
    # [scenario]
    meta = _section(doc, "scenario", problems)
    kw: dict[str, Any] = {}
    for key, value in meta.items():
        if key not in _SCENARIO_KEYS:
            unknown(key, f"scenario.{key}", _SCENARIO_KEYS, problems)
        elif key == "language":
            out = convert(value, Language, "scenario.language", problems)
            if out is not BAD:
                kw["language"] = out
        elif not isinstance(value, str):
            problems.append(f"scenario.{key}: expected a string, got {toml_type(value)} {show(value)}")
        else:
            kw[key] = value
    if "name" not in kw and path is not None:
        kw["name"] = path.stem
    # [area], [grid] (a `towerplan fetch` skeleton)
    area = _section(doc, "area", problems)
    for key in area:
        if key not in _AREA_KEYS:
            unknown(key, f"area.{key}", _AREA_KEYS, problems)
    grid = _section(doc, "grid", problems)
    resolution = None
    for key, value in grid.items():
        if key != "resolution_m":
            unknown(key, f"grid.{key}", ("resolution_m",), problems)
        else:
            resolution = convert(value, float, "grid.resolution_m", problems)
    if "inputs" not in doc:
        problems.append("[inputs]: missing (name the input files, a study_folder, or demo = true)")
        inputs = None
    else:
        inputs = _parse_inputs(doc["inputs"], Path(base_dir), roots, problems, fetch_skeleton=fetch_skeleton)
    # [coverage]
    cov = _section(doc, "coverage", problems)
    technologies: tuple[str, ...] | None = ("4G",)
    if "technologies" in cov:
        technologies = _technologies(cov["technologies"], problems)
    if "resolution_m" in cov:
        resolution = convert(cov["resolution_m"], float | None, "coverage.resolution_m", problems)
    if isinstance(resolution, float) and not (1.0 <= resolution <= 1000.0):
        problems.append(f"coverage.resolution_m: {resolution:g} m must be within 1-1000 m")
    if resolution is BAD:
        resolution = None
    coverage = build_dataclass(CoverageConfig, cov, "coverage", problems, base=CoverageConfig(), skip=_COVERAGE_EXTRA,
                      renamed=_COVERAGE_RENAMED)
    for derived in ("level_offsets_db", "carrier_entry_loss"):
        if derived in cov:
            problems.append(f"coverage.{derived}: derived from [service] (the technologies' required levels); "
                            "leave it out")
    # [service]: the service criterion, from which coverage.threshold_dbm is derived
    service = _service(doc, cov, inputs, technologies, problems)
    if service is not None and coverage is not BAD:
        try:
            coverage = coverage_for_service(coverage, service, technologies)
        except TowerplanError as exc:
            problems.append(str(exc))
            coverage = BAD
    # [gaps]: the threshold is the service criterion of [coverage]
    gaps = _gaps(_section(doc, "gaps", problems), coverage,
                 "derived from [service]" if service is not None else "threshold_dbm" in cov, problems)
    # [costs], [candidates], [placement]
    costs = build_dataclass(CostModel, _section(doc, "costs", problems), "costs", problems, base=CostModel())
    cands = build_dataclass(CandidateConfig, _section(doc, "candidates", problems), "candidates", problems,
                   base=CandidateConfig())
    placement = None
    if "placement" in doc:
        pdoc = _section(doc, "placement", problems)
        extra = {k: v for k, v in (("costs", costs), ("candidates", cands)) if v is not BAD}
        placement = build_dataclass(PlacementSettings, pdoc, "placement", problems, aliases=_PLACEMENT_ALIASES,
                           elsewhere=_PLACEMENT_OWN_SECTION, extra=extra)
        if placement is not BAD and not placement.has_limit:
            problems.append("placement: give a tower count (max_sites, or budget_towers) or a money budget "
                            "(budget_vnd), or both (or yearly budgets [placement.phasing], or a target "
                            "[placement.target]); leave [placement] out to skip the proposals")
    elif doc.get("costs") or doc.get("candidates"):
        log.info("[costs] / [candidates] given without [placement]: no proposals are computed")
    # [speed]: the load model and speed targets of the speed analysis
    speed = build_dataclass(LoadModel, _section(doc, "speed", problems), "speed", problems, base=LoadModel())
    run_speed: dict[str, Any] = {} if speed is BAD else {"speed": speed}
    # [run]
    run = _section(doc, "run", problems)
    run_kw: dict[str, Any] = {}
    for key, value in run.items():
        if key == "executor":
            out = convert(value, Executor, "run.executor", problems)
            if out is not BAD:
                run_kw["executor"] = out
        elif key == "workers":
            out = convert(value, int | None, "run.workers", problems)
            if isinstance(out, int) and out < 1:
                problems.append(f"run.workers: must be at least 1, got {out}")
            elif out is not BAD:
                run_kw["workers"] = out
        else:
            unknown(key, f"run.{key}", _RUN_KEYS, problems)
    switch_off = None
    if "switch_off" in doc:
        switch_off = build_dataclass(SwitchOffSettings, _section(doc, "switch_off", problems), "switch_off", problems)
    settings = None
    if not problems:
        try:
            settings = StudySettings(coverage=coverage, technologies=technologies, resolution_m=resolution,
                                     gaps=gaps, placement=placement, service=service, switch_off=switch_off,
                                     **run_kw, **run_speed)
        except TowerplanError as exc:
            problems.append(str(exc))
    if problems:
        raise ScenarioError(problems, source=source)
    assert inputs is not None
    assert settings is not None
    return Scenario(inputs=inputs, settings=settings, path=path, **kw)


def load_scenario(path: os.PathLike[str] | str, *, allowed_roots: Iterable[os.PathLike[str] | str] | None = None
                  ) -> Scenario:
    """Read and check a scenario file.

    Parameters
    ----------
    path
        The TOML file; relative input paths are resolved against its folder.
    allowed_roots
        Folders besides the file's own (and its subfolders) that inputs may come from.

    Raises
    ------
    UnreadableFileError
        The file is missing or not text.
    ScenarioError
        Invalid TOML, or every problem of its contents listed by TOML key.
    """
    from towerplan.toml_input import TomlSyntaxError, read_toml

    p = Path(path)
    try:  # size, nesting depth, NUL in the path, devices and pipes: towerplan.toml_input
        doc, _ = read_toml(p)
    except TomlSyntaxError as exc:
        raise ScenarioError([str(exc)], source=p.name) from exc
    return parse_scenario(doc, base_dir=p.resolve().parent, allowed_roots=allowed_roots, path=p.resolve(),
                          source=p.name)


def save_scenario(scenario: Scenario, path: os.PathLike[str] | str) -> Path:
    """Write ``scenario`` as TOML to ``path`` (atomically); input paths relative to its folder where inside it."""
    p = Path(path)
    text = scenario.to_toml(relative_to=p.resolve().parent)
    with atomic_path(p) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return p


def scenario_from_settings(
    *,
    inputs: ScenarioInputs | Mapping[str, Any],
    name: str = "scenario",
    title: str = "",
    language: Language = "vi",
    description: str = "",
    coverage: CoverageConfig | None = None,
    technologies: Sequence[str] | None = ("4G",),
    resolution_m: float | None = None,
    gaps: GapConfig | None = None,
    placement: PlacementSettings | None = None,
    executor: Executor = "serial",
    workers: int | None = None,
    path: os.PathLike[str] | str | None = None,
    settings: StudySettings | None = None,
) -> Scenario:
    """A scenario from settings objects (e.g. the app's current state), checked like a file.

    ``settings`` (a :class:`StudySettings`) replaces ``coverage`` ... ``workers``; without it they
    are checked as one :class:`StudySettings` (``gaps`` must carry the coverage threshold, or be
    None for the defaults).

    ``inputs``: a :class:`ScenarioInputs` or a mapping of its fields (paths as
    strings or Paths, ``dem``/``stations`` one or several, ``demo`` a
    :class:`DemoInputs`, True or a dict). The result goes through the same checks
    as a file (:func:`parse_scenario` of :meth:`Scenario.to_dict`), so what saves
    also loads.
    """
    if isinstance(inputs, ScenarioInputs):
        ins = inputs
    else:
        data = dict(inputs)
        if data.get("landcover") is False:
            data["landcover"], data["landcover_off"] = (), True
        for key in ("dem", "stations", "landcover"):
            v = data.get(key)
            if v is not None:
                data[key] = tuple(Path(x).resolve() for x in ([v] if isinstance(v, str | os.PathLike) else v))
        for key in ("population", "communes", "roads", "candidates", "exclusions", "fibre_points",
                    "study_folder", "calibration", "landcover_table"):
            if data.get(key) is not None:
                data[key] = Path(data[key]).resolve()
        demo = data.get("demo")
        if demo is True:
            data["demo"] = DemoInputs()
        elif isinstance(demo, Mapping):
            data["demo"] = DemoInputs(**demo)
        elif demo is False:
            data["demo"] = None
        unknown = sorted(set(data) - {*INPUT_KEYS, "landcover_off"})
        if unknown:
            raise ScenarioError([f"inputs.{k}: unknown key{suggest(k, INPUT_KEYS)}" for k in unknown])
        ins = ScenarioInputs(**data)
    p = Path(path).resolve() if path is not None else None
    if settings is None:
        cov = coverage or CoverageConfig()
        try:
            settings = StudySettings(
                coverage=cov, technologies=None if technologies is None else tuple(t.upper() for t in technologies),
                resolution_m=None if resolution_m is None else float(resolution_m),
                gaps=gaps if gaps is not None else gap_config_for(cov), placement=placement, executor=executor,
                workers=workers)
        except TowerplanError as exc:
            raise ScenarioError([str(exc)]) from exc
    draft = Scenario(inputs=ins, settings=settings, name=name, title=title, language=language,
                     description=description, path=p)
    base = p.parent if p is not None else Path.cwd()
    roots = {r.resolve() for r in _input_roots(ins)}
    return parse_scenario(draft.to_dict(relative_to=None), base_dir=base, allowed_roots=roots, path=p)


def _input_roots(inputs: ScenarioInputs) -> list[Path]:
    """Folders of the given inputs (the app's own uploads are allowed where they are)."""
    roots = []
    for value in inputs.paths().values():
        for p in value if isinstance(value, tuple) else (value,):
            roots.append(p if p.is_dir() else p.parent)
    return roots


