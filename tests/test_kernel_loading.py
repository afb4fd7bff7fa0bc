"""Each propagation model's numba kernels load only when a run uses that model (fresh interpreters)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# one coverage run per model in turn, printing the kernel modules loaded after each
_PROBE = """
import json, sys
import numpy as np, pandas as pd
from affine import Affine
from towerplan.grid import Grid
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from pyproj import Transformer

z = 10.0 + 40.0 * np.hypot(*np.meshgrid(np.arange(41) - 20.0, np.arange(41) - 20.0)) / 20.0
dem = Grid(z, Affine(30.0, 0, 500_000.0, 0, -30.0, 2_000_000.0), 32648, None)
lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(500_615.0, 1_999_385.0)
st = pd.DataFrame({"operator": ["x"], "technology": ["4G"], "lon": [lon], "lat": [lat], "antenna_height_m": [30.0],
                   "azimuth_deg": [np.nan], "freq_mhz": [1800.0], "eirp_dbm": [60.0]})
def kernels():
    return sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("towerplan.coverage._"))
print(json.dumps(["start", kernels()]))
for model in sys.argv[1:]:
    res = run_coverage(dem, st, config=CoverageConfig(max_radius_m=500.0, model=model))
    assert np.isfinite(res.best_level.values).any()
    print(json.dumps([model, kernels()]))
"""


def _kernels_after_each(*models: str) -> dict[str, set[str]]:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", _PROBE, *models], capture_output=True, text=True, env=env, cwd=REPO,
                          timeout=900, check=True)
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("[")]
    return {step: set(mods) for step, mods in rows}


ITM = {"_itm_core", "_itm_kernels", "_itm_model", "_itm_radial", "_itm_terrain", "_sweep_itm"}
P1812 = {"_p1812_floor0", "_p1812_hull", "_p1812_kernels", "_p1812_profile", "_p1812_radial", "_p1812_reach",
         "_p1812_stages", "_sweep_p1812"}
HATA = {"_diffraction_fast", "_diffraction_kernels", "_hata_terrain", "_sweep_hata"}
#: the needed-sample rule of the reach bounds, shared by the Hata / COST-231 and P.1812 sweeps
REACH = {"_reach_need"}


@pytest.mark.slow  # compiles the three sweeps when numba's cache is empty (a fresh checkout)
def test_a_run_loads_the_kernels_of_its_model_only() -> None:
    seen = _kernels_after_each("itm", "hata", "p1812")
    assert seen["start"].isdisjoint(ITM | P1812 | HATA | REACH)  # importing the engine loads no model's kernels
    assert seen["itm"] >= ITM
    assert seen["itm"].isdisjoint(P1812 | HATA | REACH)  # an ITM run: no P.1812, no Deygout / Bullington
    assert seen["hata"] >= HATA | REACH
    assert seen["hata"].isdisjoint(P1812)
    assert seen["p1812"] >= P1812 | REACH
