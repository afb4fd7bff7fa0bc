"""Downlink SINR, throughput and uplink (towerplan.coverage.sinr, throughput, uplink, radio_maps).

Analytic oracles: free space over flat ground with isotropic antennas (front-to-back
and side-lobe limits of 0 dB make the TR 36.814 pattern flat) and both antennas 30 m
up, so the first Fresnel zone is clear everywhere and the loss is 20 log10(d) plus a
constant: two co-channel cells of equal EIRP give SINR = 20 log10(d2 / d1) with the
noise ~60 dB below.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from towerplan.coverage.radio import (
    LTE_DOWNLINK,
    LTE_UPLINK,
    NrPeakRate,
    RadioSettings,
    RateModel,
    SinrSettings,
    UplinkSettings,
)
from towerplan.coverage.radio_maps import radio_maps
from towerplan.coverage.sinr import sinr_db
from towerplan.coverage.throughput import (
    downlink_rate_mbps,
    nr_peak_rate_mbps,
    required_sinr_db,
    spectral_efficiency_bps_hz,
)
from towerplan.coverage.uplink import uplink_rate_mbps
from towerplan.errors import ConfigError
from towerplan.grid import Grid

RES = 100.0
N = 100
X0, Y0 = 500_000.0, 2_250_000.0
A = (X0 + 3050.0, Y0 - 5050.0)  # cell centres at (k + 0.5) * 100 m: the bisector x = 5050 m is column 50
B = (X0 + 7050.0, Y0 - 5050.0)


def _dem() -> Grid:
    return Grid(np.zeros((N, N)), Affine(RES, 0, X0, 0, -RES, Y0), 32648, None)


def _stations(rows) -> pd.DataFrame:
    """rows: (x, y, operator, freq_mhz[, technology])."""
    tr = Transformer.from_crs(32648, 4326, always_xy=True)
    lon, lat = tr.transform([r[0] for r in rows], [r[1] for r in rows])
    return pd.DataFrame({"operator": [r[2] for r in rows], "technology": [r[4] if len(r) > 4 else "4G" for r in rows],
                         "lon": lon, "lat": lat, "antenna_height_m": 30.0, "azimuth_deg": np.nan,
                         "freq_mhz": [r[3] for r in rows], "eirp_dbm": 80.0})


def _config(**kw) -> CoverageConfig:
    return CoverageConfig(model="fspl", rx_height_m=30.0, front_to_back_db=0.0, side_lobe_db=0.0, sinr=True,
                          max_radius_m=10_000.0, **kw)


def _distances(site) -> np.ndarray:
    xs = X0 + (np.arange(N) + 0.5) * RES
    ys = Y0 - (np.arange(N) + 0.5) * RES
    xx, yy = np.meshgrid(xs, ys)
    return np.hypot(xx - site[0], yy - site[1])


@pytest.fixture(scope="module")
def two_cells():
    return run_coverage(_dem(), _stations([(*A, "A", 1842.5), (*B, "A", 1842.5)]), config=_config())


def test_two_cochannel_cells_give_0_db_on_the_bisector_and_20log_d_ratio_elsewhere(two_cells):
    s = two_cells.sinr.sinr_db[("A", "4G")].values
    d1, d2 = _distances(A), _distances(B)
    far = (d1 > 500.0) & (d2 > 500.0)
    bisector = s[:, 50][far[:, 50]]
    assert np.abs(bisector).max() < 0.01  # equal distances: S = I
    with np.errstate(divide="ignore"):
        expected = 20.0 * np.log10(np.maximum(d1, d2) / np.minimum(d1, d2))
    err = np.abs(s - expected)[far]
    assert err.max() < 0.05
    assert np.median(err) < 0.005
    # the serving sector is the nearer one
    srv = two_cells.sinr.serving[("A", "4G")].values
    assert (srv[far & (d1 < d2 - 200)] == 0).all()
    assert (srv[far & (d2 < d1 - 200)] == 1).all()


def test_another_operator_on_the_same_frequency_changes_nothing(two_cells):
    other = (X0 + 5050.0, Y0 - 3050.0)
    r = run_coverage(_dem(), _stations([(*A, "A", 1842.5), (*B, "A", 1842.5), (*other, "B", 1842.5)]),
                     config=_config())
    assert np.array_equal(r.sinr.sinr_db[("A", "4G")].values, two_cells.sinr.sinr_db[("A", "4G")].values,
                          equal_nan=True)
    # operator B is alone on its carrier: SINR = RSRP - noise per resource element
    noise = -174.0 + 10 * math.log10(15e3) + 7.0
    b = r.sinr.sinr_db[("B", "4G")].values
    lvl = r.sinr.level_dbm[("B", "4G")].values
    assert np.nanmax(np.abs(b - (lvl - noise))) < 1e-3
    assert r.sinr.noise_dbm["4G"] == pytest.approx(-125.24, abs=0.01)


def test_a_cell_on_another_band_does_not_interfere_and_load_scales_interference(two_cells):
    r = run_coverage(_dem(), _stations([(*A, "A", 1842.5), (*B, "A", 2140.0)]), config=_config())
    assert len(r.sinr.carriers) == 2
    s = r.sinr.sinr_db[("A", "4G")].values
    lvl = r.sinr.level_dbm[("A", "4G")].values
    assert np.nanmax(np.abs(s - (lvl - r.sinr.noise_dbm["4G"]))) < 1e-3
    half = run_coverage(_dem(), _stations([(*A, "A", 1842.5), (*B, "A", 1842.5)]),
                        config=_config(radio=RadioSettings(sinr=SinrSettings(load_factor={"4G": 0.5}))))
    h = half.sinr.sinr_db[("A", "4G")].values[:, 50]
    full = two_cells.sinr.sinr_db[("A", "4G")].values[:, 50]
    # S / (0.5 I + N) on the bisector: +3.01 dB with negligible noise
    ok = np.abs(full) < 0.01
    assert np.abs(h[ok] - 10 * math.log10(2.0)).max() < 0.01


def test_sinr_is_the_same_for_any_batching(two_cells):
    stations = _stations([(*A, "A", 1842.5), (*B, "A", 1842.5), (X0 + 5050.0, Y0 - 2050.0, "A", 1842.5)])
    one = run_coverage(_dem(), stations, config=_config(), batches=1)
    three = run_coverage(_dem(), stations, config=_config(), batches=3)
    for key in one.sinr.pairs:
        assert np.array_equal(one.sinr.sinr_db[key].values, three.sinr.sinr_db[key].values, equal_nan=True)
        assert np.array_equal(one.sinr.serving[key].values, three.sinr.serving[key].values)


def test_sinr_numpy_reference():
    # S = -80, I_sum = S + another -80 dBm, N -125: 10 log10(1e-8 / (1e-8 + 10^-12.5)) ~ 0 dB
    assert float(sinr_db(-80.0, -80.0 + 10 * math.log10(2.0), -125.0, 1.0)) == pytest.approx(-1.37e-4, abs=1e-5)
    assert float(sinr_db(-80.0, -80.0, -120.0, 1.0)) == pytest.approx(40.0)


def test_throughput_raster_follows_tr36942_at_every_cell(two_cells):
    maps = radio_maps(two_cells)
    s = maps.sinr_db[("A", "4G")].values.astype(float)
    rate = maps.throughput_dl_mbps[("A", "4G")].values
    gamma = 10.0 ** (s / 10.0)
    expected = np.where(s < -10.0, 0.0, 20.0 * np.minimum(0.6 * np.log2(1.0 + gamma), 4.4))
    assert np.isfinite(rate).sum() == N * N
    np.testing.assert_allclose(rate, expected, rtol=1e-5, atol=1e-4)
    # the per-operator layer is the only technology here; uplink limited cells exist only without uplink
    op = maps.operators["A"]
    assert np.array_equal(op.throughput_dl_mbps.values, rate, equal_nan=True)
    assert set(np.unique(op.uplink_limited.values)) <= {0, 1}


def test_tr36942_mapping_points():
    se = spectral_efficiency_bps_hz(np.array([-10.01, -10.0, 0.0, 10.0, 22.2, 40.0]), LTE_DOWNLINK)
    # below SINR_min 0; at 0 dB 0.6 log2(2) = 0.6; at 10 dB 0.6 log2(11) = 2.0757; cap 4.4 (reached at 22.1 dB)
    np.testing.assert_allclose(se, [0.0, 0.6 * math.log2(1.1), 0.6, 0.6 * math.log2(11.0), 4.4, 4.4], rtol=1e-9)
    assert float(downlink_rate_mbps(30.0, 20.0, "4G", RadioSettings())) == pytest.approx(88.0)
    assert math.isnan(float(spectral_efficiency_bps_hz(np.nan, LTE_DOWNLINK)))
    assert required_sinr_db(0.6 * 20.0, 20.0, LTE_DOWNLINK) == pytest.approx(0.0, abs=1e-9)
    assert required_sinr_db(100.0, 20.0, LTE_DOWNLINK) == math.inf


def test_nr_peak_rate_ts38306_hand_example():
    # TS 38.306 4.1.2, 100 MHz at 30 kHz (mu = 1): N_PRB = 273 (TS 38.101-1 Table 5.3.2-1),
    # T_s = 1e-3 / (14 * 2) = 35.714 us; 4 layers, 256QAM (Q_m = 8), f = 1, R_max = 948/1024 = 0.92578, OH 0.14:
    # 4 * 8 * 1 * 0.92578 = 29.625; 273 * 12 / 35.714e-6 = 91.728e6 RE/s; 29.625 * 91.728e6 = 2717.4e6;
    # * (1 - 0.14) = 2336.98e6 bit/s -> 2337.0 Mbit/s
    rate = nr_peak_rate_mbps(bandwidth_mhz=100.0, subcarrier_spacing_khz=30, layers=4, peak=NrPeakRate())
    assert rate == pytest.approx(2336.98, abs=0.05)
    # the NR downlink is the layered attenuated Shannon capped by that peak
    radio = RadioSettings(nr=RateModel(alpha=0.6, sinr_min_db=-10.0, max_bps_hz=None, layers=4))
    assert float(downlink_rate_mbps(60.0, 100.0, "5G", radio)) == pytest.approx(rate, rel=1e-9)
    assert float(downlink_rate_mbps(0.0, 100.0, "5G", radio)) == pytest.approx(4 * 100.0 * 0.6)
    with pytest.raises(ConfigError):
        NrPeakRate(scaling_factor=0.9)


def test_uplink_rate_formula_and_best_allocation():
    ul = RadioSettings().uplink
    # 100 resource blocks of 180 kHz: noise -174 + 10 log10(18e6) + 5 + 3 = -93.45 dBm
    noise = -174.0 + 10 * math.log10(18e6) + 8.0
    rx = noise + 10.0  # 10 dB SINR over the full carrier: 0.4 log2(11) = 1.384 bit/s/Hz -> 24.9 Mbit/s
    assert float(uplink_rate_mbps(rx, 100, 15, ul)) == pytest.approx(18.0 * 0.4 * math.log2(11.0), rel=1e-9)
    # 30 dB below that, the full carrier is under SINR_min: fewer blocks concentrate the power
    weak = float(uplink_rate_mbps(rx - 30.0, 100, 15, ul))
    one_prb_sinr = rx - 30.0 - (-174.0 + 10 * math.log10(180e3) + 8.0)  # 0 dB over one block
    assert weak >= 0.18 * 0.4 * math.log2(1 + 10 ** (one_prb_sinr / 10)) - 1e-12
    assert weak > 0
    assert LTE_UPLINK.max_bps_hz == 2.0
    assert LTE_UPLINK.alpha == 0.4


def test_uplink_limits_far_from_a_weak_handset(two_cells):
    # -10 dBm handset, 5 Mbit/s needed: about 15 Mbit/s at 300 m (free space 87 dB, 9 dB net omni gain),
    # well under 1 Mbit/s at 3 km
    weak = RadioSettings(uplink=UplinkSettings(ue_power_dbm=-10.0, min_rate_mbps=5.0))
    r = run_coverage(_dem(), _stations([(*A, "A", 1842.5), (*B, "A", 1842.5)]), config=_config(radio=weak))
    lim = radio_maps(r).operators["A"].uplink_limited.values
    d = np.minimum(_distances(A), _distances(B))
    assert lim[d < 300].max() == 0
    assert lim[d > 3000].min() == 1


def test_settings_are_validated():
    with pytest.raises(ConfigError):
        SinrSettings(load_factor={"4G": 1.5})
    with pytest.raises(ConfigError):
        SinrSettings(interference_margin_db=20.0)
    with pytest.raises(ConfigError):
        RateModel(alpha=0.0)
    with pytest.raises(ConfigError):
        CoverageConfig(sinr="yes")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        radio_maps(run_coverage(_dem(), _stations([(*A, "A", 1842.5)]), config=CoverageConfig(model="fspl")))


@pytest.mark.slow
def test_sinr_is_bit_identical_with_the_process_executor(two_cells):
    stations = _stations([(*A, "A", 1842.5), (*B, "A", 1842.5)])
    par = run_coverage(_dem(), stations, config=_config(), executor="processes", workers=2, batches=2)
    key = ("A", "4G")
    assert np.array_equal(par.sinr.sinr_db[key].values, two_cells.sinr.sinr_db[key].values, equal_nan=True)
    assert np.array_equal(par.sinr.serving[key].values, two_cells.sinr.serving[key].values)


def test_carriers_are_overlapping_bands_of_one_operator_and_technology():
    from towerplan.coverage.sinr import plan_carriers

    table = pd.DataFrame({"operator": ["A", "A", "A", "A", "B", "A"],
                          "technology": ["4G", "4G", "4G", "5G", "4G", "2G"],
                          "freq_mhz": [1842.5, 1850.0, 1862.5, 1842.5, 1842.5, 942.5],
                          "usable": True, "omni": False})
    raw = table.assign(bandwidth_mhz=[20.0, 10.0, np.nan, 20.0, 20.0, np.nan])
    plan = plan_carriers(table, raw, CoverageConfig())
    # 1832.5-1852.5 and 1845-1855 overlap; 1852.5-1872.5 (default 20 MHz) only touches the first: its own carrier
    # once the second is merged in, 1832.5-1855 overlaps it, so all three are one carrier
    assert plan.pairs == (("A", "4G"), ("A", "5G"), ("B", "4G"))
    assert plan.codes[:3, 1].tolist() == [0, 0, 0]
    assert plan.carriers[0] == ("A", "4G", 1832.5, 1872.5)
    assert plan.codes[3].tolist() == [1, 1]  # another technology: another carrier
    assert plan.codes[4].tolist() == [2, 2]  # another operator: another carrier
    assert plan.codes[5].tolist() == [-1, -1]  # 2G takes no part
    touching = plan_carriers(table.iloc[[0, 2]].reset_index(drop=True), raw.iloc[[0, 2]].reset_index(drop=True),
                             CoverageConfig())
    assert touching.codes[:, 1].tolist() == [0, 1]
    assert plan.floor_dbm == -120.0


def test_serving_level_is_the_engines_level_with_drive_test_calibration():
    stations = _stations([(*A, "A", 1842.5), (*B, "A", 1842.5)]).assign(calibration_offset_db=[3.0, -2.0],
                                                                          calibration_slope_db=[5.0, 0.0])
    r = run_coverage(_dem(), stations, config=_config())
    assert np.array_equal(r.sinr.level_dbm[("A", "4G")].values, r.operator_levels["A"].values, equal_nan=True)
    srv = r.sinr.serving[("A", "4G")].values
    best = r.best_server.values
    assert np.array_equal(srv, best)
