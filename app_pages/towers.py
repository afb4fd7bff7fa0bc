"""Shared towers page: budget, method, objective; proposals on the map, the coverage-versus-budget
curve and a before/after comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app_pages.budget_view import budget_label, show_budget_and_result
from app_pages.common import (
    current_inputs,
    fetch,
    lang,
    osm_checkbox,
    progress_bar,
    run_guard,
    show_map,
    show_table,
    store,
    tr,
    ui,
)
from app_pages.scenarios import (
    current_scenario,
    page_widgets,
    remember_widgets,
    seed_widgets,
    settings_from_widgets,
)
from app_pages.store_links import offer_plan_record
from app_pages.summary_view import show_figures
from towerplan.export.i18n_report import value_label
from towerplan.i18n import t
from towerplan.i18n_summary import format_number
from towerplan.maps.study import towers_map
from towerplan.planning.shared_towers import PlacementSettings
from towerplan.study import run_placement_step, select_technologies

LANG = lang()  # for option labels (format_func runs outside the script in AppTest)
st.title(tr("page_towers"))
st.write(tr("towers_intro"))

cov_item = fetch("cov_result")
if cov_item is None:
    st.info(tr("run_first"))
    st.stop()
coverage = cov_item["coverage"]
config = cov_item["config"]
inputs = current_inputs()

OBJECTIVES = ("any", "per_operator", "backup") if st.session_state.get("towers_objective") == "backup" or (
    (st.session_state.get("towers_widgets") or {}).get("towers_objective") == "backup") else ("any", "per_operator")
if getattr(coverage, "sinr", None) is not None and coverage.sinr.pairs:  # the run has SINR: the speed objective
    OBJECTIVES = (*OBJECTIVES, "speed")
seed_widgets("towers", valid={"towers_objective": lambda v: v if v in OBJECTIVES else "any"})

left, right = st.columns([1, 3])
with left, st.form("towers_form"):
    kind = st.radio(tr("budget_kind"), ("towers", "vnd"), format_func=lambda k: t(f"budget_{k}", LANG),
                    horizontal=True, key="towers_budget_kind")
    n_towers = st.number_input(tr("budget_towers_n"), 1, max(500, int(st.session_state["towers_n"])), step=1,
                               key="towers_n")
    # the money budget names its basis (present value over the horizon, or capex: the cost model's)
    bn_label, bn_help = budget_label((st.session_state.get("towers_base") or PlacementSettings()).costs, LANG,
                                     horizon_years=float(st.session_state.get("towers_horizon", 10.0)))
    budget_bn = st.number_input(bn_label, 0.5, max(5000.0, float(st.session_state["towers_bn"])),
                                step=0.5, key="towers_bn", help=bn_help)
    method = st.radio(tr("method"), ("greedy", "ilp"), format_func=lambda m: t(f"method_{m}", LANG),
                      key="towers_method")
    objective = st.radio(tr("objective"), OBJECTIVES, format_func=lambda o: t(f"objective_{o}", LANG),
                         key="towers_objective")
    st.radio(tr("radio_sharing"), ("per_operator", "shared"), format_func=lambda o: t(f"sharing_{o}", LANG),
             key="towers_sharing", horizontal=True)
    st.number_input(tr("horizon_years"), 0.0, 50.0, step=1.0, key="towers_horizon")
    st.number_input(tr("discount_rate_pct"), 0.0, 50.0, step=0.5, key="towers_discount")
    run = st.form_submit_button(tr("towers_run"), type="primary")
    st.caption(ui("run_stoppable"))
remember_widgets("towers")

with right:
    if run:
        with run_guard(tr("towers_run")):  # results are stored only when the run completes
            # the settings a loaded scenario brought and this page does not show are kept (towers_base)
            settings = settings_from_widgets(
                {**page_widgets("cov"), **page_widgets("gaps"), **page_widgets("towers")},
                towers_base=st.session_state.get("towers_base")).placement
            bar, report = progress_bar("towers_progress")
            new_plan = run_placement_step(inputs, coverage, settings, coverage_config=config, progress=report)
            bar.empty()
            store("towers_result", new_plan)
            st.session_state.pop("export_package", None)

    plan = fetch("towers_result")
    if plan is None:
        st.stop()
    summary = plan.summary()  # the plan's own record (store); the figures shown come from the study summary
    props = plan.result.proposals
    if len(props) == 0:
        st.warning(tr("towers_none"))
    else:
        show_figures(("proposals", "people_newly_covered", "cost_bn_vnd"), columns=3)
        # the budget this result was computed with beside its cost, on the same basis (the form may show
        # another kind of budget)
        show_budget_and_result(plan.settings, summary, lang())
    if summary.get("fibre_assumed"):
        st.warning(tr("fibre_assumed_warning", n=summary.get("proposals_on_assumed_fibre", 0)))

    osm = osm_checkbox("towers")
    map_key = (id(plan), lang(), osm)
    cached = st.session_state.get("towers_map")
    if cached is None or cached["key"] != map_key:
        gaps_item = st.session_state.get("gaps_result")
        stations = select_technologies(inputs.stations, cov_item["technologies"])
        fmap = towers_map(inputs.dem, proposals=props, best_level=plan.after, before_level=plan.before,
                          threshold_dbm=config.threshold_dbm,
                          gaps=gaps_item["value"].gaps if gaps_item else None,
                          stations=pd.DataFrame(stations.drop(columns=stations.geometry.name)), lang=lang(), osm=osm)
        cached = {"key": map_key, "map": fmap}
        st.session_state["towers_map"] = cached
    show_map(cached["map"], key="towers_map_view", height=560)
    offer_plan_record(summary, scenario=lambda: current_scenario(present_techs=list(cov_item["technologies"])))

# ------------------------------------------------------------ before / after
st.subheader(tr("before_after"))
# people without coverage before (the study summary's, as on the Gaps page) and after the proposals
show_figures(("uncovered", "uncovered_after"), columns=3)
before_cells = int(np.isfinite(plan.before.values).sum())
after_cells = int(np.isfinite(plan.after.values).sum())
km2 = plan.before.cell_area_m2 / 1e6
gained = format_number((after_cells - before_cells) * km2, lang=lang())
gained = format_number((after_cells - before_cells) * km2, lang=lang())
st.metric(tr("cov_area") + f" · {tr('after')}", f"{format_number(after_cells * km2, lang=lang())} km²",
          f"{'+' if after_cells >= before_cells else ''}{gained} km²")

c1, c2 = st.columns([2, 3])
with c1:
    st.subheader(tr("curve_title"))
    curve = plan.result.curve
    if len(curve):
        # the curve starts at (0 towers, 0 people)
        chart = pd.DataFrame({tr("col_towers"): [0, *curve["towers"].tolist()],
                              tr("col_newly_covered"): [0.0, *curve["people_newly_covered"].tolist()]})
        st.line_chart(chart, x=tr("col_towers"), y=tr("col_newly_covered"), height=300)

with c2:
    if len(props):
        st.subheader(tr("proposals_table"))
        kinds = {"colocation": tr("kind_colocation"), "greenfield": tr("kind_greenfield")}
        table = pd.DataFrame({
            tr("col_build_order"): props["build_order"].to_numpy(),
            "ID": props["candidate_id"].to_numpy(),
            tr("col_kind"): [kinds.get(str(k), str(k)) for k in props["kind"]],
            tr("col_newly_covered"): props["people_newly_covered"].round(0).to_numpy(),
            tr("col_hosted"): props.get("operators_hosted", pd.Series("", index=props.index)).to_numpy(),
            tr("col_cost"): (props["cost_vnd"] / 1e9).round(2).to_numpy(),
            tr("col_vnd_per_person"): props["vnd_per_person"].replace([np.inf], np.nan).round(0).to_numpy(),
            tr("col_backhaul"): [value_label(str(v), lang()) for v in props["backhaul"]],
        })
        show_table(table, key="towers_table", height=320, column_config={  # key columns stay in view
            tr("col_build_order"): st.column_config.NumberColumn(width="small", pinned=True),
            "ID": st.column_config.TextColumn(width="small", pinned=True)})
