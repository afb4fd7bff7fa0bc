"""Page-level helpers shared by the app pages: language, cached loaders, session data, results, export.

No business logic: the study is read and computed by :mod:`towerplan.study` (uploads: :mod:`app_pages.uploads`); this
module only keeps each browser session's inputs and results in ``st.session_state``
(keys prefixed by the page that owns them: ``data_``, ``cov_``, ``gaps_``, ``towers_``,
``export_``) and turns library callbacks into progress bars.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from towerplan.demo import demo_dir
from towerplan.i18n import DEFAULT_LANG, LANGUAGES, t
from towerplan.safety import MAX_UPLOAD_BYTES
from towerplan.study import StudyInputs, default_cache_dir, load_study_folder

log = logging.getLogger(__name__)

#: the demo's cache: $TOWERPLAN_CACHE_DIR, $XDG_CACHE_HOME/towerplan or ~/.cache/towerplan (as the CLI)
CACHE_DIR = default_cache_dir()
DEMO_RESOLUTION_M = 90.0
RESOLUTIONS_M = (90.0, 60.0, 30.0)
#: per-file upload limit, MiB: :data:`towerplan.safety.MAX_UPLOAD_BYTES` (``server.maxUploadSize`` in
#: .streamlit/config.toml stops larger files in the browser; :func:`handle_upload` checks again)
MAX_UPLOAD_MB = MAX_UPLOAD_BYTES // 2**20
#: file-name endings accepted per upload role (anything else never reaches the disk)
UPLOAD_TYPES: dict[str, tuple[str, ...]] = {
    "stations": ("csv", "txt", "xlsx", "geojson", "json", "kml", "kmz", "gpkg"),
    "dem": ("tif", "tiff", "hgt", "zip"),
    "population": ("tif", "tiff"),
    "communes": ("gpkg", "geojson", "json"),
    "roads": ("gpkg", "geojson", "json"),
    "villages": ("csv", "txt", "xlsx"),
    "landcover": ("tif", "tiff"),
    "admin_units": ("gpkg", "geojson", "json"),  # the communes and wards after the 2025 reform (app_pages.units)
}
REPO = Path(__file__).resolve().parents[1]
#: the app's static folder, served at /app/static (server.enableStaticServing in .streamlit/config.toml)
STATIC_DIR = REPO / "static"
TEMPLATES = {"csv": REPO / "data" / "stations_template.csv", "xlsx": REPO / "data" / "stations_template.xlsx"}


# ------------------------------------------------------------------ language
def lang() -> str:
    """The session's language (``vi`` by default; ``?lang=en`` in the URL starts in English)."""
    if "lang" not in st.session_state:
        wanted = st.query_params.get("lang", DEFAULT_LANG)
        st.session_state["lang"] = wanted if wanted in LANGUAGES else DEFAULT_LANG
    return str(st.session_state["lang"])


def tr(key: str, **values: object) -> str:
    """``t(key)`` in the session's language."""
    return t(key, lang(), **values)


def ui(key: str, language: str | None = None, **values: object) -> str:
    """``t(key)`` in ``language`` (default: the session's); for code that runs outside a page too."""
    return t(key, language or lang(), **values)


# ------------------------------------------------------------------ inputs
@st.cache_resource(max_entries=3, show_spinner=False)
def demo_inputs(resolution_m: float = DEMO_RESOLUTION_M) -> StudyInputs:
    """The synthetic demo province, generated once into the user cache, read once per server.

    Shared by every session: StudyInputs is frozen and pages never modify it.
    """
    return load_study_folder(demo_dir(CACHE_DIR, resolution_m=resolution_m))


@st.cache_resource(max_entries=6, show_spinner=False)
def demo_overview_map(resolution_m: float, language: str, osm: bool) -> Any:
    """The demo's overview map, built once per server and language (every session opens on it).

    Shown through :func:`show_map` only (a copy is rendered, never this shared object).
    """
    from towerplan.maps.overview import overview_map

    inputs = demo_inputs(resolution_m)
    return overview_map(inputs.dem, inputs.stations, communes=inputs.communes, roads=inputs.roads,
                        title=t("demo_label", language), lang=language, osm=osm)


