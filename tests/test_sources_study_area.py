"""The whole ``towerplan fetch`` against a local mirror: outputs, SOURCES.md, offline mode, errors, the CLI."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmnx as ox
import pytest
import rasterio
from pyproj import Transformer
from test_sources_helpers import (  # noqa: F401  (fake_host is a fixture)
    FakeHost,
    box_feature,
    fake_host,
    geojson,
    hgt_zip,
    overpass_answer,
    plane_height,
    population_tif,
)

import towerplan.cli
from towerplan.errors import ConfigError
from towerplan.sources import (
    HttpOptions,
    OfflineMissingError,
    Progress,
    ResourceNotFoundError,
    prepare_study_area,
    worldpop_resource,
)
from towerplan.sources.example import thanh_hoa_study_area

FAST = HttpOptions(timeout_s=5.0, retries=2, backoff_s=0.0, proxy="")
TILE = "srtm3/N19E105.SRTMGL3.hgt.zip"
WORLDPOP = worldpop_resource("VNM").key
OUTPUTS = {
    "dem.tif", "population.tif", "province.gpkg", "communes.gpkg", "roads.gpkg", "roads.graphml",
    "scenario.toml", "SOURCES.md", "SOURCES.sha256",
}


def _publish(host: FakeHost, tmp_path: Path) -> float:
    """A small mirror: one SRTM tile, a WorldPop-like raster, geoBoundaries ADM1/ADM2, an Overpass, SHA256SUMS."""
    host.add(TILE, hgt_zip(19, 105))
    pop_total = population_tif(tmp_path / "pop.tif")
    host.add(WORLDPOP, (tmp_path / "pop.tif").read_bytes())
    host.add("geoboundaries/VNM/ADM1/geoBoundaries-VNM-ADM1.geojson", geojson(
        box_feature("Thanh Hóa", (105.70, 19.70, 105.95, 19.95), shapeISO="VN-21"),
        box_feature("Nghệ An", (105.20, 19.30, 105.60, 19.60), shapeISO="VN-22"),
    ))
    host.add("geoboundaries/VNM/ADM1/metadata.json", json.dumps(
        {"boundaryLicense": "CC BY 4.0", "boundarySource": "test survey", "boundaryYearRepresented": "2020"}
    ).encode())
    host.add("geoboundaries/VNM/ADM2/geoBoundaries-VNM-ADM2.geojson", geojson(
        box_feature("Bá Thước", (105.70, 19.70, 105.82, 19.95)),
        box_feature("Hà Trung", (105.82, 19.70, 105.95, 19.95)),
        box_feature("Con Cuông", (105.20, 19.30, 105.40, 19.60)),
    ))
    host.posts["/overpass/interpreter"] = overpass_answer()
    sums = "".join(f"{hashlib.sha256(host.files['/' + k]).hexdigest()}  {k}\n" for k in (TILE, WORLDPOP))
    host.add("SHA256SUMS", sums.encode())
    return pop_total


def test_whole_fetch_from_a_local_mirror(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    _publish(host, tmp_path)
    host.script["/" + TILE] = ["drop"]  # the connection drops half-way: resumed
    host.script["/" + WORLDPOP] = ["corrupt"]  # fails the mirror's SHA256SUMS: fetched again
    events: list[Progress] = []
    out = tmp_path / "study"
    result = prepare_study_area("thanh hoa", out, cache_dir=tmp_path / "cache", mirror=base, resolution_m=250,
                                http=FAST, progress=events.append)

    assert {p.name for p in out.iterdir()} == OUTPUTS == set(result.files)
    assert result.area.name == "Thanh Hóa"
    assert result.crs == "EPSG:32648"
    assert host.gets(TILE)[1].headers["Range"].startswith("bytes=")
    assert len(host.gets(WORLDPOP)) == 2
    assert {e.stage for e in events} >= {"download", "boundaries", "dem", "population", "roads", "write"}

    with rasterio.open(out / "dem.tif") as ds:
        assert ds.crs.to_epsg() == 32648
        assert ds.res == (250.0, 250.0)
        heights = ds.read(1)
        rows, cols = np.nonzero(np.isfinite(heights))
        xs, ys = rasterio.transform.xy(ds.transform, rows, cols)
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(xs, ys)
    assert np.abs(heights[rows, cols] - plane_height(lat, lon)).max() < 1.0  # a plane stays a plane

    with rasterio.open(out / "population.tif") as ds:
        people = ds.read(1)
        assert ds.shape == heights.shape
        assert ds.transform == rasterio.open(out / "dem.tif").transform
    assert people.sum() == pytest.approx(result.population_total, rel=1e-5)
    with rasterio.open(tmp_path / "pop.tif") as src:  # people in source cells centred on the lattice
        counts = src.read(1)
        r, c = np.nonzero(counts >= 0)
        cx, cy = rasterio.transform.xy(src.transform, r, c)
    ux, uy = (np.asarray(v) for v in Transformer.from_crs(4326, 32648, always_xy=True).transform(cx, cy))
    left, bottom, right, top = rasterio.open(out / "dem.tif").bounds

    def people_centred_within(margin_m: float) -> float:
        ok = (ux > left - margin_m) & (ux < right + margin_m) & (uy > bottom - margin_m) & (uy < top + margin_m)
        return float(counts[r, c][ok].sum())

    # every source cell centred on the lattice gives all its people; cells straddling its edge may add theirs
    assert people_centred_within(0) <= result.population_total <= people_centred_within(500) + 1e-3

    province = gpd.read_file(out / "province.gpkg")
    assert province.name.tolist() == ["Thanh Hóa"]
    assert province.shapeISO.tolist() == ["VN-21"]
    assert province.crs.to_epsg() == 32648
    assert sorted(gpd.read_file(out / "communes.gpkg").shapeName) == ["Bá Thước", "Hà Trung"]
    roads = gpd.read_file(out / "roads.gpkg", layer="roads")
    assert len(roads) == 4
    assert set(roads.highway) == {"track", "residential"}
    assert ox.load_graphml(out / "roads.graphml").graph["crs"] == "EPSG:32648"

    scenario = tomllib.loads((out / "scenario.toml").read_text(encoding="utf-8"))
    assert scenario["grid"]["resolution_m"] == 250
    assert scenario["area"]["crs"] == "EPSG:32648"
    assert scenario["area"]["name"] == "Thanh Hóa"
    assert all((out / rel).is_file() for rel in scenario["inputs"].values())

    sources = (out / "SOURCES.md").read_text(encoding="utf-8")
    tile_sha = hashlib.sha256(host.files["/" + TILE]).hexdigest()
    for expected in (f"{base}/{TILE}", f"{base}/{WORLDPOP}", tile_sha, "CC BY 4.0", "© OpenStreetMap contributors",
                     "Open Database License", "Public domain", "boundarySource = test survey",
                     f"{base}/overpass/interpreter", "geoBoundaries-VNM-ADM2.geojson"):
        assert expected in sources, expected
    assert f"{tile_sha}  N19E105.SRTMGL3.hgt.zip" in (out / "SOURCES.sha256").read_text()


def test_offline_rerun_uses_only_the_cache(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    _publish(host, tmp_path)
    cache = tmp_path / "cache"
    online = prepare_study_area("Thanh Hóa", tmp_path / "a", cache_dir=cache, mirror=base, resolution_m=500,
                                http=FAST)
    seen = len(host.hits)
    offline = prepare_study_area("THANH HOA", tmp_path / "b", cache_dir=cache, mirror=base, resolution_m=500,
                                 http=FAST, offline=True)
    assert len(host.hits) == seen  # not one request
    assert offline.population_total == pytest.approx(online.population_total)
    assert (tmp_path / "a" / "dem.tif").read_bytes() == (tmp_path / "b" / "dem.tif").read_bytes()


def test_offline_with_an_empty_cache_lists_what_is_missing(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    with pytest.raises(OfflineMissingError) as info:
        prepare_study_area("105.75,19.75,105.9,19.9", tmp_path / "out", cache_dir=tmp_path / "cache", mirror=base,
                           offline=True)
    message = str(info.value)
    keys = {m.key for m in info.value.missing}
    assert {TILE, WORLDPOP, "geoboundaries/VNM/ADM2/geoBoundaries-VNM-ADM2.geojson"} <= keys
    assert any(k.startswith("osm/roads-") for k in keys)
    for url in (f"{base}/{TILE}", f"{base}/{WORLDPOP}", f"{base}/overpass/interpreter"):
        assert url in message
    assert "run once without --offline" in message
    assert host.hits == []
    assert not (tmp_path / "out").exists()


def test_offline_province_name_needs_the_boundaries(tmp_path):
    with pytest.raises(OfflineMissingError, match=r"geoboundaries/VNM/ADM1/geoBoundaries-VNM-ADM1\.geojson.*"
                       r"https://github\.com/wmgeolab/geoBoundaries/raw/main/releaseData"):
        prepare_study_area("Thanh Hoa", tmp_path / "out", cache_dir=tmp_path / "cache", offline=True)


def test_missing_population_is_a_404_with_its_url(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    _publish(host, tmp_path)
    del host.files["/" + WORLDPOP]
    host.files["/SHA256SUMS"] = b""
    with pytest.raises(ResourceNotFoundError, match=rf"not found \(HTTP 404\) at {base}/{WORLDPOP}"):
        prepare_study_area("105.75,19.75,105.9,19.9", tmp_path / "out", cache_dir=tmp_path / "cache",
                           mirror=base, roads="none", boundaries="none", http=FAST)
    assert not (tmp_path / "out").exists()  # nothing half-built


def test_no_dem_tile_at_all_is_an_error(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    _publish(host, tmp_path)
    with pytest.raises(ResourceNotFoundError, match=r"no DEM tile of srtm3 exists.*N20E105\.SRTMGL3\.hgt\.zip"):
        prepare_study_area("105.2,20.2,105.4,20.4", tmp_path / "out", cache_dir=tmp_path / "cache", mirror=base,
                           population="none", roads="none", boundaries="none", http=FAST)


@pytest.fixture
def cli_fetch_only(monkeypatch):
    """The CLI with only the fetch command (other commands are other issues' work)."""
    monkeypatch.setattr(towerplan.cli, "_COMMAND_MODULES", ("fetch",))


def test_cli_fetch(fake_host, tmp_path, cli_fetch_only, capsys):  # noqa: F811
    host, base = fake_host
    _publish(host, tmp_path)
    args = ["fetch", "--area", "Thanh Hoa", "--out", str(tmp_path / "out"), "--mirror", base,
            "--cache-dir", str(tmp_path / "cache"), "--resolution-m", "500", "--timeout-s", "5", "--proxy", ""]
    assert towerplan.cli.main(args) == 0
    out, err = capsys.readouterr()
    assert "study area 'Thanh Hóa' written to" in out
    assert "people on the grid" in out
    assert "downloading N19E105.SRTMGL3.hgt.zip" in err  # progress on stderr
    assert (tmp_path / "out" / "SOURCES.md").is_file()
    # the sums of that run verify a second one
    again = [*args[:4], str(tmp_path / "again"), *args[5:], "--checksums", str(tmp_path / "out" / "SOURCES.sha256"),
             "--quiet"]
    assert towerplan.cli.main(again) == 0


def test_cli_usage_and_offline_errors_exit_2(tmp_path, cli_fetch_only, capsys):
    common = ["--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache")]
    assert towerplan.cli.main(["fetch", "--area", "106,19,105", *common]) == 2
    assert "neither a box" in capsys.readouterr().err
    assert towerplan.cli.main(["fetch", "--area", "105.7,19.7,105.9,19.9", "--offline", *common]) == 2
    err = capsys.readouterr().err
    assert "offline mode:" in err
    assert "https://step.esa.int/auxdata/dem/SRTMGL3/N19E105.SRTMGL3.hgt.zip" in err
    assert "https://data.worldpop.org/GIS/Population/" in err
    assert towerplan.cli.main(["fetch", "--area", "Thanh Hoa", "--mirror", "/no/such/dir", *common]) == 2
    with pytest.raises(SystemExit) as info:
        towerplan.cli.main(["fetch", "--area", "x", "--dem", "srtm2", *common])
    assert info.value.code == 2


