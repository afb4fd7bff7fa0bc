"""The village target's table (issue 22): every village of more than N households, its status after the plan,
why one is left and the proposal that reaches it, in the summary record, the report (Vietnamese and English)
and the app's Provincial page, all from the one record.

Flat synthetic terrain in free space (the construction of ``tests/test_provincial_plan.py``): village A has
Viettel 4G now; B can only be reached by a user mast standing there; C by 4G added to Viettel's 2G-only site
there; D is beyond every candidate's reach; E is too small for the target. So the answer is known.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer
from shapely.geometry import Point

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from towerplan.errors import InputError
from towerplan.grid import Grid
from towerplan.planning.matrix import CandidateRadio, candidate_sectors
from towerplan.planning.phasing import PhasingSettings
from towerplan.planning.shared_towers import PlacementSettings, propose_shared_towers
from towerplan.planning.targets import TargetSettings
from towerplan.study.villages_step import village_target_summary
from towerplan.villages.status import village_status
from towerplan.villages.target import STATUSES, TARGET_COLUMNS, village_target_frame, village_target_report

RES = 30.0
X0, Y0 = 580_020.0, 2_190_000.0
N = 160
RADIO = CandidateRadio(omni=True, v_beamwidth_deg=180.0, tilt_deg=0.0, eirp_dbm=20.0)  # ~1.2 km reach
CONFIG = CoverageConfig(model="fspl", threshold_dbm=-110.0, max_radius_m=3000)
TO_LONLAT = Transformer.from_crs(32648, 4326, always_xy=True)
MIN_HOUSEHOLDS = 200
#: village -> (row, col, people per cell around it, households)
VILLAGES = {"A": (40, 40, 50.0, 300), "B": (40, 120, 40.0, 250), "C": (120, 120, 20.0, 400),
            "D": (120, 20, 10.0, 500), "E": (80, 80, 5.0, 50)}


def _grid(values) -> Grid:
    return Grid(np.asarray(values, dtype=np.float32), Affine(RES, 0, X0, 0, -RES, Y0), 32648)


DEM = _grid(np.full((N, N), 20.0))


def _lonlat(r: float, c: float) -> tuple[float, float]:
    lon, lat = TO_LONLAT.transform(X0 + (c + 0.5) * RES, Y0 - (r + 0.5) * RES)
    return float(lon), float(lat)


def _site(name: str, r: int, c: int, technology: str) -> pd.DataFrame:
    lon, lat = _lonlat(r, c)
    radio = CandidateRadio(technology=technology, omni=True, v_beamwidth_deg=180.0, tilt_deg=0.0, eirp_dbm=20.0)
    return candidate_sectors(pd.Series({"candidate_id": name, "lon": lon, "lat": lat, "mast_height_m": 30.0}), radio,
                             operator="Viettel")


@pytest.fixture(scope="module")
def plan_and_villages() -> dict:
    pop = np.zeros((N, N))
    for r, c, p, _ in VILLAGES.values():
        pop[r - 5:r + 5, c - 5:c + 5] = p
    people = _grid(pop)
    s4, s2 = _site("S1", 40, 40, "4G"), _site("S2", 120, 120, "2G")
    cov = run_coverage(DEM, s4, config=CONFIG)
    levels = {**cov.operator_levels, "MobiFone": _grid(np.full((N, N), np.nan))}
    users = pd.DataFrame({"candidate_id": ["U1"], "lon": [_lonlat(40, 120)[0]], "lat": [_lonlat(40, 120)[1]],
                          "mast_height_m": [30.0]})
    rows = [{"village_id": f"V{k}", "name": f"Thôn {k}", "commune": "Xã Thử", "households": hh,
             "geometry": Point(X0 + (c + 0.5) * RES, Y0 - (r + 0.5) * RES)} for k, (r, c, _, hh) in VILLAGES.items()]
    villages = gpd.GeoDataFrame(rows, crs=32648)
    big = villages[villages["households"] > MIN_HOUSEHOLDS]
    r, c = DEM.rowcol(big.geometry.x.to_numpy(), big.geometry.y.to_numpy())
    settings = PlacementSettings(include_greenfield=False, include_colocation=False, radio=RADIO, method="ilp",
                                 include_upgrades=True, target=TargetSettings(min_households=MIN_HOUSEHOLDS),
                                 phasing=PhasingSettings(start_year=2027, budgets_vnd=(1.1e9, 5e9)))
    plan = propose_shared_towers(DEM, people, s4, levels, settings=settings, coverage_config=CONFIG,
                                 user_candidates=users, all_stations=pd.concat([s4, s2], ignore_index=True),
                                 required_cells=np.asarray(r) * N + np.asarray(c))
    table = village_status(villages, grid=DEM, technology_levels={"4G": cov.operator_levels["Viettel"]},
                           operator_levels=levels, criterion_dbm=-110.0, after=plan.after)
    record = village_target_summary(table, plan, DEM, people=people)
    assert record is not None
    return {"plan": plan, "table": table, "record": json.loads(json.dumps(record)), "people": people}


def test_every_target_village_has_its_status_reason_and_reaching_proposal(plan_and_villages) -> None:
    record, plan = plan_and_villages["record"], plan_and_villages["plan"]
    by_name = {v["name"]: v for v in record["villages"]}
    assert set(by_name) == {"Thôn A", "Thôn B", "Thôn C", "Thôn D"}  # E has 50 households: not a target village
    assert by_name["Thôn A"]["status"] == "served before"
    assert by_name["Thôn A"]["proposal"] is None
    assert by_name["Thôn B"]["status"] == "reached by the plan"
    assert by_name["Thôn B"]["proposal"] == "U1"
    assert by_name["Thôn C"]["status"] == "reached by the plan"
    assert by_name["Thôn C"]["proposal"] == "UP4G-viettel-S2"
    assert by_name["Thôn D"]["status"] == "left"
    assert by_name["Thôn D"]["reason"] == "out of reach"
    assert record["villages"][0]["name"] == "Thôn D"  # the villages left come first
    # build order and the phasing year are the proposal's own
    props = plan.result.proposals.reset_index(drop=True)
    years = plan.phasing.proposals.set_index("candidate_id")["target_year"]
    for name in ("Thôn B", "Thôn C"):
        v = by_name[name]
        assert props.loc[v["build_order"] - 1, "candidate_id"] == v["proposal"]
        assert v["target_year"] == int(years[v["proposal"]])
    # the people of the village's cell, from the plan's population grid
    for name, (_, _, p, hh) in ((f"Thôn {k}", v) for k, v in VILLAGES.items() if v[3] > MIN_HOUSEHOLDS):
        assert by_name[name]["people_in_cell"] == pytest.approx(p)
        assert by_name[name]["households"] == hh
    # the counts agree with the rows
    statuses = [v["status"] for v in record["villages"]]
    assert record["villages_required"] == len(statuses) == 4
    assert record["served_before"] == statuses.count(STATUSES[0]) == 1
    assert record["served_after_plan"] == 3
    assert [v["name"] for v in record["left"]] == ["Thôn D"]
    assert not record["reached"]
    frame = village_target_frame(record)
    assert list(frame.columns) == list(TARGET_COLUMNS)
    assert len(frame) == 4


def test_people_grid_must_share_the_lattice(plan_and_villages) -> None:
    coarse = Grid(np.ones((10, 10), dtype=np.float32), Affine(480.0, 0, X0, 0, -480.0, Y0), 32648)
    with pytest.raises(InputError, match="lattice"):
        village_target_report(plan_and_villages["table"], MIN_HOUSEHOLDS, grid=DEM, people=coarse)


def _report_tables(record: dict, lang: str) -> tuple[str, list]:
    from export_sample import sample_package

    from towerplan.export.report_model import build_report

    base = sample_package()
    summary = {**base.summary, "villages": {"villages": 5, "target": record}}
    report = build_report(dataclasses.replace(base, summary=summary), {}, lang=lang)
    texts = " | ".join(b.text for b in report.blocks)
    tables = [b for b in report.blocks if b.kind == "table" and b.text.startswith(
        "Các thôn trên" if lang == "vi" else "Villages of more than")]
    return texts, tables


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ("Village target: every village of more than 200 households served", "Target not reached: 3 of the 4",
            "1 out of reach of every candidate", "Out of reach of every candidate", "Reached by the plan",
            "Served before", "Reaching proposal", "Households")),
    ("vi", ("Mục tiêu thôn bản: mọi thôn trên 200 hộ có sóng", "Chưa đạt mục tiêu: 3 trên 4 thôn",
            "1 thôn ngoài tầm mọi vị trí ứng viên", "Ngoài tầm mọi vị trí ứng viên", "Có sóng nhờ quy hoạch",
            "Đã có sóng từ trước", "Trạm đề xuất phủ tới", "Số hộ")),
])
def test_report_has_the_village_target_table_with_the_summary_figures(plan_and_villages, lang, words) -> None:
    record = plan_and_villages["record"]
    texts, tables = _report_tables(record, lang)
    assert len(tables) == 1
    table = tables[0]
    flat = texts + " | " + " | ".join(table.columns) + " | " + " | ".join(" ".join(r) for r in table.rows)
    for w in words:
        assert w in flat, (w, flat)
    # one row per village of the record, in its order, with its households and proposal
    assert len(table.rows) == len(record["villages"])
    col = {c: i for i, c in enumerate(table.columns)}
    hh = "Số hộ" if lang == "vi" else "Households"
    prop = "Trạm đề xuất phủ tới" if lang == "vi" else "Reaching proposal"
    for row, v in zip(table.rows, record["villages"], strict=True):
        assert row[col[hh]] == f"{v['households']:,.0f}".replace(",", "." if lang == "vi" else ",")
        assert row[col[prop]] == (v["proposal"] or "")
    # nothing without a village target
    from export_sample import sample_package

    from towerplan.export.report_village_target import village_target_blocks

    assert village_target_blocks(sample_package().summary, lang) == []


def test_app_provincial_page_shows_the_village_target(plan_and_villages) -> None:
    from streamlit.testing.v1 import AppTest

    page = Path(__file__).resolve().parents[1] / "app_pages" / "provincial.py"
    record = plan_and_villages["record"]
    for lang, status, message in (("en", "Reached by the plan", "Target not reached: 3 of the 4"),
                                  ("vi", "Có sóng nhờ quy hoạch", "Chưa đạt mục tiêu: 3 trên 4 thôn")):
        at = AppTest.from_file(str(page), default_timeout=120)
        at.query_params["lang"] = lang
        for key, value in (("cov_result", {"coverage": None, "config": CONFIG}),
                           ("prov_plan_result", plan_and_villages["plan"]), ("prov_village_target", record)):
            at.session_state[key] = {"value": value, "version": 0, "at": 0.0}
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert any(message in w.value for w in at.warning), [w.value for w in at.warning]
        shown = at.dataframe[-1].value
        assert len(shown) == len(record["villages"])
        values = shown.astype(str).to_numpy().ravel().tolist()
        for value in (status, "U1", "UP4G-viettel-S2"):
            assert value in values
        hh = "Số hộ" if lang == "vi" else "Households"
        assert [float(v) for v in shown[hh]] == [v["households"] for v in record["villages"]]


def test_a_long_village_list_says_the_report_shows_its_first_rows() -> None:
    from towerplan.export.report_model import MAX_TABLE_ROWS
    from towerplan.export.report_village_target import village_target_blocks

    n = MAX_TABLE_ROWS + 5
    rows = [{"village_id": f"V{i}", "name": f"Thôn {i}", "commune": "Xã Thử", "unit": None, "households": 300.0 - i,
             "people_in_cell": 10.0, "status": "left" if i < 3 else "served before",
             "reason": "not chosen" if i < 3 else None, "proposal": None, "build_order": None, "target_year": None}
            for i in range(n)]
    record = {"min_households": 10.0, "villages_required": n, "served_before": n - 3, "served_after_plan": n - 3,
              "reached": False, "left": rows[:3], "left_by_reason": {"not chosen": 3}, "villages": rows}
    table = village_target_blocks({"villages": {"target": record}}, "en")[2]
    assert len(table.rows) == MAX_TABLE_ROWS
    assert table.text.endswith(f"(the first {MAX_TABLE_ROWS} of {n}: those left first; the full list is in "
                               "summary.json)")
    assert [r[0] for r in table.rows[:3]] == ["V0", "V1", "V2"]  # the villages left are on the page
