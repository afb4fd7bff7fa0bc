"""The zone lengths of section 3.6 of ITU-R P.1812-7 for every path along a radial at once (numba).

:func:`~._p1812_kernels.zone_lengths` scans a path's zones (omega, the sea fraction; dtm, the longest continuous
land section; dlm, the longest inland section: three passes over its points). Along a radial every receiver's path
is a prefix of the same profile: the runs of zones that end before the receiver are the radial's own, with the
same lengths, and only the run that holds the receiver is cut there. :func:`zone_tables` keeps, for every point k,
the sea total and the two longest sections of the runs that end before k and the first point of the run of each
kind that holds k; :func:`zone_lengths_at` completes them for the path to k with the same operations in the same
order, so the values are the scan's to the bit (``tests/test_p1812_zones.py``). Numba's ``cache=True`` keys
kernels on their own file: after editing this module delete ``towerplan/coverage/__pycache__/*.nb[ic]``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from towerplan.coverage._p1812_chain import BORROW

#: rows of :func:`zone_tables`: the sea total, the longest land and inland sections of the runs that end before
#: point k, and the first point of the run of each kind (sea, land, inland) that holds point k (-1: none)
ZT_SEA, ZT_LAND, ZT_INL, ZT_S_SEA, ZT_S_LAND, ZT_S_INL = range(6)


@njit(cache=True, inline="always")
def zone_in(z, kind):
    """Whether zone ``z`` is in run kind ``kind`` of :func:`~._p1812_kernels.zone_lengths` (0 sea, 1 land, 2 inland)."""
    return (z == 1) if kind == 0 else ((z == 3 or z == 4) if kind == 1 else z == 4)


@njit(cache=True, inline="always")
def add_run(kind, length, sea, dtm, dlm):
    """(sea, dtm, dlm) after a run of kind ``kind`` and ``length`` (km): the sea total grows, the land and inland
    sections keep their longest (section 3.6; the one addition order of :func:`~._p1812_kernels.zone_lengths`)."""
    if kind == 0:
        sea += length
    elif kind == 1:
        dtm = max(dtm, length)
    else:
        dlm = max(dlm, length)
    return sea, dtm, dlm


@njit(cache=True)
def zone_tables(d, zone, n_all):
    """:func:`~._p1812_kernels.zone_lengths` of every prefix of a radial at once, a (6, n_all) table (rows
    ``ZT_*``), read by :func:`zone_lengths_at`: the runs of the path of points 0 .. k are the radial's runs that
    end before k, whose lengths (section 3.6) do not depend on k, and the run that holds k, cut at k."""
    t = np.empty((6, n_all))
    sea = 0.0
    dtm = 0.0
    dlm = 0.0
    start = np.full(3, -1, dtype=np.int64)
    for k in range(n_all):
        for kind in range(3):
            inside = zone_in(zone[k], kind)
            st = start[kind]
            if st >= 0 and not inside:  # a run ended at k - 1: its length as zone_lengths adds it up
                stop = k - 1
                length = d[stop] - d[st]
                length += 0.5 * (d[stop + 1] - d[stop])
                if d[st] > 0.0:
                    length += 0.5 * (d[st] - d[st - 1])
                sea, dtm, dlm = add_run(kind, length, sea, dtm, dlm)
                start[kind] = -1
            elif st < 0 and inside:
                start[kind] = k
            t[ZT_S_SEA + kind, k] = start[kind]
        t[ZT_SEA, k] = sea
        t[ZT_LAND, k] = dtm
        t[ZT_INL, k] = dlm
    return t


@njit(cache=True, **BORROW)
def zone_lengths_at(d, zt, k):
    """:func:`~._p1812_kernels.zone_lengths` of the path of points 0 .. k (``n - 1``: an int64, not the literal of
    a 5-point path, so the kernel compiles once) from the radial's :func:`zone_tables` ``zt``: the same lengths
    added in the same order, so the same values to the bit."""
    dtot = d[k]
    sea = zt[ZT_SEA, k]
    dtm = zt[ZT_LAND, k]
    dlm = zt[ZT_INL, k]
    for kind in range(3):
        st = int(zt[ZT_S_SEA + kind, k])
        if st < 0:
            continue
        length = d[k] - d[st]  # the run that holds the receiver ends there
        if d[st] > 0.0:
            length += 0.5 * (d[st] - d[st - 1])
        sea, dtm, dlm = add_run(kind, length, sea, dtm, dlm)
    return sea / dtot, dtm, dlm
