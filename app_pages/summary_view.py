"""The study summary on the app's pages: the data-origin banner and the headline figures.

Every page takes its figures from one :class:`towerplan.study.summary.StudySummary`, built from the
session's inputs and the results computed so far (:func:`current_summary`), and shows them through
:func:`towerplan.i18n_summary.summary_rows`: the same labels and numbers as ``towerplan run``, the
report, the XLSX workbook and ``summary.json``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import streamlit as st

from app_pages.common import DEMO_RESOLUTION_M, current_inputs, data_version, demo_inputs, lang, tr
from towerplan.study.origin import DataOrigin, data_origin
from towerplan.study.summary import StudySummary, study_summary

__all__ = ["current_origin", "current_summary", "figure_rows", "figures_html", "origin_banner", "show_figure_block",
           "show_figures"]


def _result(key: str) -> Any | None:
    """A page's stored result made from the current inputs (stale ones are not summarised)."""
    item = st.session_state.get(key)
    if item is None or item.get("version") != data_version():
        return None
    return item["value"]


def current_origin() -> DataOrigin:
    return data_origin(current_inputs())


def current_summary() -> StudySummary:
    """The summary of the session's inputs and the coverage, dead zones and proposals computed so far
    (kept per results in the session)."""
    cov_item = _result("cov_result")
    gaps = _result("gaps_result") if cov_item is not None else None
    plan = _result("towers_result") if cov_item is not None else None
    inputs = current_inputs()
    key = (id(inputs), data_version(), id(cov_item), id(gaps), id(plan))
    cached = st.session_state.get("summary_view")
    if cached is not None and cached[0] == key:
        return cached[1]
    resolution_m = float(st.session_state.get("data_resolution_m", DEMO_RESOLUTION_M))
    if cov_item is None and st.session_state.get("data_inputs") is None and inputs is demo_inputs(resolution_m):
        summary = _demo_summary(resolution_m)  # every session opens on the demo: its summary once per server
        st.session_state["summary_view"] = (key, summary)
        return summary
    from towerplan.study import StudySettings

    settings = (StudySettings.create(coverage=cov_item["config"], technologies=cov_item["technologies"])
                if cov_item is not None else None)
    summary = study_summary(inputs, settings, coverage=cov_item["coverage"] if cov_item else None,
                            gaps=gaps, placement=plan)
    st.session_state["summary_view"] = (key, summary)
    return summary


@st.cache_resource(max_entries=3, show_spinner=False)
def _demo_summary(resolution_m: float) -> StudySummary:
    """The demo's summary before any result (counting its sites and towers: ~0.1 s of the server's CPU that
    every new session's first page paid; bench/README.md, "Overview page load", issue 20 item 6)."""
    return study_summary(demo_inputs(resolution_m))


def origin_banner() -> None:
    """What the study is made of (every page): a warning for mixed data, a note otherwise."""
    origin = current_origin()
    label = origin.label(lang())
    if origin.kind == "mixed":
        st.warning(tr("origin_banner_mixed", label=label))
    else:
        st.caption(label)


#: characters of st.metric values that fit side by side in the main area (1280 px window, sidebar open)
_ROW_CHARS = 48


def figure_rows(keys: Sequence[str]) -> list[tuple[str, str]]:
    """(label, value) of each of ``keys`` present in the summary, in ``keys``' order (a ``covered_by_operator``
    key gives every operator): the labels and values of ``summary_rows``, as the CLI and the report write them."""
    rows = [(k, label, text) for k, label, text in current_summary().rows(lang())
            if k in keys or k.split(":", 1)[0] in keys]
    rows.sort(key=lambda r: list(keys).index(r[0].split(":", 1)[0]))
    return [(label, text) for _, label, text in rows]


def show_figures(keys: Sequence[str], *, columns: int = 4) -> None:
    """``st.metric`` of each of ``keys`` present (a ``covered_by_operator`` key shows every operator)."""
    rows = figure_rows(keys)
    # st.metric cuts a value wider than its column with an ellipsis ("1,103 sec…"): at Streamlit's value size a
    # row of the main area holds about 48 characters, so long values get fewer, wider columns
    longest = max((len(text) for _, text in rows), default=1)
    columns = max(1, min(columns, _ROW_CHARS // max(longest, 1)))
    for start in range(0, len(rows), columns):
        cols = st.columns(columns)
        for col, (label, text) in zip(cols, rows[start:start + columns], strict=False):
            col.metric(label, text)


#: the figure block's look: st.metric's (label 0.875rem, value 2.25rem in the text colour), side by side, wrapped
_FIGURES_CSS = ("<style>.tp-figures{display:flex;flex-wrap:wrap;gap:0.75rem 2.5rem;margin:0 0 1rem 0}"
                ".tp-figures>div{min-width:9rem}.tp-figures dt{font-size:0.875rem;font-weight:400;margin:0 0 0.25rem 0}"
                ".tp-figures dd{font-size:2.25rem;line-height:1.2;margin:0;padding:0;white-space:nowrap}</style>")


def figures_html(items: Sequence[tuple[str, str]]) -> str:
    """(label, value) figures as one HTML block (a description list), every text escaped; one line, so that
    Markdown keeps it as one raw HTML block."""
    cells = "".join(f"<div><dt>{html.escape(label)}</dt><dd>{html.escape(value)}</dd></div>" for label, value in items)
    return f'{_FIGURES_CSS}<dl class="tp-figures">{cells}</dl>'


def show_figure_block(items: Sequence[tuple[str, str]]) -> None:
    """The figures as one Markdown element instead of one ``st.metric`` each (the first page's figures).

    Same labels and values as :func:`show_figures`. In the browser, Markdown's script is part of Streamlit's
    first bundle, while ``st.metric`` loads 7 more scripts (a number formatter, sprintf, a Vega loader), fetched
    and run with the map frame's on every new session's first page (``bench/README.md``, "Overview page load:
    the first page's elements and a lighter map", issue 20 item 6).
    """
    st.markdown(figures_html(items), unsafe_allow_html=True)
