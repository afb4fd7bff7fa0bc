"""Plans compared: a plan against itself changes nothing; two constructed plans differ exactly as built."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import CRS
from shapely.geometry import Point, box

from towerplan.cli import main
from towerplan.errors import ConfigError, UnreadableFileError
from towerplan.export.compare import PlanView, compare_plans
from towerplan.export.compare_io import unpack_plan_zip, write_comparison
from towerplan.grid import Grid

UTM = CRS.from_epsg(32648)
X0, Y0, CELL = 560_000.0, 2_200_000.0, 100.0  # a 10 x 10 grid of 100 m: 0.01 km2 a cell


def _grid(values: np.ndarray) -> Grid:
    return Grid(values.astype(np.float32), Affine(CELL, 0, X0, 0, -CELL, Y0), UTM, np.nan)


def _lonlat(x: float, y: float) -> tuple[float, float]:
    p = gpd.GeoSeries([Point(x, y)], crs=UTM).to_crs(4326).iloc[0]
    return p.x, p.y


def _proposals(rows: list[tuple[str, str, float, float, float, float]]) -> gpd.GeoDataFrame:
    """(candidate_id, kind, x, y, mast height, people newly covered) in metres of the grid's CRS."""
    recs = []
    for cid, kind, x, y, height, people in rows:
        lon, lat = _lonlat(x, y)
        recs.append({"candidate_id": cid, "kind": kind, "lon": lon, "lat": lat, "mast_height_m": height,
                     "operators_hosted": "MobiFone / Viettel", "people_newly_covered": people, "cost_vnd": 1e9})
    return gpd.GeoDataFrame(recs, geometry=gpd.points_from_xy([r[2] for r in rows], [r[3] for r in rows]), crs=UTM)


def _communes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"commune_id": ["W", "E"], "name": ["Xã Tây", "Xã Đông"],
                             "people_covered_any": [1000.0, 2000.0], "gap_people": [300.0, 100.0]},
                            geometry=[box(X0, Y0 - 1000, X0 + 500, Y0), box(X0 + 500, Y0 - 1000, X0 + 1000, Y0)],
                            crs=UTM)


def _villages(served_after: list[bool]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"village_id": ["V1", "V2", "V3"], "name": ["Thôn 1", "Bản 2", "Bản 3"],
                             "unit": ["Xã Tây", "Xã Đông", "Xã Đông"], "households": [50.0, 60.0, 70.0],
                             "served_any": [True, False, False], "served_after_plan": served_after},
                            geometry=[Point(X0 + 150, Y0 - 150), Point(X0 + 750, Y0 - 750),
                                      Point(X0 + 850, Y0 - 850)], crs=UTM)


def plan_a() -> PlanView:
    level = np.full((10, 10), np.nan)
    level[:, :5] = -100.0  # the west half served
    level[0, 5] = -108.0
    props = _proposals([("G1", "greenfield", X0 + 250, Y0 - 250, 40.0, 500.0),
                        ("P7", "colocation", X0 + 750, Y0 - 250, 30.0, 200.0)])
    summary = {"threshold_dbm": -110.0, "covered_any_operator": 3000.0, "people_newly_covered": 700.0,
               "proposals": 2, "cost_vnd": 2e9}
    return PlanView("A", summary, _grid(level), _communes(), props, _villages([True, False, False]))


def plan_b() -> PlanView:
    level = np.full((10, 10), np.nan)
    level[:, :5] = -100.0
    level[:2, 5:] = -105.0  # 10 cells gain service, (0, 5) among them at +3 dB
    level[9, 0] = np.nan  # one cell loses it
    props = _proposals([("P7", "colocation", X0 + 750, Y0 - 250, 30.0, 250.0),  # same site
                        ("G1", "greenfield", X0 + 250, Y0 - 250, 45.0, 520.0),  # taller mast: changed
                        ("G9", "greenfield", X0 + 850, Y0 - 850, 40.0, 300.0)])  # new
    summary = {"threshold_dbm": -110.0, "covered_any_operator": 3000.0, "people_newly_covered": 1070.0,
               "proposals": 3, "cost_vnd": 3e9}
    return PlanView("B", summary, _grid(level), _communes(), props, _villages([True, True, False]))


def test_a_plan_compared_with_itself_changes_nothing():
    result = compare_plans(plan_a(), plan_a())
    assert result.identical
    assert len(result.proposals) == 0
    assert len(result.villages) == 0
    assert (np.asarray(result.rasters["served_change"].values) == 0).all()
    finite = np.isfinite(result.rasters["level_change_db"].values)
    assert finite.sum() == 51
    assert (result.rasters["level_change_db"].values[finite] == 0).all()
    assert (result.communes["people_covered_change"] == 0).all()
    assert (result.communes[["gained_km2", "lost_km2"]].to_numpy() == 0).all()
    s = result.summary
    assert s["people_covered_change"] == 0
    assert s["area_gained_km2"] == 0
    assert s["proposals_differing"] == 0


