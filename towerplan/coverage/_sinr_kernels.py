"""Numba kernels of the downlink SINR accumulation (see :mod:`towerplan.coverage.sinr`).

Per *pair* (operator, technology): the best level and its station index (the serving
sector). Per *carrier* (an operator's sectors of one technology whose bands overlap):
the sum of the linear received power per resource element of every sector at or above
a floor, as an int64 count of ``QUANTUM_MW``: integer sums are associative, so every
batching, executor and thread count gives bit-identical rasters, as for the engine's
other accumulators.
"""

from __future__ import annotations

import math

from numba import njit, prange

from towerplan.coverage._gain_kernels import sector_level_dbm
from towerplan.coverage._kernels import ROW_CHUNKS

#: mW per unit of the power sums: 1e-17 mW = -170 dBm, 50 dB below the thermal noise of a 15 kHz
#: subcarrier; the int64 range then holds 92 mW (+19.6 dBm) per resource element
QUANTUM_MW = 1e-17
#: a sector's contribution is clipped at 0 dBm per resource element (physically far above any level)
MAX_LEVEL_DBM = 0.0


@njit(cache=True)
def quantize(level_dbm):
    """Linear power of ``level_dbm`` in units of ``QUANTUM_MW`` (int64, rounded)."""
    lv = min(level_dbm, MAX_LEVEL_DBM)
    return math.floor(math.pow(10.0, lv / 10.0) / QUANTUM_MW + 0.5)


@njit(cache=True, inline="always")
def take_carrier(carrier_sum, pair_best, pair_idx, carrier, pair, r, c, level, idx, threshold_dbm):
    """A level at or above the SINR floor of sector ``idx`` into cell (r, c): added (quantised) to its carrier's
    sum and, at or above ``threshold_dbm``, competing for its pair's best (ties to the lower station index)."""
    carrier_sum[carrier, r, c] += quantize(float(level))
    if level >= threshold_dbm:
        b = pair_best[pair, r, c]
        bi = pair_idx[pair, r, c]
        if bi < 0 or level > b or (level == b and idx < bi):
            pair_best[pair, r, c] = level
            pair_idx[pair, r, c] = idx


@njit(cache=True, parallel=True, nogil=True)
def accumulate_carrier(loss, theta, bearing, r_lo, c_lo, p_r0, p_c0, azimuth_deg, omni, h_bw, v_bw, e_tilt, m_tilt,
                       fb_db, sla_db, tabulated, tables, base_dbm, threshold_dbm, floor_dbm, idx, pair, carrier,
                       pair_best, pair_idx, carrier_sum):
    """Add one sector to the SINR accumulators of a partial result (in place).

    Same geometry and level as :func:`~towerplan.coverage._kernels.accumulate_sector` (the shared
    :func:`~towerplan.coverage._gain_kernels.sector_level_dbm`, pattern files and tilts included;
    the gain arguments mean the same there). Levels at or above
    ``floor_dbm`` add to ``carrier_sum[carrier]``; levels at or above ``threshold_dbm``
    compete for ``pair_best[pair]`` (ties to the lower station index ``idx``).
    """
    h, w = loss.shape
    n_ch = min(h, ROW_CHUNKS)
    for ch in prange(n_ch):  # rows interleaved over the chunks (ROW_CHUNKS)
        for r in range(ch, h, n_ch):  # rows write disjoint cells
            pr = r_lo + r - p_r0
            for c in range(w):
                lo = loss[r, c]
                if not base_dbm - lo >= floor_dbm:  # NaN, or below the floor even at boresight
                    continue
                phi = 0.0
                if not omni:
                    phi = bearing[r, c] - azimuth_deg
                level = sector_level_dbm(lo, phi, theta[r, c], omni, h_bw, v_bw, e_tilt, m_tilt, fb_db, sla_db,
                                         tabulated, tables, base_dbm)
                if not level >= floor_dbm:
                    continue
                take_carrier(carrier_sum, pair_best, pair_idx, carrier, pair, pr, c_lo + c - p_c0, level, idx,
                             threshold_dbm)


@njit(cache=True, parallel=True, nogil=True)
def merge_carrier_partial(p_r0, p_c0, pair_best, pair_idx, carrier_sum, P_pair_best, P_pair_idx, P_carrier_sum):
    """Merge a partial result's SINR accumulators (upper case, at global (p_r0, p_c0)) in place.

    Order-independent: integer sums add, the best level per pair is kept with ties to
    the lower station index.
    """
    n_pair, h, w = P_pair_best.shape
    n_car = P_carrier_sum.shape[0]
    for r in prange(h):
        R = p_r0 + r
        for c in range(w):
            C = p_c0 + c
            for k in range(n_car):
                carrier_sum[k, R, C] += P_carrier_sum[k, r, c]
            for k in range(n_pair):
                bi = P_pair_idx[k, r, c]
                if bi < 0:
                    continue
                lv = P_pair_best[k, r, c]
                b = pair_best[k, R, C]
                ci = pair_idx[k, R, C]
                if ci < 0 or lv > b or (lv == b and bi < ci):
                    pair_best[k, R, C] = lv
                    pair_idx[k, R, C] = bi

