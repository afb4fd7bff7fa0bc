"""``towerplan run``: the demo scenario end to end, reruns, --force, interrupted runs."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import time
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import rasterio
from coverage_runs import install

from towerplan.cli import main

REPO = Path(__file__).resolve().parents[1]
DEMO_SCENARIO = REPO / "data" / "demo" / "scenario.toml"

#: a small scenario on a coarse demo: seconds, not a minute
FAST = """
[scenario]
name = "fast"
title = "Fast test plan"
language = "en"

[inputs]
demo = {seed = 2024, resolution_m = 300}

[coverage]
technologies = ["4G"]

[placement]
method = "greedy"
budget_towers = 3

[candidates]
max_candidates = 40
"""


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# ------------------------------------------------------------------ the shipped demo, once
@pytest.fixture(scope="session")
def demo_plan(tmp_path_factory, shared_coverage_runs, shared_candidate_matrices) -> tuple[Path, float]:
    """``towerplan run data/demo/scenario.toml --out OUT`` (demo inputs from the user cache, as the app).

    The demo scenario's coverage and candidate settings are the app's defaults: its coverage step and
    candidate matrix are the session's memos of real runs (``coverage_runs``), which give what an app test
    computed on the same demo, or compute it here when this test runs first or alone; the rest of the plan
    (dead zones, the ILP, the coverage after, the package) is computed here.
    """
    out = tmp_path_factory.mktemp("demo-run") / "OUT"
    undo = install(shared_coverage_runs, shared_candidate_matrices, in_plans=True)
    start = time.perf_counter()
    try:
        code = main(["run", str(DEMO_SCENARIO), "--out", str(out), "--quiet"])
    finally:
        undo()
    assert code == 0
    return out, time.perf_counter() - start


@pytest.mark.slow  # ~50-60 s on a shared 2-core machine: the shipped demo scenario, ILP with 1,000 candidates
def test_demo_scenario_end_to_end(demo_plan) -> None:
    out, elapsed_s = demo_plan
    print(f"demo scenario: {elapsed_s:.1f} s")
    for name in ("plan.gpkg", "plan.kmz", "report.html", "report.pdf", "summary.json", "method.json",
                 "manifest.json"):
        assert (out / name).is_file(), name
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert "not real data" in s["study"].lower()
    assert s["technologies"] == ["4G"]
    assert 600_000 < s["population_total"] < 700_000  # the demo province has about 650,000 people
    assert set(s["covered_by_operator"]) == {"MobiFone", "VNPT-VinaPhone", "Viettel"}
    assert s["covered_two_or_more_operators"] < s["covered_any_operator"] < s["population_total"]
    assert s["gap_count"] > 0
    assert s["proposals"] == 10
    assert 0 < s["people_newly_covered"] <= s["uncovered"]
    assert s["placement"]["method"] == "ilp"
    assert s["placement"]["status"] == "Optimal"
    assert s["cost_vnd"] > 0
    layers = {name for name, _ in pyogrio.list_layers(out / "plan.gpkg")}
    assert {"stations", "gaps", "proposals", "commune_stats", "road_coverage"} <= layers
    with rasterio.open(out / "rasters" / "best_rsrp_dbm.tif") as ds:
        assert ds.crs.to_epsg() == 32648
        assert ds.res == (90.0, 90.0)
        level = ds.read(1, masked=True)
        assert level.count() > 0
        assert level.max() <= 0
        assert level.min() >= -110.0
    with rasterio.open(out / "rasters" / "coverage_before_dbm.tif") as b, \
            rasterio.open(out / "rasters" / "coverage_after_dbm.tif") as a:
        before, after = b.read(1, masked=True), a.read(1, masked=True)
        assert after.count() > before.count()  # the proposals add coverage
    method = json.loads((out / "method.json").read_text(encoding="utf-8"))
    roles = {f["role"] for f in method["input_files"]}
    assert {"dem", "population", "stations", "communes", "roads"} <= roles
    assert all(len(f["sha256"]) == 64 for f in method["input_files"])
    assert method["settings"]["scenario"]["name"] == "demo"
    assert method["settings"]["placement"]["max_sites"] == 10


# ------------------------------------------------------------------ a small scenario, twice
@pytest.fixture(scope="module")
def fast(tmp_path_factory):
    """The fast scenario run twice: into A, then with --force over B (a copy of A with a stale file)."""
    import towerplan.study.steps as wf

    root = tmp_path_factory.mktemp("fast")
    scenario = root / "scenario.toml"
    scenario.write_text(FAST, encoding="utf-8")
    captured = {}
    real = wf.run_plan

    def spy(*args, **kw):
        captured["results"] = real(*args, **kw)
        return captured["results"]

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(root / "cache"))
        mp.setattr(wf, "run_plan", spy)
        assert main(["run", str(scenario), "--out", str(root / "A")]) == 0
        shutil.copytree(root / "A", root / "B")
        (root / "B" / "stale.txt").write_text("from an earlier run")
        assert main(["run", str(scenario), "--out", str(root / "B"), "--force", "--quiet",
                     "--compare-with", str(root / "A")]) == 0
    return {"root": root, "scenario": scenario, "results": captured["results"]}


@pytest.fixture
def fenv(fast, monkeypatch):
    """The fast scenario's runs, with its demo cache in use."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(fast["root"] / "cache"))
    return fast


