"""Provincial plan page: a 2G/3G switch-off (who loses every service), the least cost to reach a target,
upgrades of the operators' own sites and phasing over the years. Thin: widgets -> library -> tables."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import streamlit as st

from app_pages.common import current_inputs, fetch, lang, progress_bar, run_guard, show_table, store, tr
from app_pages.scenarios import page_widgets, settings_from_widgets
from app_pages.units import units_caption
from app_pages.village_target import loaded_villages, show_village_target, village_target_record
from towerplan.errors import TowerplanError
from towerplan.i18n_errors import error_in
from towerplan.planning.phasing import PhasingSettings
from towerplan.planning.switchoff import SwitchOffSettings
from towerplan.planning.targets import TargetSettings
from towerplan.study import run_placement_step
from towerplan.study.switchoff_step import run_switch_off_step

st.title(tr("page_provincial"))
st.write(tr("prov_intro"))

cov_item = fetch("cov_result")
if cov_item is None:
    st.info(tr("run_first"))
    st.stop()


def _settings():
    values = {**page_widgets("cov"), **page_widgets("gaps"), **page_widgets("towers")}
    return settings_from_widgets(values, towers_base=st.session_state.get("towers_base"))


# ------------------------------------------------------------ switch-off
st.subheader(tr("prov_switch_off"))
with st.form("prov_switch_form"):
    by_date = st.checkbox(tr("prov_use_date"), value=True, key="prov_by_date")
    day = st.date_input(tr("prov_off_date"), value=dt.date(2028, 10, 1), key="prov_date")
    techs = st.multiselect(tr("prov_off_techs"), ["2G", "3G"], default=["2G"], key="prov_techs")
    add_4g = st.checkbox(tr("prov_add_4g"), value=False, key="prov_add_4g")
    run_switch = st.form_submit_button(tr("prov_switch_run"))
if run_switch:
    with run_guard(tr("prov_switch_run")):
        switch = SwitchOffSettings(technologies=() if by_date else tuple(techs),
                                   date=day.isoformat() if by_date else None, add_4g_on_lost_sites=add_4g)
        settings = dataclasses.replace(_settings(), switch_off=switch)
        bar, report = progress_bar("prov_switch_progress")
        store("prov_switch_result", run_switch_off_step(current_inputs(), settings, progress=report))
        bar.empty()
impact = fetch("prov_switch_result")
if impact is not None:
    totals = impact.totals
    st.success(tr("prov_switch_done", lost=totals["people_lost"], before=totals["people_before"],
                  after=totals["people_after"], gained=totals["people_gained"], sites=int(totals["sites_to_act"])))
    lost = impact.by_commune[impact.by_commune["people_lost"] > 0]
    show_table(lost.round(0), key="prov_switch_table", height=260)
    st.caption(units_caption(current_inputs(), lang()))
    if len(impact.sites):
        show_table(impact.sites, key="prov_switch_sites", height=220)

# ------------------------------------------------------------ target, upgrades, phasing
st.subheader(tr("prov_plan"))
with st.form("prov_plan_form"):
    upgrades = st.checkbox(tr("prov_upgrades"), value=True, key="prov_upgrades")
    target_pct = st.number_input(tr("prov_target_pct"), 0.0, 100.0, value=0.0, step=0.5, key="prov_target_pct")
    villages = loaded_villages()
    if villages is not None:
        min_households = st.number_input(tr("prov_village_households"), 0, 100_000, value=0, step=10,
                                         key="prov_village_households")
    else:
        min_households = 0
        st.caption(tr("prov_village_needs_list"))
    start = st.number_input(tr("prov_start_year"), 2025, 2100, value=2027, step=1, key="prov_start_year")
    budgets_text = st.text_input(tr("prov_phasing"), value="", key="prov_budgets")
    carry = st.checkbox(tr("prov_carry"), value=True, key="prov_carry")
    run_plan = st.form_submit_button(tr("prov_plan_run"), type="primary")
if run_plan:
    try:
        budgets = tuple(float(b) * 1e9 for b in budgets_text.replace(";", ",").split(",") if b.strip())
    except ValueError:
        st.error(tr("prov_bad_budgets", text=budgets_text))
        st.stop()
    with run_guard(tr("prov_plan_run")):
        try:
            base = _settings().placement
            placement = dataclasses.replace(
                base, include_upgrades=upgrades,
                target=TargetSettings(population_share=target_pct / 100.0 if target_pct > 0 else None,
                                      min_households=float(min_households) if min_households > 0 else None)
                if target_pct > 0 or min_households > 0 else None,
                phasing=PhasingSettings(start_year=int(start), budgets_vnd=budgets, carry_over=carry)
                if budgets else None)
        except TowerplanError as exc:
            st.error(error_in(exc, lang()))
            st.stop()
        bar, report = progress_bar("prov_plan_progress")
        inputs = current_inputs() if villages is None else dataclasses.replace(current_inputs(), villages=villages)
        result = run_placement_step(inputs, cov_item["coverage"], placement, coverage_config=cov_item["config"],
                                    progress=report)
        store("prov_plan_result", result)
        store("prov_village_target", village_target_record(inputs, cov_item["coverage"], fetch("gaps_result"),
                                                           result) if villages is not None else None)
        bar.empty()
plan = fetch("prov_plan_result")
if plan is not None:
    summary = plan.summary()
    target = summary.get("target")
    if target:
        key = "prov_target_ok" if target["reachable"] else "prov_target_no"
        share = target["share_reached"] if target["reachable"] else target["share_reachable_max"]
        (st.success if target["reachable"] else st.warning)(tr(
            key, share=share or 0.0, cost=summary["cost_vnd"] / 1e9, people=target["people_out_of_reach"]))
    props = pd.DataFrame(plan.result.proposals.drop(columns="geometry"))
    if plan.phasing is not None:
        props = props.assign(target_year=plan.phasing.proposals["target_year"].to_numpy())
        st.caption(tr("prov_years"))
        show_table(plan.phasing.years.round(3), key="prov_years_table", height=200)
    cols = [c for c in ("build_order", "candidate_id", "kind", "operators_hosted", "people_newly_covered",
                        "cost_vnd", "target_year") if c in props]
    show_table(props[cols].round(0), key="prov_plan_table", height=300)
    show_village_target(fetch("prov_village_target"))
