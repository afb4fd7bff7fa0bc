"""Data page: upload operators' station lists and see the validation report."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from app_pages.common import DEMO_LABEL, load_demo
from towerplan.errors import TowerplanError
from towerplan.stations import read_many

st.title("Data")
st.write(
    "Start from the built-in **synthetic demo province**, or upload the station lists each operator "
    "sent (CSV, XLSX, GeoJSON, KML/KMZ, GeoPackage or an OpenCelliD dump). Vietnamese or English "
    "headers are recognised."
)

demo = load_demo()
with open(f"{demo['folder']}/stations.csv", "rb") as fh:
    st.download_button("Download the demo station list (CSV)", fh.read(), "stations_demo.csv", "text/csv")

files = st.file_uploader(
    "Station lists",
    type=["csv", "txt", "xlsx", "geojson", "json", "kml", "kmz", "gpkg"],
    accept_multiple_files=True,
    key="data_uploads",
)
if files:
    sources = [(f.name, io.BytesIO(f.getvalue())) for f in files]
    try:
        load = read_many(sources)
    except TowerplanError as exc:
        st.error(f"Could not read the upload: {exc}")
    else:
        report = load.report.to_frame()
        n_err = int((report["severity"] == "error").sum()) if len(report) else 0
        n_warn = int((report["severity"] == "warning").sum()) if len(report) else 0
        n = len(load.stations)
        st.success(f"{n:,} sector{'s' if n != 1 else ''} kept from {len(files)} file(s).")
        if n_err or n_warn:
            st.warning(
                f"{n_err} error(s) and {n_warn} warning(s): rows in error are listed below, not dropped silently."
            )
        # file-level issues have no row/column: show blanks, not "None"
        st.dataframe(report.astype(object).where(report.notna(), ""), use_container_width=True, hide_index=True)
        if len(load.rejected):
            st.download_button(
                "Download the rows in error (CSV)",
                load.rejected.to_csv(index=False).encode("utf-8-sig"),
                "rows_in_error.csv",
                "text/csv",
            )
        if len(load.stations) and st.button("Use these stations on the map", key="data_use"):
            st.session_state["data_stations"] = pd.DataFrame(load.stations.drop(columns="geometry"))
            st.session_state["data_source_label"] = ", ".join(f.name for f in files)
            st.rerun()
else:
    st.info(f"Showing: {st.session_state.get('data_source_label', DEMO_LABEL)}")
    if st.session_state.get("data_stations") is not None and st.button("Back to the demo stations"):
        st.session_state.pop("data_stations", None)
        st.session_state.pop("data_source_label", None)
        st.rerun()

st.subheader("Demo validation report")
st.dataframe(demo["report"].astype(object).where(demo["report"].notna(), ""), use_container_width=True,
             hide_index=True)
