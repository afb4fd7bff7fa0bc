"""The demo's overview map as a static page: loaded by the browser from its own URL, not through st_folium.

Every session opens on the demo's overview map, and that map is the same for every session (it is
built once per server, resolution, language and base-map choice: ``common.demo_overview_map``).
Through ``st_folium`` the browser only starts on it after Streamlit's script run has sent the
whole map (~0.45 MB of JSON in the page's WebSocket), then loads streamlit-folium's frame and its
React bundle, which loads Leaflet one file after another and evaluates the map's script
(``bench/README.md``, "Overview page load: the map as a static page", issue 20 item 6).

Here the map is written once per server as a complete HTML page under the app's static folder
(Streamlit's ``server.enableStaticServing``: ``./static`` is served at ``/app/static``) and shown
with ``st.iframe`` and that URL: the script run sends a few bytes, and the browser fetches the
page, Leaflet's script and stylesheet in parallel and draws the map as soon as the frame exists.

The page holds exactly what st_folium puts in its frame for the same map (:class:`MapPayload`:
the same header, HTML, Leaflet script and asset links, from ``app_pages.map_render``) in the
same elements (``#map_div`` in ``#parent``, the frame's height on it), so the map's layers,
tooltips, popups, legends and their layout are the same; nothing is fetched from outside the app.

The file name is the SHA-256 of the page (content-keyed): two maps (studies, languages, base-map
choices, app versions) never share a file, and a page, once written, never changes. It is
written atomically (a temporary file in the same folder, then ``os.replace``), so a browser or
another server process reading the folder sees either no file or the whole page. Only the files
of this folder named ``<64 hex digits>.html`` are ever written, served from here or removed
(:func:`sweep_pages`); nothing outside it is touched. Only maps without any session's data go
here (the demo's); a session's own maps stay in st_folium's frame.

The frame keeps the accessible name it had under st_folium (:data:`FRAME_TITLE`), and the folder
is named after it, so whatever finds the map frame by its title or URL finds it as before.
"""

from __future__ import annotations

import functools
import hashlib
import html
import logging
import os
import re
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app_pages.map_render import MapPayload, render_copy, supported

__all__ = ["FRAME_TITLE", "PAGE_MAX_AGE_S", "STATIC_SUBDIR", "page_document", "show_static_map", "static_page",
           "static_supported", "sweep_pages", "write_page"]

_LOG = logging.getLogger(__name__)

#: the map frame's title (its accessible name), as st_folium's component frame had it
FRAME_TITLE = "streamlit_folium.st_folium"
#: the folder under the app's static folder that holds the pages (served at /app/static/<it>/)
STATIC_SUBDIR = "st_folium"
#: URL prefix of the app's static folder (Streamlit's static file serving)
STATIC_URL = "/app/static"
#: pages not used by any server for this long are removed when a new page is written
PAGE_MAX_AGE_S = 7 * 24 * 3600
_NAME = re.compile(r"[0-9a-f]{64}\.html")
_TEMP = re.compile(r"\.[A-Za-z0-9_]+\.tmp")  # write_page's temporary files (tempfile.mkstemp's names)
_SCRIPT_END = re.compile(r"</script", flags=re.IGNORECASE)

# st_folium's frame (streamlit-folium 0.27, frontend/build/index.html): the map's element and its parents
_FRAME_STYLE = (".single>:first-child{width:100%}.single>:nth-child(2){display:none}"
                ".double .float-child{width:50%;float:left}")


def page_document(payload: MapPayload, *, height: int, lang: str) -> str:
    """The whole HTML page of a rendered map, laid out as st_folium's frame lays it out.

    Leaflet's stylesheet and script first (parser-blocking, so the map's script finds ``L``), the
    map's header (its styles), the map element with the frame's height, the map's HTML (the
    legend band) and its script last, as st_folium runs them.
    """
    if height <= 0:
        raise ValueError(f"a map page needs a positive height, not {height}")
    links = "".join(f'<link rel="stylesheet" href="{html.escape(href)}"/>' for href in payload.css_links)
    scripts = "".join(f'<script src="{html.escape(src)}"></script>' for src in payload.js_links)
    # the script is the map's own (Folium's rendering; our templates escape what they put in it), here parsed
    # as the page's HTML (st_folium set it as a script element's text): "</script" inside one of its strings
    # would end the element early, "<\/script" is the same string to JavaScript (as in a regular expression
    # or a comment), the only places such text can stand in a script
    script = _SCRIPT_END.sub(lambda m: "<\\/" + m.group(0)[2:], payload.script)
    return (
        f'<!doctype html><html lang="{html.escape(lang)}" style="font-size:1rem"><head><meta charset="utf-8"/>'
        f"<title>towerplan</title><style>{_FRAME_STYLE}</style>{links}{scripts}{payload.header}</head><body>"
        f'<div id="root"><div id="parent" class="float-container single"><div class="float-child">'
        f'<div id="{html.escape(payload.map_id)}" style="height:{int(height)}px"></div></div>'
        f'<div class="float-child"><div id="map_div2"></div></div></div></div>'
        f"<div>{payload.html}</div>"
        f"<script>{script}\nwindow.map = {payload.map_id};</script></body></html>"
    )


