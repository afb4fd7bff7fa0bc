"""Overview page: the study area's terrain, communes, roads and stations on an offline map."""

from __future__ import annotations

import streamlit as st

from app_pages.common import (
    DEMO_RESOLUTION_M,
    current_inputs,
    demo_overview_map,
    input_label,
    lang,
    lazy_expander,
    osm_checkbox,
    show_map,
    tr,
    using_demo,
)
from app_pages.summary_view import figure_rows, show_figure_block
from towerplan.i18n_summary import format_number
from towerplan.maps.overview import overview_map

st.title(tr("page_overview"))
inputs = current_inputs()
stations = inputs.stations
label = input_label(inputs)
st.caption(label)

# sites, towers, sectors and operators as every page, the CLI and the report count them (study summary), and the
# area; one Markdown block, not five st.metric (the first page loads no metric script: bench/README.md)
dem = inputs.dem
area = f"{format_number(dem.width * dem.height * dem.cell_area_m2 / 1e6, lang=lang())} km²"
show_figure_block([*figure_rows(("sites", "towers", "sectors", "operators")), (tr("metric_area"), area)])

osm = osm_checkbox("overview")
if using_demo():  # every session opens on the demo: its map is built once per server, shown from a static page
    fmap = demo_overview_map(float(st.session_state.get("data_resolution_m", DEMO_RESOLUTION_M)), lang(), osm)
    show_map(fmap, key="overview_map", height=620, shared=True)
else:
    fmap = overview_map(dem, stations, communes=inputs.communes, roads=inputs.roads, title=label, lang=lang(),
                        osm=osm)
    show_map(fmap, key="overview_map", height=620)

# folded stations table: drawn only once opened (the table's script, an Arrow reader, is no longer loaded and
# started by every first page; bench/README.md, "Overview page load: the map as a static page")
stations_box = lazy_expander(tr("stations_by_op"), key="overview_stations_open")
if stations_box.open is not False:  # None: a Streamlit that cannot tell draws it folded, as before
    with stations_box:
        table = stations.groupby(["operator", "technology"]).agg(
            sites=("site_id", "nunique"), sectors=("cell_id", "count")
        ).reset_index()
        table.columns = [tr("col_operator"), tr("col_technology"), tr("col_sites"), tr("col_sectors")]
        st.table(table, hide_index=True)
st.caption(tr("grid_caption", w=dem.width, h=dem.height, res=dem.res[0], epsg=dem.crs.to_epsg()) + " "
           + tr("offline_note"))
