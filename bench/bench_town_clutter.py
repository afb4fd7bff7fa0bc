"""Why the demo's largest dead zone is a town 350 m from a site: a trace and a sensitivity run (issue 15).

Run by hand after a demo run (`python -m towerplan run data/demo/scenario.toml --out OUT`)::

    python bench/bench_town_clutter.py OUT                  # the model table, the trace, the sensitivity
    python bench/bench_town_clutter.py OUT --gap 103 --skip-sensitivity

* **models**: flat ground, a street receiver (1.5 m) in built-up clutter (R = 15 m), 1842.5 MHz,
  a 30 m mast: P.1812-7 with R on the profile (90 m and 30 m steps), free space + ITU-R P.2108-1
  §3.2 (median), COST-231 Hata urban and COST-231 Walfisch-Ikegami (COST 231 final report §4.4.2;
  roofs 15 m, streets 20 m, buildings 40 m apart, 90° to the street);
* **trace**: the gap cell nearest the closest site, and each 4G sector within 1.6 km of it: distance,
  azimuth, the 3GPP pattern's gain toward the cell (as the engine's `SectorPattern`), EIRP, band,
  the profile's clutter, each P.1812 loss term and the RSRP against the run's required median;
* **sensitivity**: the engine (`run_coverage`, P.1812) over the demo DEM with the 4G sectors
  within 8 km of the gap, with the land cover as is, with the built-up class at P.1812 Table 2's
  suburban height (10 m) and without land cover; people covered in the gap and in the whole
  built-up area around it.

Reads the run's `geojson/gaps.geojson`, `geojson/stations.geojson`, `summary.json`, and the demo's
generated inputs (`~/.cache/towerplan/demo-*-90m`). Prints; writes nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
from pyproj import Transformer
from rasterio.features import geometry_mask
from scipy import ndimage

from towerplan.coverage import _kernels as kern
from towerplan.coverage.antenna import SectorPattern
from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.clutter_loss import p2108_terrestrial_clutter_loss_db
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from towerplan.coverage.p1812 import p1812_p2p_db
from towerplan.coverage.propagation import cost231_db, fspl_db
from towerplan.landcover import WORLDCOVER_TABLE
from towerplan.rasters import read_grid

F_MHZ = 1842.5
RE_DB = -10.0 * math.log10(1200)  # RSRP: one of 1,200 resource elements of a 20 MHz LTE carrier


def walfisch_ikegami_db(d_km: float, f_mhz: float, h_b: float, *, roof: float = 15.0, h_m: float = 1.5,
                        street: float = 20.0, spacing: float = 40.0, phi_deg: float = 90.0) -> float:
    """COST-231 Walfisch-Ikegami, non-line-of-sight, medium city (COST 231 final report §4.4.2)."""
    l_ori = 4.0 - 0.114 * (phi_deg - 55.0) if phi_deg >= 55.0 else (2.5 + 0.075 * (phi_deg - 35.0)
                                                                     if phi_deg >= 35.0 else -10.0 + 0.354 * phi_deg)
    l_rts = -16.9 - 10 * math.log10(street) + 10 * math.log10(f_mhz) + 20 * math.log10(roof - h_m) + l_ori
    l_bsh = -18.0 * math.log10(1.0 + h_b - roof)
    k_f = -4.0 + 0.7 * (f_mhz / 925.0 - 1.0)
    l_msd = l_bsh + 54.0 + 18.0 * math.log10(d_km) + k_f * math.log10(f_mhz) - 9.0 * math.log10(spacing)
    return float(fspl_db(d_km * 1000.0, f_mhz)) + max(l_rts + l_msd, 0.0)


def _flat_p1812(d_m: float, step_m: float, r_m: float, h_tx: float) -> float:
    n = max(round(d_m / step_m), 4)
    d = np.linspace(0.0, d_m / 1000.0, n + 1)
    return p1812_p2p_db(d, np.zeros(n + 1), freq_mhz=F_MHZ, time_percent=50.0, h_tx_m=h_tx, h_rx_m=1.5,
                        clutter_m=np.full(n + 1, r_m), delta_n=50.0, n0=375.0, centre_latitude_deg=19.8).lb_db


def model_table(h_tx: float = 30.0) -> None:
    print(f"\n## Street receiver in 15 m clutter, flat ground, {F_MHZ} MHz, {h_tx:g} m mast (dB)")
    print("| d (km) | P.1812 R=15, 90 m step | 30 m step | P.1812 R=10, 90 m | FS | FS + P.2108 §3.2 (50 %) "
          "| COST-231 Hata urban | COST-231 W-I |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for d in (0.35, 0.5, 1.0, 2.0):
        fs = float(fspl_db(d * 1000.0, F_MHZ))
        p2108 = fs + float(p2108_terrestrial_clutter_loss_db(F_MHZ, d, 50.0))
        with np.errstate(all="ignore"):
            hata = float(cost231_db(d * 1000.0, F_MHZ, h_tx, 1.5))
        p90, p30, p10 = (_flat_p1812(d * 1000, step, r, h_tx) for step, r in ((90.0, 15.0), (30.0, 15.0), (90.0, 10.0)))
        print(f"| {d:g} | {p90:.1f} | {p30:.1f} | {p10:.1f} | {fs:.1f} | {p2108:.1f} | {hata:.1f} "
              f"| {walfisch_ikegami_db(d, F_MHZ, h_tx):.1f} |")


class Demo:
    """The demo's DEM, land cover and a run's gaps and 4G stations."""

    def __init__(self, out: Path, cache: Path, gap_id: int | None) -> None:
        self.dem = read_grid(cache / "dem.tif")
        self.lc = read_grid(cache / "landcover.tif").values.astype(np.uint8)
        self.pop = read_grid(cache / "population.tif").values.astype(np.float64)
        gaps = gpd.read_file(out / "geojson" / "gaps.geojson").to_crs(self.dem.crs)
        gap = gaps.sort_values("people", ascending=False).iloc[0] if gap_id is None else \
            gaps[gaps.gap_id == gap_id].iloc[0]
        self.gap = gap
        st = gpd.read_file(out / "geojson" / "stations.geojson")
        self.st = st[st.technology == "4G"].drop(columns="geometry").reset_index(drop=True)
        self.required_dbm = float(json.loads((out / "summary.json").read_text())["figures"]["threshold_dbm"])
        to_utm = Transformer.from_crs(4326, self.dem.crs, always_xy=True)
        self.st["x"], self.st["y"] = to_utm.transform(self.st.lon.to_numpy(), self.st.lat.to_numpy())
        self.heights = {c.code: c.height_m for c in WORLDCOVER_TABLE.classes}
        left, _, _, top = self.dem.bounds
        self.left, self.top, self.res = left, top, self.dem.res[0]
        self.in_gap = ~geometry_mask([gap.geometry], self.dem.shape, self.dem.transform)

    def colrow(self, x, y):
        return (np.asarray(x) - self.left) / self.res - 0.5, (self.top - np.asarray(y)) / self.res - 0.5

    def trace(self) -> None:
        z = self.dem.values.astype(np.float64)
        rows, cols = np.nonzero(self.in_gap)
        xs, ys = self.dem.xy(rows, cols)
        dist = np.hypot(xs[:, None] - self.st.x.to_numpy()[None, :], ys[:, None] - self.st.y.to_numpy()[None, :])
        k = int(np.argmin(dist.min(axis=1)))
        xr, yr = xs[k], ys[k]
        print(f"\n## Trace: gap #{self.gap.gap_id} ({self.gap.commune}, {self.gap.people:,.0f} people, "
              f"{self.gap.area_km2} km²), cell x={xr:.0f} y={yr:.0f} (WorldCover {self.lc[rows[k], cols[k]]}); "
              f"required median RSRP {self.required_dbm:.2f} dBm")
        print("| sector | d (m) | azimuth / to cell | tilt | pattern (dB) | EIRP | h (m) | Lb P.1812 | no clutter "
              "| Lbfs | Lbull | Ldsph | Lbs | Lba | RSRP |")
        print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for _, s in self.st.iterrows():
            d_m = math.hypot(xr - s.x, yr - s.y)
            if d_m > 1600.0:
                continue
            m = max(round(d_m / self.res), 4)
            t = np.arange(m + 1) / m
            c0, r0 = self.colrow(s.x, s.y)
            c1, r1 = self.colrow(xr, yr)
            pc, pr = c0 + (c1 - c0) * t, r0 + (r1 - r0) * t
            prof = np.array([kern.bilinear(z, c, r) for c, r in zip(pc, pr, strict=True)])
            cls = self.lc[np.floor(pr + 0.5).astype(int), np.floor(pc + 0.5).astype(int)]
            r_m = np.array([self.heights[int(c)] for c in cls])
            res, bare = (p1812_p2p_db(t * d_m / 1000.0, prof, freq_mhz=float(s.freq_mhz), time_percent=50.0,
                                      h_tx_m=float(s.antenna_height_m), h_rx_m=1.5, delta_n=50.0, n0=375.0,
                                      centre_latitude_deg=float(s.lat), clutter_m=r)
                         for r in (r_m, None))
            az = math.degrees(math.atan2(xr - s.x, yr - s.y)) % 360.0
            elev = math.degrees(math.atan2(prof[0] + s.antenna_height_m - prof[-1] - 1.5, d_m))
            pat = SectorPattern(h_beamwidth_deg=float(s.h_beamwidth_deg), v_beamwidth_deg=float(s.v_beamwidth_deg),
                                electrical_tilt_deg=float(s.tilt_deg))
            gain = float(pat.gain_db(az - float(s.azimuth_deg), elev))
            rsrp = float(s.eirp_dbm) + gain - res.lb_db + RE_DB
            dd = res.details
            print(f"| {s.cell_id} | {d_m:.0f} | {s.azimuth_deg:.0f}° / {az:.0f}° | {s.tilt_deg:g}° | {gain:.1f} "
                  f"| {s.eirp_dbm:g} | {s.antenna_height_m:g} | {res.lb_db:.1f} | {bare.lb_db:.1f} | "
                  f"{dd['lbfs_db']:.1f} | {dd['lbulla_db']:.1f} | {dd['ldsph_db']:.1f} | {dd['lbs_db']:.1f} | "
                  f"{dd['lba_db']:.1f} | {rsrp:.1f} |")
        print(f"profile R of the last path (site -> cell, m): {r_m.astype(int).tolist()}")
        near = dist[:, :].min(axis=1)
        print(f"gap cells' distance to the nearest 4G site: median {np.median(near):.0f} m, "
              f"P10-P90 {np.percentile(near, 10):.0f}-{np.percentile(near, 90):.0f} m")

    def sensitivity(self) -> None:
        gx, gy = self.gap.geometry.centroid.x, self.gap.geometry.centroid.y
        near = np.hypot(self.st.x - gx, self.st.y - gy) <= 8000.0
        st = self.st[near].drop(columns=["x", "y"]).reset_index(drop=True)
        lab, _ = ndimage.label(self.lc == 50)
        ids = np.unique(lab[self.in_gap])
        town = np.isin(lab, ids[ids > 0])
        cfg = CoverageConfig(model="p1812", threshold_dbm=self.required_dbm, max_radius_m=12000.0)
        variants = {"land cover as is (built-up R = 15 m)": self._clutter({}),
                    "built-up at Table 2's suburban R = 10 m": self._clutter({50: (3, 10.0)}),
                    "no land cover": None}
        print(f"\n## Sensitivity: {int(near.sum())} 4G sectors within 8 km; town = the built-up area around the gap "
              f"({town.sum() * self.res**2 / 1e6:.1f} km², {self.pop[town].sum():,.0f} people)")
        print("| clutter | people covered in the gap | in the town | run time (s) |")
        print("|---|---:|---:|---:|")
        for name, clut in variants.items():
            t0 = time.perf_counter()
            lvl = run_coverage(self.dem, st, config=cfg, clutter=clut).best_level.values
            ok = np.isfinite(lvl) & (lvl >= self.required_dbm)
            print(f"| {name} | {self.pop[self.in_gap & ok].sum():,.0f} of {self.pop[self.in_gap].sum():,.0f} "
                  f"| {self.pop[town & ok].sum() / self.pop[town].sum():.1%} | {time.perf_counter() - t0:.0f} |")

    def _clutter(self, override: dict[int, tuple[int, float]]) -> ClutterGrid:
        cat = {c.code: (c.clutter, c.height_m) for c in WORLDCOVER_TABLE.classes} | override
        code = np.zeros(self.lc.shape, np.uint8)
        height = np.zeros(self.lc.shape, np.float32)
        for k, (c, h) in cat.items():
            code[self.lc == k] = c
            height[self.lc == k] = h
        return ClutterGrid(height, code)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="a demo run's output folder")
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "towerplan" / "demo-2-2024-90m")
    ap.add_argument("--gap", type=int, default=None, help="gap_id (default: the largest by people)")
    ap.add_argument("--skip-sensitivity", action="store_true")
    args = ap.parse_args()
    model_table()
    demo = Demo(args.out, args.cache, args.gap)
    demo.trace()
    if not args.skip_sensitivity:
        demo.sensitivity()


if __name__ == "__main__":
    main()
