"""``towerplan coverage``: files, nodata, summary, option errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer

from towerplan.cli import main
from towerplan.grid import Grid
from towerplan.planning.coverage_stats import operator_slug
from towerplan.rasters import write_grid

RES = 30.0
X0, Y0 = 580_020.0, 2_190_000.0  # EPSG:32648, Thanh Hóa


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    yy, xx = np.mgrid[0:120, 0:120]
    z = (50.0 + 20.0 * np.sin(xx / 9.0) + 15.0 * np.cos(yy / 13.0)).astype(np.float32)
    dem = tmp_path / "dem.tif"
    write_grid(Grid(z, Affine(RES, 0, X0, 0, -RES, Y0), 32648, None), dem)
    tr = Transformer.from_crs(32648, 4326, always_xy=True)
    rows = []
    for k, (op, dx, dy, f) in enumerate((("Viettel", 1200, -1200, 1842.5), ("Mobi Fone", 2400, -2400, 900.0))):
        lon, lat = tr.transform(X0 + dx, Y0 + dy)
        for az in (0, 120, 240):
            rows.append({"site_id": f"S{k}", "cell_id": f"S{k}-{az}", "operator": op, "technology": "4G",
                         "lon": round(lon, 6), "lat": round(lat, 6), "antenna_height_m": 30, "azimuth_deg": az,
                         "tilt_deg": 3, "h_beamwidth_deg": 65, "v_beamwidth_deg": 7, "freq_mhz": f,
                         "eirp_dbm": 58})
    st = tmp_path / "stations.csv"
    pd.DataFrame(rows).to_csv(st, index=False)
    return dem, st


def test_coverage_writes_every_file(inputs, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    dem, st = inputs
    out = tmp_path / "run"
    code = main(["coverage", "--dem", str(dem), "--stations", str(st), "--out", str(out), "--resolution-m", "30",
                 "--max-radius-m", "2500", "--write-loss", "--itm-tls", "50,50,50", "--itm-climate", "equatorial"])
    assert code == 0, capsys.readouterr().err
    names = {p.name for p in out.iterdir()}
    assert {"best_rsrp_dbm.tif", "best_server.tif", "server_count.tif", "rsrp_viettel_dbm.tif",
            "rsrp_mobifone_dbm.tif", "path_loss_db.tif", "coverage_summary.json", "best_server_index.csv"} <= names
    with rasterio.open(out / "best_server.tif") as src:
        assert src.dtypes[0] == "int32"
        assert src.nodata == -1
        srv = src.read(1)
    with rasterio.open(out / "best_rsrp_dbm.tif") as src:
        assert src.dtypes[0] == "float32"
        assert np.isnan(src.nodata)
        best = src.read(1)
    assert set(np.unique(srv)) <= set(range(-1, 6))
    assert (srv >= 0).sum() > 100
    assert np.array_equal(srv >= 0, np.isfinite(best))
    summary = json.loads((out / "coverage_summary.json").read_text())
    assert summary["stations"]["used"] == 6
    assert set(summary["operators"]) == {"Viettel", "MobiFone"}  # names normalised by towerplan.stations
    assert summary["settings"]["itm"]["climate"] == 1
    assert summary["any_operator"]["cells"] == int(np.isfinite(best).sum())
    index = pd.read_csv(out / "best_server_index.csv")  # the plan package's name and key column
    assert index["best_server"].tolist() == list(range(6))
    assert {"site_id", "cell_id", "operator", "technology", "model"} <= set(index.columns)
    assert "coverage:" in capsys.readouterr().out
    assert "level_4g_dbm.tif" in names  # one raster per technology


def test_technology_filter(inputs, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    dem, st = inputs
    frame = pd.read_csv(st)
    frame.loc[frame["site_id"] == "S1", ["technology", "freq_mhz"]] = ["2G", 942.5]
    frame.to_csv(st, index=False)
    out = tmp_path / "run4g"
    code = main(["coverage", "--dem", str(dem), "--stations", str(st), "--out", str(out), "--resolution-m", "30",
                 "--max-radius-m", "2500", "--technology", "4g"])
    assert code == 0, capsys.readouterr().err
    summary = json.loads((out / "coverage_summary.json").read_text())
    assert summary["stations"]["used"] == 3
    assert set(summary["operators"]) == {"Viettel"}
    assert summary["inputs"]["technologies"] == ["4G"]
    assert not (out / "level_2g_dbm.tif").exists()
    assert main(["coverage", "--dem", str(dem), "--stations", str(st), "--out", str(tmp_path / "x"),
                 "--technology", "5G"]) == 2
    assert "no 5G sectors" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["coverage", "--dem", str(dem), "--stations", str(st), "--out", str(tmp_path / "y"),
              "--technology", "6G"])
    assert exc.value.code == 2


def test_bad_option_values_exit_2(inputs, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    dem, st = inputs
    assert main(["coverage", "--dem", str(dem), "--stations", str(st), "--out", str(tmp_path / "o"),
                 "--itm-n0", "900"]) == 2
    assert "n0" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["coverage", "--dem", str(dem), "--stations", str(st), "--out", str(tmp_path / "o"),
              "--itm-tls", "50,50"])
    assert exc.value.code == 2


def test_missing_dem_exits_2(inputs, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _, st = inputs
    assert main(["coverage", "--dem", str(tmp_path / "nope.tif"), "--stations", str(st), "--out",
                 str(tmp_path / "o")]) == 2


def test_operator_slug() -> None:
    assert operator_slug("Mobi Fone") == "mobi-fone"
    assert operator_slug(" Viettel ") == "viettel"
    assert operator_slug("A/B") == "a_b"
