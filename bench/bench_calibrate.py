"""Drive-test calibration: held-out figures on the shared DTU drive test, and the time for 100,000 samples.

Run by hand (not a test)::

    python bench/bench_calibrate.py dtu [--out DIR]       # towerplan calibrate on the real drive test
    python bench/bench_calibrate.py synthetic [--n 100000] # fit + 5-fold CV time on synthetic samples
    python bench/bench_calibrate.py shadowing              # per-cell terms on correlated shadowing only
    python bench/bench_calibrate.py dtu-apply --out DIR    # the engine with calibration.json vs the fit

The DTU drive test (``../shared/data/measurements/dtu_lte_drive_test.csv.gz``, see its
SOURCES.md) gives the serving cell's position and frequency but no station list and no
DEM: the campus is flat (Lyngby, ~30-40 m above sea level). :func:`flat_dem` writes a
flat 30 m DEM (UTM 33N) around the cell, and ``--stations-from-measurements`` builds
one omni station per carrier at the cell's position (height 30 m, EIRP default: the
transmit power is unknown and ends up in the fitted offset).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DTU = ROOT.parent / "shared" / "data" / "measurements" / "dtu_lte_drive_test.csv.gz"


def flat_dem(path: Path, *, lon: float, lat: float, half_width_m: float = 4000.0, height_m: float = 35.0,
             resolution_m: float = 30.0) -> Path:
    """Write a flat DEM (GeoTIFF, UTM zone of the point) centred on lon/lat."""
    from affine import Affine
    from pyproj import Transformer

    from towerplan.grid import Grid, utm_crs_for_lonlat
    from towerplan.rasters import write_grid

    crs = utm_crs_for_lonlat(lon, lat)
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
    left = np.floor((x - half_width_m) / resolution_m) * resolution_m
    top = np.ceil((y + half_width_m) / resolution_m) * resolution_m
    n = round(2 * half_width_m / resolution_m) + 1
    grid = Grid(np.full((n, n), height_m, dtype=np.float32), Affine(resolution_m, 0, left, 0, -resolution_m, top),
                crs, None)
    write_grid(grid, path, dtype="float32", nodata=None)
    return path


def dtu(out: Path, extra: list[str], data: Path = DTU) -> int:
    from towerplan.cli import main

    if not data.exists():
        print(f"{data} is absent (give --data)", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    dem = flat_dem(out / "flat_dem.tif", lon=12.523481, lat=55.7846702)
    t0 = time.perf_counter()
    code = main(["calibrate", "--measurements", str(data), "--stations-from-measurements", "--dem", str(dem),
                 "--out", str(out / "calibration"), *extra])
    print(f"towerplan calibrate: {time.perf_counter() - t0:.1f} s")
    return code


def synthetic(n: int) -> None:
    import pandas as pd

    from towerplan.measurements import CalibrationSettings, calibrate

    rng = np.random.default_rng(1)
    cells = rng.integers(0, 300, n)
    ops = np.array(["Viettel", "VinaPhone", "MobiFone"])[cells % 3]
    band = np.array(["B3", "B8", "B1"])[(cells // 3) % 3]
    d = 10 ** rng.uniform(2.0, 4.0, n)
    ang = rng.uniform(0, 2 * np.pi, n)
    cx, cy = rng.uniform(0, 50_000, 300), rng.uniform(0, 50_000, 300)
    x, y = cx[cells] + d * np.sin(ang), cy[cells] + d * np.cos(ang)
    pred = -60 - 35 * np.log10(d / 100)
    meas = pred + 4 + 6 * np.log10(d / 1000) + rng.normal(0, 3, 300)[cells] + rng.normal(0, 7, n)
    s = pd.DataFrame({"measured_dbm": meas, "predicted_dbm": pred, "distance_m": d, "x": x, "y": y,
                      "cell": cells.astype(str), "operator": ops, "band": band, "landcover": ""})
    t0, c0 = time.perf_counter(), time.process_time()
    r = calibrate(s, CalibrationSettings())
    print(f"{n:,} samples: fit + 5-fold tile CV in {time.perf_counter() - t0:.2f} s (CPU "
          f"{time.process_time() - c0:.2f} s); held out {r.cv_stats}")


def dtu_apply(out: Path, data: Path = DTU) -> None:
    """Calibrate the DTU drive test, apply calibration.json to the stations and predict the samples again
    through the engine: the levels should equal the uncalibrated ones plus the fit's correction as the
    rasters apply it (clamped slopes, bearing terms; the tilt comes from the engine's vertical pattern).
    Prints too each band's distance correction at its range's far edge, 3 km and 10 km (held beyond it)."""
    import json

    from towerplan.coverage.calibration import sector_terms_db
    from towerplan.measurements import calibrate, read_measurements, stations_from_measurements
    from towerplan.measurements.apply import apply_calibration, read_calibration
    from towerplan.measurements.matching import match_serving
    from towerplan.measurements.predict import predict_samples
    from towerplan.measurements.report import calibration_record
    from towerplan.study import read_study_dem

    out.mkdir(parents=True, exist_ok=True)
    load = read_measurements([data])
    st = stations_from_measurements(load.table, antenna_height_m=30.0, eirp_dbm=None)
    dem = read_study_dem([flat_dem(out / "flat_dem.tif", lon=12.523481, lat=55.7846702)], resolution_m=30.0)
    samples = predict_samples(load.table, st, match_serving(load.table, st), dem)
    r = calibrate(samples)
    (out / "calibration.json").write_text(json.dumps(calibration_record(r, inputs={}, settings_extra={})))
    cal = read_calibration(out / "calibration.json")
    st2 = apply_calibration(st, cal)
    again = predict_samples(load.table, st2, match_serving(load.table, st2), dem)
    near = samples["distance_m"].to_numpy() < 100.0
    s0, s2 = samples.loc[~near].reset_index(drop=True), again.loc[~near].reset_index(drop=True)
    fit = s0["predicted_dbm"].to_numpy() + r.model.correction_db(s0, as_rasters=True)
    diff = s2["predicted_dbm"].to_numpy() - fit
    p1, p50, p99 = np.percentile(diff, [1, 50, 99])
    print(f"engine with calibration.json - (uncalibrated + the fit's correction as the rasters): "
          f"median {p50:+.3f} dB, P1 {p1:+.3f}, P99 {p99:+.3f} ({len(diff):,} samples)")
    resid = s0["measured_dbm"].to_numpy() - s2["predicted_dbm"].to_numpy()
    print(f"in-sample std of measured - engine with calibration.json: {resid.std():.2f} dB "
          f"(final fit, all samples; the held-out figure is the CLI's)")
    for k, row in st2.iterrows():
        edge = row["calibration_max_distance_m"]
        at = {f"{d:g} m": float(row["calibration_offset_db"] + sector_terms_db(
            row.drop([c for c in row.index if c.startswith("calibration_bearing")]), np.log10(np.array([d]) / 1e3),
            np.zeros(1))[0]) for d in (edge, 3000.0, 10000.0)}
        print(f"station {k} ({row['freq_mhz']:g} MHz): distance correction {at} (range "
              f"{row['calibration_min_distance_m']:.0f}-{edge:.0f} m)")


def shadowing() -> None:
    """40 cells driven along a few tracks each, 8 dB shadowing correlated over ~100 m (a smoothed Gaussian
    field, Gudmundson-like), 3 dB fast noise, a random offset per cell; no slope or bearing term in truth:
    the inner cross-validation should leave the bearing terms out and change nothing held out."""
    import pandas as pd
    from scipy.ndimage import gaussian_filter

    from towerplan.measurements import CalibrationSettings, calibrate

    rng = np.random.default_rng(3)
    size_m, res_m = 20_000, 20
    field = gaussian_filter(rng.normal(0.0, 1.0, (size_m // res_m, size_m // res_m)), sigma=100 / res_m, mode="wrap")
    field *= 8.0 / field.std()
    parts = []
    for c in range(40):
        cx, cy = rng.uniform(2000, 18000, 2)
        d = 10 ** rng.uniform(np.log10(120), np.log10(3000), 2500)
        b = (rng.choice(rng.uniform(0, 360, 6), 2500) + rng.normal(0, 8, 2500)) % 360
        x = np.clip(cx + d * np.sin(np.radians(b)), 0, size_m - 1)
        y = np.clip(cy + d * np.cos(np.radians(b)), 0, size_m - 1)
        pred = -70 - 35 * np.log10(d / 1000)
        meas = pred + 3 + rng.normal(0, 4) + field[(y // res_m).astype(int), (x // res_m).astype(int)] \
            + rng.normal(0, 3, 2500)
        parts.append(pd.DataFrame({"measured_dbm": meas, "predicted_dbm": pred, "distance_m": d, "x": x, "y": y,
                                   "cell": f"c{c}", "operator": "V", "band": "B3", "landcover": "",
                                   "bearing_deg": b, "azimuth_unknown": True}))
    s = pd.concat(parts, ignore_index=True)
    for terms in (False, True):
        r = calibrate(s, CalibrationSettings(cell_terms=terms))
        print(f"cell terms {terms}: held out {r.cv_stats}; penalties bearing {r.model.bearing_penalty}, "
              f"slope {r.model.slope_penalty}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["dtu", "synthetic", "shadowing", "dtu-apply"])
    ap.add_argument("--out", type=Path, default=Path("bench_calibrate_out"))
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--data", type=Path, default=DTU, help="the DTU drive test (default ../shared/data/...)")
    known, rest = ap.parse_known_args()
    if known.what == "dtu":
        sys.exit(dtu(known.out, rest, known.data))
    if known.what == "dtu-apply":
        dtu_apply(known.out, known.data)
    elif known.what == "shadowing":
        shadowing()
    else:
        synthetic(known.n)
