"""Shared pytest fixtures: synthetic rasters and the location of ../shared/data."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from affine import Affine
from coverage_runs import ENV, MEMOS, CandidateMatrices, CoverageRuns, install

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


@pytest.fixture(scope="session")
def shared_coverage_runs(tmp_path_factory) -> Iterator[CoverageRuns]:
    """The session's :class:`coverage_runs.CoverageRuns`: one memo of real coverage runs for every test
    module that installs it, stored in a session folder that the browser tests' Streamlit server reads too
    (:func:`streamlit_env`)."""
    import towerplan.study

    folder = tmp_path_factory.mktemp("coverage-runs")
    runs = CoverageRuns(towerplan.study.run_coverage_step, folder)
    MEMOS.append(runs)
    yield runs
    shutil.rmtree(folder, ignore_errors=True)  # a demo run at 90 m is some 100 MB


@pytest.fixture(scope="session")
def shared_candidate_matrices(shared_coverage_runs) -> CandidateMatrices:
    """The session's :class:`coverage_runs.CandidateMatrices`, stored beside the coverage runs."""
    import towerplan.planning.upgrades

    matrices = CandidateMatrices(towerplan.planning.upgrades.coverage_matrix, shared_coverage_runs.folder)
    MEMOS.append(matrices)
    return matrices


@pytest.fixture(scope="module")
def home(tmp_path_factory, shared_coverage_runs, shared_candidate_matrices) -> Iterator[Path]:
    """A private HOME for the app's demo cache (the user's cached 90 m demo is copied in when present).

    For the module's duration the app's coverage step is the session's :class:`CoverageRuns` and its
    placements' candidate matrix the session's :class:`CandidateMatrices`: every
    AppTest session on the demo presses "Compute coverage" with the page's defaults, and a dozen app tests
    asked for the same run. A test that replaces the step itself (``monkeypatch.setattr(towerplan.study,
    "run_coverage_step", ...)``) replaces this memo too, so a run that must fail or be interrupted still does.
    The CLI and library tests never see it, except ``towerplan run`` of the shipped demo
    (``tests/test_cli_run.py``), whose coverage settings are the app's defaults.
    """
    home = tmp_path_factory.mktemp("home")
    cached = Path.home() / ".cache" / "towerplan"
    demos = sorted(cached.glob("demo-*-90m")) if cached.is_dir() else []
    if demos:
        shutil.copytree(demos[-1], home / ".cache" / "towerplan" / demos[-1].name)
    undo = install(shared_coverage_runs, shared_candidate_matrices)
    try:
        yield home
    finally:
        undo()


@pytest.fixture(scope="module")
def streamlit_env(home: Path, shared_coverage_runs) -> dict[str, str]:
    """The environment of a Streamlit server of the app for the browser tests: HOME is :func:`home`, and the
    server's coverage step reads the session's stored runs (started through
    :data:`coverage_runs.SERVER_MAIN`, which ``browser_support.streamlit_server`` uses)."""
    assert shared_coverage_runs.folder is not None
    return {**os.environ, "HOME": str(home), "PYTHONPATH": str(REPO), ENV: str(shared_coverage_runs.folder)}


def pytest_terminal_summary(terminalreporter) -> None:
    """How this process's shared runs were answered (computed, from memory, from another process's file)."""
    for memo in MEMOS:
        if any(memo.counts.values()):
            terminalreporter.write_line(f"shared {memo.kind} runs: {memo.counts}")


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
