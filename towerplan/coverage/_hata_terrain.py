"""The terrain term added to Okumura-Hata / COST-231: only what the profile adds beyond its smooth earth.

Hata's formulas were fitted to measurements over quasi-smooth terrain: the ground,
the earth's curvature and the obstruction of the first Fresnel zone near a 1.5 m
mobile are already in them. Adding a full terrain diffraction (Deygout on the raw
profile with the earth bulge) counts that ground twice: on perfectly flat ground it
added 11.7 dB at 5 km. Here the diffraction is computed on the profile's excess
over its smooth-earth surface, the least-squares straight line of ITU-R P.1812-7
Attachment 1 (eqs 85-88), with the antennas at their heights above that line and
no earth bulge (the curvature is Hata's):

* ``deygout`` (default), ``bullington``: only points that rise above the smooth
  surface can be diffracting edges (ITU-R P.526-15 4.5.1 Deygout without the
  empirical correction / Bullington); flat or smoothly sloping ground adds nothing,
  and one ridge adds its knife-edge loss J(v) (P.526 eq. 31);
* ``delta_bullington``: P.526's own measure of the terrain excess, the Bullington
  loss of the excess profile minus that of a zero profile (never negative).

Note: numba's ``cache=True`` keys kernels on their own file: after editing this
module delete ``towerplan/coverage/__pycache__/*.nb[ic]``.
"""

from __future__ import annotations

from numba import njit

from towerplan.coverage._diffraction_kernels import bullington, deygout

_FLAT_AE = 1e15  # "no earth bulge" for the diffraction kernels, m
_BELOW = -1e9  # height given to points at or below the smooth surface: never an edge
DIFF_NONE, DIFF_DEYGOUT, DIFF_BULLINGTON, DIFF_DELTA_BULLINGTON = 0, 1, 2, 3


@njit(cache=True)
def smooth_sums(dist, z, n, v1, v2):
    """Prefix sums of eqs 85-86 along a radial: ``v1[i]``, ``v2[i]`` over the segments up to point i."""
    v1[0] = 0.0
    v2[0] = 0.0
    for i in range(1, n):
        dd = dist[i] - dist[i - 1]
        v1[i] = v1[i - 1] + dd * (z[i] + z[i - 1])
        v2[i] = v2[i - 1] + dd * (z[i] * (2.0 * dist[i] + dist[i - 1]) + z[i - 1] * (dist[i] + 2.0 * dist[i - 1]))


@njit(cache=True)
def terrain_excess_db(method, edges, dist, z, i, hts, hrs, lam, v1, v2, resid, masked, zeros):
    """Diffraction loss of the profile z[0..i] beyond its smooth-earth line, dB (module docstring).

    ``v1``/``v2`` from :func:`smooth_sums`; ``resid``, ``masked``, ``zeros`` are scratch
    arrays of at least i + 1 elements (``zeros`` all zero).
    """
    if method == DIFF_NONE or i < 2:
        return 0.0
    total = dist[i]
    hst = (2.0 * v1[i] * total - v2[i]) / total**2  # smooth surface at the transmitter (eq. 87)
    hsr = (v2[i] - v1[i] * total) / total**2  # ... and at the receiver (eq. 88)
    slope = (hsr - hst) / total
    for k in range(i + 1):
        e = z[k] - (hst + slope * dist[k])
        resid[k] = e
        masked[k] = e if e > 0.0 else _BELOW
    h0 = hts - hst
    h1 = hrs - hsr
    d = dist[: i + 1]
    if method == DIFF_DEYGOUT:
        return deygout(d, masked[: i + 1], h0, h1, lam, _FLAT_AE, edges, False)
    if method == DIFF_BULLINGTON:
        return bullington(d, masked[: i + 1], h0, h1, lam, _FLAT_AE)
    return max(bullington(d, resid[: i + 1], h0, h1, lam, _FLAT_AE) - bullington(d, zeros[: i + 1], h0, h1, lam,
                                                                                   _FLAT_AE), 0.0)
