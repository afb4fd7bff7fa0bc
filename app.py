"""towerplan Streamlit app: entry point. Thin: page config, language switch, shared sidebar, navigation.

Run with ``streamlit run app.py``; it opens on the built-in synthetic demo province, in
Vietnamese (``?lang=en`` or the sidebar switch for English).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import streamlit as st

from app_pages.common import (
    current_inputs,
    input_label,
    lang,
    tr,
    ui,
    using_demo,
)
from app_pages.storeauth import configured_store, current_actor, log_out, role_label, store_pages
from app_pages.summary_view import current_origin, origin_banner
from app_pages.uploads import SESSION_MAX_AGE_H, sweep_session_dirs, touch_session_dir
from app_pages.widget_text import show_widget_text
from towerplan import __version__
from towerplan.i18n import LANGUAGES
from towerplan.i18n_errors import error_in
from towerplan.maps.assets import install_leaflet_assets
from towerplan.plan_checks import warning_in

# as in the CLI: numba's OpenMP threads wait passively (spinning made coverage 5x slower on a busy
# 2-core server); read by the OpenMP runtime when the first parallel kernel starts, after this line
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

APP_DIR = Path(__file__).resolve().parent

st.set_page_config(page_title="towerplan", layout="wide")  # no page_icon: material icons load from Google


@st.cache_resource
def _assets() -> Path:
    """Copy Leaflet into ./static once per server (maps load nothing from the internet)."""
    return install_leaflet_assets(APP_DIR / "static")


@st.cache_resource(ttl=3600, show_spinner=False)
def _sweep() -> int:
    """Remove session folders untouched for SESSION_MAX_AGE_H hours: at start, then at most hourly."""
    return len(sweep_session_dirs(max_age_h=SESSION_MAX_AGE_H))


_assets()
_sweep()
touch_session_dir()  # this session's folder (if it has one) is in use

with st.sidebar:
    lang()  # sets the session's language on its first run (the radio below then keeps it)
    st.radio(tr("lang_switch"), list(LANGUAGES), key="lang", format_func=LANGUAGES.__getitem__, horizontal=True)
show_widget_text(lang())  # Streamlit's own uploader text in the session's language

_PAGES = [
    ("overview.py", "page_overview"),
    ("data.py", "page_data"),
    ("coverage.py", "page_coverage"),
    ("gaps.py", "page_gaps"),
    ("towers.py", "page_towers"),
    ("villages.py", "page_villages"),
    ("provincial.py", "page_provincial"),
    ("measurements.py", "page_measurements"),
    ("export.py", "page_export"),
    ("compare.py", "page_compare"),
]
# with a project store configured (TOWERPLAN_DATABASE_URL / TOWERPLAN_STORE) the pages depend on the
# login's role (app_pages/storeauth.py); without one, the single-user app with no login
_store = configured_store()
_actor = None if _store is None else current_actor(_store)
if _store is not None:
    _PAGES = store_pages(_actor, _PAGES)
pages = [
    st.Page(str(APP_DIR / "app_pages" / name), title=tr(key), default=(k == 0))
    for k, (name, key) in enumerate(_PAGES)
]
nav = st.navigation(pages)

with st.sidebar:
    if _store is not None and _actor is not None:
        st.caption(tr("signed_in_as", user=_actor.username, role=role_label(_actor, tr)))
        if st.button(tr("logout"), key="store_logout"):
            log_out(_store)
            st.rerun()
    st.markdown(f"**towerplan** {__version__}")
    st.caption(tr("app_tagline"))
    if _store is None or (_actor is not None and _actor.role == "planner"):
        _source = tr("data_source", label=input_label(current_inputs()))
        if not using_demo():  # the demo's label already says it is synthetic: the origin would repeat it
            _source += " · " + current_origin().label(lang())
        st.info(_source)
        for _text in current_inputs().warnings:  # what the plan will say about its inputs, said on every page
            st.warning(warning_in(_text, lang()))
    if st.session_state.get("meas_applied"):  # said on every page: levels include drive-test corrections
        st.warning(tr("meas_applied", **st.session_state["meas_applied"]))

try:
    if _store is None or (_actor is not None and _actor.role == "planner"):
        origin_banner()  # what the study is made of, on every page (mixed data: a warning)
    nav.run()
except Exception as exc:  # a page's bug: one friendly line (the traceback goes to the server log)
    logging.getLogger("towerplan.app").exception("page %s failed", nav.title)
    st.error(ui("run_failed_unexpected", what=nav.title, error=error_in(exc, lang())))
