"""The synthetic demo province: determinism, plausible terrain/people/network, files, CLI."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree

from towerplan.cli import main
from towerplan.demo import (
    DEMO_FILES,
    DEMO_LABEL,
    DEMO_SOURCE,
    DEMO_VERSION,
    STATION_COLUMNS,
    demo_dir,
    make_demo,
    stations_csv_bytes,
    write_demo,
)
from towerplan.demo import _io as demo_io
from towerplan.errors import InputError
from towerplan.rasters import read_grid

SEED = 2024


@pytest.fixture(scope="module")
def demo():
    return make_demo(seed=SEED, resolution_m=90.0)


@pytest.fixture(scope="module")
def coarse():
    """The same seed on a 250 m grid (fast; vector layers must match the 90 m run)."""
    return make_demo(seed=SEED, resolution_m=250.0)


def _frame_x_m(grid) -> np.ndarray:
    xs, _ = grid.cell_centres()
    return xs - grid.bounds[0]


def _site_xy(stations: pd.DataFrame) -> np.ndarray:
    sites = stations.drop_duplicates("site_id")
    e, n = Transformer.from_crs(4326, 32648, always_xy=True).transform(sites["lon"].to_numpy(), sites["lat"].to_numpy())
    return np.column_stack([e, n])


# ----------------------------------------------------------------------------- determinism
def test_same_seed_same_province(demo):
    again = make_demo(seed=SEED, resolution_m=90.0)
    np.testing.assert_array_equal(again.dem.values, demo.dem.values)
    np.testing.assert_array_equal(again.population.values, demo.population.values)
    assert stations_csv_bytes(again.stations) == stations_csv_bytes(demo.stations)
    assert again.communes.geometry.equals(demo.communes.geometry)
    assert again.roads.geometry.equals(demo.roads.geometry)


def test_other_seed_other_province(coarse):
    other = make_demo(seed=7, resolution_m=250.0)
    assert not np.array_equal(other.dem.values, coarse.dem.values)
    assert stations_csv_bytes(other.stations) != stations_csv_bytes(coarse.stations)


def test_vector_layers_do_not_depend_on_resolution(demo, coarse):
    assert stations_csv_bytes(coarse.stations) == stations_csv_bytes(demo.stations)
    assert coarse.roads.geometry.equals(demo.roads.geometry)
    assert coarse.communes.geometry.equals(demo.communes.geometry)
    assert coarse.dem.shape == (240, 240)
    assert coarse.population.values.sum(dtype=np.float64) == pytest.approx(
        demo.population.values.sum(dtype=np.float64), rel=1e-4
    )


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"resolution_m": 5.0}, "resolution_m"),
    ({"resolution_m": "fine"}, "resolution_m"),
    ({"seed": -1}, "seed"),
    ({"seed": 1.5}, "seed"),
])  # fmt: skip
def test_bad_options_are_input_errors(kwargs, match):
    with pytest.raises(InputError, match=match):
        make_demo(**kwargs)


# ----------------------------------------------------------------------------- terrain
def test_dem_is_a_mountain_to_coast_province(demo):
    z = demo.dem.values
    x_m = _frame_x_m(demo.dem)
    assert demo.dem.crs.to_epsg() == 32648
    assert demo.dem.res == (90.0, 90.0)
    assert z.dtype == np.float32
    assert np.isfinite(z).all()
    west, east = z[:, x_m < 20_000.0], z[:, x_m > 40_000.0]
    assert west.mean() > 600.0
    assert east.mean() < 40.0
    assert 1_200.0 <= z.max() <= 1_800.0
    assert z.argmax() % z.shape[1] < z.shape[1] // 2  # the highest peak is in the west
    coastal_land = z[:, (x_m > 51_000.0) & (x_m < 53_000.0)]
    coastal_land = coastal_land[coastal_land > 0]
    assert np.percentile(coastal_land, 90) < 20.0
    sea = z == 0
    assert sea[:, -1].all()
    assert sea.mean() > 0.03
    assert not sea[:, x_m < 40_000.0].any()
    # narrow valleys: in the mountains the relief within 1 km is often several hundred metres
    block = west[: west.shape[0] // 11 * 11, : west.shape[1] // 11 * 11]
    tiles = block.reshape(block.shape[0] // 11, 11, block.shape[1] // 11, 11)
    relief = tiles.max(axis=(1, 3)) - tiles.min(axis=(1, 3))
    assert np.median(relief) > 150.0


# ----------------------------------------------------------------------------- population
def test_population_total_and_where_people_live(demo):
    pop = demo.population.values
    assert demo.population.same_lattice(demo.dem)
    assert pop.dtype == np.float32
    assert (pop >= 0).all()
    total = float(pop.sum(dtype=np.float64))
    assert 400_000.0 <= total <= 800_000.0
    x_m = _frame_x_m(demo.population)
    east_half = float(pop[:, x_m > 30_000.0].sum(dtype=np.float64))
    assert east_half > 0.6 * total
    mountains = pop[:, x_m < 20_000.0]
    assert mountains.sum() > 10_000.0  # mountain villages
    assert (mountains > 5.0).sum() > 500
    assert pop[demo.dem.values == 0].sum() == 0  # nobody at sea
    # few people on steep slopes, compared with flat land
    gy, gx = np.gradient(demo.dem.values.astype(float), 90.0)
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    land = demo.dem.values > 0
    assert pop[land & (slope > 30)].mean() < 0.05 * pop[land & (slope < 5)].mean()


# ----------------------------------------------------------------------------- communes
def test_communes_cover_the_province_without_overlaps(demo):
    communes, province = demo.communes, demo.province
    assert 25 <= len(communes) <= 35
    assert list(communes.columns[:-1]) == ["commune_id", "name", "district", "population", "area_km2", "source"]
    assert communes.crs.to_epsg() == 32648
    assert province.crs.to_epsg() == 32648
    assert communes["commune_id"].is_unique
    assert communes["name"].is_unique
    assert communes["name"].str.contains("Demo").all()
    assert 4 <= communes["district"].nunique() <= 8
    assert (communes["source"] == DEMO_SOURCE).all()
    geoms = communes.geometry.to_numpy()
    assert shapely.coverage_is_valid(geoms)
    outline = province.geometry.iloc[0]
    union = shapely.union_all(geoms)
    assert union.symmetric_difference(outline).area < 1e-6 * outline.area
    assert sum(g.area for g in geoms) == pytest.approx(outline.area, rel=1e-9)
    np.testing.assert_allclose(communes["area_km2"], [g.area / 1e6 for g in geoms], atol=1e-3)
    assert 2_000.0 < outline.area / 1e6 < 3_600.0


def test_commune_populations_sum_to_the_grid(demo):
    grid_total = float(demo.population.values.sum(dtype=np.float64))
    assert demo.communes["population"].sum() == pytest.approx(grid_total, rel=1e-3)
    assert (demo.communes["population"] > 0).all()
    assert demo.province["population"].iloc[0] == pytest.approx(grid_total, rel=1e-6)


# ----------------------------------------------------------------------------- roads
def test_roads_form_one_connected_network(demo):
    roads = demo.roads
    assert set(roads["road_class"]) == {"trunk", "primary", "secondary", "tertiary", "track"}
    assert (roads.geometry.geom_type == "LineString").all()
    assert roads["name"].str.len().gt(0).all()
    assert (roads["source"] == DEMO_SOURCE).all()
    np.testing.assert_allclose(roads["length_m"], roads.geometry.length, atol=0.06)
    graph = nx.Graph()
    for line in roads.geometry:
        a, b = line.coords[0], line.coords[-1]
        graph.add_edge(tuple(np.round(a, 2)), tuple(np.round(b, 2)))
    biggest = max(nx.connected_components(graph), key=len)
    assert len(biggest) >= 0.95 * graph.number_of_nodes()
    trunk = roads.loc[roads["road_class"] == "trunk"]
    assert trunk.geometry.length.sum() > 40_000.0  # the coastal highway runs through the province
    assert roads.geometry.length.sum() > 500_000.0


def test_roads_follow_valleys(demo):
    """Mountain roads run low: their vertices are far below the mean mountain elevation."""
    z = demo.dem
    pts = np.vstack([np.asarray(g.coords) for g in demo.roads.geometry])
    row, col = z.rowcol(pts[:, 0], pts[:, 1])
    ok = (row >= 0) & (row < z.height) & (col >= 0) & (col < z.width)
    x_m = pts[ok, 0] - z.bounds[0]
    h = z.values[row[ok], col[ok]]
    west = x_m < 20_000.0
    assert west.sum() > 100
    assert np.median(h[west]) < 0.75 * z.values[:, _frame_x_m(z) < 20_000.0].mean()


# ----------------------------------------------------------------------------- stations
def test_station_table_is_canonical_and_valid(demo):
    st = demo.stations
    assert tuple(st.columns) == STATION_COLUMNS
    assert set(st["operator"]) == {"Viettel", "VNPT-VinaPhone", "MobiFone"}
    assert set(st["technology"]) == {"2G", "3G", "4G", "5G"}
    assert st["cell_id"].is_unique
    assert st["lon"].between(105.2, 106.0).all()
    assert st["lat"].between(19.55, 20.25).all()
    assert st["antenna_height_m"].between(15, 60).all()
    assert st["tilt_deg"].between(0, 10).all()
    assert set(st["freq_mhz"]) <= {942.5, 1842.5, 2140.0, 3550.0}
    assert st["eirp_dbm"].between(45, 80).all()
    omni = st["azimuth_deg"].isna()
    assert omni.any()
    assert (~omni).any()
    assert (st.loc[omni, "h_beamwidth_deg"] == 360).all()
    assert (st.loc[~omni, "h_beamwidth_deg"] == 65).all()
    assert st.loc[~omni, "azimuth_deg"].between(0, 360, inclusive="left").all()
    assert (st["v_beamwidth_deg"] == 7).all()
    assert st.loc[st["technology"] == "5G", "freq_mhz"].eq(3550.0).all()
    assert (st.loc[st["technology"] == "4G", "eirp_dbm"].median()) == pytest.approx(59.0, abs=2.0)


def test_sites_shared_towers_and_density(demo):
    st = demo.stations
    locations = st.groupby("site_id")[["lon", "lat"]].nunique()
    assert (locations == 1).all().all()  # one site id, one place
    assert not st.drop_duplicates("site_id").duplicated(["lon", "lat"]).any()  # one place, one site id
    n_sites = st["site_id"].nunique()
    assert 150 <= n_sites <= 300
    ops_per_site = st.groupby("site_id")["operator"].nunique()
    assert 0.15 <= (ops_per_site > 1).mean() <= 0.40
    assert (ops_per_site == 3).any()
    per_op = st.groupby("operator")["site_id"].nunique()
    assert per_op["Viettel"] > per_op["VNPT-VinaPhone"]
    assert per_op["Viettel"] > per_op["MobiFone"]
    xy = _site_xy(st)
    x_m = xy[:, 0] - demo.dem.bounds[0]
    assert (x_m > 30_000.0).sum() > 3 * (x_m < 30_000.0).sum()  # dense plain, sparse mountains
    assert (x_m < 20_000.0).sum() >= 3  # but not none
    # 5G only in the provincial city
    five_g = _site_xy(st.loc[st["technology"] == "5G"])
    assert len(five_g) > 0
    assert np.ptp(five_g, axis=0).max() < 8_000.0


def test_a_few_remote_legacy_sites_have_no_4g(demo):
    """The 2G/3G switch-off must leave someone to act on: remote 2G sites never given 4G (issue 22)."""
    st = demo.stations
    techs = st.groupby(["operator", "site_id"])["technology"].agg(set)
    legacy = techs[techs.map(lambda t: "4G" not in t)]
    assert 1 <= len(legacy) <= 0.1 * len(techs)
    assert all(t <= {"2G", "3G"} and "2G" in t for t in legacy)
    # in the hills and mountains, west of the plain
    xy = _site_xy(st[st["site_id"].isin(legacy.index.get_level_values("site_id"))])
    assert np.median(xy[:, 0] - demo.dem.bounds[0]) < 35_000.0
    # the generator's other draws did not move: the same towers, and the other sites keep their layers
    assert st["site_id"].nunique() == st.loc[st["technology"].isin(["2G", "4G"]), "site_id"].nunique()


def test_real_dead_zones_exist(demo):
    pop = demo.population
    xs, ys = pop.cell_centres()
    X, Y = np.meshgrid(xs, ys)
    populated = pop.values > 1.0
    dist = cKDTree(_site_xy(demo.stations)).query(np.column_stack([X[populated], Y[populated]]))[0]
    far = dist > 8_000.0
    assert far.sum() >= 20
    assert pop.values[populated][far].sum() > 500.0  # whole villages, not a stray cell


# ----------------------------------------------------------------------------- files and CLI
def test_write_demo_files_read_back(tmp_path, coarse):
    paths = write_demo(tmp_path / "out", seed=SEED, resolution_m=250.0)
    assert set(paths) == set(DEMO_FILES)
    assert all(p.is_file() and p.parent == tmp_path / "out" for p in paths.values())
    assert not [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no temp files left
    dem = read_grid(paths["dem"])
    np.testing.assert_array_equal(dem.values, coarse.dem.values)
    assert dem.crs.to_epsg() == 32648
    assert dem.transform == coarse.dem.transform
    np.testing.assert_array_equal(read_grid(paths["population"]).values, coarse.population.values)
    import rasterio

    for key in ("dem", "population"):  # the synthetic label travels with the rasters
        with rasterio.open(paths[key]) as ds:
            assert "synthetic" in ds.tags()["source"]
    assert paths["stations"].read_bytes() == stations_csv_bytes(coarse.stations)
    back = pd.read_csv(paths["stations"], encoding="utf-8")
    assert tuple(back.columns) == STATION_COLUMNS
    assert len(back) == len(coarse.stations)
    assert paths["stations"].read_text(encoding="utf-8").splitlines()[0] == ",".join(STATION_COLUMNS)
    for key in ("communes", "roads", "province"):
        layer = gpd.read_file(paths[key])
        assert layer.crs.to_epsg() == 32648
        assert len(layer) == len(getattr(coarse, key))
        assert (layer["source"] == DEMO_SOURCE).all()
    readme = paths["readme"].read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme
    assert f"Seed: {SEED}" in readme
    assert DEMO_VERSION in readme
    assert coarse.label == DEMO_LABEL


def test_demo_dir_generates_once(tmp_path, monkeypatch):
    folder = demo_dir(tmp_path, seed=SEED, resolution_m=500.0)
    assert folder == tmp_path / f"demo-{DEMO_VERSION}-{SEED}-500m"
    assert all((folder / name).is_file() for name in DEMO_FILES.values())
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]  # no temporary folders left

    def boom(*args, **kwargs):
        raise AssertionError("the cached demo should be reused")

    monkeypatch.setattr(demo_io, "write_demo", boom)
    assert demo_dir(tmp_path, seed=SEED, resolution_m=500.0) == folder


def test_demo_dir_replaces_an_incomplete_folder(tmp_path):
    stale = tmp_path / f"demo-{DEMO_VERSION}-{SEED}-500m"
    stale.mkdir()
    (stale / "dem.tif").write_bytes(b"half")
    folder = demo_dir(tmp_path, seed=SEED, resolution_m=500.0)
    assert folder == stale
    assert all((folder / name).is_file() for name in DEMO_FILES.values())
    assert read_grid(folder / "dem.tif").shape == (120, 120)


def test_cli_demo_writes_the_files(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--resolution-m", "500"]) == 0
    out = capsys.readouterr().out
    assert "synthetic demo" in out
    assert "stations.csv" in out
    assert all((tmp_path / name).is_file() for name in DEMO_FILES.values())


def test_cli_demo_default_resolution(tmp_path):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    assert read_grid(tmp_path / "dem.tif").res == (90.0, 90.0)


def test_cli_demo_rejects_a_bad_resolution(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--resolution-m", "3"]) == 2
    assert "resolution" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())
