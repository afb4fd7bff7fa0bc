"""The Irregular Terrain Model (towerplan.coverage.itm).

Reference values: the 5 point-to-point and 5 area-mode cases shipped with NTIA/ITS's
ITM v1.4 reference implementation (github.com/NTIA/itm, commit 183ad95: p2p.csv,
pfls.csv, area.csv; US-government work, public domain), read from
../shared/reference/ntia-itm/. Everything else below is an invariant of the model
as published (Hufford, "The ITS Irregular Terrain Model, version 1.2.2, the
Algorithm"; Longley & Rice, ERL 79-ITS 67) -- never a number this code produced.
"""

from __future__ import annotations

import csv
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from towerplan.coverage.itm import (
    CLIMATES,
    ItmWarning,
    decode_itm_warnings,
    itm_area_cr_db,
    itm_area_db,
    itm_area_many_db,
    itm_p2p_cr_db,
    itm_p2p_db,
    itm_p2p_many_db,
    itm_p2p_radial_db,
)
from towerplan.coverage.validity import ModelInputWarning
from towerplan.errors import ModelInputError

NTIA = Path(__file__).resolve().parents[2] / "shared" / "reference" / "ntia-itm"


def _rows(name: str) -> list[dict[str, str]]:
    if not (NTIA / name).is_file():
        pytest.skip(f"NTIA ITM reference vectors absent: {NTIA / name} (see ../shared/reference/README.md)")
    with open(NTIA / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _p2p_cases() -> list[tuple[np.ndarray, dict, float]]:
    rows = _rows("p2p.csv")
    lines = (NTIA / "pfls.csv").read_text(encoding="utf-8").strip().splitlines()
    cases = []
    for row, line in zip(rows, lines, strict=True):
        kwargs = {
            "h_tx_m": float(row["h_tx__meter"]), "h_rx_m": float(row["h_rx__meter"]),
            "freq_mhz": float(row["f__mhz"]), "climate": int(row["climate"]), "n0": float(row["N_0"]),
            "epsilon": float(row["epsilon"]), "sigma": float(row["sigma"]), "polarization": int(row["pol"]),
            "mdvar": int(row["mdvar"]), "time_pct": float(row["time"]), "location_pct": float(row["location"]),
            "situation_pct": float(row["situation"]),
        }
        cases.append((np.array([float(v) for v in line.split(",")]), kwargs, float(row["A__db"])))
    return cases


def _flat_pfl(length_m: float, n: int = 100, height_m: float = 0.0) -> np.ndarray:
    return np.concatenate([[n, length_m / n], np.full(n + 1, height_m)])


# ----------------------------------------------------------- NTIA reference vectors
@pytest.mark.parametrize("case", range(5))
def test_p2p_matches_ntia_reference(case: int) -> None:
    # NTIA's expected A__db are rounded to 0.01 dB (its README: "match to 0.01 dB");
    # the issue asks for 0.1 dB. Case 0 is a 368 km troposcatter path, 1-2 line of
    # sight, 3-4 diffraction: together they cover every branch of the p2p model.
    pfl, kwargs, expected = _p2p_cases()[case]
    result = itm_p2p_db(pfl, **kwargs)
    assert result.loss_db == pytest.approx(expected, abs=0.01)
    assert result.free_space_db == pytest.approx(
        32.45 + 20 * math.log10(kwargs["freq_mhz"]) + 20 * math.log10(pfl[0] * pfl[1] / 1000), abs=1e-9
    )


def test_p2p_reference_cases_cover_every_propagation_mode() -> None:
    modes = {itm_p2p_db(pfl, **kw).propagation_mode for pfl, kw, _ in _p2p_cases()}
    assert modes == {"line_of_sight", "diffraction", "troposcatter"}


@pytest.mark.parametrize("case", range(5))
def test_area_matches_ntia_reference(case: int) -> None:
    # NTIA's area-mode values are rounded to 0.1 dB: ours must round to the same.
    row = _rows("area.csv")[case]
    result = itm_area_db(
        float(row["d__km"]) * 1000.0,
        h_tx_m=float(row["h_tx__meter"]), h_rx_m=float(row["h_rx__meter"]),
        delta_h_m=float(row["delta_h__meter"]), freq_mhz=float(row["f__mhz"]),
        tx_siting=int(row["tx_siting_criteria"]), rx_siting=int(row["rx_siting_criteria"]),
        climate=int(row["climate"]), n0=float(row["N_0"]), epsilon=float(row["epsilon"]),
        sigma=float(row["sigma"]), polarization=int(row["pol"]), mdvar=int(row["mdvar"]),
        time_pct=float(row["time"]), location_pct=float(row["location"]), situation_pct=float(row["situation"]),
    )
    assert abs(result.loss_db - float(row["A__db"])) <= 0.05 + 1e-9


def test_batch_and_radial_forms_agree_with_single_calls() -> None:
    cases = _p2p_cases()
    pfl, kwargs, _ = cases[2]  # 280 intervals, line of sight
    shared = {k: v for k, v in kwargs.items() if k not in ("h_tx_m", "h_rx_m")}
    batch = itm_p2p_many_db([c[0] for c in cases[2:4]], h_tx_m=kwargs["h_tx_m"], h_rx_m=kwargs["h_rx_m"], **shared)
    for k, (p, _, _) in enumerate(cases[2:4]):
        single = itm_p2p_db(p, **{**shared, "h_tx_m": kwargs["h_tx_m"], "h_rx_m": kwargs["h_rx_m"]})
        assert batch.loss_db[k] == pytest.approx(single.loss_db, abs=1e-9)
    radial = itm_p2p_radial_db(pfl, first_index=2, **kwargs)
    n = int(pfl[0])
    assert np.isnan(radial.loss_db[:2]).all()
    for i in (2, 3, 17, n // 2, n - 1, n):
        sub = np.concatenate([[i, pfl[1]], pfl[2 : i + 3]])
        assert radial.loss_db[i] == pytest.approx(itm_p2p_db(sub, **kwargs).loss_db, abs=1e-6)
    assert radial.distance_m[n] == pytest.approx(pfl[0] * pfl[1])


# ---------------------------------------------------------------- invariants
def test_short_clear_path_over_flat_earth_is_free_space() -> None:
    # High antennas (100 m) over flat ground 1-5 km apart are well within line of
    # sight: ITM's two-ray/diffraction blend gives no attenuation below free space
    # (A_ref is clamped at 0) and the median climate term V_med -> 0 as d_e -> 0
    # ([Algorithm 5.5]: V_med ~ d_e^2). So the loss is free space (ITU-R P.525).
    for freq in (100.0, 900.0, 2400.0):
        for dist in (1e3, 2e3, 5e3):
            r = itm_p2p_db(_flat_pfl(dist), h_tx_m=100, h_rx_m=100, freq_mhz=freq)
            assert r.propagation_mode == "line_of_sight"
            assert r.a_ref_db == 0.0
            assert r.loss_db == pytest.approx(32.45 + 20 * math.log10(freq) + 20 * math.log10(dist / 1e3), abs=0.05)


@pytest.mark.parametrize("climate", sorted(CLIMATES))
def test_area_loss_grows_with_distance_through_all_three_regions(climate: str) -> None:
    # 1-1000 km with a 30 m base and 2 m mobile over "average terrain" (90 m):
    # the loss must rise monotonically across line of sight, diffraction and
    # troposcatter, in every radio climate.
    d = np.geomspace(1e3, 1000e3, 300)
    res = itm_area_many_db(d, h_tx_m=30, h_rx_m=2, delta_h_m=90, freq_mhz=900, climate=climate)
    assert res.ok.all()
    assert np.all(np.diff(res.loss_db) > 0)
    assert set(np.unique(res.propagation_mode)) == {1, 2, 3}
    # higher time quantile = a loss exceeded less often = larger
    quantiles = [itm_area_db(150e3, h_tx_m=30, h_rx_m=2, delta_h_m=90, freq_mhz=900, climate=climate,
                             time_pct=t).loss_db for t in (10, 50, 90, 99)]
    assert np.all(np.diff(quantiles) > 0)


def test_los_diffraction_boundary_is_continuous() -> None:
    # Area mode, random siting: h_e = h, and the smooth-earth line-of-sight distance is
    # d_sML = sqrt(2 h_1 a_e) + sqrt(2 h_2 a_e) with a_e = 1 / gamma_e,
    # gamma_e = 157e-9 (1 - 0.04665 exp(N_s / 179.3)), N_s = N_0 [Algorithm 3.1-3.5].
    # ITM fits its line-of-sight curve through A(d_sML), so the loss is continuous there.
    a_e = 1.0 / (157e-9 * (1.0 - 0.04665 * math.exp(301.0 / 179.3)))
    d_sml = math.sqrt(2 * 30 * a_e) + math.sqrt(2 * 10 * a_e)  # ~35.8 km
    kw = {"h_tx_m": 30, "h_rx_m": 10, "delta_h_m": 50, "freq_mhz": 450}
    before = itm_area_db(d_sml * (1 - 1e-7), **kw)
    after = itm_area_db(d_sml * (1 + 1e-7), **kw)
    assert (before.propagation_mode, after.propagation_mode) == ("line_of_sight", "diffraction")
    assert after.loss_db == pytest.approx(before.loss_db, abs=0.01)


def test_diffraction_troposcatter_boundary_is_continuous() -> None:
    # The troposcatter line starts where it meets the diffraction line (d_x)
    # [Algorithm 4.28]: find the switch by bisection and compare both sides.
    kw = {"h_tx_m": 30, "h_rx_m": 2, "delta_h_m": 90, "freq_mhz": 900}
    lo, hi = 60e3, 300e3
    assert itm_area_db(lo, **kw).propagation_mode == "diffraction"
    assert itm_area_db(hi, **kw).propagation_mode == "troposcatter"
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if itm_area_db(mid, **kw).propagation_mode == "diffraction":
            lo = mid
        else:
            hi = mid
    assert itm_area_db(hi, **kw).loss_db == pytest.approx(itm_area_db(lo, **kw).loss_db, abs=0.01)


def test_higher_base_antenna_gives_lower_loss_beyond_the_horizon() -> None:
    # 50 km, 2 m mobile: raising the base from 3 m to 1 km only clears more terrain.
    for delta_h in (0, 30, 90, 200):
        losses = [itm_area_db(50e3, h_tx_m=h, h_rx_m=2, delta_h_m=delta_h, freq_mhz=900).loss_db
                  for h in (3, 10, 30, 100, 300, 1000)]
        assert np.all(np.diff(losses) < 0), delta_h


def test_more_refractive_air_bends_more_energy_over_the_horizon() -> None:
    # N_0 raises the effective earth radius (less earth bulge) and the troposcatter
    # efficiency: loss falls as N_0 rises, both in diffraction (60 km) and
    # troposcatter (400 km).
    for d in (60e3, 400e3):
        losses = [itm_area_db(d, h_tx_m=30, h_rx_m=2, delta_h_m=90, freq_mhz=900, n0=n).loss_db
                  for n in (250, 301, 350, 400)]
        assert np.all(np.diff(losses) < 0)


def test_p2p_every_climate_changes_only_the_variability() -> None:
    # The climate enters ITM only through the variability curves [Algorithm 5]:
    # A_ref is the same, the quantiles are ordered, for all 7 climates, here on the
    # 368 km troposcatter reference profile with low (10 m / 1 m) antennas.
    pfl, kwargs, _ = _p2p_cases()[0]
    refs = set()
    for climate in range(1, 8):
        kw = {**kwargs, "climate": climate, "mdvar": 2, "situation_pct": 50.0}
        res = [itm_p2p_db(pfl, **{**kw, "time_pct": t}) for t in (10, 50, 90)]
        refs.add(round(res[0].a_ref_db, 9))
        assert res[0].loss_db < res[1].loss_db < res[2].loss_db
    assert len(refs) == 1


def test_mdvar_modes_ignore_the_quantiles_they_fold_away() -> None:
    # [Algorithm 5; NTIA README]: mdvar 0 (single message) uses the situation
    # quantile for all three; 1 (accidental) and 2 (mobile) ignore location;
    # +10 removes location variability; 3 (broadcast) uses all three.
    pfl, kwargs, _ = _p2p_cases()[3]

    def loss(**kw: float) -> float:
        return itm_p2p_db(pfl, **{**kwargs, **kw}).loss_db

    assert loss(mdvar=0, time_pct=10, location_pct=10) == loss(mdvar=0, time_pct=90, location_pct=90)
    assert loss(mdvar=1, location_pct=10) == loss(mdvar=1, location_pct=90)
    assert loss(mdvar=2, location_pct=10) == loss(mdvar=2, location_pct=90)
    assert loss(mdvar=13, location_pct=10) == loss(mdvar=13, location_pct=90)
    assert loss(mdvar=3, location_pct=10) < loss(mdvar=3, location_pct=90)


def test_confidence_reliability_form_maps_to_time_location_situation() -> None:
    # NTIA's ITM_P2P_CR / ITM_AREA_CR: time = reliability, location = 50, situation = confidence.
    pfl, kwargs, _ = _p2p_cases()[1]
    base = {k: v for k, v in kwargs.items() if not k.endswith("_pct")}
    cr = itm_p2p_cr_db(pfl, confidence_pct=80, reliability_pct=95, **base)
    tls = itm_p2p_db(pfl, time_pct=95, location_pct=50, situation_pct=80, **base)
    assert cr.loss_db == tls.loss_db
    area = {"h_tx_m": 30, "h_rx_m": 2, "delta_h_m": 90, "freq_mhz": 900}
    assert itm_area_cr_db(40e3, confidence_pct=70, reliability_pct=90, **area).loss_db == itm_area_db(
        40e3, time_pct=90, location_pct=50, situation_pct=70, **area).loss_db


def test_p2p_is_reciprocal() -> None:
    # Swapping the terminals (reversed profile, swapped heights) leaves every ITM
    # formula unchanged except the resampling grid of Delta h, which starts at the
    # transmitter [Algorithm 3.11]; the loss may differ by a few hundredths of a dB.
    for pfl, kwargs, _ in _p2p_cases():
        rev = np.concatenate([pfl[:2], pfl[2:][::-1]])
        swapped = {**kwargs, "h_tx_m": kwargs["h_rx_m"], "h_rx_m": kwargs["h_tx_m"]}
        assert itm_p2p_db(rev, **swapped).loss_db == pytest.approx(itm_p2p_db(pfl, **kwargs).loss_db, abs=0.1)


def test_names_and_codes_are_interchangeable() -> None:
    pfl, kwargs, _ = _p2p_cases()[2]
    by_code = itm_p2p_db(pfl, **kwargs)
    names = {v: k for k, v in CLIMATES.items()}
    by_name = itm_p2p_db(pfl, **{**kwargs, "climate": names[kwargs["climate"]],
                                 "polarization": ["horizontal", "vertical"][kwargs["polarization"]]})
    assert by_name == by_code


# ------------------------------------------------------------------ warnings
def test_warning_flags_follow_their_definitions() -> None:
    # a 500 m path (< 1 km), a 0.7 m antenna (< 1 m) and 30 MHz (< 40 MHz) are each
    # flagged by ITM's input checks [NTIA ITM ValidateInputs / LongleyRice].
    r = itm_p2p_db(_flat_pfl(500.0, 50), h_tx_m=0.7, h_rx_m=2, freq_mhz=30)
    flags = ItmWarning(r.warnings)
    assert ItmWarning.PATH_DISTANCE_TOO_SMALL_2 in flags
    assert ItmWarning.TX_TERMINAL_HEIGHT in flags
    assert ItmWarning.FREQUENCY in flags
    assert "path shorter than 1 km: treat the result with care" in r.warning_messages
    assert decode_itm_warnings(0) == []
    extreme = itm_area_db(20e3, h_tx_m=30, h_rx_m=2, delta_h_m=90, freq_mhz=900, time_pct=99.95)
    assert ItmWarning.EXTREME_VARIABILITIES in ItmWarning(extreme.warnings)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"h_tx_m": 0.0}, "h_tx_m"),
        ({"h_rx_m": float("nan")}, "h_rx_m"),
        ({"freq_mhz": 10.0}, "freq_mhz"),
        ({"climate": 8}, "climate"),
        ({"climate": "tropical"}, "climate"),
        ({"polarization": "circular"}, "polarization"),
        ({"mdvar": 5}, "mdvar"),
        ({"time_pct": 0.0}, "time_pct"),
        ({"location_pct": 100.0}, "location_pct"),
        ({"n0": 200.0}, "n0"),
        ({"epsilon": 0.5}, "epsilon"),
        ({"sigma": 0.0}, "sigma"),
    ],
)
def test_p2p_rejects_bad_parameters(change: dict, match: str) -> None:
    with pytest.raises(ModelInputError, match=match):
        itm_p2p_db(_flat_pfl(10e3), **{"h_tx_m": 30.0, "h_rx_m": 2.0, "freq_mhz": 900.0, **change})


