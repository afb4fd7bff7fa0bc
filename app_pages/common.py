"""Page-level helpers shared by the app pages: language, cached loaders, session data, uploads.

No business logic: the study is read and computed by :mod:`towerplan.workflow`; this
module only keeps each browser session's inputs and results in ``st.session_state``
(keys prefixed by the page that owns them: ``data_``, ``cov_``, ``gaps_``, ``towers_``,
``export_``) and turns library callbacks into progress bars.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import logging
import os
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from towerplan.demo import demo_dir
from towerplan.i18n import DEFAULT_LANG, LANGUAGES, t
from towerplan.safety import MAX_UPLOAD_BYTES
from towerplan.textsafe import formula_safe_frame
from towerplan.workflow import StudyInputs, load_study_folder, load_study_inputs

log = logging.getLogger(__name__)

CACHE_DIR = Path.home() / ".cache" / "towerplan"
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
}
REPO = Path(__file__).resolve().parents[1]
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


def show_map(fmap: Any, *, key: str, height: int) -> None:
    """Show a Folium map with st_folium, on a deep copy.

    Rendering a folium Map mutates it (its layer scripts are added again, and a second render
    of the same object gives a page whose script fails), so maps kept in session_state or
    caches are masters that are never rendered themselves; ``returned_objects=[]``: panning
    does not rerun the script.
    """
    from streamlit_folium import st_folium

    st_folium(copy.deepcopy(fmap), height=height, use_container_width=True, returned_objects=[], key=key)


def demo_stations_csv(resolution_m: float = DEMO_RESOLUTION_M) -> bytes:
    return (demo_dir(CACHE_DIR, resolution_m=resolution_m) / "stations.csv").read_bytes()


def data_version() -> int:
    """Bumped whenever the session's inputs change; results remember the version they were made from."""
    return int(st.session_state.get("data_version", 0))


def current_inputs() -> StudyInputs:
    """The session's study: its uploads if it chose them, else the demo at the chosen resolution."""
    inputs = st.session_state.get("data_inputs")
    if inputs is not None:
        return inputs
    return demo_inputs(float(st.session_state.get("data_resolution_m", DEMO_RESOLUTION_M)))


def using_demo() -> bool:
    return st.session_state.get("data_inputs") is None


def set_inputs(inputs: StudyInputs | None) -> None:
    """Use ``inputs`` (None: back to the demo); earlier results become stale."""
    if inputs is None:
        st.session_state.pop("data_inputs", None)
    else:
        st.session_state["data_inputs"] = inputs
    st.session_state["data_version"] = data_version() + 1


def inputs_at(resolution_m: float) -> StudyInputs:
    """The session's study at ``resolution_m``, without changing the session (uploads are read again
    when the resolution differs). Commit it with :func:`set_resolution` once a run completes."""
    if float(st.session_state.get("data_resolution_m", DEMO_RESOLUTION_M)) == float(resolution_m):
        return current_inputs()
    if using_demo():
        return demo_inputs(float(resolution_m))
    scenario = st.session_state.get("data_scenario")
    if scenario is not None:  # a loaded scenario's files, read again at the new resolution
        return dataclasses.replace(scenario, resolution_m=float(resolution_m)).load_inputs(cache_dir=CACHE_DIR)
    paths = st.session_state.get("data_upload_paths")
    if paths and paths.get("dem"):
        return load_uploads(paths, resolution_m=resolution_m, label=current_inputs().label,
                            report=current_inputs().station_report)
    return current_inputs()  # uploaded stations on the demo's terrain: the terrain stays


def set_resolution(resolution_m: float, inputs: StudyInputs | None = None) -> None:
    """Change the analysis resolution: the demo is read at it, uploads are read again at it
    (``inputs``: the study already read at it by :func:`inputs_at`)."""
    if float(st.session_state.get("data_resolution_m", DEMO_RESOLUTION_M)) == float(resolution_m):
        return
    inputs = inputs if inputs is not None else inputs_at(resolution_m)
    st.session_state["data_resolution_m"] = float(resolution_m)
    if not using_demo():
        set_inputs(inputs)
        return
    st.session_state["data_version"] = data_version() + 1


def resolution_options(current: float | None = None) -> tuple[float, ...]:
    """The Coverage page's resolutions: the usual ones and the session's own (a loaded scenario may use
    another), coarse to fine."""
    extra = {float(current)} if current is not None else set()
    return tuple(sorted(set(RESOLUTIONS_M) | extra, reverse=True))


def input_label(inputs: StudyInputs) -> str:
    return tr("demo_label") if using_demo() else inputs.label


