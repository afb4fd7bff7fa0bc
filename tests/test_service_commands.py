"""The service flags of ``towerplan place`` and ``coverage`` (the same as ``run`` and ``gaps``), and the
building entry loss of each carrier at its own frequency (ITU-R P.2109) in the engine."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer

from towerplan.cli import main
from towerplan.coverage.building_loss import CarrierEntryLoss, p2109_building_entry_loss_db
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.criteria import REPRESENTATIVE_FREQ_MHZ, ServiceSettings
from towerplan.errors import ConfigError, ModelInputError
from towerplan.grid import Grid
from towerplan.rasters import write_grid
from towerplan.study.settings import StudySettings

X0, Y0, RES, N = 560_000.0, 2_210_000.0, 100.0, 48  # 4.8 km square in UTM 48N (Thanh Hóa)
#: low enough that indoor service at 90 % ends inside the square whatever the default model (P.1812 over
#: this open rolling ground reaches every cell indoors at 60 dBm)
EIRP_DBM = 40.0


def _station_rows() -> list[dict]:
    to_ll = Transformer.from_crs(32648, 4326, always_xy=True)
    rows = []
    # one operator on 700 MHz (Band 28), the other on 1800 MHz (Band 3): 3 sectors each
    for op, site, (x, y), freq in (("Viettel", "S1", (X0 + 1500, Y0 - 1500), 763.0),
                                   ("VNPT", "S2", (X0 + 3300, Y0 - 3300), 1842.5)):
        lon, lat = to_ll.transform(x, y)
        for k, az in enumerate((0, 120, 240)):
            rows.append({"site_id": site, "cell_id": f"{site}-{k}", "operator": op, "technology": "4G", "lon": lon,
                         "lat": lat, "antenna_height_m": 30, "azimuth_deg": az, "tilt_deg": 2,
                         "h_beamwidth_deg": 65, "v_beamwidth_deg": 7, "freq_mhz": freq, "eirp_dbm": EIRP_DBM})
    return rows


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    """A small study folder: rolling terrain, 10 people per cell, two 4G sites on two bands."""
    folder = tmp_path_factory.mktemp("svc")
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:N, 0:N]
    dem = 20 + 15 * np.sin(xx / 7.0) * np.cos(yy / 9.0) + rng.normal(0, 0.5, (N, N))
    transform = Affine(RES, 0, X0, 0, -RES, Y0)
    write_grid(Grid(dem.astype(np.float32), transform, 32648, None), folder / "dem.tif", dtype="float32")
    write_grid(Grid(np.full((N, N), 10.0, np.float32), transform, 32648, None), folder / "population.tif",
               dtype="float32")
    pd.DataFrame(_station_rows()).to_csv(folder / "stations.csv", index=False)
    return folder


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_gaps_and_place_agree_on_the_people_without_indoor_4g(study: Path, tmp_path: Path, capsys) -> None:
    flags = ["--service-class", "indoor", "--technology", "4g", "--location-probability", "0.9"]
    code = main(["place", "--scenario", str(study), "--budget-towers", "1", "--max-greenfield", "5", *flags,
                 "--out", str(tmp_path / "place")])
    assert code == 0, capsys.readouterr().err
    place = _json(tmp_path / "place" / "placement_summary.json")
    crit = place["service_criterion"]
    assert (crit["mode"], crit["service_class"], crit["location_probability"]) == ("service criteria", "indoor", 0.9)
    four = crit["technologies"]["4G"]
    assert place["threshold_dbm"] == pytest.approx(four["required_median_dbm"], abs=0.01)
    assert crit["carrier_entry_loss"]["building_type"] == "traditional"
    # the coverage rasters of `towerplan coverage` with the same flags, then `towerplan gaps` on them
    cov = tmp_path / "cov"
    code = main(["coverage", "--dem", str(study / "dem.tif"), "--stations", str(study / "stations.csv"),
                 "--resolution-m", str(RES), "--technology", "4G", "--service-class", "indoor",
                 "--location-probability", "0.9", "--out", str(cov)])
    assert code == 0, capsys.readouterr().err
    cov_summary = _json(cov / "coverage_summary.json")
    assert cov_summary["service_criterion"]["threshold_dbm"] == pytest.approx(place["threshold_dbm"])
    code = main(["gaps", "--coverage", str(cov), "--population", str(study / "population.tif"), "--min-density",
                 "1", *flags, "--out", str(tmp_path / "gaps")])
    assert code == 0, capsys.readouterr().err
    gaps = _json(tmp_path / "gaps" / "gaps_summary.json")
    assert gaps["threshold_dbm"] == pytest.approx(place["threshold_dbm"])
    without = gaps["total_people"] - gaps["covered_any_operator"]
    assert without == pytest.approx(place["people_without_coverage"], abs=0.5)
    assert 0 < without < gaps["total_people"]  # a real split, not everybody or nobody
    # without flags, gaps takes the criterion the rasters were made with (coverage_summary.json)
    assert main(["gaps", "--coverage", str(cov), "--population", str(study / "population.tif"), "--min-density",
                 "1", "--out", str(tmp_path / "gaps_rec")]) == 0
    recorded = _json(tmp_path / "gaps_rec" / "gaps_summary.json")
    assert recorded["threshold_dbm"] == pytest.approx(place["threshold_dbm"])
    assert recorded["service_criterion"]["service_class"] == "indoor"
    # outdoors more people are served: the indoor class is a stricter criterion, not a relabelling (the
    # rasters are made for the class: cells below its level are empty, and indoors each carrier is shifted)
    code = main(["coverage", "--dem", str(study / "dem.tif"), "--stations", str(study / "stations.csv"),
                 "--resolution-m", str(RES), "--location-probability", "0.9", "--out", str(tmp_path / "cov_out")])
    assert code == 0
    code = main(["gaps", "--coverage", str(tmp_path / "cov_out"), "--population", str(study / "population.tif"),
                 "--min-density", "1", "--technology", "4g", "--location-probability", "0.9",
                 "--out", str(tmp_path / "gaps_out")])
    assert code == 0
    outdoor = _json(tmp_path / "gaps_out" / "gaps_summary.json")
    assert outdoor["covered_any_operator"] > gaps["covered_any_operator"]


def test_place_refuses_a_fixed_threshold_beside_a_class(study: Path, tmp_path: Path, capsys) -> None:
    code = main(["place", "--scenario", str(study), "--budget-towers", "1", "--threshold-dbm", "-100",
                 "--service-class", "indoor", "--out", str(tmp_path / "x")])
    assert code == 2
    assert "--threshold-dbm contradicts --service-class" in capsys.readouterr().err


def _place_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *extra: str) -> StudySettings:
    from towerplan.cli import place

    seen = {}

    def fake_place_run(folder, out, *, settings, files, calibration):
        seen["settings"] = settings
        raise SystemExit(0)

    monkeypatch.setattr("towerplan.study.commands.place_run", fake_place_run)
    parser = argparse.ArgumentParser()
    place.register(parser.add_subparsers())
    args = parser.parse_args(["place", "--scenario", str(tmp_path), "--budget-towers", "2", "--out", str(tmp_path),
                              *extra])
    with pytest.raises(SystemExit):
        args.func(args)
    return seen["settings"]


def test_place_flags_fill_the_one_service_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    s = _place_settings(monkeypatch, tmp_path, "--service-class", "in_car", "--technology", "5g",
                        "--environment", "urban", "--building-probability", "0.8", "--sigma-db", "9")
    assert s.service == ServiceSettings(service_class="in_car", environment="urban", building_probability=0.8,
                                        sigma_db=9.0)
    assert s.technologies == ("5G",)
    assert s.threshold_dbm == pytest.approx(s.criteria["5G"].required_median_dbm)
    assert s.placement.radio.technology == "5G"
    # without flags `place` plans for the default criterion, as `run` does; --threshold-dbm keeps a fixed one
    default = _place_settings(monkeypatch, tmp_path)
    assert default.service == ServiceSettings()
    assert default.threshold_dbm == pytest.approx(ServiceSettings().criterion("4G").required_median_dbm)
    fixed = _place_settings(monkeypatch, tmp_path, "--threshold-dbm", "-105")
    assert (fixed.service, fixed.threshold_dbm) == (None, -105.0)


# ------------------------------------------------------------------ building entry loss per carrier
def test_carrier_entry_loss_moves_the_reference_loss_to_each_carrier() -> None:
    term = CarrierEntryLoss(building_type="thermally_efficient", probability=0.7,
                            reference_freq_mhz=dict(REPRESENTATIVE_FREQ_MHZ))
    freqs = np.array([763.0, 1842.5, 2655.0, 3550.0, 942.5])
    techs = np.array(["4G", "4G", "4G", "5G", "2G"])
    got = term.offset_db(techs, freqs)
    ref = np.array([REPRESENTATIVE_FREQ_MHZ[t] for t in techs])
    want = (p2109_building_entry_loss_db(ref, 0.7, "thermally_efficient")
            - p2109_building_entry_loss_db(freqs, 0.7, "thermally_efficient"))
    np.testing.assert_allclose(got, want, atol=1e-12)
    assert term.offset_db(["4G"], [1800.0])[0] == 0.0  # at the reference frequency nothing moves
    # a level + offset >= threshold is the same test as level - L_BEL(f) >= the rest of the criterion
    service = ServiceSettings(service_class="indoor", building_type="thermally_efficient", building_probability=0.7)
    threshold = service.criterion("4G").required_median_dbm
    for f, off in zip(freqs[:3], got[:3], strict=True):
        assert threshold - off == pytest.approx(service.criterion("4G", freq_mhz=float(f)).required_median_dbm)
    with pytest.raises(ModelInputError, match="reference_freq_mhz"):
        CarrierEntryLoss(reference_freq_mhz={"6G": 7000.0})


def test_indoor_700_and_3500_mhz_carriers_differ_in_the_engine() -> None:
    """Two identical sites on flat ground, one at 700 MHz and one at 3500 MHz (both 4G): indoors each level
    is shifted by its own P.2109 term, outdoors by nothing."""
    from towerplan.coverage.plan import prepare_stations

    dem = Grid(np.zeros((20, 20), np.float32), Affine(RES, 0, X0, 0, -RES, Y0), 32648, None)
    rows = pd.DataFrame(_station_rows()[:1] * 2)
    rows["freq_mhz"] = [763.0, 3550.0]
    rows["cell_id"] = ["a", "b"]
    rows["lon"], rows["lat"] = Transformer.from_crs(32648, 4326, always_xy=True).transform(X0 + 1000, Y0 - 1000)
    indoor = StudySettings.create(service=ServiceSettings(service_class="indoor")).coverage
    outdoor = StudySettings.create(service=ServiceSettings()).coverage
    assert outdoor.carrier_entry_loss is None
    base_in = prepare_stations(rows, dem, indoor).table["base_dbm"].to_numpy()
    base_out = prepare_stations(rows, dem, outdoor).table["base_dbm"].to_numpy()
    loss = p2109_building_entry_loss_db(np.array([763.0, 3550.0]), 0.5, "traditional")
    ref = float(p2109_building_entry_loss_db(1800.0, 0.5, "traditional"))
    np.testing.assert_allclose(base_in - base_out, ref - loss, atol=1e-9)
    assert loss[1] - loss[0] > 1.5  # P.2109-2 traditional, median: 14.1 dB at 763 MHz, 15.7 dB at 3550 MHz


def test_the_carrier_term_is_derived_never_given(tmp_path: Path) -> None:
    indoor = StudySettings.create(service=ServiceSettings(service_class="indoor", building_type="thermally_efficient"))
    assert indoor.coverage.carrier_entry_loss == CarrierEntryLoss(
        building_type="thermally_efficient", probability=0.5, reference_freq_mhz=dict(REPRESENTATIVE_FREQ_MHZ))
    with pytest.raises(ConfigError, match="carrier_entry_loss"):
        StudySettings(coverage=CoverageConfig(carrier_entry_loss=indoor.coverage.carrier_entry_loss))
    back = indoor.replace(service=None)
    assert back.coverage.carrier_entry_loss is None
    from towerplan.study import load_scenario, save_scenario

    for name in ("dem.tif", "pop.tif", "stations.csv"):
        (tmp_path / name).write_text("x")
    path = tmp_path / "scenario.toml"
    path.write_text('[inputs]\ndem = "dem.tif"\npopulation = "pop.tif"\nstations = "stations.csv"\n'
                    '[service]\nclass = "indoor"\nbuilding_type = "thermally_efficient"\n', encoding="utf-8")
    s = load_scenario(path)
    assert s.coverage.carrier_entry_loss == indoor.coverage.carrier_entry_loss
    saved = save_scenario(s, tmp_path / "saved.toml")
    assert "carrier_entry_loss" not in saved.read_text(encoding="utf-8")
    assert load_scenario(saved).settings == s.settings
    path.write_text(path.read_text(encoding="utf-8") + '[coverage.carrier_entry_loss]\nprobability = 0.9\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=r"coverage\.carrier_entry_loss: derived"):
        load_scenario(path)


def test_report_says_the_carrier_term_in_both_languages() -> None:
    from towerplan.export.report_service import service_blocks
    from towerplan.study.service import criterion_record

    s = StudySettings.create(service=ServiceSettings(service_class="indoor"))
    summary = {"service_criterion": criterion_record(s.coverage, s.service, s.technologies)}
    for lang, words in (("en", ("each carrier", "14.1 dB @ 700 MHz", "traditional")),
                        ("vi", ("từng sóng mang", "14,1 dB @ 700 MHz", "truyền thống"))):
        note = service_blocks(summary, lang)[-1].text
        assert all(w in note for w in words), note
    outdoor = StudySettings.create(service=ServiceSettings())
    blocks = service_blocks({"service_criterion": criterion_record(outdoor.coverage, outdoor.service,
                                                                   outdoor.technologies)}, "en")
    assert blocks[-1].kind == "table"  # no carrier note outdoors


def test_the_carrier_term_leaves_sinr_and_uplink_unchanged() -> None:
    """Signal, interference and noise of a carrier all move by its building-entry term: the SINR and the
    uplink rate (which takes the term back off the level) are those of the plain run."""
    from towerplan.coverage.engine import run_coverage
    from towerplan.coverage.radio_maps import radio_maps

    n = 41
    dem = Grid(np.zeros((n, n), np.float32), Affine(RES, 0, X0, 0, -RES, Y0), 32648, None)
    to_ll = Transformer.from_crs(32648, 4326, always_xy=True)
    rows = []
    for k, (dx, freq, eirp) in enumerate(((800.0, 763.0, 60.0), (3200.0, 763.0, 60.0), (2000.0, 2655.0, 75.0))):
        lon, lat = to_ll.transform(X0 + dx, Y0 - 2000.0)
        rows.append({"site_id": f"S{k}", "cell_id": f"C{k}", "operator": "Viettel", "technology": "4G", "lon": lon,
                     "lat": lat, "antenna_height_m": 30.0, "azimuth_deg": np.nan, "tilt_deg": 0.0,
                     "h_beamwidth_deg": 360.0, "v_beamwidth_deg": 7.0, "freq_mhz": freq, "eirp_dbm": eirp})
    stations = pd.DataFrame(rows)
    plain = CoverageConfig(model="fspl", threshold_dbm=-150.0, max_radius_m=5000.0, sinr=True)
    term = CarrierEntryLoss(building_type="thermally_efficient", reference_freq_mhz=dict(REPRESENTATIVE_FREQ_MHZ))
    shifted = CoverageConfig(model="fspl", threshold_dbm=-150.0, max_radius_m=5000.0, sinr=True,
                             carrier_entry_loss=term)
    a, b = run_coverage(dem, stations, config=plain), run_coverage(dem, stations, config=shifted)
    pair = ("Viettel", "4G")
    sa, sb = a.sinr.sinr_db[pair].values, b.sinr.sinr_db[pair].values
    both = np.isfinite(sa) & np.isfinite(sb) & (a.sinr.serving[pair].values == b.sinr.serving[pair].values)
    assert both.sum() > 1000
    np.testing.assert_allclose(sb[both], sa[both], atol=0.05)
    # the levels themselves did move, by the carrier's term
    low = float(term.offset_db(["4G"], [763.0])[0])
    assert abs(low) > 0.5
    la, lb = a.technology_levels["4G"].values, b.technology_levels["4G"].values
    high = float(term.offset_db(["4G"], [2655.0])[0])
    assert np.nanmax(lb - la) == pytest.approx(max(low, high), abs=0.01)
    assert np.nanmin(lb - la) == pytest.approx(min(low, high), abs=0.01)
    ua = radio_maps(a).throughput_ul_mbps[pair].values
    ub = radio_maps(b).throughput_ul_mbps[pair].values
    ok = both & np.isfinite(ua) & np.isfinite(ub)
    assert ok.sum() > 1000
    np.testing.assert_allclose(ub[ok], ua[ok], rtol=1e-3, atol=1e-3)
