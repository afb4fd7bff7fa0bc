"""One study summary shown the same everywhere (issue 21, items 1 and 3).

The figures of :class:`towerplan.study.summary.StudySummary` (sites, sectors, people, dead zones,
road km, proposals, cost, data origin) are compared between ``summary.json``, the ``towerplan run``
output, the HTML and PDF reports, the XLSX workbook and the app's pages, on one small plan.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from app_figures import figures as page_figures

from towerplan.cli import main
from towerplan.i18n_summary import figure_text, format_number, origin_text, sites_text, summary_rows
from towerplan.study.origin import REAL, SYNTHETIC, DataOrigin, mixing_needs_consent, origin_slug
from towerplan.study.summary import SiteCount, count_sites

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")

SCENARIO = """
[scenario]
name = "summary"
title = "Kế hoạch thử nghiệm"
language = "vi"

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


# ------------------------------------------------------------------ counting and formatting
def test_sites_are_operator_sites_and_towers_are_physical() -> None:
    stations = pd.DataFrame({
        "operator": ["A", "A", "A", "B", "B", "C"],
        "site_id": ["S1", "S1", "S2", "S1", "X9", "S1"],
        # A:S1 and B:X9 stand on one tower (10 m apart); B:S1 is another tower 5 km away (same text)
        "lon": [105.0, 105.0, 105.1, 105.05, 105.00009, 105.2],
        "lat": [20.0, 20.0, 20.0, 20.0, 20.0, 20.0],
    })
    count = count_sites(stations)
    assert count == SiteCount(sites=5, towers=4, sectors=6)
    assert sites_text(count.sites, count.sectors, "vi") == "5 trạm / 6 cell"
    assert sites_text(340, 2136, "en") == "340 sites / 2,136 sectors"
    with pytest.raises(Exception, match="inconsistent"):
        SiteCount(sites=3, towers=4, sectors=6)


def test_figures_are_written_one_way_in_each_language() -> None:
    figures = {"technologies": ["4G"], "uncovered": 137121.0, "covered_any_pct": 78.9, "gap_min_people": 50.0,
               "gap_people": 133889.0, "cost_bn_vnd": 23.42, "road_covered_km": 426.8,
               "covered_by_operator": {"Viettel": 276411.0, "MobiFone": 382152.0}}
    vi = {k: (label, text) for k, label, text in summary_rows(figures, "vi")}
    en = {k: (label, text) for k, label, text in summary_rows(figures, "en")}
    assert vi["uncovered"] == ("Người chưa có sóng 4G (toàn vùng nghiên cứu)", "137.121 người")
    assert en["uncovered"] == ("People without 4G (whole study area)", "137,121 people")
    assert vi["gap_people"][0] == "Người trong các vùng lõm sóng (≥ 50 người mỗi vùng)"
    assert vi["covered_any_pct"][1] == "78,9 %"
    assert en["covered_any_pct"][1] == "78.9 %"
    assert vi["cost_bn_vnd"][1] == "23,42 tỷ đồng"
    assert en["cost_bn_vnd"][1] == "23.42 bn VND"
    assert en["road_covered_km"][1] == "426.8 road km"  # road coverage in road km, never as people
    assert list(vi)[-2:] == ["covered_by_operator:MobiFone", "covered_by_operator:Viettel"] or \
        "covered_by_operator:MobiFone" in vi
    assert format_number(-0.0001, lang="vi") == "0"
    assert figure_text("sites", 1234, "vi") == "1.234 trạm"


def test_data_origin_labels() -> None:
    mixed = DataOrigin("mixed", synthetic=("dem", "population"), real=("stations",))
    assert mixing_needs_consent(mixed)
    assert origin_slug(mixed) == "mixed"
    assert origin_text(mixed.as_dict(), "en", short=True) == "mixed: synthetic terrain, people"
    assert "giả lập" in mixed.label("vi")
    assert "danh sách trạm" in mixed.label("vi")
    assert not mixing_needs_consent(DataOrigin(REAL, real=("dem", "population", "stations")))
    assert DataOrigin(SYNTHETIC, synthetic=("dem",)).label("en").startswith("Synthetic demo")
    with pytest.raises(Exception, match="both"):
        DataOrigin("mixed", synthetic=("dem",), real=("dem",))


