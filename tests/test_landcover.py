"""Land cover: class tables, majority resampling onto the DEM grid, bad rasters, clutter arrays."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import CRS, Transformer

from towerplan.coverage.building_loss import p2109_building_entry_loss_db
from towerplan.coverage.clutter_loss import p2108_terminal_clutter_loss_db
from towerplan.errors import ConfigError, RasterDataError, UnreadableFileError
from towerplan.grid import Grid
from towerplan.landcover import (
    NO_CLASS,
    WORLDCOVER_TABLE,
    ClassTable,
    LandClass,
    default_land_cover,
    land_cover_for,
    read_class_table,
    read_land_cover,
    write_land_cover,
)

UTM = CRS.from_epsg(32648)
#: a 30 m DEM lattice of 40 x 50 cells near Thanh Hóa
DEM = Grid(np.zeros((40, 50), np.float32), Affine(30.0, 0, 540_000.0, 0, -30.0, 2_200_020.0), UTM, None)


def _tif(path, values, transform, crs="EPSG:32648", nodata=0, dtype="uint8"):
    profile = {"driver": "GTiff", "width": values.shape[1], "height": values.shape[0], "count": 1,
               "dtype": dtype, "transform": transform, "nodata": nodata}
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(values.astype(dtype), 1)
    return path


def _ten_metre(values):
    """A 10 m raster aligned on DEM: 3 x 3 source pixels per DEM cell."""
    return Affine(10.0, 0, DEM.transform.c, 0, -10.0, DEM.transform.f)


# ----------------------------------------------------------------- tables
def test_worldcover_table_follows_p1812_table_2():
    t = WORLDCOVER_TABLE
    assert t.codes == (10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100)
    trees, crops, built, water = t.get(10), t.get(40), t.get(50), t.get(80)
    assert (trees.clutter, trees.height_m, trees.p2108) == (4, 15.0, "trees_forest")
    assert (crops.clutter, crops.height_m, crops.p2108) == (2, 0.0, "open_rural")
    assert (built.clutter, built.height_m, built.p2108, built.building) == (4, 15.0, "urban", "traditional")
    assert (water.clutter, water.height_m) == (1, 0.0)
    assert t.get(12) is None
    assert {r["clutter_name"] for r in t.to_rows()} == {"water_sea", "open_rural", "urban_trees_forest"}


def test_user_tables_csv_and_toml(tmp_path):
    csv_path = tmp_path / "classes.csv"
    csv_path.write_text("class,name,clutter,height_m,p2108,building\n"
                        "1,Rice paddy,open_rural,,,\n"
                        "2,Old town,5,25,dense_urban,\n"
                        "3,Village,suburban,8,,\n"
                        "\n"
                        "4,Rubber plantation,trees,12,trees_forest,traditional\n", encoding="utf-8")
    t = read_class_table(csv_path)
    assert t.codes == (1, 2, 3, 4)
    assert (t.get(1).clutter, t.get(1).height_m, t.get(1).p2108) == (2, 0.0, "open_rural")
    assert (t.get(2).clutter, t.get(2).height_m, t.get(2).building) == (5, 25.0, "thermally_efficient")
    assert (t.get(3).height_m, t.get(3).p2108) == (8.0, "suburban")
    assert t.get(4).clutter == 4
    assert t.source == "user table classes.csv"
    toml_path = tmp_path / "classes.toml"
    toml_path.write_text('name = "Provincial survey"\n[classes.11]\nname = "Forest"\nclutter = "urban_trees_forest"\n'
                         'p2108 = "trees_forest"\n[classes.12]\nclutter = 1\n', encoding="utf-8")
    t2 = read_class_table(toml_path)
    assert t2.name == "Provincial survey"
    assert t2.codes == (11, 12)
    assert (t2.get(11).height_m, t2.get(12).clutter, t2.get(12).p2108) == (15.0, 1, "water_sea")


@pytest.mark.parametrize(("text", "match"), [
    ("class,clutter\n1,jungle\n", r"line 2: clutter 'jungle' is not a P.1812 category"),
    ("class,clutter,height_m\n1,2,tall\n", r"line 2: height_m 'tall' is not a number"),
    ("class,clutter,height_m\n1,2,300\n", r"line 2: class 1: clutter height must be 0-100"),
    ("class,clutter\n1.5,2\n", r"line 2: class '1.5' is not an integer"),
    ("class,clutter\n1,2\n1,3\n", r"class\(es\) \[1\] more than once"),
    ("code,name\n1,x\n", "needs the columns class and clutter"),
    ("class,clutter,p2108\n1,2,swamp\n", "not a P.2108 clutter type"),
])
def test_bad_class_tables_name_the_line(tmp_path, text, match):
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=match):
        read_class_table(path)


def test_class_table_files_refused(tmp_path):
    with pytest.raises(UnreadableFileError, match="no such"):
        read_class_table(tmp_path / "none.csv")
    (tmp_path / "t.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(UnreadableFileError, match=r"\.csv or \.toml"):
        read_class_table(tmp_path / "t.xlsx")
    (tmp_path / "t.toml").write_text("classes = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[classes.<code>\]"):
        read_class_table(tmp_path / "t.toml")
    with pytest.raises(ConfigError, match="category must be 1-5"):
        LandClass(1, "x", 6, 0.0, "open_rural")


# ----------------------------------------------------------------- reading onto the grid
def test_majority_of_the_pixels_under_each_cell(tmp_path):
    rng = np.random.default_rng(7)
    winners = rng.choice([10, 40, 50, 80], size=DEM.shape)
    src = np.repeat(np.repeat(winners, 3, axis=0), 3, axis=1)
    # in every cell, 4 of the 9 pixels take another class (a strict minority) or nodata
    minority = np.where(winners == 10, 40, 10)
    for dr, dc in ((0, 0), (0, 2), (2, 1), (1, 1)):
        src[dr::3, dc::3] = minority
    src[2::3, 2::3][::5] = 0  # a few nodata pixels do not vote
    lc = read_land_cover(_tif(tmp_path / "lc.tif", src, _ten_metre(src)), DEM)
    np.testing.assert_array_equal(lc.classes.values, winners)
    assert lc.classes.same_lattice(DEM)
    assert lc.warnings == ()
    height, code = lc.to_clutter_arrays()
    assert height.dtype == np.float32
    assert code.dtype == np.uint8
    assert code.shape == DEM.shape
    lut_code = {10: 4, 40: 2, 50: 4, 80: 1}
    lut_height = {10: 15.0, 40: 0.0, 50: 15.0, 80: 0.0}
    np.testing.assert_array_equal(code, np.vectorize(lut_code.get)(winners))
    np.testing.assert_array_equal(height, np.vectorize(lut_height.get)(winners))
    p2108 = lc.p2108_type_code()
    assert set(np.unique(p2108[winners == 10])) == {5}
    assert set(np.unique(p2108[winners == 50])) == {4}
    assert set(np.unique(lc.building_type_code())) == {1}


def test_geographic_source_is_warped_onto_the_utm_grid(tmp_path):
    """A WorldCover-like tile in EPSG:4326 (~10 m pixels): west half trees, east half cropland, a lake."""
    to_ll = Transformer.from_crs(UTM, 4326, always_xy=True)
    lon0, lat0, lon1, lat1 = to_ll.transform_bounds(*DEM.bounds)
    step = 1 / 12000  # 0.3 arc-second, as WorldCover (about 9 m)
    w, h = int((lon1 - lon0) / step) + 40, int((lat1 - lat0) / step) + 40
    transform = Affine(step, 0, lon0 - 20 * step, 0, -step, lat1 + 20 * step)
    cols = np.arange(w)
    src = np.where(cols < w // 2, 10, 40)[None, :].repeat(h, axis=0).astype(np.uint8)
    src[h // 3: h // 2, w // 4: w // 3] = 80
    lc = read_land_cover(_tif(tmp_path / "wc.tif", src, transform, crs="EPSG:4326"), DEM)
    xs, ys = DEM.cell_centres()
    lon, lat = to_ll.transform(*np.meshgrid(xs, ys))
    expect = src[((transform.f - lat) / step).astype(int), ((lon - transform.c) / step).astype(int)]
    agree = lc.classes.values == expect
    assert agree.mean() > 0.97  # disagreement only along class edges
    assert set(np.unique(lc.classes.values)) == {10, 40, 80}


def test_holes_get_the_default_class_with_a_warning(tmp_path):
    src = np.full((120, 150), 40, np.uint8)
    src[:, :30] = 0  # the first 10 DEM columns have no land cover
    lc = read_land_cover(_tif(tmp_path / "lc.tif", src, _ten_metre(src)), DEM)
    assert (lc.classes.values[:, :10] == NO_CLASS).all()
    assert (lc.classes.values[:, 10:] == 40).all()
    assert len(lc.warnings) == 1
    assert "400 of 2,000 cells (20.00 %) have no land-cover data" in lc.warnings[0]
    height, code = lc.to_clutter_arrays()
    assert (code[:, :10] == 2).all()
    assert (height[:, :10] == 0).all()
    assert lc.summary()["classes"][0] == {"class": NO_CLASS, "name": "default: open/rural (no land cover)",
                                          "clutter": 2, "height_m": 0.0, "cells": 400, "percent": 20.0}
    assert lc.describe() == "Cropland 80 %, default: open/rural (no land cover) 20 %"


def test_first_source_wins_and_a_tile_beside_the_area_is_skipped(tmp_path):
    a = np.full((60, 150), 10, np.uint8)  # north half of the area
    b = np.full((120, 150), 40, np.uint8)  # the whole area
    far = np.full((10, 10), 50, np.uint8)
    lc = read_land_cover([
        _tif(tmp_path / "a.tif", a, _ten_metre(a)),
        _tif(tmp_path / "far.tif", far, Affine(10.0, 0, 600_000.0, 0, -10.0, 2_300_000.0)),
        _tif(tmp_path / "b.tif", b, _ten_metre(b)),
    ], DEM)
    assert (lc.classes.values[:20] == 10).all()
    assert (lc.classes.values[20:] == 40).all()
    assert lc.source == "a.tif, far.tif, b.tif"


def test_unknown_classes_are_counted_and_never_mapped_silently(tmp_path):
    src = np.full((120, 150), 40, np.uint8)
    src[:30, :30] = 12  # 10 x 10 cells
    src[90:, 120:] = 200  # 10 x 10 cells
    path = _tif(tmp_path / "lc.tif", src, _ten_metre(src))
    with pytest.raises(RasterDataError, match=r"2 class\(es\).*class 12: 100 cells \(5.00 %\); class 200: 100 cells"):
        read_land_cover(path, DEM)
    lc = read_land_cover(path, DEM, unknown="default")
    assert (lc.classes.values[:10, :10] == NO_CLASS).all()
    assert len(lc.warnings) == 1
    assert "class 12: 100 cells" in lc.warnings[0]
    assert "class 200" in lc.warnings[0]
    table = ClassTable((LandClass(12, "Paddy", 2, 0, "open_rural"), LandClass(40, "Crops", 2, 0, "open_rural"),
                        LandClass(200, "Town", 3, 10, "suburban")), name="mine")
    mine = read_land_cover(path, DEM, table=table)
    assert mine.clutter_code()[-1, -1] == 3
    assert mine.clutter_height_m()[-1, -1] == 10


def test_bad_land_cover_rasters_get_clear_messages(tmp_path):
    src = np.full((120, 150), 40, np.uint8)
    with pytest.raises(RasterDataError, match="no coordinate reference system"):
        read_land_cover(_tif(tmp_path / "nocrs.tif", src, _ten_metre(src), crs=None), DEM)
    with pytest.raises(RasterDataError, match="does not overlap the DEM grid"):
        read_land_cover(_tif(tmp_path / "far.tif", src, Affine(10.0, 0, 700_000.0, 0, -10.0, 2_000_000.0)), DEM)
    with pytest.raises(RasterDataError, match="nodata everywhere"):
        read_land_cover(_tif(tmp_path / "empty.tif", np.zeros_like(src), _ten_metre(src)), DEM)
    with pytest.raises(RasterDataError, match="integer class codes; this one holds float32"):
        read_land_cover(_tif(tmp_path / "float.tif", src, _ten_metre(src), dtype="float32"), DEM)
    with pytest.raises(RasterDataError, match="over the limit of 1,000"):
        read_land_cover(_tif(tmp_path / "big.tif", src, _ten_metre(src)), DEM, max_cells=1_000)
    (tmp_path / "map.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    with pytest.raises(UnreadableFileError, match=r"not a readable (GeoTIFF|raster)"):
        read_land_cover(tmp_path / "map.png", DEM)
    with pytest.raises(UnreadableFileError, match="no such file"):
        read_land_cover(tmp_path / "missing.tif", DEM)
    with rasterio.open(tmp_path / "lc.asc", "w", driver="AAIGrid", width=150, height=120, count=1, dtype="int32",
                       crs="EPSG:32648", transform=_ten_metre(src)) as ds:
        ds.write(src.astype("int32"), 1)
    with pytest.raises(UnreadableFileError, match=r"not a readable (GeoTIFF|raster)"):  # GeoTIFF only
        read_land_cover(tmp_path / "lc.asc", DEM)


def test_written_land_cover_reads_back_unchanged(tmp_path):
    src = np.where(np.arange(150)[None, :] < 75, 10, 95).repeat(120, axis=0).astype(np.uint8)
    src[:3, :3] = 0
    lc = read_land_cover(_tif(tmp_path / "lc.tif", src, _ten_metre(src)), DEM)
    text = write_land_cover(lc, tmp_path / "out.tif")
    assert text == "Mangroves 50 %, Tree cover 50 %, default: open/rural (no land cover) 0 %"
    with rasterio.open(tmp_path / "out.tif") as ds:
        assert ds.dtypes[0] == "uint8"
        assert ds.nodata == 0
        assert ds.tags()["table"] == "ESA WorldCover 10 m v200"
    again = read_land_cover(tmp_path / "out.tif", DEM)
    np.testing.assert_array_equal(again.classes.values, lc.classes.values)


def test_default_land_cover_and_the_extra_loss_hook():
    lc = default_land_cover(DEM)
    assert lc.source == "none"
    assert "every cell uses the default class open/rural" in lc.warnings[0]
    height, code = lc.to_clutter_arrays()
    assert (code == 2).all()
    assert (height == 0).all()
    assert not lc.extra_loss_db(freq_mhz=900, model="itm").any()  # open ground: nothing beyond the model
    indoor = lc.extra_loss_db(freq_mhz=1800, model="itm", service="indoor")
    assert indoor == pytest.approx(float(p2109_building_entry_loss_db(1800, 0.5, "traditional")), abs=1e-4)


def test_extra_loss_follows_the_classes(tmp_path):
    src = np.full((120, 150), 40, np.uint8)
    src[:, 75:] = 10
    src[60:, 75:] = 50
    lc = read_land_cover(_tif(tmp_path / "lc.tif", src, _ten_metre(src)), DEM)
    loss = lc.extra_loss_db(freq_mhz=2100, model="itm")
    assert (loss[:, :25] == 0).all()
    assert loss[0, -1] == pytest.approx(float(p2108_terminal_clutter_loss_db(2100, 1.5, "trees_forest")), abs=1e-4)
    assert loss[-1, -1] == pytest.approx(float(p2108_terminal_clutter_loss_db(2100, 1.5, "urban")), abs=1e-4)
    assert not lc.extra_loss_db(freq_mhz=2100, model="p1812").any()


def test_land_cover_for_a_run(tmp_path):
    assert land_cover_for(DEM).source == "none"
    assert land_cover_for(DEM, []).warnings == default_land_cover(DEM).warnings
    src = np.full((120, 150), 7, np.uint8)
    path = _tif(tmp_path / "lc.tif", src, _ten_metre(src))
    with pytest.raises(RasterDataError, match="class 7: 2,000 cells"):
        land_cover_for(DEM, path)
    (tmp_path / "t.csv").write_text("class,name,clutter\n7,Rubber,4\n", encoding="utf-8")
    lc = land_cover_for(DEM, [path], table=tmp_path / "t.csv")
    assert lc.table.name == "t.csv"
    assert (lc.clutter_code() == 4).all()


@pytest.mark.parametrize(("dtype", "nodata", "codes"), [
    ("uint16", None, (1000, 65000)),  # no nodata: the fill is a value outside the type
    ("int16", None, (-5, 7)),
    ("int32", -9999, (3, 100_000)),
    ("uint8", None, (0, 255)),  # 0 is a class when the file declares no nodata
])
def test_other_class_types_and_nodata(tmp_path, dtype, nodata, codes):
    src = np.full((120, 150), codes[0], dtype=dtype)
    src[:, 75:] = codes[1]
    table = ClassTable(tuple(LandClass(c, f"c{c}", 2 + i, 0 if i == 0 else 10, "open_rural" if i == 0 else "suburban")
                             for i, c in enumerate(codes)), name="user")
    lc = read_land_cover(_tif(tmp_path / "lc.tif", src, _ten_metre(src), nodata=nodata, dtype=dtype), DEM, table=table)
    assert (lc.classes.values[:, :25] == codes[0]).all()
    assert (lc.classes.values[:, 25:] == codes[1]).all()
    assert lc.warnings == ()
    assert (lc.clutter_code()[:, 25:] == 3).all()


def test_map_layer_in_worldcover_colours(tmp_path):
    import folium

    from towerplan.maps.landcover import WORLDCOVER_COLOURS, land_cover_layer

    src = np.full((120, 150), 10, np.uint8)
    src[:, 75:] = 80
    src[:, :30] = 0
    lc = read_land_cover(_tif(tmp_path / "lc.tif", src, _ten_metre(src)), DEM)
    group, items = land_cover_layer(lc, name="Land cover")
    assert items == [("Tree cover", WORLDCOVER_COLOURS[10]), ("Permanent water bodies", WORLDCOVER_COLOURS[80]),
                     ("no land cover (open/rural)", "#dddddd")]
    fmap = folium.Map(location=[19.9, 105.4], zoom_start=10)
    group.add_to(fmap)
    assert "data:image/png;base64," in fmap.get_root().render()
