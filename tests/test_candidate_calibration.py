"""Drive-test calibration carried over to new candidate sites (towerplan.planning.candidate_calibration)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer

from towerplan.coverage.config import CoverageConfig
from towerplan.errors import InputError
from towerplan.grid import Grid
from towerplan.planning.candidate_calibration import calibrated_radio
from towerplan.planning.matrix import CandidateRadio, coverage_matrix


def _stations(**cols) -> pd.DataFrame:
    base = {"operator": ["Viettel", "MobiFone", "Viettel", "Viettel"], "technology": ["4G", "4G", "4G", "4G"],
            "freq_mhz": [1842.5, 1850.0, 811.0, 2630.0]}
    return pd.DataFrame({**base, **cols})


def test_candidates_take_the_mean_correction_of_their_band_else_of_all() -> None:
    radio = CandidateRadio()  # 4G at 1842.5 MHz (B3)
    st = _stations(calibration_offset_db=[-4.0, -6.0, 3.0, 9.0], calibration_slope_db=[1.0, 3.0, -5.0, 0.0])
    out = calibrated_radio(radio, st)
    assert out.calibration_offset_db == pytest.approx(-5.0)  # the two B3 sectors
    assert out.calibration_slope_db == pytest.approx(2.0)
    assert out.calibration_min_distance_m is None  # the stations' slopes carry no range: none
    ranged = calibrated_radio(radio, st.assign(calibration_min_distance_m=[120.0, 90.0, 50.0, 50.0],
                                               calibration_max_distance_m=[1500.0, 2000.0, 9e3, 9e3]))
    assert (ranged.calibration_min_distance_m, ranged.calibration_max_distance_m) == (90.0, 2000.0)  # B3's union
    # no calibrated sector on the radio's band: all calibrated sectors
    b20 = CandidateRadio(freq_mhz=2140.0)  # 2100 MHz: none in the list
    assert calibrated_radio(b20, st).calibration_offset_db == pytest.approx(0.5)
    # uncalibrated lists, and radios with their own correction, are left alone
    assert calibrated_radio(radio, _stations()) == radio
    assert calibrated_radio(radio, _stations(calibration_offset_db=0.0, calibration_slope_db=0.0)) == radio
    own = CandidateRadio(calibration_offset_db=2.0)
    assert calibrated_radio(own, st) == own
    with pytest.raises(InputError, match="calibration_offset_db"):
        CandidateRadio(calibration_offset_db=150.0)
    with pytest.raises(InputError, match="distance range"):
        CandidateRadio(calibration_min_distance_m=2000.0, calibration_max_distance_m=100.0)


def test_the_coverage_matrix_uses_the_candidates_calibration() -> None:
    res, n = 100.0, 81
    x0, y0 = 500_000.0, 2_250_000.0
    dem = Grid(np.zeros((n, n)), Affine(res, 0, x0, 0, -res, y0), 32648, None)
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(x0 + 40.5 * res, y0 - 40.5 * res)
    cands = pd.DataFrame({"candidate_id": ["G1"], "lon": [lon], "lat": [lat], "mast_height_m": [30.0]})
    cfg = CoverageConfig(model="fspl", threshold_dbm=-95.0, max_radius_m=4000.0, front_to_back_db=0.0,
                         side_lobe_db=0.0)
    demand = np.ones((n, n), dtype=bool)
    plain = CandidateRadio(omni=True, eirp_dbm=40.0)
    base, _ = coverage_matrix(dem, cands, demand, radio=plain, config=cfg)
    up, _ = coverage_matrix(dem, cands, demand, radio=CandidateRadio(omni=True, eirp_dbm=40.0,
                                                                     calibration_offset_db=6.0), config=cfg)
    down, _ = coverage_matrix(dem, cands, demand, radio=CandidateRadio(omni=True, eirp_dbm=46.0), config=cfg)
    # +6 dB of calibration reaches what +6 dB of EIRP reaches: free space doubles the radius
    assert base.nnz > 50
    assert up.nnz == down.nnz
    assert up.nnz > 3 * base.nnz
