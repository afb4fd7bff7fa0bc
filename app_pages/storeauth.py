"""The app's link to the shared project store: which store, who is logged in, which pages they get.

Only when a store is configured (``TOWERPLAN_DATABASE_URL`` or ``TOWERPLAN_STORE``) does the app
ask for a login; without one it stays the single-user app with no login (the default). The
session keeps only the login token; the actor is re-checked against the store on every run, so
an expired session, a logout or a disabled account ends access at the next click.
"""

from __future__ import annotations

import os

import streamlit as st

from towerplan.errors import TowerplanError
from towerplan.i18n import DEFAULT_LANG, t
from towerplan.store import Actor, NotAllowedError, Store, open_store, store_location

__all__ = ["configured_store", "current_actor", "log_in", "log_out", "role_label", "store_pages"]

TOKEN_KEY = "store_token"


@st.cache_resource(show_spinner=False)
def _store(location: str) -> Store:
    store = open_store(location)
    store.check_ready()
    return store


def configured_store() -> Store | None:
    """The store named by the environment, or ``None`` (single-user mode); stops the page with one
    line when it is configured but cannot be opened (unreachable, not initialised)."""
    location = store_location(None, os.environ)
    if location is None:
        return None
    try:
        return _store(location)
    except TowerplanError as exc:
        st.error(t("store_unavailable", st.session_state.get("lang", DEFAULT_LANG), error=str(exc)))
        st.stop()
        raise  # st.stop() does not return


def current_actor(store: Store) -> Actor | None:
    """The logged-in actor of this browser session (``None``: not logged in, or the session ended)."""
    token = st.session_state.get(TOKEN_KEY)
    if not token:
        return None
    try:
        return store.authenticate(token)
    except NotAllowedError:
        st.session_state.pop(TOKEN_KEY, None)
        return None


def log_in(store: Store, username: str, password: str) -> Actor:
    session = store.login(username, password)
    st.session_state[TOKEN_KEY] = session.token
    return session.actor


def log_out(store: Store) -> None:
    token = st.session_state.pop(TOKEN_KEY, None)
    if token:
        store.logout(token)
    for key in [k for k in st.session_state if str(k).startswith("store_")]:
        del st.session_state[key]


def role_label(actor: Actor, tr: object) -> str:
    translate = tr  # the page's tr(), passed in (this module has no language of its own)
    if actor.role == "operator":
        return translate(f"role_{actor.role}", operator=actor.operator)  # type: ignore[operator]
    return translate(f"role_{actor.role}")  # type: ignore[operator]


def store_pages(actor: Actor | None, pages: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The pages of a store-backed app: the login page alone until logged in; then by role.

    Operators get the store page only (their uploads, versions and the published plans: the
    planning pages would show every operator's data); planners the store page and every
    planning page; administrators the store page (accounts, audit log).
    """
    if actor is None:
        return [("login.py", "page_login")]
    store_page = [("store_page.py", "page_store")]
    return store_page + pages if actor.role == "planner" else store_page
