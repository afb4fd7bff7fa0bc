"""Antenna patterns (3GPP TR 36.814 / 38.901) and the link budget (3GPP TS 36.101 / 38.101-1 tables)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from towerplan.coverage.antenna import OmniPattern, SectorPattern, TabulatedPattern, read_msi, wrap_deg
from towerplan.coverage.linkbudget import (
    TECHNOLOGIES,
    LinkBudget,
    TechnologyParams,
    received_power_dbm,
    reported_level_dbm,
    resource_blocks,
)
from towerplan.errors import InputError, UnreadableFileError


def test_sector_pattern_3db_points_and_limits() -> None:
    # TR 36.814 Table A.2.1.1-2: A_H = -min(12 (φ/φ3dB)^2, 25): -3 dB at φ = φ3dB/2, -12 dB at φ3dB
    p = SectorPattern(h_beamwidth_deg=65, v_beamwidth_deg=10, electrical_tilt_deg=6)
    assert p.horizontal_db(32.5) == pytest.approx(-3.0)
    assert p.horizontal_db(-65) == pytest.approx(-12.0)
    assert p.horizontal_db(180) == pytest.approx(-25.0)
    # vertical: -3 dB at 5° either side of the 6° tilt, side lobes floored at 20 dB
    assert p.vertical_db(6) == pytest.approx(0.0)
    assert p.vertical_db(11) == pytest.approx(-3.0)
    assert p.vertical_db(1) == pytest.approx(-3.0)
    assert p.vertical_db(60) == pytest.approx(-20.0)
    # combined is capped at the front-to-back ratio: -min(-(A_H + A_V), A_m)
    assert p.gain_db(180, 60) == pytest.approx(-25.0)
    assert p.gain_db(32.5, 11) == pytest.approx(-6.0)


def test_38901_limits_are_configurable() -> None:
    # TR 38.901 Table 7.3-1: A_m = SLA_V = 30 dB, 65° beamwidths
    p = SectorPattern(h_beamwidth_deg=65, v_beamwidth_deg=65, electrical_tilt_deg=0, front_to_back_db=30,
                      side_lobe_db=30)
    assert p.gain_db(180, 0) == pytest.approx(-30.0)
    assert p.gain_db(0, 90) == pytest.approx(-(12 * (90 / 65) ** 2))


def test_mechanical_tilt_turns_into_uptilt_behind_the_panel() -> None:
    p = SectorPattern(electrical_tilt_deg=0, mechanical_tilt_deg=8, v_beamwidth_deg=7)
    assert p.vertical_db(8, phi_deg=0) == pytest.approx(0.0)  # front: 8° down
    assert p.vertical_db(-8, phi_deg=180) == pytest.approx(0.0)  # back: 8° up
    assert p.vertical_db(0, phi_deg=90) == pytest.approx(0.0)  # side axis: no tilt


def test_wrap_and_symmetry() -> None:
    assert wrap_deg(370) == pytest.approx(10)
    assert wrap_deg(-190) == pytest.approx(170)
    p = SectorPattern()
    phi = np.linspace(-180, 180, 73)
    np.testing.assert_allclose(p.gain_db(phi, 3.0), p.gain_db(-phi, 3.0))
    assert (p.gain_db(phi, 3.0) <= 0).all()


def test_omni_is_flat_horizontally() -> None:
    o = OmniPattern(v_beamwidth_deg=10, electrical_tilt_deg=2)
    g = o.gain_db(np.array([0, 90, 180, 270]), 2.0)
    np.testing.assert_allclose(g, 0.0)
    assert o.gain_db(0, 7) == pytest.approx(-3.0)


@pytest.mark.parametrize("kw", [{"h_beamwidth_deg": 0}, {"v_beamwidth_deg": -3}, {"front_to_back_db": -1},
                                {"electrical_tilt_deg": 120}])
def test_bad_patterns(kw) -> None:
    with pytest.raises(InputError):
        SectorPattern(**kw)


def test_read_msi(tmp_path) -> None:
    lines = ["NAME TEST-65-18", "FREQUENCY 1800", "GAIN 15.85 dBd", "ELECTRICAL_TILT 4", "HORIZONTAL 360"]
    lines += [f"{a} {min(12 * (min(a, 360 - a) / 65) ** 2, 25):.2f}" for a in range(360)]
    lines += ["VERTICAL 360"] + [f"{a} {0.0 if a == 4 else 3.0}" for a in range(360)]
    path = tmp_path / "ant.msi"
    path.write_text("\n".join(lines))
    pat = read_msi(path)
    assert pat.name == "TEST-65-18"
    assert pat.gain_dbi == pytest.approx(18.0)
    assert pat.electrical_tilt_deg == 4.0
    assert pat.gain_db(0, 4) == pytest.approx(0.0)
    assert pat.gain_db(32.5, 4) == pytest.approx(-3.0, abs=0.05)
    assert pat.gain_db(180, 4) == pytest.approx(-25.0)
    assert pat.gain_db(0, 10) == pytest.approx(-3.0)


def test_read_msi_errors(tmp_path) -> None:
    p = tmp_path / "x.msi"
    p.write_text("NAME nothing\nGAIN 3\n")
    with pytest.raises(UnreadableFileError, match="HORIZONTAL and VERTICAL"):
        read_msi(p)
    p.write_text("HORIZONTAL 360\n0 abc\n")
    with pytest.raises(UnreadableFileError, match="bad HORIZONTAL"):
        read_msi(p)
    with pytest.raises(InputError):
        TabulatedPattern(np.zeros(10), np.zeros(360))


@pytest.mark.parametrize(
    ("tech", "bw", "scs", "nrb"),
    [("4G", 1.4, 15, 6), ("4G", 10, 15, 50), ("4G", 20, 15, 100), ("5G", 100, 30, 273), ("5G", 20, 15, 106),
     ("5G", 40, 30, 106), ("5G", 100, 60, 135)],
)
def test_resource_blocks_match_3gpp_tables(tech, bw, scs, nrb) -> None:
    # TS 36.101 Table 5.6-1; TS 38.101-1 Table 5.3.2-1
    assert resource_blocks(tech, bw, scs) == nrb


def test_rsrp_offsets() -> None:
    # LTE 20 MHz: 1200 subcarriers -> 10 log10(1200) = 30.79 dB below the carrier power
    assert TECHNOLOGIES["4G"].level_offset_db == pytest.approx(-10 * math.log10(1200))
    # NR 100 MHz @ 30 kHz: 273 RB x 12 = 3276 subcarriers -> 35.15 dB
    assert TECHNOLOGIES["5G"].level_offset_db == pytest.approx(-35.153, abs=1e-3)
    assert TECHNOLOGIES["3G"].level_offset_db == -10.0
    assert TECHNOLOGIES["2G"].level_offset_db == 0.0
    with pytest.raises(InputError):
        TechnologyParams("4G", bandwidth_mhz=7)


def test_link_budget_margins() -> None:
    # σ Φ^-1(0.95) = 8 x 1.6449 = 13.16 dB
    assert LinkBudget(location_probability=0.95).shadowing_margin_db == pytest.approx(13.159, abs=1e-3)
    assert LinkBudget().shadowing_margin_db == pytest.approx(0.0)
    lb = LinkBudget(indoor_loss_db=12, body_loss_db=3, rx_gain_dbi=0, location_probability=0.5)
    assert lb.total_margin_db == pytest.approx(15.0)
    # 59 dBm EIRP, -3 dB off-boresight, 120 dB loss, 15 dB margins: -79 dBm carrier, -109.79 dBm RSRP
    assert received_power_dbm(59, -3, 120, budget=lb) == pytest.approx(-79.0)
    level = reported_level_dbm(59, -3, 120, technology=TECHNOLOGIES["4G"], budget=lb)
    assert level == pytest.approx(-109.792, abs=1e-3)
    with pytest.raises(InputError):
        LinkBudget(location_probability=1.0)
    with pytest.raises(InputError):
        LinkBudget(rx_height_m=0)
