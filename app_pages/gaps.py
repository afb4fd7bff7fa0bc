"""Gaps page: ranked dead zones linked to the map, communes' covered share, road coverage."""

from __future__ import annotations

import dataclasses

import streamlit as st

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
    remember_widgets,
    seed_widgets,
)
from app_pages.summary_view import show_figures
from app_pages.units import units_caption
from towerplan.export.method_text import priority_formula
from towerplan.export.report_service import criterion_sentence
from towerplan.maps.study import gaps_map
from towerplan.planning.analysis import pick_name_column
from towerplan.planning.gaps import GapConfig
from towerplan.study import gap_config_for, run_gaps_step

st.title(tr("page_gaps"))
st.write(tr("gaps_intro"))

cov_item = fetch("cov_result")
if cov_item is None:
    st.info(tr("run_first"))
    st.stop()
coverage = cov_item["coverage"]
inputs = current_inputs()

c1, c2 = st.columns([1, 3])
seed_widgets("gaps")  # kept, or the page's last value, or a loaded scenario's
min_people = c1.number_input(tr("gaps_min_people"), 0, max(10_000, int(st.session_state["gaps_min_people"])),
                             step=10, key="gaps_min_people")
remember_widgets("gaps")
c2.caption(criterion_sentence(cov_item.get("criterion"), lang()))  # the people without this service
clicked = c1.button(tr("gaps_run"), type="primary", key="gaps_run")
c2.caption(ui("run_stoppable"))
if clicked or st.session_state.get("gaps_result") is None:
    with run_guard(tr("gaps_run")):  # results are stored only when the run completes
        bar, report = progress_bar("gaps_progress")
        # the threshold is the coverage run's (one definition of served); other settings a loaded
        # scenario brought are kept (gaps_base)
        gap_config = gap_config_for(cov_item["config"], dataclasses.replace(
            st.session_state.get("gaps_base") or GapConfig(), min_people=float(min_people)))
        new_analysis = run_gaps_step(inputs, coverage, gap_config, progress=report)
        bar.empty()
        store("gaps_result", new_analysis)
        st.session_state.pop("export_package", None)

analysis = fetch("gaps_result")
if analysis is None:
    st.stop()
# the study summary's figures (as the CLI, report and summary.json): people without coverage in the whole
# study area, those in the dead zones kept by the filters, and those scattered outside them
show_figures(("population_total", "covered_any", "covered_any_pct", "uncovered", "gap_count", "gap_people",
              "uncovered_outside_gaps", "road_covered_km", "road_km"))

gaps = analysis.gaps
left, right = st.columns([2, 3])
selected_rank = None
with left:
    st.subheader(tr("gaps_table"))
    if len(gaps) == 0:
        st.info(tr("gaps_none"))
    else:
        table = gaps.sort_values("rank")[["rank", "people", "area_km2", "commune", "dist_road_m", "dist_tower_m",
                                          "score"]].copy()
        table["people"] = table["people"].round(0)
        table["dist_road_m"] = (table["dist_road_m"] / 1000).round(1)
        table["dist_tower_m"] = (table["dist_tower_m"] / 1000).round(1)
        table["score"] = table["score"].round(0)
        table["area_km2"] = table["area_km2"].round(1)
        if "communes" in gaps:  # a dead zone over several communes says so ("Xã A (+6 xã)")
            every = gaps.sort_values("rank")["communes"].fillna("").astype(str).str.split("; ")
            table["commune"] = [main if len(names) < 2 else tr("gaps_commune_more", main=main, n=len(names) - 1)
                                for main, names in zip(table["commune"], every, strict=True)]
        table.columns = [tr(k) for k in ("col_rank", "col_people", "col_area_km2", "col_commune", "col_dist_road",
                                         "col_dist_tower", "col_score")]
        # the key columns stay in view: rank and commune pinned, numbers narrow
        config = {tr("col_rank"): st.column_config.NumberColumn(width="small", pinned=True),
                  tr("col_commune"): st.column_config.TextColumn(width="medium", pinned=True),
                  **{tr(k): st.column_config.NumberColumn(width="small")
                     for k in ("col_people", "col_area_km2", "col_dist_road", "col_dist_tower", "col_score")}}
        event = st.dataframe(table, hide_index=True, on_select="rerun", selection_mode="single-row",
                             key="gaps_table", height=520, column_config=config)
        rows = event.selection.rows if event is not None else []
        if rows:
            row = gaps.sort_values("rank").iloc[rows[0]]
            selected_rank = int(row["rank"])
            st.info(tr("gaps_selected", rank=selected_rank, people=float(row["people"]), commune=row["commune"]))
        st.caption(tr("score_formula", formula=priority_formula(analysis.config.remoteness_scale_km, lang())))
with right:
    osm = osm_checkbox("gaps")
    map_key = (id(analysis), lang(), osm, selected_rank)
    cached = st.session_state.get("gaps_map")
    if cached is None or cached["key"] != map_key:
        fmap = gaps_map(inputs.dem, gaps=gaps, commune_stats=analysis.commune_stats, road_pieces=analysis.road_pieces,
                        best_level=coverage.best_level, selected_rank=selected_rank, lang=lang(), osm=osm)
        cached = {"key": map_key, "map": fmap}
        st.session_state["gaps_map"] = cached
    show_map(cached["map"], key="gaps_map_view", height=600)

stats = analysis.commune_stats
if stats is not None and len(stats):
    st.subheader(tr("commune_table"))
    st.caption(units_caption(inputs, lang()))
    name_col = inputs.commune_name_column or pick_name_column(stats)
    cols = [c for c in (name_col, "people", "covered_any_pct", "gap_people", "gap_count", "road_km",
                        "road_covered_km") if c and c in stats.columns]
    communes = stats[cols].sort_values("covered_any_pct").copy()
    for c in ("people", "gap_people"):
        communes[c] = communes[c].round(0)
    for c in ("road_km", "road_covered_km"):
        if c in communes:
            communes[c] = communes[c].round(1)
    names = {name_col: tr("col_commune"), "people": tr("col_people"), "covered_any_pct": tr("col_covered_pct"),
             "gap_people": tr("col_gap_people"), "gap_count": tr("gaps_count"), "road_km": tr("road_km"),
             "road_covered_km": tr("road_covered_km")}
    show_table(communes.rename(columns=names), key="gaps_communes")

if analysis.road_table is not None and len(analysis.road_table):
    st.subheader(tr("road_table"))
    roads = analysis.road_table.groupby("road_class")[["length_km", "covered_km"]].sum().reset_index()
    roads["covered_pct"] = (100 * roads["covered_km"] / roads["length_km"].where(roads["length_km"] > 0)).round(1)
    roads[["length_km", "covered_km"]] = roads[["length_km", "covered_km"]].round(1)
    roads.columns = [tr("col_road_class"), tr("road_km"), tr("road_covered_km"), tr("col_covered_pct")]
    show_table(roads, key="gaps_roads")
