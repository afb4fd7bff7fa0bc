"""``towerplan run``: a whole provincial plan from one scenario file.

::

    towerplan run SCENARIO.toml --out DIR [--force] [--lang vi|en] [--quiet] [--allow-root DIR ...]
        [--service-class outdoor|in_car|indoor] [--technology 4g] [--location-probability 0.75]

Reads the scenario (inputs and every setting, see :mod:`towerplan.study.scenario_file`),
computes the current coverage, the dead zones and (with a ``[placement]``
section) the shared-tower proposals, and writes the plan package into DIR:
``plan.gpkg``, GeoJSON, CSV/XLSX tables, cloud-optimised GeoTIFFs, ``plan.kmz``,
``report.html``/``report.pdf`` and ``summary.json``. ``--service-class``, ``--technology`` and
``--location-probability`` replace the scenario's service criterion (``[service]``) and
technologies: ``--service-class indoor --technology 4g`` plans for the people without indoor 4G.
The package is built in a temporary folder beside DIR and moved into place only when complete: an
interrupted or failed run leaves an earlier DIR as it was. An existing DIR is
replaced only with ``--force`` (exit 2 otherwise).

A progress bar is drawn on stderr when it is a terminal (not with ``--quiet``).
Try it on the synthetic demo province::

    towerplan run data/demo/scenario.toml --out OUT
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import TextIO

__all__ = ["ProgressBar", "register", "run"]

logger = logging.getLogger(__name__)



def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run`` command to the CLI."""
    p = subparsers.add_parser(
        "run",
        help="a whole plan (coverage, dead zones, shared towers, exports) from a scenario file",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("scenario", type=Path, metavar="SCENARIO.toml", help="scenario file (TOML)")
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder of the plan package")
    p.add_argument("--force", action="store_true", help="replace DIR if it exists (once the new plan is complete)")
    p.add_argument("--lang", choices=["vi", "en"], default=None,
                   help="language of the report and tables (default: the scenario's, else vi)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no summary line")
    p.add_argument("--allow-root", type=Path, action="append", default=[], metavar="DIR",
                   help="another folder the scenario's inputs may come from (repeatable); by default only the "
                        "scenario file's folder and its subfolders")
    p.add_argument("--calibration", type=Path, default=None,
                   help="calibration.json of `towerplan calibrate` (replaces the scenario's inputs.calibration)")
    from towerplan.cli.service_flags import add_service_arguments

    add_service_arguments(p)
    p.set_defaults(func=run)


class ProgressBar:
    """A one-line text progress bar (``[#####-----]  50%  stage``), redrawn with ``\\r``.

    Redraws at most every ``min_interval_s`` unless the stage changes; ``close()`` ends the line.
    """

    def __init__(self, stream: TextIO, *, width: int = 30, min_interval_s: float = 0.2) -> None:
        self.stream = stream
        self.width = width
        self.min_interval_s = min_interval_s
        self._last = (-1.0, "")
        self._last_t = 0.0
        self._start = time.perf_counter()
        self._drawn = False

    def __call__(self, stage: str, fraction: float) -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        now = time.perf_counter()
        if stage == self._last[1] and now - self._last_t < self.min_interval_s and fraction < 1.0:
            return
        self._last, self._last_t = (fraction, stage), now
        filled = round(self.width * fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        text = f"\r[{bar}] {100 * fraction:3.0f}%  {now - self._start:5.0f} s  {stage[:40]:<40}"
        self.stream.write(text)
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False


def _cache_dir() -> Path:
    """Where the demo inputs are generated: ``$XDG_CACHE_HOME/towerplan`` or ``~/.cache/towerplan``."""
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "towerplan"


def run(args: argparse.Namespace) -> int:
    """Run ``towerplan run`` and return its exit code; one run at a time per ``--out`` (towerplan.outlock)."""
    from towerplan.outlock import output_lock

    with output_lock(args.out):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from towerplan.study.batch import run_scenario
    from towerplan.study.scenario_file import load_scenario

    t0 = time.perf_counter()
    scenario = load_scenario(args.scenario, allowed_roots=args.allow_root or None)
    import dataclasses

    if args.calibration is not None:
        scenario = dataclasses.replace(scenario, inputs=dataclasses.replace(scenario.inputs,
                                                                            calibration=args.calibration.resolve()))
        service = scenario.settings.service
        if service is not None and service.sigma_db is None:  # the new calibration's sigma
            from towerplan.study.service import with_calibration_sigma

            scenario = dataclasses.replace(scenario, settings=scenario.settings.replace(
                service=with_calibration_sigma(service, args.calibration)))
    from towerplan.cli.service_flags import settings_with_service

    scenario = dataclasses.replace(scenario, settings=settings_with_service(scenario.settings, args))
    bar = ProgressBar(sys.stderr) if (not args.quiet and sys.stderr.isatty()) else None
    try:
        done = run_scenario(scenario, args.out, force=args.force, lang=args.lang, cache_dir=_cache_dir(),
                            progress=bar)
    finally:
        if bar is not None:
            bar.close()
    if not args.quiet:
        s = done.package.summary
        line = (f"run: {s['population_total']:,.0f} people, {s['covered_any_pct']}% covered by any operator "
                f"({'/'.join(scenario.technologies) if scenario.technologies else 'all'}"
                f"{', ' + scenario.settings.service.service_class if scenario.settings.service else ''}), "
                f"{s['gap_count']} dead zones with {s['gap_people']:,.0f} people")
        pl = s.get("placement")
        if pl:
            line += (f"; {pl['proposals']} proposed site(s) newly cover {pl['people_newly_covered']:,.0f} "
                     f"{pl['unit']} for {pl['cost_vnd'] / 1e9:,.2f} bn VND")
        print(f"{line}. Plan in {args.out} ({time.perf_counter() - t0:.0f} s)")
    return 0
