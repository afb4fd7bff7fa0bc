"""Free space, Okumura-Hata and COST-231 Hata (towerplan.coverage.propagation).

Expected values are worked by hand from the published formulas (logs to 6-7
significant figures, written out below), never taken from this code:

* ITU-R P.525-4 eq. 8: L = 32.45 + 20 log f_MHz + 20 log d_km.
* M. Hata, IEEE Trans. Veh. Technol. VT-29(3) 317-325 (1980), eqs. 4-5, 8, 10-12.
* COST Action 231 final report, EUR 18957 (1999), section 4.4.1.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from towerplan.coverage.propagation import (
    cost231_db,
    effective_base_height_from_profile_m,
    effective_base_height_m,
    fspl_db,
    hata_db,
    hata_mobile_correction_db,
    mean_terrain_height_m,
    validity_issues,
)
from towerplan.coverage.validity import ModelInputWarning, ModelValidityWarning
from towerplan.errors import ModelInputError


@pytest.fixture(autouse=True)
def _no_stray_warnings():
    # every test below states the warnings it expects; anything else fails it
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ---------------------------------------------------------------- free space
def test_free_space_is_exact() -> None:
    # 1 km, 1000 MHz: 32.45 + 20*3 + 20*0 = 92.45 dB; 10 km, 100 MHz: 32.45 + 40 + 20 = 92.45 dB
    assert fspl_db(1000.0, 1000.0) == pytest.approx(92.45, abs=1e-12)
    assert fspl_db(10_000.0, 100.0) == pytest.approx(92.45, abs=1e-12)
    # doubling the distance adds 20 log 2 = 6.0206 dB
    out = fspl_db(np.array([1000.0, 2000.0]), 1000.0)
    assert isinstance(out, np.ndarray)
    assert out[1] - out[0] == pytest.approx(20 * np.log10(2.0), abs=1e-12)
    assert isinstance(fspl_db(1000, 900), float)


# --------------------------------------------------------------------- Hata
def test_hata_urban_medium_city() -> None:
    # f = 900 MHz, h_b = 50 m, h_m = 1.5 m, d = 10 km
    # log f = 2.954243, log h_b = 1.698970
    # a(h_m) = (1.1*2.954243 - 0.7)*1.5 - (1.56*2.954243 - 0.8) = 3.824501 - 3.808619 = 0.015882
    # L = 69.55 + 26.16*2.954243 - 13.82*1.698970 - 0.015882 + (44.9 - 6.55*1.698970)*log 10
    #   = 69.55 + 77.282984 - 23.479765 - 0.015882 + 33.771746 = 157.109083 dB
    assert hata_db(10_000.0, 900.0, 50.0, 1.5) == pytest.approx(157.1091, abs=0.01)
    assert hata_mobile_correction_db(900.0, 1.5) == pytest.approx(0.015882, abs=1e-5)


def test_hata_suburban_and_open() -> None:
    # same path; suburban: -2 (log(900/28))^2 - 5.4 = -2*1.507084^2 - 5.4 = -9.942607
    #   -> 157.109083 - 9.942607 = 147.166476 dB
    # open: -4.78*2.954243^2 + 18.33*2.954243 - 40.94 = -41.718 + 54.151 - 40.94 = -28.506418
    #   -> 157.109083 - 28.506418 = 128.602665 dB
    assert hata_db(10_000.0, 900.0, 50.0, 1.5, environment="suburban") == pytest.approx(147.1665, abs=0.01)
    assert hata_db(10_000.0, 900.0, 50.0, 1.5, environment="open") == pytest.approx(128.6027, abs=0.01)


def test_hata_large_city_below_200_mhz() -> None:
    # f = 150 MHz, h_b = 30 m, h_m = 3 m, d = 5 km, large city:
    # a(h_m) = 8.29 (log(1.54*3))^2 - 1.1 = 8.29*0.664642^2 - 1.1 = 2.562099
    # L = 69.55 + 26.16*2.176091 - 13.82*1.477121 - 2.562099 + (44.9 - 6.55*1.477121)*0.698970
    #   = 69.55 + 56.926547 - 20.413816 - 2.562099 + 35.224856*0.698970 = 128.121750 dB
    assert hata_mobile_correction_db(150.0, 3.0, city="large") == pytest.approx(2.562099, abs=1e-5)
    assert hata_db(5_000.0, 150.0, 30.0, 3.0, city="large") == pytest.approx(128.1218, abs=0.01)


def test_hata_large_city_above_400_mhz() -> None:
    # f = 900 MHz, h_b = 50 m, h_m = 3 m, d = 10 km, large city:
    # a(h_m) = 3.2 (log(11.75*3))^2 - 4.97 = 3.2*1.547159^2 - 4.97 = 2.689844
    # L = 69.55 + 77.282984 - 23.479765 - 2.689844 + 33.771746 = 154.435121 dB
    # (the medium-small city correction would be (1.1*2.954243-0.7)*3 - 3.808619 = 3.840382)
    assert hata_mobile_correction_db(900.0, 3.0, city="large") == pytest.approx(2.689844, abs=1e-5)
    assert hata_db(10_000.0, 900.0, 50.0, 3.0, city="large") == pytest.approx(154.4351, abs=0.01)
    assert hata_mobile_correction_db(900.0, 3.0, city="medium") == pytest.approx(3.840382, abs=1e-5)


def test_hata_large_city_between_200_and_400_mhz_is_interpolated_in_log_f() -> None:
    # Hata gives no formula there; towerplan interpolates linearly in log f:
    # at 300 MHz w = log(300/200)/log 2 = 0.584963, h_m = 3 m:
    # (1 - w)*2.562099 + w*2.689844 = 2.636825 dB; the ends match the two formulas.
    assert hata_mobile_correction_db(300.0, 3.0, city="large") == pytest.approx(2.636825, abs=1e-5)
    assert hata_mobile_correction_db(200.0, 3.0, city="large") == pytest.approx(
        8.29 * np.log10(4.62) ** 2 - 1.1, abs=1e-12)
    assert hata_mobile_correction_db(400.0, 3.0, city="large") == pytest.approx(
        3.2 * np.log10(35.25) ** 2 - 4.97, abs=1e-12)


# ----------------------------------------------------------------- COST-231
def test_cost231_medium_city_and_metropolitan() -> None:
    # f = 1800 MHz, h_b = 30 m, h_m = 1.5 m, d = 5 km
    # log f = 3.255273; a(h_m) = (1.1*3.255273 - 0.7)*1.5 - (1.56*3.255273 - 0.8) = 0.042975
    # L = 46.3 + 33.9*3.255273 - 13.82*1.477121 - 0.042975 + (44.9 - 6.55*1.477121)*0.698970
    #   = 46.3 + 110.353738 - 20.413816 - 0.042975 + 35.224856*0.698970 = 160.818065 dB; C_m = 3 -> 163.818065
    assert cost231_db(5_000.0, 1800.0, 30.0, 1.5) == pytest.approx(160.8181, abs=0.01)
    assert cost231_db(5_000.0, 1800.0, 30.0, 1.5, metropolitan=True) == pytest.approx(163.8181, abs=0.01)
    # f = 2000 MHz, h_b = 100 m, h_m = 5 m, d = 15 km, metropolitan:
    # a(h_m) = (1.1*3.301030 - 0.7)*5 - (1.56*3.301030 - 0.8) = 14.656665 - 4.350607 = 10.306058
    # L = 46.3 + 111.904917 - 27.64 - 10.306058 + (44.9 - 13.1)*1.176091 + 3 = 160.658561 dB
    assert cost231_db(15_000.0, 2000.0, 100.0, 5.0, metropolitan=True) == pytest.approx(160.6586, abs=0.01)


def test_models_broadcast_arrays() -> None:
    d = np.array([2_000.0, 5_000.0, 10_000.0])
    out = hata_db(d, 900.0, np.array([[30.0], [60.0]]), 1.5)
    assert out.shape == (2, 3)
    assert np.all(np.diff(out, axis=1) > 0)  # farther -> more loss
    assert np.all(out[1] < out[0])  # higher base -> less loss


# ------------------------------------------------------------- validity ranges
def test_validity_warnings_list_each_input_that_left_its_range() -> None:
    with pytest.warns(ModelValidityWarning) as record:
        hata_db(25_000.0, 2000.0, 20.0, 1.5)
    assert len(record) == 1
    issues = record[0].message.issues
    assert any(i.startswith("freq_mhz = 2000 MHz") for i in issues)
    assert any(i.startswith("distance_m = 25000 m") for i in issues)
    assert any(i.startswith("h_base_m = 20 m") for i in issues)
    assert not any(i.startswith("h_mobile_m") for i in issues)
    with pytest.warns(ModelValidityWarning, match="freq_mhz"):
        cost231_db(5_000.0, 900.0, 30.0, 1.5)
    with pytest.warns(ModelValidityWarning, match="h_mobile_m: 1 of 2 values outside 1-10 m"):
        cost231_db(5_000.0, 1800.0, 30.0, np.array([1.5, 15.0]))


def test_validity_issues_is_pure_and_empty_inside_the_ranges() -> None:
    assert validity_issues("hata", 10_000.0, 900.0, 50.0, 1.5) == []
    assert validity_issues("cost231", [1_000.0, 20_000.0], 1500.0, [30.0, 200.0], [1.0, 10.0]) == []
    assert validity_issues("hata", 500.0, 900.0, 50.0, 1.5) == ["distance_m = 500 m is outside 1000-20000 m"]
    with pytest.raises(ModelInputError):
        validity_issues("okumura", 1.0, 1.0, 1.0, 1.0)  # type: ignore[arg-type]


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "args",
    [(0.0, 900.0, 50.0, 1.5), (-10.0, 900.0, 50.0, 1.5), (1e4, float("nan"), 50.0, 1.5), (1e4, 900.0, 0.0, 1.5),
     (1e4, 900.0, 50.0, -1.5), (1e4, float("inf"), 50.0, 1.5)],
)
def test_scalar_bad_input_raises(args: tuple) -> None:
    with pytest.raises(ModelInputError):
        hata_db(*args)
    with pytest.raises(ValueError, match="positive finite"):
        cost231_db(*args)
    if args[0] <= 0 or not np.isfinite(args[1]):
        with pytest.raises(ModelInputError):
            fspl_db(args[0], args[1])


def test_array_bad_input_gives_nan_and_one_warning() -> None:
    d = np.array([1_000.0, 0.0, np.nan, 5_000.0])
    with pytest.warns(ModelInputWarning, match="2 of 4 results are NaN"):
        out = hata_db(d, 900.0, 50.0, 1.5)
    assert np.isnan(out[[1, 2]]).all()
    assert np.isfinite(out[[0, 3]]).all()
    with pytest.warns(ModelInputWarning, match="h_mobile_m"):
        out = cost231_db(5_000.0, 1800.0, 30.0, np.array([1.5, -1.0]))
    assert np.isnan(out[1])
    with pytest.raises(ModelInputError, match="environment"):
        hata_db(1e4, 900.0, 50.0, 1.5, environment="rural")  # type: ignore[arg-type]
    with pytest.raises(ModelInputError, match="broadcast"):
        hata_db(np.ones(3) * 1e4, np.ones(2) * 900.0, 50.0, 1.5)


# --------------------------------------------------------- effective heights
def test_mean_terrain_uses_3_to_15_km_or_the_far_80_percent() -> None:
    d = np.arange(0.0, 20_001.0, 1000.0)
    z = d / 100.0  # rises 10 m per km
    # samples 3..15 km: heights 30..150 m, mean 90 m
    assert mean_terrain_height_m(d, z) == pytest.approx(90.0)
    # a 10 km path: window 0.2 d .. d = 2..10 km, heights 20..100 m, mean 60 m
    assert mean_terrain_height_m(d[:11], z[:11]) == pytest.approx(60.0)


def test_effective_base_height() -> None:
    d = np.arange(0.0, 20_001.0, 500.0)
    flat = np.full(d.size, 250.0)
    # flat terrain: the effective height is the antenna height above ground
    assert effective_base_height_from_profile_m(d, flat, 35.0) == pytest.approx(35.0)
    # a 40 m mast on a hill 120 m above a plain: 40 + 370 - 250 = 160 m
    hill = flat.copy()
    hill[:4] = 370.0
    assert effective_base_height_from_profile_m(d, hill, 40.0) == pytest.approx(160.0)
    # in a valley 80 m below the surroundings the 30 m mast is effectively under the
    # terrain: clipped to the minimum
    assert effective_base_height_m(30.0, 170.0, 250.0, min_height_m=1.0) == 1.0
    assert effective_base_height_m(30.0, 170.0, 250.0, min_height_m=5.0) == 5.0
    with pytest.raises(ModelInputError):
        effective_base_height_from_profile_m(d, np.full(d.size, np.nan), 30.0)
