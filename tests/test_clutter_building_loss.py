"""ITU-R P.2108 clutter loss and P.2109 building entry loss, against NTIA's reference code and the equations."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

from towerplan.coverage.building_loss import p2109_building_entry_loss_db
from towerplan.coverage.clutter_loss import (
    knife_edge_j_db,
    p2108_terminal_clutter_loss_db,
    p2108_terrestrial_clutter_loss_db,
)
from towerplan.coverage.terminal_loss import terminal_extra_loss_db
from towerplan.coverage.validity import ModelValidityWarning
from towerplan.errors import ModelInputError

# ---------------------------------------------------------------- P.2108 against NTIA (proplib-p2108 on PyPI)
_FREQS_MHZ = (30, 50, 100, 150, 300, 450, 700, 900, 1800, 2100, 2600, 3000)
_HEIGHTS_M = (0.5, 1.5, 3.0, 9.9, 10.0, 14.0, 19.5, 25.0)


def _ntia():
    return pytest.importorskip("ITS.ITU.PSeries.P2108.p2108",
                               reason="NTIA's proplib-p2108 is not installed (pip install proplib-p2108)")


def test_p2108_terminal_correction_matches_ntia_everywhere():
    ntia = _ntia()
    cases = np.array(list(itertools.product(_FREQS_MHZ, _HEIGHTS_M, (8.0, 27.0, 60.0), (5.0, 10.0, 15.0, 20.0),
                                            range(1, 7))))
    f, h, ws, r, code = cases.T
    got = p2108_terminal_clutter_loss_db(f, h, code.astype(int), clutter_height_m=r, street_width_m=ws)
    ref = [ntia.HeightGainTerminalCorrectionModel(*row[:4] / (1000, 1, 1, 1), ntia.ClutterType(int(row[4])))
           for row in cases]
    assert len(ref) == len(_FREQS_MHZ) * len(_HEIGHTS_M) * 3 * 4 * 6
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-9)
    assert (got > 0).sum() > len(ref) / 3  # most cases are below the clutter


def test_p2108_terminal_correction_vectorised_equals_scalar_calls():
    ntia = _ntia()
    f, h, codes = np.meshgrid([100.0, 900.0, 2600.0], [1.5, 4.0, 12.0], np.arange(1, 7), indexing="ij")
    got = p2108_terminal_clutter_loss_db(f, h, codes)  # Table 3 heights by type
    defaults = {1: 10.0, 2: 10.0, 3: 10.0, 4: 15.0, 5: 15.0, 6: 20.0}
    for idx in np.ndindex(f.shape):
        c = int(codes[idx])
        ref = ntia.HeightGainTerminalCorrectionModel(f[idx] / 1000, h[idx], 27.0, defaults[c], ntia.ClutterType(c))
        assert got[idx] == pytest.approx(ref, abs=1e-9)


def test_p2108_terrestrial_statistical_model_matches_ntia():
    ntia = _ntia()
    for f, d, p in itertools.product((500, 900, 2000, 3500, 10000, 28000, 67000), (0.25, 0.5, 1.0, 2.0, 5.0, 30.0),
                                     (0.1, 1, 10, 50, 90, 99.9)):
        ref = ntia.TerrestrialStatisticalModel(f / 1000.0, d, p)
        # NTIA's inverse normal is the Abramowitz-Stegun 26.2.23 approximation (|error| < 4.5e-4, times sigma <= 6)
        assert float(p2108_terrestrial_clutter_loss_db(f, d, p)) == pytest.approx(ref, abs=0.003), (f, d, p)


def test_p2108_values_worked_by_hand_from_the_equations():
    # urban, 1 GHz, h = 1.5 m, R = 15 m, w_s = 27 m:  h_dif = 13.5 m, theta = atan(0.5) = 26.565 deg,
    # nu = 0.342 * sqrt(1) * sqrt(13.5 * 26.565) = 6.4766, J(nu) = 6.9 + 20 log10(sqrt(6.3766^2 + 1) + 6.3766)
    # = 29.0651, A_h = J - 6.03 = 23.035 dB
    assert float(p2108_terminal_clutter_loss_db(1000, 1.5, "urban")) == pytest.approx(23.035, abs=0.002)
    # open/rural, 1 GHz, R = 10 m: K_h2 = 21.8, A_h = -21.8 log10(0.15) = 17.961 dB
    assert float(p2108_terminal_clutter_loss_db(1000, 1.5, "open_rural")) == pytest.approx(17.961, abs=0.002)
    # at or above the clutter: no loss
    assert float(p2108_terminal_clutter_loss_db(900, 20.0, "dense_urban")) == 0.0
    # J(0) of P.526's approximation is 6.03 dB, the constant P.2108 subtracts: A_h -> 0 as h -> R
    assert float(knife_edge_j_db(0.0)) == pytest.approx(6.03, abs=0.005)
    assert float(p2108_terminal_clutter_loss_db(900, 14.999, "urban")) == pytest.approx(0.0, abs=0.01)
    # 3.2 at the median, 2 km and beyond (eq. 6 caps at 2 km), 1 GHz: L_l = -2 log10(10^-12.5 + 10^-16.5) = 25.0,
    # L_s(2 km) = 32.98 + 23.9 log10 2 = 40.175 dB
    l_l = -2 * math.log10(10**-12.5 + 10**-16.5)
    l_s = 32.98 + 23.9 * math.log10(2.0)
    median = -5 * math.log10(10 ** (-0.2 * l_l) + 10 ** (-0.2 * l_s))
    assert float(p2108_terrestrial_clutter_loss_db(1000, 2.0, 50)) == pytest.approx(median, abs=1e-9)
    assert float(p2108_terrestrial_clutter_loss_db(1000, 20.0, 50)) == pytest.approx(median, abs=1e-9)
    assert median == pytest.approx(24.9, abs=0.1)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: p2108_terminal_clutter_loss_db(3500, 1.5, "urban"), "30 to 3000 MHz"),
    (lambda: p2108_terminal_clutter_loss_db(900, 0.0, "urban"), "positive"),
    (lambda: p2108_terminal_clutter_loss_db(900, 1.5, "jungle"), "unknown P.2108 clutter type"),
    (lambda: p2108_terminal_clutter_loss_db(900, 1.5, np.array([0, 2])), "codes are 1 to 6"),
    (lambda: p2108_terrestrial_clutter_loss_db(900, 0.1, 50), "0.25 km"),
    (lambda: p2108_terrestrial_clutter_loss_db(300, 1.0, 50), "0.5 to 67 GHz"),
    (lambda: p2108_terrestrial_clutter_loss_db(900, 1.0, 100), "between 0 and 100"),
    (lambda: p2109_building_entry_loss_db(50, 0.5), "80 MHz"),
    (lambda: p2109_building_entry_loss_db(900, 1.0), "between 0 and 1"),
    (lambda: p2109_building_entry_loss_db(900, 0.5, "glass_tower"), "unknown building type"),
    (lambda: p2109_building_entry_loss_db(900, 0.5, elevation_deg=90), "-90 and 90"),
])
def test_inputs_outside_the_recommendations_are_refused(call, match):
    with pytest.raises(ModelInputError, match=match):
        call()


# ---------------------------------------------------------------- P.2109
def test_p2109_worked_by_hand_at_1_ghz_median():
    # log10 f = 0 and F^-1(0.5) = 0: A = r, B = w, C = -3; L = 10 log10(10^(r/10) + 10^(w/10) + 10^-0.3)
    trad = 10 * math.log10(10**1.264 + 10**0.91 + 10**-0.3)
    eff = 10 * math.log10(10**2.819 + 10**2.78 + 10**-0.3)
    assert float(p2109_building_entry_loss_db(1000, 0.5, "traditional")) == pytest.approx(trad, abs=1e-9)
    assert float(p2109_building_entry_loss_db(1000, 0.5, "thermally_efficient")) == pytest.approx(eff, abs=1e-9)
    assert trad == pytest.approx(14.313, abs=1e-3)
    assert eff == pytest.approx(31.012, abs=1e-3)
    # the elevation term adds 0.212 |theta| to mu_1 only
    up = float(p2109_building_entry_loss_db(1000, 0.5, "traditional", elevation_deg=-20))
    assert up == pytest.approx(10 * math.log10(10 ** (1.264 + 0.424) + 10**0.91 + 10**-0.3), abs=1e-9)


#: pycraf 2.1.0 ``pathprof.building_entry_loss`` (an independent implementation, GPL, not a dependency):
#: (freq MHz, probability, building type 1 traditional / 2 thermally efficient, elevation deg, loss dB).
#: pycraf's inverse normal is an approximation (P.1057), hence the 0.02 dB tolerance.
PYCRAF_P2109 = [
    (200, 0.1, 1, 0, 5.810),
    (200, 0.1, 1, 30, 8.533),
    (200, 0.1, 2, 0, 21.829),
    (200, 0.1, 2, 30, 27.227),
    (200, 0.5, 1, 0, 13.965),
    (200, 0.5, 1, 30, 17.945),
    (200, 0.5, 2, 0, 35.723),
    (200, 0.5, 2, 30, 41.125),
    (200, 0.9, 1, 0, 23.056),
    (200, 0.9, 1, 30, 27.944),
    (200, 0.9, 2, 0, 49.629),
    (200, 0.9, 2, 30, 55.026),
    (900, 0.1, 1, 0, 5.720),
    (900, 0.1, 1, 30, 8.623),
    (900, 0.1, 2, 0, 17.123),
    (900, 0.1, 2, 30, 19.825),
    (900, 0.5, 1, 0, 14.242),
    (900, 0.5, 1, 30, 19.310),
    (900, 0.5, 2, 0, 31.156),
    (900, 0.5, 2, 30, 35.534),
    (900, 0.9, 1, 0, 25.124),
    (900, 0.9, 1, 30, 31.131),
    (900, 0.9, 2, 0, 46.544),
    (900, 0.9, 2, 30, 52.071),
    (1800, 0.1, 1, 0, 5.768),
    (1800, 0.1, 1, 30, 8.850),
    (1800, 0.1, 2, 0, 16.666),
    (1800, 0.1, 2, 30, 18.784),
    (1800, 0.5, 1, 0, 14.843),
    (1800, 0.5, 1, 30, 20.318),
    (1800, 0.5, 2, 0, 30.555),
    (1800, 0.5, 2, 30, 35.083),
    (1800, 0.9, 1, 0, 26.820),
    (1800, 0.9, 1, 30, 33.020),
    (1800, 0.9, 2, 0, 47.149),
    (1800, 0.9, 2, 30, 53.036),
    (3500, 0.1, 1, 0, 5.881),
    (3500, 0.1, 1, 30, 9.194),
    (3500, 0.1, 2, 0, 16.560),
    (3500, 0.1, 2, 30, 18.598),
    (3500, 0.5, 1, 0, 15.721),
    (3500, 0.5, 1, 30, 21.499),
    (3500, 0.5, 2, 0, 30.886),
    (3500, 0.5, 2, 30, 35.921),
    (3500, 0.9, 1, 0, 28.740),
    (3500, 0.9, 1, 30, 35.029),
    (3500, 0.9, 2, 0, 49.274),
    (3500, 0.9, 2, 30, 55.441),
    (28000, 0.1, 1, 0, 6.890),
    (28000, 0.1, 1, 30, 11.231),
    (28000, 0.1, 2, 0, 19.481),
    (28000, 0.1, 2, 30, 24.241),
    (28000, 0.5, 1, 0, 20.182),
    (28000, 0.5, 1, 30, 26.429),
    (28000, 0.5, 2, 0, 41.676),
    (28000, 0.5, 2, 30, 47.984),
    (28000, 0.9, 1, 0, 36.054),
    (28000, 0.9, 1, 30, 42.410),
    (28000, 0.9, 2, 0, 65.961),
    (28000, 0.9, 2, 30, 72.320),
]


def test_p2109_matches_pycraf_reference_values():
    for f, p, t, theta, ref in PYCRAF_P2109:
        got = float(p2109_building_entry_loss_db(f, p, ("traditional", "thermally_efficient")[t - 1],
                                                 elevation_deg=theta))
        assert got == pytest.approx(ref, abs=0.02), (f, p, t, theta)


def test_p2109_grows_with_probability_and_is_vectorised():
    p = np.linspace(0.01, 0.99, 50)
    loss = p2109_building_entry_loss_db(1800, p, np.array([[1], [2]]))
    assert loss.shape == (2, 50)
    assert np.all(np.diff(loss, axis=1) > 0)
    assert np.all(loss[1] > loss[0])  # thermally efficient buildings lose more


# ---------------------------------------------------------------- the link-budget hook
def test_terminal_extra_loss_by_model_and_service():
    p2108 = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.uint8)
    building = np.array([[1, 1, 1], [1, 1, 2]], dtype=np.uint8)
    itm = terminal_extra_loss_db(p2108, building, freq_mhz=900, model="itm")
    assert itm.dtype == np.float32
    assert itm.shape == (2, 3)
    # water and open ground: the height-gain form is the model's own height gain, nothing added
    assert itm[0, 0] == 0
    assert itm[0, 1] == 0
    for idx, name in (((0, 2), "suburban"), ((1, 0), "urban"), ((1, 1), "trees_forest"), ((1, 2), "dense_urban")):
        assert itm[idx] == pytest.approx(float(p2108_terminal_clutter_loss_db(900, 1.5, name)), abs=1e-4)
    assert itm[1, 2] > itm[1, 0] > itm[0, 2] > 0
    for model in ("hata", "cost231", "p1812"):  # clutter already in the model: outdoors nothing is added
        assert not terminal_extra_loss_db(p2108, building, freq_mhz=900, model=model).any()
    indoor = terminal_extra_loss_db(p2108, building, freq_mhz=900, model="hata", service="indoor")
    assert indoor[0, 0] == pytest.approx(float(p2109_building_entry_loss_db(900, 0.5, "traditional")), abs=1e-4)
    assert indoor[1, 2] == pytest.approx(float(p2109_building_entry_loss_db(900, 0.5, "thermally_efficient")),
                                         abs=1e-4)
    both = terminal_extra_loss_db(p2108, building, freq_mhz=900, model="itm", service="indoor",
                                  indoor_probability=0.9)
    assert both == pytest.approx(itm + p2109_building_entry_loss_db(900, 0.9, building.astype(int)), abs=1e-3)
    # table heights: R = 0 falls back to Table 3, other R used as given
    r = np.array([[0, 0, 6.0], [0, 25.0, 0]])
    custom = terminal_extra_loss_db(p2108, building, freq_mhz=900, model="itm", clutter_height_m=r)
    assert custom[0, 2] == pytest.approx(float(p2108_terminal_clutter_loss_db(900, 1.5, "suburban",
                                                                              clutter_height_m=6.0)), abs=1e-4)
    assert custom[1, 0] == pytest.approx(itm[1, 0])
    assert custom[1, 1] > itm[1, 1]


def test_terminal_extra_loss_above_3_ghz_uses_3_ghz_with_a_warning():
    codes = np.array([4, 5], dtype=np.uint8)
    with pytest.warns(ModelValidityWarning, match="up to 3 GHz"):
        at_3500 = terminal_extra_loss_db(codes, np.ones(2, np.uint8), freq_mhz=3500, model="itm")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        at_3000 = terminal_extra_loss_db(codes, np.ones(2, np.uint8), freq_mhz=3000, model="itm")
    assert at_3500 == pytest.approx(at_3000)
    with pytest.raises(ModelInputError, match="unknown propagation model"):
        terminal_extra_loss_db(codes, codes, freq_mhz=900, model="okumura")
    with pytest.raises(ModelInputError, match="outdoor or indoor"):
        terminal_extra_loss_db(codes, codes, freq_mhz=900, model="itm", service="car")  # type: ignore[arg-type]
    with pytest.raises(ModelInputError, match="shape"):
        terminal_extra_loss_db(codes, codes[:1], freq_mhz=900, model="itm")
