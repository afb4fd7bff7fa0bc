"""``towerplan fetch --landcover``: ESA WorldCover tile names, a local mirror, the cache, offline mode."""

from __future__ import annotations

import io
import tomllib

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer
from test_sources_helpers import fake_host, hgt_zip  # noqa: F401  (fake_host is a fixture)

import towerplan.cli
from towerplan.errors import ConfigError
from towerplan.sources import HttpOptions, OfflineMissingError, ResourceNotFoundError, prepare_study_area
from towerplan.sources.landcover import landcover_resources, worldcover_tile_name, worldcover_tile_origins
from towerplan.study import ScenarioError, load_scenario

FAST = HttpOptions(timeout_s=5.0, retries=2, backoff_s=0.0, proxy="")
AREA = "104.95,19.75,105.1,19.9"  # across the 105 E line: two DEM tiles and two WorldCover tiles
WC_WEST = "worldcover2021/ESA_WorldCover_10m_2021_v200_N18E102_Map.tif"
WC_EAST = "worldcover2021/ESA_WorldCover_10m_2021_v200_N18E105_Map.tif"
_STEP = 1 / 600  # a coarse stand-in for the 0.3" pixels of the real tiles (same extent, names and classes)


def _expected_class(lon: np.ndarray) -> np.ndarray:
    """Trees west of 105 E, a 0.05-degree wide lake, cropland east of it."""
    return np.where(lon < 105.0, 10, np.where(lon < 105.05, 80, 40))


def _worldcover_tile(lat: int, lon: int) -> bytes:
    n = round(3 / _STEP)
    lons = lon + (np.arange(n) + 0.5) * _STEP
    values = np.broadcast_to(_expected_class(lons)[None, :], (n, n)).astype(np.uint8)
    profile = {"driver": "GTiff", "width": n, "height": n, "count": 1, "dtype": "uint8", "crs": "EPSG:4326",
               "transform": Affine(_STEP, 0, lon, 0, -_STEP, lat + 3), "nodata": 0, "compress": "deflate",
               "tiled": True}
    with rasterio.MemoryFile() as mem:
        with mem.open(**profile) as ds:
            ds.write(values, 1)
        return bytes(mem.read())


def _publish(host) -> None:
    host.add("srtm3/N19E104.SRTMGL3.hgt.zip", hgt_zip(19, 104))
    host.add("srtm3/N19E105.SRTMGL3.hgt.zip", hgt_zip(19, 105))
    host.add(WC_WEST, _worldcover_tile(18, 102))
    host.add(WC_EAST, _worldcover_tile(18, 105))


def test_tile_names_and_origins():
    assert worldcover_tile_name(18, 105) == "ESA_WorldCover_10m_2021_v200_N18E105_Map.tif"
    assert worldcover_tile_name(-3, -60, year=2020, version="v100") == "ESA_WorldCover_10m_2020_v100_S03W060_Map.tif"
    with pytest.raises(ConfigError, match="3-degree"):
        worldcover_tile_name(19, 105)
    # Thanh Hóa (about 104.4-106.1 E, 19.3-20.7 N) lies on two tiles
    assert worldcover_tile_origins((104.37, 19.28, 106.08, 20.67)) == [(18, 102), (18, 105)]
    assert worldcover_tile_origins((-61.0, -3.5, -59.5, -2.0)) == [(-6, -63), (-6, -60), (-3, -63), (-3, -60)]
    urls = [r.urls[0] for r in landcover_resources((105.7, 19.7, 105.9, 19.9))]
    assert urls == ["https://esa-worldcover.s3.eu-central-1.amazonaws.com/v200/2021/map/"
                    "ESA_WorldCover_10m_2021_v200_N18E105_Map.tif"]
    mirrored = landcover_resources((105.7, 19.7, 105.9, 19.9), product="worldcover2020", mirror="http://office/m")
    assert mirrored[0].urls == ("http://office/m/worldcover2020/ESA_WorldCover_10m_2020_v100_N18E105_Map.tif",)
    assert mirrored[0].optional  # all-sea tiles are not published