def show_map(fmap: Any, *, key: str, height: int, shared: bool = False) -> None:
    """Show a Folium map with st_folium, rendered once per map object (``app_pages.map_render``).

    Rendering a folium Map mutates it (its layer scripts are added again, and a second render
    of the same object gives a page whose script fails), so maps kept in session_state or
    caches are masters that are never rendered themselves: a copy is rendered on the first
    show and its payload kept while the master lives; ``returned_objects=[]``: panning
    does not rerun the script.

    ``shared``: the map holds no session's data and is the same for every session (the demo's
    overview): it is shown from a static page the browser loads by itself
    (``app_pages.map_static``), which it starts on sooner than st_folium's frame.
    """
    if shared:
        from app_pages.map_static import show_static_map

        show_static_map(fmap, STATIC_DIR, key=key, height=height, lang=lang())
        return
    from app_pages.map_render import show_map_cached

    show_map_cached(fmap, key=key, height=height)


class _Folded:
    """What :func:`lazy_expander` gives where Streamlit cannot tell whether an expander is open."""

    def __init__(self, box: Any) -> None:
        self._box = box
        self.open: bool | None = None

    def __enter__(self) -> Any:
        return self._box.__enter__()

    def __exit__(self, *exc: Any) -> Any:
        return self._box.__exit__(*exc)


def lazy_expander(label: str, *, key: str) -> Any:
    """A folded ``st.expander`` whose ``.open`` says whether to draw its content (rerun when opened).

    Heavy content (a table: Streamlit's Arrow reader) is then only sent, loaded and started by the
    browser once the user opens it. On a Streamlit without the expander's open state (< 1.5x: no
    ``on_change``), ``.open`` is None and the content is drawn folded as before.
    """
    import inspect

    if "on_change" in inspect.signature(st.expander).parameters:
        return st.expander(label, key=key, on_change="rerun")
    return _Folded(st.expander(label))


def demo_stations_csv(resolution_m: float = DEMO_RESOLUTION_M) -> bytes:
    return (demo_dir(CACHE_DIR, resolution_m=resolution_m) / "stations.csv").read_bytes()


def data_version() -> int:
    """Bumped whenever the session's inputs change; results remember the version they were made from."""
    return int(st.session_state.get("data_version", 0))


def current_inputs() -> StudyInputs:
    """The session's study: its uploads if it chose them, else the demo at the chosen resolution; with the
    administrative units the Data page loaded, if any (:func:`app_pages.units.with_units`)."""
    from app_pages.units import with_units

    inputs = st.session_state.get("data_inputs")
    if inputs is not None:
        return with_units(inputs)
    return with_units(demo_inputs(float(st.session_state.get("data_resolution_m", DEMO_RESOLUTION_M))))


def using_demo() -> bool:
    return st.session_state.get("data_inputs") is None


def set_inputs(inputs: StudyInputs | None) -> None:
    """Use ``inputs`` (None: back to the demo); earlier results become stale."""
    st.session_state.pop("store_snapshot", None)  # the store's station versions no longer describe the study
    if inputs is None:
        st.session_state.pop("data_inputs", None)
    else:
        st.session_state["data_inputs"] = inputs
    st.session_state["data_version"] = data_version() + 1


def resolution_options(current: float | None = None) -> tuple[float, ...]:
    """The Coverage page's resolutions: the usual ones and the session's own (a loaded scenario may use
    another), coarse to fine."""
    extra = {float(current)} if current is not None else set()
    return tuple(sorted(set(RESOLUTIONS_M) | extra, reverse=True))


def input_label(inputs: StudyInputs) -> str:
    return tr("demo_label") if using_demo() else inputs.label


# ------------------------------------------------------------------ results
def store(key: str, value: Any) -> None:
    """Keep a page's result with the input version it was made from."""
    st.session_state[key] = {"value": value, "version": data_version(), "at": time.time()}


def fetch(key: str) -> Any | None:
    """A stored result, or None; a result made from other inputs is shown with a warning."""
    item = st.session_state.get(key)
    if item is None:
        return None
    if item["version"] != data_version():
        st.warning(tr("results_stale"))
    return item["value"]


