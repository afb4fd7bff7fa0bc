"""The exact point-to-point reference on the user's own geographic DEM tile (accuracy checks).

A coverage raster is computed on the study grid: the geographic tiles a planner has
(SRTM, EPSG:4326) are warped onto a UTM lattice (:func:`towerplan.terrain.read_dem`),
radials are sampled on it and every cell is interpolated between radials
(:mod:`towerplan.coverage.engine`). The reference here takes none of those steps. For
one cell it samples the *original* tile bilinearly, in degrees, at points equally spaced
along the WGS 84 geodesic from the site to the cell centre (:class:`pyproj.Geod`, C. F.
F. Karney, "Algorithms for geodesics", J. Geodesy 87, 2013), and runs the model's public
point-to-point function on that profile with the run's settings:
:func:`towerplan.coverage.itm.itm_p2p_db` (ITM 1.2.2, checked against NTIA's reference
vectors) or :func:`towerplan.coverage.p1812.p1812_p2p_db` (ITU-R P.1812-7, checked
against the ITU-R SG3 validation set; β0 at the path centre, Attachment 2). Without land
cover (every point open/rural, inland zone), as the raster without a ``ClutterGrid``.

``bench/bench_realtile.py`` and ``tests/test_realtile_accuracy.py`` compare the raster
(and the exact mode, :mod:`towerplan.coverage.cell_loss`) with it cell by cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pyproj import Geod, Transformer

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.itm import itm_p2p_db
from towerplan.coverage.p1812 import p1812_p2p_db, path_centre_latitude_deg
from towerplan.coverage.profile import sample_bilinear, to_pfl
from towerplan.errors import ModelInputError
from towerplan.grid import Grid

__all__ = ["geodesic_profile", "reference_loss_db", "ReferenceSite", "reference_losses_db", "error_stats"]

_GEOD = Geod(ellps="WGS84")


def geodesic_profile(tile: Grid, start_lonlat: tuple[float, float], end_lonlat: tuple[float, float],
                     step_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Terrain of a geographic ``tile`` along the WGS 84 geodesic from ``start_lonlat`` to ``end_lonlat``.

    The geodesic is cut into ``n = max(round(length / step_m), 1)`` equal intervals (both
    ends sampled exactly; the count the raster's exact mode takes for the same distance on
    the study grid, so that both sample the same places); heights are bilinear in the tile's
    own lattice (degrees), nodata raises. Returns (distances from the start along the
    geodesic, m; heights, m).
    """
    if tile.crs.is_projected or not tile.crs.is_geographic:
        raise ModelInputError("geodesic_profile needs a tile in geographic coordinates (EPSG:4326)")
    if not (math.isfinite(step_m) and step_m > 0):
        raise ModelInputError(f"step_m must be positive, got {step_m!r}")
    lon0, lat0 = (float(v) for v in start_lonlat)
    lon1, lat1 = (float(v) for v in end_lonlat)
    length = float(_GEOD.inv(lon0, lat0, lon1, lat1)[2])
    if not length > 0:
        raise ModelInputError("start and end of a profile must differ")
    n = max(1, math.floor(length / step_m + 0.5))
    inner = np.array(_GEOD.npts(lon0, lat0, lon1, lat1, n - 1), dtype=np.float64).reshape(-1, 2)
    lons = np.concatenate([[lon0], inner[:, 0], [lon1]])
    lats = np.concatenate([[lat0], inner[:, 1], [lat1]])
    heights = sample_bilinear(tile, lons, lats, nodata="raise")
    return np.arange(n + 1) * (length / n), heights


