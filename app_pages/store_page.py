"""Project store page: what the logged-in account may do and see, by role.

Operators upload, list, restore and export their own operator's station lists and read the
published plans; planners do the same for every operator and publish plans; administrators
manage accounts and read the audit log. Every call goes through :class:`towerplan.store.Store`,
which enforces the role (the page only chooses what to offer).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from app_pages.common import UPLOAD_TYPES, current_inputs, lang, set_inputs, tr
from app_pages.storeauth import configured_store, current_actor
from app_pages.uploads import session_dir
from towerplan.errors import TowerplanError
from towerplan.i18n_errors import error_in
from towerplan.stations import OPERATORS
from towerplan.store import ROLES, Actor, Store


def _versions(store: Store, actor: Actor) -> None:
    st.subheader(tr("store_versions"))
    versions = store.station_versions(actor)
    if not versions:
        st.info(tr("store_no_versions"))
        return
    st.dataframe(pd.DataFrame([{
        "id": v.version_id, "operator": v.operator, "version": v.number, "current": v.current,
        "sectors": v.n_sectors, "rejected": v.n_rejected, "by": v.uploaded_by,
        "at": v.uploaded_at.strftime("%Y-%m-%d %H:%M"), "file": v.filename, "sha256": v.sha256[:12],
    } for v in versions]), hide_index=True, key="store_versions_table")
    c1, c2 = st.columns(2)
    version_id = c1.number_input(tr("store_restore_id"), min_value=1, step=1, key="store_restore_id")
    if c1.button(tr("store_restore"), key="store_restore_btn"):
        try:
            restored = store.restore_version(actor, int(version_id))
            st.success(tr("store_restored", operator=restored.operator, number=restored.number))
        except TowerplanError as exc:
            st.error(tr("store_failed", error=error_in(exc, lang())))
    if c2.button(tr("store_export"), key="store_export_btn"):
        target = session_dir() / f"stations_{actor.username}.csv"
        try:
            st.session_state["store_export_path"] = str(store.export_stations(actor, target))
        except TowerplanError as exc:
            st.error(tr("store_failed", error=error_in(exc, lang())))
    path = st.session_state.get("store_export_path")
    if path:
        with open(path, "rb") as handle:
            c2.download_button(tr("store_export_download", name="stations.csv"), handle.read(), "stations.csv",
                               "text/csv", on_click="ignore", key="store_export_download")


def _upload(store: Store, actor: Actor) -> None:
    st.subheader(tr("store_upload"))
    operator = None
    if actor.role == "planner":
        operator = st.selectbox(tr("store_upload_operator"), list(OPERATORS), key="store_upload_operator")
    upload = st.file_uploader(tr("store_upload"), type=list(UPLOAD_TYPES["stations"]), key="store_upload_file",
                              label_visibility="collapsed")
    if upload is not None and st.button(tr("store_upload_save"), type="primary", key="store_upload_save"):
        try:
            version = store.upload_stations(actor, upload.getvalue(), name=upload.name, operator=operator)
        except TowerplanError as exc:
            st.error(tr("store_failed", error=error_in(exc, lang())))
        else:
            st.success(tr("store_uploaded", operator=version.operator, number=version.number,
                          sectors=f"{version.n_sectors:,}", rejected=f"{version.n_rejected:,}"))


def _plan_on_snapshot(store: Store, actor: Actor) -> None:
    """Planners: the planning pages use the store's current station lists (a snapshot of their versions)."""
    if st.button(tr("store_use_snapshot"), key="store_use_snapshot", type="primary"):
        try:
            snapshot = store.current_versions(actor)
            stations = store.load_stations(actor, snapshot).drop(columns=["version_id"])
        except TowerplanError as exc:
            st.error(tr("store_failed", error=error_in(exc, lang())))
            return
        if stations.empty:
            st.info(tr("store_no_versions"))
            return
        numbers = {v.version_id: v.number for v in store.station_versions(actor)}
        label = tr("store_snapshot_label", versions=", ".join(
            f"{op} v{numbers.get(vid, vid)}" for op, vid in snapshot.items()))
        base = current_inputs()
        files = {k: v for k, v in base.files.items() if not k.startswith("stations")}
        set_inputs(dataclasses.replace(base, stations=stations.reset_index(drop=True), label=label,
                                       station_report=None, files=files))
        st.session_state["store_snapshot"] = snapshot
        st.success(label)


def _plans(store: Store, actor: Actor) -> None:
    st.subheader(tr("store_plans"))
    plans = store.plans(actor)
    if not plans:
        st.info(tr("store_no_plans"))
    else:
        st.dataframe(pd.DataFrame([{
            "id": p.plan_id, "name": p.name, "published": p.published, "by": p.created_by,
            "at": p.created_at.strftime("%Y-%m-%d %H:%M"), "station versions": str(p.station_versions),
            "summary": str(p.summary),
        } for p in plans]), hide_index=True, key="store_plans_table")
    if actor.role == "planner" and plans:
        plan_id = st.number_input(tr("store_publish_id"), min_value=1, step=1, key="store_publish_id")
        if st.button(tr("store_publish"), key="store_publish_btn"):
            try:
                store.publish_plan(actor, int(plan_id))
                st.success(tr("store_published", plan=int(plan_id)))
            except TowerplanError as exc:
                st.error(tr("store_failed", error=error_in(exc, lang())))


def _users(store: Store, actor: Actor) -> None:
    st.subheader(tr("store_users"))
    st.dataframe(pd.DataFrame([{"user": u.username, "role": u.role, "operator": u.operator or "",
                                "disabled": u.disabled} for u in store.list_users(actor)]),
                 hide_index=True, key="store_users_table")
    with st.form("store_new_user_form"):
        st.markdown(f"**{tr('store_new_user')}**")
        username = st.text_input(tr("login_user"), key="store_new_username")
        password = st.text_input(tr("login_password"), type="password", key="store_new_password")
        role = st.selectbox(tr("store_role"), ROLES, key="store_new_role")
        operator = st.selectbox(tr("store_operator"), ["", *OPERATORS], key="store_new_operator")
        if st.form_submit_button(tr("store_create_user")):
            try:
                store.create_user(actor, username.strip(), password, role, operator=operator or None)
                st.success(tr("store_user_created", user=username.strip()))
            except TowerplanError as exc:
                st.error(tr("store_failed", error=error_in(exc, lang())))
    st.subheader(tr("store_audit"))
    st.dataframe(pd.DataFrame([{"at": e.at.strftime("%Y-%m-%d %H:%M:%S"), "user": e.username, "action": e.action,
                                "target": e.target} for e in store.audit_log(actor, limit=200)]),
                 hide_index=True, key="store_audit_table")


store = configured_store()
actor = None if store is None else current_actor(store)
st.title(tr("page_store"))
if store is not None and actor is not None:
    if actor.role == "planner":
        _plan_on_snapshot(store, actor)
    if actor.role in ("operator", "planner"):
        _upload(store, actor)
        _versions(store, actor)
        _plans(store, actor)
    else:
        _users(store, actor)
