"""``towerplan gaps``: reads rsrp_<operator>_dbm.tif rasters, writes gaps.gpkg, commune_stats.csv, gaps_summary.json."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from affine import Affine

from towerplan.cli import main
from towerplan.grid import Grid
from towerplan.rasters import write_grid

X0, Y0, RES, N = 500_000.0, 2_200_000.0, 30.0, 100
T = Affine(RES, 0, X0, 0, -RES, Y0)


def _grid(values: np.ndarray) -> Grid:
    return Grid(values, T, 32648, np.nan if np.issubdtype(values.dtype, np.floating) else None)


@pytest.fixture
def inputs(tmp_path):
    cov = tmp_path / "cov"
    cov.mkdir()
    level = np.full((N, N), np.nan, dtype=np.float32)
    level[:, :50] = -90.0  # Viettel covers the west half
    other = np.full((N, N), np.nan, dtype=np.float32)
    other[:, :25] = -100.0  # Mobi Fone the west quarter
    write_grid(_grid(level), cov / "rsrp_viettel_dbm.tif", dtype="float32", nodata=float("nan"))
    write_grid(_grid(other), cov / "rsrp_mobi-fone_dbm.tif", dtype="float32", nodata=float("nan"))
    people = np.zeros((N, N), dtype=np.float32)
    people[:, :] = 0.5
    people[40:50, 80:90] = 6.0  # an uncovered village of 600 people in the east
    write_grid(_grid(people), tmp_path / "pop.tif", dtype="float32", nodata=float("nan"))
    write_grid(_grid(np.full((N, N), 120.0, dtype=np.float32)), tmp_path / "dem.tif", dtype="float32",
               nodata=float("nan"))
    communes = gpd.GeoDataFrame(
        {"commune_vn": ["Xã Hàm Rồng", "Xã Đông Hải"], "population": [1000, 2000]},
        geometry=[shapely.box(X0, Y0 - 3000, X0 + 1500, Y0), shapely.box(X0 + 1500, Y0 - 3000, X0 + 3000, Y0)],
        crs=32648).to_crs(4326)
    communes.to_file(tmp_path / "communes.gpkg", driver="GPKG")
    roads = gpd.GeoDataFrame({"loai_duong": ["Đường chính"]},
                             geometry=[shapely.LineString([(X0 + 300, Y0 - 1350), (X0 + 2700, Y0 - 1350)])],
                             crs=32648)
    roads.to_file(tmp_path / "roads.gpkg", driver="GPKG")
    return tmp_path


def test_gaps_command_writes_every_output(inputs, capsys):
    out = inputs / "out"
    code = main(["gaps", "--coverage", str(inputs / "cov"), "--population", str(inputs / "pop.tif"),
                 "--communes", str(inputs / "communes.gpkg"), "--roads", str(inputs / "roads.gpkg"),
                 "--dem", str(inputs / "dem.tif"), "--min-people", "100", "--min-density", "1000",
                 "--household-size", "4", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["commune_stats.csv", "gaps.gpkg", "gaps_summary.json"]
    layers = {name for name, _ in pyogrio.list_layers(out / "gaps.gpkg")}
    assert layers == {"gaps", "commune_stats", "road_coverage"}
    gaps = gpd.read_file(out / "gaps.gpkg", layer="gaps")
    assert len(gaps) == 1
    assert gaps.loc[0, "people"] == pytest.approx(600.0)
    assert gaps.loc[0, "households"] == pytest.approx(150.0)
    assert gaps.loc[0, "elev_max_m"] == pytest.approx(120.0)
    assert gaps.loc[0, "commune"] == "Xã Đông Hải"
    raw = (out / "commune_stats.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel shows the tone marks
    stats = pd.read_csv(out / "commune_stats.csv", encoding="utf-8-sig")
    assert list(stats["commune_vn"]) == ["Xã Hàm Rồng", "Xã Đông Hải"]
    assert stats["people"].sum() == pytest.approx(N * N * 0.5 + 100 * 5.5, rel=1e-6)
    assert stats.loc[0, "people_covered_mobi_fone"] == pytest.approx(25 * N * 0.5, rel=1e-6)
    summary = json.loads((out / "gaps_summary.json").read_text(encoding="utf-8"))
    assert summary["covered_by_operator"] == {"mobi-fone": pytest.approx(1250.0), "viettel": pytest.approx(2500.0)}
    assert summary["covered_any_operator"] == pytest.approx(2500.0)
    assert summary["covered_two_or_more_operators"] == pytest.approx(1250.0)
    assert summary["gap_count"] == 1
    assert summary["gap_people"] == pytest.approx(600.0)
    assert summary["road_km"] == pytest.approx(2.4)
    assert summary["road_covered_km"] == pytest.approx(1.2)
    assert "priority = people" in summary["score_formula"]
    roads = gpd.read_file(out / "gaps.gpkg", layer="road_coverage")
    assert roads["covered_km"].sum() == pytest.approx(1.2)
    assert "1 gaps with 600 people" in capsys.readouterr().out


def test_gaps_command_for_one_operator(inputs):
    out = inputs / "mobi"
    assert main(["gaps", "--coverage", str(inputs / "cov"), "--population", str(inputs / "pop.tif"),
                 "--operator", "Mobi Fone", "--min-density", "100", "--out", str(out)]) == 0
    summary = json.loads((out / "gaps_summary.json").read_text(encoding="utf-8"))
    assert summary["gap_operator"] == "Mobi Fone"
    assert summary["gap_people"] == pytest.approx(N * 75 * 0.5 + 100 * 5.5)
    assert not (out / "commune_stats.csv").exists()


def test_gaps_command_errors(inputs, capsys):
    empty = inputs / "empty"
    empty.mkdir()
    assert main(["gaps", "--coverage", str(empty), "--population", str(inputs / "pop.tif"),
                 "--out", str(inputs / "o1")]) == 2
    assert "no rsrp_<operator>_dbm.tif" in capsys.readouterr().err
    assert main(["gaps", "--coverage", str(inputs / "cov"), "--population", str(inputs / "pop.tif"),
                 "--operator", "Vinaphone", "--out", str(inputs / "o2")]) == 2
    assert "available: mobi-fone, viettel" in capsys.readouterr().err
    assert main(["gaps", "--coverage", str(inputs / "cov"), "--population", str(inputs / "pop.tif"),
                 "--min-people", "-5", "--out", str(inputs / "o3")]) == 2
    assert "min_people" in capsys.readouterr().err


def test_population_on_another_lattice_is_aligned_and_its_gaps_reported(inputs):
    # 60 m cells over the west half of the area only: aligned sum-preserving, the east half has no data
    people = np.full((N // 2, N // 4), 2.0, dtype=np.float32)
    write_grid(Grid(people, Affine(60, 0, X0, 0, -60, Y0), 32648, np.nan), inputs / "pop60.tif", dtype="float32",
               nodata=float("nan"))
    out = inputs / "aligned"
    assert main(["gaps", "--coverage", str(inputs / "cov"), "--population", str(inputs / "pop60.tif"),
                 "--out", str(out)]) == 0
    summary = json.loads((out / "gaps_summary.json").read_text(encoding="utf-8"))
    assert summary["total_people"] == pytest.approx(people.sum())
    assert summary["population_data_fraction"] == pytest.approx(0.5)
    assert any("sum-preserving" in n for n in summary["notes"])
    assert any("covers only 50.0 %" in n for n in summary["notes"])


def test_invalid_commune_polygons_are_repaired_and_reported(inputs, capsys):
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 3000, Y0 - 3000), (X0 + 3000, Y0), (X0, Y0 - 3000)])
    gpd.GeoDataFrame({"commune_vn": ["Xã Nơ"]}, geometry=[bowtie], crs=32648).to_file(inputs / "bad.gpkg")
    out = inputs / "bad"
    assert main(["gaps", "--coverage", str(inputs / "cov"), "--population", str(inputs / "pop.tif"),
                 "--communes", str(inputs / "bad.gpkg"), "--out", str(out)]) == 0
    summary = json.loads((out / "gaps_summary.json").read_text(encoding="utf-8"))
    assert any("repaired 1 invalid polygons" in n for n in summary["notes"])
    stats = pd.read_csv(out / "commune_stats.csv", encoding="utf-8-sig")
    assert stats.loc[0, "area_km2"] == pytest.approx(4.5)
    assert main(["gaps", "--coverage", str(inputs / "cov"), "--population", str(inputs / "pop.tif"),
                 "--communes", str(inputs / "bad.gpkg"), "--commune-name", "ten", "--out", str(out)]) == 2
    assert "no column 'ten'" in capsys.readouterr().err


def test_station_list_gives_tower_distances(inputs):
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(X0 + 1500, Y0 - 1500)
    (inputs / "stations.csv").write_text(
        "site_id,operator,technology,lat,lon,antenna_height_m,azimuth_deg,freq_mhz,eirp_dbm\n"
        f"S1,Viettel,4G,{lat:.7f},{lon:.7f},30,0,1800,60\n", encoding="utf-8")
    out = inputs / "towers"
    assert main(["gaps", "--coverage", str(inputs / "cov"), "--population", str(inputs / "pop.tif"),
                 "--stations", str(inputs / "stations.csv"), "--min-density", "1000", "--out", str(out)]) == 0
    gaps = gpd.read_file(out / "gaps.gpkg", layer="gaps")
    # the village spans x 2400-2700 m, y 1200-1500 m below the top edge; the tower is at (1500, 1500)
    assert gaps.loc[0, "dist_tower_m"] == pytest.approx(900.0, abs=0.05)
    assert gaps.loc[0, "remoteness_km"] == pytest.approx(gaps.loc[0, "dist_tower_m"] / 1000)
