"""Measurements page: upload a drive test, compare it with the model, calibrate, apply the corrections."""

from __future__ import annotations

import dataclasses
import json

import streamlit as st

from app_pages.common import current_inputs, fetch, lang, run_guard, set_inputs, store, tr
from app_pages.uploads import session_dir
from towerplan.coverage.config import CoverageConfig
from towerplan.measurements import (
    CalibrationSettings,
    apply_calibration,
    calibrate_drive_tests,
    comparison_tables,
    read_calibration,
    read_measurements,
    stations_from_measurements,
)
from towerplan.measurements.messages_vi import measurement_report_frame
from towerplan.measurements.report import calibration_record, write_calibration_outputs
from towerplan.safety import check_upload, safe_upload_path

st.title(tr("page_measurements"))
st.write(tr("meas_intro"))
applied = st.session_state.get("meas_applied")
if applied:
    st.info(tr("meas_applied", groups=applied["groups"], sigma=applied["sigma"]))

upload = st.file_uploader(tr("meas_upload"), type=["csv", "txt", "xlsx", "gz"], key="meas_file")
from_file = st.checkbox(tr("meas_from_file"), key="meas_from_file")
c1, c2, c3, c4 = st.columns(4)
folds = c1.number_input(tr("meas_folds"), min_value=2, max_value=20, value=5, step=1, key="meas_folds")
fold_labels = [tr("meas_fold_tile"), tr("meas_fold_random")]
fold_by = "tile" if c2.selectbox(tr("meas_fold_by"), fold_labels, key=f"meas_fold_by_{lang()}") == fold_labels[0] \
    else "random"
tile_m = c3.number_input(tr("meas_tile_m"), min_value=50.0, max_value=10_000.0, value=500.0, step=50.0,
                         key="meas_tile_m")
min_d = c4.number_input(tr("meas_min_distance_m"), min_value=0.0, max_value=5_000.0, value=100.0, step=10.0,
                        key="meas_min_distance_m")

if st.button(tr("meas_run"), type="primary", key="meas_run"):
    if upload is None:
        st.warning(tr("meas_no_file"))
    else:
        with run_guard(tr("meas_run")):
            data = upload.getvalue()
            check_upload(upload.name, len(data))
            path = safe_upload_path(session_dir(), upload.name, prefix="drivetest")
            path.write_bytes(data)
            load = read_measurements(path)
            inputs = current_inputs()
            stations = stations_from_measurements(load.table) if from_file else inputs.stations
            settings = CalibrationSettings(folds=int(folds), fold_by=fold_by, tile_m=float(tile_m),
                                           min_distance_m=float(min_d))
            run = calibrate_drive_tests(load, stations, inputs.dem, config=CoverageConfig(), settings=settings)
            record = calibration_record(run.result, inputs={"measurements": upload.name},
                                        settings_extra={"model": "auto"})
            out = session_dir() / "calibration"
            write_calibration_outputs(run.result, out, record=record, crs=inputs.dem.crs,
                                      unmatched=run.matches.unmatched, issues=load.report.to_frame())
            store("meas_result", {"record": record, "folder": str(out), "predictions": run.result.predictions,
                                  "issues": measurement_report_frame(load.report, lang()),
                                  "rejected": len(load.rejected), "unmatched": len(run.matches.unmatched)})

item = fetch("meas_result")
if item is not None:
    rec = item["record"]
    st.caption(tr("meas_rows", used=rec["samples"]["used"], rejected=item["rejected"], unmatched=item["unmatched"],
                  near=rec["samples"]["excluded_closer_than_min_distance"]))
    before, after = rec["uncalibrated"], rec["cross_validation"]
    for label, s in ((tr("meas_before"), before), (tr("meas_after"), after)):
        st.markdown(f"**{label}**")
        m1, m2, m3 = st.columns(3)
        m1.metric(tr("meas_mean"), f"{s['mean_db']:+.2f}")
        m2.metric(tr("meas_std"), f"{s['std_db']:.2f}")
        m3.metric(tr("meas_slope"), f"{s['slope_db_per_decade']:+.2f}")
    st.image(str(session_dir() / "calibration" / "residual_vs_distance.png"))
    st.image(str(session_dir() / "calibration" / "measured_vs_predicted.png"))
    st.subheader(tr("meas_stats"))
    p = item["predictions"]
    st.dataframe(comparison_tables(p, predicted="predicted_dbm").round(2), hide_index=True)
    st.subheader(tr("meas_corrections"))
    st.dataframe(rec["groups"], hide_index=True)
    cal_path = session_dir() / "calibration" / "calibration.json"
    st.download_button(tr("meas_download"), json.dumps(rec, indent=2, ensure_ascii=False).encode("utf-8"),
                       "calibration.json", "application/json", on_click="ignore", key="meas_download")
    if st.button(tr("meas_apply"), key="meas_apply"):
        with run_guard(tr("meas_apply")):
            inputs = current_inputs()
            stations = apply_calibration(inputs.stations, read_calibration(cal_path))
            set_inputs(dataclasses.replace(inputs, stations=stations))
            st.session_state["meas_applied"] = {"groups": len(rec["groups"]), "sigma": rec["shadowing_sigma_db"]}
            st.rerun()
    if len(item["issues"]):
        with st.expander(tr("meas_issues")):
            st.dataframe(item["issues"], hide_index=True)
