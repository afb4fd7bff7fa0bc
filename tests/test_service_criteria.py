"""Service criteria per technology and class (towerplan.coverage.criteria), Jakes' area reliability, and the
one threshold the study derives from them (towerplan.study.service)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest
from affine import Affine

from towerplan.cli import main
from towerplan.coverage.building_loss import p2109_building_entry_loss_db
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.criteria import (
    MIN_LEVEL_DBM,
    ServiceSettings,
    area_reliability,
    edge_probability_for_area,
    primary_technology,
    shadowing_margin_db,
)
from towerplan.coverage.linkbudget import LinkBudget
from towerplan.errors import ConfigError
from towerplan.grid import Grid
from towerplan.i18n_service import SERVICE_EN, SERVICE_VI
from towerplan.rasters import write_grid
from towerplan.study import ScenarioError, load_scenario, save_scenario
from towerplan.study.service import criterion_record
from towerplan.study.settings import StudySettings

Z75 = NormalDist().inv_cdf(0.75)  # 0.6745


# ------------------------------------------------------------------ Jakes' area reliability
# The defining integral (Jakes 1974 §2.5, after Reudink; Rappaport 2nd ed. §4.10.2): with the
# mean level 10 n log10(R/r) dB above its edge value and log-normal shadowing σ, the fraction of a disc of
# radius R above the threshold is F_u = (2/R²) ∫0^R r Φ(z_p + 10 n log10(R/r)/σ) dr, z_p = Φ⁻¹(p_edge).
# Checked here without the closed form: adaptive quadrature of that integral, and a Monte Carlo draw of
# the model itself (uniform points in the disc, normal shadowing).
def _area_by_quadrature(p_edge: float, sigma: float, n: float) -> float:
    from scipy.integrate import quad
    from scipy.special import ndtr, ndtri

    z = float(ndtri(p_edge))

    def integrand(u: float) -> float:  # u = r/R
        return 2.0 * u * float(ndtr(z - 10.0 * n * np.log10(u) / sigma)) if u > 0 else 0.0

    value, err = quad(integrand, 0.0, 1.0, epsabs=1e-12, epsrel=1e-12, limit=200)
    assert err < 1e-9
    return value


def _area_by_monte_carlo(p_edge: float, sigma: float, n: float, draws: int = 400_000) -> float:
    rng = np.random.default_rng(2026)
    r = np.sqrt(rng.random(draws))  # uniform over the disc's area (r/R)
    edge_mean = sigma * NormalDist().inv_cdf(p_edge)  # mean level at the edge, dB above the threshold
    level = edge_mean - 10.0 * n * np.log10(r) + sigma * rng.standard_normal(draws)
    return float(np.mean(level >= 0.0))


SIGMA_OVER_N = (0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)
EDGE_PROBABILITIES = (0.3, 0.5, 0.6, 0.75, 0.9, 0.95, 0.99)


def test_closed_form_equals_the_defining_integral_over_a_grid():
    """126 points: σ/n from 0.25 to 8, for n = 2.5 and 4, and edge probabilities 30-99 %."""
    worst = 0.0
    for ratio in SIGMA_OVER_N:
        for p in EDGE_PROBABILITIES:
            for n in (2.5, 4.0):
                got = area_reliability(p, ratio * n, n)
                worst = max(worst, abs(got - _area_by_quadrature(p, ratio * n, n)))
    assert worst < 1e-9


@pytest.mark.parametrize(("p_edge", "ratio"), [(0.5, 2.0), (0.75, 2.0), (0.9, 1.0), (0.75, 6.0)])
def test_closed_form_equals_a_simulation_of_the_model(p_edge, ratio):
    # 400,000 draws: standard error below 0.0008
    assert area_reliability(p_edge, 4.0 * ratio, 4.0) == pytest.approx(_area_by_monte_carlo(p_edge, 4.0 * ratio,
                                                                                            4.0), abs=0.003)


@pytest.mark.parametrize(("p_edge", "sigma", "n", "published"), [
    # Jakes, Microwave Mobile Communications (1974), Fig. 2.5-1, the curves of F_u against σ/n per edge
    # probability, also Rappaport, Wireless Communications 2nd ed., Fig. 4.18 and §4.10.2; values as read
    # from the curves (two digits), each confirmed by the quadrature above:
    (0.75, 8.0, 4.0, 0.90),  # σ/n = 2, 75 % at the edge: ~90 % of the area (the classic design pair)
    (0.50, 8.0, 4.0, 0.77),  # σ/n = 2, 50 % at the edge: ~77 %
    (0.50, 8.0, 2.0, 0.67),  # σ/n = 4, 50 %: ~67 % (Rappaport's "n = 2, σ = 8 dB" reading)
    (0.90, 8.0, 4.0, 0.97),  # σ/n = 2, 90 %: ~97 %
    (0.50, 0.0001, 4.0, 1.00),  # σ/n -> 0: every point inside the edge is above it
])
def test_area_reliability_matches_the_published_curve_values(p_edge, sigma, n, published):
    assert area_reliability(p_edge, sigma, n) == pytest.approx(published, abs=0.012)
    if sigma > 0.01:
        assert _area_by_quadrature(p_edge, sigma, n) == pytest.approx(published, abs=0.012)


def test_area_reliability_tends_to_the_edge_probability_as_shadowing_dominates():
    # σ/n -> infinity: the mean's slope no longer matters, every point is served with the edge's probability
    for p in (0.3, 0.5, 0.75, 0.9):
        assert area_reliability(p, 30.0, 1.0) == pytest.approx(p, abs=0.1)
        assert area_reliability(p, 30.0, 1.0) > p
    # F_u grows with the edge probability and falls with σ/n
    for ratio in SIGMA_OVER_N:
        values = [area_reliability(p, 4.0 * ratio, 4.0) for p in EDGE_PROBABILITIES]
        assert values == sorted(values)
    for p in EDGE_PROBABILITIES:
        values = [area_reliability(p, 4.0 * ratio, 4.0) for ratio in SIGMA_OVER_N]
        assert values == sorted(values, reverse=True)


def test_area_reliability_limits_and_inverse():
    assert area_reliability(0.5, 0.0, 3.5) == 1.0  # no shadowing: everything inside the edge is served
    assert area_reliability(0.5, 1e-3, 3.5) == pytest.approx(1.0, abs=1e-3)  # stays finite as σ/n -> 0
    assert area_reliability(0.99, 8, 3.5) > area_reliability(0.9, 8, 3.5) > area_reliability(0.75, 8, 3.5) > 0.75
    p = edge_probability_for_area(0.90, 8.0, 4.0)
    assert area_reliability(p, 8.0, 4.0) == pytest.approx(0.90, abs=1e-8)
    assert 0.70 < p < 0.76  # the classic 75 % edge / 90 % area pair
    with pytest.raises(ConfigError):
        area_reliability(1.0, 8, 3.5)
    with pytest.raises(ConfigError):
        area_reliability(0.75, 8, 0.5)


def test_margin_is_sigma_times_the_normal_quantile():
    assert shadowing_margin_db(0.95, 8.0) == pytest.approx(13.16, abs=0.01)  # 1.645 σ
    assert shadowing_margin_db(0.5, 8.0) == 0.0
    assert shadowing_margin_db(0.75, 6.0) == pytest.approx(6.0 * Z75)
    assert shadowing_margin_db(0.9, 8.0) == pytest.approx(LinkBudget(shadowing_sigma_db=8.0,
                                                                      location_probability=0.9).shadowing_margin_db)


# ------------------------------------------------------------------ the criteria and their defaults
def test_default_outdoor_criteria_per_technology():
    crit = ServiceSettings().criteria()
    assert [c.quantity for c in crit.values()] == ["RxLev", "RSCP", "RSRP", "SS-RSRP"]
    assert {t: c.min_level_dbm for t, c in crit.items()} == {"2G": -102.0, "3G": -110.0, "4G": -110.0, "5G": -107.0}
    four = crit["4G"]
    assert (four.sigma_db, four.sigma_source) == (6.0, "default (rural)")
    assert four.extra_loss_db == 0.0
    assert four.margin_db == pytest.approx(6.0 * Z75)
    assert four.required_median_dbm == pytest.approx(-110.0 + 6.0 * Z75)
    assert crit["2G"].body_loss_db == 3.0  # voice at the head
    assert crit["2G"].required_median_dbm == pytest.approx(-102.0 + 3.0 + 6.0 * Z75)
    assert four.area_reliability == pytest.approx(area_reliability(0.75, 6.0, 3.5))


def test_indoor_takes_p2109_at_the_chosen_probability_and_building_type():
    s = ServiceSettings(service_class="indoor", building_type="thermally_efficient", building_probability=0.7)
    c = s.criterion("4G")
    assert c.building_entry_loss_db == pytest.approx(float(p2109_building_entry_loss_db(1800.0, 0.7,
                                                                                           "thermally_efficient")))
    assert c.building_entry_loss_db > 25.0  # metallised glass: far more than a traditional house
    median = ServiceSettings(service_class="indoor").criterion("4G", freq_mhz=2600.0)
    assert median.building_entry_loss_db == pytest.approx(float(p2109_building_entry_loss_db(2600.0, 0.5)))
    assert c.required_median_dbm == pytest.approx(-110.0 + c.building_entry_loss_db + c.margin_db)


def test_in_car_adds_the_car_loss_and_its_spread_to_sigma():
    c = ServiceSettings(service_class="in_car", environment="urban").criterion("4G")
    assert c.in_car_loss_db == 9.0
    assert c.sigma_db == pytest.approx(math.hypot(8.0, 5.0))
    assert c.required_median_dbm == pytest.approx(-110.0 + 9.0 + math.hypot(8.0, 5.0) * Z75)


def test_sigma_precedence_and_overrides():
    assert ServiceSettings(calibration_sigma_db=10.1).sigma() == (10.1, "calibration")
    assert ServiceSettings(sigma_db=5.0, calibration_sigma_db=10.1).sigma() == (5.0, "given")
    assert ServiceSettings(environment="urban").sigma() == (8.0, "default (urban)")
    c = ServiceSettings(min_level_4g_dbm=-105.0, body_loss_db=1.0, location_probability=0.5).criterion("4g")
    assert c.required_median_dbm == pytest.approx(-104.0)
    with pytest.raises(ConfigError, match="service_class"):
        ServiceSettings(service_class="underground")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="min_level_3g_dbm"):
        ServiceSettings(min_level_3g_dbm=10.0)
    with pytest.raises(ConfigError, match="location_probability"):
        ServiceSettings(location_probability=1.0)
    assert primary_technology(("2G", "3G")) == "3G"
    assert primary_technology(None) == "4G"


# ------------------------------------------------------------------ the study's one threshold
def test_study_settings_derive_the_threshold_and_offsets():
    service = ServiceSettings(service_class="indoor")
    s = StudySettings.create(technologies=None, service=service)
    crit = service.criteria()
    assert s.threshold_dbm == pytest.approx(crit["4G"].required_median_dbm)
    assert s.gaps.threshold_dbm == s.threshold_dbm
    for tech in ("2G", "3G", "5G"):  # each technology is compared with its own required level
        assert s.coverage.level_offsets_db[tech] == pytest.approx(crit["4G"].required_median_dbm
                                                                  - crit[tech].required_median_dbm)
    only_2g = s.replace(technologies=("2G",))
    assert only_2g.threshold_dbm == pytest.approx(crit["2G"].required_median_dbm)
    fixed = s.replace(service=None)
    assert fixed.coverage.level_offsets_db == {}


def test_study_settings_refuse_contradictions():
    service = ServiceSettings()
    derived = StudySettings.create(service=service).coverage
    with pytest.raises(ConfigError, match="contradicts"):
        StudySettings(coverage=CoverageConfig(threshold_dbm=-100.0), service=service,
                      gaps=StudySettings.create(coverage=CoverageConfig(threshold_dbm=-100.0)).gaps)
    with pytest.raises(ConfigError, match="indoor_loss_db"):
        StudySettings.create(coverage=CoverageConfig(link_budget=LinkBudget(indoor_loss_db=15.0)), service=service)
    with pytest.raises(ConfigError, match="level_offsets_db"):
        StudySettings(coverage=CoverageConfig(level_offsets_db={"2G": 3.0}))
    assert StudySettings(coverage=derived, service=service, gaps=StudySettings.create(coverage=derived).gaps)


def test_criterion_record_says_what_served_means():
    s = StudySettings.create(service=ServiceSettings(service_class="indoor", location_probability=0.9))
    rec = criterion_record(s.coverage, s.service, s.technologies)
    assert rec["mode"] == "service criteria"
    four = rec["technologies"]["4G"]
    assert (four["quantity"], four["min_level_dbm"], rec["service_class"]) == ("RSRP", -110.0, "indoor")
    assert four["location_probability"] == 0.9
    assert four["required_median_dbm"] == pytest.approx(s.threshold_dbm, abs=0.01)
    assert four["margin_db"] == pytest.approx(6.0 * NormalDist().inv_cdf(0.9), abs=0.01)
    legacy = criterion_record(CoverageConfig(), None, ("4G",))
    assert legacy["mode"] == "fixed threshold"
    assert legacy["technologies"]["4G"]["margin_db"] == 0.0


# ------------------------------------------------------------------ scenario files
INPUTS = '[inputs]\ndem = "dem.tif"\npopulation = "pop.tif"\nstations = "stations.csv"\n'


def _scenario(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("dem.tif", "pop.tif", "stations.csv"):
        (folder / name).write_text("x")
    path = folder / "scenario.toml"
    path.write_text(INPUTS + text, encoding="utf-8")
    return path


def test_scenario_service_table_round_trips(tmp_path):
    s = load_scenario(_scenario(tmp_path, '[coverage]\ntechnologies = ["4G"]\n[service]\nclass = "indoor"\n'
                                          'location_probability = 0.9\nmin_level_4g_dbm = -105.0\n'))
    assert s.settings.service == ServiceSettings(service_class="indoor", location_probability=0.9,
                                                 min_level_4g_dbm=-105.0)
    assert s.coverage.threshold_dbm == pytest.approx(s.settings.criteria["4G"].required_median_dbm)
    again = load_scenario(save_scenario(s, tmp_path / "saved.toml"))
    assert again.settings == s.settings
    assert "threshold_dbm" not in (tmp_path / "saved.toml").read_text(encoding="utf-8").split("[gaps]")[0]


def test_scenario_refuses_a_threshold_beside_service(tmp_path):
    with pytest.raises(ScenarioError, match=r"coverage.threshold_dbm contradicts \[service\]"):
        load_scenario(_scenario(tmp_path, '[coverage]\nthreshold_dbm = -100.0\n[service]\nclass = "indoor"\n'))
    with pytest.raises(ScenarioError, match=r"coverage.link_budget.indoor_loss_db = 12.0 contradicts \[service\]"):
        load_scenario(_scenario(tmp_path, '[coverage.link_budget]\nindoor_loss_db = 12.0\n[service]\n'))
    with pytest.raises(ScenarioError, match=r"service\.class: expected one of"):
        load_scenario(_scenario(tmp_path, '[service]\nclass = "underwater"\n'))


def test_scenario_with_only_a_fixed_threshold_keeps_it(tmp_path):
    s = load_scenario(_scenario(tmp_path, "[coverage]\nthreshold_dbm = -100.0\n"))
    assert s.settings.service is None
    assert s.coverage.threshold_dbm == -100.0
    default = load_scenario(_scenario(tmp_path / "b", ""))
    assert default.settings.service == ServiceSettings()


def test_scenario_takes_sigma_from_its_calibration(tmp_path):
    cal = {"format": "towerplan-calibration", "groups": [], "cells": [], "shadowing_sigma_db": 10.1}
    _scenario(tmp_path, "")
    (tmp_path / "calibration.json").write_text(json.dumps(cal), encoding="utf-8")
    path = tmp_path / "scenario.toml"
    path.write_text(INPUTS + 'calibration = "calibration.json"\n[service]\nclass = "outdoor"\n', encoding="utf-8")
    s = load_scenario(path)
    c = s.settings.criteria["4G"]
    assert (c.sigma_db, c.sigma_source) == (10.1, "calibration")
    assert s.coverage.threshold_dbm == pytest.approx(-110.0 + 10.1 * Z75)
    path.write_text(INPUTS + 'calibration = "calibration.json"\n[service]\nsigma_db = 7.0\n', encoding="utf-8")
    assert load_scenario(path).settings.criteria["4G"].sigma_source == "given"


# ------------------------------------------------------------------ towerplan gaps for one technology and class
X0, Y0, RES, N = 500_000.0, 2_200_000.0, 30.0, 40


def _write(values: np.ndarray, path: Path) -> None:
    write_grid(Grid(values, Affine(RES, 0, X0, 0, -RES, Y0), 32648, np.nan), path, dtype="float32",
               nodata=float("nan"))


def test_gaps_command_for_indoor_4g(tmp_path, capsys):
    cov = tmp_path / "cov"
    cov.mkdir()
    level = np.full((N, N), np.nan, dtype=np.float32)
    level[:, :10] = -85.0  # strong enough indoors
    level[:, 10:20] = -100.0  # outdoors only
    _write(level, cov / "rsrp_viettel_dbm.tif")
    _write(np.ones((N, N), dtype=np.float32), tmp_path / "pop.tif")
    base = ["gaps", "--coverage", str(cov), "--population", str(tmp_path / "pop.tif"), "--min-density", "1"]
    assert main([*base, "--out", str(tmp_path / "outdoor"), "--technology", "4g"]) == 0
    assert main([*base, "--out", str(tmp_path / "indoor"), "--technology", "4g", "--service-class", "indoor"]) == 0
    outdoor = json.loads((tmp_path / "outdoor" / "gaps_summary.json").read_text(encoding="utf-8"))
    indoor = json.loads((tmp_path / "indoor" / "gaps_summary.json").read_text(encoding="utf-8"))
    assert outdoor["covered_any_operator"] == pytest.approx(20 * N)
    assert indoor["covered_any_operator"] == pytest.approx(10 * N)  # people without indoor 4G: 30 columns
    crit = indoor["service_criterion"]["technologies"]["4G"]
    assert (crit["quantity"], crit["service_class"]) == ("RSRP", "indoor")
    assert indoor["threshold_dbm"] == pytest.approx(crit["required_median_dbm"], abs=0.01)
    code = main([*base, "--out", str(tmp_path / "bad"), "--threshold-dbm", "-100", "--service-class", "indoor"])
    assert code != 0
    assert "--threshold-dbm contradicts" in capsys.readouterr().err


def test_both_languages_have_every_service_string():
    assert set(SERVICE_VI) == set(SERVICE_EN)
    assert MIN_LEVEL_DBM["4G"] == -110.0


# ------------------------------------------------------------------ the engine's per-technology offset
def test_engine_adds_the_level_offset_of_each_technology():
    import pandas as pd
    from pyproj import Transformer

    from towerplan.coverage.engine import run_coverage

    n, res, x0, y0 = 61, 30.0, 500_000.0, 2_000_000.0
    dem = Grid(np.full((n, n), 10.0, dtype=np.float32), Affine(res, 0, x0, 0, -res, y0), 32648, None)
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(x0 + n * res / 2, y0 - n * res / 2)
    row = {"operator": "Viettel", "lon": lon, "lat": lat, "antenna_height_m": 30.0, "azimuth_deg": np.nan,
           "freq_mhz": 900.0, "eirp_dbm": 50.0, "tilt_deg": 0.0, "h_beamwidth_deg": 360.0, "v_beamwidth_deg": 7.0}
    stations = pd.DataFrame([{**row, "technology": "2G"}, {**row, "technology": "4G"}])
    base = CoverageConfig(model="fspl", threshold_dbm=-150.0, max_radius_m=800.0)
    plain = run_coverage(dem, stations, config=base)
    shifted = run_coverage(dem, stations, config=CoverageConfig(model="fspl", threshold_dbm=-150.0,
                                                                max_radius_m=800.0, level_offsets_db={"2G": -7.5}))
    a, b = plain.technology_levels["2G"].values, shifted.technology_levels["2G"].values
    both = np.isfinite(a) & np.isfinite(b)
    assert both.sum() > 1000
    np.testing.assert_allclose(b[both], a[both] - 7.5, atol=1e-3)
    np.testing.assert_array_equal(plain.technology_levels["4G"].values, shifted.technology_levels["4G"].values)


def test_report_section_states_the_criterion():
    from towerplan.export.report_service import criterion_sentence, service_blocks

    s = StudySettings.create(service=ServiceSettings(service_class="indoor"))
    summary = {"service_criterion": criterion_record(s.coverage, s.service, s.technologies)}
    for lang, words in (("en", ("RSRP", "indoor", "75 %")), ("vi", ("RSRP", "trong nhà", "75 %"))):
        blocks = service_blocks(summary, lang)
        # indoors a last small paragraph says the building entry loss is each carrier's own
        assert [b.kind for b in blocks] == ["heading", "paragraph", "paragraph", "table", "paragraph"]
        assert all(w in blocks[1].text for w in words)
        assert blocks[3].rows[0][:2] == ["4G", "RSRP"]
    assert "-110" in criterion_sentence(criterion_record(CoverageConfig(), None, ("4G",)), "en")
    assert service_blocks({}, "en") == []


def test_run_flags_set_the_class_and_technology():
    import argparse

    from towerplan.cli.service_flags import settings_with_service

    fixed = StudySettings.create(coverage=CoverageConfig(threshold_dbm=-100.0), technologies=None)
    args = argparse.Namespace(service_class="indoor", technology="4G", location_probability=0.9)
    s = settings_with_service(fixed, args)
    assert (s.service.service_class, s.service.location_probability, s.technologies) == ("indoor", 0.9, ("4G",))
    assert s.threshold_dbm == pytest.approx(s.criteria["4G"].required_median_dbm)
    none = argparse.Namespace(service_class=None, technology=None, location_probability=None)
    assert settings_with_service(fixed, none) is fixed
