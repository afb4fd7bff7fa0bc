"""The engine's one pass per site group (``towerplan.coverage._fused.accumulate_group``) against the separate
passes it replaces (``min_into``, ``site_geometry``, per sector ``accumulate_sector`` and the SINR layer's
``accumulate_carrier``): bit-identical accumulators on random loss windows with NaNs, several sectors (omni,
directional, pattern files), accumulators at an offset (a batch's partial, a tile) and with the SINR layer.
Also the fill's sample selection without integer division (``_kernels.fill_samples``) against its definition.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from towerplan.coverage import _kernels as kern
from towerplan.coverage import _sinr_kernels as skern
from towerplan.coverage._atan_kernels import fast_atan2
from towerplan.coverage._fused import I_PAIR, N_SF, N_SI, accumulate_group

THRESHOLD = -110.0
FLOOR = -120.0


def _sectors(rng: np.random.Generator, n: int, with_sinr: bool):
    """n sectors: (sec_f, sec_i, tables) and the per-sector arguments of the separate kernels."""
    sec_f = np.empty((n, N_SF))
    sec_i = np.full((n, N_SI), -1, dtype=np.int64)
    tables = np.zeros((n, 2, 360))
    separate = []
    for k in range(n):
        kind = k % 3  # directional, omni, pattern file
        omni = kind == 1
        tabulated = kind == 2
        cuts = np.zeros((2, 360))
        if tabulated:
            cuts = np.stack([np.minimum(12.0 * (((np.arange(360) + 180) % 360 - 180) / 65.0) ** 2, 25.0),
                             np.minimum(12.0 * (((np.arange(360) + 180) % 360 - 180) / 7.0) ** 2, 20.0)])
        az = 0.0 if omni else float(rng.uniform(0, 360))
        args = (az, omni, float(rng.uniform(30, 90)), float(rng.uniform(5, 15)), float(rng.uniform(0, 8)),
                float(rng.uniform(0, 4)), float(25.0 if not tabulated else cuts.max()), 20.0, tabulated, cuts)
        base = float(rng.uniform(5, 25))
        if k == n - 1:
            base = sec_f[0, -1]  # ties of level between sectors
            args = separate[0][0]
        pair, carrier = (k % 2, k % 3) if with_sinr and k != 2 else (-1, -1)
        sec_f[k] = (args[0], *args[2:8], base)
        sec_i[k] = (args[1], args[8], 10 + k, k % 2, k % 3, pair, carrier)
        tables[k] = args[9]
        separate.append((args, base, 10 + k, k % 2, k % 3, pair, carrier))
    return sec_f, sec_i, tables, separate


def _acc(shape, n_ops=2, n_techs=3):
    return (np.full(shape, -np.inf, np.float32), np.full(shape, -1, np.int32), np.full(shape, -np.inf, np.float32),
            np.full(shape, -1, np.int32), np.zeros(shape, np.int32), np.full((n_ops, *shape), -np.inf, np.float32),
            np.full((n_techs, *shape), -np.inf, np.float32), np.full(shape, np.inf, np.float32))


def _sinr_acc(shape):
    return (np.full((2, *shape), -np.inf, np.float32), np.full((2, *shape), -1, np.int32),
            np.zeros((3, *shape), np.int64))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("with_sinr", [False, True])
@pytest.mark.parametrize("borders", [False, True])
def test_one_pass_equals_the_separate_passes(seed: int, with_sinr: bool, borders: bool) -> None:
    rng = np.random.default_rng(seed)
    h, w = 37, 53
    r_lo, c_lo = 7, 11  # the window's global origin
    a_origin = (3, 5)  # the accumulators' global origin (a batch's partial)
    s_origin = (7, 2)  # the SINR accumulators' (the batch's box)
    shape = (h + 8, w + 12)
    left, top, res = 500_000.0, 2_000_000.0, 90.0
    site = (left + (c_lo + w / 2 + 0.3) * res, top - (r_lo + h / 2 - 0.2) * res)
    loss = rng.uniform(100.0, 150.0, (h, w)).astype(np.float32)
    loss[rng.random((h, w)) < 0.2] = np.nan
    if borders:  # the fills' NaN beyond each row's reach (the pass walks from a row's first loss to its last)
        cols = np.arange(w)[None, :]
        lead, trail = rng.integers(0, w // 2, (h, 1)), rng.integers(0, w // 2, (h, 1))
        loss[(cols < lead) | (cols >= w - trail)] = np.nan
        loss[rng.random(h) < 0.15] = np.nan
        loss[:, -1] = np.nan
    ground = rng.uniform(0.0, 300.0, (h + 20, w + 20))
    g_off = (4, 6)
    z_tx, h_rx, ae = 230.0, 1.5, 8_494_666.0
    sec_f, sec_i, tables, separate = _sectors(rng, 5, with_sinr)

    ref, got = _acc(shape), _acc(shape)
    # a previous site's values in place (the min-loss raster, the levels)
    for a in (ref, got):
        a[7][:] = np.float32(140.0)
    ref_s, got_s = _sinr_acc(shape), _sinr_acc(shape)

    kern.min_into(ref[7], r_lo - a_origin[0], c_lo - a_origin[1], loss)
    theta = np.empty(loss.shape)
    bearing = np.zeros(loss.shape)
    gwin = ground[g_off[0]: g_off[0] + h, g_off[1]: g_off[1] + w]
    kern.site_geometry(loss, gwin, r_lo, c_lo, site[0], site[1], left, top, res, res, z_tx, h_rx, ae, theta, bearing)
    for args, base, idx, op, tech, pair, carrier in separate:
        kern.accumulate_sector(loss, theta, bearing, r_lo, c_lo, *a_origin, *args, base, THRESHOLD, idx, op, tech,
                               *ref[:7])
        if pair >= 0:
            skern.accumulate_carrier(loss, theta, bearing, r_lo, c_lo, *s_origin, *args, base, THRESHOLD, FLOOR, idx,
                                     pair, carrier, *ref_s)
    accumulate_group(loss, site, (left, top, res, res), (r_lo, c_lo), (ground, *g_off), (z_tx, h_rx, ae), sec_f,
                     sec_i, tables, (THRESHOLD, FLOOR if with_sinr else -math.inf), got, a_origin,
                     got_s if with_sinr else tuple(np.zeros((0, 0, 0), a.dtype) for a in got_s), s_origin)
    assert (ref[1] >= 0).sum() > 50  # the case has served cells
    assert (ref[3] >= 0).sum() > 10  # and second servers
    for a, b in zip(ref, got, strict=True):
        assert a.tobytes() == b.tobytes()
    if with_sinr:
        assert (ref_s[2] > 0).sum() > 50
        for a, b in zip(ref_s, got_s, strict=True):
            assert a.tobytes() == b.tobytes()


def test_no_sinr_sector_reads_no_sinr_accumulator() -> None:
    """Without the SINR layer every sector's pair is -1 and the SINR arrays may be empty."""
    rng = np.random.default_rng(4)
    sec_f, sec_i, tables, _ = _sectors(rng, 3, False)
    assert (sec_i[:, I_PAIR] < 0).all()
    loss = np.full((4, 4), 120.0, np.float32)
    acc = _acc((4, 4))
    accumulate_group(loss, (0.0, 0.0), (-180.0, 180.0, 90.0, 90.0), (0, 0), (np.zeros((4, 4)), 0, 0),
                     (30.0, 1.5, 8.5e6), sec_f, sec_i, tables, (THRESHOLD, -math.inf), acc, (0, 0),
                     tuple(np.zeros((0, 0, 0), a.dtype) for a in _sinr_acc((1, 1))), (0, 0))
    assert acc[4].sum() > 0
    assert (acc[7] == np.float32(120.0)).all()


