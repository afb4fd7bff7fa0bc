"""The corpus of bad inputs (tests/data/bad/cases.toml): each gets a clear message, never a traceback.

Every case runs twice: through the library reader of its kind (the expected
exception class and message, or the problems in the report with the valid
rows kept) and through the CLI in-process (the message, exit code 1 or 2, no
traceback). Small files are committed under ``tests/data/bad/files``; large
ones are written by ``scripts/make_bad_inputs.py`` into a temporary folder.
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

import towerplan.errors as errors_module
import towerplan.safety as safety_module
from towerplan.cli import main as cli_main

HERE = Path(__file__).resolve().parent
BAD = HERE / "data" / "bad"
FILES = BAD / "files"
MANIFEST = BAD / "cases.toml"
SCRIPT = HERE.parent / "scripts" / "make_bad_inputs.py"
KINDS = {"stations", "dem", "population", "coverage", "communes", "roads", "scenario", "measurements"}

pytestmark = pytest.mark.filterwarnings("ignore:GPKG. bad application_id:RuntimeWarning")

CASES: list[dict[str, Any]] = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))["case"]


def _load_script() -> Any:
    spec = importlib.util.spec_from_file_location("make_bad_inputs", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_bad_inputs", module)
    spec.loader.exec_module(module)
    return module


make_bad_inputs = _load_script()


def _error_class(name: str) -> type[BaseException]:
    import towerplan.study as scenario_module

    for module in (errors_module, safety_module, scenario_module):
        if hasattr(module, name):
            return getattr(module, name)
    raise AssertionError(f"no error class {name}")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Generated files and the valid companions, once per module."""
    root = tmp_path_factory.mktemp("bad")
    make_bad_inputs.write_large(root / "generated")
    good = make_bad_inputs.write_good_inputs(root / "good")
    return {"generated": root / "generated", "runs": root / "runs", **good}


def _path(case: dict[str, Any], corpus: dict[str, Path]) -> Path:
    return (corpus["generated"] if case.get("generated") else FILES) / case["file"]


def _ids(case: dict[str, Any]) -> str:
    return case["file"]


# ----------------------------------------------------------------------------- the manifest itself


def test_manifest_has_at_least_60_cases_of_every_kind() -> None:
    assert len(CASES) >= 60
    assert len({c["file"] for c in CASES}) == len(CASES)
    assert {c["kind"] for c in CASES} == KINDS
    for case in CASES:
        assert {"file", "kind", "error", "message", "exit", "what"} <= set(case), case
        assert case["exit"] in (0, 1, 2)
        assert case["message"].strip()
        if case["error"]:
            _error_class(case["error"])  # a real class
        if case["exit"] == 0:
            assert not case["error"], "exit 0 is only for inputs repaired with a warning"


def test_manifest_and_files_agree() -> None:
    committed = {p.relative_to(FILES).as_posix() for p in FILES.rglob("*") if p.is_file()}
    listed = {c["file"] for c in CASES if not c.get("generated")}
    generated = {c["file"] for c in CASES if c.get("generated")}
    assert committed == listed
    assert set(make_bad_inputs.small_files()) == listed
    assert set(make_bad_inputs.large_files()) == generated


def test_committed_text_files_are_reproducible(tmp_path: Path) -> None:
    """The script rebuilds the committed files (text ones byte for byte; binary containers embed timestamps)."""
    make_bad_inputs.write_small(tmp_path)
    for case in CASES:
        if case.get("generated") or not case["file"].endswith((".csv", ".geojson", ".kml", ".kmz", ".hgt")):
            continue
        assert (tmp_path / case["file"]).read_bytes() == (FILES / case["file"]).read_bytes(), case["file"]


# ----------------------------------------------------------------------------- library