def reference_loss_db(tile: Grid, site_lonlat: tuple[float, float], cell_lonlat: tuple[float, float], *,
                      model: str, config: CoverageConfig, h_tx_m: float, freq_mhz: float, step_m: float) -> float:
    """Basic transmission loss (dB) of ``model`` (``"itm"`` or ``"p1812"``) over the geodesic profile.

    ``h_tx_m`` is the antenna above the ground, the receiver at ``config.rx_height_m``;
    the model's settings are ``config.itm`` / ``config.p1812``.
    """
    dist, z = geodesic_profile(tile, site_lonlat, cell_lonlat, step_m)
    if model == "itm":
        s = config.itm
        return itm_p2p_db(to_pfl(z, float(dist[1])), h_tx_m=h_tx_m, h_rx_m=config.rx_height_m, freq_mhz=freq_mhz,
                          climate=s.climate, n0=s.n0, epsilon=s.epsilon, sigma=s.sigma,  # type: ignore[arg-type]
                          polarization=s.polarization,  # type: ignore[arg-type]
                          mdvar=s.mdvar, time_pct=s.time_pct, location_pct=s.location_pct,
                          situation_pct=s.situation_pct).loss_db
    if model == "p1812":
        p = config.p1812
        if len(z) < 5:  # the Recommendation needs 5 points: the same geodesic, sampled closer
            dist, z = geodesic_profile(tile, site_lonlat, cell_lonlat, float(dist[-1]) / 4.0)
        d_km = dist / 1000.0
        phi = path_centre_latitude_deg(site_lonlat[1], site_lonlat[0], cell_lonlat[1], cell_lonlat[0],
                                       float(d_km[-1]))
        return p1812_p2p_db(d_km, z, freq_mhz=freq_mhz, time_percent=p.time_percent, h_tx_m=h_tx_m,
                            h_rx_m=config.rx_height_m, polarization=p.polarization,  # type: ignore[arg-type]
                            centre_latitude_deg=phi, delta_n=p.delta_n, n0=p.n0,
                            location_percent=p.location_percent, location_sigma_db=p.location_sigma_db).lb_db
    raise ModelInputError(f"the geographic reference runs 'itm' or 'p1812', not {model!r}")


@dataclass(frozen=True)
class ReferenceSite:
    """One transmitter of a comparison: position (WGS 84), antenna height above ground and frequency."""

    lon: float
    lat: float
    h_tx_m: float
    freq_mhz: float

    def __post_init__(self) -> None:
        if not (-180.0 <= self.lon <= 180.0 and -90.0 <= self.lat <= 90.0):
            raise ModelInputError(f"site ({self.lon}, {self.lat}) is not a longitude/latitude")
        if not (1.0 <= self.h_tx_m <= 3000.0 and 30.0 <= self.freq_mhz <= 20_000.0):
            raise ModelInputError(f"site height {self.h_tx_m} m / frequency {self.freq_mhz} MHz out of range")


def reference_losses_db(tile: Grid, site: ReferenceSite, grid: Grid, rows: np.ndarray, cols: np.ndarray, *,
                        model: str, config: CoverageConfig, step_m: float | None = None) -> np.ndarray:
    """:func:`reference_loss_db` from ``site`` to the centres of cells (``rows``, ``cols``) of the study ``grid``.

    ``step_m``: profile spacing along the geodesic (default the study grid's cell size, as
    the raster samples its radials).
    """
    grid.require_metric()
    xs, ys = grid.xy(np.asarray(rows), np.asarray(cols))
    lons, lats = Transformer.from_crs(grid.crs, tile.crs, always_xy=True).transform(xs, ys)
    step = float(min(grid.res)) if step_m is None else float(step_m)
    out = np.empty(len(lons))
    for k, (lon, lat) in enumerate(zip(np.atleast_1d(lons), np.atleast_1d(lats), strict=True)):
        out[k] = reference_loss_db(tile, (site.lon, site.lat), (float(lon), float(lat)), model=model, config=config,
                                   h_tx_m=site.h_tx_m, freq_mhz=site.freq_mhz, step_m=step)
    return out


def error_stats(diff_db: np.ndarray) -> dict[str, float]:
    """P10, median, P90, share within 3 dB (%), largest absolute error and count of ``raster - reference`` (dB)."""
    d = np.asarray(diff_db, dtype=np.float64)
    d = d[np.isfinite(d)]
    if d.size == 0:
        raise ModelInputError("no finite differences to summarise")
    p10, med, p90 = np.percentile(d, [10, 50, 90])
    return {"p10_db": float(p10), "median_db": float(med), "p90_db": float(p90),
            "within_3db_pct": float(100.0 * np.mean(np.abs(d) <= 3.0)), "max_abs_db": float(np.abs(d).max()),
            "n": float(d.size)}
