"""Property-based tests (hypothesis): parsers never fail with anything but a TowerplanError; model invariants.

Every test is derandomised (the same examples on every run, so CI is
deterministic), has no deadline (numba compiles on first use) and a modest
number of examples, so the whole module runs in seconds.
"""

from __future__ import annotations

import csv
import io
import math
import os
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import CRS, Transformer

from towerplan.errors import TowerplanError
from towerplan.grid import Grid
from towerplan.stations import read_stations
from towerplan.stations.coords import format_dms, parse_coordinate

#: TOWERPLAN_FUZZ_SCALE=20 runs 20x the examples with fresh random ones (a deeper search, by hand)
_SCALE = max(1, int(os.environ.get("TOWERPLAN_FUZZ_SCALE", "1")))
FAST = settings(max_examples=60 * _SCALE, deadline=None, derandomize=_SCALE == 1, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip
SLOW = settings(max_examples=8 * _SCALE, deadline=None, derandomize=_SCALE == 1, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip

HEADER = ["site_id", "cell_id", "operator", "technology", "lon", "lat", "antenna_height_m", "azimuth_deg",
          "tilt_deg", "freq_mhz", "eirp_dbm"]  # fmt: skip


def _outcome(call: Callable[[], Any]) -> tuple[Any, TowerplanError | None]:
    """``(result, None)``, or ``(None, error)`` for a TowerplanError; anything else propagates (a failure)."""
    try:
        return call(), None
    except TowerplanError as exc:
        return None, exc


def _read_or_clear_error(data: bytes, name: str) -> None:
    load, error = _outcome(lambda: read_stations(data, name=name))
    if error is not None:
        assert str(error)  # a message, never empty
        return
    # nothing lost: every row read is either kept or rejected
    kept = set(load.stations["source_row"].tolist())
    rejected = set(load.rejected["source_row"].tolist()) if len(load.rejected) else set()
    assert len(kept) + len(rejected) == load.n_rows_read
    assert not kept & rejected


# ----------------------------------------------------------------------------- parsers: no unhandled exception


@FAST
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".txt", ".xlsx", ".geojson", ".kml", ".kmz"]))
def test_station_reader_on_arbitrary_bytes(data: bytes, suffix: str) -> None:
    _read_or_clear_error(data, f"x{suffix}")


@FAST
@given(text=st.text(max_size=2000))
def test_station_reader_on_arbitrary_text(text: str) -> None:
    _read_or_clear_error(text.encode("utf-8"), "x.csv")
    _read_or_clear_error(("\n".join([",".join(HEADER), text])).encode("utf-8"), "x.csv")


_CELL = st.one_of(
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", "NaN", "inf", "-inf", "1e999", "19°48'30\"N", "105 45 E", "B3", "n78", "Viettel", "4G",
                     "=1+1", "\x00", "0,5", "1.234.567", "  ", "N", "°", "  -", "e5"]),
)  # fmt: skip


@FAST
@given(rows=st.lists(st.lists(_CELL, min_size=0, max_size=len(HEADER) + 2), min_size=0, max_size=8),
       delimiter=st.sampled_from([",", ";", "\t"]))  # fmt: skip
