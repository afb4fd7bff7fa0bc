"""The study summary on the app's pages: the data-origin banner and the headline figures.

Every page takes its figures from one :class:`towerplan.study.summary.StudySummary`, built from the
session's inputs and the results computed so far (:func:`current_summary`), and shows them through
:func:`towerplan.i18n_summary.summary_rows`: the same labels and numbers as ``towerplan run``, the
report, the XLSX workbook and ``summary.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from app_pages.common import current_inputs, data_version, lang, tr
from towerplan.study.origin import DataOrigin, data_origin
from towerplan.study.summary import StudySummary, study_summary

__all__ = ["current_origin", "current_summary", "origin_banner", "show_figures"]


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
    from towerplan.study import StudySettings

    settings = (StudySettings.create(coverage=cov_item["config"], technologies=cov_item["technologies"])
                if cov_item is not None else None)
    summary = study_summary(inputs, settings, coverage=cov_item["coverage"] if cov_item else None,
                            gaps=gaps, placement=plan)
    st.session_state["summary_view"] = (key, summary)
    return summary


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


def show_figures(keys: Sequence[str], *, columns: int = 4) -> None:
    """``st.metric`` of each of ``keys`` present (a ``covered_by_operator`` key shows every operator)."""
    rows = [(k, label, text) for k, label, text in current_summary().rows(lang())
            if k in keys or k.split(":", 1)[0] in keys]
    rows.sort(key=lambda r: list(keys).index(r[0].split(":", 1)[0]))
    # st.metric cuts a value wider than its column with an ellipsis ("1,103 sec…"): at Streamlit's value size a
    # row of the main area holds about 48 characters, so long values get fewer, wider columns
    longest = max((len(text) for _, _, text in rows), default=1)
    columns = max(1, min(columns, _ROW_CHARS // max(longest, 1)))
    for start in range(0, len(rows), columns):
        cols = st.columns(columns)
        for col, (_, label, text) in zip(cols, rows[start:start + columns], strict=False):
            col.metric(label, text)
