"""``towerplan place`` on a coarse synthetic demo province."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from towerplan.cli import main
from towerplan.demo import write_demo


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, resolution_m=300.0)
    return folder


@pytest.mark.parametrize(("objective", "budget"), [("any", ["--budget-towers", "3"]),
                                                    ("per_operator", ["--budget-vnd", "8e9"])])
def test_place_writes_the_plan(study: Path, tmp_path: Path, objective: str, budget: list[str], capsys) -> None:
    out = tmp_path / "plan"
    code = main(["place", "--scenario", str(study), *budget, "--objective", objective, "--method", "ilp",
                 "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert {p.name for p in out.iterdir()} == {"proposals.gpkg", "proposals.csv", "curve.csv",
                                                "placement_summary.json"}
    summary = json.loads((out / "placement_summary.json").read_text())
    props = pd.read_csv(out / "proposals.csv", encoding="utf-8-sig")
    assert summary["objective"] == objective
    assert summary["proposals"] == len(props) > 0
    assert summary["optimality_gap"] is not None
    assert summary["optimality_gap"] < 0.01
    if objective == "any":
        assert len(props) <= 3
        assert 0 < summary["people_newly_covered"] <= summary["people_without_coverage"]
    else:
        assert summary["cost_vnd"] <= 8e9
    assert props["build_order"].tolist() == list(range(1, len(props) + 1))
    curve = pd.read_csv(out / "curve.csv")
    assert curve["people_newly_covered"].is_monotonic_increasing
    gdf = gpd.read_file(out / "proposals.gpkg")
    assert gdf.crs.to_epsg() == 4326
    assert len(gdf) == len(props)


def test_place_errors_exit_2(study: Path, tmp_path: Path, capsys) -> None:
    assert main(["place", "--scenario", str(tmp_path / "nope"), "--budget-towers", "2", "--out",
                 str(tmp_path / "o")]) == 2
    assert "not a study-area folder" in capsys.readouterr().err
    assert main(["place", "--scenario", str(study), "--budget-towers", "0", "--out", str(tmp_path / "o")]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["place", "--scenario", str(study), "--out", str(tmp_path / "o")])
    assert exc.value.code == 2