def _read(kind: str, path: Path, corpus: dict[str, Path]) -> Any:
    from towerplan.planning.analysis import analyse_gaps
    from towerplan.rasters import read_grid
    from towerplan.stations import read_stations
    from towerplan.terrain import read_dem
    from towerplan.vectors import read_communes, read_roads

    if kind == "stations":
        return read_stations(path)
    if kind == "dem":
        return read_dem(path, resolution_m=90.0)
    if kind == "population":
        levels = {"viettel": read_grid(corpus["coverage"] / "rsrp_viettel_dbm.tif")}
        return analyse_gaps(levels, read_grid(path))
    if kind == "coverage":
        return analyse_gaps({"viettel": read_grid(path)}, read_grid(corpus["population"]))
    if kind == "communes":
        return read_communes(path)
    if kind == "scenario":
        from towerplan.study import load_scenario

        return load_scenario(path)
    if kind == "measurements":
        from towerplan.measurements import read_measurements
        from towerplan.measurements.pipeline import calibrate_drive_tests

        load = read_measurements([path])
        return calibrate_drive_tests(load, read_stations(corpus["stations"]).stations,
                                     read_dem(corpus["dem"], resolution_m=90.0))
    return read_roads(path)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_library_gives_a_clear_error(case: dict[str, Any], corpus: dict[str, Path], caplog: Any) -> None:
    path = _path(case, corpus)
    if case["error"]:
        with pytest.raises(_error_class(case["error"])) as info:
            _read(case["kind"], path, corpus)
        assert isinstance(info.value, errors_module.TowerplanError)
        assert case["message"] in str(info.value)
        return
    with caplog.at_level(logging.WARNING):
        result = _read(case["kind"], path, corpus)
    if case["kind"] == "stations":
        text = result.report.format_text(max_issues=None)
        assert case["message"] in text
        assert len(result.stations) == case["kept"]
        # nothing silently dropped: every row read is kept or rejected
        kept_rows = set(result.stations["source_row"].tolist())
        rejected_rows = set(result.rejected["source_row"].tolist()) if len(result.rejected) else set()
        assert len(kept_rows) + len(rejected_rows) == result.n_rows_read
    else:
        assert case["message"] in caplog.text


# ----------------------------------------------------------------------------- CLI


def _argv(case: dict[str, Any], path: Path, corpus: dict[str, Path]) -> list[str]:
    kind = case["kind"]
    out = corpus["runs"] / Path(case["file"]).name.replace(".", "_")
    good = ["--coverage", str(corpus["coverage"]), "--population", str(corpus["population"])]
    if kind == "stations":
        return ["validate", str(path)]
    if kind == "scenario":
        return ["run", str(path), "--out", str(out), "--quiet"]
    if kind == "measurements":
        return ["calibrate", "--measurements", str(path), "--stations", str(corpus["stations"]), "--dem",
                str(corpus["dem"]), "--out", str(out)]  # fmt: skip
    if kind == "dem":
        return ["coverage", "--dem", str(path), "--stations", str(corpus["stations"]), "--out", str(out),
                "--resolution-m", "90"]  # fmt: skip
    if kind == "population":
        return ["gaps", "--coverage", str(corpus["coverage"]), "--population", str(path), "--out", str(out)]
    if kind == "coverage":
        folder = out.with_name(out.name + "_levels")
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, folder / "rsrp_viettel_dbm.tif")
        return ["gaps", "--coverage", str(folder), "--population", str(corpus["population"]), "--out", str(out)]
    return ["gaps", *good, f"--{kind}", str(path), "--out", str(out)]


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_cli_gives_a_clear_error(case: dict[str, Any], corpus: dict[str, Path], capsys: Any) -> None:
    path = _path(case, corpus)
    code = cli_main(_argv(case, path, corpus))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert "unexpected error" not in captured.err
    assert code == case["exit"], captured.err
    if case["exit"] == 0:
        return
    shown = captured.err if case["error"] else captured.out
    assert case["message"] in shown, shown
    if case["error"]:
        # one line naming the file (or, for rasters and vectors judged after reading, saying what is wrong)
        assert captured.err.count("error:") >= 1
    if case.get("kept") is not None and case["kind"] == "stations":
        assert f"valid sectors: {case['kept']:,}" in captured.out


@pytest.mark.parametrize("file", ["stations/kmz_traversal.kmz", "dem/truncated.tif", "vectors/roads_polygons.geojson"])
def test_real_process_exits_cleanly(file: str, corpus: dict[str, Path]) -> None:
    """The installed entry point, in its own process: exit 1/2, one message, no traceback."""
    case = next(c for c in CASES if c["file"] == file)
    argv = _argv(case, _path(case, corpus), corpus)
    done = subprocess.run([sys.executable, "-m", "towerplan", *argv], capture_output=True, text=True, timeout=300)
    assert done.returncode == case["exit"], done.stderr
    assert "Traceback" not in done.stderr
    assert case["message"] in done.stderr


# ----------------------------------------------------------------------------- docs/limits.md lists every case


def test_limits_page_lists_every_case() -> None:
    page = (HERE.parent / "docs" / "limits.md").read_text(encoding="utf-8")
    missing = [c["file"] for c in CASES if f"`{c['file']}`" not in page]
    assert not missing, f"docs/limits.md lacks {missing}: run `python scripts/make_bad_inputs.py --limits-table`"