def test_demo_folder_with_own_stations_is_mixed(tmp_path) -> None:
    from towerplan.demo import demo_dir
    from towerplan.study import default_cache_dir, load_study_folder
    from towerplan.study.origin import data_origin

    folder = demo_dir(default_cache_dir(), resolution_m=300)  # the tests' temporary cache (shared with `plan`)
    demo = load_study_folder(folder)
    assert data_origin(demo).kind == SYNTHETIC
    own = tmp_path / "mine.csv"
    own.write_bytes((folder / "stations.csv").read_bytes())
    mixed = load_study_folder(folder, files={"stations": own})
    origin = data_origin(mixed)
    assert origin.kind == "mixed"
    assert origin.real == ("stations",)
    assert {"dem", "population"} <= set(origin.synthetic)
    assert mixing_needs_consent(origin)


# ------------------------------------------------------------------ one plan, every output
@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    """``towerplan run`` of a small demo scenario (Vietnamese) with its results and printed output."""
    import contextlib
    import io

    import towerplan.study.steps as wf

    root = tmp_path_factory.mktemp("summary")
    scenario = root / "scenario.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    captured = {}
    real = wf.run_plan

    def spy(*args, **kw):
        captured["results"] = real(*args, **kw)
        return captured["results"]

    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out):
        mp.setenv("XDG_CACHE_HOME", str(root / "cache"))
        mp.setattr(wf, "run_plan", spy)
        assert main(["run", str(scenario), "--out", str(root / "OUT")]) == 0
    summary = json.loads((root / "OUT" / "summary.json").read_text(encoding="utf-8"))
    return {"root": root, "out": root / "OUT", "stdout": out.getvalue(), "summary": summary,
            "results": captured["results"]}


def test_people_without_coverage_is_one_number(plan) -> None:
    s = plan["summary"]
    f = s["figures"]
    # the placement counts its demand over the study area, as the dead-zone step: one "without coverage"
    assert f["uncovered"] == pytest.approx(s["placement"]["people_without_coverage"], abs=1.0)
    assert f["uncovered"] == pytest.approx(s["uncovered"], abs=0.5)
    # people in dead zones are a labelled, different quantity: the uncovered minus the scattered ones
    assert f["gap_people"] + f["uncovered_outside_gaps"] == pytest.approx(f["uncovered"], abs=1.0)
    # after the proposals: before minus the newly covered (objective "any", nothing locked in)
    assert f["uncovered_after"] == pytest.approx(f["uncovered"] - f["people_newly_covered"], abs=2.0)
    assert f["sites_modelled"] <= f["sites"]
    assert f["towers"] <= f["sites"] <= f["sectors"]
    assert s["stations"]["sites"] == f["sites_modelled"]
    assert f["data_origin"]["kind"] == "synthetic"


def test_cli_report_xlsx_and_json_show_the_same_figures(plan) -> None:
    figures = plan["summary"]["figures"]
    rows = summary_rows(figures, "vi")
    assert len(rows) >= 15
    stdout = plan["stdout"]
    page = (plan["out"] / "report.html").read_text(encoding="utf-8")
    for _, label, text in rows:
        assert f"{label}: {text}" in stdout
        assert html.escape(label) in page
        assert html.escape(text) in page
    assert origin_text(figures["data_origin"], "vi") in stdout
    assert html.escape(origin_text(figures["data_origin"], "vi")) in page

    from pypdf import PdfReader

    pdf = " ".join(p.extract_text() for p in PdfReader(str(plan["out"] / "report.pdf")).pages[:2])
    for key in ("population_total", "uncovered", "gap_people", "people_newly_covered", "cost_bn_vnd"):
        assert figure_text(key, figures[key], "vi") in pdf, key

    from openpyxl import load_workbook

    ws = load_workbook(plan["out"] / "plan.xlsx")["Chỉ tiêu"]
    sheet = {r[0]: r[2] for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}
    for key, label, _ in rows:
        name, _, op = key.partition(":")
        assert sheet[label] == pytest.approx(figures[name][op] if op else figures[name]), key


