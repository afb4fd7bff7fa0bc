"""Display copies of rasters: small Web-Mercator PNGs for map overlays.

Analysis rasters stay on disk at full resolution; maps get a reprojected,
downsampled palette image of at most a few million pixels (a full-resolution
base64 overlay would make pages of tens of megabytes).
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, features
from pyproj import Transformer

from towerplan.grid import Grid
from towerplan.palette import rsrp_step_stops
from towerplan.terrain import reproject_grid

__all__ = ["DisplayImage", "hillshade", "terrain_image", "colourise", "value_image", "category_image",
           "TERRAIN_STOPS", "RSRP_STOPS"]

#: colour of cells at or below 0 m (the sea in SRTM-like DEMs)
WATER_RGB = (166, 206, 227)

#: hypsometric tints (elevation m, RGB): coastal green through brown to grey-white peaks
TERRAIN_STOPS: tuple[tuple[float, tuple[int, int, int]], ...] = (
    (0.0, (74, 140, 84)),
    (100.0, (120, 170, 96)),
    (300.0, (196, 206, 130)),
    (600.0, (214, 184, 120)),
    (1000.0, (170, 120, 80)),
    (1500.0, (140, 110, 100)),
    (2200.0, (235, 235, 235)),
)


@dataclass(frozen=True)
class DisplayImage:
    """A PNG ready for ``folium.raster_layers.ImageOverlay``.

    Attributes
    ----------
    png
        Image bytes (RGBA): PNG, or WebP for the lossy relief (see ``mime``).
    mime
        ``image/png`` or ``image/webp``.
    bounds_latlon
        ``[[lat_south, lon_west], [lat_north, lon_east]]`` as Leaflet wants it.
    """

    png: bytes
    bounds_latlon: list[list[float]]
    mime: str = "image/png"

    @property
    def data_url(self) -> str:
        return f"data:{self.mime};base64," + base64.b64encode(self.png).decode("ascii")


def hillshade(elevation: np.ndarray, *, cell_m: float, azimuth_deg: float = 315.0, altitude_deg: float = 45.0,
              z_factor: float = 1.0) -> np.ndarray:
    """Hillshade in [0, 1] (Horn-style gradients; NaN stays NaN).

    Parameters
    ----------
    elevation
        Heights in metres on a square-cell metric grid.
    cell_m
        Cell size in metres.
    """
    z = np.where(np.isfinite(elevation), elevation, np.nanmean(elevation)) * z_factor
    dzdy, dzdx = np.gradient(z, cell_m)
    slope = np.arctan(np.hypot(dzdx, dzdy))
    aspect = np.arctan2(-dzdx, dzdy)
    az = math.radians(360.0 - azimuth_deg + 90.0)
    alt = math.radians(altitude_deg)
    shade = np.sin(alt) * np.cos(slope) + np.cos(alt) * np.sin(slope) * np.cos(az - aspect)
    shade = np.clip(shade, 0.0, 1.0)
    shade[~np.isfinite(elevation)] = np.nan
    return shade


def colourise(values: np.ndarray, stops: tuple[tuple[float, tuple[int, int, int]], ...]) -> np.ndarray:
    """Map values to RGB (uint8, shape + (3,)) by linear interpolation between colour stops."""
    xs = np.array([s[0] for s in stops], dtype=float)
    rgb = np.array([s[1] for s in stops], dtype=float)
    v = np.where(np.isfinite(values), values, xs[0])
    out = np.stack([np.interp(v, xs, rgb[:, k]) for k in range(3)], axis=-1)
    return out.astype(np.uint8)


def _to_mercator(grid: Grid, max_pixels: int) -> Grid:
    left, bottom, right, top = Transformer.from_crs(grid.crs, 3857, always_xy=True).transform_bounds(
        *grid.bounds, densify_pts=21
    )
    area = (right - left) * (top - bottom)
    res = max(math.sqrt(area / max_pixels), min(grid.res) if grid.crs.is_projected else 0.0)
    return reproject_grid(grid, crs=3857, resolution_m=res, resampling="bilinear")


def _bounds_latlon(grid: Grid) -> list[list[float]]:
    tr = Transformer.from_crs(grid.crs, 4326, always_xy=True)
    left, bottom, right, top = grid.bounds
    (lon0, lon1), (lat0, lat1) = tr.transform([left, right], [bottom, top])
    return [[float(lat0), float(lon0)], [float(lat1), float(lon1)]]


def _png(rgba: np.ndarray) -> bytes:
    # compress_level 1: PNG's "optimize" took 5 s for a 0.5 Mpx relief; level 1 is 20x faster and
    # only ~20 % larger (layers with large transparent areas compress well anyway)
    buf = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def _indexed_png(rgba: np.ndarray) -> bytes:
    """Exact palette PNG (with per-entry alpha) when the image has at most 256 distinct RGBA values.

    Coverage layers have few colours (categories, or levels drawn in 0.5 dB steps): the palette
    PNG is ~7x smaller than the RGBA one (demo best-RSRP layer: 53 KB instead of 371 KB) and
    lossless. Images with more colours fall back to RGBA PNG.
    """
    flat = np.ascontiguousarray(rgba.reshape(-1, 4)).view(np.uint32).ravel()
    colours, index = np.unique(flat, return_inverse=True)
    if colours.size > 256:
        return _png(rgba)
    table = colours.view(np.uint8).reshape(-1, 4)
    img = Image.fromarray(index.reshape(rgba.shape[:2]).astype(np.uint8), mode="P")
    img.putpalette(table[:, :3].ravel().tolist(), rawmode="RGB")
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=6, transparency=bytes(table[:, 3].tolist()))
    return buf.getvalue()


#: level layers are drawn in steps of this many dB (at most ~256 colours: an exact palette PNG)
DISPLAY_STEP_DB = 0.5


def _webp(rgba: np.ndarray) -> bytes | None:
    """Lossy WebP (lossless alpha) for photographic layers: ~20x smaller than PNG; None if Pillow lacks WebP."""
    if not features.check("webp"):
        return None
    buf = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buf, format="WEBP", quality=85, method=4)
    return buf.getvalue()


def terrain_image(dem: Grid, *, max_pixels: int = 1_500_000, opacity: float = 1.0, tint: bool = True,
                  lossy: bool = True) -> DisplayImage:
    """Shaded-relief colour image of a DEM, in Web Mercator, for a map overlay.

    The DEM is reprojected to EPSG:3857 (so Leaflet's linear stretch between the
    corners is exact), downsampled to at most ``max_pixels``, tinted by height
    (or, with ``tint=False``, left neutral grey) and multiplied by a hillshade. Nodata is
    transparent. ``lossy``: encode as WebP (a relief is photographic: ~20 KB instead of
    ~500 KB of PNG for the 90 m demo, so the page loads faster); PNG otherwise.
    """
    merc = _to_mercator(dem, max_pixels)
    z = merc.masked()
    # Mercator stretches distances by 1/cos(lat); shade with true metres
    lat_mid = sum(b[0] for b in _bounds_latlon(merc)) / 2
    shade = hillshade(z, cell_m=merc.res[0] * math.cos(math.radians(lat_mid)))
    # tint=False: neutral grey relief, so colours on top (signal levels) keep their meaning
    rgb = colourise(z, TERRAIN_STOPS).astype(float) if tint else np.full((*z.shape, 3), 235.0)
    rgb *= (0.45 + 0.55 * np.nan_to_num(shade, nan=1.0))[..., None]
    # SRTM and most DEMs store the sea as 0 m (or below): draw it as water, unshaded
    rgb[np.isfinite(z) & (z <= 0.0)] = WATER_RGB
    alpha = np.where(np.isfinite(z), int(255 * opacity), 0).astype(np.uint8)
    rgba = np.dstack([rgb.clip(0, 255).astype(np.uint8), alpha])
    webp = _webp(rgba) if lossy else None
    if webp is not None:
        return DisplayImage(webp, _bounds_latlon(merc), "image/webp")
    return DisplayImage(_png(rgba), _bounds_latlon(merc))


#: RSRP colour classes (dBm, RGB) as steps: the classes and colours of the report and the KMZ
#: (:mod:`towerplan.palette`)
RSRP_STOPS: tuple[tuple[float, tuple[int, int, int]], ...] = rsrp_step_stops()


def _as_float(grid: Grid) -> Grid:
    """The grid as float32 with NaN for nodata; for integer grids negative codes are nodata too."""
    v = grid.masked()
    if not np.issubdtype(np.asarray(grid.values).dtype, np.floating):
        v[v < 0] = np.nan
    return grid.with_values(v.astype(np.float32), nodata=float("nan"))


def value_image(
    grid: Grid,
    stops: tuple[tuple[float, tuple[int, int, int]], ...],
    *,
    max_pixels: int = 1_500_000,
    opacity: float = 0.75,
) -> DisplayImage:
    """A continuous raster (e.g. RSRP in dBm) coloured by ``stops``, NaN transparent, in Web Mercator.

    Levels are drawn in ``DISPLAY_STEP_DB`` steps (an exact palette PNG, several times smaller).
    Values below the first stop take its colour; nearest-neighbour warping keeps the
    coverage edge sharp (bilinear would blend levels with "no signal").
    """
    merc = _to_mercator_nearest(_as_float(grid), max_pixels)
    z = merc.masked()
    z = np.round(z / DISPLAY_STEP_DB) * DISPLAY_STEP_DB  # display resolution: few colours, a small palette PNG
    rgb = colourise(z, stops)
    alpha = np.where(np.isfinite(z), int(255 * opacity), 0).astype(np.uint8)
    return DisplayImage(_indexed_png(np.dstack([rgb, alpha])), _bounds_latlon(merc))


def category_image(
    codes: Grid,
    colours: dict[int, str],
    *,
    max_pixels: int = 1_500_000,
    opacity: float = 0.7,
) -> DisplayImage:
    """An integer raster (category codes; negative or NaN = none) drawn with one colour per code.

    ``colours`` maps code -> ``"#rrggbb"``; codes not listed are transparent.
    """
    merc = _to_mercator_nearest(_as_float(codes), max_pixels)
    z = merc.masked()
    rgba = np.zeros((*z.shape, 4), dtype=np.uint8)
    finite = np.isfinite(z)
    ints = np.where(finite, np.rint(np.nan_to_num(z, nan=-1.0)), -1).astype(np.int64)
    for code, hex_colour in colours.items():
        sel = ints == code
        if sel.any():
            rgba[sel, :3] = _hex_rgb(hex_colour)
            rgba[sel, 3] = int(255 * opacity)
    return DisplayImage(_indexed_png(rgba), _bounds_latlon(merc))


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _to_mercator_nearest(grid: Grid, max_pixels: int) -> Grid:
    left, bottom, right, top = Transformer.from_crs(grid.crs, 3857, always_xy=True).transform_bounds(
        *grid.bounds, densify_pts=21
    )
    area = (right - left) * (top - bottom)
    res = max(math.sqrt(area / max_pixels), min(grid.res) if grid.crs.is_projected else 0.0)
    return reproject_grid(grid, crs=3857, resolution_m=res, resampling="nearest")
