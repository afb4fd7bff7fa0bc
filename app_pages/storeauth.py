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
from towerplan.i18n_errors import error_in
from towerplan.store import Actor, NotAllowedError, Store, StoreError, open_store, store_location

__all__ = ["configured_store", "current_actor", "external_provider", "log_in", "log_out", "role_label", "store_pages"]

TOKEN_KEY = "store_token"
#: set when the external provider's identity has no account here (shown on the login page; no retry loop)
EXTERNAL_ERROR_KEY = "store_external_error"


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
        st.error(t("store_unavailable", _lang(), error=error_in(exc, _lang())))
        st.stop()
        raise  # st.stop() does not return


def external_provider() -> tuple[str, str | None] | None:
    """The external identity provider configured for Streamlit's OpenID Connect login, or ``None``.

    Configured the Streamlit way, in ``.streamlit/secrets.toml`` (or the files of the
    ``secrets.files`` option): an ``[auth]`` table with ``redirect_uri`` and ``cookie_secret``, and
    either the provider's ``client_id``, ``client_secret`` and ``server_metadata_url`` in it (one
    provider; an optional ``name`` names it on the button) or one ``[auth.NAME]`` table per provider
    (the first is offered). Returns the name shown on the button and the provider argument of
    ``st.login`` (``None`` for the single one).
    """
    try:
        section = st.secrets.get("auth")
    except Exception:  # no secrets file at all (Streamlit raises its own error type): not configured
        return None
    if not section or "redirect_uri" not in section:
        return None
    named = [k for k, v in section.items() if hasattr(v, "items") and "client_id" in v]
    if named:
        return str(named[0]), named[0]
    if "client_id" in section:
        return str(section.get("name", "OpenID Connect")), None
    return None


def _external_session(store: Store) -> str | None:
    """A store session for the identity the external provider vouched for (``st.user``), or ``None``."""
    provider = external_provider()
    if provider is None or not getattr(st.user, "is_logged_in", False):
        return None
    email = st.user.get("email")
    if st.user.get("email_verified") is False or not email:  # only an address the provider checked
        st.session_state[EXTERNAL_ERROR_KEY] = t("login_external_no_email", _lang(), provider=provider[0])
        return None
    try:
        session = store.login_external(str(email), provider=provider[0])
    except StoreError as exc:
        st.session_state[EXTERNAL_ERROR_KEY] = t("login_failed", _lang(), error=error_in(exc, _lang()))
        return None
    st.session_state.pop(EXTERNAL_ERROR_KEY, None)
    st.session_state[TOKEN_KEY] = session.token
    return session.token


def _lang() -> str:
    return str(st.session_state.get("lang", DEFAULT_LANG))


def current_actor(store: Store) -> Actor | None:
    """The logged-in actor of this browser session (``None``: not logged in, or the session ended).

    A session opened through the external identity provider is re-checked like a local one: the
    account must still exist and be enabled in the store.
    """
    token = st.session_state.get(TOKEN_KEY)
    if not token and EXTERNAL_ERROR_KEY not in st.session_state:
        token = _external_session(store)
    if not token:
        return None
    try:
        return store.authenticate(token)
    except NotAllowedError as exc:
        st.session_state.pop(TOKEN_KEY, None)
        if external_provider() is not None and getattr(st.user, "is_logged_in", False):
            # no silent new session from the provider's cookie: the user signs in again
            st.session_state[EXTERNAL_ERROR_KEY] = t("login_failed", _lang(), error=error_in(exc, _lang()))
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
    if external_provider() is not None and getattr(st.user, "is_logged_in", False):
        st.logout()  # also ends the identity cookie, else the next run would sign in again


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
