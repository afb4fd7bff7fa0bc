"""The session's memo of real coverage runs and candidate matrices, shared by the tests that ask for the same.

``towerplan.study.run_coverage_step`` is deterministic: the same DEM, stations and land cover with the
same settings give the same result. Several tests need the demo's coverage at 90 m (one to two minutes
of CPU each under ITU-R P.1812 with the land cover): the in-process app tests (AppTest), the Streamlit
server of the browser tests (a subprocess) and ``towerplan run`` of the shipped demo scenario, whose
settings are the app's defaults. :class:`CoverageRuns` runs the real step the first time a study and
settings are asked for and hands that result to every later identical request:

* the key is the *content* of what the step reads (the DEM's values, lattice and CRS, the projected
  station table, the land cover's clutter arrays) with the ``repr`` of the frozen CoverageConfig, exact
  to the last digit, and the step's other arguments with their defaults filled in; two reads of the
  same demo folder share a run, a changed cell or setting does not;
* runs are kept in memory (the least recently used goes first) and, when a folder is given, pickled
  there too, so that another process of the same session (the browser tests' Streamlit server, started
  through :data:`SERVER_MAIN` with :data:`ENV` naming the folder) reads the run instead of computing it.

:class:`CandidateMatrices` does the same for the candidate coverage matrix of a placement (the engine run
once per candidate site: the app's Towers page and ``towerplan run`` of the demo scenario ask for the same
912 candidates). Only runs that cost more than :data:`DISK_MIN_S` seconds go to disk (the others are cheaper to compute
again than to store). A test run alone, or first, computes everything itself.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import os
import pickle
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

log = logging.getLogger("tests.coverage_runs")

#: environment variable naming the session's folder of stored runs (read by :func:`install_from_env`)
ENV = "TOWERPLAN_TEST_COVERAGE_RUNS"
#: a run that took less than this is not stored on disk
DISK_MIN_S = 5.0
#: the session's memos in this process, for the session's summary line (``conftest.pytest_terminal_summary``)
MEMOS: list[_StoredRuns] = []
#: ``python SERVER_MAIN run app.py ...``: Streamlit's command line with the session's stored runs installed
SERVER_MAIN = Path(__file__).with_name("streamlit_with_runs.py")


def _array_digest(h: Any, a: np.ndarray | None) -> None:
    if a is None:
        h.update(b"none")
        return
    a = np.ascontiguousarray(a)
    h.update(f"{a.dtype.str}{a.shape}".encode())
    h.update(a.view(np.uint8).reshape(-1).data if a.size else b"")


def _grid_digest(h: Any, grid: Any) -> None:
    _array_digest(h, grid.values)
    h.update(repr((tuple(grid.transform), grid.crs.to_wkt(), grid.nodata)).encode())


def _table_digest(h: Any, table: pd.DataFrame) -> None:
    geometry = getattr(table, "geometry", None) if hasattr(table, "crs") else None
    plain = pd.DataFrame(table.drop(columns=table.geometry.name)) if geometry is not None else table
    h.update(repr([(str(c), str(t)) for c, t in plain.dtypes.items()]).encode())
    try:
        h.update(pd.util.hash_pandas_object(plain, index=True).to_numpy().tobytes())
    except TypeError:  # unhashable cells (lists, dicts): their text
        h.update(plain.to_csv().encode())
    if geometry is not None:
        h.update(repr(table.crs.to_wkt() if table.crs is not None else None).encode())
        h.update(b"".join(geometry.to_wkb()))


def inputs_digest(inputs: Any) -> str:
    """sha256 of what the coverage step reads of a :class:`~towerplan.study.StudyInputs`."""
    h = hashlib.sha256()
    _grid_digest(h, inputs.dem)
    _table_digest(h, inputs.projected_stations)
    clutter = inputs.clutter
    if clutter is None:
        h.update(b"no clutter")
    else:
        for a in (clutter.height_m, clutter.code, clutter.p2108_type):
            _array_digest(h, a)
    return h.hexdigest()


class _StoredRuns:
    """Results of a deterministic function, computed once per distinct content key; kept in memory (the least
    recently used goes first) and, with a folder, pickled there for the session's other processes."""

    #: results kept in memory
    MAX_RUNS = 4

    def __init__(self, real: Callable[..., Any], folder: Path | None = None, *, kind: str) -> None:
        self.real = real
        self.folder = folder
        self.kind = kind
        self.signature = inspect.signature(real)
        self.runs: OrderedDict[str, Any] = OrderedDict()
        #: content digest per object, the last few (each kept with its digest so that its id stays its own)
        self.digests: OrderedDict[int, tuple[Any, str]] = OrderedDict()
        #: how the calls were answered: "computed", "memory", "disk"
        self.counts = {"computed": 0, "memory": 0, "disk": 0}

    def digest(self, obj: Any, how: Callable[[Any], str]) -> str:
        """``how(obj)``, remembered while ``obj`` is among the last few asked for."""
        if id(obj) not in self.digests:
            self.digests[id(obj)] = (obj, how(obj))
            while len(self.digests) > 8:
                self.digests.popitem(last=False)
        return self.digests[id(obj)][1]

    def key(self, arguments: dict[str, Any]) -> str:
        raise NotImplementedError

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        key = self.key(dict(bound.arguments))
        if key in self.runs:
            self.counts["memory"] += 1
        else:
            result = self._read(key)
            if result is not None:
                self.counts["disk"] += 1
            else:
                start = time.perf_counter()
                result = self.real(*bound.args, **bound.kwargs)
                self.counts["computed"] += 1
                self._write(key, result, time.perf_counter() - start)
            self.runs[key] = result
            while len(self.runs) > self.MAX_RUNS:
                self.runs.popitem(last=False)
        self.runs.move_to_end(key)
        return self.give(self.runs[key])

    def give(self, result: Any) -> Any:
        """What a caller gets of a kept result (the result itself, when it cannot be changed)."""
        return result

    def _path(self, key: str) -> Path | None:
        return None if self.folder is None else self.folder / f"{self.kind}-{key}.pickle"

    def _read(self, key: str) -> Any:
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        with open(path, "rb") as f:
            result = pickle.load(f)
        log.info("%s %s read from %s", self.kind, key[:12], path)
        return result

    def _write(self, key: str, result: Any, elapsed_s: float) -> None:
        path = self._path(key)
        if path is None or elapsed_s < DISK_MIN_S:
            return
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        with open(tmp, "wb") as f:
            pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # whole or absent: another process never reads half a result


