"""Data page: the demo or uploads (station lists, DEM, population, communes, roads), the validation
report, templates, and a summary of what is loaded."""

from __future__ import annotations

import io

import streamlit as st

from app_pages.common import (
    MAX_UPLOAD_MB,
    TEMPLATES,
    UPLOAD_TYPES,
    current_inputs,
    demo_stations_csv,
    input_label,
    load_uploads,
    report_for_display,
    save_uploads,
    set_inputs,
    show_table,
    too_big,
    tr,
    using_demo,
)
from towerplan.errors import TowerplanError
from towerplan.maps.study import bounds_lonlat
from towerplan.stations import read_many

st.title(tr("page_data"))
st.write(tr("data_intro"))

c1, c2, c3 = st.columns(3)
c1.download_button(tr("download_template_csv"), TEMPLATES["csv"].read_bytes(), "stations_template.csv", "text/csv",
                   on_click="ignore", key="data_tpl_csv")
c2.download_button(tr("download_template_xlsx"), TEMPLATES["xlsx"].read_bytes(), "stations_template.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore",
                   key="data_tpl_xlsx")
c3.download_button(tr("download_demo_stations"), demo_stations_csv(), "stations_demo.csv", "text/csv",
                   on_click="ignore", key="data_demo_csv")

st.caption(tr("upload_limit", mb=MAX_UPLOAD_MB))
files = st.file_uploader(tr("upload_stations"), type=list(UPLOAD_TYPES["stations"]), accept_multiple_files=True,
                         key="data_uploads")
with st.expander(tr("upload_dem") + " · " + tr("upload_population") + " · " + tr("upload_communes") + " · "
                 + tr("upload_roads")):
    st.caption(tr("uploads_need_dem"))
    extra = {
        "dem": st.file_uploader(tr("upload_dem"), type=list(UPLOAD_TYPES["dem"]), accept_multiple_files=True,
                                key="data_dem"),
        "population": st.file_uploader(tr("upload_population"), type=list(UPLOAD_TYPES["population"]),
                                       key="data_population"),
        "communes": st.file_uploader(tr("upload_communes"), type=list(UPLOAD_TYPES["communes"]), key="data_communes"),
        "roads": st.file_uploader(tr("upload_roads"), type=list(UPLOAD_TYPES["roads"]), key="data_roads"),
    }
extra_files = {role: ([f] if f is not None and not isinstance(f, list) else (f or [])) for role, f in extra.items()}
oversize = too_big([*(files or []), *[f for fs in extra_files.values() for f in fs]])
for message in oversize:
    st.error(message)

if files and not oversize:
    sources = [(io.BytesIO(f.getvalue()), f.name) for f in files]
    try:
        load = read_many(sources, on_unreadable="report")
    except TowerplanError as exc:
        st.error(tr("upload_read_error", error=exc))
    else:
        report = load.report.to_frame()
        n_err = int((report["severity"] == "error").sum()) if len(report) else 0
        n_warn = int((report["severity"] == "warning").sum()) if len(report) else 0
        st.success(tr("kept_sectors", n=f"{len(load.stations):,}", files=len(files)))
        if n_err or n_warn:
            st.warning(tr("issues_found", errors=n_err, warnings=n_warn))
        st.subheader(tr("validation_report"))
        show_table(report_for_display(report), key="data_report")
        if len(load.rejected):
            st.download_button(tr("download_errors"), load.rejected.to_csv(index=False).encode("utf-8-sig"),
                               "rows_in_error.csv", "text/csv", on_click="ignore", key="data_rejected")
        if len(load.stations) == 0:
            st.error(tr("no_stations"))
        elif st.button(tr("use_uploads"), key="data_use", type="primary"):
            paths = {"stations": save_uploads("stations", files)}
            for role, fs in extra_files.items():
                if fs:
                    paths[role] = save_uploads(role, fs)
            if paths.get("dem") and not paths.get("population"):
                st.error(tr("upload_population"))
            else:
                try:
                    label = ", ".join(f.name for f in files)
                    inputs = load_uploads(paths, resolution_m=st.session_state.get("data_resolution_m", 90.0),
                                          label=label, report=report)
                except (TowerplanError, ValueError) as exc:
                    st.error(tr("upload_read_error", error=exc))
                else:
                    set_inputs(inputs)
                    st.rerun()

if not using_demo():
    st.info(tr("using_uploads", label=current_inputs().label))
    if st.button(tr("use_demo"), key="data_back"):
        set_inputs(None)
        st.rerun()

# ------------------------------------------------------------ what is loaded
inputs = current_inputs()
st.subheader(tr("loaded_summary"))
st.caption(input_label(inputs))
dem = inputs.dem
w, s, e, n = bounds_lonlat(dem)
st.markdown(
    "- " + tr("summary_extent", w=w, e=e, s=s, n=n) + "\n"
    "- " + tr("summary_crs", crs=dem.crs.to_string(), w=dem.width, h=dem.height, res=dem.res[0]) + "\n"
    "- " + tr("summary_people", people=float(inputs.population.masked(fill=0.0).sum())) + "\n"
    "- " + tr("summary_layers", layers=", ".join(k for k in ("communes", "roads") if getattr(inputs, k) is not None)
              or "–")
)
table = inputs.stations.groupby(["operator", "technology"]).agg(
    sites=("site_id", "nunique"), sectors=("cell_id", "count")).reset_index()
table.columns = [tr("col_operator"), tr("col_technology"), tr("col_sites"), tr("col_sectors")]
st.dataframe(table, hide_index=True, key="data_summary")
if not files and inputs.station_report is not None and len(inputs.station_report):
    with st.expander(tr("validation_report")):
        show_table(report_for_display(inputs.station_report), key="data_loaded_report")
