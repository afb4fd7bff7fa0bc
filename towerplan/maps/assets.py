"""Offline Leaflet assets for Folium maps.

Folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs; on a closed
government network the map would be blank. towerplan's maps only need Leaflet
itself, which the PyPI wheel ``django-js-lib-leaflet`` ships (Leaflet 1.9.4,
BSD-2-Clause). :func:`install_leaflet_assets` copies it into a folder the web
server serves (Streamlit's ``static/``), and :func:`offline_map` builds a
:class:`folium.Map` whose only script and stylesheet come from there.
"""

from __future__ import annotations

import filecmp
import importlib.util
import shutil
from pathlib import Path
from typing import Any

import folium

from towerplan.errors import TowerplanError

__all__ = ["LEAFLET_FILES", "leaflet_source_dir", "install_leaflet_assets", "offline_map"]

#: files copied from the wheel (relative to its static folder)
LEAFLET_FILES = (
    "leaflet.js",
    "leaflet.css",
    "images/layers.png",
    "images/layers-2x.png",
    "images/marker-icon.png",
    "images/marker-icon-2x.png",
    "images/marker-shadow.png",
)


def leaflet_source_dir() -> Path:
    """The folder holding ``leaflet.js`` inside the installed ``django-js-lib-leaflet`` wheel."""
    spec = importlib.util.find_spec("js_lib_leaflet")
    if spec is None or spec.origin is None:
        raise TowerplanError(
            "offline map assets are missing: pip install django-js-lib-leaflet (it ships Leaflet 1.9.4)"
        )
    return Path(spec.origin).parent / "static" / "js_lib_leaflet"


def install_leaflet_assets(static_dir: str | Path) -> Path:
    """Copy Leaflet's script, stylesheet and images to ``static_dir/leaflet``; idempotent.

    Returns the destination folder. Files already identical are not rewritten,
    so concurrent app sessions calling this at start-up do not race on content.
    """
    src = leaflet_source_dir()
    dest = Path(static_dir) / "leaflet"
    for rel in LEAFLET_FILES:
        s, d = src / rel, dest / rel
        if d.exists() and filecmp.cmp(s, d, shallow=False):
            continue
        d.parent.mkdir(parents=True, exist_ok=True)
        tmp = d.with_name(f".{d.name}.tmp")
        shutil.copyfile(s, tmp)
        tmp.replace(d)
    return dest


def offline_map(
    *,
    bounds_lonlat: tuple[float, float, float, float],
    asset_url: str = "/app/static/leaflet",
    tiles: str | None = None,
    **kwargs: Any,
) -> folium.Map:
    """A :class:`folium.Map` fitted to ``bounds_lonlat`` that loads nothing from the internet.

    Parameters
    ----------
    bounds_lonlat
        (lon_min, lat_min, lon_max, lat_max) to fit the view to.
    asset_url
        URL prefix where :func:`install_leaflet_assets` put the files
        (``/app/static/leaflet`` under Streamlit static serving).
    tiles
        A tile URL template for a local tile server, or ``None`` (no base map:
        the terrain layer is the background). Never a public tile server by default.
    """
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=True, **kwargs)
    # instance attributes: no global state changed for other maps
    m.default_js = [("leaflet", f"{asset_url}/leaflet.js")]
    m.default_css = [("leaflet_css", f"{asset_url}/leaflet.css")]
    if tiles:
        folium.TileLayer(tiles=tiles, attr="local tiles", name="Base map").add_to(m)
    lon_min, lat_min, lon_max, lat_max = bounds_lonlat
    m.fit_bounds([[lat_min, lon_min], [lat_max, lon_max]])
    return m