def _samples_by_definition(dx, dy, d, n0, lmax, radius_m, step_m, n_samp, atan2=fast_atan2):
    """``fill_samples`` as first written (with ``//`` and ``%``): the reference of the division-free kernel. The
    bearing is :func:`~towerplan.coverage._atan_kernels.fast_atan2`, as in the kernel (``math.atan2`` within 1.3e-15
    rad: :func:`test_fill_samples_with_the_library_atan2`)."""
    lvl = lmax
    if d > 0.0:
        lvl = min(max(math.floor(math.log2(radius_m / d)), 0), lmax)
    s = 1 << lvl
    nr = n0 // s
    az = atan2(dx, dy)
    if az < 0.0:
        az += 2.0 * math.pi
    u = az / (2.0 * math.pi) * nr
    k0 = math.floor(u)
    wa = u - k0
    k0 = k0 % nr
    k1 = (k0 + 1) % nr
    t = max(d / step_m, 1.0)
    i0 = min(int(t), n_samp - 2)
    return k0 * s, k1 * s, i0, wa, min(t - i0, 1.0)


def test_fill_samples_match_their_definition() -> None:
    rng = np.random.default_rng(5)
    cases = [(-1e-300, 1000.0), (-0.0, 500.0), (0.0, -500.0), (-1e-12, -700.0), (0.0, 0.0), (1e-300, -1e-300)]
    cases += [tuple(v) for v in rng.uniform(-30_000, 30_000, (2000, 2))]
    for n0, lmax in ((360, 3), (1440, 5), (96, 0), (1000, 3)):
        for dx, dy in cases:
            d = math.sqrt(dx * dx + dy * dy)
            want = _samples_by_definition(dx, dy, d, n0, lmax, 30_000.0, 90.0, 340)
            got = kern.fill_samples(dx, dy, d, n0, lmax, 30_000.0, 90.0, 340)
            assert got == want, (dx, dy, n0, lmax)


def test_fill_samples_with_the_library_atan2() -> None:
    """With ``math.atan2`` for the bearing the samples are the same, the azimuth's weight within 1e-11."""
    rng = np.random.default_rng(6)
    cases = [tuple(v) for v in rng.uniform(-30_000, 30_000, (3000, 2))]
    cases += [(90.0 * i + 45.0, 90.0 * j + 45.0) for i in range(-20, 20) for j in range(-20, 20)]
    for n0, lmax in ((360, 3), (1440, 5), (1088, 6)):
        for dx, dy in cases:
            d = math.sqrt(dx * dx + dy * dy)
            j0, j1, i0, wa, wt = kern.fill_samples(dx, dy, d, n0, lmax, 30_000.0, 90.0, 340)
            lib = _samples_by_definition(dx, dy, d, n0, lmax, 30_000.0, 90.0, 340, math.atan2)
            assert (j0, j1, i0, wt) == (lib[0], lib[1], lib[2], lib[4]), (dx, dy)
            assert abs(wa - lib[3]) < 1e-11, (dx, dy)