# ------------------------------------------------------------------ uploads
#: prefix of every session folder (the start-up sweep removes old ones by it)
SESSION_PREFIX = "towerplan-session-"
#: session folders untouched for longer than this are removed by :func:`sweep_session_dirs`
SESSION_MAX_AGE_H = 24.0


def session_dir() -> Path:
    """This browser session's private temporary folder (uploads, exports), reused within the session.

    Created with :func:`tempfile.mkdtemp` (mode 0700, unguessable name); users' file names never
    become paths in it (:func:`handle_upload` stores uploads only at
    :func:`towerplan.safety.safe_upload_path`). Streamlit has no session-end hook: the folder is
    touched on every script run (:func:`touch_session_dir`) and removed by the sweep
    (:func:`sweep_session_dirs`) once untouched for :data:`SESSION_MAX_AGE_H` hours; uploads that
    the session's data no longer uses are removed when the data is replaced.
    """
    path = st.session_state.get("data_tmpdir")
    if path is None or not Path(path).is_dir():
        path = tempfile.mkdtemp(prefix=SESSION_PREFIX)
        st.session_state["data_tmpdir"] = path
    return Path(path)


def touch_session_dir() -> None:
    """Mark this session's folder as in use (the sweep keeps folders touched recently)."""
    path = st.session_state.get("data_tmpdir")
    if path:
        with contextlib.suppress(OSError):
            os.utime(path)


def sweep_session_dirs(*, max_age_h: float = SESSION_MAX_AGE_H, root: Path | None = None,
                       now: float | None = None) -> list[Path]:
    """Remove towerplan session folders (``towerplan-session-*`` in the temp folder) untouched for
    more than ``max_age_h`` hours; return the folders removed.

    Only folders of this user named with :data:`SESSION_PREFIX` are considered; symbolic links are
    never followed. Errors (a folder removed meanwhile, permissions) are logged and skipped.
    """
    base = Path(root) if root is not None else Path(tempfile.gettempdir())
    limit = (time.time() if now is None else now) - max_age_h * 3600.0
    removed = []
    for folder in base.glob(SESSION_PREFIX + "*"):
        try:
            info = folder.lstat()
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mtime >= limit:
                continue
            shutil.rmtree(folder)
            removed.append(folder)
        except OSError as exc:
            log.warning("could not remove old session folder %s: %s", folder, exc)
    if removed:
        log.info("removed %d session folder(s) older than %.0f h", len(removed), max_age_h)
    return removed


@dataclasses.dataclass(frozen=True)
class Upload:
    """One uploaded file after :func:`handle_upload`.

    Attributes
    ----------
    role
        ``stations``, ``dem``, ``population``, ``communes`` or ``roads``.
    name
        The user's file name (shown, never used as a path).
    path
        Where it is stored in the session folder; None when it was refused or could not be used.
    value
        What was read: a :class:`~towerplan.stations.StationLoad` (stations), a
        :class:`~towerplan.grid.Grid` (DEM), a :class:`~towerplan.population.PopulationAlignment`
        (population on the DEM's lattice) or a GeoDataFrame (communes, roads); None when unusable.
    messages
        What the page shows for the file, in the UI language (the library's own detail, in English,
        quoted): why it is unusable, or the warnings and report issues when it is usable.
    """

    role: str
    name: str
    path: Path | None = None
    value: Any = None
    messages: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.value is not None


