"""The P.1812 reach bound's block and rest-of-radial floors compared with each sample's own limit (round w13).

Before round w13 the sweep (:func:`~towerplan.coverage._sweep_p1812._reach_profiles`) gave those floors the site's
largest limit; now they read :func:`~towerplan.coverage._reach_need.sample_limits`' per-sample limits, so a back-lobe
radial (a low limit) stops at its rest-of-radial floor earlier. A floor can be above the full bound of a sample, so
this may leave samples out of ``mark_needed``'s mask that the site's limit kept: sound, since every floor is a lower
bound of the exact loss. Checked here on rugged radials against the exact loss
(:func:`~towerplan.coverage._p1812_radial.p1812_radial_loss`).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_p1812_limits import DN, N0_REFR, PHI, _sector_radials, _site
from test_p1812_reach import RES, _radials

from towerplan.coverage import _kernels as kern
from towerplan.coverage import _sweep_p1812 as sw
from towerplan.coverage._p1812_floor0 import BLOCK
from towerplan.coverage._p1812_radial import p1812_radial_loss
from towerplan.coverage._p1812_reach import ap_floor_db, radial_bound, site_tables
from towerplan.coverage._reach_need import fill_levels, sample_limits

NO_MASK = np.zeros(0, dtype=np.uint8)


def test_the_sweep_gives_the_floors_each_samples_own_limit_and_back_lobe_radials_stop_earlier() -> None:
    args = _site(every=1)  # every = 1: no second pass, ``lbt`` is the first pass's bound
    n0, lmax, radius_m, count, fpar, lneed, nmax = args[8], args[9], args[10], args[12], args[13], args[17], args[18]
    need, lbt, zt, _, _ = sw._reach_profiles(*args)
    t_site = float(lneed.max())
    tables = site_tables(nmax + 1, RES, 1.8, 30.0, 1.5, DN, False)
    lv_at = fill_levels(nmax + 1, RES, radius_m, lmax)
    lim = np.empty((4, nmax + 1))
    zeros = np.zeros(nmax)
    zone = np.full(nmax, 4, dtype=np.int64)
    bound = (RES, 1.8, 50.0, 30.0, 1.5, True, PHI, DN, N0_REFR, 50.0, 0.0, fpar[kern.F_APLB], tables, 1)
    earlier = []
    for j in range(n0):
        n = int(count[j])
        walked = []
        outs = []
        for t_floors in (math.nan, t_site):  # the samples' own limits (now), the site's largest (before w13)
            sample_limits(lneed, j, n0, lv_at, n, lim, t_floors, BLOCK)
            out = np.full(n, np.nan)
            walked.append(radial_bound(zt[j, :n], zeros[:n], zone[:n], *bound, out, NO_MASK, lim))
            outs.append(out)
        assert np.array_equal(lbt[j, 1:n], outs[0][1:])
        if walked[0] < walked[1]:
            earlier.append(j)
            assert not np.array_equal(outs[0], outs[1])
    # the rest-of-radial floor stops back-lobe radials earlier now (the site's limit walked them to the end)
    assert len(earlier) >= 5, earlier
    assert all(lneed[j] < t_site for j in earlier)
    assert 0 < need.sum() < need.size // 2


def _exact(prof, r_m, zone, f_mhz):
    out = np.full(len(prof), np.nan)
    p1812_radial_loss(prof, r_m, zone, RES, f_mhz / 1000.0, 50.0, 30.0, 1.5, True, PHI, DN, N0_REFR, 50.0, 0.0, 1,
                      out, NO_MASK)
    return out


@pytest.mark.parametrize(("f_mhz", "sea"), [(1800.0, False), (900.0, True)])
def test_the_floors_with_own_limits_are_below_the_exact_loss_on_rugged_radials(f_mhz, sea) -> None:
    """Every value the bound keeps with per-sample floor limits is at most the exact loss; the samples those limits
    put out of reach that the site's limit did not (the only way the mask can lose a sample: none on these radials,
    see the next test for one) are out of reach."""
    n0, _, n, _, lneed, t_site, tables, ap_lb, lv_at = _sector_radials(f_mhz)
    lim = np.empty((4, n))
    args = (RES, f_mhz / 1000.0, 50.0, 30.0, 1.5, True, PHI, DN, N0_REFR, 50.0, 0.0, ap_lb, tables, 1)
    checked = 0
    for j, (prof, r_m, zone) in enumerate(_radials(n0, n, seed=int(f_mhz) + 7, sea=sea)):
        exact = _exact(prof, r_m, zone, f_mhz)
        vals = []
        for t_floors in (math.nan, t_site):
            sample_limits(lneed, j, n0, lv_at, n, lim, t_floors, BLOCK)
            out = np.full(n, np.nan)
            radial_bound(prof, r_m, zone, *args, out, NO_MASK, lim)
            vals.append(out)
        own_lim = lim[0].copy()
        own, site = vals
        ok = np.isfinite(own[4:])
        checked += int(ok.sum())
        assert np.all(own[4:][ok] <= exact[4:][ok] + 1e-9)
        moved = (own > own_lim) & ~(site > own_lim)
        moved[:4] = False
        assert np.all(exact[moved] > own_lim[moved])
    assert checked > 0.9 * n0 * (n - 4)


#: terrain (m, 0.1 m) of a province radial (90 m samples, 1800 MHz site; ``/tmp/prof/caps.pkl`` case 32, radial 915,
#: round w12) whose block floor at sample 208 beats the full bound of sample 210: the case where the own limits
#: drop a sample from the mask
_PROVINCE_RADIAL = np.array([
    1691.4, 1693.2, 1693.2, 1690.8, 1686.4, 1679.7, 1671.9, 1663.0, 1653.7, 1644.0, 1633.4, 1621.1, 1606.6, 1590.0,
    1571.6, 1552.7, 1534.2, 1516.4, 1499.9, 1483.6, 1467.4, 1449.3, 1429.5, 1407.5, 1384.2, 1360.0, 1335.6, 1310.9,
    1286.3, 1260.1, 1233.5, 1204.7, 1176.5, 1149.2, 1124.4, 1102.2, 1082.8, 1065.4, 1049.6, 1035.0, 1022.6, 1012.4,
    1005.8, 1002.0, 1001.5, 1003.2, 1006.8, 1011.4, 1016.5, 1020.8, 1023.5, 1023.0, 1019.6, 1012.4, 1004.2, 994.5,
    986.6, 980.3, 977.1, 975.3, 975.0, 975.4, 976.9, 979.8, 985.2, 992.8, 1002.7, 1014.1, 1026.7, 1039.5, 1051.3,
    1061.0, 1068.2, 1072.9, 1075.6, 1077.2, 1079.4, 1083.8, 1090.5, 1100.3, 1112.4, 1127.1, 1143.5, 1162.3, 1181.9,
    1201.7, 1221.0, 1239.4, 1256.8, 1272.8, 1287.2, 1299.4, 1309.4, 1316.0, 1319.7, 1320.0, 1318.2, 1315.6, 1312.8,
    1310.6, 1308.1, 1306.4, 1304.2, 1303.0, 1302.3, 1303.2, 1306.1, 1311.4, 1319.5, 1329.8, 1341.3, 1353.3, 1364.6,
    1375.2, 1384.4, 1393.0, 1402.1, 1411.9, 1423.1, 1435.1, 1447.7, 1460.8, 1474.4, 1488.6, 1503.8, 1519.6, 1536.2,
    1551.9, 1565.8, 1577.1, 1586.5, 1594.9, 1602.9, 1610.8, 1617.8, 1622.9, 1624.8, 1623.4, 1618.8, 1612.4, 1606.3,
    1602.1, 1601.4, 1604.8, 1612.3, 1623.4, 1636.6, 1649.6, 1661.2, 1670.0, 1675.9, 1678.4, 1679.6, 1680.1, 1681.9,
    1684.7, 1688.8, 1693.1, 1697.4, 1700.5, 1703.1, 1704.7, 1706.9, 1708.7, 1711.1, 1712.6, 1713.5, 1713.6, 1712.6,
    1711.3, 1710.0, 1709.8, 1710.6, 1712.7, 1715.5, 1718.8, 1721.8, 1723.8, 1724.3, 1723.3, 1721.5, 1719.1, 1717.2,
    1716.4, 1716.8, 1718.1, 1718.3, 1717.9, 1714.9, 1711.5, 1707.0, 1704.1, 1702.6, 1702.9, 1703.8, 1704.0, 1702.3,
    1698.3, 1693.0, 1687.4, 1682.6, 1680.8, 1682.2, 1687.8, 1696.0, 1705.8, 1715.5, 1723.8, 1729.6, 1732.8, 1733.4,
    1732.9, 1730.7, 1728.4, 1725.1, 1721.6,
])


def test_a_block_floor_above_the_full_bound_drops_a_sample_that_is_out_of_reach() -> None:
    z = _PROVINCE_RADIAL.astype(np.float64)
    n = len(z)
    r_m = np.zeros(n)
    zone = np.full(n, 4, dtype=np.int64)
    phi, t_own, t_site = 19.855, 126.37, 137.21  # the limits of that case: sample 210's own, the site's largest
    tables = site_tables(n, RES, 1.8, 30.0, 1.5, DN, False)
    args = (RES, 1.8, 50.0, 30.0, 1.5, True, phi, DN, N0_REFR, 50.0, 0.0, ap_floor_db(50.0, phi, 336 * RES / 1000.0),
            tables, 165)
    full = np.full(n, np.nan)
    radial_bound(z, r_m, zone, *args, full, NO_MASK, np.zeros((0, 0)))
    vals = []
    for t_floors in (t_own, t_site):
        lim = np.full((4, n), t_own)
        lim[1:3, ::BLOCK] = t_floors
        out = np.full(n, np.nan)
        radial_bound(z, r_m, zone, *args, out, NO_MASK, lim)
        vals.append(out)
    own, site = vals
    assert full[210] < t_own < own[210]  # the block floor (samples 208-215) beats the full bound of sample 210
    assert np.all(own[208:216] == own[208])
    assert site[210] == full[210]  # with the site's limit the floor decides nothing: the full bound, within t_own
    exact = np.full(n, np.nan)
    p1812_radial_loss(z, r_m, zone, RES, 1.8, 50.0, 30.0, 1.5, True, phi, DN, N0_REFR, 50.0, 0.0, 165, exact, NO_MASK)
    assert exact[210] > own[210] > t_own  # the floor is below the exact loss: the sample is out of reach
    assert np.all(own[165:] <= exact[165:] + 1e-9)