def test_p2p_lists_every_problem_at_once() -> None:
    with pytest.raises(ValueError, match=r"climate.*freq_mhz.*h_tx_m") as info:
        itm_p2p_db(_flat_pfl(10e3), h_tx_m=-1.0, h_rx_m=2.0, freq_mhz=0.0, climate=0)
    assert isinstance(info.value, ModelInputError)


@pytest.mark.parametrize(
    "pfl",
    [
        [10, 100.0, 1, 2, 3],  # header says 10 intervals, 3 heights follow
        [2, -100.0, 1, 2, 3],  # negative step
        [2, 100.0, 1, float("nan"), 3],  # NaN elevation
        [0, 100.0, 1],  # no interval
        [[2, 100.0, 1, 2, 3]],  # 2-D
    ],
)
def test_p2p_rejects_malformed_profiles(pfl: list) -> None:
    with pytest.raises(ModelInputError):
        itm_p2p_db(pfl, h_tx_m=10, h_rx_m=2, freq_mhz=900)


def test_vectorised_forms_return_nan_and_warn_for_bad_elements() -> None:
    good = _flat_pfl(10e3)
    bad = good.copy()
    bad[40] = np.nan
    with pytest.warns(ModelInputWarning, match="1 of 3"):
        res = itm_p2p_many_db([good, bad, good], h_tx_m=30, h_rx_m=2, freq_mhz=900)
    assert np.isfinite(res.loss_db[[0, 2]]).all()
    assert np.isnan(res.loss_db[1])
    assert list(res.errors) == [0, 2001, 0]
    with pytest.warns(ModelInputWarning):
        res = itm_p2p_many_db([good, good], h_tx_m=np.array([30.0, 0.1]), h_rx_m=2, freq_mhz=900)
    assert list(res.errors) == [0, 1000]
    with pytest.warns(ModelInputWarning):
        radial = itm_p2p_radial_db(bad, h_tx_m=30, h_rx_m=2, freq_mhz=900)
    assert np.isfinite(radial.loss_db[1:38]).all()
    assert np.isnan(radial.loss_db[38:]).all()
    with pytest.warns(ModelInputWarning, match="path distance"):
        area = itm_area_many_db([0.0, 10e3, -5.0], h_tx_m=30, h_rx_m=2, delta_h_m=90, freq_mhz=900)
    assert np.isnan(area.loss_db[[0, 2]]).all()
    assert np.isfinite(area.loss_db[1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert itm_area_many_db([10e3], h_tx_m=30, h_rx_m=2, delta_h_m=90, freq_mhz=900).ok.all()


def test_vectorised_forms_reject_malformed_calls() -> None:
    good = _flat_pfl(10e3)
    for first in (0, 101, 2.5):
        with pytest.raises(ModelInputError, match="first_index"):
            itm_p2p_radial_db(good, h_tx_m=30, h_rx_m=2, freq_mhz=900, first_index=first)
    with pytest.raises(ModelInputError, match="profile 1"):
        itm_p2p_many_db([good, [np.nan, 100.0, 1.0, 2.0]], h_tx_m=30, h_rx_m=2, freq_mhz=900)
    with pytest.raises(ModelInputError, match="climate"):
        itm_p2p_many_db([good], h_tx_m=30, h_rx_m=2, freq_mhz=900, climate=0)


def test_area_rejects_bad_inputs() -> None:
    kw = {"h_tx_m": 30.0, "h_rx_m": 2.0, "delta_h_m": 90.0, "freq_mhz": 900.0}
    for distance in (0.0, -1.0, float("nan")):
        with pytest.raises(ModelInputError, match="distance"):
            itm_area_db(distance, **kw)
    with pytest.raises(ModelInputError, match="delta_h_m"):
        itm_area_db(10e3, **{**kw, "delta_h_m": -1.0})
    with pytest.raises(ModelInputError, match="tx_siting"):
        itm_area_db(10e3, tx_siting="sloppy", **kw)
    with pytest.raises(TypeError, match="delta_h_m"):
        itm_area_many_db([1e4], h_tx_m=30, h_rx_m=2, freq_mhz=900)
