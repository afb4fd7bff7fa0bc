"""``towerplan place`` on a coarse synthetic demo province."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from pyproj import Transformer
from shapely.geometry import Point, box

from towerplan.cli import main
from towerplan.demo import write_demo
from towerplan.rasters import read_grid

OUTPUTS = {"proposals.gpkg", "proposals.csv", "curve.csv", "curve.png", "placement_summary.json",
           "coverage_before_dbm.tif", "coverage_after_dbm.tif"}


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, resolution_m=300.0)
    return folder


def test_place_writes_the_plan(study: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "plan"
    code = main(["place", "--scenario", str(study), "--budget-towers", "3", "--method", "ilp",
                 "--max-greenfield", "80", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert {p.name for p in out.iterdir()} == OUTPUTS
    summary = json.loads((out / "placement_summary.json").read_text())
    props = pd.read_csv(out / "proposals.csv", encoding="utf-8-sig")
    assert summary["objective"] == "any"
    assert summary["proposals"] == len(props) > 0
    assert len(props) <= 3
    assert summary["optimality_gap"] is not None
    assert summary["optimality_gap"] < 0.01
    assert 0 < summary["people_newly_covered"] <= summary["people_without_coverage"]
    # the study summary's figures (issue 21): one "without coverage", before and after
    figures = summary["figures"]
    assert figures["uncovered"] == pytest.approx(summary["people_without_coverage"], abs=0.5)
    assert figures["uncovered_after"] == pytest.approx(figures["uncovered"] - summary["people_newly_covered"],
                                                       abs=2.0)
    assert "People without 4G (whole study area)" in capsys.readouterr().out
    assert summary["fibre_source"] == "existing tower sites (assumed fed)"
    assert summary["candidates"]["greenfield"] <= 80
    assert props["build_order"].tolist() == list(range(1, len(props) + 1))
    assert not props["backhaul"].str.contains("assumed").any()  # every demo mast reaches a road or a tower
    curve = pd.read_csv(out / "curve.csv")
    assert curve["people_newly_covered"].is_monotonic_increasing
    np.testing.assert_allclose(curve["cumulative_cost_vnd"], props["cost_vnd"].cumsum())
    layers = dict(pyogrio.list_layers(out / "proposals.gpkg"))
    assert layers == {"proposals": "Point", "backhaul_routes": "LineString"}
    gdf = gpd.read_file(out / "proposals.gpkg", layer="proposals")
    assert gdf.crs.to_epsg() == 4326
    assert len(gdf) == len(props)
    routes = gpd.read_file(out / "proposals.gpkg", layer="backhaul_routes")
    assert len(routes) == int((props["backhaul"] == "fibre").sum())
    before = read_grid(out / "coverage_before_dbm.tif")
    after = read_grid(out / "coverage_after_dbm.tif")
    dem = read_grid(study / "dem.tif")
    assert before.same_lattice(dem)
    b, a = before.values, after.values
    assert np.all(a[np.isfinite(b)] >= b[np.isfinite(b)])
    assert np.isfinite(a).sum() > np.isfinite(b).sum()
    assert (out / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_place_backup_with_user_layers(study: Path, tmp_path: Path, capsys) -> None:
    dem = read_grid(study / "dem.tif")
    x0, y0, x1, y1 = dem.bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    lon, lat = Transformer.from_crs(dem.crs, 4326, always_xy=True).transform([cx, cx + 9000], [cy, cy - 9000])
    cands = tmp_path / "my_sites.csv"
    pd.DataFrame({"candidate_id": ["MY1", "MY2"], "lon": lon, "lat": lat, "mast_height_m": [45, 45]}).to_csv(
        cands, index=False)
    excl = tmp_path / "parks.gpkg"
    gpd.GeoDataFrame({"name": ["park"]}, geometry=[box(cx + 8000, cy - 10000, cx + 10000, cy - 8000)],
                     crs=dem.crs).to_file(excl)
    fibre = tmp_path / "pops.geojson"
    gpd.GeoDataFrame({"fibre_id": ["POP-A"]}, geometry=[Point(cx, cy)], crs=dem.crs).to_crs(4326).to_file(fibre)
    stations = pd.read_csv(study / "stations.csv")
    locked = "C-" + sorted(stations.loc[stations["technology"] == "4G", "site_id"].astype(str))[0]
    out = tmp_path / "plan"
    code = main(["place", "--scenario", str(study), "--objective", "backup", "--budget-vnd", "6e9",
                 "--budget-towers", "4", "--max-greenfield", "60", "--candidates", str(cands), "--exclusions",
                 str(excl), "--fibre-points", str(fibre), "--locked-in", locked, "--must-include", "MY1",
                 "--microwave-freq-ghz", "18", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    summary = json.loads((out / "placement_summary.json").read_text())
    assert summary["objective"] == "backup"
    assert summary["unit"] == "people gaining a second operator"
    assert summary["candidates"]["user"] == 1  # MY2 stands in the park
    assert summary["user_candidates_dropped_in_exclusions"] == 1
    assert summary["candidates"]["locked_in"] == 1
    assert summary["fibre_source"] == "fibre points"
    assert summary["cost_vnd"] <= 6e9
    props = pd.read_csv(out / "proposals.csv", encoding="utf-8-sig")
    assert "MY1" in set(props["candidate_id"])
    assert locked not in set(props["candidate_id"])
    assert len(props) <= 4


def test_place_errors_exit_2(study: Path, tmp_path: Path, capsys) -> None:
    out = str(tmp_path / "o")
    assert main(["place", "--scenario", str(tmp_path / "nope"), "--budget-towers", "2", "--out", out]) == 2
    assert "not a study-area folder" in capsys.readouterr().err
    assert main(["place", "--scenario", str(study), "--budget-towers", "0", "--out", out]) == 2
    assert main(["place", "--scenario", str(study), "--out", out]) == 2
    assert "--budget-towers" in capsys.readouterr().err
    assert main(["place", "--scenario", str(study), "--budget-towers", "2", "--must-include", "G00001",
                 "--forbidden", "G00001,G00002", "--out", out]) == 2
    assert "both must_include and forbidden: G00001" in capsys.readouterr().err
    assert main(["place", "--scenario", str(study), "--budget-towers", "2", "--microwave-freq-ghz", "500",
                 "--out", out]) == 2
    assert "microwave_freq_ghz" in capsys.readouterr().err
    assert main(["place", "--scenario", str(study), "--budget-towers", "2", "--candidates",
                 str(tmp_path / "missing.csv"), "--out", out]) == 2
    assert "no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["place", "--scenario", str(study), "--objective", "everything", "--budget-towers", "2", "--out", out])
    assert exc.value.code == 2
