"""Where the app's pages meet the shared project store (issue 23, item 4).

The Data page writes an accepted station list to the store (a new version of the operator's list,
with its validation report); the shared-towers page records a plan made on the store's station
lists (the exact versions it ran on, its settings, scenario text and summary). Without a configured
store, or without a logged-in account allowed to do it, neither is offered. The store enforces the
roles itself; the page only chooses what to show.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from app_pages.common import data_version, lang, tr
from app_pages.storeauth import configured_store, current_actor
from towerplan.errors import TowerplanError
from towerplan.i18n_errors import error_in
from towerplan.stations import OPERATORS

__all__ = ["current_result", "offer_plan_record", "offer_store_upload", "plan_record_summary"]

SNAPSHOT_KEY = "store_snapshot"


def current_result(key: str) -> bool:
    """Whether the page's stored result was made from the session's current inputs."""
    item = st.session_state.get(key)
    return item is not None and item.get("version") == data_version()


def offer_store_upload(uploads: list[Any]) -> None:
    """A button saving each accepted station-list upload in the store (operators: their own operator;
    planners choose the operator). Nothing when no store is configured or nobody may upload."""
    store = configured_store()
    actor = None if store is None else current_actor(store)
    if store is None or actor is None or actor.role not in ("operator", "planner") or not uploads:
        return
    operator = None
    if actor.role == "planner":
        operator = st.selectbox(tr("store_save_operator"), list(OPERATORS), key="data_store_operator")
    if not st.button(tr("store_save_uploads"), key="data_store_save"):
        return
    for upload in uploads:
        if upload.path is None:
            continue
        try:
            version = store.upload_stations(actor, upload.path.read_bytes(), name=upload.name, operator=operator)
        except TowerplanError as exc:
            st.error(tr("store_failed", error=error_in(exc, lang())))
        else:
            st.success(tr("store_uploaded", operator=version.operator, number=version.number,
                          sectors=f"{version.n_sectors:,}", rejected=f"{version.n_rejected:,}"))


def plan_record_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """The plan summary as the store keeps it: JSON values only (numbers, text, lists, tables)."""
    out: dict[str, Any] = {}
    for key, value in summary.items():
        if hasattr(value, "item"):  # numpy scalars
            value = value.item()
        if isinstance(value, (str, int, float, bool)) or value is None:
            out[str(key)] = value
        elif isinstance(value, (list, tuple)):
            out[str(key)] = [v.item() if hasattr(v, "item") else v for v in value]
        elif isinstance(value, dict):
            out[str(key)] = plan_record_summary(value)
        else:
            out[str(key)] = str(value)
    return out


def offer_plan_record(summary: dict[str, Any], *, scenario: Callable[[], Any]) -> None:
    """Planners: record the plan just made in the store, with the station versions it ran on.

    ``scenario``: makes the app's current :class:`~towerplan.study.Scenario` (its TOML text and settings
    are recorded; made only when a planner records). Only a plan made on the store's station lists (a
    snapshot chosen on the store page) can name its station versions; otherwise the page says how.
    """
    store = configured_store()
    actor = None if store is None else current_actor(store)
    if store is None or actor is None or actor.role != "planner":
        return
    st.subheader(tr("store_record_section"))
    snapshot = st.session_state.get(SNAPSHOT_KEY)
    if not snapshot or not current_result("towers_result"):
        st.info(tr("store_record_needs_snapshot"))
        return
    name = st.text_input(tr("store_record_name"), value="plan", key="towers_store_name")
    if not st.button(tr("store_record"), key="towers_store_record"):
        return
    try:
        made = scenario()
        record = store.record_plan(actor, name.strip(), scenario=made.to_toml(), settings=made.to_dict(),
                                   station_versions=dict(snapshot), summary=plan_record_summary(summary))
    except TowerplanError as exc:
        st.error(tr("store_failed", error=error_in(exc, lang())))
        return
    versions = ", ".join(f"{op} #{vid}" for op, vid in sorted(record.station_versions.items()))
    st.success(tr("store_recorded", plan=record.plan_id, name=record.name, versions=versions))
