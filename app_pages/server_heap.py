"""The server's long-lived heap kept out of the garbage collector's full passes.

Streamlit runs a full collection (``gc.collect(2)``, option ``runner.postScriptGC``) after every
script run, on the script's thread while the run's messages are still being sent. Its cost grows
with every object the server holds, and this server holds many that live as long as it does:
numba, pandas, GDAL and Streamlit's own modules, and the demo's inputs and maps in
``st.cache_resource``: ~200,000 tracked objects, ~0.1-0.2 s of CPU per collection on the
development machine, paid by every new session's first page (``bench/README.md``, issue 20
item 6).

:func:`freeze_loaded_heap` moves what exists after the server's first page into the collector's
permanent generation once (``gc.freeze``, Python >= 3.7): later full collections only look at the
objects created since, i.e. what sessions make and drop. Objects frozen are never collected by the
cycle collector (reference counting still frees them), so this runs once per server, after a
collection, when what is alive is what the server keeps.
"""

from __future__ import annotations

import gc
import logging

import streamlit as st

__all__ = ["freeze_loaded_heap"]

_LOG = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False)
def freeze_loaded_heap() -> int:
    """Collect, then freeze every tracked object (once per server); returns how many were frozen."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    _LOG.info("froze %d long-lived objects out of the collector's full passes", frozen)
    return frozen
