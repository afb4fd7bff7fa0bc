"""Reach bound of Okumura-Hata / COST-231 (+ terrain term): which radial samples can matter.

The engine evaluates Hata's terrain term (:mod:`._hata_terrain`, Deygout on the
profile's excess over its smooth-earth line: O(path) per sample, O(path^2) per radial)
only where it can change a covered cell. Before this bound it skipped only samples
whose loss *without* the terrain term already exceeded the reach; in mountains the
effective base height is large (a low Hata loss) while the ridges add 20-40 dB, so
most samples of a 30 km radial were computed exactly and then found out of reach.

A lower bound of every sample's loss, O(1) each:

* the Hata / COST-231 loss at the sample's own effective height, ``max(Hata, free
  space)`` (:func:`hata_base_loss`, the same expression the exact path uses), plus
* the knife-edge loss J(v) (ITU-R P.526-15 eq. 31) of one profile point, the
  transmitter's radio horizon (largest elevation angle from the antenna, a running
  maximum along the radial), in the geometry the exact Deygout search uses (heights
  over the smooth-earth line, points at or under it never an edge). Deygout's loss
  ``J(v_p) + J(v_t) + J(v_r)`` (no empirical correction) is at least ``J(v_p)``, and
  the principal edge has the largest v of all points, so at least J(v) of any one
  point: the bound never exceeds the exact loss (the point's v is computed with the
  very expressions of ``_diffraction_kernels._max_v``; a 1e-6 dB slack covers
  rounding in J). Bullington and delta-Bullington get the first term only.

:func:`~towerplan.coverage._reach_need.mark_needed` (the rule P.1812's reach bound uses too,
in a module of its own so that a Hata run loads no P.1812 kernel) then keeps every sample that
shares a filled cell with a sample whose bound is within the site's loss limit in that direction,
and the others are stored as +inf. A needed sample is computed exactly
as without the bound (including the existing skip of the terrain term beyond
``F_LMAX``); a cell that interpolates a skipped sample has every sample's loss above
the limit with or without the bound, so it is out of reach either way: the filled
window is bit-identical to the unbounded one.
"""

from __future__ import annotations

import math

from numba import njit

from towerplan.coverage._diffraction_kernels import knife_edge_j

__all__ = ["hata_base_loss", "hata_radial_bound", "horizon_edge_db"]

_SLACK_DB = 1e-6
DIFF_DEYGOUT = 1


@njit(cache=True)
def hata_base_loss(prefix, i, n, dist, hts, a3, a15, hata_c, f_mhz):
    """Okumura-Hata / COST-231 loss of sample ``i`` at its effective base height, not below free space (dB).

    Effective height over the mean terrain 3-15 km towards the mobile (0.2 d to d for
    shorter paths, ITU-R P.1546-6 Annex 5) from the prefix sums ``prefix`` of the profile.
    """
    d = dist[i]
    if d >= 15000.0:
        lo = a3
        hi = min(a15, n - 1)
    else:
        lo = math.ceil(0.2 * i)
        hi = i
    mean = (prefix[hi + 1] - prefix[lo]) / (hi - lo + 1)
    hb = max(hts - mean, 1.0)
    log_hb = math.log10(hb)
    loss = hata_c - 13.82 * log_hb + (44.9 - 6.55 * log_hb) * math.log10(d / 1000.0)
    fs = 32.45 + 20.0 * math.log10(f_mhz) + 20.0 * math.log10(d / 1000.0)
    return max(loss, fs)


@njit(cache=True)
def horizon_edge_db(dist, z, i, k, hts, hrs, lam, ae, v1, v2):
    """J(v) of profile point ``k`` on the path to sample ``i`` over the smooth-earth line (0 if not above it).

    The geometry of :func:`towerplan.coverage._hata_terrain.terrain_excess_db` and the
    arithmetic of ``_diffraction_kernels._max_v`` for that one point (``v1``/``v2``: the
    smooth-earth prefix sums of :func:`~towerplan.coverage._hata_terrain.smooth_sums`).
    """
    if k < 1 or k >= i:
        return 0.0
    total = dist[i]
    hst = (2.0 * v1[i] * total - v2[i]) / total**2
    hsr = (v2[i] - v1[i] * total) / total**2
    slope = (hsr - hst) / total
    e = z[k] - (hst + slope * dist[k])
    if not e > 0.0:
        return 0.0
    h0 = hts - hst
    h1 = hrs - hsr
    span = dist[i] - dist[0]
    d1 = dist[k] - dist[0]
    d2 = dist[i] - dist[k]
    bulged = e + d1 * (span - d1) / (2.0 * ae)
    h = bulged - (h0 * d2 + h1 * d1) / span
    v = h * math.sqrt(2.0 * span / (lam * d1 * d2))
    if v <= -0.78:
        return 0.0
    return max(knife_edge_j(v) - _SLACK_DB, 0.0)


@njit(cache=True)
def hata_radial_bound(z, dist, n, first, step_m, hts, h_rx, f_mhz, lam, hata_c, lmax_db, method, prefix, v1, v2,
                      flat_ae, out):
    """Lower bound of the loss of samples ``first .. n-1`` of one radial into ``out`` (module docstring).

    Samples already beyond ``lmax_db`` without the terrain term get that first term only
    (the exact path skips the term there too). ``flat_ae``: the "no bulge" earth radius
    of the terrain term.
    """
    prefix[0] = 0.0
    for k in range(n):
        prefix[k + 1] = prefix[k] + z[k]
    deygout = method == DIFF_DEYGOUT
    if deygout:
        v1[0] = 0.0
        v2[0] = 0.0
        for k in range(1, n):
            dd = dist[k] - dist[k - 1]
            v1[k] = v1[k - 1] + dd * (z[k] + z[k - 1])
            v2[k] = v2[k - 1] + dd * (z[k] * (2.0 * dist[k] + dist[k - 1]) + z[k - 1] * (dist[k] + 2.0 * dist[k - 1]))
    a3 = math.ceil(3000.0 / step_m)
    a15 = math.floor(15000.0 / step_m)
    k_h = -1
    s_h = -math.inf
    for i in range(1, n):
        if i >= 2:  # the horizon over points 1 .. i - 1
            s = (z[i - 1] - hts) / dist[i - 1]
            if s > s_h:
                s_h = s
                k_h = i - 1
        if i < first:
            continue
        base = hata_base_loss(prefix, i, n, dist, hts, a3, a15, hata_c, f_mhz)
        if deygout and base <= lmax_db and i >= 2:
            base = base + horizon_edge_db(dist, z, i, k_h, hts, z[i] + h_rx, lam, flat_ae, v1, v2)
        out[i] = base
