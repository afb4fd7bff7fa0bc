"""Coverage page: model and parameters, a run with a progress bar, and the coverage map."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from app_pages.common import (
    RESOLUTIONS_M,
    current_inputs,
    fetch,
    inputs_at,
    lang,
    osm_checkbox,
    progress_bar,
    run_guard,
    set_resolution,
    show_map,
    store,
    tr,
    ui,
)
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.linkbudget import LinkBudget
from towerplan.i18n import t
from towerplan.maps.study import coverage_map
from towerplan.workflow import TECHNOLOGIES, run_coverage_step, select_technologies, server_names

LANG = lang()  # for option labels (format_func runs outside the script in AppTest)
st.title(tr("page_coverage"))
st.write(tr("cov_intro"))

MODELS = ("auto", "itm", "hata", "cost231", "fspl")

left, right = st.columns([1, 3])
with left, st.form("cov_form"):
    model = st.selectbox(tr("cov_model"), MODELS, format_func=lambda m: t(f"model_{m}", LANG), key="cov_model")
    present = [t for t in TECHNOLOGIES if t in set(current_inputs().stations["technology"])]
    techs = st.multiselect(tr("cov_technology"), present, default=["4G"] if "4G" in present else present[:1],
                           key="cov_techs")
    threshold = st.slider(tr("cov_threshold"), -130, -80, -110, 1, key="cov_threshold")
    resolution = st.selectbox(tr("cov_resolution"), RESOLUTIONS_M, format_func=lambda r: f"{r:.0f} m",
                              index=RESOLUTIONS_M.index(float(st.session_state.get("data_resolution_m", 90.0)))
                              if float(st.session_state.get("data_resolution_m", 90.0)) in RESOLUTIONS_M else 0,
                              key="cov_resolution")
    indoor = st.number_input(tr("cov_indoor"), 0.0, 40.0, 0.0, 1.0, key="cov_indoor")
    body = st.number_input(tr("cov_body"), 0.0, 10.0, 0.0, 1.0, key="cov_body")
    probability = st.slider(tr("cov_shadow"), 50, 99, 50, 1, key="cov_probability")
    run = st.form_submit_button(tr("cov_run"), type="primary")
    st.caption(ui("run_stoppable"))


def _run() -> None:
    """One coverage run. Nothing in the session changes until it completes: a Stop or a widget change
    (Streamlit ends the script at the progress bar's next update) leaves the previous results."""
    inputs = inputs_at(float(resolution))
    config = CoverageConfig(
        model=model, threshold_dbm=float(threshold),  # type: ignore[arg-type]  # the select offers the Literal's values
        link_budget=LinkBudget(indoor_loss_db=float(indoor), body_loss_db=float(body),
                               location_probability=probability / 100.0),
    )
    technologies = tuple(techs) or ("4G",)
    select_technologies(inputs.stations, technologies)  # a clear message before any work when none is left
    bar, report = progress_bar("cov_progress")
    t0 = time.perf_counter()
    result = run_coverage_step(inputs, config, technologies=technologies, progress=report)
    bar.empty()
    set_resolution(float(resolution), inputs)
    store("cov_result", {"coverage": result, "config": config, "technologies": technologies,
                         "seconds": time.perf_counter() - t0})
    for stale in ("gaps_result", "towers_result", "export_package"):
        st.session_state.pop(stale, None)


with right:
    if run:
        with run_guard(tr("cov_run")):
            _run()

    item = fetch("cov_result")
    if item is None:
        st.info(tr("run_first"))
        st.stop()

    cov = item["coverage"]
    config: CoverageConfig = item["config"]
    inputs = current_inputs()
    st.success(tr("cov_done", s=item["seconds"], sites=cov.n_sites, sectors=int(cov.stations["usable"].sum())))
    if len(cov.skipped):
        st.warning(tr("cov_skipped", n=len(cov.skipped)))

    summary = cov.summary()
    cols = st.columns(1 + len(summary["operators"]))
    cols[0].metric(tr("cov_area"), f"{summary['any_operator']['area_km2']:,.0f} km²")
    for col, (op, s) in zip(cols[1:], sorted(summary["operators"].items()), strict=True):
        col.metric(op, f"{s['area_km2']:,.0f} km²")

    osm = osm_checkbox("cov")
    map_key = (id(cov), lang(), osm)
    cached = st.session_state.get("cov_map")
    if cached is None or cached["key"] != map_key:
        names = server_names(cov)
        stations = select_technologies(inputs.stations, item["technologies"])
        fmap = coverage_map(
            inputs.dem, best_level=cov.best_level, threshold_dbm=config.threshold_dbm, best_server=cov.best_server,
            station_operators=pd.Series(names["operator"].to_numpy(), index=names["best_server"].to_numpy()),
            server_count=cov.server_count, operator_levels=cov.operator_levels,
            stations=pd.DataFrame(stations.drop(columns=stations.geometry.name)),
            communes=inputs.communes, roads=inputs.roads, lang=lang(), osm=osm,
        )
        cached = {"key": map_key, "map": fmap}
        st.session_state["cov_map"] = cached
    show_map(cached["map"], key="cov_map_view", height=680)
    st.caption(tr("offline_note"))