def test_the_rerun_report_compares_it_with_the_first_run(fast) -> None:
    import openpyxl

    b = fast["root"] / "B"
    html = (b / "report.html").read_text(encoding="utf-8")
    assert ("So sánh với phương án khác" in html) or ("Comparison with another option" in html)
    sheets = openpyxl.load_workbook(b / "plan.xlsx", read_only=True).sheetnames
    assert "So sánh trạm đề xuất" in sheets
    assert "So sánh trạm đề xuất" not in openpyxl.load_workbook(fast["root"] / "A" / "plan.xlsx",
                                                                 read_only=True).sheetnames
    # a folder that is no plan package is refused before any work
    out = fast["root"] / "never"
    assert main(["run", str(fast["scenario"]), "--out", str(out), "--compare-with", str(fast["root"])]) != 0
    assert not out.exists()


def test_rerun_gives_identical_summary_and_rasters(fast) -> None:
    a, b = fast["root"] / "A", fast["root"] / "B"
    assert (a / "summary.json").read_bytes() == (b / "summary.json").read_bytes()
    tifs = sorted(p.relative_to(a) for p in (a / "rasters").glob("*.tif"))
    assert len(tifs) >= 7
    assert tifs == sorted(p.relative_to(b) for p in (b / "rasters").glob("*.tif"))
    for rel in tifs:
        with rasterio.open(a / rel) as ra, rasterio.open(b / rel) as rb:
            assert ra.transform == rb.transform
            np.testing.assert_array_equal(ra.read(), rb.read(), err_msg=str(rel))  # NaN == NaN here
    summary = json.loads((a / "summary.json").read_text(encoding="utf-8"))
    assert summary["proposals"] == 3
    assert summary["placement"]["method"] == "greedy"


def test_force_replaces_the_whole_folder(fast) -> None:
    b = fast["root"] / "B"
    assert not (b / "stale.txt").exists()
    assert (b / "summary.json").is_file()
    assert _hidden(fast["root"]) == []  # no temporary folder left beside it


def test_the_language_comes_from_the_scenario_unless_given(fenv, monkeypatch) -> None:
    import towerplan.export.package as package
    import towerplan.study.steps as wf

    seen = []
    monkeypatch.setattr(wf, "run_plan", lambda *a, **k: fenv["results"])
    monkeypatch.setattr(package, "write_plan_package", lambda pkg, out, **kw: seen.append(kw["lang"]))
    root = fenv["root"]
    assert main(["run", str(fenv["scenario"]), "--out", str(root / "L1"), "--quiet"]) == 0
    assert main(["run", str(fenv["scenario"]), "--out", str(root / "L2"), "--quiet", "--lang", "vi"]) == 0
    assert seen == ["en", "vi"]


# ------------------------------------------------------------------ refusals
def test_existing_out_without_force_exits_2_before_any_work(fenv, monkeypatch, capsys) -> None:
    from towerplan.study import Scenario

    def boom(self, **kw):
        raise AssertionError("inputs must not be read")

    monkeypatch.setattr(Scenario, "load_inputs", boom)
    a = fenv["root"] / "A"
    before = _digests(a)
    assert main(["run", str(fenv["scenario"]), "--out", str(a)]) == 2
    err = capsys.readouterr().err
    assert f"output folder {a} exists; use --force to replace it" in err
    assert _digests(a) == before


def test_out_holding_the_inputs_is_refused(tmp_path: Path, capsys) -> None:
    (tmp_path / "scenario.toml").write_text(FAST, encoding="utf-8")
    assert main(["run", str(tmp_path / "scenario.toml"), "--out", str(tmp_path), "--force"]) == 2
    assert "holds the scenario or its inputs" in capsys.readouterr().err
    assert (tmp_path / "scenario.toml").is_file()


def test_force_does_not_replace_a_folder_that_is_not_a_plan(tmp_path: Path, capsys) -> None:
    (tmp_path / "s.toml").write_text(FAST, encoding="utf-8")
    other = tmp_path.parent / f"{tmp_path.name}-other"
    other.mkdir()
    (other / "thesis.docx").write_text("precious")
    try:
        assert main(["run", str(tmp_path / "s.toml"), "--out", str(other), "--force"]) == 2
        assert "holds no plan package" in capsys.readouterr().err
        assert (other / "thesis.docx").read_text() == "precious"
    finally:
        shutil.rmtree(other)


