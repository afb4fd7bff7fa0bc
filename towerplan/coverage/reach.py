"""How far a site's radials must be computed: the per-radial loss limit of the P.1812 reach bound.

The engine computes a P.1812 radial sample exactly only where a cheap lower bound of its
loss (:mod:`towerplan.coverage._p1812_reach`, derived term by term from the
Recommendation) can be within the loss some sector of the site can afford in that
direction. This module gives that limit per radial:

``lneed_j = max over sectors s of (reach_s + gain_s(j)) - threshold (+ REACH_MARGIN_DB with SINR)``

* ``reach_s``: the sector's best level before path loss (EIRP, level offset, margins,
  calibration headroom: ``reach_dbm`` of :func:`towerplan.coverage.plan.prepare_stations`);
* ``gain_s(j)``: the largest horizontal gain of the sector's parametric pattern (3GPP TR
  36.814) over the angles of the cells that interpolate radial j (``+-2**L(j)`` radial
  steps, L(j) the radial's ring level); the total gain never exceeds the horizontal one
  (``max(A_h + A_v, -A_m) <= A_h``). Omni antennas, pattern files and runs with SINR
  (whose interference terms need every computed loss) use 0 dB;
* with SINR, ``REACH_MARGIN_DB`` (10 dB) more: interference is counted down to that depth
  below the threshold, as for the other models. Without it, the ``path_loss`` raster of a
  P.1812 site ends where no sector can reach (the margin would cost ~3x the work on flat
  ground, where the loss grows ~40 dB a decade).

A skipped sample is stored as +inf, so every cell interpolating it is out of reach (NaN);
cells within reach interpolate only exactly computed samples, identical to an unbounded run.
"""

from __future__ import annotations

import numpy as np

from towerplan.coverage.config import CoverageConfig

__all__ = ["REACH_MARGIN_DB", "radial_loss_limits", "ring_levels", "site_ap_floor_db"]

#: losses are computed exactly up to this much beyond the largest loss any sector of a site can afford
REACH_MARGIN_DB = 10.0


def ring_levels(n0: int, lmax: int) -> np.ndarray:
    """L(j) = min(trailing zeros of j, lmax) (j = 0: lmax): radial j's octave in
    :func:`towerplan.coverage.plan.radial_layout` (``j & -j`` is j's lowest set bit, a power of two whose log2 is
    exact in float64)."""
    j = np.arange(n0, dtype=np.int64)
    level = np.minimum(np.log2(np.maximum(j & -j, 1)).astype(np.int64), lmax)
    level[0] = lmax
    return level


def radial_loss_limits(sectors: np.ndarray, n0: int, lmax: int, config: CoverageConfig) -> np.ndarray:
    """``lneed`` (dB) for each of the ``n0`` radials of a site group (``sectors``: the group's records)."""
    az = 360.0 * np.arange(n0) / n0
    half = 360.0 * (2.0 ** ring_levels(n0, lmax)) / n0  # widest angle to a neighbour the fill uses
    best = np.full(n0, -np.inf)
    directional = not config.sinr
    for s in sectors:
        gain = np.zeros(n0)
        if directional and not bool(s["omni"]) and int(s["pattern_id"]) < 0:
            off = np.abs((az - float(s["azimuth_deg"]) + 180.0) % 360.0 - 180.0)
            gap = np.maximum(off - half, 0.0)
            gain = -np.minimum(12.0 * (gap / float(s["h_beamwidth_deg"])) ** 2, config.front_to_back_db)
        best = np.maximum(best, float(s["reach_dbm"]) + gain)
    margin = REACH_MARGIN_DB if config.sinr else 0.0
    return np.ascontiguousarray(best - config.threshold_dbm + margin)


def site_ap_floor_db(config: CoverageConfig, lat_deg: float, radius_m: float) -> float:
    """The ducting-term floor of a site's paths (:func:`~._p1812_reach.ap_floor_db` at the site's latitude)."""
    from towerplan.coverage._p1812_reach import ap_floor_db  # P.1812 sites only: its kernels load on first use

    return ap_floor_db(config.p1812.time_percent, lat_deg, max(radius_m, 1.0) / 1000.0)
