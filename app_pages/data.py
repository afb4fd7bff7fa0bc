"""Data page: the demo or uploads (station lists, DEM, population, communes, roads), the validation
report, templates, and a summary of what is loaded."""

from __future__ import annotations

import streamlit as st

from app_pages.common import (
    DEMO_RESOLUTION_M,
    MAX_UPLOAD_MB,
    TEMPLATES,
    UPLOAD_TYPES,
    current_inputs,
    demo_inputs,
    demo_stations_csv,
    input_label,
    lang,
    report_for_display,
    run_guard,
    show_table,
    tr,
    ui,
    using_demo,
)
from app_pages.landcover import land_cover_line
from app_pages.scenarios import (
    SCENARIO_TYPES,
    apply_scenario,
    load_scenario_upload,
)
from app_pages.store_links import offer_store_upload
from app_pages.units import units_caption, units_section
from app_pages.uploads import (
    SESSION_MAX_AGE_H,
    back_to_demo,
    combined_stations,
    session_dir,
    study_dem,
    upload_display,
    uploads_for,
    use_uploads,
)
from towerplan.i18n_summary import format_number
from towerplan.maps.study import bounds_lonlat
from towerplan.study.station_check import within_study_area
from towerplan.textsafe import formula_safe_frame

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

st.caption(tr("upload_limit", mb=MAX_UPLOAD_MB) + " " + ui("upload_stored", hours=SESSION_MAX_AGE_H))
files = st.file_uploader(tr("upload_stations"), type=list(UPLOAD_TYPES["stations"]), accept_multiple_files=True,
                         key="data_uploads")
with st.expander(tr("upload_dem") + " · " + tr("upload_population") + " · " + tr("upload_communes") + " · "
                 + tr("upload_roads") + " · " + tr("map_landcover")):
    st.caption(tr("uploads_need_dem"))
    extra = {
        "dem": st.file_uploader(tr("upload_dem"), type=list(UPLOAD_TYPES["dem"]), accept_multiple_files=True,
                                key="data_dem"),
        "population": st.file_uploader(tr("upload_population"), type=list(UPLOAD_TYPES["population"]),
                                       key="data_population"),
        "communes": st.file_uploader(tr("upload_communes"), type=list(UPLOAD_TYPES["communes"]), key="data_communes"),
        "roads": st.file_uploader(tr("upload_roads"), type=list(UPLOAD_TYPES["roads"]), key="data_roads"),
        "landcover": st.file_uploader(tr("upload_landcover"), type=list(UPLOAD_TYPES["landcover"]),
                                      help=tr("upload_landcover_help"), key="data_landcover"),
    }
extra_files = {role: ([f] if f is not None and not isinstance(f, list) else (f or [])) for role, f in extra.items()}
units_section()  # administrative units (after the 2025 reform): replace the communes of any study

# every upload is checked (size, type), stored in the session folder and read by towerplan.safety-aware
# readers once (uploads.handle_upload); a bad file shows its message and never stops the page
uploads = {"stations": uploads_for("stations", files or []), "dem": uploads_for("dem", extra_files["dem"])}
dem_grid = None
good_dems = [u for u in uploads["dem"] if u.ok]
if good_dems:
    with run_guard(tr("upload_dem")):
        dem_grid = study_dem(good_dems)
for role in ("population", "communes", "roads"):
    uploads[role] = uploads_for(role, extra_files[role], dem=dem_grid)
# land cover goes onto the study's terrain: the uploaded DEM, else the demo's that carries the uploaded stations
terrain = dem_grid if dem_grid is not None else demo_inputs(
    float(st.session_state.get("data_resolution_m", DEMO_RESOLUTION_M))).dem
uploads["landcover"] = uploads_for("landcover", extra_files["landcover"], dem=terrain)
for ups in uploads.values():
    for up in ups:
        for level, text in upload_display(up):
            getattr(st, level)(text)

good_stations = [u for u in uploads["stations"] if u.ok]
load = None
margin_m = st.number_input(tr("area_margin_m"), 0.0, 100_000.0, step=500.0, key="data_margin_m",
                           help=tr("area_margin_help")) if good_stations else 0.0
with run_guard(tr("upload_stations")):  # each list was read once by its upload; combined, not read again
    load = combined_stations(good_stations)
    if load is not None:  # the study-area check of `towerplan validate --dem --margin-m` (same errors)
        load = within_study_area(load, dem_grid if dem_grid is not None else demo_inputs(
            float(st.session_state.get("data_resolution_m", DEMO_RESOLUTION_M))).dem, margin_m=float(margin_m))