class CoverageRuns(_StoredRuns):
    """``towerplan.study.run_coverage_step`` computed once per distinct study and settings (the module's text).

    The progress callback is not part of the key (a run given from memory reports no progress). A
    CoverageResult is frozen and its grids read-only: every caller gets the same object.
    """

    def __init__(self, real: Callable[..., Any], folder: Path | None = None) -> None:
        super().__init__(real, folder, kind="coverage")

    def key(self, arguments: dict[str, Any]) -> str:
        inputs, config = arguments.pop("inputs"), arguments.pop("config")
        arguments.pop("progress", None)
        if arguments.get("technologies") is not None:
            arguments["technologies"] = tuple(arguments["technologies"])
        rest = sorted((k, repr(v)) for k, v in arguments.items())
        text = repr((self.digest(inputs, inputs_digest), repr(config), rest))
        return hashlib.sha256(text.encode()).hexdigest()


def _matrix_arguments_digest(arguments: dict[str, Any]) -> str:
    h = hashlib.sha256()
    _grid_digest(h, arguments.pop("dem"))
    _table_digest(h, arguments.pop("candidates"))
    for name in ("demand", "min_level_dbm"):
        value = arguments.pop(name)
        _array_digest(h, None if value is None else np.asarray(value))
    clutter = arguments.pop("clutter")
    for a in (None, None, None) if clutter is None else (clutter.height_m, clutter.code, clutter.p2108_type):
        _array_digest(h, a)
    arguments.pop("progress", None)
    h.update(repr(sorted((k, repr(v)) for k, v in arguments.items())).encode())  # radio, config
    return h.hexdigest()


class CandidateMatrices(_StoredRuns):
    """``towerplan.planning.matrix.coverage_matrix`` (each candidate site's coverage of the demand cells, the
    engine run once per candidate) computed once per distinct DEM, candidates, demand, radio, settings and land
    cover: the app's Towers page and ``towerplan run`` of the demo scenario ask for the same candidates.

    The key reads every argument but the progress callback; each caller gets its own copy of the matrix
    and cells (the placement may change what it is given).
    """

    def __init__(self, real: Callable[..., Any], folder: Path | None = None) -> None:
        super().__init__(real, folder, kind="matrix")

    def key(self, arguments: dict[str, Any]) -> str:
        return _matrix_arguments_digest(arguments)

    def give(self, result: Any) -> Any:
        covers, cells = result
        return covers.copy(), np.array(cells, copy=True)


def install(runs: CoverageRuns, matrices: CandidateMatrices | None = None, *,
            in_plans: bool = False) -> Callable[[], None]:
    """Make ``runs`` the coverage step the app pages call (``towerplan.study.run_coverage_step``) and, with
    ``in_plans``, the one :func:`towerplan.study.steps.run_plan` calls (``towerplan run``); ``matrices`` the
    candidate matrix of every placement (``towerplan.planning.upgrades.coverage_matrix``). Returns the
    function that puts the real ones back."""
    import towerplan.planning.upgrades
    import towerplan.study
    import towerplan.study.steps

    patched: list[tuple[Any, str, Any]] = [(towerplan.study, "run_coverage_step", runs)]
    if in_plans:
        patched.append((towerplan.study.steps, "run_coverage_step", runs))
    if matrices is not None:
        patched.append((towerplan.planning.upgrades, "coverage_matrix", matrices))
    before = [(module, name, getattr(module, name)) for module, name, _ in patched]
    for module, name, memo in patched:
        setattr(module, name, memo)

    def undo() -> None:
        for module, name, real in before:
            setattr(module, name, real)

    return undo


def install_from_env() -> CoverageRuns | None:
    """In a subprocess of the tests: the session's stored runs (folder in :data:`ENV`) as its coverage step."""
    folder = os.environ.get(ENV)
    if not folder:
        return None
    import towerplan.planning.upgrades
    import towerplan.study

    log.addHandler(logging.StreamHandler())  # "coverage <key> read from <file>" in the server's log
    log.setLevel(logging.INFO)
    runs = CoverageRuns(towerplan.study.run_coverage_step, Path(folder))
    matrices = CandidateMatrices(towerplan.planning.upgrades.coverage_matrix, Path(folder))
    runs.MAX_RUNS = matrices.MAX_RUNS = 2
    install(runs, matrices)
    return runs
