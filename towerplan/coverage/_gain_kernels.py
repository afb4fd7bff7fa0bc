"""Antenna gain of a sector at a cell, the numba kernels: the 3GPP TR 36.814 parametric pattern and a pattern
file's two cuts, and the received level both accumulators store.

One definition for every per-cell pass (:func:`~._kernels.accumulate_sector`, :func:`~._fused.accumulate_group`,
:func:`~._sinr_kernels.accumulate_carrier`, :mod:`._cell_levels`) and for :mod:`.points`; the Python patterns
they follow are :class:`~towerplan.coverage.antenna.SectorPattern` and
:class:`~towerplan.coverage.antenna.TabulatedPattern`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["mod360", "sector_gain_db", "sector_level_dbm", "sector_level_inline", "tabulated_gain_db"]


@njit(cache=True)
def sector_gain_db(phi_deg, theta_deg, omni, h_bw, v_bw, e_tilt, m_tilt, fb_db, sla_db):
    """3GPP TR 36.814 parametric gain (dB, <= 0), as :class:`~towerplan.coverage.antenna.SectorPattern`.

    ``phi_deg`` horizontal offset from boresight, ``theta_deg`` elevation below the
    horizon; omni antennas use the vertical pattern with ``e_tilt`` only.
    """
    return _sector_gain(phi_deg, theta_deg, omni, h_bw, v_bw, e_tilt, m_tilt, fb_db, sla_db)


@njit(cache=True, inline="always")
def _sector_gain(phi_deg, theta_deg, omni, h_bw, v_bw, e_tilt, m_tilt, fb_db, sla_db):
    """:func:`sector_gain_db`'s body, inlined where the per-cell loop is hot (:func:`sector_level_inline`)."""
    phi = mod360(phi_deg + 180.0) - 180.0
    if omni:
        return -min(12.0 * ((theta_deg - e_tilt) / v_bw) ** 2, sla_db)
    a_h = -min(12.0 * (phi / h_bw) ** 2, fb_db)
    # no mechanical tilt: e_tilt + 0 * cos(.) is e_tilt (but for the sign of a zero, which the square drops)
    tilt = e_tilt + m_tilt * math.cos(math.radians(phi)) if m_tilt != 0.0 else e_tilt
    a_v = -min(12.0 * ((theta_deg - tilt) / v_bw) ** 2, sla_db)
    return -min(-(a_h + a_v), fb_db)


@njit(cache=True, inline="always")  # per sector and cell
def mod360(a):
    """``a % 360.0`` (Python's float modulo, as numba compiles it: ``fmod`` then the sign fix), without the
    ``fmod`` call for ``-360 < a < 720``: there ``fmod(a, 360)`` is ``a`` or ``a - 360`` exactly (an exact
    difference is representable), so the value is the same bit for bit."""
    if 0.0 < a < 360.0:
        return a
    if -360.0 < a < 0.0:
        return a + 360.0  # the sign fix: fmod(a, 360) = a, then + 360
    if 360.0 < a < 720.0:
        return a - 360.0
    return a % 360.0


@njit(cache=True)
def _table360(table, angle_deg):
    a = mod360(angle_deg)
    i0 = math.floor(a) % 360
    frac = a - math.floor(a)
    return table[i0] * (1.0 - frac) + table[(i0 + 1) % 360] * frac


@njit(cache=True)
def tabulated_gain_db(phi_deg, theta_deg, tables, e_shift, m_tilt, cap):
    """Gain (dB, <= 0) of a pattern file's two cuts, as :meth:`~towerplan.coverage.antenna.TabulatedPattern.gain_db`.

    ``tables[0]`` / ``tables[1]``: horizontal / vertical loss, 360 values at 1°; ``e_shift`` the
    extra electrical tilt, ``m_tilt`` the mechanical tilt, ``cap`` the largest tabulated loss.
    """
    phi = mod360(phi_deg + 180.0) - 180.0
    cos_phi = math.cos(math.radians(phi))
    seen = theta_deg - e_shift - m_tilt * cos_phi
    v = tables[1]
    front = _table360(v, seen)
    back = _table360(v, 180.0 - seen) - v[180] + v[0]
    w = max(-cos_phi, 0.0)
    return -min(_table360(tables[0], phi) + (1.0 - w) * front + w * back, cap)


@njit(cache=True)
def sector_level_dbm(lo, phi, theta, omni, h_bw, v_bw, e_tilt, m_tilt, fb_db, sla_db, tabulated, tables, base_dbm):
    """Received level (dBm, float32) of one sector at one cell: ``base_dbm + gain - lo``.

    The one definition shared by the coverage accumulators (:func:`~._kernels.accumulate_sector`) and the
    SINR accumulators (:func:`towerplan.coverage._sinr_kernels.accumulate_carrier`), so both see
    the same antenna pattern and tilts. ``phi``: horizontal offset from boresight (deg),
    ``theta``: elevation below the horizon (deg). ``tabulated``: the gain comes from a pattern
    file's cuts ``tables`` (:func:`tabulated_gain_db`; ``e_tilt`` the extra electrical tilt,
    ``fb_db`` the largest tabulated loss), else the TR 36.814 parametric pattern
    (:func:`sector_gain_db`). Rounded to float32 before any comparison, exactly as the
    accumulators store it, so the order of sectors (and of batches) cannot change a result.
    """
    return sector_level_inline(lo, phi, theta, omni, h_bw, v_bw, e_tilt, m_tilt, fb_db, sla_db, tabulated, tables,
                               base_dbm)


@njit(cache=True, inline="always")
def sector_level_inline(lo, phi, theta, omni, h_bw, v_bw, e_tilt, m_tilt, fb_db, sla_db, tabulated, tables, base_dbm):
    """:func:`sector_level_dbm` inlined with the parametric gain (one definition, the same operations): for the
    per-cell loop of :func:`~._fused.accumulate_group`, where the calls cost ~30 % of the pass (bench/README.md, round
    w15). A pattern file's gain stays a call (rarer, and its three table reads inlined cost compile time), and the
    other callers keep the calls."""
    if tabulated:
        gain = tabulated_gain_db(phi, theta, tables, e_tilt, m_tilt, fb_db)
    else:
        gain = _sector_gain(phi, theta, omni, h_bw, v_bw, e_tilt, m_tilt, fb_db, sla_db)
    return np.float32(base_dbm + gain - lo)