if load is not None:
    report = load.report.to_frame(lang=lang())
    n_err = int((report["severity"] == "error").sum()) if len(report) else 0
    n_warn = int((report["severity"] == "warning").sum()) if len(report) else 0
    st.success(tr("kept_sectors", n=format_number(len(load.stations), lang=lang()), files=len(good_stations)))
    if n_err or n_warn:
        st.warning(tr("issues_found", errors=n_err, warnings=n_warn))
    st.subheader(tr("validation_report"))
    show_table(report_for_display(report, language=lang()), key="data_report")
    if len(load.rejected):
        rejected = formula_safe_frame(load.rejected).to_csv(index=False).encode("utf-8-sig")
        st.download_button(tr("download_errors"), rejected, "rows_in_error.csv", "text/csv", on_click="ignore",
                           key="data_rejected")
    bad_extra = any(not u.ok for role in ("dem", "population", "communes", "roads", "landcover")
                    for u in uploads[role])
    if len(load.stations) == 0:
        st.error(tr("no_stations"))
    elif bad_extra:
        st.warning(tr("upload_read_error", error="; ".join(u.name for role in ("dem", "population", "communes",
                                                                              "roads", "landcover")
                                                          for u in uploads[role] if not u.ok)))
    else:
        offer_store_upload(good_stations)  # a store is configured: keep the accepted list as a new version
    usable = bool(len(load.stations)) and not bad_extra
    # stations without a DEM would run on the demo's synthetic terrain and people: refused unless ticked
    mixing_ok = dem_grid is not None or (usable and st.checkbox(tr("mixed_consent"), key="data_mixed_ok",
                                                                help=tr("mixed_refused")))
    if usable and not mixing_ok:
        st.warning(tr("mixed_refused"))
    if usable and mixing_ok and st.button(tr("use_uploads"), key="data_use", type="primary"):
        if dem_grid is not None and not any(u.ok for u in uploads["population"]):
            st.error(ui("upload_dem_needs_population"))
        else:
            done = False
            with run_guard(tr("use_uploads")):
                use_uploads(uploads, label=", ".join(u.name for u in good_stations), stations=load)
                done = True
            if done:
                st.rerun()

# ------------------------------------------------------------ a saved scenario (scenarios.load_scenario_upload)
with st.expander(tr("scenario_section"), expanded=st.session_state.get("data_scenario_file") is not None):
    sc_file = st.file_uploader(tr("scenario_upload"), type=list(SCENARIO_TYPES), help=tr("scenario_upload_help"),
                               key="data_scenario_file")
    if sc_file is not None:
        sc_key = (getattr(sc_file, "file_id", None) or sc_file.name, int(sc_file.size), lang())
        handled = st.session_state.get("data_scenario_handled")
        if handled is None or handled[0] != sc_key:
            handled = (sc_key, load_scenario_upload(sc_file.name, sc_file.getvalue(), session_dir(), lang()))
            st.session_state["data_scenario_handled"] = handled
        loaded = handled[1]
        for text in loaded.messages:
            (st.warning if loaded.ok else st.error)(text)
        if loaded.ok:
            st.info(tr("scenario_ready", name=loaded.name, label=loaded.scenario.label))
            if st.button(tr("scenario_use"), key="data_scenario_use", type="primary"):
                apply_scenario(loaded)
                st.session_state["data_scenario_done"] = loaded.name
                st.rerun()
if st.session_state.get("data_scenario_done"):
    st.success(tr("scenario_loaded", name=st.session_state.pop("data_scenario_done")))

if st.session_state.get("data_scenario") is not None:
    st.info(tr("scenario_using", name=st.session_state.get("data_scenario_name", "")))
if not using_demo():
    st.info(tr("using_uploads", label=current_inputs().label))
    if st.button(tr("use_demo"), key="data_back"):
        back_to_demo()
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
    "- " + tr("summary_people", people=format_number(float(inputs.population.masked(fill=0.0).sum()),
                                                      lang=lang())) + "\n"
    "- " + tr("summary_layers", layers=", ".join(tr(f"role_{k}") for k in ("communes", "roads")
                                                 if getattr(inputs, k) is not None)
              or "–") + "\n"
    "- " + land_cover_line(inputs) + "\n"
    "- " + units_caption(inputs, lang())
)
table = inputs.stations.groupby(["operator", "technology"]).agg(
    sites=("site_id", "nunique"), sectors=("cell_id", "count")).reset_index()
table.columns = [tr("col_operator"), tr("col_technology"), tr("col_sites"), tr("col_sectors")]
st.dataframe(table, hide_index=True, key="data_summary")
if not files and inputs.station_report is not None and len(inputs.station_report):
    with st.expander(tr("validation_report")):
        show_table(report_for_display(inputs.station_report, language=lang()), key="data_loaded_report")
