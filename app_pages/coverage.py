"""Coverage page: model and parameters, a run with a progress bar, and the coverage map."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import streamlit as st

from app_pages.common import (
    current_inputs,
    fetch,
    lang,
    osm_checkbox,
    progress_bar,
    resolution_options,
    run_guard,
    show_map,
    store,
    tr,
    ui,
)
from app_pages.landcover import has_land_cover, model_line
from app_pages.scenarios import (
    SERVICE_CHOICES,
    default_technologies,
    page_widgets,
    remember_widgets,
    seed_widgets,
    settings_from_widgets,
)
from app_pages.summary_view import current_summary, show_figures
from app_pages.units import units_caption
from app_pages.uploads import inputs_at, set_resolution
from towerplan.coverage.config import CoverageConfig
from towerplan.export.report_service import criterion_sentence
from towerplan.i18n import t
from towerplan.i18n_summary import format_number
from towerplan.maps.study import coverage_map, with_site_footprint
from towerplan.study import (
    TECHNOLOGIES,
    coverage_of_stations,
    run_coverage_step,
    select_technologies,
    server_names,
)
from towerplan.study.service import criterion_record

LANG = lang()  # for option labels (format_func runs outside the script in AppTest)
st.title(tr("page_coverage"))
st.write(tr("cov_intro"))

MODELS = ("auto", "p1812", "itm", "hata", "cost231", "fspl")

present = [t for t in TECHNOLOGIES if t in set(current_inputs().stations["technology"])]
RESOLUTIONS = resolution_options(st.session_state.get("data_resolution_m", 90.0))
# widget values: kept while the session lasts, else the page's last ones or a loaded scenario's (scenarios.seed_widgets)
seed_widgets("cov", present_techs=present, valid={
    "cov_model": lambda v: v if v in MODELS else "auto",
    "cov_techs": lambda v: [x for x in (v or []) if x in present] or default_technologies(present),
    "cov_resolution": lambda v: float(v) if float(v) in RESOLUTIONS else RESOLUTIONS[0],
    "cov_service": lambda v: v if v in SERVICE_CHOICES else "outdoor",
    "cov_service_probability": lambda v: min(99, max(50, round(float(v)))),
})
T_LOW, T_HIGH = min(-130, int(st.session_state["cov_threshold"])), max(-80, int(st.session_state["cov_threshold"]))
P_LOW = min(50, int(st.session_state["cov_probability"]))

left, right = st.columns([1, 3])
with left, st.form("cov_form"):
    model = st.selectbox(tr("cov_model"), MODELS, format_func=lambda m: t(f"model_{m}", LANG), key="cov_model")
    techs = st.multiselect(tr("cov_technology"), present, key="cov_techs")
    st.selectbox(t("svc_class", LANG), SERVICE_CHOICES, format_func=lambda c: t(f"svc_class_{c}", LANG),
                 key="cov_service")  # the service criterion (towerplan.coverage.criteria)
    st.slider(t("svc_probability", LANG), 50, 99, step=1, key="cov_service_probability")
    threshold = st.slider(tr("cov_threshold"), T_LOW, T_HIGH, step=1, key="cov_threshold")
    resolution = st.selectbox(tr("cov_resolution"), RESOLUTIONS, format_func=lambda r: f"{r:g} m",
                              key="cov_resolution")
    indoor = st.number_input(tr("cov_indoor"), 0.0, max(40.0, float(st.session_state["cov_indoor"])), step=1.0,
                             key="cov_indoor")
    body = st.number_input(tr("cov_body"), 0.0, max(10.0, float(st.session_state["cov_body"])), step=1.0,
                           key="cov_body")
    probability = st.slider(tr("cov_shadow"), P_LOW, 99, step=1, key="cov_probability")
    st.checkbox(tr("cov_sinr"), key="cov_sinr")
    run = st.form_submit_button(tr("cov_run"), type="primary")
    st.caption(ui("run_stoppable"))
remember_widgets("cov")


def _run() -> None:
    """One coverage run. Nothing in the session changes until it completes: a Stop or a widget change
    (Streamlit ends the script at the progress bar's next update) leaves the previous results."""
    inputs = inputs_at(float(resolution))
    # the settings a loaded scenario brought and this page does not show are kept (cov_base)
    settings = settings_from_widgets({**page_widgets("cov", present_techs=present), **page_widgets("gaps"),
                                      **page_widgets("towers")}, cov_base=st.session_state.get("cov_base"),
                                     service_base=st.session_state.get("service_base"))
    config = settings.coverage
    technologies = tuple(techs) or ("4G",)
    select_technologies(inputs.stations, technologies)  # a clear message before any work when none is left
    bar, report = progress_bar("cov_progress")
    t0 = time.perf_counter()
    result = run_coverage_step(inputs, config, technologies=technologies, progress=report)
    bar.empty()
    set_resolution(float(resolution), inputs)
    store("cov_result", {"coverage": result, "config": config, "technologies": technologies,
                         "seconds": time.perf_counter() - t0,
                         "criterion": criterion_record(config, settings.service, technologies)})
    for stale in ("gaps_result", "towers_result", "export_package", "cov_site_cache", "cov_site_map", "cov_radio"):
        st.session_state.pop(stale, None)


def show_speed(cov, inputs, map_key):
    """With SINR in the run: the speed figures against the Decision 36 targets, and the map with the SINR and
    speed layers (kept per run in ``cov_radio``); None without SINR."""
    if getattr(cov, "sinr", None) is None:
        return None
    if not cov.sinr.pairs:
        st.info(tr("cov_sinr_none"))
        return None
    from towerplan.coverage.radio_maps import radio_maps
    from towerplan.maps.radio import with_radio_layers
    from towerplan.study import run_speed_step

    cached = st.session_state.get("cov_radio")
    if cached is None or cached["key"] != map_key:
        maps = radio_maps(cov)
        speed = run_speed_step(inputs, cov, st.session_state.get("speed_base"))
        layers = {op: (r.sinr_db, r.throughput_dl_mbps) for op, r in maps.operators.items()}
        cached = {"key": map_key, "speed": speed,
                  "map": with_radio_layers(st.session_state["cov_map"]["map"], layers, lang=lang())}
        st.session_state["cov_radio"] = cached
    speed = cached["speed"]
    st.subheader(tr("cov_speed_title"))
    for tech, tot in sorted(speed.totals.items()):
        cols = st.columns(3)
        cols[0].metric(tr("cov_speed_target", tech=tech, target_mbps=float(tot["target_mbps"] or 0)),
                       format_number(tot["people_target"] or 0, lang=lang()))
        cols[1].metric(tr("cov_speed_gap", tech=tech), format_number(tot["people_speed_gap"] or 0, lang=lang()))
        mean = tot.get("mean_user_throughput_mbps")
        cols[2].metric(tr("cov_speed_mean", tech=tech),
                       "-" if mean is None else f"{format_number(mean, decimals=1, lang=lang())} Mbit/s")
    shares = ", ".join(f"{op} {100 * v:g} %" for op, v in speed.load.market_share.items())
    st.caption(tr("cov_speed_note", activity=speed.load.busy_hour_activity, shares=shares))
    if speed.communes is not None:
        st.dataframe(speed.communes, hide_index=True)
        st.caption(units_caption(inputs, lang()))
    return cached["map"]


def site_footprint(cov, site: tuple[str, str], config: CoverageConfig, technologies, inputs):
    """(level grid, seconds, sectors, (lon, lat)) of one site's own sectors, with the run's settings; kept in
    ``cov_site_cache`` per run and site (a few tenths of a second each at 90 m)."""
    cache = st.session_state.setdefault("cov_site_cache", {})
    key = (id(cov), site)
    if key not in cache:
        stations = inputs.projected_stations  # canonical sectors, projected once (the run's table has the engine's)
        own = stations[(stations["site_id"].astype(str) == site[0]) & (stations["operator"].astype(str) == site[1])]
        own = select_technologies(own, technologies)
        t0 = time.perf_counter()
        result = coverage_of_stations(inputs.dem, own, config, technologies=technologies, clutter=inputs.clutter)
        lonlat = (float(own["lon"].iloc[0]), float(own["lat"].iloc[0])) if {"lon", "lat"} <= set(own) else None
        if len(cache) >= 20:
            cache.pop(next(iter(cache)))
        cache[key] = (result.best_level, time.perf_counter() - t0, len(own), lonlat)
    return cache[key]


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
    figures = current_summary().figures()
    st.success(tr("cov_done", s=item["seconds"], sites=format_number(figures["sites_modelled"], lang=lang()),
                  sectors=format_number(figures["sectors_modelled"], lang=lang())))
    if len(cov.skipped):
        st.warning(tr("cov_skipped", n=len(cov.skipped)))
    st.caption(criterion_sentence(item.get("criterion"), LANG))  # what "covered" means in this run

    show_figures(("sites_modelled", "sectors_modelled", "area_covered_km2", "threshold_dbm"))
    summary = cov.summary()
    for k, line in enumerate(model_line(summary.get("models", {}), config.model, inputs, lang())):
        (st.caption if k == 0 else st.info)(line)
    cols = st.columns(len(summary["operators"]))
    for col, (op, s) in zip(cols, sorted(summary["operators"].items()), strict=True):
        col.metric(op, f"{format_number(s['area_km2'], lang=lang())} km²")

    # one site's own footprint (its sectors only, the run's settings), computed on demand and kept per run
    sites = cov.stations[["site_id", "operator"]].astype(str).drop_duplicates().sort_values(["site_id", "operator"])
    site_of = {f"{sid} · {op}": (sid, op) for sid, op in sites.itertuples(index=False, name=None)}
    chosen = st.selectbox(tr("cov_site"), list(site_of), index=None, placeholder=tr("cov_site_placeholder"),
                          key="cov_site")
    site = site_of.get(chosen) if chosen is not None else None
    osm = osm_checkbox("cov")
    show_cover = has_land_cover(inputs) and st.checkbox(tr("map_landcover"), key="cov_landcover")
    map_key = (id(cov), lang(), osm, show_cover)
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
            land_cover=inputs.land_cover if show_cover else None,
        )
        cached = {"key": map_key, "map": fmap}
        st.session_state["cov_map"] = cached
    shown = cached["map"]
    radio = show_speed(cov, inputs, map_key)  # coverage.sinr: SINR / speed layers and the speed figures
    if radio is not None:
        shown = radio
    if site is not None:
        footprint = None
        with run_guard(tr("cov_site")):
            footprint = site_footprint(cov, site, config, item["technologies"], inputs)
        if footprint is not None:
            level, seconds, n_sectors, lonlat = footprint
            area = float(np.isfinite(level.values).sum()) * level.cell_area_m2 / 1e6
            st.caption(tr("cov_site_done", site=site[0], op=site[1], sectors=n_sectors, area=area,
                          threshold=config.threshold_dbm, s=seconds))
            site_key = (map_key, site)
            site_map = st.session_state.get("cov_site_map")
            if site_map is None or site_map["key"] != site_key:
                site_map = {"key": site_key, "map": with_site_footprint(cached["map"], level, site_id=site[0],
                                                                        operator=site[1], lonlat=lonlat, lang=lang())}
                st.session_state["cov_site_map"] = site_map
            shown = site_map["map"]
    show_map(shown, key="cov_map_view", height=680)
    st.caption(tr("offline_note"))