#: every page of the single-user app (the store's pages need a project store: tests/test_app_store*.py)
APP_PAGES = ("overview", "data", "coverage", "gaps", "towers", "villages", "provincial", "measurements", "export",
             "compare")


_STYLE = re.compile(r"<style>.*?</style>", re.DOTALL)


def _page_text(app) -> str:
    """Everything a page writes: titles, text, notes, metrics and table headers (a stylesheet written as a raw HTML
    block, ``<style>...</style>`` in a Markdown element, is not text the user reads: its rules are left out)."""
    parts = [_STYLE.sub("", str(e.value))
             for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "success", "error")
             for e in getattr(app, kind)]
    parts += [f"{m.label} {m.value}" for m in app.metric]
    parts += [" ".join(map(str, d.value.columns)) for d in app.dataframe]
    widgets = [w for kind in ("button", "checkbox", "radio", "number_input", "selectbox", "multiselect", "text_input",
                              "slider", "toggle", "expander", "tabs") for w in getattr(app, kind, [])
               if getattr(w, "key", None) != "lang"]  # the language switch names both languages in their own
    parts += [str(getattr(w, "label", "") or "") for w in widgets]  # labels, help and options as the user reads them
    parts += [str(getattr(w, "help", "") or "") for w in widgets]
    parts += [" ".join(map(str, getattr(w, "options", []) or [])) for w in widgets]
    return "\n".join(str(p) for p in parts)


@pytest.mark.slow  # the app's pages through AppTest on the plan's results (~20-40 s)
def test_app_pages_show_the_same_figures(plan, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    results = plan["results"]
    figures = plan["summary"]["figures"]
    expected = {label: text for _, label, text in summary_rows(figures, "vi")}
    monkeypatch.setenv("XDG_CACHE_HOME", str(plan["root"] / "cache"))
    app = AppTest.from_file(APP, default_timeout=300)
    app.session_state["data_inputs"] = results.inputs
    app.session_state["data_version"] = 0
    app.session_state["cov_result"] = {"value": {"coverage": results.coverage, "config": results.coverage_config,
                                                 "technologies": results.technologies, "seconds": 1.0},
                                       "version": 0, "at": 0.0}
    app.session_state["gaps_result"] = {"value": results.gaps, "version": 0, "at": 0.0}
    app.session_state["towers_result"] = {"value": results.placement, "version": 0, "at": 0.0}
    app.run()
    seen: dict[str, str] = {}
    shown: dict[str, str] = {}
    for page in APP_PAGES:
        app.switch_page(f"app_pages/{page}.py").run()
        assert not app.exception, [e.value for e in app.exception]
        seen.update({label: value for label, value in page_figures(app).items() if label in expected})
        shown[page] = _page_text(app)
    found = {page: _english(text) + _internal(text) for page, text in shown.items()}  # Vietnamese app (item 4)
    assert {page: words for page, words in found.items() if words} == {}
    for label, value in seen.items():
        assert value == expected[label], label
    # and the English app: no Vietnamese, no internal names, the English figures
    app.session_state["lang"] = "en"
    expected_en = {label: text for _, label, text in summary_rows(figures, "en")}
    for page in APP_PAGES:
        app.switch_page(f"app_pages/{page}.py").run()
        assert not app.exception, [e.value for e in app.exception]
        text = _page_text(app)
        found[page] = VIETNAMESE_LETTERS.findall(text)[:10] + _internal(text)
        for m in app.metric:
            if m.label in expected_en:
                assert m.value == expected_en[m.label], (page, m.label)
    assert {page: words for page, words in found.items() if words} == {}
    for key in ("sites", "sectors", "sites_modelled", "uncovered", "gap_people", "uncovered_outside_gaps",
                "proposals", "people_newly_covered", "uncovered_after", "cost_bn_vnd"):
        label = next(lab for k, lab, _ in summary_rows(figures, "vi") if k == key)
        assert label in seen, key
    assert np.isfinite(figures["covered_any_pct"])


# ------------------------------------------------------------------ one language per product (item 4)
#: English words that have no place in the Vietnamese product (names of models, operators, units and
#: file formats are not among them)
ENGLISH_WORDS = {"the", "and", "of", "people", "sites", "sectors", "coverage", "covered", "without", "error",
                 "warning", "warnings", "errors", "priority", "valid", "settings", "generated", "dead", "zones",
                 "roads", "road", "fibre", "microwave", "greenfield", "colocation", "true", "false", "none",
                 "summary", "figure", "value", "cost", "budget", "operator", "households", "tower", "towers"}
#: internal names: snake_case identifiers, Python booleans, class attributes
INTERNAL = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b|\bTrue\b|\bFalse\b|\b[A-Z][a-zA-Z]+\.[a-z_]+\b")
VIETNAMESE_LETTERS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĐ]")
#: allowed internal-looking names: file names of the package, and the technical method.json pointer
ALLOWED_INTERNAL = {"method.json", "summary.json"}


