"""Land cover as a study input (issue 15 items 2 and 6): read once, given to the engine as clutter for the
existing sectors and the candidates alike, named in method.json and the report, and refused clearly when bad.

A small synthetic study (50 x 50 cells of 90 m near Thanh Hóa, one three-sector 4G site, ITU-R P.1812):
forest over the west half, cropland over the east, a town block and a lake.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer

from towerplan.cli import main as cli_main
from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.config import CoverageConfig
from towerplan.errors import RasterDataError, TowerplanError
from towerplan.hashing import sha256_file

N = 50
RES_M = 90.0
TRANSFORM = Affine(RES_M, 0.0, 560_000.0, 0.0, -RES_M, 2_205_000.0)
CONFIG = CoverageConfig(model="p1812", max_radius_m=2_000.0)


def _write(path: Path, values: np.ndarray, *, dtype: str, nodata: float | None, crs: str | None = "EPSG:32648",
           transform: Affine = TRANSFORM) -> Path:
    profile = {"driver": "GTiff", "width": values.shape[1], "height": values.shape[0], "count": 1, "dtype": dtype,
               "transform": transform, "nodata": nodata}
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(values.astype(dtype), 1)
    return path


def _classes() -> np.ndarray:
    lc = np.full((N, N), 40, np.uint8)  # cropland
    lc[:, : N // 2] = 10  # tree cover over the west half
    lc[20:30, 30:38] = 50  # a town
    lc[5:12, 35:45] = 80  # a lake
    return lc


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("lcstudy")
    yy, xx = np.mgrid[0:N, 0:N].astype(np.float32)
    dem = 20.0 + 0.4 * xx + 15.0 * np.exp(-((xx - 12) ** 2 + (yy - 35) ** 2) / 40.0)
    x0, y0 = TRANSFORM @ (N / 2, N / 2)
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(x0, y0)
    pd.DataFrame({"site_id": "S1", "cell_id": ["S1-1", "S1-2", "S1-3"], "operator": "Viettel", "technology": "4G",
                  "lon": lon, "lat": lat, "antenna_height_m": 30.0, "azimuth_deg": [0.0, 120.0, 240.0],
                  "freq_mhz": 1842.5, "eirp_dbm": 61.0}).to_csv(root / "stations.csv", index=False)
    lc = _classes()
    unknown = lc.copy()
    unknown[:3, :4] = 77  # a class WorldCover does not have: 12 cells
    return {
        "root": root,
        "dem": _write(root / "dem.tif", dem, dtype="float32", nodata=-9999.0),
        "population": _write(root / "population.tif", np.full((N, N), 10.0), dtype="float32", nodata=-1.0),
        "stations": root / "stations.csv",
        "landcover": _write(root / "landcover.tif", lc, dtype="uint8", nodata=0),
        "no_crs": _write(root / "no_crs.tif", lc, dtype="uint8", nodata=0, crs=None),
        "far": _write(root / "far.tif", lc, dtype="uint8", nodata=0,
                      transform=Affine(RES_M, 0.0, 760_000.0, 0.0, -RES_M, 2_005_000.0)),
        "unknown": _write(root / "unknown.tif", unknown, dtype="uint8", nodata=0),
        "all_nodata": _write(root / "all_nodata.tif", np.zeros((N, N)), dtype="uint8", nodata=0),
    }


#: the bad land-cover rasters and a fragment of their message
BAD = {
    "no_crs": "no coordinate reference system",
    "far": "does not overlap the DEM grid",
    "unknown": "class 77: 12 cells",
    "all_nodata": "nodata everywhere",
}


def _scenario(study: dict[str, Path], name: str, landcover: str | None) -> Path:
    lines = ["[scenario]", f'name = "{name}"', 'language = "en"', "", "[inputs]", 'dem = "dem.tif"',
             'population = "population.tif"', 'stations = "stations.csv"']
    if landcover is not None:
        lines.append(f"landcover = {landcover}")
    lines += ["", "[coverage]", 'technologies = ["4G"]', 'model = "p1812"', "max_radius_m = 2000.0"]
    path = study["root"] / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _plan(study: dict[str, Path], name: str, landcover: str | None) -> Any:
    from towerplan.study import load_scenario, run_plan

    scenario = load_scenario(_scenario(study, name, landcover))
    return scenario, run_plan(scenario.load_inputs(), scenario.settings)


@pytest.fixture(scope="module")
def plans(study: dict[str, Path]) -> dict[str, Any]:
    return {"with": _plan(study, "with", '"landcover.tif"'), "without": _plan(study, "without", None)}


# ------------------------------------------------------------------ the clutter reaches the kernel
def test_scenario_land_cover_reaches_the_kernel(plans: dict[str, Any], study: dict[str, Path]) -> None:
    scenario, with_lc = plans["with"]
    assert scenario.inputs.landcover == (study["landcover"].resolve(),)
    inputs = with_lc.inputs
    assert inputs.land_cover.source == "landcover.tif"
    assert inputs.clutter is not None
    assert inputs.clutter is inputs.clutter
    assert int(inputs.clutter.code[0, 0]) == 4
    assert float(inputs.clutter.height_m[0, 0]) == 15.0
    assert int(inputs.clutter.code[25, 32]) == 4  # built-up: P.1812 urban
    _, without = plans["without"]
    assert without.inputs.clutter is None
    a, b = with_lc.coverage.path_loss.values, without.coverage.path_loss.values
    both = np.isfinite(a) & np.isfinite(b)
    assert both.sum() > 300
    # beyond the first cells the terminal in 15 m of trees is shadowed: more loss in the forest half
    forest = both.copy()
    forest[:, N // 2 - 3:] = False
    assert np.nanmedian(a[forest] - b[forest]) > 3.0
    assert not np.array_equal(with_lc.coverage.best_level.values, without.coverage.best_level.values)


def test_land_cover_runs_are_deterministic(plans: dict[str, Any], study: dict[str, Path]) -> None:
    from towerplan.study import run_coverage_step

    _, first = plans["with"]
    again = run_coverage_step(first.inputs, first.settings.coverage)
    assert np.array_equal(again.best_level.values, first.coverage.best_level.values, equal_nan=True)


def test_without_land_cover_the_default_class_is_used_and_said(plans: dict[str, Any]) -> None:
    from towerplan.export.report_model import method_blocks
    from towerplan.study import method_record

    _, without = plans["without"]
    assert without.inputs.land_cover.source == "none"
    assert any("no land cover given" in w for w in without.inputs.warnings)
    method = method_record(without)
    assert method["land_cover"]["source"] == "default class"
    assert method["land_cover"]["files"] == []
    assert any("no land cover given" in n for n in method["notes"])
    assert "land cover: none given" in method["models"]["p1812"]
    texts = [b.text for b in method_blocks(method, "en")]
    assert "Land cover and clutter" in texts
    assert any(t.startswith("Land-cover source: none: every cell uses the default class") for t in texts)
    vi = [b.text for b in method_blocks(method, "vi")]
    assert "Lớp phủ mặt đất và vật cản (clutter)" in vi


def test_method_and_report_name_the_source_table_and_model(plans: dict[str, Any], study: dict[str, Path]) -> None:
    from towerplan.export.report_model import method_blocks
    from towerplan.study import method_record

    _, with_lc = plans["with"]
    method = json.loads(json.dumps(method_record(with_lc)))  # JSON-ready as written into method.json
    cover = method["land_cover"]
    assert cover["source"] == "landcover.tif"
    assert cover["files"] == [{"file": "landcover.tif", "sha256": sha256_file(study["landcover"])}]
    assert cover["table"] == "ESA WorldCover 10 m v200"
    assert "P.1812-7 Table 2" in cover["table_source"]
    assert cover["models_using"] == ["p1812"]
    assert {c["class"] for c in cover["classes"]} == {10, 40, 50, 80}
    assert sum(c["cells"] for c in cover["classes"]) == N * N
    assert {r["class"]: r["height_m"] for r in cover["clutter_table"]}[10] == 15.0
    assert "land cover: landcover.tif (class table: ESA WorldCover 10 m v200)" in method["models"]["p1812"]
    assert {f["role"] for f in method["input_files"]} >= {"landcover"}
    texts = [b.text for b in method_blocks(method, "en")]
    assert f"Land-cover source: landcover.tif (SHA-256 {cover['files'][0]['sha256']})" in texts
    assert "Models using the land cover: p1812" in texts
    table = next(b for b in method_blocks(method, "en") if b.kind == "table" and "Clutter height (m)" in b.columns)
    assert [r[0] for r in table.rows] == ["10", "40", "50", "80"]


def test_landcover_false_turns_a_folder_land_cover_off(study: dict[str, Path]) -> None:
    from towerplan.study import load_scenario

    path = _scenario(study, "off", "false")
    scenario = load_scenario(path)
    assert scenario.inputs.landcover_off
    assert "landcover = false" in scenario.to_toml()
    folder = study["root"]
    text = path.read_text(encoding="utf-8").replace('dem = "dem.tif"', f'study_folder = "{folder.as_posix()}"')
    path.write_text(text.replace('population = "population.tif"\n', "").replace('stations = "stations.csv"\n', ""),
                    encoding="utf-8")
    assert "landcover" not in load_scenario(path).input_files()
    on = load_scenario(_scenario(study, "folder_on", None)).input_files()
    assert "landcover" not in on  # named files only: the scenario names none
    path.write_text(text.replace("landcover = false\n", ""), encoding="utf-8")
    assert load_scenario(path).input_files()["landcover"] == folder / "landcover.tif"


# ------------------------------------------------------------------ proposals see the same world
def test_candidates_coverage_matrix_takes_the_clutter(plans: dict[str, Any]) -> None:
    from towerplan.coverage.engine import run_coverage
    from towerplan.coverage.footprint import dem_window
    from towerplan.planning.matrix import CandidateRadio, candidate_sectors, coverage_matrix

    inputs = plans["with"][1].inputs
    dem, clutter = inputs.dem, inputs.clutter
    x, y = dem.transform @ (15.5, 30.5)
    lon, lat = Transformer.from_crs(dem.crs, 4326, always_xy=True).transform(x, y)
    cands = pd.DataFrame({"candidate_id": ["G1"], "lon": [lon], "lat": [lat], "mast_height_m": [30.0]})
    demand = np.ones(dem.shape, dtype=bool)
    radio = CandidateRadio()
    with_lc, cells = coverage_matrix(dem, cands, demand, radio=radio, config=CONFIG, clutter=clutter)
    bare, _ = coverage_matrix(dem, cands, demand, radio=radio, config=CONFIG)
    assert with_lc.nnz < bare.nnz  # the forest shadows the terminals
    # the row is what run_coverage gives on the candidate's window with the same clutter
    win, r0, c0 = dem_window(dem, x, y, CONFIG.max_radius_m)
    part = ClutterGrid(*clutter.window(r0, r0 + win.height, c0, c0 + win.width))
    ref = run_coverage(win, candidate_sectors(cands.iloc[0], radio), config=CONFIG, clutter=part)
    rr, cc = np.nonzero(ref.server_count.values > 0)
    expected = np.sort((rr + r0) * dem.width + (cc + c0))
    assert np.array_equal(np.sort(cells[with_lc.indices]), expected)


def test_placement_passes_the_clutter_on(plans: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    import towerplan.planning.placement as placement
    from towerplan.planning.shared_towers import PlacementSettings
    from towerplan.study import run_placement_step

    _, with_lc = plans["with"]
    seen: list[Any] = []

    def spy(*args: Any, **kw: Any) -> Any:
        seen.append(kw.get("clutter"))
        raise RuntimeError("stop after the matrix call")

    monkeypatch.setattr(placement, "coverage_matrix_mixed", spy)  # the matrix of every candidate radio
    with pytest.raises(RuntimeError, match="stop after"):
        run_placement_step(with_lc.inputs, with_lc.coverage, PlacementSettings(max_sites=1),
                           coverage_config=with_lc.settings.coverage)
    assert seen == [with_lc.inputs.clutter]


# ------------------------------------------------------------------ each file read once
def test_each_land_cover_file_is_read_once(study: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import towerplan.landcover.grid as grid_module
    from towerplan.study import read_study_files, run_coverage_step

    calls: list[str] = []
    real = grid_module._warp_source

    def counting(path: Path, *args: Any) -> Any:
        calls.append(Path(path).name)
        return real(path, *args)

    monkeypatch.setattr(grid_module, "_warp_source", counting)
    files = {k: study[k] for k in ("dem", "population", "stations", "landcover")}
    inputs = read_study_files(files)
    run_coverage_step(inputs, CONFIG)
    run_coverage_step(inputs, CONFIG)
    assert calls == ["landcover.tif"]


# ------------------------------------------------------------------ bad land cover: library, CLI, app
@pytest.mark.parametrize("bad", sorted(BAD))
def test_bad_land_cover_library(study: dict[str, Path], bad: str) -> None:
    from towerplan.study import read_study_files

    files = {k: study[k] for k in ("dem", "population", "stations")}
    with pytest.raises(RasterDataError) as info:
        read_study_files({**files, "landcover": study[bad]})
    assert BAD[bad] in str(info.value)
    assert study[bad].name in str(info.value)


@pytest.mark.parametrize("bad", sorted(BAD))
def test_bad_land_cover_cli(study: dict[str, Path], bad: str, capsys: Any, tmp_path: Path) -> None:
    code = cli_main(["coverage", "--dem", str(study["dem"]), "--stations", str(study["stations"]), "--out",
                     str(tmp_path / "out"), "--resolution-m", "90", "--model", "p1812", "--landcover",
                     str(study[bad])])
    err = capsys.readouterr().err
    assert code == 1, err
    assert BAD[bad] in err
    assert "Traceback" not in err


@pytest.mark.parametrize("bad", sorted(BAD))
def test_bad_land_cover_app_upload(study: dict[str, Path], bad: str, tmp_path: Path) -> None:
    from app_pages.uploads import handle_upload, upload_display
    from towerplan.study import read_study_dem

    dem = read_study_dem(study["dem"])
    up = handle_upload("landcover", f"{bad}.tif", study[bad].read_bytes(), tmp_path, "en", dem=dem)
    assert not up.ok
    assert up.path is None
    shown = " ".join(text for _, text in upload_display(up))
    assert BAD[bad] in shown
    assert str(tmp_path) not in shown  # the server's folders are not shown
    assert not any((tmp_path / "uploads").glob("*"))  # nothing unusable is kept


def test_app_upload_reads_the_land_cover_once(study: dict[str, Path], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import towerplan.landcover.grid as grid_module
    from app_pages.uploads import assemble_uploads, handle_upload
    from towerplan.study import read_input, read_study_dem

    calls: list[str] = []
    real = grid_module._warp_source
    monkeypatch.setattr(grid_module, "_warp_source", lambda p, *a: calls.append(Path(p).name) or real(p, *a))
    dem = read_study_dem(study["dem"])
    ups = {"stations": [handle_upload("stations", "s.csv", study["stations"].read_bytes(), tmp_path, "en")],
           "landcover": [handle_upload("landcover", "lc.tif", study["landcover"].read_bytes(), tmp_path, "en",
                                       dem=dem)]}
    assert ups["landcover"][0].ok, ups["landcover"][0].messages
    base = read_study_files_for_base(study)
    inputs, paths = assemble_uploads(ups, label="up", stations=ups["stations"][0].value, dem=None, base=base)
    assert len(calls) == 1
    assert inputs.land_cover is ups["landcover"][0].value
    assert inputs.clutter is not None
    assert paths["landcover"] == [ups["landcover"][0].path]
    assert "landcover_1" in inputs.files
    # other land cover read onto the upload's own DEM keeps the lattice check
    with pytest.raises(TowerplanError, match="land cover must be on the DEM's lattice"):
        replace(inputs, dem=read_input("dem", study["dem"], resolution_m=180.0),
                population=read_input("population", study["population"],
                                      dem=read_input("dem", study["dem"], resolution_m=180.0)).grid)


def read_study_files_for_base(study: dict[str, Path]) -> Any:
    from towerplan.study import read_study_files

    return read_study_files({k: study[k] for k in ("dem", "population", "stations")})


def test_cli_coverage_names_the_land_cover(study: dict[str, Path], tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "cov"
    code = cli_main(["coverage", "--dem", str(study["dem"]), "--stations", str(study["stations"]), "--out",
                     str(out), "--resolution-m", "90", "--model", "p1812", "--max-radius-m", "2000",
                     "--landcover", str(study["landcover"])])
    assert code == 0, capsys.readouterr().err
    summary = json.loads((out / "coverage_summary.json").read_text(encoding="utf-8"))
    assert summary["land_cover"]["source"] == "landcover.tif"
    assert summary["inputs"]["landcover"] == [str(study["landcover"])]
    code = cli_main(["coverage", "--dem", str(study["dem"]), "--stations", str(study["stations"]), "--out",
                     str(tmp_path / "bare"), "--resolution-m", "90", "--model", "p1812", "--max-radius-m", "2000"])
    captured = capsys.readouterr()
    assert code == 0
    assert "no land cover given" in captured.err
    bare = json.loads((tmp_path / "bare" / "coverage_summary.json").read_text(encoding="utf-8"))
    assert bare["land_cover"]["source"] == "default class"
    assert "landcover" not in bare["inputs"]


def test_land_cover_warnings_are_said_in_vietnamese(study: dict[str, Path]) -> None:
    from towerplan.landcover import default_land_cover, read_land_cover
    from towerplan.plan_checks import warning_in
    from towerplan.study import read_study_dem

    dem = read_study_dem(study["dem"])
    (text,) = default_land_cover(dem).warnings
    assert warning_in(text, "vi").startswith("không có lớp phủ mặt đất")
    assert warning_in(text, "en") == text
    holes = _classes()
    holes[:10, :] = 0  # nodata
    (text,) = read_land_cover(_write(study["root"] / "holes.tif", holes, dtype="uint8", nodata=0), dem).warnings
    assert warning_in(text, "vi").startswith("lớp phủ mặt đất: 500 trên 2,500 ô (20.00 %)")


def test_run_landcover_flags_replace_the_scenario_files(study: dict[str, Path]) -> None:
    import argparse

    from towerplan.cli.run import _with_files
    from towerplan.study import load_scenario

    scenario = load_scenario(_scenario(study, "flags", "false"))
    args = argparse.Namespace(calibration=None, landcover=[study["landcover"]], landcover_table=None)
    given = _with_files(scenario, args)
    assert given.inputs.landcover == (study["landcover"].resolve(),)
    assert not given.inputs.landcover_off
    assert given.input_files()["landcover"] == (study["landcover"].resolve(),)
    none = argparse.Namespace(calibration=None, landcover=None, landcover_table=None)
    assert _with_files(scenario, none) is scenario