def test_real_thanh_hoa_through_the_local_server(fake_host, tmp_path, shared_data):  # noqa: F811
    """Real WorldPop and geoBoundaries files (from ../shared/data) served as a mirror; synthetic SRTM tiles."""
    host, base = fake_host
    host.add(WORLDPOP, (shared_data / "worldpop" / "vnm_ppp_2020_1km_Aggregated_UNadj.tif").read_bytes())
    adm1 = gpd.read_file(shared_data / "geoboundaries_vnm" / "geoBoundaries-VNM-ADM1.shp")
    host.add("geoboundaries/VNM/ADM1/geoBoundaries-VNM-ADM1.geojson", adm1.to_json().encode())
    districts = gpd.read_file(shared_data / "census2009_censusVN2009" / "districts_thanhhoa.geojson")
    districts = districts.rename(columns={"district_vn": "shapeName"})[["shapeName", "geometry"]]
    host.add("geoboundaries/VNM/ADM2/geoBoundaries-VNM-ADM2.geojson", districts.to_json().encode())
    for lat, lon in [(19, 104), (19, 105), (20, 104), (20, 105)]:  # N19E106, N20E106 answer 404 (sea)
        host.add(f"srtm3/N{lat}E{lon:03d}.SRTMGL3.hgt.zip", hgt_zip(lat, lon))
    roads = shared_data / "roads_legocity_giaothong" / "giaothong_thanhhoa_bbox.geojson"  # local road lines
    result = prepare_study_area("Thanh Hoa", tmp_path / "th", cache_dir=tmp_path / "cache", mirror=base,
                                roads=str(roads), resolution_m=2000, margin_m=5000, http=FAST)
    # ../shared/data/SOURCES.md: 3,170,330 people in WorldPop cells centred in the geoBoundaries polygon
    assert result.population_in_area == pytest.approx(3_170_330, rel=0.005)
    assert len(gpd.read_file(tmp_path / "th" / "communes.gpkg")) == 27  # its 27 districts (2009)
    assert sum(r.role == "dem" for r in result.sources) == 4
    sources = (tmp_path / "th" / "SOURCES.md").read_text(encoding="utf-8")
    assert "N19E106" not in sources
    assert "giaothong_thanhhoa_bbox.geojson" in sources
    assert "extend 5000 m beyond" in sources
    edges = gpd.read_file(tmp_path / "th" / "roads.gpkg", layer="roads")
    assert 600 < edges.length.sum() / 1000 < 1111  # clipped to the province (+5 km) from the 1,111 km of the box