def test_two_plans_differ_as_constructed():
    result = compare_plans(plan_a(), plan_b())
    assert not result.identical
    change = np.asarray(result.rasters["served_change"].values)
    assert (change == 1).sum() == 9
    assert (change == -1).sum() == 1
    assert result.rasters["level_change_db"].values[0, 5] == pytest.approx(3.0)
    s = result.summary
    assert s["area_gained_km2"] == pytest.approx(0.09)
    assert s["area_lost_km2"] == pytest.approx(0.01)
    assert s["people_covered_change"] == pytest.approx(370.0)
    assert (s["proposals_a"], s["proposals_b"], s["proposals_differing"]) == (2, 3, 2)
    assert (s["villages_gained"], s["villages_lost"]) == (1, 0)
    assert s["cost_vnd_change"] == pytest.approx(1e9)
    props = dict(zip(result.proposals["candidate_id"], result.proposals["change"], strict=True))
    assert props == {"G1": "changed", "G9": "only_b"}  # P7 is the same site in both (people differ, not the site)
    assert result.villages[["village_id", "change"]].values.tolist() == [["V2", "gained"]]
    communes = result.communes.set_index("commune_id")
    # west: G1 in both (500 -> 520 people); east: P7 (200 -> 250) and the new G9 (300)
    assert communes.loc["W", "people_covered_change"] == pytest.approx(20.0)
    assert communes.loc["E", "people_covered_change"] == pytest.approx(350.0)
    assert communes.loc["E", ["proposals_a", "proposals_b"]].tolist() == [1, 2]
    assert communes.loc["E", "gained_km2"] == pytest.approx(0.09)
    assert communes.loc["W", "lost_km2"] == pytest.approx(
        0.01)
    swapped = compare_plans(plan_b(), plan_a())  # the other way round: the signs flip
    assert swapped.summary["people_covered_change"] == pytest.approx(-370.0)
    assert swapped.summary["area_lost_km2"] == pytest.approx(0.09)
    assert dict(zip(swapped.proposals["candidate_id"], swapped.proposals["change"], strict=True)) == {
        "G1": "changed", "G9": "only_a"}


def test_plans_on_other_grids_are_refused():
    b = plan_b()
    other = Grid(np.asarray(b.level.values), Affine(CELL, 0, X0 + 50, 0, -CELL, Y0), UTM, np.nan)
    with pytest.raises(ConfigError, match="not on the same grid"):
        compare_plans(plan_a(), dataclasses.replace(b, level=other))


def _write_view(view: PlanView, folder) -> None:
    """A plan package folder as `towerplan run` lays it out, with only what a comparison reads."""
    from towerplan.rasters import write_grid

    (folder / "rasters").mkdir(parents=True)
    (folder / "summary.json").write_text(json.dumps(view.summary), encoding="utf-8")
    write_grid(view.level, folder / "rasters" / "coverage_after_dbm.tif")
    for layer in ("commune_stats", "proposals", "villages"):
        getattr(view, layer).to_file(folder / "plan.gpkg", layer=layer, driver="GPKG", engine="pyogrio")


def test_packages_on_disk_through_the_cli(tmp_path, capsys):
    _write_view(plan_a(), tmp_path / "A")
    _write_view(plan_b(), tmp_path / "B")
    assert main(["compare", str(tmp_path / "A"), str(tmp_path / "A"), "--out", str(tmp_path / "same")]) == 0
    assert "identical" in capsys.readouterr().out
    same = json.loads((tmp_path / "same" / "comparison.json").read_text(encoding="utf-8"))
    assert same["identical"]
    assert same["proposals_differing"] == 0
    assert main(["compare", str(tmp_path / "A"), str(tmp_path / "B"), "--out", str(tmp_path / "AB"),
                 "--lang", "en"]) == 0
    assert "2 proposal(s) differ" in capsys.readouterr().out
    out = tmp_path / "AB"
    for name in ("comparison.html", "comparison.json", "comparison.xlsx", "rasters/served_change.tif",
                 "rasters/level_change_db.tif", "csv/compare_proposals.csv", "csv/compare_communes.csv",
                 "csv/compare_villages.csv"):
        assert (out / name).is_file(), name
    on_disk = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert on_disk == {**compare_plans(plan_a(), plan_b()).summary, "plan_a": "A", "plan_b": "B"}
    props = pd.read_csv(out / "csv" / "compare_proposals.csv")
    assert sorted(props.iloc[:, 1]) == ["changed", "only_b"]
    assert "Proposals that differ" in (out / "comparison.html").read_text(encoding="utf-8")
    assert main(["compare", str(tmp_path / "A"), str(tmp_path / "nothing"), "--out", str(tmp_path / "x")]) != 0
    assert main(["compare", str(tmp_path / "A"), str(tmp_path / "B"), "--out", str(tmp_path / "A")]) != 0


def test_plan_zip_unpacking_refuses_unsafe_archives(tmp_path):
    def zipped(members: dict[str, bytes]) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for name, data in members.items():
                z.writestr(name, data)
        return buf.getvalue()

    folder = unpack_plan_zip(zipped({"plan/summary.json": b"{}", "plan/plan.gpkg": b""}), tmp_path / "ok")
    assert folder == tmp_path / "ok" / "plan"
    with pytest.raises(UnreadableFileError, match="unsafe"):
        unpack_plan_zip(zipped({"../evil.txt": b"x", "summary.json": b"{}"}), tmp_path / "bad")
    assert not (tmp_path / "evil.txt").exists()
    with pytest.raises(UnreadableFileError, match="no summary"):
        unpack_plan_zip(zipped({"a.txt": b"x"}), tmp_path / "none")
    with pytest.raises(UnreadableFileError, match="not a zip"):
        unpack_plan_zip(b"not a zip", tmp_path / "junk")
    with pytest.raises(UnreadableFileError, match="more than"):
        unpack_plan_zip(zipped({"summary.json": b"{}" * 100}), tmp_path / "big", max_bytes=10)


def test_comparison_files_in_vietnamese(tmp_path):
    write_comparison(compare_plans(plan_a(), plan_b()), tmp_path / "cmp", lang="vi")
    html = (tmp_path / "cmp" / "comparison.html").read_text(encoding="utf-8")
    assert "Thay đổi theo xã" in html
    assert "Các thôn bản thay đổi tình trạng phủ sóng" in html
    # the report's own section is checked in tests/test_province_table.py (one package write for both)
