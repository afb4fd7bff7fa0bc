"""P.1812 along one radial: the loss from the site to every sample, each an exact P.1812 path.

Every sample ``i`` of a radial is the receiver of its own path: the profile
points ``0 .. i`` of the radial (terrain ``z``, clutter height ``r``, zone ``zone``)
at distances ``k * step``. The arrays are shared, so nothing is copied; the work
per sample is a few passes over its prefix (horizons, smooth earth, two Bullington
constructions, zone lengths). Paths shorter than the 5 points the Recommendation
needs (the first 3 samples) use the same path resampled to 5 points by linear
interpolation of the terrain (clutter of the nearest sample).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from towerplan.coverage._p1812_kernels import (
    N_PT,
    ground_constants,
    p1812_path_k,
    path_constants,
    path_radii,
    path_terms,
)
from towerplan.coverage._p1812_profile import prefix_tables_k
from towerplan.coverage._p1812_zones import zone_tables

_MIN_POINTS = 5
#: rows of :func:`site_terms` after the path terms (rows ``PT_*`` of :mod:`._p1812_kernels`): the distances (km)
#: of the samples and their inverses
ST_D, ST_INV_D = N_PT, N_PT + 1
N_ST = N_PT + 2


@njit(cache=True)
def site_terms(n_all, step_m, f_ghz, p, phi_deg, pl, sigma_l):
    """What the exact paths of every radial of a site share at sample k, column k of a (``N_ST``, ``n_all``) table:
    :func:`~._p1812_kernels.path_terms` of the inland path of points 0 .. k (from k = 1; column 0 NaN), the distance
    k step (km) and its inverse, each written as :func:`radial_path` writes it. Built once a site (a few
    transcendental functions a sample) instead of once a path: the losses are the same to the bit. The radials
    read it through :func:`radial_site`."""
    t = np.empty((N_ST, n_all))
    kc = path_constants(f_ghz, p, pl, sigma_l)
    for k in range(n_all):
        dk = k * step_m / 1000.0
        t[ST_D, k] = dk
        t[ST_INV_D, k] = 1000.0 / (k * step_m) if k > 0 else math.inf
        if k == 0:
            for q in range(N_PT):
                t[q, 0] = math.nan
            continue
        terms = path_terms(phi_deg, dk, dk, dk, p, kc)
        for q in range(N_PT):
            t[q, k] = terms[q]
    return t


@njit(cache=True)
def radial_site(table, f_ghz, p, pl, sigma_l, vertical):
    """(table, kc, kg): a :func:`site_terms` table (or (``N_ST``, 0): every path computes its own terms) with the
    site's :func:`~._p1812_kernels.path_constants` and :func:`~._p1812_kernels.ground_constants`, what
    :func:`radial_path` and :func:`short_paths` read (built once per thread's chunk of radials: a numba parallel loop
    takes no tuple from outside)."""
    return table, path_constants(f_ghz, p, pl, sigma_l), ground_constants(f_ghz, vertical)


@njit(cache=True)
def no_site_terms(f_ghz, p, pl, sigma_l, vertical):
    """:func:`radial_site` with an empty table."""
    return radial_site(np.empty((N_ST, 0)), f_ghz, p, pl, sigma_l, vertical)


@njit(cache=True)
def radial_path(z, r, zone, step_m, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, site):
    """What every exact path of a radial (:func:`exact_at`) shares, packed once: the distances (km) and their
    inverses, the profile, the settings, the first sample outside the inland zone, the prefix tables
    (:func:`~._p1812_profile.prefix_tables_k`), an empty debug array, :func:`~._p1812_kernels.path_constants`,
    :func:`~._p1812_kernels.ground_constants` (both from ``site``: :func:`radial_site` of the radial's step, site
    and settings, the distances read from its table where it covers the radial), the table and, where the radial
    leaves the inland zone, :func:`~._p1812_zones.zone_tables` (else (6, 0))."""
    n_all = len(z)
    table, kc, kg = site
    if table.shape[1] >= n_all:
        d = table[ST_D]
        inv_d = table[ST_INV_D]
    else:
        d = np.empty(n_all)
        inv_d = np.empty(n_all)
        for k in range(n_all):
            d[k] = k * step_m / 1000.0
            inv_d[k] = 1000.0 / (k * step_m) if k > 0 else math.inf
    ae, ab = path_radii(dn)
    tables = prefix_tables_k(d, inv_d, z, r, n_all, z[0] + htg, ae, ab, p < 50.0)
    first_other = n_all  # first sample outside the inland zone
    for k in range(n_all):
        if zone[k] != 4:
            first_other = k
            break
    # the zone lengths of every path beyond it (its own scan, zone_lengths, else)
    zt = zone_tables(d, zone, n_all) if first_other < n_all else np.empty((6, 0))
    return (d, inv_d, z, r, zone, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, first_other, tables,
            np.empty(0), kc, kg, table, zt)


@njit(cache=True, inline="always")  # in the radials' per-sample loops
def exact_at(i, path):
    """The exact P.1812 loss of sample ``i`` (a path of ``i + 1 >= 5`` points; :func:`~._p1812_kernels.p1812_path_k`
    on the radial's prefix tables); ``path``: :func:`radial_path`."""
    d, inv_d, z, r, zone, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, first_other, tables, dbg, kc, \
        kg, terms, zt = path
    return p1812_path_k(d, inv_d, True, z, r, zone, i + 1, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, 500.0,
                        500.0, pl, sigma_l, i + 1 <= first_other, tables, dbg, kc, kg, terms, zt)


@njit(cache=True)
def p1812_radial_loss(z, r, zone, step_m, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, first, out,
                      need):
    """P.1812 loss (dB) from ``z[0]`` to every ``z[i]``, i = first .. len(z) - 1, into ``out[i]``.

    ``need``: empty (every sample) or a mask of the samples to compute; the others get +inf
    (the reach bound, :mod:`towerplan.coverage._p1812_reach`, has shown them out of reach).
    """
    p1812_radial_loss_k(z, r, zone, step_m, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, first, out,
                        need, no_site_terms(f_ghz, p, pl, sigma_l, vertical))


@njit(cache=True, inline="always")  # in p1812_radial_loss and the anchors: no compiled unit of its own
def p1812_radial_loss_k(z, r, zone, step_m, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, first, out,
                        need, site):
    """:func:`p1812_radial_loss` with ``site``: :func:`radial_site` (or :func:`no_site_terms`), as
    :func:`radial_path` reads it."""
    n_all = len(z)
    short_paths(z, r, zone, step_m, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, first, out, need,
                min(n_all, _MIN_POINTS - 1), site)
    if n_all < _MIN_POINTS:
        return
    path = radial_path(z, r, zone, step_m, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, site)
    masked = len(need) > 0
    for i in range(max(first, _MIN_POINTS - 1), n_all):
        if masked and not need[i]:
            out[i] = math.inf
            continue
        out[i] = exact_at(i, path)


@njit(cache=True, inline="always")  # in p1812_radial_loss_k and the anchors: no compiled unit of its own
def short_paths(z, r, zone, step_m, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, first, out, need,
                end, site):
    """The samples ``first .. end - 1`` (``end`` <= 4: paths of under 5 points) of :func:`p1812_radial_loss`: each the
    same path resampled to 5 points (terrain interpolated linearly, clutter and zone of the nearest sample), on its
    own prefix tables; ``need`` as there; ``site``: :func:`radial_site` (its constants)."""
    if max(first, 1) >= end:
        return
    ae, ab = path_radii(dn)
    _, kc, kg = site
    dbg = np.empty(0)
    no_terms = np.empty((N_PT, 0))
    no_zt = np.empty((6, 0))
    inv_dd = np.empty(_MIN_POINTS)
    dd = np.empty(_MIN_POINTS)
    zz = np.empty(_MIN_POINTS)
    rr = np.empty(_MIN_POINTS)
    zo = np.empty(_MIN_POINTS, dtype=zone.dtype)
    masked = len(need) > 0
    for i in range(max(first, 1), end):
        if masked and not need[i]:
            out[i] = math.inf
            continue
        for k in range(_MIN_POINTS):
            t = k * i / (_MIN_POINTS - 1)
            k0 = min(int(t), i - 1)
            w = t - k0
            dd[k] = t * step_m / 1000.0
            inv_dd[k] = 1.0 / dd[k] if k > 0 else math.inf
            zz[k] = z[k0] * (1.0 - w) + z[k0 + 1] * w
            near = k0 if w < 0.5 else k0 + 1
            rr[k] = r[near]
            zo[k] = zone[near]
        small = prefix_tables_k(dd, inv_dd, zz, rr, _MIN_POINTS, zz[0] + htg, ae, ab, p < 50.0)
        out[i] = p1812_path_k(dd, inv_dd, False, zz, rr, zo, _MIN_POINTS, f_ghz, p, htg, hrg, vertical, phi_deg, dn,
                              n0, 500.0, 500.0, pl, sigma_l, False, small, dbg, kc, kg, no_terms, no_zt)


@njit(cache=True)
def sample_clutter(height, code, colf, rowf, default_h, default_code):
    """(R, code) of the cell nearest to fractional (col, row); code 0 (no data) gives the defaults."""
    h, w = code.shape
    c = min(max(math.floor(colf + 0.5), 0), w - 1)
    rr = min(max(math.floor(rowf + 0.5), 0), h - 1)
    k = code[rr, c]
    if k == 0:
        return default_h, default_code
    return float(height[rr, c]), int(k)
