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
import pytest
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


_ONCE = textwrap.dedent("""
    import json, sys
    from numba.core import types
    from numba.core.dispatcher import Dispatcher
    from towerplan.coverage import engine

    engine.warm_up()
    twice = {}
    for name, mod in list(sys.modules.items()):
        if name.startswith("towerplan") and mod is not None:
            for key, obj in list(vars(mod).items()):
                if isinstance(obj, Dispatcher):
                    seen = {}
                    for sig in obj.signatures:
                        seen.setdefault(tuple(types.unliteral(t) for t in sig), []).append(str(sig))
                    if any(len(v) > 1 for v in seen.values()):
                        twice[f"{obj.py_func.__module__}.{key}"] = [str(s) for s in obj.signatures]
    print(json.dumps(twice))
""")

# kernels still compiled more than once for literal arguments, and how often: P.1812's path kernel and the scans
# below it for ``equi`` (True from ``exact_at``, False with n = 5 from ``short_paths``: the literal keeps the
# equidistant branch out of the hot scans), ``nu_max`` for ``equi`` (``use_r`` is a runtime flag), ``bullington_loss``
# for ``los``, the diffraction searches for a literal start index ``i0 = 0`` / ``max_edges = 1`` (small kernels)
_TWICE_KNOWN = {"_p1812_kernels.p1812_path_k": 2, "_p1812_kernels.zone_lengths": 2, "_p1812_profile.analyse_profile": 2,
                "_p1812_profile.analyse_profile_k": 2, "_p1812_profile.zero_bullington": 2,
                "_p1812_nublock.nu_max": 2, "_p1812_profile._flat_nu": 2, "_p1812_profile._flat_nu_max": 2,
                "_p1812_profile.prefix_tables_k": 2, "_p1812_chain.fill_chains": 2,
                "_p1812_profile.bullington_loss": 3, "_diffraction_fast._bound": 2, "_diffraction_fast._v_at": 2,
                "_diffraction_fast.max_v_pruned": 2, "_diffraction_kernels._max_v": 2,
                "_diffraction_kernels.combine_deygout": 2}


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("TOWERPLAN_COLD_COMPILE_TEST") != "1",
                    reason="a cold compile of every kernel (2-6 min CPU, more than the suite can give one test); "
                    "run it with TOWERPLAN_COLD_COMPILE_TEST=1 after changing a kernel's arguments (bench/README.md, "
                    "round w16)")
def test_warm_up_compiles_each_kernel_once_not_per_literal(tmp_path: Path) -> None:
    """numba compiles a kernel again for every literal argument type a caller passes (``f(True)``, ``f(5)``, or a
    variable first typed from ``n = 0`` before it unifies to int64): each such copy of the P.1812 sweep's kernels
    cost seconds of a new user's first run. On an empty cache (so the nested kernels are typed too), a kernel may
    hold two signatures that are the same but for literal types only as listed above (at most that many)."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache"),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, "-c", _ONCE], capture_output=True, text=True, env=env, cwd=ROOT,
                         timeout=1_500, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    twice = json.loads(run.stdout.strip().splitlines()[-1])
    extra = {k: v for k, v in twice.items()
             if len(v) > _TWICE_KNOWN.get(k.removeprefix("towerplan.coverage."), 1)}
    assert extra == {}, "kernels compiled once per literal argument type:\n" + json.dumps(extra, indent=1)
