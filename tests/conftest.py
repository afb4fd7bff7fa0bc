"""Shared pytest fixtures: synthetic rasters and the location of ../shared/data."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from affine import Affine

from towerplan.grid import Grid

# numba's OpenMP threads spin while waiting; with a Streamlit server beside the tests on two cores
# that slowed coverage several times. Set before any kernel runs (inherited by subprocesses).
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

# the tests write only into temporary folders: towerplan's cache (the demo's generated inputs, downloads)
# is a fresh folder per test run, seeded with the user's cached demos (read, never written)
_TEST_CACHE = Path(tempfile.mkdtemp(prefix="towerplan-test-cache-"))
for _demo in sorted((Path.home() / ".cache" / "towerplan").glob("demo-*")):
    if _demo.is_dir() and (_demo / "README.txt").is_file():
        shutil.copytree(_demo, _TEST_CACHE / _demo.name)
os.environ["TOWERPLAN_CACHE_DIR"] = str(_TEST_CACHE)
atexit.register(shutil.rmtree, _TEST_CACHE, True)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"
SHARED_REFERENCE = SHARED / "reference"


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip the test with the reason."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (see ../shared/data/SOURCES.md)")
    return SHARED_DATA


@pytest.fixture
def utm_grid() -> Grid:
    """A 40 x 50 cell, 30 m grid in EPSG:32648 near Thanh Hóa, heights rising eastwards."""
    values = np.tile(np.arange(50, dtype=np.float32) * 2.0, (40, 1))
    return Grid(values, Affine(30.0, 0.0, 560_010.0, 0.0, -30.0, 2_200_020.0), 32648, None)


class CoverageRuns:
    """``towerplan.study.run_coverage_step`` computed once per test session for each distinct study and
    settings: the in-process app tests (AppTest) share the demo's coverage runs.

    Every AppTest session on the demo presses "Compute coverage" with the page's defaults; under ITU-R
    P.1812 with the land cover the demo at 90 m costs one to two minutes of CPU a run, and a dozen app
    tests asked for the same run. The first call for a key runs the real step; later calls with the same
    study (the same DEM, station and land-cover objects: the app's shared demo, with or without
    administrative units, which the coverage does not read) and the same settings
    (``repr`` of the frozen CoverageConfig, exact to the last digit) get that run's result, which the
    step, being deterministic, would have given again. A test that replaces the step itself
    (``monkeypatch.setattr(towerplan.study, "run_coverage_step", ...)``) replaces this memo too, so a
    run that must fail or be interrupted still does. The CLI and library tests never see it
    (:func:`home` installs it for the app test modules only).
    """

    #: runs kept (the least recently used goes first): a demo run at 90 m holds a few grids of the province
    MAX_RUNS = 4

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.runs: OrderedDict[tuple, tuple[tuple, Any]] = OrderedDict()

    def __call__(self, inputs: Any, config: Any, **options: Any) -> Any:
        progress = options.pop("progress", None)
        layers = (inputs.dem, inputs.stations, inputs.land_cover)
        technologies = options.get("technologies", ("4G",))
        key = (tuple(id(x) for x in layers), repr(config), repr(technologies),
               repr(sorted((k, v) for k, v in options.items() if k != "technologies")))
        if key not in self.runs:
            result = self.real(inputs, config, progress=progress, **options)
            self.runs[key] = (layers, result)  # the layers are kept: their ids stay theirs
            while len(self.runs) > self.MAX_RUNS:
                self.runs.popitem(last=False)
        self.runs.move_to_end(key)
        return self.runs[key][1]


@pytest.fixture(scope="session")
def shared_coverage_runs() -> CoverageRuns:
    """The session's :class:`CoverageRuns` (one memo for every app test module)."""
    import towerplan.study

    return CoverageRuns(towerplan.study.run_coverage_step)


@pytest.fixture(scope="module")
def home(tmp_path_factory, shared_coverage_runs) -> Iterator[Path]:
    """A private HOME for the app's demo cache (the user's cached 90 m demo is copied in when present).

    For the module's duration the app's coverage step is the session's :class:`CoverageRuns`.
    """
    import towerplan.study

    home = tmp_path_factory.mktemp("home")
    cached = Path.home() / ".cache" / "towerplan"
    demos = sorted(cached.glob("demo-*-90m")) if cached.is_dir() else []
    if demos:
        shutil.copytree(demos[-1], home / ".cache" / "towerplan" / demos[-1].name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(towerplan.study, "run_coverage_step", shared_coverage_runs)
        yield home


# ------------------------------------------------------------------ the project store (issue 23)
@pytest.fixture(scope="session")
def pg_cluster():
    """A throw-away PostgreSQL + PostGIS cluster for the whole session.

    Skipped with a reason where PostgreSQL/PostGIS are not installed, except in CI (``CI=true``),
    where that is a failure: the PostGIS backend is never left untested there.
    """
    from towerplan.store.pgcluster import PostgresUnavailableError, TemporaryCluster

    try:
        cluster = TemporaryCluster().start()
    except PostgresUnavailableError as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"PostgreSQL + PostGIS are required in CI (bash scripts/install-test-deps.sh): {exc}")
        pytest.skip(f"PostgreSQL + PostGIS not installed (bash scripts/install-test-deps.sh): {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request, tmp_path):
    """A fresh, empty store location on each backend: a GeoPackage file, or a new PostGIS database."""
    if request.param == "sqlite":
        yield str(tmp_path / "project.gpkg")
        return
    cluster = request.getfixturevalue("pg_cluster")
    url = cluster.create_database()
    yield url
    cluster.drop_database(url)