def test_bad_choices_fail_before_any_download(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    kwargs = {"cache_dir": tmp_path / "cache", "mirror": base, "http": FAST}
    with pytest.raises(ConfigError, match="unknown population source 'worldpop-5m'"):
        prepare_study_area("Thanh Hoa", tmp_path / "o", population="worldpop-5m", **kwargs)
    with pytest.raises(ConfigError, match=r"roads: 'roads\.shp' is neither 'osm', 'none' nor an existing file"):
        prepare_study_area("Thanh Hoa", tmp_path / "o", roads="roads.shp", **kwargs)
    with pytest.raises(ConfigError, match="ISO country code"):
        prepare_study_area("Thanh Hoa", tmp_path / "o", country="Viet Nam", **kwargs)
    assert host.hits == []


def test_rerun_with_other_options_removes_stale_files(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    _publish(host, tmp_path)
    out = tmp_path / "study"
    kwargs = {"cache_dir": tmp_path / "cache", "mirror": base, "resolution_m": 500, "http": FAST}
    prepare_study_area("Thanh Hoa", out, **kwargs)
    (out / "notes.txt").write_text("mine")
    result = prepare_study_area("Thanh Hoa", out, roads="none", population="none", **kwargs)
    assert "roads.gpkg" not in result.files
    assert not (out / "roads.gpkg").exists()
    assert not (out / "population.tif").exists()
    assert (out / "notes.txt").read_text() == "mine"  # not ours: kept
    assert "roads" not in tomllib.loads((out / "scenario.toml").read_text(encoding="utf-8"))["inputs"]


def test_thanh_hoa_example_from_shared_data(tmp_path, shared_data):
    result = thanh_hoa_study_area(shared_data, tmp_path / "example", resolution_m=1000)
    assert set(result.files) == OUTPUTS
    assert result.population_in_area == pytest.approx(3_170_330, rel=0.005)
    assert len(gpd.read_file(tmp_path / "example" / "communes.gpkg")) == 637
    sources = (tmp_path / "example" / "SOURCES.md").read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in sources
    assert "censusVN2009" in sources
    assert "stand-in" in sources
    to_utm = Transformer.from_crs(4326, 32648, always_xy=True)
    with rasterio.open(tmp_path / "example" / "dem.tif") as ds:
        city, muong_lat = ds.sample([to_utm.transform(105.78, 19.81), to_utm.transform(104.62, 20.53)])
    # the stand-in grid: Thanh Hóa city in the coastal plain, Mường Lát in the western mountains
    assert city[0] < 30
    assert muong_lat[0] > 300


def test_cache_exported_as_a_mirror_serves_another_office(fake_host, tmp_path):  # noqa: F811
    from towerplan.sources import DownloadCache

    host, base = fake_host
    _publish(host, tmp_path)
    cache = DownloadCache(tmp_path / "cache")
    prepare_study_area("Thanh Hoa", tmp_path / "a", cache_dir=cache.root, mirror=base, roads="none",
                       resolution_m=500, http=FAST)
    exported = cache.export_mirror(tmp_path / "mirror")
    assert exported >= 5
    assert (tmp_path / "mirror" / TILE).read_bytes() == host.files["/" + TILE]
    # another office, another cache, only the shared folder (file:// mirror, checked against its SHA256SUMS)
    result = prepare_study_area("Thanh Hoa", tmp_path / "b", cache_dir=tmp_path / "cache2", roads="none",
                                mirror=(tmp_path / "mirror").as_uri(), resolution_m=500, http=FAST)
    assert result.population_total > 0
    assert (tmp_path / "mirror").as_uri() in (tmp_path / "b" / "SOURCES.md").read_text(encoding="utf-8")