def test_station_reader_on_arbitrary_cells_under_a_valid_header(rows: list[list[str]], delimiter: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    _read_or_clear_error(buffer.getvalue().encode("utf-8"), "x.csv")


@FAST
@given(features=st.lists(st.fixed_dictionaries({
    "type": st.sampled_from(["Feature", "feature", "Point", 3]),
    "geometry": st.one_of(st.none(), st.fixed_dictionaries({
        "type": st.sampled_from(["Point", "MultiPoint", "LineString", "x"]),
        "coordinates": st.one_of(st.lists(st.one_of(st.floats(), st.text(max_size=4), st.none()), max_size=3),
                                 st.text(max_size=5), st.integers())})),
    "properties": st.one_of(st.none(), st.dictionaries(st.text(max_size=8), _CELL, max_size=5), st.integers()),
}), max_size=5))  # fmt: skip
def test_geojson_reader_on_arbitrary_features(features: list[dict]) -> None:
    import json

    data = json.dumps({"type": "FeatureCollection", "features": features}, allow_nan=True).encode()
    _read_or_clear_error(data, "x.geojson")


@FAST
@given(text=st.one_of(st.text(max_size=40), st.from_regex(
    r"[-+]?\d{1,3}[°d ]\s?\d{1,2}['m ]\s?\d{1,2}(\.\d+)?[\"s ]?\s?[NSEW]?", fullmatch=True)))  # fmt: skip
def test_coordinate_parser_raises_only_towerplan_errors(text: str) -> None:
    parsed, error = _outcome(lambda: parse_coordinate(text))
    if error is not None:
        return
    value, axis = parsed
    assert isinstance(value, float)
    assert axis in (None, "lat", "lon")


@FAST
@given(value=st.floats(min_value=-179.999, max_value=179.999), axis=st.sampled_from(["lat", "lon"]))
def test_dms_round_trip(value: float, axis: str) -> None:
    if axis == "lat":
        value = value / 2.0
    parsed, got_axis = parse_coordinate(format_dms(value, axis=axis, seconds_decimals=4))  # type: ignore[arg-type]
    assert got_axis == axis
    assert parsed == pytest.approx(value, abs=1e-7)


def _scenario_available() -> bool:
    try:
        from towerplan.study import load_scenario  # noqa: F401
    except ImportError:
        return False
    return True


_TOML_SCALAR = st.one_of(st.text(max_size=10), st.integers(-(2**40), 2**40), st.floats(allow_nan=False), st.booleans())
_TOML_VALUE = st.recursive(_TOML_SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=8)  # fmt: skip
_SCENARIO_KEYS = st.sampled_from(["name", "title", "language", "inputs", "coverage", "gaps", "placement", "outputs",
                                  "technologies", "dem", "stations", "population", "threshold_dbm", "x"])  # fmt: skip


@pytest.mark.skipif(not _scenario_available(), reason="towerplan.study is not there yet")
@FAST
@given(data=st.one_of(st.binary(max_size=500), st.text(max_size=500).map(str.encode)))
def test_scenario_loader_on_arbitrary_files(data: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    from towerplan.study import load_scenario

    path = tmp_path_factory.mktemp("sc") / "scenario.toml"
    path.write_bytes(data)
    _, error = _outcome(lambda: load_scenario(path))
    assert error is None or str(error)


@pytest.mark.skipif(not _scenario_available(), reason="towerplan.study is not there yet")
@FAST
@given(doc=st.dictionaries(_SCENARIO_KEYS, _TOML_VALUE, max_size=6))
def test_scenario_parser_on_arbitrary_documents(doc: dict, tmp_path_factory: pytest.TempPathFactory) -> None:
    from towerplan.study import parse_scenario

    _, error = _outcome(lambda: parse_scenario(doc, base_dir=tmp_path_factory.getbasetemp()))
    assert error is None or str(error)


# ----------------------------------------------------------------------------- propagation models


@FAST
@given(d1=st.floats(1.0, 1e6), d2=st.floats(1.0, 1e6), f1=st.floats(1.0, 1e5), f2=st.floats(1.0, 1e5))
def test_free_space_loss_increases_with_distance_and_frequency(d1: float, d2: float, f1: float, f2: float) -> None:
    from towerplan.coverage.propagation import fspl_db

    if d1 < d2 * (1 - 1e-9):
        assert fspl_db(d1, f1) < fspl_db(d2, f1)
    if f1 < f2 * (1 - 1e-9):
        assert fspl_db(d1, f1) < fspl_db(d1, f2)
    # the textbook value: 20 dB a decade of distance
    assert fspl_db(10.0 * d1, f1) - fspl_db(d1, f1) == pytest.approx(20.0, abs=1e-9)


@FAST
@given(d1=st.floats(1000.0, 20_000.0), d2=st.floats(1000.0, 20_000.0), f=st.floats(150.0, 1500.0),
       hb=st.floats(30.0, 200.0), hm=st.floats(1.0, 10.0),
       environment=st.sampled_from(["urban", "suburban", "open"]))  # fmt: skip
def test_hata_loss_increases_with_distance(d1: float, d2: float, f: float, hb: float, hm: float,
                                           environment: str) -> None:  # fmt: skip
    from towerplan.coverage.propagation import cost231_db, hata_db

    if not d1 < d2 * (1 - 1e-9):
        d1, d2 = min(d1, d2) / 1.01, max(d1, d2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert hata_db(d1, f, hb, hm, environment=environment) < hata_db(d2, f, hb, hm, environment=environment)
        assert cost231_db(d1, 1800.0, hb, hm) < cost231_db(d2, 1800.0, hb, hm)


# ----------------------------------------------------------------------------- more towers never reduce coverage


@FAST
@given(seed=st.integers(0, 10_000), n_cand=st.integers(1, 12), n_dem=st.integers(1, 40), density=st.floats(0.05, 0.6))
def test_choose_sites_covered_weight_is_monotone_in_max_sites(seed: int, n_cand: int, n_dem: int,
                                                              density: float) -> None:  # fmt: skip
    from towerplan.planning.optimize import choose_sites

    rng = np.random.default_rng(seed)
    covers = rng.random((n_cand, n_dem)) < density
    weights = rng.integers(0, 100, n_dem).astype(float)
    previous = 0.0
    for k in range(0, n_cand + 1):
        chosen = choose_sites(covers, weights, max_sites=k)
        assert len(chosen.sites) <= k
        assert chosen.covered_weight >= previous - 1e-9
        assert chosen.covered_weight <= weights.sum() + 1e-9
        previous = chosen.covered_weight
    reachable = weights[covers.any(axis=0)].sum()
    assert previous == pytest.approx(reachable)  # with every candidate allowed, all coverable demand


def _dem(seed: int) -> Grid:
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:24, 0:24]
    z = 100.0 + 30.0 * np.sin(rows / rng.uniform(2, 6)) * np.cos(cols / rng.uniform(2, 6)) + rng.uniform(0, 5, (24, 24))
    return Grid(z.astype(np.float32), Affine(30.0, 0, 500_010.0, 0, -30.0, 2_000_020.0), CRS.from_epsg(32648), None)


def _stations(dem: Grid, sites: list[tuple[float, float, float, float]]) -> pd.DataFrame:
    """(col, row, azimuth or NaN, height) -> a station table (lon/lat in WGS 84)."""
    tr = Transformer.from_crs(dem.crs, "EPSG:4326", always_xy=True)
    xs = [500_010.0 + 30.0 * (c + 0.5) for c, _, _, _ in sites]
    ys = [2_000_020.0 - 30.0 * (r + 0.5) for _, r, _, _ in sites]
    lon, lat = tr.transform(xs, ys)
    n = len(sites)
    return pd.DataFrame({"operator": ["Viettel"] * n, "technology": ["4G"] * n, "lon": lon, "lat": lat,
                         "antenna_height_m": [s[3] for s in sites], "azimuth_deg": [s[2] for s in sites],
                         "freq_mhz": [1800.0] * n, "eirp_dbm": [60.0] * n})  # fmt: skip


_SITE = st.tuples(st.integers(2, 21), st.integers(2, 21),
                  st.one_of(st.just(math.nan), st.floats(0.0, 359.0)), st.floats(10.0, 50.0))  # fmt: skip


@SLOW
@given(seed=st.integers(0, 1000), sites=st.lists(_SITE, min_size=1, max_size=3), extra=_SITE)
def test_one_more_station_never_lowers_the_best_level(seed: int, sites: list, extra: tuple) -> None:
    from towerplan.coverage.config import CoverageConfig
    from towerplan.coverage.engine import run_coverage

    dem = _dem(seed)
    config = CoverageConfig(max_radius_m=600.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        before = run_coverage(dem, _stations(dem, sites), config=config).best_level.values
        after = run_coverage(dem, _stations(dem, [*sites, extra]), config=config).best_level.values
    had = np.isfinite(before)
    assert np.isfinite(after[had]).all()
    assert (after[had] >= before[had]).all()
    assert np.isfinite(after).sum() >= had.sum()


@FAST
@given(seed=st.integers(0, 10_000), n_ops=st.integers(1, 4), shape=st.tuples(st.integers(1, 12), st.integers(1, 12)))
def test_any_operator_coverage_is_at_least_each_operators(seed: int, n_ops: int, shape: tuple[int, int]) -> None:
    from towerplan.planning.coverage_stats import population_coverage

    rng = np.random.default_rng(seed)
    people = rng.gamma(1.0, 20.0, shape)
    people[rng.random(shape) < 0.1] = np.nan
    covered = {f"op{k}": rng.random(shape) < rng.random() for k in range(n_ops)}
    result = population_coverage(people, covered, threshold_dbm=-110.0)
    for name, value in result.covered_by_operator.items():
        assert result.covered_any >= value - 1e-6, name
    assert result.covered_two_plus <= result.covered_any + 1e-6
    assert result.covered_any <= result.total_people + 1e-6
    assert result.covered_any <= sum(result.covered_by_operator.values()) + 1e-6


@SLOW
@given(seed=st.integers(0, 1000), n_ops=st.integers(1, 3))
def test_gap_analysis_any_operator_is_at_least_each_operators(seed: int, n_ops: int) -> None:
    from towerplan.planning.analysis import analyse_gaps

    rng = np.random.default_rng(seed)
    dem = _dem(seed)
    levels = {f"op{k}": dem.with_values(rng.uniform(-130.0, -70.0, dem.shape).astype(np.float32), nodata=None)
              for k in range(n_ops)}  # fmt: skip
    population = dem.with_values(rng.gamma(1.0, 10.0, dem.shape).astype(np.float32), nodata=None)
    result = analyse_gaps(levels, population)
    coverage = result.coverage
    assert all(coverage.covered_any >= v - 1e-3 for v in coverage.covered_by_operator.values())
    uncovered = result.gaps["people"].sum() if len(result.gaps) else 0.0
    assert uncovered <= coverage.total_people - coverage.covered_any + 1e-3


def test_property_settings_are_deterministic() -> None:
    """derandomize=True: CI sees the same examples on every run."""
    for profile in (FAST, SLOW):
        assert profile.derandomize or _SCALE > 1
        assert profile.deadline is None

