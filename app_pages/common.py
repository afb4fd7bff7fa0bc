"""Page-level loaders shared by the app pages (cached; no widgets inside)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from towerplan.demo import demo_dir
from towerplan.rasters import read_grid
from towerplan.stations import read_stations
from towerplan.vectors import read_communes, read_roads

CACHE_DIR = Path.home() / ".cache" / "towerplan"
DEMO_RESOLUTION_M = 90.0
DEMO_LABEL = "Synthetic demo province (not real data)"


@st.cache_data(max_entries=2, show_spinner="Preparing the synthetic demo province…")
def load_demo(resolution_m: float = DEMO_RESOLUTION_M) -> dict[str, Any]:
    """The demo inputs, generated once into the user cache and read back."""
    folder = demo_dir(CACHE_DIR, resolution_m=resolution_m)
    load = read_stations(folder / "stations.csv")
    return {
        "folder": str(folder),
        "dem": read_grid(folder / "dem.tif"),
        "stations": load.stations,
        "report": load.report.to_frame(),
        "communes": read_communes(folder / "communes.gpkg"),
        "roads": read_roads(folder / "roads.gpkg"),
    }
