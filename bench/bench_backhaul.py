"""Microwave hop limits per band (ITU-R P.838-3 / P.530-18 rain at 99.99 %) and the cost horizon on the demo.

    python bench/bench_backhaul.py                 # hop-limit table: Thanh Hóa (110 mm/h) and a dry reference
    python bench/bench_backhaul.py --demo DIR      # also `towerplan place` figures on a demo study folder

Not a test: prints tables for bench/README.md.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from towerplan.planning.backhaul_rain import MicrowaveLink, hop_limits


def _hop_tables() -> None:
    for rain in (110.0, 60.0, 30.0):
        for avail in (99.99, 99.999):
            table = hop_limits(MicrowaveLink(rain_rate_mm_h=rain, availability_pct=avail))
            print(f"\nR0.01 = {rain:g} mm/h, {avail:g} % availability, vertical polarisation")
            print(table.round({"gamma_r_db_per_km": 2, "antenna_gain_dbi": 1, "max_hop_km": 2,
                               "rain_fade_db": 1}).to_string(index=False))


def _demo(folder: Path, out: Path) -> None:
    from towerplan.coverage.config import CoverageConfig
    from towerplan.planning.shared_towers import PlacementSettings
    from towerplan.study import StudySettings
    from towerplan.study.commands import place_run

    for method in ("greedy", "ilp"):
        for sharing in ("per_operator", "shared"):
            placement = PlacementSettings(max_sites=10, method=method, radio_sharing=sharing,  # type: ignore[arg-type]
                                          time_limit_s=60.0)
            settings = StudySettings.create(coverage=CoverageConfig(), technologies=("4G",), placement=placement)
            t0 = time.perf_counter()
            done = place_run(folder, out / f"{method}_{sharing}", settings=settings)
            s = done.summary
            print(f"{method:6s} {sharing:12s} {s['proposals']:3d} sites {s['people_newly_covered']:10,.0f} people  "
                  f"capex {s['capex_vnd'] / 1e9:7.2f} bn  PV {s['present_value_vnd'] / 1e9:7.2f} bn  "
                  f"hop limit {s['microwave_max_hop_km']:.2f} km  backhaul {s['backhaul']}  "
                  f"fibre assumed {s['fibre_assumed']}  {time.perf_counter() - t0:5.1f} s")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--demo", type=Path, help="a study-area folder (towerplan demo --out DIR)")
    p.add_argument("--out", type=Path, default=Path("/tmp/bench_backhaul"))
    args = p.parse_args()
    _hop_tables()
    if args.demo:
        _demo(args.demo, args.out)


if __name__ == "__main__":
    main()