class _ThreadWarnings(logging.Handler):
    """Collects the library's warnings logged by this thread (other sessions run in other threads)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


@contextlib.contextmanager
def _library_warnings() -> Iterator[list[str]]:
    handler = _ThreadWarnings()
    logger = logging.getLogger("towerplan")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def _read_upload(role: str, path: Path, name: str, *, dem: Any, resolution_m: float | None,
                 language: str) -> tuple[Any, list[str]]:
    """Read a stored upload by role: (value, problems). Library errors propagate."""
    if role == "stations":
        from towerplan.stations import read_stations, severity_label

        load = read_stations(path, name=name)
        frame = load.report.to_frame(lang="vi" if language == "vi" else "en")
        row_word = "dòng" if language == "vi" else "row"
        problems = [f"{severity_label(r.severity, language)}: " + (f"{row_word} {r.row}: " if pd.notna(r.row) else "")
                    + str(r.message) for r in frame.itertuples()] if len(frame) else []
        if len(load.stations) == 0:
            problems.insert(0, ui("upload_no_rows", language, name=name))
        return load, problems
    if role == "dem":
        from towerplan.workflow import read_study_dem

        return read_study_dem(path, resolution_m=resolution_m), []
    if role == "population":
        from towerplan.population import read_population

        if dem is None:
            return None, [ui("upload_needs_dem", language, name=name)]
        aligned = read_population(path, dem)
        if aligned.aligned_total <= 0 < aligned.source_total:
            return None, [ui("upload_population_outside", language, name=name)]
        return aligned, []
    from towerplan.vectors import read_communes, read_roads

    return (read_communes(path) if role == "communes" else read_roads(path)), []


def handle_upload(role: str, name: str, data: bytes, folder: Path, language: str, *, dem: Any = None,
                  resolution_m: float | None = DEMO_RESOLUTION_M) -> Upload:
    """Check, store and read one uploaded file; never raises for a bad file.

    The size and file type are checked by :func:`towerplan.safety.check_upload` before a byte is
    written; the file is then stored at :func:`towerplan.safety.safe_upload_path` under
    ``folder/uploads`` (named ``<role>-<random>.<ext>``: the user's name never becomes a path) and
    read by the library reader of its role (archives such as KMZ and zipped SRTM tiles only
    through :mod:`towerplan.safety`). A file that cannot be used is removed again and the result
    carries the messages saying why; station rows with errors are reported and the valid rows kept.

    Parameters
    ----------
    role
        ``stations``, ``dem``, ``population``, ``communes`` or ``roads`` (:data:`UPLOAD_TYPES`).
    name, data
        The user's file name and the file's bytes.
    folder
        The session folder (:func:`session_dir`).
    language
        ``vi`` or ``en``: the language of the messages.
    dem
        The uploaded DEM (a Grid): population rasters are moved onto its lattice.
    resolution_m
        Analysis cell size for DEMs (m).
    """
    from towerplan.errors import TowerplanError
    from towerplan.safety import UnsafeInputError, check_upload, safe_upload_path

    allowed = tuple(f".{s}" for s in UPLOAD_TYPES[role])
    try:
        check_upload(name, len(data), max_bytes=MAX_UPLOAD_BYTES, allowed_suffixes=allowed)
    except UnsafeInputError as exc:
        return Upload(role, name, messages=(_refusal(name, len(data), allowed, language, exc),))
    path: Path | None = None
    try:
        path = safe_upload_path(Path(folder) / "uploads", name, prefix=role)
        with open(path, "xb") as out:
            out.write(data)
        with _library_warnings() as warnings:
            value, problems = _read_upload(role, path, name, dem=dem, resolution_m=resolution_m, language=language)
    except TowerplanError as exc:
        value, problems, warnings = None, [ui("upload_unusable", language, name=name, error=exc)], []
    except MemoryError:
        value, problems, warnings = None, [ui("upload_memory", language, name=name)], []
    except Exception as exc:  # a reader's gap must not take the page down: say so, keep the session
        log.exception("unexpected error reading upload %r (%s)", name, role)
        value, problems, warnings = None, [ui("upload_unexpected", language, name=name,
                                              error=f"{type(exc).__name__}: {exc}")], []
    notes = [ui("upload_note", language, name=name, note=w) for w in warnings]
    messages = tuple(_user_names(m, path, name) for m in problems + notes)
    if value is None and path is not None:
        with contextlib.suppress(OSError):
            path.unlink()
        path = None
    return Upload(role, name, path, value, messages)


def _user_names(text: str, path: Path | None, name: str) -> str:
    """A message with the stored file's path and name replaced by the user's file name (the server's
    folders are not shown)."""
    if path is None:
        return text
    base = Path(name.replace("\\", "/")).name or name
    return text.replace(str(path), base).replace(path.name, base)


def upload_display(upload: Upload) -> list[tuple[str, str]]:
    """What the Data page shows for one upload: ``(streamlit function, text)`` pairs.

    An unusable file: its messages as errors. A station list: nothing here when rows were kept
    (its issues are in the validation report table), the "no usable rows" error otherwise. Other
    usable files: their warnings (a repaired polygon, ...).
    """
    if not upload.ok:
        return [("error", m) for m in upload.messages]
    if upload.role == "stations":
        return [("error", upload.messages[0])] if len(upload.value.stations) == 0 else []
    return [("warning", m) for m in upload.messages]


def _refusal(name: str, size: int, allowed: tuple[str, ...], language: str, exc: Exception) -> str:
    """The UI-language message for an upload refused by :func:`towerplan.safety.check_upload`."""
    from towerplan.resources import format_bytes

    if size <= 0:
        return ui("upload_empty", language, name=name)
    if size > MAX_UPLOAD_BYTES:
        return ui("upload_too_large", language, name=name, size=format_bytes(size),
                  limit=format_bytes(MAX_UPLOAD_BYTES))
    return ui("upload_bad_type", language, name=name, allowed=", ".join(allowed), error=exc)


def remove_unused_uploads(keep: list[Path]) -> None:
    """Delete the session's stored uploads other than ``keep`` (the data in use)."""
    path = st.session_state.get("data_tmpdir")
    if not path:
        return
    kept = {Path(p).resolve() for p in keep}
    for stored in (Path(path) / "uploads").glob("*"):
        if stored.is_file() and stored.resolve() not in kept:
            with contextlib.suppress(OSError):
                stored.unlink()


def load_uploads(paths: dict[str, list[Path]], *, resolution_m: float | None, label: str,
                 report: pd.DataFrame | None = None) -> StudyInputs:
    """StudyInputs from saved uploads; without a DEM, the demo's terrain, people, communes and roads
    carry the uploaded stations. Used to read a session's uploads again at another resolution."""
    if paths.get("dem"):
        return load_study_inputs(
            dem=paths["dem"], population=paths["population"][0], stations=paths["stations"],
            communes=paths["communes"][0] if paths.get("communes") else None,
            roads=paths["roads"][0] if paths.get("roads") else None,
            resolution_m=resolution_m, label=label,
        )
    from towerplan.stations import read_many

    base = demo_inputs(resolution_m or DEMO_RESOLUTION_M)
    load = read_many([str(p) for p in paths["stations"]])
    return dataclasses.replace(base, stations=load.stations, label=label,
                               station_report=report if report is not None else load.report.to_frame(),
                               files={**base.files, **{f"stations_{k}": p for k, p in
                                                       enumerate(paths["stations"], start=1)}})


def uploads_for(role: str, files: list[Any], *, dem: Any = None) -> list[Upload]:
    """:func:`handle_upload` for the files of one uploader, once per file (kept in the session).

    Files no longer in the uploader are forgotten, and their stored copies removed unless the
    session's data uses them.
    """
    cache: dict[tuple, Upload] = st.session_state.setdefault("data_handled", {})
    resolution_m = float(st.session_state.get("data_resolution_m", DEMO_RESOLUTION_M))
    wanted = []
    out = []
    for f in files:
        key = (role, getattr(f, "file_id", None) or f.name, int(f.size), resolution_m,
               id(dem) if role == "population" else None)
        wanted.append(key)
        if key not in cache:
            cache[key] = handle_upload(role, f.name, f.getvalue(), session_dir(), lang(), dem=dem,
                                       resolution_m=resolution_m)
        out.append(cache[key])
    in_use = {p for ps in (st.session_state.get("data_upload_paths") or {}).values() for p in ps}
    for key in [k for k in cache if k[0] == role and k not in wanted]:
        old = cache.pop(key)
        if old.path is not None and old.path not in in_use:
            with contextlib.suppress(OSError):
                old.path.unlink()
    return out


def use_uploads(uploads: dict[str, list[Upload]], *, label: str, stations: Any) -> None:
    """Make the usable uploads the session's data (``stations``: the combined StationLoad); the
    stored files of earlier data are removed."""
    ok = {role: [u for u in ups if u.ok and u.path is not None] for role, ups in uploads.items()}
    paths = {role: [u.path for u in ups] for role, ups in ok.items() if ups}
    report = stations.report.to_frame()
    files = {f"stations_{k}": p for k, p in enumerate(paths["stations"], start=1)}
    if ok.get("dem"):
        dem = study_dem(ok["dem"])
        inputs = StudyInputs(
            dem=dem, population=ok["population"][0].value.grid,
            stations=stations.stations.reset_index(drop=True),
            communes=ok["communes"][0].value if ok.get("communes") else None,
            roads=ok["roads"][0].value if ok.get("roads") else None,
            label=label, station_report=report,
            files={**files, **{f"{role}_{k}": p for role in ("dem", "population", "communes", "roads")
                               for k, p in enumerate(paths.get(role, []), start=1)}},
        )
    else:
        base = demo_inputs(float(st.session_state.get("data_resolution_m", DEMO_RESOLUTION_M)))
        inputs = dataclasses.replace(base, stations=stations.stations.reset_index(drop=True), label=label,
                                     station_report=report, files={**base.files, **files})
        paths = {"stations": paths["stations"]}
    st.session_state["data_upload_paths"] = paths
    st.session_state.pop("data_scenario", None)
    set_inputs(inputs)
    remove_unused_uploads([p for ps in paths.values() for p in ps])


def study_dem(dem_uploads: list[Upload]) -> Any:
    """The study's DEM from usable DEM uploads: the one grid, or several tiles mosaicked (library errors
    propagate: call inside :func:`run_guard`)."""
    if len(dem_uploads) == 1:
        return dem_uploads[0].value
    from towerplan.workflow import read_study_dem

    key = tuple(str(u.path) for u in dem_uploads)
    item = st.session_state.get("data_dem_mosaic")
    if item is None or item[0] != key:
        resolution_m = float(st.session_state.get("data_resolution_m", DEMO_RESOLUTION_M))
        item = (key, read_study_dem([u.path for u in dem_uploads], resolution_m=resolution_m))
        st.session_state["data_dem_mosaic"] = item
    return item[1]


def back_to_demo() -> None:
    """Use the demo again; the stored uploads of the replaced data are removed."""
    set_inputs(None)
    st.session_state.pop("data_upload_paths", None)
    st.session_state.pop("data_scenario", None)
    pending = [u.path for u in st.session_state.get("data_handled", {}).values() if u.path is not None]
    remove_unused_uploads(pending)


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

    try:
        yield
    except TowerplanError as exc:
        st.error(ui("run_failed", what=what, error=exc))
    except MemoryError:
        st.error(ui("run_failed_memory", what=what))
    except Exception as exc:
        log.exception("%s failed", what)
        st.error(ui("run_failed_unexpected", what=what, error=f"{type(exc).__name__}: {exc}"))


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

    if "severity" not in report.columns or report.empty:
        return report
    order = report["severity"].map(_SEVERITY_ORDER).fillna(3)
    shown = report.iloc[order.argsort(kind="stable")].reset_index(drop=True)
    shown["severity"] = shown["severity"].map(lambda s: severity_label(s, language))
    return shown


def show_table(frame: pd.DataFrame, **kwargs: Any) -> Any:
    """A dataframe with blanks instead of None/NaN text."""
    shown = frame.astype(object).where(frame.notna(), "")
    return st.dataframe(shown, hide_index=True, **kwargs)


# ------------------------------------------------------------------ export
#: the file types offered one by one on the Export page, in order
EXPORT_PATTERNS = ("*.pdf", "*.xlsx", "*.kmz", "*.gpkg", "csv/*.csv", "geojson/*.geojson", "*.html", "*.json")


def write_package(package: Any, out_dir: Path, *, language: str) -> tuple[Path, list[str]]:
    """Write the plan package with :func:`towerplan.export.write_plan_package`.

    Workaround while the export package is being written: when one of its writers is not
    importable yet, the tables (CSV, XLSX) and vector layers (GeoJSON) of the package are
    written here instead, and the missing parts are returned as notes.
    """
    try:
        from towerplan.export import write_plan_package

        return write_plan_package(package, out_dir, force=True, lang=language), []
    except ImportError as exc:
        return _fallback_package(package, out_dir), [str(exc)]


def _fallback_package(package: Any, out_dir: Path) -> Path:
    import geopandas as gpd

    if out_dir.exists():
        shutil.rmtree(out_dir)
    (out_dir / "csv").mkdir(parents=True)
    (out_dir / "geojson").mkdir()
    layers = {"stations": package.stations, "gaps": package.gaps, "proposals": package.proposals,
              "commune_stats": package.commune_stats, "road_coverage": package.road_coverage, "curve": package.curve}
    sheets = {}
    for name, frame in layers.items():
        if frame is None or len(frame) == 0:
            continue
        plain = pd.DataFrame(frame.drop(columns=frame.geometry.name)) if isinstance(frame, gpd.GeoDataFrame) \
            else pd.DataFrame(frame)
        plain = plain.replace([float("inf"), float("-inf")], float("nan"))
        plain = formula_safe_frame(plain)
        plain.to_csv(out_dir / "csv" / f"{name}.csv", index=False, encoding="utf-8-sig")
        sheets[name] = plain
        if isinstance(frame, gpd.GeoDataFrame):
            frame.to_crs(4326).to_file(out_dir / "geojson" / f"{name}.geojson", driver="GeoJSON", engine="pyogrio")
    with pd.ExcelWriter(out_dir / "plan.xlsx", engine="openpyxl") as xl:
        for name, plain in sheets.items():
            plain.to_excel(xl, sheet_name=name[:31], index=False)  # text cells already formula-safe
    return out_dir


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
