"""Deygout with block-pruned edge searches: the results of ``_diffraction_kernels.deygout``, faster.

The Deygout construction looks for the profile point of largest Fresnel parameter
``v`` (then again on each side of it). Here the profile is cut into blocks of
``BLOCK`` samples whose maximum elevation ``bmax`` is known; each block gets an
upper bound of ``v`` from that maximum, the largest earth bulge, the lowest line
height and the right extreme of the geometric factor. The block of largest bound
is scanned first, then every other block whose bound can still beat the best
``v`` found (margin 1e-9), in profile order. The points scanned use exactly the
expressions of ``_diffraction_kernels._max_v``, and ties go to the lowest index as
in its forward scan, so the result is the same to the last bit.

``bmax`` is computed once per radial (:func:`block_max`) and serves every sample.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from towerplan.coverage._diffraction_kernels import combine_deygout, knife_edge_j

BLOCK = 16
_EPS = 1e-9


@njit(cache=True)
def block_max(z, n):
    """Maximum of z over blocks of ``BLOCK`` samples (the last block may be partial)."""
    nb = (n + BLOCK - 1) // BLOCK
    out = np.full(max(nb, 1), -np.inf)
    for k in range(n):
        b = k // BLOCK
        if z[k] > out[b]:
            out[b] = z[k]
    return out


@njit(cache=True)
def _v_at(d, z, ae, i0, i1, h0, h1, lam, total, span, i):
    d1 = d[i] - d[i0]
    d2 = d[i1] - d[i]
    di = d[i] - d[0]
    h = z[i] + di * (total - di) / (2.0 * ae) - (h0 * d2 + h1 * d1) / span
    return h * math.sqrt(2.0 * span / (lam * d1 * d2))


@njit(cache=True)
def _bound(d, ae, i0, i1, h0, h1, lam, total, span, ka, kb, zmax):
    """Upper bound of v over points ka..kb (inclusive) whose elevations are <= zmax."""
    da = d[ka] - d[0]
    db = d[kb] - d[0]
    mid = 0.5 * total
    dm = min(max(mid, da), db)
    bulge = dm * (total - dm) / (2.0 * ae)
    la = (h0 * (d[i1] - d[ka]) + h1 * (d[ka] - d[i0])) / span
    lb = (h0 * (d[i1] - d[kb]) + h1 * (d[kb] - d[i0])) / span
    h = zmax + bulge - min(la, lb)
    # geometric factor sqrt(2 span / (lam d1 d2)); d1 d2 is concave in the position
    pa = (d[ka] - d[i0]) * (d[i1] - d[ka])
    pb = (d[kb] - d[i0]) * (d[i1] - d[kb])
    if h > 0.0:
        return h * math.sqrt(2.0 * span / (lam * min(pa, pb)))
    smid = 0.5 * (d[i0] + d[i1])
    sm = min(max(smid, d[ka]), d[kb])
    pm = (sm - d[i0]) * (d[i1] - sm)
    return h * math.sqrt(2.0 * span / (lam * pm))


@njit(cache=True)
def max_v_pruned(d, z, bmax, ae, i0, i1, h0, h1, lam):
    """(v, index) of the largest v strictly between i0 and i1, as ``_diffraction_kernels._max_v``."""
    if i1 - i0 < 2:
        return -math.inf, -1
    total = d[-1] - d[0]
    span = d[i1] - d[i0]
    lo = i0 + 1
    hi = i1 - 1
    b_lo = lo // BLOCK
    b_hi = hi // BLOCK
    nb = b_hi - b_lo + 1
    bounds = np.empty(nb)
    best_b = 0
    for bb in range(nb):
        b = b_lo + bb
        ka = max(b * BLOCK, lo)
        kb = min(b * BLOCK + BLOCK - 1, hi)
        bounds[bb] = _bound(d, ae, i0, i1, h0, h1, lam, total, span, ka, kb, bmax[b])
        if bounds[bb] > bounds[best_b]:
            best_b = bb
    best = -math.inf
    idx = -1
    # the most promising block first
    ka = max((b_lo + best_b) * BLOCK, lo)
    kb = min((b_lo + best_b) * BLOCK + BLOCK - 1, hi)
    for i in range(ka, kb + 1):
        v = _v_at(d, z, ae, i0, i1, h0, h1, lam, total, span, i)
        if v > best:
            best = v
            idx = i
    for bb in range(nb):
        if bb == best_b or bounds[bb] < best - _EPS * (1.0 + abs(best)):
            continue
        ka = max((b_lo + bb) * BLOCK, lo)
        kb = min((b_lo + bb) * BLOCK + BLOCK - 1, hi)
        for i in range(ka, kb + 1):
            v = _v_at(d, z, ae, i0, i1, h0, h1, lam, total, span, i)
            if v > best or (v == best and i < idx):
                best = v
                idx = i
    return best, idx


@njit(cache=True)
def deygout_pruned(d, z, bmax, hts, hrs, lam, ae, max_edges, correction):
    """``_diffraction_kernels.deygout`` with pruned searches; ``bmax`` from :func:`block_max` on z."""
    n = len(d) - 1
    vp, ip = max_v_pruned(d, z, bmax, ae, 0, n, hts, hrs, lam)
    if ip < 0 or vp <= -0.78:
        return 0.0
    jp = knife_edge_j(vp)
    if max_edges <= 1:
        return jp
    total = d[n] - d[0]
    di = d[ip] - d[0]
    hp = z[ip] + di * (total - di) / (2.0 * ae)
    vt, it = max_v_pruned(d, z, bmax, ae, 0, ip, hts, hp, lam)
    vr, ir = max_v_pruned(d, z, bmax, ae, ip, n, hp, hrs, lam)
    return combine_deygout(jp, vt, it, vr, ir, max_edges, correction, d[n] - d[0])
