"""towerplan Streamlit app: entry point. Thin: page config, shared sidebar, navigation.

Run with ``streamlit run app.py``; it opens on the built-in synthetic demo province.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from towerplan import __version__
from towerplan.maps.assets import install_leaflet_assets

APP_DIR = Path(__file__).resolve().parent

st.set_page_config(page_title="towerplan", layout="wide")  # no page_icon: material icons load from Google


@st.cache_resource
def _assets() -> Path:
    """Copy Leaflet into ./static once per server (maps load nothing from the internet)."""
    return install_leaflet_assets(APP_DIR / "static")


_assets()

pages = [
    st.Page(str(APP_DIR / "app_pages" / "overview.py"), title="Overview", default=True),
    st.Page(str(APP_DIR / "app_pages" / "data.py"), title="Data"),
]
nav = st.navigation(pages)

with st.sidebar:
    st.markdown(f"**towerplan** {__version__}")
    st.caption("Coverage, dead zones and shared towers for mountain provinces.")
    source = st.session_state.get("data_source_label", "Synthetic demo province (not real data)")
    st.info(f"Data: {source}")

nav.run()
