"""Folium maps shown through st_folium, rendered once per map object instead of once per rerun.

``st_folium`` renders the Folium map it is given on every script run: Jinja templates for
every element, the Leaflet script, header and HTML extracted from the figure (about 0.15 s of
the server's CPU for the demo's overview, measured in ``bench/README.md``, issue 20). A map
cannot be rendered twice (rendering mutates it), so the pages keep *master* maps in caches
and session state and used to render a deep copy on every run.

:func:`map_payload` renders a copy of a master once and keeps what st_folium sends to the
browser (script, header, HTML, CSS / JS links), keyed by the master object itself (weakly:
the entry goes when the session or cache drops the map), so each (plan, page, language,
layer choice) map is rendered once per server. :func:`show_payload` sends it through
streamlit-folium's own component, with the same arguments ``st_folium(...,
returned_objects=[])`` gives it, including its component key (a hash of the script): an
unchanged map keeps its key, and the browser keeps its frame.

The payload is built with streamlit-folium's helper functions (``_get_html``,
``_get_header``, ``_get_map_string``, ``_component_func``; checked against 0.22-0.27):
where a release lacks one of them, :func:`show_map_cached` falls back to plain
``st_folium`` on a copy (correct, only slower).
"""

from __future__ import annotations

import copy
import threading
import weakref
from dataclasses import dataclass
from typing import Any

__all__ = ["MapPayload", "map_payload", "render_copy", "show_map_cached", "show_payload"]

_NEEDED = ("_get_html", "_get_header", "_get_map_string", "_component_func", "get_full_id", "generate_js_hash")


@dataclass(frozen=True)
class MapPayload:
    """What st_folium sends for one map: Leaflet script, header, HTML, element id and asset links."""

    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.script or not self.map_id:
            raise ValueError("a map payload needs its Leaflet script and map id")

    @property
    def size_bytes(self) -> int:
        """Bytes of text the browser receives for this map (script + header + HTML)."""
        return len(self.script.encode()) + len(self.header.encode()) + len(self.html.encode())


class _PayloadCache:
    """Master map -> its payload, weakly keyed; one per server (shared by sessions, read-only payloads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_map: weakref.WeakKeyDictionary[Any, MapPayload] = weakref.WeakKeyDictionary()
        self.renders = 0

    def get(self, fmap: Any) -> MapPayload:
        with self._lock:
            hit = self._by_map.get(fmap)
        if hit is not None:
            return hit
        payload = render_copy(fmap)  # outside the lock: another session's map need not wait
        with self._lock:
            self.renders += 1
            return self._by_map.setdefault(fmap, payload)


_CACHE = _PayloadCache()


def _asset_links(fmap: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """CSS and JS links of the map's elements (and d3 for branca colour maps), in order, once each."""
    import branca.colormap
    import folium.elements

    css: dict[str, None] = {}
    js: dict[str, None] = {}
    stack = [fmap]
    order: list[Any] = []
    while stack:  # depth-first, children in insertion order (as the elements are rendered)
        element = stack.pop()
        order.append(element)
        stack.extend(reversed(list(getattr(element, "_children", {}).values())))
    for element in order:
        if isinstance(element, branca.colormap.ColorMap):
            js = {"https://d3js.org/d3.v4.min.js": None,
                  "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js": None, **js}
        if isinstance(element, (folium.elements.JSCSSMixin, branca.colormap.ColorMap)):
            css.update((href, None) for _, href in getattr(element, "default_css", []))
            js.update((src, None) for _, src in getattr(element, "default_js", []))
    return tuple(css), tuple(js)


def _render(fmap: Any) -> MapPayload:
    """Render a (fresh, never rendered) Folium map as st_folium does; the map is consumed."""
    import streamlit_folium as sf

    fmap.get_root().render()
    fmap.render()
    html = sf._get_html(fmap)
    header = sf._get_header(fmap)
    script = sf._get_map_string(fmap)
    css, js = _asset_links(fmap)
    return MapPayload(script=script, header=header, html=html, map_id=sf.get_full_id(fmap), css_links=css,
                      js_links=js)


def render_copy(fmap: Any) -> MapPayload:
    """The payload of a master map, rendered from a copy (the master stays unrendered); not kept."""
    return _render(copy.deepcopy(fmap))


def supported() -> bool:
    """Whether the installed streamlit-folium has the helpers the payload is built with."""
    try:
        import streamlit_folium as sf
    except ImportError:
        return False
    return all(hasattr(sf, name) for name in _NEEDED)


def map_payload(fmap: Any) -> MapPayload:
    """The rendered payload of a master Folium map (rendered on first use, then kept while the map lives)."""
    return _CACHE.get(fmap)


def show_payload(payload: MapPayload, *, key: str, height: int) -> Any:
    """Send a rendered map to streamlit-folium's component, as ``st_folium(..., returned_objects=[])``."""
    import streamlit as st
    import streamlit_folium as sf

    hash_key = sf.generate_js_hash(payload.script, key, False)

    def on_change() -> None:  # as st_folium: the page's key holds the component's last value
        st.session_state[key] = st.session_state.get(hash_key, {})

    return sf._component_func(
        script=payload.script, header=payload.header, html=payload.html, id=payload.map_id, key=hash_key,
        height=height, width=None, returned_objects=[], default={}, zoom=None, center=None, feature_group=None,
        return_on_hover=False, layer_control=None, pixelated=False, css_links=list(payload.css_links),
        js_links=list(payload.js_links), on_change=on_change, wrap_longitude=False,
    )


def show_map_cached(fmap: Any, *, key: str, height: int) -> None:
    """Show a master Folium map full width, rendered once per map object (see the module docstring)."""
    if supported():
        show_payload(map_payload(fmap), key=key, height=height)
        return
    from streamlit_folium import st_folium

    st_folium(copy.deepcopy(fmap), height=height, use_container_width=True, returned_objects=[], key=key)