def test_a_bad_scenario_exits_2_listing_every_problem(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[inputs]\ndemo = true\n[coverage]\ntreshold_dbm = -100\n[run]\nexecutor = "x"\n')
    assert main(["run", str(bad), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "bad.toml: 2 problems" in err
    assert "coverage.treshold_dbm: unknown key (did you mean 'threshold_dbm'?)" in err
    assert "run.executor: expected one of" in err
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ interrupted runs
def _break_export_after(monkeypatch, n_steps: int, exc: BaseException) -> None:
    import towerplan.export._steps as steps

    real = steps.plan_steps

    def broken(package, **kw):
        out = list(real(package, **kw))

        def fail(stage: Path) -> None:
            assert any(stage.iterdir())  # some files are already written
            raise exc

        return [*out[:n_steps], ("boom", fail), *out[n_steps:]]

    monkeypatch.setattr(steps, "plan_steps", broken)


@pytest.mark.parametrize(("exc", "code"), [(KeyboardInterrupt(), 130), (RuntimeError("disk on fire"), 3)])
def test_an_interrupted_export_leaves_the_previous_plan(fenv, monkeypatch, capsys, exc, code) -> None:
    import towerplan.study.steps as wf

    a = fenv["root"] / "A"
    before = _digests(a)
    monkeypatch.setattr(wf, "run_plan", lambda *args, **kw: fenv["results"])
    _break_export_after(monkeypatch, 3, exc)
    assert main(["run", str(fenv["scenario"]), "--out", str(a), "--force", "--quiet"]) == code
    assert _digests(a) == before
    assert _hidden(fenv["root"]) == []
    err = capsys.readouterr().err
    assert ("interrupted" if code == 130 else "disk on fire") in err


def test_a_failing_computation_leaves_the_previous_plan(fenv, monkeypatch, capsys) -> None:
    import towerplan.study.steps as wf
    from towerplan.errors import InputError

    def fail(*args, **kw):
        raise InputError("no candidate sites")

    a = fenv["root"] / "A"
    before = _digests(a)
    monkeypatch.setattr(wf, "run_plan", fail)
    assert main(["run", str(fenv["scenario"]), "--out", str(a), "--force"]) == 1
    assert "no candidate sites" in capsys.readouterr().err
    assert _digests(a) == before


# ------------------------------------------------------------------ progress bar
def test_progress_bar_draws_one_line() -> None:
    from towerplan.cli.run import ProgressBar

    stream = io.StringIO()
    bar = ProgressBar(stream, width=10, min_interval_s=0.0)
    bar("coverage", 0.0)
    bar("coverage", 0.5)
    bar("done", 1.0)
    bar.close()
    text = stream.getvalue()
    assert text.count("\r") == 3
    assert "[#####-----]  50%" in text
    assert "[##########] 100%" in text
    assert text.endswith("\n")
    assert "\n" not in text[:-1]


def test_progress_bar_throttles_redraws_of_one_stage() -> None:
    from towerplan.cli.run import ProgressBar

    stream = io.StringIO()
    bar = ProgressBar(stream, min_interval_s=60.0)
    for k in range(100):
        bar("coverage", k / 200)
    bar("dead zones", 0.6)
    assert stream.getvalue().count("\r") == 2


def test_no_bar_when_stderr_is_not_a_terminal(fenv, monkeypatch, capsys) -> None:
    import towerplan.export.package as package
    import towerplan.study.steps as wf

    monkeypatch.setattr(wf, "run_plan", lambda *a, **k: fenv["results"])
    monkeypatch.setattr(package, "write_plan_package", lambda pkg, out, **kw: out)
    assert main(["run", str(fenv["scenario"]), "--out", str(fenv["root"] / "N")]) == 0
    captured = capsys.readouterr()
    assert "\r[" not in captured.err
    assert captured.out.startswith("run: ")
    # the headline figures as summary.json's figures (towerplan.i18n_summary), here in the scenario's language
    from towerplan.cli.run import summary_text
    from towerplan.study.records import plan_summary

    summary, _ = plan_summary(fenv["results"])
    assert summary_text(summary, lang="vi") in captured.out or summary_text(summary, lang="en") in captured.out
    assert summary["figures"]["proposals"] == 3


def test_help_lists_run(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "run" in capsys.readouterr().out


@pytest.mark.parametrize("moment", ["computing", "writing"])
def test_a_run_killed_outright_leaves_the_previous_plan(fenv, tmp_path: Path, moment: str) -> None:
    """SIGKILL (no handler can run) while computing, or while the package is half written."""
    import os
    import signal
    import subprocess
    import sys

    out = tmp_path / "OUT"
    shutil.copytree(fenv["root"] / "A", out)
    before = _digests(out)
    env = {**os.environ, "XDG_CACHE_HOME": str(fenv["root"] / "cache"), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "towerplan", "run", str(fenv["scenario"]), "--out", str(out),
                             "--force", "--quiet"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    try:
        if moment == "computing":
            time.sleep(3.0)  # imports done, coverage or gaps running; nothing written yet
        else:
            while time.monotonic() < deadline and proc.poll() is None:
                stages = list(tmp_path.glob(".OUT.tmp-*"))
                if stages and any(p.is_file() for p in stages[0].rglob("*")):
                    break
                time.sleep(0.005)
        assert proc.poll() is None, "the run ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert _digests(out) == before  # the previous plan, byte for byte
    # the next run tidies what the killed one left and replaces the plan
    assert main(["run", str(fenv["scenario"]), "--out", str(out), "--force", "--quiet"]) == 0
    assert _hidden(tmp_path) == []
    assert _digests(out) == _digests(fenv["root"] / "A")