def _is_page(path: Path) -> bool:
    return bool(_NAME.fullmatch(path.name)) and path.is_file() and not path.is_symlink()


def sweep_pages(folder: Path, *, max_age_s: float = PAGE_MAX_AGE_S, keep: str | None = None) -> list[str]:
    """Remove this folder's pages (``<sha256>.html`` only) unused for ``max_age_s``, and temporary files a
    crashed writer left as old; returns their names. Nothing else (other names, links) is touched."""
    removed: list[str] = []
    cutoff = time.time() - max_age_s
    for path in [*folder.glob("*.html"), *folder.glob(".*.tmp")]:  # pages, and what a crashed writer left
        try:
            ours = _is_page(path) or (bool(_TEMP.fullmatch(path.name)) and path.is_file() and not path.is_symlink())
            if path.name != keep and ours and path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path.name)
        except OSError:  # another server removed or rewrote it meanwhile
            continue
    return removed


def write_page(folder: Path, document: str) -> str:
    """Write a page under its content's SHA-256 (atomically, once); returns the file's name."""
    data = document.encode("utf-8")
    name = hashlib.sha256(data).hexdigest() + ".html"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if _is_page(path) and path.read_bytes() == data:  # once per server and map: ~1 ms
        os.utime(path)  # in use: not swept
        return name
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _LOG.info("wrote the map page %s (%d bytes)", name, len(data))
    sweep_pages(folder, keep=name)
    return name


@dataclass(frozen=True)
class _Page:
    name: str
    document: str


class _PageCache:
    """(master map, height, language) -> its page, weakly keyed by the map; one per server."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_map: weakref.WeakKeyDictionary[Any, dict[tuple[int, str], _Page]] = weakref.WeakKeyDictionary()

    def url(self, fmap: Any, folder: Path, *, height: int, lang: str) -> str:
        with self._lock:
            page = self._by_map.get(fmap, {}).get((height, lang))
        if page is None:
            document = page_document(render_copy(fmap), height=height, lang=lang)
            page = _Page(write_page(folder, document), document)
            with self._lock:
                self._by_map.setdefault(fmap, {})[(height, lang)] = page
        elif not (folder / page.name).is_file():  # removed under a running server (a sweep, a clean-up)
            write_page(folder, page.document)
        return f"{STATIC_URL}/{STATIC_SUBDIR}/{page.name}"


_CACHE = _PageCache()


def static_page(fmap: Any, static_dir: Path, *, height: int, lang: str) -> str:
    """The URL of a master map's static page (written on first use, then kept while the map lives)."""
    return _CACHE.url(fmap, Path(static_dir) / STATIC_SUBDIR, height=height, lang=lang)


@functools.cache
def static_supported() -> bool:
    """Whether this Streamlit has ``st.iframe`` with a title (``alt``) and streamlit-folium the render helpers."""
    import inspect

    import streamlit as st

    frame = getattr(st, "iframe", None)
    return supported() and frame is not None and "alt" in inspect.signature(frame).parameters


def show_static_map(fmap: Any, static_dir: Path, *, key: str, height: int, lang: str) -> None:
    """Show a master map (one without any session's data) from its static page, full width.

    Falls back to st_folium's frame (``map_render.show_map_cached``) where this Streamlit or
    streamlit-folium lacks what the static page needs.
    """
    import streamlit as st

    if not static_supported():
        from app_pages.map_render import show_map_cached

        show_map_cached(fmap, key=key, height=height)
        return
    st.iframe(static_page(fmap, static_dir, height=height, lang=lang), height=height, alt=FRAME_TITLE)
