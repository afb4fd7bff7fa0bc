"""The first page's elements (issue 20 item 6): the overview draws its figures as one Markdown element, and no
element that makes the browser load more scripts before the map (``st.metric``: 7, ``st.html``: 2); the same
figures as the study summary, escaped, in both languages; Streamlit's "magic" is off and no page relies on it."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
from app_figures import figures

from app_pages.summary_view import figures_html

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", params=["en", "vi"])
def first_page(request, home: Path):
    from streamlit.testing.v1 import AppTest

    mp = pytest.MonkeyPatch()
    mp.setenv("HOME", str(home))
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    if request.param == "en":
        app.query_params["lang"] = "en"
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    yield request.param, app
    mp.undo()


def test_the_first_page_has_no_element_that_loads_more_scripts_before_its_map(first_page) -> None:
    lang, app = first_page
    for kind in ("metric", "html"):
        assert len(app.get(kind)) == 0, (lang, kind)
    assert sum("<dl class=\"tp-figures\">" in m.value for m in app.markdown) == 1  # the figures: one block


def test_the_first_pages_figures_are_the_summarys(first_page) -> None:
    from towerplan.demo import demo_dir
    from towerplan.i18n import t
    from towerplan.i18n_summary import format_number
    from towerplan.study import default_cache_dir, load_study_folder
    from towerplan.study.summary import study_summary

    lang, app = first_page
    demo = load_study_folder(demo_dir(default_cache_dir(), resolution_m=90.0))
    rows = {label: text for key, label, text in study_summary(demo).rows(lang)
            if key in ("sites", "towers", "sectors", "operators")}
    dem = demo.dem
    rows[t("metric_area", lang)] = f"{format_number(dem.width * dem.height * dem.cell_area_m2 / 1e6, lang=lang)} km²"
    assert len(rows) == 5
    assert figures(app) == rows  # the same labels and numbers as the CLI and the report write


def test_the_figure_block_escapes_its_text() -> None:
    block = figures_html([("Sites <b>", 'A & "B"'), ("Area", "3,604 km²")])
    assert "<dt>Sites &lt;b&gt;</dt><dd>A &amp; &quot;B&quot;</dd>" in block
    assert "<dt>Area</dt><dd>3,604 km²</dd>" in block
    assert "<b>" not in block
    assert "\n" not in block  # one line: one raw HTML block for Markdown


def test_magic_is_off_and_no_page_needs_it() -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["magicEnabled"] is False
    bare = []
    for path in [REPO / "app.py", *sorted((REPO / "app_pages").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if not isinstance(body, list):
                continue
            for k, stmt in enumerate(body):  # what magic would have written to the page: a bare value
                if not isinstance(stmt, ast.Expr) or isinstance(stmt.value, ast.Call | ast.Await | ast.Yield):
                    continue
                if k == 0 and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                    continue  # a docstring
                bare.append(f"{path.name}:{stmt.lineno}")
    assert bare == []
