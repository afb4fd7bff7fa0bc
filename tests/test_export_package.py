"""write_plan_package: the folder as a whole (files, manifest, summary, atomicity, determinism)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from export_sample import sample_package

from towerplan.errors import ConfigError
from towerplan.export import PlanPackage, method_section, sha256_file, write_plan_package
from towerplan.export.i18n_report import COLUMNS, STRINGS

EXPECTED = [
    "csv/communes.csv", "csv/curve.csv", "csv/gaps.csv", "csv/proposals.csv", "csv/province_plan.csv",
    "csv/province_plan_en.csv", "csv/road_coverage.csv", "csv/stations.csv", "csv/stations_summary.csv",
    "figures/curve.png", "figures/map_gaps.png", "figures/map_proposals.png", "figures/map_rsrp.png",
    "geojson/commune_stats.geojson", "geojson/gaps.geojson", "geojson/proposals.geojson", "geojson/stations.geojson",
    "manifest.json", "method.json", "plan.gpkg", "plan.kmz", "plan.xlsx",
    "rasters/best_rsrp_dbm.tif", "rasters/best_server.tif", "rasters/best_server_index.csv",
    "rasters/coverage_after_dbm.tif", "rasters/coverage_before_dbm.tif",
    "rasters/rsrp_Viettel_dbm.tif", "report.html", "report.pdf", "summary.json",
]


@pytest.fixture(scope="module")
def package() -> PlanPackage:
    return sample_package()


@pytest.fixture(scope="module")
def plan(package, tmp_path_factory) -> Path:
    return write_plan_package(package, tmp_path_factory.mktemp("plan") / "out")


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_every_output_is_written(plan):
    assert _files(plan) == EXPECTED
    assert not [p for p in plan.parent.iterdir() if p.name.startswith(".")]  # no staging folder left


def test_manifest_lists_every_file_with_size_and_sha256(plan):
    manifest = json.loads((plan / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["path"]: f for f in manifest["files"]}
    assert sorted(listed) == [f for f in EXPECTED if f != "manifest.json"]
    for rel, entry in listed.items():
        data = (plan / rel).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["layers_absent"] == []
    assert manifest["layers"] == {"commune_stats": 2, "gaps": 2, "proposals": 2, "road_coverage": 2, "stations": 10}


def test_summary_json_is_stable_and_complete(plan, package):
    text = (plan / "summary.json").read_text(encoding="utf-8")
    doc = json.loads(text)
    assert text == json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert doc["population_total"] == 1234.5
    assert doc["covered_by_operator"] == {"MobiFone": 550.0, "VNPT-VinaPhone": 300.0, "Viettel": 800.0}
    assert doc["plan_package"]["study_label"] == package.study_label
    assert doc["plan_package"]["rasters"] == ["best_rsrp_dbm", "best_server", "coverage_after_dbm",
                                              "coverage_before_dbm", "rsrp_Viettel_dbm"]
    method = json.loads((plan / "method.json").read_text(encoding="utf-8"))
    assert method["input_files"][0]["sha256"] == "0" * 64


def test_same_package_gives_identical_files(package, plan, tmp_path):
    again = write_plan_package(package, tmp_path / "again")
    for rel in EXPECTED:
        if rel.endswith(".tif"):
            with rasterio.open(plan / rel) as a, rasterio.open(again / rel) as b:
                np.testing.assert_array_equal(a.read(1), b.read(1))
            continue
        assert (plan / rel).read_bytes() == (again / rel).read_bytes(), rel


def test_existing_folder_is_refused_without_force(package, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("old plan")
    with pytest.raises(ConfigError, match="exists"):
        write_plan_package(package, out)
    assert _files(out) == ["keep.txt"]


def test_force_replaces_only_when_complete(package, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("old plan")
    write_plan_package(package, out, force=True, lang="en")
    assert "keep.txt" not in _files(out)
    assert "report.pdf" in _files(out)
    assert _files(tmp_path) == [f"out/{f}" for f in EXPECTED]


def _boom(*args, **kwargs):
    raise RuntimeError("disk full (simulated)")


@pytest.mark.parametrize("writer", ["towerplan.export.report_pdf.write_report_pdf",
                                    "towerplan.export.kml.write_kmz",
                                    "towerplan.export.gpkg.write_gpkg"])
def test_failure_midway_leaves_nothing(package, tmp_path, monkeypatch, writer):
    monkeypatch.setattr(writer, _boom)
    with pytest.raises(RuntimeError, match="simulated"):
        write_plan_package(package, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_failure_with_force_keeps_the_old_plan(package, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("old plan")
    monkeypatch.setattr("towerplan.export.report_pdf.write_report_pdf", _boom)
    with pytest.raises(RuntimeError):
        write_plan_package(package, out, force=True)
    assert _files(tmp_path) == ["out/keep.txt"]
    assert (out / "keep.txt").read_text() == "old plan"


def test_progress_reports_every_step(package, tmp_path):
    calls: list[tuple[int, int]] = []
    write_plan_package(package, tmp_path / "out", progress=lambda done, total: calls.append((done, total)))
    total = calls[0][1]
    assert calls == [(i, total) for i in range(1, total + 1)]


def test_absent_layers_are_skipped_and_reported(tmp_path):
    out = write_plan_package(sample_package(optional_layers=False), tmp_path / "out", lang="en")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["plan_package"]["layers_absent"] == ["gaps", "proposals", "commune_stats", "road_coverage"]
    assert not (out / "geojson" / "gaps.geojson").exists()
    assert (out / "figures" / "map_rsrp.png").exists()
    assert not (out / "figures" / "map_gaps.png").exists()
    assert "Layers not in this package: gaps, proposals" in (out / "report.html").read_text(encoding="utf-8")


def test_unknown_language_is_refused(package, tmp_path):
    with pytest.raises(ConfigError, match="language"):
        write_plan_package(package, tmp_path / "out", lang="fr")
    assert list(tmp_path.iterdir()) == []


def test_both_languages_have_every_string():
    assert set(STRINGS["vi"]) == set(STRINGS["en"])
    for lang in ("vi", "en"):
        assert all(value.strip() for value in STRINGS[lang].values())
    assert all(vi and en for vi, en, _fmt in COLUMNS.values())


def test_method_section_records_checksums(tmp_path):
    data = tmp_path / "inputs"
    data.mkdir()
    (data / "trạm.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (data / "sub").mkdir()
    (data / "sub" / "dem.tif").write_bytes(b"\x00" * 10)
    method = method_section(models={"Hata": "150-1500 MHz"}, settings={"threshold_dbm": -110.0},
                            input_files={"stations": data / "trạm.csv", "dem": data / "sub"}, base_dir=tmp_path)
    files = {f["path"]: f for f in method["input_files"]}
    assert files["inputs/trạm.csv"]["sha256"] == sha256_file(data / "trạm.csv")
    assert files["inputs/sub/dem.tif"]["bytes"] == 10
    assert files["inputs/sub/dem.tif"]["role"] == "dem"
    assert "date" not in method  # reruns stay identical unless a date is asked for


def test_empty_gaps_and_proposals_still_give_a_complete_plan(package, tmp_path):
    from dataclasses import replace

    empty = replace(package, gaps=package.gaps.iloc[0:0], proposals=package.proposals.iloc[0:0],
                    curve=package.curve.iloc[0:0])
    out = write_plan_package(empty, tmp_path / "out", lang="en")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["plan_package"]["layers"]["gaps"] == 0
    assert not (out / "figures" / "map_gaps.png").exists()
    assert (out / "csv" / "gaps.csv").read_text(encoding="utf-8-sig").count("\n") == 1  # header only
    assert (out / "report.pdf").stat().st_size > 0


def test_what_a_killed_run_left_is_tidied_and_a_set_aside_plan_restored(package, tmp_path: Path) -> None:
    # a SIGKILL mid-export leaves a half-written staging folder: the next run removes it
    out = write_plan_package(package, tmp_path / "plan", lang="en")
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    stale = tmp_path / ".plan.tmp-dead"
    stale.mkdir()
    (stale / "plan.gpkg").write_bytes(b"half")
    # a kill between the two renames of --force: the old plan set aside, the new one not in place
    out.rename(tmp_path / ".plan.old-dead")
    with pytest.raises(ConfigError, match="exists"):  # restored first, then refused without force
        write_plan_package(package, tmp_path / "plan", lang="en")
    assert not stale.exists()
    assert not (tmp_path / ".plan.old-dead").exists()
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    write_plan_package(package, tmp_path / "plan", lang="en", force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]
