"""``towerplan coverage``: best RSRP, best server, overlap and per-operator maps for a station list.

::

    towerplan coverage --dem dem.tif --stations cells.csv --out run1 [--model auto] [--resolution-m 30]
        [--threshold-dbm -110] [--executor serial|processes|dask] [--workers N] [--scheduler ADDRESS]
        [--write-loss] [--itm-climate 2] [--itm-n0 360] [--itm-epsilon 15] [--itm-sigma 0.005]
        [--itm-polarization vertical] [--itm-mdvar 12] [--itm-tls 50,50,50] [--rx-height-m 1.5]
        [--landcover landcover.tif [--landcover-table classes.csv]]

Writes to ``--out``: ``best_rsrp_dbm.tif`` (float32, NaN nodata), ``best_server.tif``
(int32 row of the station list as read, -1 nodata), ``server_count.tif`` (int32),
``rsrp_<operator>_dbm.tif`` per operator (lower case, spaces as ``-``), with
``--write-loss`` ``path_loss_db.tif`` (the smallest path loss from any site, dB, no
antenna gains), and ``coverage_summary.json`` (area covered per operator and
technology, settings, timings, stations left out) and ``best_server_index.csv`` (the
value of ``best_server.tif`` -> site, cell, operator, technology, model; the same table as in
the plan package). With ``--landcover`` the land cover is read onto the analysis grid
(majority of the classes under each cell) and P.1812 sees its clutter; the summary's
``land_cover`` names it, or the default class. The level is each technology's
reported level (RSRP for 4G/5G, RSCP for 3G, RxLev for 2G).

With ``--sinr`` (4G/5G sectors): per operator ``sinr_<operator>_db.tif`` (downlink SINR of
the serving sector), ``throughput_dl_<operator>_mbps.tif`` (single-user downlink rate,
TR 36.942 / TS 38.306), ``throughput_ul_<operator>_mbps.tif`` (uplink rate by reciprocity)
and ``uplink_limited_<operator>.tif`` (1 where the downlink works but the uplink gives
less than 1 Mbit/s, 0 where both work, 255 without downlink); with both 4G and 5G, the
per-operator files hold the technology with the higher downlink rate and
``sinr_<operator>_<tech>_db.tif`` / ``throughput_dl_<operator>_<tech>_mbps.tif`` each one
(:mod:`towerplan.coverage.radio_maps`).
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from dataclasses import replace
from pathlib import Path

from towerplan.coverage.climates import CLIMATES
from towerplan.coverage.config import MODELS, CoverageConfig, ItmSettings
from towerplan.errors import ConfigError
from towerplan.planning.coverage_stats import operator_slug
from towerplan.study.settings import TECHNOLOGIES

__all__ = ["operator_slug", "register", "run"]

logger = logging.getLogger(__name__)


def _tls(text: str) -> tuple[float, float, float]:
    try:
        parts = tuple(float(p) for p in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected TIME,LOCATION,SITUATION percentages, got {text!r}") from None
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"expected three percentages TIME,LOCATION,SITUATION, got {text!r}")
    return parts  # type: ignore[return-value]


def _climate(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text in CLIMATES:
        return CLIMATES[text]
    raise argparse.ArgumentTypeError(f"climate must be 1-7 or one of {sorted(CLIMATES)}, got {text!r}")


def _technologies(text: str) -> tuple[str, ...]:
    techs = tuple(t.strip().upper() for t in text.split(",") if t.strip())
    bad = [t for t in techs if t not in TECHNOLOGIES]
    if not techs or bad:
        raise argparse.ArgumentTypeError(f"technologies are 2G, 3G, 4G, 5G (comma-separated), got {text!r}")
    return techs


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``coverage`` command to the CLI."""
    d = CoverageConfig()
    it = ItmSettings()
    p = subparsers.add_parser(
        "coverage",
        help="coverage maps (best RSRP, best server, overlap, per operator) over a DEM",
        description="Compute received levels of every sector over the terrain and write GeoTIFF maps.",
    )
    p.add_argument("--dem", required=True, nargs="+", type=Path, help="DEM file(s): GeoTIFF or SRTM .hgt")
    p.add_argument("--stations", required=True, type=Path, help="station list (CSV, XLSX, GeoJSON, KML ...)")
    p.add_argument("--out", required=True, type=Path, help="output folder (created)")
    p.add_argument("--model", choices=["auto", *MODELS], default=d.model,
                   help="path-loss model (auto: ITU-R P.1812 at 30-6000 MHz, with the land cover when given; "
                        "ITM otherwise)")
    p.add_argument("--resolution-m", type=float, default=30.0, help="cell size of the analysis grid (m)")
    p.add_argument("--threshold-dbm", type=float, default=None,
                   help=f"one fixed level (dBm; default {d.threshold_dbm:g}) at or above which a cell is served, "
                        "or the service criterion of --service-class / --location-probability")
    p.add_argument("--max-radius-m", type=float, default=d.max_radius_m, help="largest radius per site (m)")
    p.add_argument("--rx-height-m", type=float, default=d.rx_height_m, help="receiver height above ground (m)")
    p.add_argument("--executor", choices=["serial", "processes", "dask"], default="serial")
    p.add_argument("--workers", type=int, default=None, help="processes / Dask workers (default 2)")
    p.add_argument("--scheduler", default=None, help="address of a running Dask scheduler (tcp://host:8786)")
    p.add_argument("--write-loss", action="store_true", help="also write path_loss_db.tif")
    p.add_argument("--tile-cells", type=int, default=None, metavar="N",
                   help="tiled, out-of-core engine: tiles of N x N cells (a multiple of 16, e.g. 1024) computed "
                        "one task each and merged on disk; memory per worker stays flat whatever the area")
    p.add_argument("--calibration", type=Path, default=None,
                   help="calibration.json of `towerplan calibrate`: per-sector offset and distance slope")
    p.add_argument("--landcover", nargs="+", type=Path, default=None, metavar="FILE",
                   help="land-cover GeoTIFF(s) (ESA WorldCover classes, e.g. landcover.tif of `towerplan fetch "
                        "--landcover`): the clutter of P.1812, and the ITU-R P.2108 terminal clutter loss added to ITM "
                        "and free space; without it every cell is open/rural (a warning). Works with --tile-cells")
    p.add_argument("--landcover-table", type=Path, default=None, metavar="FILE",
                   help="class table (CSV / TOML) of a land cover that is not ESA WorldCover")
    p.add_argument("--technology", type=_technologies, default=None, metavar="TECH[,TECH]",
                   help="only these technologies, e.g. 4G or 4G,5G (default: all). The level rasters hold the "
                        "best reported level (RSRP for 4G/5G, RSCP for 3G, RxLev for 2G): filter to compare like "
                        "with like, e.g. for a 4G gap analysis")
    p.add_argument("--sinr", action="store_true",
                   help="also write per operator sinr_<operator>_db.tif, throughput_dl_<operator>_mbps.tif, "
                        "throughput_ul_<operator>_mbps.tif and uplink_limited_<operator>.tif (4G/5G; interference "
                        "from the operator's own co-channel sectors at 100 %% load, 7 dB UE noise figure)")
    p.add_argument("--cell-loss", choices=["raster", "refine", "exact"], default=d.cell_loss,
                   help="ITM / P.1812 cells: raster (interpolated between radials, default), refine (cells whose "
                        f"radial samples differ by more than {d.refine_spread_db:g} dB computed point to point) or "
                        "exact (every cell point to point: slower, see bench/README.md)")
    p.add_argument("--profile-source", choices=["study", "source"], default=d.profile_source,
                   help="terrain profiles of the radials and point-to-point cells: from the study grid (default) "
                        "or from the --dem file(s) themselves, bilinear in their own lattice (no resampling "
                        "error; see bench/README.md); not with --tile-cells")
    p.add_argument("--extended-spacing-m", type=float, default=d.extended_spacing_m, metavar="M",
                   help="beyond --main-radius-m from a site, P.1812 radials at most M metres apart (default "
                        f"{d.extended_spacing_m:g}; Hata / COST-231: {d.extended_spacing_hata_m:g}; applies where "
                        "at least 1.5x the main radials' spacing: at 30 m, at 90 m from 270 m; never ITM); 0: one "
                        "radial table to the radius (see bench/README.md)")
    p.add_argument("--main-radius-m", type=float, default=d.main_radius_m, metavar="M",
                   help=f"radius of the main zone around each site (default {d.main_radius_m:g} m)")
    p.add_argument("--itm-climate", type=_climate, default=it.climate, help="ITM radio climate 1-7 (2)")
    p.add_argument("--itm-n0", type=float, default=it.n0, help="surface refractivity, N-units (360)")
    p.add_argument("--itm-epsilon", type=float, default=it.epsilon, help="ground permittivity (15)")
    p.add_argument("--itm-sigma", type=float, default=it.sigma, help="ground conductivity, S/m (0.005)")
    p.add_argument("--itm-polarization", choices=["horizontal", "vertical"], default=it.polarization)
    p.add_argument("--itm-mdvar", type=int, default=it.mdvar, help="ITM variability mode (12)")
    p.add_argument("--itm-tls", type=_tls, default=(it.time_pct, it.location_pct, it.situation_pct),
                   metavar="T,L,S", help="time, location, situation percentages (50,50,50)")
    from towerplan.cli.service_flags import add_service_arguments

    add_service_arguments(p, technology=False)  # --technology above names the modelled technologies
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``towerplan coverage`` and return its exit code (:func:`towerplan.study.coverage_run.coverage_run`)."""
    from towerplan.study.coverage_run import coverage_run

    t0 = time.perf_counter()
    itm = ItmSettings(climate=args.itm_climate, n0=args.itm_n0, epsilon=args.itm_epsilon, sigma=args.itm_sigma,
                      polarization=args.itm_polarization, mdvar=args.itm_mdvar, time_pct=args.itm_tls[0],
                      location_pct=args.itm_tls[1], situation_pct=args.itm_tls[2])
    config = CoverageConfig(model=args.model, rx_height_m=args.rx_height_m, max_radius_m=args.max_radius_m, itm=itm,
                            sinr=bool(getattr(args, "sinr", False)), cell_loss=getattr(args, "cell_loss", "raster"),
                            profile_source=getattr(args, "profile_source", "study"),
                            extended_spacing_m=getattr(args, "extended_spacing_m", CoverageConfig.extended_spacing_m),
                            main_radius_m=getattr(args, "main_radius_m", CoverageConfig.main_radius_m))
    config, criterion = _service_config(args, config)
    if args.tile_cells is not None:
        return _run_tiled(args, config)
    bar = _progress_printer() if sys.stderr.isatty() else None
    done = coverage_run(args.dem, args.stations, args.out, config=config, resolution_m=args.resolution_m,
                        technologies=args.technology, calibration=args.calibration, landcover=args.landcover,
                        landcover_table=args.landcover_table, executor=args.executor, workers=args.workers,
                        scheduler=args.scheduler, write_loss=args.write_loss, progress=bar,
                        service_criterion=criterion)
    summary = done.summary
    covered = summary["any_operator"]
    print(f"coverage: {summary['stations']['used']} sectors at {summary['stations']['sites']} sites, "
          f"{covered['area_km2']:.1f} km2 at >= {config.threshold_dbm:g} dBm; "
          f"{len(done.files)} files in {args.out} ({time.perf_counter() - t0:.1f} s)")
    if summary["stations"]["skipped"]:
        print(f"  {summary['stations']['skipped']} station(s) outside the DEM were left out", file=sys.stderr)
    for note in done.notes:
        print(f"  {note}", file=sys.stderr)
    return 0


def _service_config(args: argparse.Namespace, config: CoverageConfig) -> tuple[CoverageConfig, dict | None]:
    """``config`` with the threshold (and per-technology offsets) of the service flags, through the study
    settings as ``towerplan run`` and ``place`` derive them, and the criterion's record; a fixed threshold
    (``--threshold-dbm``, default -110 dBm) without flags."""
    from towerplan.cli.service_flags import command_service

    service = command_service(args, default=False)
    if service is None:
        fixed = config.threshold_dbm if args.threshold_dbm is None else float(args.threshold_dbm)
        return replace(config, threshold_dbm=fixed), None
    from towerplan.study.service import criterion_record
    from towerplan.study.settings import StudySettings

    settings = StudySettings.create(coverage=config, technologies=args.technology, service=service)
    return settings.coverage, criterion_record(settings.coverage, settings.service, settings.technologies)


def _run_tiled(args: argparse.Namespace, config: CoverageConfig) -> int:
    """``--tile-cells``: the tiled, out-of-core engine (:mod:`towerplan.cli.coverage_tiled`)."""
    from towerplan.cli.coverage_tiled import run_tiled
    from towerplan.study import read_study_stations, select_technologies

    if not (1.0 <= args.resolution_m <= 1000.0):
        raise ConfigError(f"--resolution-m {args.resolution_m} must be within 1-1000 m")
    if config.profile_source != "study":
        raise ConfigError("--profile-source source is not available with --tile-cells")
    if args.workers is not None and args.workers < 1:
        raise ConfigError("--workers must be at least 1")
    stations = select_technologies(read_study_stations(args.stations).stations, args.technology)
    if args.calibration is not None:
        from towerplan.measurements import apply_calibration, read_calibration

        calibration = read_calibration(args.calibration)
        stations = apply_calibration(stations, calibration)
        if math.isfinite(calibration.shadowing_sigma_db):  # the held-out sigma feeds the shadowing margin
            config = replace(config, link_budget=replace(config.link_budget,
                                                         shadowing_sigma_db=calibration.shadowing_sigma_db))
    run_tiled(args, config, stations, slug=operator_slug)
    return 0


def _progress_printer():
    def show(done: int, total: int) -> None:
        print(f"\r  sites {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    return show
