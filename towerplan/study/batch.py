"""Batch runs: a scenario to a written plan package (``towerplan run``).

:func:`check_output_folder` refuses an output folder before any work;
:func:`run_scenario` reads the inputs, runs the plan and writes the package through
:func:`towerplan.export.package.write_plan_package` (staged, moved into place when
complete). The command line only parses arguments, calls these and prints.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from towerplan.errors import ConfigError
from towerplan.study import steps
from towerplan.study.records import plan_package
from towerplan.study.scenario import Scenario, default_cache_dir

if TYPE_CHECKING:  # pragma: no cover
    from towerplan.export.package import PlanPackage

__all__ = ["PLAN_MARKERS", "ScenarioRun", "check_output_folder", "run_scenario"]

log = logging.getLogger(__name__)

#: files that mark a folder as a plan package (the only kind ``force`` replaces)
PLAN_MARKERS = ("summary.json", "manifest.json")
#: share of the progress taken by the computation; the rest is writing the package
COMPUTE_SHARE = 0.9


def check_output_folder(out: Path, *, force: bool, protected: Iterable[Path] = ()) -> None:
    """Refuse an existing ``out`` without ``force``, and never replace a folder holding inputs
    (``protected``: the scenario file and its inputs) or anything but a plan package."""
    real = out.resolve()
    for p in protected:
        q = Path(p).resolve()
        if q == real or q.is_relative_to(real):
            raise ConfigError(f"--out {out} holds the scenario or its inputs ({p}); choose another folder")
    if not out.exists():
        return
    if not out.is_dir():
        raise ConfigError(f"--out {out} exists and is not a folder")
    if not force:
        raise ConfigError(f"output folder {out} exists; use --force to replace it (or choose another --out)")
    if any(out.iterdir()) and not any((out / m).is_file() for m in PLAN_MARKERS):
        raise ConfigError(f"--out {out} is not empty and holds no plan package ({' or '.join(PLAN_MARKERS)}); "
                          "refusing to replace it even with --force")


def protected_paths(scenario: Scenario) -> list[Path]:
    """The scenario file and every input it names (an output folder must not hold them)."""
    given = scenario.inputs.paths()
    files = [p for v in given.values() for p in (v if isinstance(v, tuple) else (v,))]
    return ([scenario.path] if scenario.path is not None else []) + files


@dataclass(frozen=True, eq=False)
class ScenarioRun:
    """What :func:`run_scenario` did: the results, the package written and the timings (s)."""

    results: steps.PlanResults
    package: PlanPackage
    out: Path
    timings: dict[str, float] = field(default_factory=dict)


def run_scenario(
    scenario: Scenario,
    out: Path,
    *,
    force: bool = False,
    lang: str | None = None,
    cache_dir: Path | None = None,
    progress: Callable[[str, float], None] | None = None,
    compare_with: Path | None = None,
) -> ScenarioRun:
    """Read the scenario's inputs, compute the plan and write its package into ``out``.

    ``compare_with``: a plan package folder; the comparison of this plan against it
    (:func:`towerplan.export.compare.compare_plans`) goes into the report and workbook.

    ``lang``: the report language (default the scenario's); ``progress(stage, fraction)`` covers
    reading, computing and writing. ``out`` is checked first (:func:`check_output_folder`).
    """
    from towerplan.export.package import write_plan_package

    t0 = time.perf_counter()
    check_output_folder(out, force=force, protected=protected_paths(scenario))
    if compare_with is not None and not (Path(compare_with) / "summary.json").is_file():
        raise ConfigError(f"--compare-with {compare_with}: not a plan package folder (no summary.json)")

    def compute_progress(stage: str, fraction: float) -> None:
        if progress is not None:
            progress(stage, COMPUTE_SHARE * fraction)

    def export_progress(done: int, total: int) -> None:
        if progress is not None:
            progress("writing the plan package", COMPUTE_SHARE + (1 - COMPUTE_SHARE) * done / max(total, 1))

    compute_progress("reading the inputs", 0.0)
    inputs = scenario.load_inputs(cache_dir=cache_dir or default_cache_dir())
    t_read = time.perf_counter() - t0
    results = steps.run_plan(inputs, scenario.settings, progress=compute_progress)
    results.timings["read_inputs"] = round(t_read, 3)
    t1 = time.perf_counter()
    package = plan_package(results, title=scenario.title or scenario.name, method=scenario.method(),
                           base_dir=scenario.base_dir)
    if compare_with is not None:
        import dataclasses

        from towerplan.export.compare import PlanView, compare_plans

        reference = PlanView.from_folder(compare_with, name=Path(compare_with).name)
        comparison = compare_plans(reference, PlanView.from_package(package, name=scenario.name))
        package = dataclasses.replace(package, comparison=comparison.tables())
    write_plan_package(package, out, force=force, lang=lang or scenario.language, progress=export_progress)
    timings = {**results.timings, "write": round(time.perf_counter() - t1, 3),
               "total": round(time.perf_counter() - t0, 3)}
    log.info("timings: %s", timings)
    return ScenarioRun(results, package, out, timings)
