"""Login page (only when a project store is configured): local accounts, no network needed."""

from __future__ import annotations

import streamlit as st

from app_pages.common import tr
from app_pages.storeauth import configured_store, log_in
from towerplan.store import StoreError

store = configured_store()
st.title(tr("page_login"))
if store is not None:
    st.write(tr("login_intro"))
    with st.form("login_form"):
        username = st.text_input(tr("login_user"), key="login_user")
        password = st.text_input(tr("login_password"), type="password", key="login_password")
        submitted = st.form_submit_button(tr("login_submit"), type="primary")
    if submitted:
        try:
            log_in(store, username.strip(), password)
        except StoreError as exc:  # wrong password, throttled, disabled: one line, no detail on the account
            st.error(tr("login_failed", error=str(exc)))
        else:
            st.rerun()
