"""``towerplan run``: a whole provincial plan from one scenario file.

::

    towerplan run SCENARIO.toml --out DIR [--force] [--lang vi|en] [--quiet] [--allow-root DIR ...]
        [--calibration calibration.json] [--landcover landcover.tif [--landcover-table classes.csv]]
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
Try it on the synthetic demo province, from any folder::

    towerplan run demo --out OUT
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # pragma: no cover
    from towerplan.study.scenario import Scenario

__all__ = ["ProgressBar", "register", "run", "summary_text"]

logger = logging.getLogger(__name__)



def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run`` command to the CLI."""
    p = subparsers.add_parser(
        "run",
        help="a whole plan (coverage, dead zones, shared towers, exports) from a scenario file",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("scenario", type=Path, metavar="SCENARIO.toml",
                   help="scenario file (TOML); the word demo runs the shipped demo scenario from any folder")
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder of the plan package")
    p.add_argument("--force", action="store_true", help="replace DIR if it exists (once the new plan is complete)")
    p.add_argument("--lang", choices=["vi", "en"], default=None,
                   help="language of the report and tables (default: the scenario's, else vi)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no summary line")
    p.add_argument("--allow-root", type=Path, action="append", default=[], metavar="DIR",
                   help="another folder the scenario's inputs may come from (repeatable); by default only the "
                        "scenario file's folder and its subfolders")
    p.add_argument("--compare-with", type=Path, default=None, metavar="PLAN",
                   help="a plan package folder: the report and workbook compare this plan with it")
    p.add_argument("--calibration", type=Path, default=None,
                   help="calibration.json of `towerplan calibrate` (replaces the scenario's inputs.calibration)")
    p.add_argument("--landcover", nargs="+", type=Path, default=None, metavar="FILE",
                   help="land-cover GeoTIFF(s) (replaces the scenario's inputs.landcover and a study folder's "
                        "landcover.tif): the clutter of P.1812")
    p.add_argument("--landcover-table", type=Path, default=None, metavar="FILE",
                   help="class table (CSV / TOML) of the land cover (replaces inputs.landcover_table)")
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
    """Where the demo inputs are generated (:func:`towerplan.study.scenario.default_cache_dir`)."""
    from towerplan.study.scenario import default_cache_dir

    return default_cache_dir()


#: ``towerplan run demo``: the shipped demo scenario (a copy of data/demo/scenario.toml inside the package),
#: found from any folder
DEMO_SCENARIO = Path(__file__).resolve().parents[1] / "demo" / "scenario.toml"


def scenario_path(given: Path) -> Path:
    """The scenario file: ``given``, or the shipped demo scenario for the word ``demo`` (when no such file exists)."""
    if str(given) == "demo" and not given.exists():
        return DEMO_SCENARIO
    return given


def summary_text(summary: dict, *, lang: str, command: str = "run") -> str:
    """The run's headline figures as the app and the report show them (``summary.json``'s ``figures``):
    ``run: <data origin>`` then one ``label: value`` line per figure."""
    from towerplan.i18n_summary import origin_text, summary_rows

    figures = summary.get("figures") or {}
    origin = figures.get("data_origin") or summary.get("data_origin") or {"kind": "real"}
    lines = [f"{command}: {origin_text(origin, lang)}"]
    lines += [f"  {label}: {value}" for _, label, value in summary_rows(figures, lang)]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run ``towerplan run`` and return its exit code; one run at a time per ``--out`` (towerplan.outlock)."""
    from towerplan.outlock import output_lock

    with output_lock(args.out):
        return _run(args)


def _with_files(scenario: Scenario, args: argparse.Namespace) -> Scenario:
    """The scenario with the files given on the command line in place of its own."""
    import dataclasses

    given = {}
    if args.calibration is not None:
        given["calibration"] = args.calibration.resolve()
    if getattr(args, "landcover", None):
        given.update(landcover=tuple(p.resolve() for p in args.landcover), landcover_off=False)
    if getattr(args, "landcover_table", None) is not None:
        given["landcover_table"] = args.landcover_table.resolve()
    return dataclasses.replace(scenario, inputs=dataclasses.replace(scenario.inputs, **given)) if given else scenario


def _run(args: argparse.Namespace) -> int:
    from towerplan.study.batch import run_scenario
    from towerplan.study.scenario_file import load_scenario

    t0 = time.perf_counter()
    scenario = load_scenario(scenario_path(args.scenario), allowed_roots=args.allow_root or None)
    import dataclasses

    scenario = _with_files(scenario, args)  # --calibration, --landcover, --landcover-table
    if args.calibration is not None:
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
                            progress=bar, compare_with=args.compare_with)
    finally:
        if bar is not None:
            bar.close()
    if not args.quiet:
        print(summary_text(done.package.summary, lang=args.lang or scenario.language))
        for extra in _option_lines(done.package.summary):
            print(extra)
        print(f"{args.out} ({time.perf_counter() - t0:.0f} s)")
    return 0


def _option_lines(summary: dict) -> list[str]:
    """One line each for the switch-off, the target and the phasing, when the scenario asked for them."""
    out = []
    off = summary.get("switch_off")
    if off:
        out.append(f"run: switch-off {'+'.join(off['technologies_off']) or 'nothing'}: {off['people_lost'] or 0:,.0f} "
                   f"people lose every service; {int(off['sites_to_act'] or 0)} sites to act on, "
                   f"{int(off.get('sites_needing_4g_radio') or 0)} of them need a 4G radio"
                   + (f" (with it {off['people_kept_by_added_4g']:,.0f} people keep a service)"
                      if off.get("people_kept_by_added_4g") is not None else ""))
    pl = summary.get("placement") or {}
    if pl.get("target"):
        t = pl["target"]
        out.append(f"run: target {'reached' if t['reachable'] else 'out of reach'}: {(t['share_reached'] or 0):.2%} "
                   f"served (at most {(t['share_reachable_max'] or 0):.2%} with these candidates)")
    vt = (summary.get("villages") or {}).get("target")
    if vt:
        left = ", ".join(f"{v.get('name')} ({v.get('commune')}, {v['households']:,.0f} hh: {v['reason']})"
                         for v in vt["left"][:10])
        out.append(f"run: villages of more than {vt['min_households']:,.0f} households: {vt['served_after_plan']} of "
                   f"{vt['villages_required']} served after the plan"
                   + (f"; left: {left}{' …' if len(vt['left']) > 10 else ''}" if vt["left"] else ""))
    for y in (pl.get("phasing") or {}).get("years", []):
        out.append(f"run: {y['year']}: {y['sites']} site(s), {(y['spent_vnd'] or 0) / 1e9:,.2f} bn VND, "
                   f"{(y['share_covered'] or 0):.1%} served")
    return out
