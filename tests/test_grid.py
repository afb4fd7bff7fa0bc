"""The Grid value object and raster file I/O."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from affine import Affine

from towerplan.errors import RasterDataError, TowerplanError, UnreadableFileError
from towerplan.grid import Grid, utm_crs_for_lonlat
from towerplan.rasters import read_grid, write_grid


def test_grid_is_immutable_and_copies_input(utm_grid: Grid) -> None:
    arr = np.zeros((3, 3))
    g = Grid(arr, Affine(1, 0, 0, 0, -1, 3), 32648)
    arr[0, 0] = 5
    assert g.values[0, 0] == 0
    with pytest.raises(ValueError, match="read-only"):
        g.values[0, 0] = 1
    with pytest.raises(AttributeError):
        g.nodata = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("values", "transform", "match"),
    [
        (np.zeros((2, 2, 2)), Affine(1, 0, 0, 0, -1, 0), "2-D"),
        (np.zeros((0, 3)), Affine(1, 0, 0, 0, -1, 0), "empty"),
        (np.zeros((2, 2)), Affine(1, 0.1, 0, 0, -1, 0), "rotated"),
        (np.zeros((2, 2)), Affine(1, 0, 0, 0, 1, 0), "north-up"),
        (np.zeros((2, 2)), (1, 0, 0, 0, -1, 0), "affine"),
    ],
)
def test_grid_rejects_bad_lattices(values: np.ndarray, transform: Affine, match: str) -> None:
    with pytest.raises(RasterDataError, match=match):
        Grid(values, transform, 32648)


def test_grid_errors_are_valueerrors_and_towerplan_errors() -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the builtin parent is the point
        Grid(np.zeros(3), Affine(1, 0, 0, 0, -1, 0), 32648)
    with pytest.raises(TowerplanError):
        Grid(np.zeros((2, 2)), Affine(1, 0, 0, 0, -1, 0), "not a crs")


def test_geometry_helpers(utm_grid: Grid) -> None:
    assert utm_grid.shape == (40, 50)
    assert utm_grid.res == (30.0, 30.0)
    assert utm_grid.bounds == (560_010.0, 2_200_020.0 - 1200.0, 560_010.0 + 1500.0, 2_200_020.0)
    x, y = utm_grid.xy(0, 0)
    assert (float(x), float(y)) == (560_025.0, 2_200_005.0)
    r, c = utm_grid.rowcol(x, y)
    assert (int(r), int(c)) == (0, 0)
    rows, cols = np.array([3, 39]), np.array([7, 49])
    xs, ys = utm_grid.xy(rows, cols)
    rr, cc = utm_grid.rowcol(xs, ys)
    assert rr.tolist() == [3, 39]
    assert cc.tolist() == [7, 49]
    assert utm_grid.cell_area_m2 == 900.0
    assert utm_grid.contains([560_011.0, 559_000.0], [2_200_000.0, 2_200_000.0]).tolist() == [True, False]


def test_valid_mask_handles_nodata_and_nan() -> None:
    g = Grid(np.array([[1.0, -9999.0], [np.nan, 2.0]]), Affine(1, 0, 0, 0, -1, 2), 32648, -9999)
    assert g.valid_mask().tolist() == [[True, False], [False, True]]
    assert np.isnan(g.masked()[0, 1])


def test_geographic_grid_refuses_metric_operations() -> None:
    g = Grid(np.zeros((2, 2)), Affine(0.01, 0, 105, 0, -0.01, 20), 4326)
    with pytest.raises(RasterDataError, match="geographic"):
        _ = g.cell_area_m2


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [(105.78, 19.8, 32648), (104.5, 20.5, 32648), (102.1, 21.0, 32648), (101.9, 21.0, 32647), (106.5, -6.2, 32748)],
)
def test_utm_zone(lon: float, lat: float, epsg: int) -> None:
    assert utm_crs_for_lonlat(lon, lat).to_epsg() == epsg


def test_write_read_roundtrip_is_cog_and_atomic(tmp_path, utm_grid: Grid) -> None:
    path = write_grid(utm_grid.with_values(utm_grid.values.astype(np.float32), nodata=-9999.0), tmp_path / "a.tif")
    assert [p.name for p in tmp_path.iterdir()] == ["a.tif"]  # no temporary left behind
    back = read_grid(path)
    assert back.same_lattice(utm_grid)
    np.testing.assert_array_equal(back.values, utm_grid.values)
    assert back.nodata == -9999.0
    with rasterio.open(path) as ds:
        assert ds.profile["tiled"]
        assert ds.crs.to_epsg() == 32648
    tagged = write_grid(utm_grid, tmp_path / "t.tif", tags={"source": "synthetic demo"}, cog=False)
    with rasterio.open(tagged) as ds:
        assert ds.tags()["source"] == "synthetic demo"
    tagged = write_grid(utm_grid, tmp_path / "c.tif", tags={"source": "synthetic demo"})
    with rasterio.open(tagged) as ds:
        assert ds.tags()["source"] == "synthetic demo"


@pytest.mark.parametrize("cog", [True, False])
def test_writes_with_the_type_s_predictor_and_threads_do_not_change_the_bytes(tmp_path, monkeypatch, cog) -> None:
    """Float rasters get TIFF predictor 3 (floating point), integer ones 2 (horizontal differencing); values round
    trip exactly (NaN and nodata included) and the file's bytes do not depend on the threads GDAL compresses on."""
    import towerplan.rasters as rasters

    rng = np.random.default_rng(3)
    levels = np.cumsum(rng.normal(0.0, 0.3, (300, 260)), axis=1).astype(np.float32) - 90.0  # smooth, like a level
    levels[:20, :] = np.nan
    transform = Affine(30.0, 0.0, 560_010.0, 0.0, -30.0, 2_200_020.0)
    index = (np.arange(300 * 260, dtype=np.int32).reshape(300, 260) // 97) % 50 - 1
    for name, grid, predictor in (("f", Grid(levels, transform, 32648, None), 3),
                                  ("i", Grid(index, transform, 32648, -1), 2)):
        one = {}
        for threads in (1, 4):
            monkeypatch.setattr(rasters, "WRITE_THREADS_MAX", threads)
            path = write_grid(grid, tmp_path / f"{name}{threads}.tif", cog=cog)
            one[threads] = path.read_bytes()
            with rasterio.open(path) as ds:
                assert ds.profile["compress"] == "deflate"
                assert ds.tags(ns="IMAGE_STRUCTURE")["PREDICTOR"] == str(predictor)
            np.testing.assert_array_equal(read_grid(path).values, grid.values)
        assert one[1] == one[4]
    smaller = write_grid(Grid(levels, transform, 32648, None), tmp_path / "plain.tif", compress="none")
    assert (tmp_path / "f1.tif").stat().st_size < 0.8 * smaller.stat().st_size


def test_failed_write_leaves_previous_file(tmp_path, utm_grid: Grid, monkeypatch) -> None:
    path = write_grid(utm_grid, tmp_path / "a.tif")
    before = path.read_bytes()

    def crash_midway(src, dst, **kwargs):  # a writer that dies after writing part of the file
        with open(dst, "wb") as fh:
            fh.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr("rasterio.shutil.copy", crash_midway)
    with pytest.raises(OSError, match="disk full"):
        write_grid(utm_grid.with_values(utm_grid.values + 1), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.tif"]


def test_read_grid_errors(tmp_path, utm_grid: Grid) -> None:
    with pytest.raises(UnreadableFileError, match="no such file"):
        read_grid(tmp_path / "missing.tif")
    junk = tmp_path / "junk.tif"
    junk.write_bytes(b"\x00\x01 this is not a tiff" * 10)
    with pytest.raises(UnreadableFileError, match="not a readable raster"):
        read_grid(junk)
    nocrs = tmp_path / "nocrs.tif"
    with rasterio.open(nocrs, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32") as ds:
        ds.write(np.zeros((1, 2, 2), dtype=np.float32))
    with pytest.raises(RasterDataError, match="no coordinate reference system"):
        read_grid(nocrs)
    ok = write_grid(utm_grid, tmp_path / "ok.tif")
    with pytest.raises(RasterDataError, match="exceeds the limit"):
        read_grid(ok, max_cells=100)
    with pytest.raises(RasterDataError, match="band 2"):
        read_grid(ok, band=2)
