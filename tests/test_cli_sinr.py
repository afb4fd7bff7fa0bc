"""``towerplan coverage --sinr`` and the speed outputs of ``towerplan gaps`` on a small synthetic case."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer
from shapely.geometry import box

from towerplan.cli import main
from towerplan.coverage.radio import DATA_TECHNOLOGIES
from towerplan.grid import Grid
from towerplan.rasters import write_grid

RES = 30.0
X0, Y0 = 580_020.0, 2_190_000.0  # EPSG:32648, Thanh Hóa
N = 120


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    yy, xx = np.mgrid[0:N, 0:N]
    z = (50.0 + 20.0 * np.sin(xx / 9.0) + 15.0 * np.cos(yy / 13.0)).astype(np.float32)
    dem = tmp_path / "dem.tif"
    write_grid(Grid(z, Affine(RES, 0, X0, 0, -RES, Y0), 32648, None), dem)
    pop = tmp_path / "pop.tif"
    write_grid(Grid(np.full((N, N), 2.0, dtype=np.float32), Affine(RES, 0, X0, 0, -RES, Y0), 32648, None), pop)
    communes = tmp_path / "communes.gpkg"
    gpd.GeoDataFrame({"name": ["Xã Tây", "Xã Đông"]},
                     geometry=[box(X0, Y0 - N * RES, X0 + N * RES / 2, Y0),
                               box(X0 + N * RES / 2, Y0 - N * RES, X0 + N * RES, Y0)],
                     crs=32648).to_file(communes)
    tr = Transformer.from_crs(32648, 4326, always_xy=True)
    rows = []
    for k, (op, dx, dy, tech, f) in enumerate((("Viettel", 1000, -1800, "4G", 1842.5),
                                               ("Viettel", 2600, -1800, "4G", 1842.5),
                                               ("Viettel", 1800, -1000, "5G", 3550.0),
                                               ("Mobi Fone", 1800, -2600, "4G", 1842.5))):
        lon, lat = tr.transform(X0 + dx, Y0 + dy)
        for az in (0, 120, 240):
            rows.append({"site_id": f"S{k}", "cell_id": f"S{k}-{az}", "operator": op, "technology": tech,
                         "lon": round(lon, 6), "lat": round(lat, 6), "antenna_height_m": 30, "azimuth_deg": az,
                         "tilt_deg": 3, "h_beamwidth_deg": 65, "v_beamwidth_deg": 7, "freq_mhz": f,
                         "eirp_dbm": 58})
    st = tmp_path / "stations.csv"
    pd.DataFrame(rows).to_csv(st, index=False)
    return dem, st, pop, communes


def _read(path: Path) -> np.ndarray:
    with rasterio.open(path) as src:
        return src.read(1)


def test_coverage_sinr_then_gaps_speed(inputs, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    dem, st, pop, communes = inputs
    cov = tmp_path / "cov"
    code = main(["coverage", "--dem", str(dem), "--stations", str(st), "--out", str(cov), "--resolution-m", "30",
                 "--max-radius-m", "2500", "--model", "fspl", "--sinr"])
    assert code == 0, capsys.readouterr().err
    names = {p.name for p in cov.iterdir()}
    for op in ("viettel", "mobifone"):  # "Mobi Fone" is read as MobiFone
        assert {f"sinr_{op}_db.tif", f"throughput_dl_{op}_mbps.tif", f"throughput_ul_{op}_mbps.tif",
                f"uplink_limited_{op}.tif", f"serving_{op}_4g.tif"} <= names
    # Viettel has 4G and 5G: one file per technology too, and the serving layer is the faster one
    assert {"sinr_viettel_4g_db.tif", "sinr_viettel_5g_db.tif", "throughput_dl_viettel_5g_mbps.tif"} <= names
    best = _read(cov / "throughput_dl_viettel_mbps.tif")
    per_tech = np.stack([_read(cov / f"throughput_dl_viettel_{t.lower()}_mbps.tif") for t in DATA_TECHNOLOGIES])
    ok = np.isfinite(best)
    assert ok.any()
    assert np.array_equal(best[ok], np.nanmax(per_tech[:, ok], axis=0))
    summary = json.loads((cov / "coverage_summary.json").read_text(encoding="utf-8"))
    assert summary["radio"]["sinr"]["noise_per_re_dbm"]["4G"] == pytest.approx(-125.24, abs=0.01)
    assert set(summary["radio"]["operators"]) == {"Viettel", "MobiFone"}

    out = tmp_path / "gaps"
    code = main(["gaps", "--coverage", str(cov), "--population", str(pop), "--communes", str(communes),
                 "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    made = {p.name for p in out.iterdir()}
    assert {"speed_gaps.gpkg", "speed_communes.csv", "speed_sectors.csv", "speed_summary.json",
            "user_throughput_viettel_4g_mbps.tif", "user_throughput_viettel_5g_mbps.tif"} <= made
    speed = json.loads((out / "speed_summary.json").read_text(encoding="utf-8"))
    table = pd.read_csv(out / "speed_communes.csv", encoding="utf-8-sig")
    for tech in ("4G", "5G"):
        t = speed["totals"][tech]
        assert t["people_served"] == pytest.approx(t["people_target"] + t["people_speed_gap"], abs=0.2)
        assert table[f"people_{tech.lower()}_served"].sum() == pytest.approx(t["people_served"], rel=1e-6)
    assert list(table["name"]) == ["Xã Tây", "Xã Đông"]
