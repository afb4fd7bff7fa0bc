"""Overview page: the study area's terrain, communes, roads and stations on an offline map."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from app_pages.common import DEMO_LABEL, load_demo
from towerplan.maps.overview import overview_map

st.title("Overview")
demo = load_demo()
uploaded = st.session_state.get("data_stations")
stations = uploaded if uploaded is not None else demo["stations"]
label = st.session_state.get("data_source_label", DEMO_LABEL)
st.caption(f"{label} · terrain: {DEMO_LABEL}")

col1, col2, col3, col4 = st.columns(4)
col1.metric("Sites", f"{stations['site_id'].nunique():,}")
col2.metric("Sectors", f"{len(stations):,}")
col3.metric("Operators", f"{stations['operator'].nunique()}")
dem = demo["dem"]
col4.metric("Area", f"{dem.width * dem.height * dem.cell_area_m2 / 1e6:,.0f} km²")

fmap = overview_map(dem, stations, communes=demo["communes"], roads=demo["roads"], title=label)
st_folium(fmap, height=640, use_container_width=True, returned_objects=[], key="overview_map")

with st.expander("Stations per operator and technology"):
    table = stations.groupby(["operator", "technology"]).agg(
        sites=("site_id", "nunique"), sectors=("cell_id", "count")
    )
    st.dataframe(table, use_container_width=True)
st.caption(
    f"Grid: {dem.width} × {dem.height} cells of {dem.res[0]:.0f} m, CRS EPSG:{dem.crs.to_epsg()} "
    "(WGS 84 / UTM). Maps load no internet resources."
)
