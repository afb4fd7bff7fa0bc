"""Tile names, public URL patterns, mirror layout, place-name resolution and --area parsing."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box

from towerplan.errors import ConfigError
from towerplan.sources import (
    dem_resources,
    find_unit,
    normalise_name,
    parse_area,
    parse_checksums,
    tile_origins,
    units_in_area,
    worldpop_resource,
)
from towerplan.sources.boundaries import geoboundaries_metadata_resource, geoboundaries_resource
from towerplan.sources.dem import copernicus_tile_id, srtm_tile_name
from towerplan.sources.outputs import StudyArea


@pytest.mark.parametrize(
    ("lat", "lon", "srtm", "cop"),
    [
        (19, 105, "N19E105", "N19_00_E105_00"),
        (-8, -35, "S08W035", "S08_00_W035_00"),
        (0, 0, "N00E000", "N00_00_E000_00"),
    ],
)
def test_tile_names(lat, lon, srtm, cop):
    assert srtm_tile_name(lat, lon) == srtm
    assert copernicus_tile_id(lat, lon) == cop


def test_tiles_follow_the_polygon_not_its_box():
    everything = [(19, 104), (19, 105), (19, 106), (20, 104), (20, 105), (20, 106)]
    assert tile_origins((104.3, 19.2, 106.15, 20.75)) == everything
    ell = Polygon([(104.2, 19.2), (105.8, 19.2), (105.8, 19.5), (104.5, 19.5), (104.5, 20.8), (104.2, 20.8)])
    assert tile_origins(ell) == [(19, 104), (19, 105), (20, 104)]  # (20, 105) only touches the box
    assert tile_origins((105.0, 19.0, 106.0, 20.0)) == [(19, 105)]  # whole-degree edges: one tile


def test_dem_urls_match_the_public_hosts():
    area = (105.2, 19.4, 105.6, 19.8)
    urls = {k: dem_resources(area, product=k)[0].urls[0] for k in
            ("srtm3", "srtm1", "nasadem", "copernicus30", "copernicus90")}
    assert urls == {
        "srtm3": "https://step.esa.int/auxdata/dem/SRTMGL3/N19E105.SRTMGL3.hgt.zip",
        "srtm1": "https://step.esa.int/auxdata/dem/SRTMGL1/N19E105.SRTMGL1.hgt.zip",
        "nasadem": "https://opentopography.s3.sdsc.edu/raster/NASADEM/NASADEM_be/NASADEM_HGT_n19e105.tif",
        "copernicus30": "https://copernicus-dem-30m.s3.amazonaws.com/Copernicus_DSM_COG_10_N19_00_E105_00_DEM/"
        "Copernicus_DSM_COG_10_N19_00_E105_00_DEM.tif",
        "copernicus90": "https://copernicus-dem-90m.s3.amazonaws.com/Copernicus_DSM_COG_30_N19_00_E105_00_DEM/"
        "Copernicus_DSM_COG_30_N19_00_E105_00_DEM.tif",
    }
    mirrored = dem_resources(area, product="copernicus90", mirror="http://office.local/gis/")[0]
    assert mirrored.urls == ("http://office.local/gis/copernicus90/" + mirrored.key.split("/", 1)[1],)
    assert mirrored.optional
    assert mirrored.licence == "copernicus90"
    with pytest.raises(ConfigError, match=r"unknown DEM source 'srtm2'.*srtm3"):
        dem_resources(area, product="srtm2")


def test_worldpop_urls():
    assert worldpop_resource("vnm").urls[0] == (
        "https://data.worldpop.org/GIS/Population/Global_2000_2020_1km_UNadj/2020/VNM/"
        "vnm_ppp_2020_1km_Aggregated_UNadj.tif"
    )
    assert worldpop_resource("VNM", product="worldpop-100m", year=2015).urls[0] == (
        "https://data.worldpop.org/GIS/Population/Global_2000_2020/2015/VNM/vnm_ppp_2015_UNadj.tif"
    )
    assert worldpop_resource("VNM", product="worldpop-constrained", year=2025).urls[0] == (
        "https://data.worldpop.org/GIS/Population/Global_2015_2030/R2025A/2025/VNM/v1/100m/constrained/"
        "vnm_pop_2025_CN_100m_R2025A_v1.tif"
    )
    assert worldpop_resource("LAO", product="worldpop-constrained-1km").urls[0].endswith(
        "/R2025A/2020/LAO/v1/1km_ua/constrained/lao_pop_2020_CN_1km_R2025A_UA_v1.tif"
    )
    mirrored = worldpop_resource("VNM", mirror="file:///srv/mirror")
    assert mirrored.urls == ("file:///srv/mirror/" + mirrored.key,)
    with pytest.raises(ConfigError, match="years 2000-2020"):
        worldpop_resource("VNM", year=2024)
    with pytest.raises(ConfigError, match="ISO country code"):
        worldpop_resource("Vietnam")


def test_geoboundaries_urls():
    meta = geoboundaries_metadata_resource("VNM", "adm1")
    assert meta.urls == ("https://www.geoboundaries.org/api/current/gbOpen/VNM/ADM1/",)
    assert meta.optional
    plain = geoboundaries_resource("VNM", "ADM1")
    assert plain.urls == (
        "https://github.com/wmgeolab/geoBoundaries/raw/main/releaseData/gbOpen/VNM/ADM1/geoBoundaries-VNM-ADM1.geojson",
    )
    pinned_url = (
        "https://github.com/wmgeolab/geoBoundaries/raw/9469f09/releaseData/gbOpen/VNM/ADM1/geoBoundaries-VNM-ADM1.geojson"
    )
    pinned = geoboundaries_resource("VNM", "ADM1", metadata={"gjDownloadURL": pinned_url, "boundaryLicense": "CC BY"})
    assert pinned.urls == (pinned_url, plain.urls[0])
    assert ("boundaryLicense", "CC BY") in pinned.extra
    mirrored = geoboundaries_resource("VNM", "ADM2", mirror="http://m")
    assert mirrored.urls == ("http://m/geoboundaries/VNM/ADM2/geoBoundaries-VNM-ADM2.geojson",)
    with pytest.raises(ConfigError, match="not a geoBoundaries level"):
        geoboundaries_resource("VNM", "ADM9")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Thanh Hóa", "Thanh Hoa"),
        ("Thanh Hóa", "THANH HOA province"),
        ("Thanh Hóa", "Tỉnh Thanh Hóa"),
        ("Thanh Hóa", "thanhhoa"),
        ("Thanh Hóa", "Thanh Hoá"),  # accent on the other vowel (old spelling)
        ("Hòa Bình", "Hoà Bình"),
        ("Đắk Lắk", "Dak Lak"),
        ("Hồ Chí Minh", "Thành phố Hồ Chí Minh"),
        ("Bà Rịa–Vũng Tàu", "Ba Ria - Vung Tau"),
    ],
)
def test_names_match_without_accents(a, b):
    assert normalise_name(a) == normalise_name(b)


def test_names_that_differ_stay_different():
    assert normalise_name("Thanh Hóa") != normalise_name("Thanh Hải")
    assert normalise_name("Tỉnh") == "tinh"  # a bare prefix word is kept


def _provinces() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "shapeName": ["Thanh Hóa", "Nghệ An", "Hòa Bình", "Hòa Bình"],
            "shapeISO": ["VN-21", "VN-22", "VN-14", "VN-14"],
        },
        geometry=[box(105, 19, 106, 20), box(104, 18, 105, 19), box(105, 20, 105.5, 21), box(105.5, 20, 106, 21)],
        crs=4326,
    )


def test_find_unit_accent_insensitive_and_merges_pieces():
    assert find_unit(_provinces(), "thanh hoa").at[0, "shapeISO"] == "VN-21"
    assert find_unit(_provinces(), "VN-22").at[0, "shapeName"] == "Nghệ An"
    merged = find_unit(_provinces(), "Hoa Binh")
    assert len(merged) == 1
    assert merged.geometry.iloc[0].equals(box(105, 20, 106, 21))


def test_unknown_name_suggests_close_ones():
    with pytest.raises(ConfigError, match=r"no boundary is named 'Thanh Hao'; did you mean Thanh Hóa\?"):
        find_unit(_provinces(), "Thanh Hao")


def test_find_unit_on_real_geoboundaries(shared_data):
    from towerplan.sources import read_units

    adm1 = read_units(shared_data / "geoboundaries_vnm" / "geoBoundaries-VNM-ADM1.shp")
    unit = find_unit(adm1, "Thanh Hoa")
    assert unit.at[0, "shapeISO"] == "VN-21"
    assert unit.geometry.iloc[0].bounds == pytest.approx((104.379, 19.291, 106.076, 20.655), abs=2e-3)


def test_units_in_area_keeps_the_units_mostly_inside():
    units = gpd.GeoDataFrame(
        {"shapeName": ["in", "half-out", "sliver", "out"]},
        geometry=[box(105.1, 19.1, 105.4, 19.4), box(105.8, 19.1, 106.4, 19.4), box(105.99, 19.5, 106.5, 19.6),
                  box(107, 19, 108, 20)],
        crs=4326,
    )
    kept = units_in_area(units, box(105, 19, 106, 20))
    assert kept.shapeName.tolist() == ["in"]
    loose = units_in_area(units, box(105, 19, 106, 20), min_inside_fraction=0.01)
    assert loose.shapeName.tolist() == ["in", "half-out", "sliver"]
    assert loose.inside_fraction.iloc[1] == pytest.approx(1 / 3, abs=0.01)


def test_parse_area_forms(tmp_path):
    bbox = parse_area("105.2, 19.6,105.8,20.2")
    assert isinstance(bbox, StudyArea)
    assert bbox.kind == "bbox"
    assert bbox.geometry.bounds == (105.2, 19.6, 105.8, 20.2)
    assert parse_area("Thanh Hoa") == "Thanh Hoa"
    path = tmp_path / "zone.geojson"
    gpd.GeoDataFrame(geometry=[box(105, 19, 105.5, 19.5), box(105.5, 19, 106, 19.5)], crs=4326).to_file(path)
    poly = parse_area(str(path))
    assert isinstance(poly, StudyArea)
    assert poly.kind == "polygon"
    assert poly.geometry.bounds == (105, 19, 106, 19.5)
    with pytest.raises(ConfigError, match="no such file"):
        parse_area(str(tmp_path / "missing.gpkg"))
    with pytest.raises(ConfigError, match="not a valid longitude/latitude box"):
        parse_area("106,19,105,20")
    with pytest.raises(ConfigError, match="neither a box"):
        parse_area("105,19,106")


def test_parse_checksums():
    digest = "a" * 64
    assert parse_checksums(f"# sums\n{digest}  srtm3/N19E105.SRTMGL3.hgt.zip\n{digest.upper()} *b.tif\n") == {
        "srtm3/N19E105.SRTMGL3.hgt.zip": digest, "b.tif": digest,
    }
    with pytest.raises(ConfigError, match="checksum line 1"):
        parse_checksums("xyz  file")
