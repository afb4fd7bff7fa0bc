"""The Shared towers page's budget beside its result, in one unit (issue 21, item 7).

The money budget bounds the proposals' total on the cost model's ``budget_basis``: the present value over
the horizon (capex plus discounted yearly costs, the default) or capex alone
(:class:`towerplan.planning.costs.CostModel`). The field says which, and the result's cost is shown beside
the budget on that same basis, so "10.00 bn" never sits beside "23.42 bn" without saying why.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from towerplan.i18n import t
from towerplan.i18n_summary import figure_text, format_number

__all__ = ["basis_text", "budget_label", "show_budget_and_result"]


def basis_text(costs: Any, lang: str, *, horizon_years: float | None = None) -> str:
    """What the budget counts: ``giá trị hiện tại, 10 năm`` / ``present value, 10 years`` or ``capex``."""
    if costs.budget_basis == "capex":
        return t("budget_basis_capex", lang)
    years = costs.horizon_years if horizon_years is None else horizon_years
    return t("budget_basis_present_value", lang, years=float(years))


def budget_label(costs: Any, lang: str, *, horizon_years: float | None = None) -> tuple[str, str]:
    """The money budget field's label and help, naming its basis."""
    basis = basis_text(costs, lang, horizon_years=horizon_years)
    return t("budget_vnd_basis", lang, basis=basis), t("budget_vnd_basis_help", lang, basis=basis)


def show_budget_and_result(settings: Any, summary: dict[str, Any], lang: str) -> None:
    """Two metrics side by side: the budget the result was computed with and the result's cost, on the same
    basis (a tower-count result says the money budget was not used); capex and present value below."""
    basis = basis_text(settings.costs, lang)
    if settings.budget_vnd:
        budget = figure_text("cost_bn_vnd", settings.budget_vnd / 1e9, lang)
    else:
        budget = t("budget_compare_by_towers", lang)
    left, right = st.columns(2)
    left.metric(t("budget_compare_budget", lang, basis=basis), budget)
    right.metric(t("budget_compare_result", lang, basis=basis),
                 figure_text("cost_bn_vnd", float(summary["cost_vnd"]) / 1e9, lang))
    if not settings.budget_vnd:
        st.caption(t("budget_compare_by_towers_note", lang, n=settings.max_sites if settings.max_sites else "–"))
    st.caption(t("budget_compare_note", lang, basis=basis,
                 capex=figure_text("cost_bn_vnd", float(summary["capex_vnd"]) / 1e9, lang),
                 pv=figure_text("cost_bn_vnd", float(summary["present_value_vnd"]) / 1e9, lang),
                 years=format_number(float(summary["horizon_years"]), lang=lang),
                 rate=format_number(100 * float(summary["discount_rate"]), decimals=1, lang=lang)))
