"""The scenario model: a plan's inputs, its :class:`~towerplan.study.settings.StudySettings`
and what it is called.

A scenario is written as one TOML file (read and written by
:mod:`towerplan.study.scenario_file`, whose docstring shows the file)::

    [scenario]  name, title, language, description
    [inputs]    files, a study_folder, or demo = {seed, resolution_m}
    [coverage]  CoverageConfig + technologies, resolution_m   (the service threshold lives here)
    [gaps]      GapConfig (its threshold is the coverage one)
    [placement] PlacementSettings, [placement.radio], [costs], [candidates]
    [speed]     LoadModel: market_share, other_share, busy_hour_activity, targets_mbps
    [run]       executor, workers
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from towerplan.coverage.config import CoverageConfig
from towerplan.errors import ConfigError
from towerplan.planning.gaps import GapConfig
from towerplan.planning.shared_towers import PlacementSettings
from towerplan.study.folder import folder_files
from towerplan.study.inputs import STUDY_FILES, StudyInputs, read_study_files
from towerplan.study.settings import Executor, StudySettings
from towerplan.study.toml_io import dumps, plain

__all__ = ["INPUT_KEYS", "INPUT_PATHS", "STUDY_FILES", "DemoInputs", "Language", "Scenario", "ScenarioError",
           "ScenarioInputs", "default_cache_dir", "scenario_dict"]

Language = Literal["vi", "en"]

INPUT_PATHS = ("dem", "population", "stations", "communes", "roads", "candidates", "exclusions", "fibre_points",
               "study_folder", "calibration", "villages", "admin_units", "no_signal_villages", "landcover",
               "landcover_table")
INPUT_KEYS = (*INPUT_PATHS, "demo", "label", "commune_name_column")


#: environment variable naming towerplan's cache folder (the tests point it at a temporary folder)
CACHE_ENV = "TOWERPLAN_CACHE_DIR"


def default_cache_dir() -> Path:
    """Where the demo inputs (and downloads) are kept: ``$TOWERPLAN_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/towerplan``, else ``~/.cache/towerplan``; the app and every command use it."""
    import os

    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "towerplan"


class ScenarioError(ConfigError):
    """A scenario is invalid; ``problems`` lists every problem as ``"key.path: message"``."""

    def __init__(self, problems: list[str] | tuple[str, ...], *, source: str = "scenario") -> None:
        self.problems = list(problems)
        n = len(self.problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source}: {n} problem{'s' if n != 1 else ''}:\n{lines}")


@dataclass(frozen=True)
class DemoInputs:
    """The synthetic demo province as inputs (generated into the cache on first use)."""

    seed: int = 2024
    resolution_m: float = 90.0


@dataclass(frozen=True)
class ScenarioInputs:
    """Input files of a scenario (absolute paths), a study folder, or the demo.

    Files named explicitly win over those of ``study_folder`` / ``demo``.
    """

    dem: tuple[Path, ...] = ()
    population: Path | None = None
    stations: tuple[Path, ...] = ()
    communes: Path | None = None
    roads: Path | None = None
    candidates: Path | None = None
    exclusions: Path | None = None
    fibre_points: Path | None = None
    study_folder: Path | None = None
    calibration: Path | None = None  # calibration.json of `towerplan calibrate`, applied to the stations
    villages: Path | None = None  # village list (CSV/XLSX) or OSM villages.csv of `towerplan fetch --villages`
    admin_units: Path | None = None  # administrative units replacing the communes (e.g. after the 2025 reform)
    no_signal_villages: Path | None = None  # the province's list of villages reported without signal
    #: land-cover GeoTIFF(s) (ESA WorldCover classes, or those of ``landcover_table``) for the clutter
    landcover: tuple[Path, ...] = ()
    landcover_table: Path | None = None  # class table (CSV / TOML) replacing ESA WorldCover's
    #: ``landcover = false``: no land cover even where the study folder / demo has one (every cell the default class)
    landcover_off: bool = False
    demo: DemoInputs | None = None
    label: str = ""
    commune_name_column: str | None = None

    def paths(self) -> dict[str, Path | tuple[Path, ...]]:
        """Every path given, by key."""
        return {k: getattr(self, k) for k in INPUT_PATHS if getattr(self, k) not in (None, ())}


@dataclass(frozen=True, eq=False)
class Scenario:
    """A whole plan run: inputs, every setting (:class:`StudySettings`) and its name.

    Equality compares the contents (:meth:`to_dict`), not where the file was read from.
    ``coverage``, ``gaps``, ``placement``, ``technologies``, ``resolution_m``, ``executor``
    and ``workers`` read the settings.
    """

    inputs: ScenarioInputs
    settings: StudySettings = field(default_factory=StudySettings)
    name: str = "scenario"
    title: str = ""
    language: Language = "vi"
    description: str = ""
    path: Path | None = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True, default=str))

    # the settings, read-only
    @property
    def coverage(self) -> CoverageConfig:
        return self.settings.coverage

    @property
    def gaps(self) -> GapConfig:
        return self.settings.gaps

    @property
    def placement(self) -> PlacementSettings | None:
        return self.settings.placement

    @property
    def technologies(self) -> tuple[str, ...] | None:
        return self.settings.technologies

    @property
    def resolution_m(self) -> float | None:
        return self.settings.resolution_m

    @property
    def executor(self) -> Executor:
        return self.settings.executor

    @property
    def workers(self) -> int | None:
        return self.settings.workers

    def with_resolution(self, resolution_m: float | None) -> Scenario:
        """The same scenario read at another analysis resolution."""
        return replace(self, settings=self.settings.replace(resolution_m=resolution_m))

    @property
    def base_dir(self) -> Path:
        """The folder relative paths are written against (the file's folder, else the working folder)."""
        return self.path.parent if self.path is not None else Path.cwd()

    def to_dict(self, *, relative_to: Path | None = None) -> dict[str, Any]:
        """The TOML document as a dict (every setting; paths relative to ``relative_to`` where inside it)."""
        return scenario_dict(self, relative_to)

    def to_toml(self, *, relative_to: Path | None = None) -> str:
        """The scenario as TOML text (``relative_to``: default the file's own folder)."""
        base = relative_to if relative_to is not None else self.base_dir
        header = [f"# towerplan scenario{': ' + self.title if self.title else ''}",
                  "# Paths are relative to this file. Run: towerplan run THIS_FILE --out DIR", ""]
        return "\n".join(header) + dumps(self.to_dict(relative_to=base))

    @property
    def label(self) -> str:
        if self.inputs.label:
            return self.inputs.label
        if self.inputs.demo is not None:
            from towerplan.demo import DEMO_LABEL

            return DEMO_LABEL[:1].upper() + DEMO_LABEL[1:]
        return self.title or self.name

    def input_files(self, *, cache_dir: Path | None = None) -> dict[str, Any]:
        """Role -> path(s) of the files the study reads (demo generated into ``cache_dir`` if needed)."""
        found: dict[str, Any] = {}
        folder = None
        if self.inputs.demo is not None:
            from towerplan.demo import demo_dir

            folder = demo_dir(cache_dir or default_cache_dir(), seed=self.inputs.demo.seed,
                              resolution_m=self.inputs.demo.resolution_m)
        elif self.inputs.study_folder is not None:
            folder = self.inputs.study_folder
        if folder is not None:
            found = folder_files(folder)
        found.update(self.inputs.paths())
        found.pop("study_folder", None)
        if self.inputs.landcover_off:
            found.pop("landcover", None)
        return found

    def load_inputs(self, *, cache_dir: Path | None = None) -> StudyInputs:
        """Read every input (:func:`towerplan.study.inputs.read_study_files`); the demo is generated on first use."""
        files = self.input_files(cache_dir=cache_dir)
        missing = [k for k in ("dem", "population", "stations") if k not in files]
        if missing:
            raise ConfigError(f"scenario {self.name}: no {', '.join(missing)} among the inputs")
        inputs = read_study_files(files, resolution_m=self.resolution_m, label=self.label,
                                  commune_name_column=self.inputs.commune_name_column)
        if self.inputs.demo is not None:  # the generated demo province, but for the scenario's own files
            import dataclasses

            from towerplan.study.origin import REAL, SYNTHETIC, origin_of_files

            own = {k: v for k, v in self.inputs.paths().items() if k != "study_folder"}
            shipped = {k: v for k, v in own.items() if _shipped_demo_file(v)}  # e.g. the demo's villages
            inputs = dataclasses.replace(inputs, origins={
                **origin_of_files(files, SYNTHETIC), **origin_of_files({k: v for k, v in own.items()
                                                                      if k not in shipped}, REAL),
                **origin_of_files(shipped, SYNTHETIC)})
        return inputs

    def method(self) -> dict[str, Any]:
        """The scenario's part of the method record (:func:`towerplan.study.records.method_record`'s ``extra``)."""
        scenario: dict[str, Any] = {"name": self.name, "title": self.title, "language": self.language,
                                    "file": self.path.name if self.path else None, "executor": self.executor}
        if self.inputs.demo is not None:
            scenario["demo"] = {"seed": self.inputs.demo.seed, "resolution_m": self.inputs.demo.resolution_m}
        if self.resolution_m is not None:
            scenario["resolution_m"] = self.resolution_m
        return {"settings": {"scenario": scenario}}


def _rel(path: Path, base: Path | None) -> str:
    if base is not None:
        b = base.resolve()
        if path == b or path.is_relative_to(b):
            return path.relative_to(b).as_posix() or "."
    return str(path)


def scenario_dict(s: Scenario, relative_to: Path | None) -> dict[str, Any]:
    """The TOML document of ``s`` (every setting; the gap threshold is the coverage one and not written)."""
    doc: dict[str, Any] = {"scenario": {"name": s.name, "title": s.title, "language": s.language}}
    if s.description:
        doc["scenario"]["description"] = s.description
    ins: dict[str, Any] = {}
    i = s.inputs
    if i.demo is not None:
        ins["demo"] = plain(i.demo)
    for key in INPUT_PATHS:
        value = getattr(i, key)
        if value in (None, ()):
            continue
        if isinstance(value, tuple):
            ins[key] = [_rel(p, relative_to) for p in value]
        else:
            ins[key] = _rel(value, relative_to)
    if i.landcover_off:
        ins["landcover"] = False
    if i.label:
        ins["label"] = i.label
    if i.commune_name_column:
        ins["commune_name_column"] = i.commune_name_column
    doc["inputs"] = ins
    cov: dict[str, Any] = {"technologies": list(s.technologies) if s.technologies else "all"}
    if s.resolution_m is not None:
        cov["resolution_m"] = s.resolution_m
    plain_cov = plain(s.coverage)
    plain_cov["technology_params"] = plain_cov.pop("technologies")
    plain_cov.pop("level_offsets_db", None)  # derived from [service]
    plain_cov.pop("carrier_entry_loss", None)  # derived from [service]
    if s.settings.service is not None:
        plain_cov.pop("threshold_dbm", None)  # derived from [service]
    cov.update(plain_cov)
    doc["coverage"] = cov
    if s.settings.service is not None:
        service = plain(s.settings.service)
        service.pop("calibration_sigma_db", None)  # read again from inputs.calibration
        doc["service"] = service
    gaps = plain(s.gaps)
    gaps.pop("threshold_dbm", None)  # derived from [coverage] threshold_dbm
    doc["gaps"] = gaps
    if s.placement is not None:
        pl = plain(s.placement)
        costs, cands = pl.pop("costs"), pl.pop("candidates")
        doc["placement"] = pl
        doc["costs"] = costs
        doc["candidates"] = cands
    doc["speed"] = plain(s.settings.speed)
    if s.settings.switch_off is not None:
        doc["switch_off"] = plain(s.settings.switch_off)
    run: dict[str, Any] = {"executor": s.executor}
    if s.workers is not None:
        run["workers"] = s.workers
    doc["run"] = run
    return doc


def _shipped_demo_file(path: Any) -> bool:
    """Whether ``path`` is one of the synthetic demo files shipped with towerplan (the package's ``demo``
    folder or a clone's ``data/demo``), or a byte-for-byte copy of one (a user who copied the demo scenario
    and its village list to a folder of their own): those are synthetic like the generated province, not
    the user's."""
    import towerplan

    package = Path(towerplan.__file__).resolve().parent
    folders = (package / "demo", package.parent / "data" / "demo")
    paths = path if isinstance(path, (list, tuple)) else [path]

    def shipped(p: Any) -> bool:
        here = Path(p).resolve()
        if any(here.is_relative_to(f) for f in folders):
            return True
        copies = [f / here.name for f in folders if (f / here.name).is_file()]
        size = here.stat().st_size if here.is_file() else -1
        return any(c.stat().st_size == size and c.read_bytes() == here.read_bytes() for c in copies)

    try:
        return bool(paths) and all(shipped(p) for p in paths)
    except (OSError, TypeError, ValueError):
        return False