@contextlib.contextmanager
def run_guard(what: str) -> Iterator[None]:
    """Run a page's button action; a failure shows a friendly ``st.error``, never a traceback.

    ``what`` names the action (the button's label). Library errors (bad data, settings, limits)
    show their message and what to do; ``MemoryError`` asks for a smaller run; anything else is
    logged with its traceback (server log) and shown as one line with the advice to run again.
    Streamlit's own stop and rerun (the user pressed Stop or changed a widget) are
    ``BaseException``s and pass through: the run ends there, and since results are stored only
    when a run completes (:func:`store`), the previous results stay as they were.
    """
    from towerplan.errors import TowerplanError
    from towerplan.i18n_errors import error_in

    try:
        yield
    except TowerplanError as exc:
        st.error(ui("run_failed", what=what, error=error_in(exc, lang())))  # known library errors in Vietnamese
    except MemoryError:
        st.error(ui("run_failed_memory", what=what))
    except Exception as exc:
        log.exception("%s failed", what)
        st.error(ui("run_failed_unexpected", what=what, error=error_in(exc, lang())))


def progress_bar(label_key: str) -> tuple[Any, Callable[[str, float], None]]:
    """A progress bar and a ``progress(stage, fraction)`` callback (the workflow's form) updating it."""
    bar = st.progress(0.0, text=tr(label_key, pct=0))

    def report(_stage: str, fraction: float) -> None:
        f = min(max(float(fraction), 0.0), 1.0)
        bar.progress(f, text=tr(label_key, pct=100 * f))

    return bar, report


def osm_checkbox(page: str) -> bool:
    """The opt-in OpenStreetMap background (off: the page makes no request outside this server)."""
    return st.checkbox(tr("osm_toggle"), value=False, key=f"{page}_osm", help=tr("osm_help"))


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def report_for_display(report: pd.DataFrame, *, language: str = "en") -> pd.DataFrame:
    """The validation report with errors first, then warnings, then notes (stable within each),
    severities named in ``language``."""
    from towerplan.stations import severity_label
    from towerplan.stations.report import report_header

    if "severity" not in report.columns or report.empty:
        return report
    order = report["severity"].map(_SEVERITY_ORDER).fillna(3)
    shown = report.iloc[order.argsort(kind="stable")].reset_index(drop=True)
    shown["severity"] = shown["severity"].map(lambda s: severity_label(s, language))
    if "message_vi" in shown:  # a study's report keeps both languages
        if language == "vi":
            shown["message"] = shown["message_vi"]
        shown = shown.drop(columns="message_vi")
    # text columns as text (values as written hold numbers and words: one type per column for Arrow)
    for col in ("column", "value", "file", "message", "code"):
        if col in shown:
            shown[col] = shown[col].map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v))
    if "row" in shown:  # row numbers with blanks (file-level issues): text, not a column Arrow cannot type
        shown["row"] = shown["row"].map(_row_text)
    shown = shown.drop(columns=[c for c in ("code",) if c in shown])  # a machine code: in the CSV download only
    return shown.rename(columns={c: report_header(c, language) for c in shown.columns})


def _row_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return ""
    try:
        return str(int(value))
    except (TypeError, ValueError):
        return str(value)


def show_table(frame: pd.DataFrame, **kwargs: Any) -> Any:
    """A dataframe with blanks instead of None/NaN text."""
    shown = frame.astype(object).where(frame.notna(), "")
    return st.dataframe(shown, hide_index=True, **kwargs)


# ------------------------------------------------------------------ export
#: the file types offered one by one on the Export page, in order
EXPORT_PATTERNS = ("*.pdf", "*.xlsx", "*.kmz", "*.gpkg", "csv/*.csv", "geojson/*.geojson", "*.html", "*.json")


def write_package(package: Any, out_dir: Path, *, language: str) -> tuple[Path, list[str]]:
    """Write the plan package with :func:`towerplan.export.write_plan_package` (the files of ``towerplan run``);
    returns the folder and notes (none)."""
    from towerplan.export import write_plan_package

    return write_plan_package(package, out_dir, force=True, lang=language), []


def zip_folder(folder: Path) -> bytes:
    """The folder as ZIP bytes (paths relative to it)."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return buf.getvalue()


def export_files(folder: Path) -> list[Path]:
    """The package's files offered one by one (reports, workbooks, KMZ, GeoPackage, CSV, GeoJSON)."""
    seen: list[Path] = []
    for pattern in EXPORT_PATTERNS:
        for path in sorted(folder.glob(pattern)):
            if path.is_file() and path not in seen:
                seen.append(path)
    return seen

