"""A new user's first hour (issue 21, item 6): the README's examples from any folder, a clean start-up,
and tests that write only into temporary folders."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from towerplan.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_the_tests_cache_is_a_temporary_folder() -> None:
    from app_pages.common import CACHE_DIR
    from towerplan.cli.fetch import default_cache_dir as fetch_cache
    from towerplan.study import default_cache_dir

    user_cache = Path.home() / ".cache" / "towerplan"
    for folder in (default_cache_dir(), fetch_cache(), CACHE_DIR):
        assert not folder.resolve().is_relative_to(user_cache.resolve()), folder


def test_cache_folder_follows_the_environment(monkeypatch, tmp_path) -> None:
    from towerplan.study import default_cache_dir

    monkeypatch.setenv("TOWERPLAN_CACHE_DIR", str(tmp_path / "a"))
    assert default_cache_dir() == tmp_path / "a"
    monkeypatch.delenv("TOWERPLAN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert default_cache_dir() == tmp_path / "x" / "towerplan"


def test_the_demo_scenario_is_found_from_any_folder(monkeypatch, tmp_path) -> None:
    from towerplan.cli.run import DEMO_SCENARIO, scenario_path
    from towerplan.study import load_scenario

    assert DEMO_SCENARIO.read_bytes() == (REPO / "data" / "demo" / "scenario.toml").read_bytes()
    # the files the scenario names beside it travel with the packaged copy
    villages = DEMO_SCENARIO.parent / "villages.csv"
    assert villages.read_bytes() == (REPO / "data" / "demo" / "villages.csv").read_bytes()
    monkeypatch.chdir(tmp_path)
    scenario = load_scenario(scenario_path(Path("demo")))
    assert scenario.inputs.demo is not None
    assert scenario.name == "demo"
    assert scenario.inputs.villages is not None
    assert Path(scenario.inputs.villages).is_file()
    (tmp_path / "demo").mkdir()  # a folder of that name: the user's own path wins (then an error, not the demo)
    assert scenario_path(Path("demo")) == Path("demo")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "towerplan run demo --out OUT" in readme
    assert "towerplan run data/demo" not in readme


def test_the_readme_validate_example_runs_on_files_that_exist(monkeypatch, tmp_path, capsys) -> None:
    from towerplan.demo import demo_dir
    from towerplan.study import default_cache_dir

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^towerplan (validate demo/\S+ [^#\n]*?)\s*$", readme, re.M)
    assert match, "the README shows validate on the demo's files"
    args = match.group(1).split()
    assert re.search(r"^towerplan demo --out demo/", readme, re.M)  # made by the line before
    shutil.copytree(demo_dir(default_cache_dir(), resolution_m=90), tmp_path / "demo")
    monkeypatch.chdir(tmp_path)
    assert main(args) == 0
    out = capsys.readouterr().out
    assert ("Tóm tắt" in out and "không thấy vấn đề nào" in out) or "cảnh báo" in out


def test_static_folder_is_in_a_fresh_clone() -> None:
    """Streamlit serves ./static (enableStaticServing) and warns at start-up when it is missing."""
    import subprocess

    tracked = subprocess.run(["git", "ls-files", "static"], cwd=REPO, capture_output=True, text=True, check=False)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    assert "static/README.txt" in tracked.stdout.split()


def test_the_demo_scenario_is_labelled_synthetic_with_its_shipped_village_list(monkeypatch, tmp_path) -> None:
    """The demo's village list ships beside the scenario and is synthetic like the generated province: the
    demo is labelled synthetic, never "mixed" (issue 21 item 1)."""
    from towerplan.cli.run import DEMO_SCENARIO
    from towerplan.study import load_scenario
    from towerplan.study.origin import data_origin

    monkeypatch.setenv("TOWERPLAN_CACHE_DIR", str(tmp_path / "cache"))
    inputs = load_scenario(DEMO_SCENARIO).with_resolution(1000.0).load_inputs(cache_dir=tmp_path / "cache")
    origin = data_origin(inputs)
    assert origin.kind == "synthetic", origin
    assert "villages" in origin.synthetic


def test_a_copied_demo_scenario_keeps_its_village_list_synthetic(monkeypatch, tmp_path) -> None:
    """The demo scenario and its village list copied to a folder of the user's own are still the synthetic
    demo (a byte-for-byte copy of a shipped file); an edited copy is the user's file (real)."""
    import shutil

    from towerplan.cli.run import DEMO_SCENARIO
    from towerplan.study import load_scenario
    from towerplan.study.origin import data_origin

    monkeypatch.setenv("TOWERPLAN_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "mine"
    folder.mkdir()
    shutil.copy(DEMO_SCENARIO, folder / "scenario.toml")
    shutil.copy(DEMO_SCENARIO.parent / "villages.csv", folder / "villages.csv")
    inputs = load_scenario(folder / "scenario.toml").with_resolution(1000.0).load_inputs(cache_dir=tmp_path / "cache")
    assert data_origin(inputs).kind == "synthetic"

    with (folder / "villages.csv").open("a", encoding="utf-8") as f:  # the user's own edit
        f.write("\n")
    inputs = load_scenario(folder / "scenario.toml").with_resolution(1000.0).load_inputs(cache_dir=tmp_path / "cache")
    origin = data_origin(inputs)
    assert origin.kind == "mixed"
    assert "villages" in origin.real