def _english(text: str) -> list[str]:
    """English words (acronyms such as COST-231 or EIRP are names, not English); the original English detail an
    error keeps, quoted by :func:`towerplan.i18n_errors.error_in`, is not counted."""
    from towerplan.i18n_errors import original_detail

    text = original_detail(text)
    text = re.sub(r"[\w-]+\.(gpkg|tif|csv|json|toml|xlsx|kmz|geojson|pdf|html)\b", " ", text)  # file names
    return sorted({w for w in re.findall(r"[A-Za-z]+", text) if w.lower() in ENGLISH_WORDS and not w.isupper()})


def _internal(text: str) -> list[str]:
    return sorted({m for m in INTERNAL.findall(text) if m not in ALLOWED_INTERNAL})


@pytest.fixture(scope="module")
def english_package(plan, tmp_path_factory) -> Path:
    """The same plan package written in English."""
    from towerplan.export.package import write_plan_package
    from towerplan.study.records import plan_package

    results = plan["results"]
    out = tmp_path_factory.mktemp("english") / "OUT"
    write_plan_package(plan_package(results, title="Test plan"), out, lang="en")
    return out


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(str(path)).pages)


def _report_text_without_tables(path: Path) -> str:
    """The HTML report's headings, paragraphs, captions and table headers (table bodies hold names)."""
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"<style.*?</style>|<td[^>]*>.*?</td>|<h1[^>]*>.*?</h1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_the_vietnamese_report_and_workbook_have_no_english_or_internal_names(plan) -> None:
    pdf = _pdf_text(plan["out"] / "report.pdf")
    assert _english(pdf) == []
    assert _internal(pdf) == []
    assert str(Path.home()) not in pdf
    assert "/tmp" not in pdf
    from openpyxl import load_workbook

    wb = load_workbook(plan["out"] / "plan.xlsx")
    for ws in wb.worksheets:
        first = " ".join(str(c.value) for c in ws[1] if c.value is not None)  # the Vietnamese header row
        assert _internal(first) == [], ws.title
        cells = " ".join(str(v) for row in ws.iter_rows(min_row=3, values_only=True) for v in row
                         if isinstance(v, str | bool))
        assert _internal(cells) == [], ws.title


def test_the_english_report_has_no_vietnamese_or_internal_names(plan, english_package) -> None:
    text = _report_text_without_tables(english_package / "report.html")
    assert VIETNAMESE_LETTERS.findall(text) == []
    assert _internal(text) == []
    pdf = _pdf_text(english_package / "report.pdf")
    assert _internal(pdf) == []
    assert "Shared sites proposed" in pdf
    assert "Người" not in pdf


def test_the_pdf_carries_the_preparation_date(plan, monkeypatch, tmp_path) -> None:
    from pypdf import PdfReader

    from towerplan.study.records import preparation_date

    info = PdfReader(str(plan["out"] / "report.pdf")).metadata
    method = json.loads((plan["out"] / "method.json").read_text(encoding="utf-8"))
    assert str(info.get("/CreationDate", "")).startswith("D:" + method["date"].replace("-", ""))
    assert not str(info.get("/CreationDate", "")).startswith("D:2000")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01 00:00 UTC: reproducible builds
    assert preparation_date() == "2026-01-01"
    for entry in method["input_files"]:
        assert "/" not in entry["path"], entry  # a file name, never a local folder
        assert len(entry["sha256"]) == 64
