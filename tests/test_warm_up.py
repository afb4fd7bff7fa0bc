"""``engine.warm_up()`` compiles what real runs use: after it, a run on the types a user's files give compiles no
numba kernel again (issue 20 item 1: a new user's first run, and the test suite, pay each compile once).

The real run is read from GeoTIFFs as the CLI reads them (a float32 DEM at 30 m, WorldCover land cover), one site
in a corner (its batch window cuts the land cover into copies, not views), a radius beyond the extended zone's
``main_radius_m`` (the two-table fill), with SINR; then a two-candidate matrix on the same files. Run in a fresh
interpreter, so the kernels' signatures are this process's alone (the suite's other tests compile others).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
from affine import Affine
from pyproj import CRS

from towerplan.grid import Grid
from towerplan.landcover import NO_CLASS, WORLDCOVER_TABLE, LandCover, write_land_cover
from towerplan.rasters import write_grid

ROOT = Path(__file__).resolve().parents[1]

_SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np, pandas as pd
    from numba.core.dispatcher import Dispatcher
    from pyproj import Transformer
    from towerplan.coverage import engine
    from towerplan.coverage.config import CoverageConfig
    from towerplan.landcover import read_land_cover
    from towerplan.planning.matrix import coverage_matrix
    from towerplan.rasters import read_grid

    def signatures():
        out = set()
        for name, mod in list(sys.modules.items()):
            if name.startswith("towerplan") and mod is not None:
                for key, obj in list(vars(mod).items()):
                    if isinstance(obj, Dispatcher):
                        out.update(f"{obj.py_func.__module__}.{key} {s}" for s in obj.signatures)
        return out

    engine.warm_up()
    before = signatures()
    folder = sys.argv[1]
    dem = read_grid(folder + "/dem.tif")
    clutter = read_land_cover(folder + "/lc.tif", dem).to_clutter_grid()
    lon, lat = Transformer.from_crs(dem.crs, 4326, always_xy=True).transform(541_000.0, 2_198_800.0)
    st = pd.DataFrame({"operator": ["a", "b"], "technology": ["4G", "4G"], "lon": [lon] * 2, "lat": [lat] * 2,
                       "antenna_height_m": [25.0] * 2, "azimuth_deg": [0.0, 120.0], "freq_mhz": [1842.5] * 2,
                       "eirp_dbm": [58.0] * 2})
    config = CoverageConfig(max_radius_m=1_200.0, main_radius_m=300.0, sinr=True)
    res = engine.run_coverage(dem, st, config=config, clutter=clutter)
    assert np.isfinite(res.best_level.values).sum() > 100
    cands = pd.DataFrame({"candidate_id": ["c1", "c2"], "lon": [lon, lon], "lat": [lat, lat],
                          "mast_height_m": [30.0, 40.0]})
    demand = np.zeros(dem.shape, dtype=bool)
    demand[::2, ::3] = True
    covers, _ = coverage_matrix(dem, cands, demand, config=CoverageConfig(max_radius_m=1_200.0), clutter=clutter,
                                workers=1)
    assert covers.nnz > 0
    print(json.dumps(sorted(signatures() - before)))
""")


def test_a_run_after_warm_up_compiles_nothing(tmp_path: Path) -> None:
    rows, cols = np.indices((90, 110))
    z = (40.0 + 25.0 * np.sin(rows / 7.0) * np.cos(cols / 11.0) + 0.01 * cols).astype(np.float32)
    dem = Grid(z, Affine(30.0, 0, 540_000.0, 0, -30.0, 2_200_020.0), CRS.from_epsg(32648), -9999.0)
    write_grid(dem, tmp_path / "dem.tif")
    classes = np.array([10, 30, 40, 50, 80], dtype=np.int32)[(rows // 8 + cols // 13) % 5]
    land_cover = LandCover(Grid(classes, dem.transform, dem.crs, NO_CLASS), WORLDCOVER_TABLE, "test")
    write_land_cover(land_cover, tmp_path / "lc.tif")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, "-c", _SCRIPT, str(tmp_path)], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=1_500, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    new = json.loads(run.stdout.strip().splitlines()[-1])
    assert new == [], "kernels a real run compiled after warm_up():\n" + "\n".join(new)


def test_compile_command_runs_the_warm_up_and_names_the_cache(capsys, monkeypatch) -> None:
    from towerplan.cli import main
    from towerplan.coverage import engine

    calls = []
    monkeypatch.setattr(engine, "warm_up", lambda **kw: calls.append(kw))
    assert main(["compile", "--no-matrix"]) == 0
    assert calls == [{"matrix": False}]
    out = capsys.readouterr().out
    assert "towerplan compile: kernels compiled or loaded in" in out
    assert "__pycache__" in out or "numba" in out


def test_warm_up_says_nothing_about_its_own_tiny_inputs(caplog, recwarn) -> None:
    """Its cases (P.1812 without land cover, a 200 m radius...) would warn as a user's run does: not the user's."""
    import logging

    from towerplan.coverage import engine

    caplog.set_level(logging.INFO, logger="towerplan")
    engine.warm_up(matrix=False)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert [str(w.message) for w in recwarn] == []
    assert logging.getLogger("towerplan").level == logging.INFO  # the caller's level is restored
