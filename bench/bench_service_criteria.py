"""People covered in the demo province per technology and service class (issue 16, bench/README.md).

    python bench/bench_service_criteria.py [--resolution 90] [--probability 0.75] [--json OUT.json]

One coverage run of every technology of the synthetic demo province with the demo scenario's coverage
settings and land cover, exactly as ``towerplan run data/demo/scenario.toml`` runs its 4G
(:func:`towerplan.study.steps.coverage_of_stations` with the study's projected stations and
``StudyInputs.clutter``: under ``auto`` ITU-R P.1812 with the land cover as its clutter) but without the
service criterion's level offsets (every technology's median levels, no margins in the engine),
then for each technology and each service class
of :mod:`towerplan.coverage.criteria` the share of people whose cell is served by any operator:
``served(technology level, required median level)`` (:func:`towerplan.coverage.service.served`), the
same comparison the study makes. The old fixed -110 dBm threshold is given beside for comparison.

Indoors the building entry loss is each carrier's own (ITU-R P.2109 at its frequency,
:class:`~towerplan.coverage.building_loss.CarrierEntryLoss`): a technology on one band is compared
with its criterion at that band's frequency (the same as shifting every level by one term); the
technologies on several bands (the demo's 4G on 900, 1800 and 2100 MHz) are run a second time with
the per-carrier term, exactly as a study with ``class = "indoor"`` runs them.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from towerplan.coverage.criteria import SERVICE_CLASSES, ServiceSettings
from towerplan.coverage.service import served
from towerplan.study.scenario import default_cache_dir
from towerplan.study.scenario_file import load_scenario
from towerplan.study.service import carrier_entry_loss_for
from towerplan.study.steps import coverage_of_stations

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--resolution", type=float, default=90.0)
    ap.add_argument("--probability", type=float, default=0.75, help="edge location probability")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    scenario = load_scenario(REPO / "data" / "demo" / "scenario.toml")
    inputs = scenario.load_inputs(cache_dir=default_cache_dir())  # the cache `towerplan run` reads
    # the scenario's service settings (environment, building type, ...) with each class and the probability
    base = scenario.settings.service or ServiceSettings()
    criteria = {c: replace(base, service_class=c, location_probability=args.probability).criteria()
                for c in SERVICE_CLASSES}
    floor = min(min(x.required_median_dbm for x in crit.values()) for crit in criteria.values())
    floor = min(floor, -110.0) - 0.5
    # the study's coverage settings (model, P.1812/ITM settings, antennas, ...) with median levels for every
    # technology: no level offsets, no per-carrier term, a threshold below every criterion
    config = replace(scenario.coverage, threshold_dbm=floor, level_offsets_db={}, carrier_entry_loss=None)
    stations, clutter = inputs.projected_stations, inputs.clutter
    t0 = time.perf_counter()
    result = coverage_of_stations(inputs.dem, stations, config, technologies=None, clutter=clutter)
    seconds = time.perf_counter() - t0
    # indoors: one band -> the criterion at that band; several bands -> levels with the per-carrier term
    indoor = replace(base, service_class="indoor", location_probability=args.probability)
    bands = {str(t): sorted(set(g)) for t, g in inputs.stations.groupby("technology")["freq_mhz"]}
    multi = [t for t, b in bands.items() if len(b) > 1]
    indoor_levels = {}
    t1 = time.perf_counter()
    if multi:
        carrier_config = replace(config, carrier_entry_loss=carrier_entry_loss_for(indoor))
        indoor_levels = coverage_of_stations(inputs.dem, stations, carrier_config, technologies=multi,
                                             clutter=clutter).technology_levels
    seconds_indoor = time.perf_counter() - t1
    people = np.nan_to_num(inputs.population.values.astype(np.float64))
    total = float(people.sum())
    rows: dict[str, dict[str, float]] = {}
    for tech, level in sorted(result.technology_levels.items()):
        row = {"fixed_-110": 100.0 * float(people[served(level, -110.0)].sum()) / total}
        for cls, crit in criteria.items():
            need, grid = crit[tech].required_median_dbm, level
            if cls == "indoor" and tech in indoor_levels:
                grid = indoor_levels[tech]
            elif cls == "indoor":
                need = indoor.criterion(tech, freq_mhz=float(bands[tech][0])).required_median_dbm
            row[cls] = 100.0 * float(people[served(grid, need)].sum()) / total
            row[f"{cls}_required_dbm"] = round(need, 1)
            if cls == "indoor":  # what the one reference frequency gave (before per-carrier losses)
                row["indoor_reference_freq"] = 100.0 * float(
                    people[served(level, crit[tech].required_median_dbm)].sum()) / total
        rows[tech] = row
    print(f"demo province {args.resolution:g} m, {total:,.0f} people, coverage of all technologies {seconds:.0f} s "
          f"+ indoor per-carrier run of {', '.join(multi) or 'none'} {seconds_indoor:.0f} s "
          f"({platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})")
    print("bands: " + "; ".join(f"{t} {', '.join(f'{f:g}' for f in b)} MHz" for t, b in bands.items()))
    moved: dict[str, dict[str, object]] = {}
    for tech, grid in indoor_levels.items():  # what the per-carrier term did to each multi-band technology
        plain, term = result.technology_levels[tech].values, grid.values
        need = criteria["indoor"][tech].required_median_dbm
        both = np.isfinite(plain) & np.isfinite(term)
        shift, counts = np.unique(np.round((term - plain)[both], 2), return_counts=True)
        top = np.argsort(-counts)[:3]
        lost = int((served(plain, need) & ~served(term, need)).sum())
        gained = int((~served(plain, need) & served(term, need)).sum())
        moved[tech] = {"shift_db_cells": {f"{shift[i]:+.2f}": int(counts[i]) for i in top},
                       "cells_lost": lost, "cells_gained": gained}
        print(f"{tech} indoor per-carrier term: cells by shift {moved[tech]['shift_db_cells']}; {lost} cells fall "
              f"below {need:.1f} dBm, {gained} rise above it")
    print("| technology | fixed -110 dBm | " + " | ".join(f"{c} (median ≥ dBm)" for c in SERVICE_CLASSES)
          + " | indoor, one reference frequency |")
    print("|---|---:|" + "---:|" * (len(SERVICE_CLASSES) + 1))
    for tech, row in rows.items():
        cells = " | ".join(f"{row[c]:.1f} % ({row[f'{c}_required_dbm']:g})" for c in SERVICE_CLASSES)
        print(f"| {tech} | {row['fixed_-110']:.1f} % | {cells} | {row['indoor_reference_freq']:.1f} % |")
    if args.json is not None:
        report = {"people": total, "seconds": seconds, "seconds_indoor": seconds_indoor, "bands": bands,
                  "rows": rows, "per_carrier": moved}
        args.json.write_text(json.dumps(report, indent=1, default=float), encoding="utf-8")


if __name__ == "__main__":
    main()
