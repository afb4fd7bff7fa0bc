"""Login page (only when a project store is configured): local accounts, no network needed."""

from __future__ import annotations

import streamlit as st

from app_pages.common import lang, tr
from app_pages.storeauth import EXTERNAL_ERROR_KEY, configured_store, external_provider, log_in
from towerplan.i18n_errors import error_in
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
            st.error(tr("login_failed", error=error_in(exc, lang())))
        else:
            st.rerun()
    provider = external_provider()
    if provider is not None:  # an external identity provider (OpenID Connect), when configured
        st.divider()
        problem = st.session_state.get(EXTERNAL_ERROR_KEY)
        if problem:
            st.error(problem)
            if st.button(tr("login_external_other"), key="login_external_logout"):
                st.session_state.pop(EXTERNAL_ERROR_KEY, None)
                st.logout()
        elif st.button(tr("login_external", provider=provider[0]), key="login_external"):
            if provider[1] is None:
                st.login()
            else:
                st.login(provider[1])
