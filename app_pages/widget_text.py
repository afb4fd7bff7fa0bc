"""Streamlit's own widget text in the session's language (issue 21, item 4).

Streamlit writes the file uploader's button ("Upload"), its instructions ("200MB per file • CSV, ..."), the
banner shown while a file is dragged over it ("Drag and drop files here") and the tooltip on a refused file
("CSV files are not allowed.", "File must be 200.0MB or smaller.") in English, and (version 1.67) has no option
to change them. In the Vietnamese app a stylesheet hides that text and writes the Vietnamese in its place with
CSS generated content (``::after`` on the uploader's ``data-testid`` elements); the accepted file types of the
app's own uploaders are listed by their widget key (Streamlit gives each keyed widget the class
``st-key-<key>``). The English app keeps Streamlit's text.

Two of these elements carry no ``data-testid`` of their own and are found by their place in Streamlit 1.67's
markup (``FileUploader`` and ``Tooltip`` in its frontend): the drag banner is the ``div`` the dropzone renders
right after its file ``input`` while a drag is active (a ``span`` holding the text); the refused file's tooltip
is Streamlit's error tooltip (``stTooltipErrorContent``, rendered apart from the uploader), taken only while the
page shows a refused file and only when it holds plain text (the other widgets' error tooltips hold markdown);
its text (type or size) a stylesheet cannot tell apart, so the Vietnamese names both causes. A new Streamlit version
may move them: ``tests/test_app_browser_uploader.py`` drags a file over an uploader and hovers over a
refused one in Chromium and fails when the English shows again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

from towerplan.i18n import t

__all__ = ["UPLOADER_KEYS", "show_widget_text", "uploader_css", "uploader_keys"]

#: the app's uploaders by widget key -> the file types each accepts (as the page passes them to Streamlit)
UPLOADER_KEYS: dict[str, tuple[str, ...]] = {}


#: the banner's text while a file is dragged over an uploader (the span of the div after the dropzone's input)
_DRAG = ('[data-testid="stFileUploaderDropzone"] > [data-testid="stFileUploaderDropzoneInput"] '
         '+ div:not([data-testid]) > span')
#: the tooltip over a refused file: Streamlit's error tooltip (a portal at the page's end) holding plain text, while
#: the page shows a refused file (the number, text, date and select boxes' error tooltips hold markdown elements)
_TIP = ('body:has([data-testid="stFileChip"][aria-invalid="true"]) '
        '[data-testid="stTooltipErrorContent"]:not(:has(*))')


#: the class of the empty element that goes with the stylesheet (see :func:`show_widget_text`)
_MARK = "tp-widget-text"


def uploader_keys() -> dict[str, tuple[str, ...]]:
    """The app's uploaders by widget key and the file types each takes."""
    from app_pages.common import UPLOAD_TYPES
    from app_pages.scenarios import SCENARIO_TYPES

    keys = {"data_uploads": UPLOAD_TYPES["stations"], "store_upload_file": UPLOAD_TYPES["stations"],
            "vil_upload": UPLOAD_TYPES["villages"], "data_scenario_file": tuple(SCENARIO_TYPES),
            "meas_file": ("csv", "txt", "xlsx", "gz"), "cmp_a": ("zip",), "cmp_b": ("zip",)}
    keys.update({f"data_{role}": UPLOAD_TYPES[role] for role in ("dem", "population", "communes", "roads",
                                                                 "landcover", "admin_units")})
    return keys


def _css_text(text: str) -> str:
    """``text`` as a CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ") + '"'


def uploader_css(lang: str, *, max_mb: int, types_by_key: Mapping[str, Sequence[str]]) -> str:
    """The stylesheet writing the file uploader's text in ``lang`` (empty for English: Streamlit's own)."""
    if lang == "en":
        return ""
    zone = '[data-testid="stFileUploaderDropzone"]'
    instructions = '[data-testid="stFileUploaderDropzoneInstructions"]'
    limit = t("uploader_limit", lang, mb=max_mb)
    rules = [
        # the button: Streamlit's "Upload" hidden, ours after it (the icon stays)
        f'{zone} button [data-testid="stMarkdownContainer"] p {{ display: none; }}',
        f'{zone} button [data-testid="stMarkdownContainer"]::after '
        f'{{ content: {_css_text(t("uploader_button", lang))}; }}',
        # the instructions: "200MB per file • CSV, ..." hidden, the limit (and the key's file types) instead
        f"{instructions} span {{ display: none; }}",
        f"{instructions} > div::after {{ content: {_css_text(limit)}; font-size: 0.875rem;"
        " color: rgba(49, 51, 63, 0.6); }",
        # a file Streamlit refused in the browser (type or size): said beside its name
        f'[data-testid="stFileChip"][aria-invalid="true"] [data-testid="stFileChipName"]::after {{ content: '
        f'{_css_text(" — " + t("uploader_refused", lang, mb=max_mb))}; }}',
        # ... and in the tooltip over it (Streamlit's English reason hidden: font size 0, ours after it)
        f'{_TIP} {{ font-size: 0 !important; }}',
        f'{_TIP}::after {{ content: {_css_text(t("uploader_refused_tip", lang, mb=max_mb))}; '
        "font-size: 0.875rem; }",
        # the banner while a file is dragged over the uploader
        f'{_DRAG} {{ font-size: 0 !important; }}',
        f'{_DRAG}::after {{ content: {_css_text(t("uploader_drop", lang))}; font-size: 0.875rem; }}',
        # the element holding this stylesheet takes no room on the page
        f'[data-testid="stElementContainer"]:has(.{_MARK}) {{ display: none; }}',
    ]
    for key, types in sorted(types_by_key.items()):
        text = limit + " • " + ", ".join(s.upper() for s in types)
        rules.append(f".st-key-{key} {instructions} > div::after {{ content: {_css_text(text)}; }}")
    return "<style>\n" + "\n".join(rules) + "\n</style>"


def show_widget_text(lang: str) -> None:
    """Put the stylesheet of :func:`uploader_css` on the page (every page: the app calls it once per run)."""
    from app_pages.common import MAX_UPLOAD_MB

    if not UPLOADER_KEYS:
        UPLOADER_KEYS.update(uploader_keys())
    css = uploader_css(lang, max_mb=MAX_UPLOAD_MB, types_by_key=UPLOADER_KEYS)
    if css:
        # with an (empty, hidden) element beside the stylesheet: Streamlit sends style-only HTML to its "event"
        # container (toasts), which its frontend keeps apart from the page's elements, and a CI run once saw
        # Streamlit's English on the uploader (not reproduced here); as an element of the main script's main
        # container the stylesheet is kept like the page's own elements, across reruns and page changes.
        # Markdown, not st.html: its script is in Streamlit's first bundle (st.html loads two more, a sanitizer,
        # on every first page; bench/README.md, "Overview page load: the first page's elements ...").
        # "<style>" opens a raw HTML block that only "</style>" ends: Markdown leaves the rules as they are.
        st.markdown(css + f'<span class="{_MARK}" hidden></span>', unsafe_allow_html=True)
