"""Gap analysis on the coverage engine's own output: one omni station on flat ground."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer

from towerplan.grid import Grid
from towerplan.planning.analysis import analyse_gaps
from towerplan.planning.gaps import GapConfig

engine = pytest.importorskip("towerplan.coverage.engine")
from towerplan.coverage.antenna import OmniPattern  # noqa: E402
from towerplan.coverage.config import CoverageConfig  # noqa: E402
from towerplan.coverage.linkbudget import TECHNOLOGIES  # noqa: E402
from towerplan.coverage.propagation import fspl_db  # noqa: E402

RES = 30.0
X0, Y0 = 500_000.0, 2_000_000.0
N = 201


def test_covered_people_match_the_analytic_coverage_disc():
    dem = Grid(np.full((N, N), 10.0, dtype=np.float32), Affine(RES, 0, X0, 0, -RES, Y0), 32648, None)
    sx, sy = X0 + 100.5 * RES, Y0 - 100.5 * RES
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(sx, sy)
    st = {"operator": "Viettel", "technology": "4G", "lon": lon, "lat": lat, "antenna_height_m": 30.0,
          "azimuth_deg": np.nan, "freq_mhz": 1800.0, "eirp_dbm": 60.0, "tilt_deg": 0.0,
          "h_beamwidth_deg": 65.0, "v_beamwidth_deg": 180.0}
    # the level at 2 km (free space, flat earth with the 4/3 bulge, omni pattern) is the threshold:
    # the covered area is then the 2 km disc (the level falls monotonically with distance here)
    radius = 2000.0
    theta = math.degrees(math.atan((10.0 + 30.0 - 10.0 - 1.5) / radius + radius / (2 * 4.0 / 3.0 * 6_371_000.0)))
    level = (60.0 + TECHNOLOGIES["4G"].level_offset_db + float(OmniPattern(v_beamwidth_deg=180.0).gain_db(0.0, theta))
             - float(fspl_db(radius, 1800.0)))
    res = engine.run_coverage(dem, pd.DataFrame([st]),
                              config=CoverageConfig(model="fspl", max_radius_m=2900.0, threshold_dbm=level - 5))
    density = 250.0  # people per km2
    people = dem.with_values(np.full((N, N), density * RES * RES / 1e6, dtype=np.float32))
    result = analyse_gaps(res.operator_levels, people, config=GapConfig(threshold_dbm=level))
    assert result.coverage.covered_by_operator["Viettel"] == pytest.approx(density * math.pi * 4.0, rel=0.01)
    # everything outside the disc is one gap holding the rest of the people
    assert len(result.gaps) == 1
    assert result.gaps["people"].iloc[0] == pytest.approx(result.coverage.total_people - result.coverage.covered_any)
