"""Administrative units in the app: an uploaded boundary file (e.g. the communes and wards after the 2025
reform, 166 in Thanh Hóa, no districts) replaces the communes of whatever study the session uses (the demo
or its uploads), and every per-commune table says which units it uses.

The units are kept in the session (``data_units``: the frame and its label) apart from the study, and
:func:`with_units` lays them over the study the pages read (:func:`app_pages.common.current_inputs`), so
they survive a change of resolution or a return to the demo until the user drops them. The label is
:func:`towerplan.study.inputs.admin_units_for`'s, as ``towerplan run`` writes it into ``summary.json``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

from towerplan.study import StudyInputs

__all__ = ["UNITS_KEY", "units_caption", "units_section", "with_units"]

#: session key of the units in use: {"frame": GeoDataFrame, "label": str}
UNITS_KEY = "data_units"


def with_units(inputs: StudyInputs) -> StudyInputs:
    """``inputs`` with the session's administrative units as its communes (unchanged without units).

    The replaced study is kept per (study, units), so pages see one object per combination (results
    keyed on it stay valid across reruns).
    """
    units = st.session_state.get(UNITS_KEY)
    if units is None or inputs.units_label == units["label"]:
        return inputs
    done = st.session_state.get("data_units_applied")
    if done is not None and done[0] is inputs and done[1] is units:
        return done[2]
    out = dataclasses.replace(inputs, communes=units["frame"], units_label=units["label"], commune_name_column=None)
    st.session_state["data_units_applied"] = (inputs, units, out)
    return out


def units_caption(inputs: StudyInputs, language: str) -> str:
    """Which units the per-commune tables use: the loaded boundary file's label, or the communes layer."""
    from towerplan.i18n import t

    if inputs.units_label:
        return t("units_in_use", language, label=inputs.units_label)
    if inputs.communes is not None and len(inputs.communes):
        return t("units_communes_layer", language, n=len(inputs.communes))
    return t("units_none", language)


def _set_units(value: dict[str, Any] | None) -> None:
    """Use ``value`` (None: the communes layer again); earlier results become stale."""
    from app_pages.common import data_version

    if value is None:
        st.session_state.pop(UNITS_KEY, None)
    else:
        st.session_state[UNITS_KEY] = value
    st.session_state.pop("data_units_applied", None)
    st.session_state["data_version"] = data_version() + 1


def units_section() -> None:
    """The Data page's administrative-unit upload: read, used on a click, dropped on another."""
    from app_pages.common import UPLOAD_TYPES, lang, tr
    from app_pages.uploads import handle_upload, session_dir, upload_display
    from towerplan.study.inputs import admin_units_for

    with st.expander(tr("upload_admin_units"), expanded=st.session_state.get(UNITS_KEY) is not None):
        st.caption(tr("upload_admin_units_help"))
        upload = st.file_uploader(tr("upload_admin_units"), type=list(UPLOAD_TYPES["admin_units"]),
                                  key="data_admin_units", label_visibility="collapsed")
        if upload is not None:
            key = (getattr(upload, "file_id", None) or upload.name, int(upload.size), lang())
            item = st.session_state.get("data_units_upload")
            if item is None or item[0] != key:
                item = (key, handle_upload("admin_units", upload.name, upload.getvalue(), session_dir(), lang()))
                st.session_state["data_units_upload"] = item
            handled = item[1]
            for level, message in upload_display(handled):
                getattr(st, level)(message)
            if handled.ok:
                _, label = admin_units_for(None, handled.value, upload.name)
                st.info(tr("units_read", label=label))
                if st.button(tr("units_use"), key="data_units_use", type="primary"):
                    _set_units({"frame": handled.value, "label": label})
                    st.rerun()
        if st.session_state.get(UNITS_KEY) is not None and st.button(tr("units_drop"), key="data_units_drop"):
            _set_units(None)
            st.rerun()
