"""DEM reading: SRTM tiles, mosaics, reprojection to UTM, clipping, resampling, bad DEMs."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer
from rasterio.crs import CRS as RioCRS
from shapely.geometry import Polygon

from towerplan.errors import RasterDataError, UnreadableFileError
from towerplan.grid import Grid
from towerplan.rasters import write_grid
from towerplan.terrain import clip_grid, pick_crs, read_dem, read_hgt, reproject_grid, target_lattice


def _hgt_bytes(n: int, value_fn) -> bytes:
    """An SRTM tile: n x n big-endian int16 samples, row 0 at the north edge."""
    r, c = np.mgrid[0:n, 0:n]
    return value_fn(r, c).astype(">i2").tobytes()


def _plane_lonlat_tif(path, *, lon0=105.0, lat0=20.0, step=1 / 1200, n=600, nodata=-32768.0):
    """A GeoTIFF in EPSG:4326 whose height is a linear plane in longitude and latitude."""
    r, c = np.mgrid[0:n, 0:n]
    lon = lon0 + (c + 0.5) * step
    lat = lat0 - (r + 0.5) * step
    z = (100 + 2000 * (lon - lon0) + 1000 * (lat0 - lat)).astype(np.float32)
    with rasterio.open(
        path, "w", driver="GTiff", width=n, height=n, count=1, dtype="float32",
        crs=RioCRS.from_epsg(4326), transform=Affine(step, 0, lon0, 0, -step, lat0), nodata=nodata,
    ) as ds:
        ds.write(z, 1)
    return path


def test_read_hgt_3arcsec_georeferencing(tmp_path) -> None:
    # SRTM 3" tile N19E105: 1201 samples, sample (r, c) at lon 105 + c/1200, lat 20 - r/1200
    path = tmp_path / "N19E105.hgt"
    path.write_bytes(_hgt_bytes(1201, lambda r, c: r + c))
    g = read_hgt(path)
    assert g.shape == (1201, 1201)
    assert g.crs.to_epsg() == 4326
    x, y = g.xy(0, 0)
    assert float(x) == pytest.approx(105.0)
    assert float(y) == pytest.approx(20.0)
    x, y = g.xy(1200, 1200)
    assert float(x) == pytest.approx(106.0)
    assert float(y) == pytest.approx(19.0)
    assert g.values[10, 20] == 30
    assert g.nodata == -32768


def test_read_hgt_1arcsec_zipped_and_southern_western(tmp_path) -> None:
    raw = _hgt_bytes(3601, lambda r, c: np.full_like(r, 7))
    z = tmp_path / "S07W079.SRTMGL1.hgt.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("S07W079.hgt", raw)
    g = read_hgt(z)
    assert g.shape == (3601, 3601)
    x, y = g.xy(3600, 0)
    assert (float(x), float(y)) == (pytest.approx(-79.0), pytest.approx(-7.0))


@pytest.mark.parametrize(
    ("name", "payload", "match"),
    [
        ("N19E105.hgt", b"\x00" * 1000, "not an SRTM tile"),
        ("tile.hgt", b"\x00" * (1201 * 1201 * 2), "named after its south-west corner"),
        ("N19E105.hgt.zip", b"PK-not-a-zip", "not a valid zip"),
    ],
)
def test_read_hgt_errors(tmp_path, name: str, payload: bytes, match: str) -> None:
    p = tmp_path / name
    p.write_bytes(payload)
    with pytest.raises(UnreadableFileError, match=match):
        read_hgt(p)


def test_mosaic_two_hgt_tiles_reprojected_to_utm(tmp_path) -> None:
    # north tile = 500 m everywhere, south tile = 100 m: the seam at 20°N separates them
    (tmp_path / "N20E105.hgt").write_bytes(_hgt_bytes(1201, lambda r, c: np.full_like(r, 500)))
    (tmp_path / "N19E105.hgt").write_bytes(_hgt_bytes(1201, lambda r, c: np.full_like(r, 100)))
    dem = read_dem(
        [tmp_path / "N20E105.hgt", tmp_path / "N19E105.hgt"], area=(105.4, 19.9, 105.6, 20.1), resolution_m=90
    )
    assert dem.crs.to_epsg() == 32648
    assert dem.res == (90.0, 90.0)
    assert not np.isnan(dem.values).any()
    to_utm = Transformer.from_crs(4326, 32648, always_xy=True)
    for lat, expected in [(20.05, 500.0), (19.95, 100.0)]:
        x, y = to_utm.transform(105.5, lat)
        r, c = dem.rowcol(x, y)
        assert dem.values[r, c] == pytest.approx(expected)


def test_reprojection_preserves_a_linear_surface(tmp_path) -> None:
    src = _plane_lonlat_tif(tmp_path / "plane.tif")
    dem = read_dem(src, area=(105.1, 19.65, 105.4, 19.9), resolution_m=90, resampling="bilinear")
    to_ll = Transformer.from_crs(32648, 4326, always_xy=True)
    rows, cols = np.meshgrid(np.arange(5, dem.height - 5, 37), np.arange(5, dem.width - 5, 41), indexing="ij")
    x, y = dem.xy(rows, cols)
    lon, lat = to_ll.transform(x, y)
    expected = 100 + 2000 * (lon - 105.0) + 1000 * (20.0 - lat)
    # bilinear interpolation of a plane is exact up to float32 storage
    np.testing.assert_allclose(dem.values[rows, cols], expected, atol=0.01)


def test_coarser_resolution_averages(tmp_path) -> None:
    # 1" (~30 m) noise around 500 m: averaging into 270 m cells (~81 samples each) shrinks its
    # spread about 9x; bilinear sampling would keep it
    rng = np.random.default_rng(7)
    noise = (500 + rng.normal(0, 50, (720, 720))).astype(np.float32)
    path = _tif(tmp_path / "noise.tif", noise, transform=Affine(1 / 3600, 0, 105.0, 0, -1 / 3600, 20.0))
    area = (105.02, 19.82, 105.18, 19.98)
    coarse = read_dem(path, area=area, resolution_m=270)
    sharp = read_dem(path, area=area, resolution_m=270, resampling="nearest")
    assert coarse.res == (270.0, 270.0)
    assert float(np.nanstd(sharp.values)) == pytest.approx(50, rel=0.1)
    assert float(np.nanstd(coarse.values)) == pytest.approx(50 / 9, rel=0.25)
    assert float(np.nanmean(coarse.values)) == pytest.approx(500, abs=1)


def test_clip_to_polygon_masks_outside(tmp_path) -> None:
    src = _plane_lonlat_tif(tmp_path / "plane.tif")
    tri = Polygon([(105.1, 19.7), (105.4, 19.7), (105.1, 19.9)])
    dem = read_dem(src, area=tri, resolution_m=90, mask_outside=True)
    to_utm = Transformer.from_crs(4326, 32648, always_xy=True)
    inside = dem.rowcol(*to_utm.transform(105.15, 19.75))
    outside = dem.rowcol(*to_utm.transform(105.35, 19.85))
    assert np.isfinite(dem.values[inside])
    assert np.isnan(dem.values[outside])
    smaller = clip_grid(dem, (105.1, 19.7, 105.2, 19.8))
    assert smaller.height < dem.height
    assert smaller.width < dem.width


def test_geotiff_in_utm_is_resampled_on_snapped_lattice(tmp_path, utm_grid: Grid) -> None:
    path = write_grid(utm_grid.with_values(utm_grid.values.astype(np.float32)), tmp_path / "u.tif")
    dem = read_dem(path, resolution_m=60)
    assert dem.crs.to_epsg() == 32648
    assert dem.transform.c % 60 == 0
    assert dem.transform.f % 60 == 0
    again = reproject_grid(dem, like=dem)
    np.testing.assert_allclose(again.values, dem.values, equal_nan=True)


def test_pick_crs_and_target_lattice() -> None:
    assert pick_crs((104.4, 19.3, 106.1, 20.7)).to_epsg() == 32648
    t, w, h = target_lattice((100.0, 200.0, 1001.0, 290.0), resolution_m=30)
    assert (t.c, t.f, w, h) == (90.0, 300.0, 31, 4)
    with pytest.raises(RasterDataError, match="positive"):
        target_lattice((0, 0, 1, 1), resolution_m=0)


_DEFAULT_T = Affine(0.001, 0, 105, 0, -0.001, 20)


def _tif(path, values, crs=4326, transform=_DEFAULT_T, nodata=None):
    with rasterio.open(
        path, "w", driver="GTiff", width=values.shape[1], height=values.shape[0], count=1,
        dtype=values.dtype.name, crs=None if crs is None else RioCRS.from_epsg(crs), transform=transform,
        nodata=nodata,
    ) as ds:
        ds.write(values, 1)
    return path


@pytest.mark.parametrize(
    ("case", "match", "error"),
    [
        ("no_crs", "no coordinate reference system", RasterDataError),
        ("all_nodata", "no valid heights", RasterDataError),
        ("feet_or_junk", "plausible", RasterDataError),
        ("no_overlap", "covers the area", RasterDataError),
        ("missing", "no such file", UnreadableFileError),
        ("junk", "not a readable raster", UnreadableFileError),
        ("too_big", "over the limit", RasterDataError),
        ("geographic_out", "projected", RasterDataError),
        ("bad_area", "not a valid longitude/latitude box", RasterDataError),
    ],
)
def test_bad_dems_get_clear_errors(tmp_path, case: str, match: str, error: type) -> None:
    good = np.full((50, 50), 120, dtype=np.int16)
    kwargs: dict = {"area": (105.01, 19.96, 105.04, 19.99), "resolution_m": 90}
    if case == "no_crs":
        path = _tif(tmp_path / "a.tif", good, crs=None)
    elif case == "all_nodata":
        path = _tif(tmp_path / "a.tif", np.full((50, 50), -32768, dtype=np.int16), nodata=-32768)
    elif case == "feet_or_junk":
        path = _tif(tmp_path / "a.tif", np.full((50, 50), 30000, dtype=np.int16))
    elif case == "no_overlap":
        path = _tif(tmp_path / "a.tif", good)
        kwargs["area"] = (106.0, 19.0, 106.1, 19.1)
    elif case == "missing":
        path = tmp_path / "nope.tif"
    elif case == "junk":
        path = tmp_path / "a.tif"
        path.write_bytes(b"GIF89a junk" * 30)
    elif case == "too_big":
        path = _tif(tmp_path / "a.tif", good)
        kwargs["max_cells"] = 10
    elif case == "geographic_out":
        path = _tif(tmp_path / "a.tif", good)
        kwargs["crs"] = 4326
    else:
        path = _tif(tmp_path / "a.tif", good)
        kwargs["area"] = (19.9, 105.0, 20.0, 105.1)  # lat/lon swapped
    with pytest.raises(error, match=match):
        read_dem(path, **kwargs)


def test_dem_with_voids_keeps_nan(tmp_path) -> None:
    v = np.full((50, 50), 300, dtype=np.int16)
    v[20:30, 20:30] = -32768
    path = _tif(tmp_path / "a.tif", v, nodata=-32768)
    dem = read_dem(path, area=(105.0, 19.95, 105.05, 20.0), resolution_m=30)
    assert np.isnan(dem.values).any()
    assert np.nanmax(dem.values) == pytest.approx(300)


@pytest.mark.realdata
def test_real_coarse_altitude_grid_for_thanh_hoa(shared_data) -> None:
    """The 9 km pvlib/Mapzen grid (SOURCES.md §1) reprojects to a UTM 48N grid over the province."""
    import geopandas as gpd

    province = gpd.read_file(shared_data / "geoboundaries_vnm" / "geoBoundaries-VNM-ADM1_thanhhoa.geojson")
    dem = read_dem(
        shared_data / "dem_pvlib_mapzen_5arcmin" / "altitude_5arcmin_vietnam.tif",
        area=province.geometry.iloc[0], resolution_m=500, mask_outside=True,
    )
    assert dem.crs.to_epsg() == 32648
    # SOURCES.md: inside the polygon heights range from -2 to 1090 m (quantised, smoothed)
    assert -30 < float(np.nanmin(dem.values)) < 50
    assert 800 < float(np.nanmax(dem.values)) < 1200
