"""Inputs assembled once: every file of a study is parsed once, on the folder path and on the app's
upload path (the readers are counted)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

import towerplan.population
import towerplan.rasters
import towerplan.stations
import towerplan.terrain
import towerplan.vectors
from towerplan.study import load_study_folder

RES_M = 600.0


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    from towerplan.demo import write_demo

    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, resolution_m=RES_M)
    return folder


@pytest.fixture
def calls(monkeypatch) -> Counter:
    """Counts every call of the library's file readers (the study layer looks them up at call time)."""
    seen: Counter = Counter()
    readers = [(towerplan.stations, "read_stations"), (towerplan.stations, "read_many"),
               (towerplan.rasters, "read_grid"), (towerplan.terrain, "read_dem"),
               (towerplan.population, "read_population"), (towerplan.vectors, "read_communes"),
               (towerplan.vectors, "read_roads"), (towerplan.vectors, "read_vector")]
    for module, name in readers:
        real = getattr(module, name)

        def counted(*args, _real=real, _name=name, **kwargs):
            seen[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)
    return seen


def test_a_study_folder_is_read_once(study: Path, calls: Counter) -> None:
    inputs = load_study_folder(study, files={"candidates": None})
    assert inputs.communes is not None
    assert inputs.roads is not None
    # the DEM, the population raster (read_population), one station list, each vector layer (read_vector
    # inside read_communes / read_roads)
    assert calls["read_grid"] == 1
    assert calls["read_population"] == 1
    assert calls["read_stations"] == 1
    assert calls["read_many"] == 0
    assert calls["read_communes"] == 1
    assert calls["read_roads"] == 1
    assert calls["read_vector"] == 2
    assert calls["read_dem"] == 0  # a metric GeoTIFF at its own resolution is used as it is


def test_the_upload_path_parses_each_file_once(study: Path, tmp_path: Path, calls: Counter) -> None:
    from app_pages.uploads import assemble_uploads, combined_stations, handle_upload

    table = pd.read_csv(study / "stations.csv")
    operators = sorted(table["operator"].unique())
    station_files = []
    for k, op in enumerate(operators[:2]):
        path = tmp_path / f"list_{k}.csv"
        table[table["operator"] == op].to_csv(path, index=False)
        station_files.append(path)
    session = tmp_path / "session"

    def upload(role: str, path: Path, **kw):
        up = handle_upload(role, path.name, path.read_bytes(), session, "en", resolution_m=RES_M, **kw)
        assert up.ok, up.messages
        return up

    uploads = {"stations": [upload("stations", p) for p in station_files], "dem": [upload("dem", study / "dem.tif")]}
    dem = uploads["dem"][0].value
    uploads["population"] = [upload("population", study / "population.tif", dem=dem)]
    uploads["communes"] = [upload("communes", study / "communes.gpkg")]
    uploads["roads"] = [upload("roads", study / "roads.gpkg")]
    read_so_far = dict(calls)
    load = combined_stations(uploads["stations"])
    assert load is not None
    inputs, paths = assemble_uploads(uploads, label="mine", stations=load, dem=dem, base=None)  # type: ignore[arg-type]
    assert dict(calls) == read_so_far  # combining and assembling read nothing again
    assert calls["read_stations"] == 2  # one per list
    assert calls["read_many"] == 0
    assert calls["read_grid"] == 1  # the DEM (the population raster inside read_population)
    assert calls["read_population"] == 1
    assert calls["read_communes"] == 1
    assert calls["read_roads"] == 1
    assert calls["read_vector"] == 2
    assert sorted(inputs.stations["operator"].unique()) == operators[:2]
    assert len(inputs.stations) == int(table["operator"].isin(operators[:2]).sum())
    assert inputs.station_report is not None
    assert set(paths) == {"stations", "dem", "population", "communes", "roads"}
    assert inputs.files["stations_2"] == paths["stations"][1]