def test_fetch_landcover_from_a_mirror_then_offline(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    _publish(host)
    out = tmp_path / "study"
    kw = {"cache_dir": tmp_path / "cache", "mirror": base, "resolution_m": 250, "population": "none",
          "roads": "none", "boundaries": "none", "http": FAST, "landcover": "worldcover2021"}
    result = prepare_study_area(AREA, out, **kw)
    assert "landcover.tif" in result.files
    assert len(host.gets(WC_WEST)) == 1
    assert len(host.gets(WC_EAST)) == 1
    with rasterio.open(out / "dem.tif") as dem, rasterio.open(out / "landcover.tif") as lc:
        assert lc.transform == dem.transform
        assert lc.shape == dem.shape
        assert lc.crs == dem.crs
        assert lc.dtypes[0] == "uint8"
        classes = lc.read(1)
        rows, cols = np.indices(classes.shape)
        xs, ys = rasterio.transform.xy(lc.transform, rows.ravel(), cols.ravel())
    lon, _ = Transformer.from_crs(32648, 4326, always_xy=True).transform(xs, ys)
    expected = _expected_class(np.asarray(lon)).reshape(classes.shape)
    far_from_edges = (np.abs(np.asarray(lon) - 105.0) > 0.004) & (np.abs(np.asarray(lon) - 105.05) > 0.004)
    assert (classes == expected).ravel()[far_from_edges].all()
    assert set(np.unique(classes)) == {10, 40, 80}
    sources = (out / "SOURCES.md").read_text(encoding="utf-8")
    assert "ESA_WorldCover_10m_2021_v200_N18E105_Map.tif" in sources
    assert "ESA WorldCover project 2021" in sources  # the CC BY 4.0 credit
    assert "Land cover: ESA WorldCover 10 m 2021 v200, 2 tile(s)" in sources
    skeleton = tomllib.loads((out / "scenario.toml").read_text(encoding="utf-8"))
    assert skeleton["inputs"]["landcover"] == "landcover.tif"
    with pytest.raises(ScenarioError) as info:  # the skeleton has no stations yet; landcover is no problem
        load_scenario(out / "scenario.toml")
    assert not [p for p in info.value.problems if "landcover" in p]

    seen = len(host.hits)
    again = prepare_study_area(AREA, tmp_path / "again", **{**kw, "offline": True})
    assert len(host.hits) == seen  # the cache serves every tile
    assert (tmp_path / "again" / "landcover.tif").read_bytes() == (out / "landcover.tif").read_bytes()
    assert again.files.keys() == result.files.keys()


def test_offline_empty_cache_lists_the_tiles_and_a_missing_tile_is_skipped(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    kw = {"mirror": base, "resolution_m": 250, "population": "none", "roads": "none", "boundaries": "none",
          "http": FAST, "landcover": "worldcover2021"}
    with pytest.raises(OfflineMissingError) as info:
        prepare_study_area(AREA, tmp_path / "out", cache_dir=tmp_path / "c0", offline=True, **kw)
    assert {WC_WEST, WC_EAST} <= {m.key for m in info.value.missing}
    assert f"{base}/{WC_EAST}" in str(info.value)
    _publish(host)
    del host.files["/" + WC_WEST]  # like a tile that is all sea: not published, skipped
    result = prepare_study_area(AREA, tmp_path / "out", cache_dir=tmp_path / "c1", **kw)
    with rasterio.open(result.files["landcover.tif"]) as lc:
        assert lc.nodata == 0
        classes = lc.read(1)
    assert (classes[:, :3] == 0).all()  # west of 105 E: no land cover (the default class is used by the run)
    assert (classes[:, -3:] == 40).all()
    del host.files["/" + WC_EAST]
    with pytest.raises(ResourceNotFoundError, match=r"no land-cover tile of worldcover2021.*N18E105_Map\.tif"):
        prepare_study_area(AREA, tmp_path / "out2", cache_dir=tmp_path / "c2", **kw)


def test_cli_fetch_landcover_flag(fake_host, tmp_path, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setattr(towerplan.cli, "_COMMAND_MODULES", ("fetch",))
    host, base = fake_host
    _publish(host)
    args = ["fetch", "--area", AREA, "--out", str(tmp_path / "out"), "--mirror", base, "--cache-dir",
            str(tmp_path / "cache"), "--resolution-m", "500", "--population", "none", "--roads", "none",
            "--boundaries", "none", "--timeout-s", "5", "--proxy", "", "--landcover"]
    assert towerplan.cli.main(args) == 0
    out, err = capsys.readouterr()
    assert "landcover.tif: land-cover classes on the DEM grid" in out
    assert "downloading ESA_WorldCover_10m_2021_v200_N18E105_Map.tif" in err
    with pytest.raises(SystemExit):
        towerplan.cli.main([*args, "worldcover2019"])
    assert "invalid choice" in io.StringIO(capsys.readouterr().err).read()
