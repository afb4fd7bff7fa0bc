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
        from towerplan.stations import read_stations

        load = read_stations(path, name=name)
        frame = load.report.to_frame()
        problems = [f"{r.severity}: " + (f"row {r.row}: " if pd.notna(r.row) else "") + str(r.message)
                    for r in frame.itertuples()] if len(frame) else []
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


def report_for_display(report: pd.DataFrame) -> pd.DataFrame:
    """The validation report with errors first, then warnings, then notes (stable within each)."""
    if "severity" not in report.columns or report.empty:
        return report
    order = report["severity"].map(_SEVERITY_ORDER).fillna(3)
    return report.iloc[order.argsort(kind="stable")].reset_index(drop=True)


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
        plain.to_csv(out_dir / "csv" / f"{name}.csv", index=False, encoding="utf-8-sig")
        sheets[name] = plain
        if isinstance(frame, gpd.GeoDataFrame):
            frame.to_crs(4326).to_file(out_dir / "geojson" / f"{name}.geojson", driver="GeoJSON", engine="pyogrio")
    with pd.ExcelWriter(out_dir / "plan.xlsx", engine="openpyxl") as xl:
        for name, plain in sheets.items():
            plain.to_excel(xl, sheet_name=name[:31], index=False)
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


# ------------------------------------------------------------------ scenarios (save / load)
#: the pages' widget keys whose values a scenario carries, per page (the pages seed them with
#: :func:`seed_widgets` and mirror their values into ``<page>_widgets`` with :func:`remember_widgets`)
SCENARIO_WIDGETS: dict[str, tuple[str, ...]] = {
    "cov": ("cov_model", "cov_techs", "cov_threshold", "cov_resolution", "cov_indoor", "cov_body", "cov_probability"),
    "gaps": ("gaps_min_people",),
    "towers": ("towers_budget_kind", "towers_n", "towers_bn", "towers_method", "towers_objective"),
}
#: library defaults as the pages show them (the coverage technologies and resolution depend on the data)
WIDGET_DEFAULTS: dict[str, Any] = {
    "cov_model": "auto", "cov_threshold": -110, "cov_indoor": 0.0, "cov_body": 0.0, "cov_probability": 50,
    "gaps_min_people": 50,
    "towers_budget_kind": "towers", "towers_n": 5, "towers_bn": 10.0, "towers_method": "greedy",
    "towers_objective": "any",
}
SCENARIO_TYPES = ("toml", "zip")
#: results a loaded scenario replaces
_RESULT_KEYS = ("cov_result", "cov_map", "cov_site_cache", "cov_site_map", "gaps_result", "gaps_map",
                "towers_result", "towers_map", "export_package", "export_scenario")


def default_technologies(present: list[str]) -> list[str]:
    """The Coverage page's default technologies: 4G when the data has it, else the first present."""
    return ["4G"] if "4G" in present else present[:1]


def page_widgets(page: str, *, present_techs: list[str] | None = None) -> dict[str, Any]:
    """The current values of a page's scenario widgets: what the page last showed (``<page>_widgets``),
    else the defaults (the data's technologies and resolution for the coverage page)."""
    values = {k: WIDGET_DEFAULTS[k] for k in SCENARIO_WIDGETS[page] if k in WIDGET_DEFAULTS}
    if page == "cov":
        values["cov_techs"] = default_technologies(present_techs or [])
        values["cov_resolution"] = float(st.session_state.get("data_resolution_m", DEMO_RESOLUTION_M))
    values.update(st.session_state.get(f"{page}_widgets") or {})
    return values


def seed_widgets(page: str, *, valid: dict[str, Callable[[Any], Any]] | None = None,
                 present_techs: list[str] | None = None) -> None:
    """Give the page's scenario widgets their values before they are drawn: kept ones stay, others (first
    visit, after a page switch or a loaded scenario) come from :func:`page_widgets`. ``valid[key]`` maps a
    value onto one the widget accepts (options change with the data). The widgets are then created without
    their own default (Streamlit warns when a default and a Session State value are both given)."""
    values = page_widgets(page, present_techs=present_techs)
    for key in SCENARIO_WIDGETS[page]:
        value = st.session_state[key] if key in st.session_state else values[key]
        if valid and key in valid:
            value = valid[key](value)
        if key not in st.session_state or st.session_state[key] != value:
            st.session_state[key] = value


def remember_widgets(page: str) -> None:
    """Mirror the page's scenario widget values into ``<page>_widgets`` (read by the Export page's save)."""
    st.session_state[f"{page}_widgets"] = {k: st.session_state[k] for k in SCENARIO_WIDGETS[page]
                                           if k in st.session_state}


def _kept(base: float, shown: float, to_ui: Callable[[float], float]) -> float:
    """``base`` when the widget still shows it (rounded), else the widget's value: a loaded setting keeps its
    exact value through a save unless the user changed it."""
    return float(base) if to_ui(base) == shown else float(shown)


def settings_from_widgets(values: dict[str, Any], *, cov_base: Any = None, gaps_base: Any = None,
                          towers_base: Any = None) -> dict[str, Any]:
    """Library settings from the pages' widget values (``values``: the three pages' keys together).

    ``*_base``: the settings a loaded scenario brought (fields the pages do not show are kept from them).
    Returns ``coverage`` (CoverageConfig), ``technologies``, ``resolution_m``, ``gaps`` (GapConfig) and
    ``placement`` (PlacementSettings).
    """
    from towerplan.coverage.config import CoverageConfig
    from towerplan.planning.gaps import GapConfig
    from towerplan.planning.shared_towers import PlacementSettings

    cov = cov_base or CoverageConfig()
    lb = cov.link_budget
    threshold = _kept(cov.threshold_dbm, values["cov_threshold"], round)
    coverage = dataclasses.replace(
        cov, model=values["cov_model"], threshold_dbm=threshold,
        link_budget=dataclasses.replace(
            lb, indoor_loss_db=float(values["cov_indoor"]), body_loss_db=float(values["cov_body"]),
            location_probability=_kept(lb.location_probability * 100, values["cov_probability"], round) / 100.0))
    gaps = dataclasses.replace(gaps_base or GapConfig(), threshold_dbm=threshold,
                               min_people=float(values["gaps_min_people"]))
    towers = towers_base or PlacementSettings(max_sites=5)
    by_count = values["towers_budget_kind"] == "towers"
    placement = dataclasses.replace(
        towers, objective=values["towers_objective"], method=values["towers_method"],
        max_sites=int(values["towers_n"]) if by_count else None,
        budget_vnd=_kept((towers.budget_vnd or 0) / 1e9, values["towers_bn"], float) * 1e9 if not by_count else None)
    techs = tuple(values["cov_techs"]) or ("4G",)
    return {"coverage": coverage, "technologies": techs, "resolution_m": float(values["cov_resolution"]),
            "gaps": gaps, "placement": placement}


def widgets_from_scenario(scenario: Any, resolution_m: float) -> dict[str, dict[str, Any]]:
    """The pages' widget values for a scenario's settings, per page (``cov``, ``gaps``, ``towers``)."""
    c = scenario.coverage
    lb = c.link_budget
    cov = {"cov_model": c.model, "cov_techs": list(scenario.technologies) if scenario.technologies else None,
           "cov_threshold": round(c.threshold_dbm), "cov_resolution": float(resolution_m),
           "cov_indoor": float(lb.indoor_loss_db), "cov_body": float(lb.body_loss_db),
           "cov_probability": round(lb.location_probability * 100)}
    gaps = {"gaps_min_people": round(scenario.gaps.min_people)}
    towers = dict(WIDGET_DEFAULTS)
    p = scenario.placement
    if p is not None:
        towers.update(towers_method=p.method, towers_objective=p.objective,
                      towers_budget_kind="towers" if p.max_sites is not None else "vnd")
        if p.max_sites is not None:
            towers["towers_n"] = int(p.max_sites)
        if p.budget_vnd is not None:
            towers["towers_bn"] = float(p.budget_vnd) / 1e9
    return {"cov": cov, "gaps": gaps, "towers": {k: towers[k] for k in SCENARIO_WIDGETS["towers"]}}


def build_app_scenario(inputs: dict[str, Any], settings: dict[str, Any], *, language: str, title: str = "",
                       name: str = "towerplan-app") -> Any:
    """A checked :class:`towerplan.scenario.Scenario` from the app's inputs (the fields of
    :class:`~towerplan.scenario.ScenarioInputs`, absolute paths) and :func:`settings_from_widgets`'s settings."""
    from towerplan.scenario import scenario_from_settings

    return scenario_from_settings(
        inputs=inputs, name=name, title=title, language="en" if language == "en" else "vi",
        coverage=settings["coverage"], technologies=settings["technologies"],
        resolution_m=settings["resolution_m"], gaps=settings["gaps"], placement=settings["placement"])


def scenario_input_fields(scenario: Any) -> dict[str, Any]:
    """The inputs of a loaded scenario as ScenarioInputs fields, a study folder spelt out file by file
    (a saved scenario names each file)."""
    from towerplan.workflow import STUDY_FILES

    ins = scenario.inputs
    fields: dict[str, Any] = {k: getattr(ins, k) for k in ("label", "commune_name_column") if getattr(ins, k)}
    if ins.demo is not None:
        fields["demo"] = ins.demo
    elif ins.study_folder is not None:
        folder = ins.study_folder
        fields.update({role: ((folder / n,) if role in ("dem", "stations") else folder / n)
                       for role, n in STUDY_FILES.items() if (folder / n).is_file()})
    fields.update({k: v for k, v in ins.paths().items() if k != "study_folder"})
    return fields


_ZIP_ROOT = Path("/towerplan-scenario")  # where scenario.toml lies inside the ZIP (never on disk)


def scenario_archive(scenario: Any) -> tuple[bytes, str]:
    """``(zip bytes, scenario.toml text)``: the scenario with every input file copied under ``inputs/`` (their
    stored names) and named relative to ``scenario.toml``; ``towerplan run scenario.toml`` runs it unzipped."""
    import io
    import zipfile

    ins = scenario.inputs
    members: dict[str, Path] = {}

    def place(path: Path) -> Path:
        arc = f"inputs/{path.name}"
        k = 2
        while arc in members and members[arc] != path:
            arc = f"inputs/{k}/{path.name}"
            k += 1
        members[arc] = path
        return _ZIP_ROOT / arc

    moved: dict[str, Any] = {}
    for key, value in ins.paths().items():
        if key == "study_folder":
            continue
        moved[key] = tuple(place(p) for p in value) if isinstance(value, tuple) else place(value)
    zipped = dataclasses.replace(scenario, inputs=dataclasses.replace(ins, **moved), path=_ZIP_ROOT / "scenario.toml")
    text = zipped.to_toml(relative_to=_ZIP_ROOT)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("scenario.toml", text)
        for arc, path in members.items():
            zf.write(path, arc)
            if path.suffix.lower() == ".shp":  # a shapefile's sidecars travel with it
                for side in sorted(path.parent.glob(path.stem + ".*")):
                    if side != path and side.is_file():
                        zf.write(side, arc[: -len(path.name)] + side.name)
    return buf.getvalue(), text


@dataclasses.dataclass(frozen=True)
class ScenarioLoad:
    """A scenario uploaded on the Data page after :func:`load_scenario_upload`.

    Attributes
    ----------
    name
        The user's file name (shown, never used as a path).
    scenario
        The checked :class:`~towerplan.scenario.Scenario`; None when refused.
    inputs
        Its study inputs (:meth:`Scenario.load_inputs`); None for the app's own demo (read through
        :func:`demo_inputs`) or when refused.
    resolution_m
        The analysis resolution the study is read at.
    folder
        The private folder its files were unpacked into (removed when refused).
    messages
        Why it was refused, or notes (UI language; the library's detail quoted, server folders hidden).
    """

    name: str
    scenario: Any = None
    inputs: StudyInputs | None = None
    resolution_m: float = DEMO_RESOLUTION_M
    folder: Path | None = None
    messages: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.scenario is not None

    @property
    def is_app_demo(self) -> bool:
        """The app's own demo (its seed, no file of its own, read at the demo's resolution)."""
        return self.ok and self.inputs is None


def _app_demo(scenario: Any) -> bool:
    from towerplan.demo import DEFAULT_SEED

    demo = scenario.inputs.demo
    return (demo is not None and demo.seed == DEFAULT_SEED and not scenario.inputs.paths()
            and float(demo.resolution_m) in RESOLUTIONS_M
            and scenario.resolution_m in (None, float(demo.resolution_m)) and not scenario.inputs.label)


def load_scenario_upload(name: str, data: bytes, folder: Path, language: str, *,
                         cache_dir: Path | None = None) -> ScenarioLoad:
    """Check, unpack and read an uploaded scenario (``.toml``, or ``.zip`` with ``scenario.toml`` and its
    files); never raises for a bad file.

    The file is stored (a ZIP unpacked with :func:`towerplan.safety.safe_extract`) in a fresh private
    folder under ``<folder>/scenarios``, and read with ``load_scenario(path, allowed_roots=[that folder])``:
    a path outside it (``/etc/passwd``, ``../x``, a symbolic link) is refused with the scenario's own message;
    the demo comes from towerplan's cache. A refused scenario leaves nothing behind.
    """
    from towerplan.errors import TowerplanError
    from towerplan.safety import UnsafeInputError, check_upload, safe_extract
    from towerplan.scenario import load_scenario

    allowed = tuple(f".{s}" for s in SCENARIO_TYPES)
    try:
        suffix = check_upload(name, len(data), max_bytes=MAX_UPLOAD_BYTES, allowed_suffixes=allowed)
    except UnsafeInputError as exc:
        return ScenarioLoad(name, messages=(_refusal(name, len(data), allowed, language, exc),))
    base = Path(folder) / "scenarios"
    base.mkdir(parents=True, exist_ok=True)
    private = Path(tempfile.mkdtemp(prefix="scenario-", dir=base)).resolve()
    shown = Path(name.replace("\\", "/")).name or name
    messages: list[str] = []
    try:
        if suffix == ".zip":
            safe_extract(data, private, name=shown)
            found = sorted(private.rglob("scenario.toml")) or sorted(private.rglob("*.toml"))
            found = sorted(found, key=lambda p: (len(p.parts), str(p)))
            if not found:
                raise _NoScenarioError(ui("scenario_zip_empty", language, name=shown))
            if len(found) > 1 and len(found[0].parts) == len(found[1].parts):
                raise _NoScenarioError(ui("scenario_zip_many", language, name=shown,
                                     files=", ".join(p.relative_to(private).as_posix() for p in found[:5])))
            path = found[0]
        else:
            path = private / "scenario.toml"
            path.write_bytes(data)
        with _library_warnings() as warnings:
            scenario = load_scenario(path, allowed_roots=[private])
            cache = cache_dir or CACHE_DIR
            if _app_demo(scenario) and scenario.inputs.demo is not None:
                inputs = None
                resolution = float(scenario.inputs.demo.resolution_m)
            else:
                inputs = scenario.load_inputs(cache_dir=cache)
                resolution = float(scenario.resolution_m or inputs.dem.res[0])
        notes = [ui("upload_note", language, name=shown, note=w) for w in warnings]
        return ScenarioLoad(shown, scenario, inputs, resolution, private,
                            tuple(_hide_folder(m, private, shown) for m in notes))
    except _NoScenarioError as exc:
        messages = [str(exc)]
    except TowerplanError as exc:
        messages = [ui("scenario_unusable", language, name=shown, error=_hide_folder(str(exc), private, shown))]
    except MemoryError:
        messages = [ui("upload_memory", language, name=shown)]
    except Exception as exc:  # a reader's gap must not take the page down
        log.exception("unexpected error reading scenario %r", name)
        messages = [ui("upload_unexpected", language, name=shown, error=f"{type(exc).__name__}: {exc}")]
    shutil.rmtree(private, ignore_errors=True)
    return ScenarioLoad(shown, messages=tuple(messages))


class _NoScenarioError(Exception):
    """A ZIP without one scenario file (its message is already in the UI language)."""


def _hide_folder(text: str, folder: Path, name: str) -> str:
    """``text`` with the private folder's path shown as the upload's name (server folders are not shown)."""
    shown = f"«{name}»"
    return text.replace(str(folder) + os.sep, "").replace(str(folder), shown).replace(f"{shown}, {shown}", shown)


def scenario_session_values(load: ScenarioLoad) -> dict[str, Any]:
    """What a loaded scenario changes in the session: key -> value (None: remove the key).

    The inputs (``data_inputs``: None for the app's demo; ``data_scenario`` to read them again at another
    resolution), the resolution, the pages' widget values (``<page>_widgets``; the widgets themselves are
    reset so the pages draw these) and the settings the pages do not show (``<page>_base``); earlier
    results are removed.
    """
    sc = load.scenario
    values: dict[str, Any] = {"data_inputs": load.inputs, "data_scenario": None if load.is_app_demo else sc,
                              "data_upload_paths": None, "data_dem_mosaic": None,
                              "data_resolution_m": float(load.resolution_m), "data_scenario_name": load.name}
    widgets = widgets_from_scenario(sc, load.resolution_m)
    for page, keys in SCENARIO_WIDGETS.items():
        page_values = {k: v for k, v in widgets[page].items() if v is not None}
        values[f"{page}_widgets"] = page_values
        values.update(dict.fromkeys(keys))  # the widgets are drawn again from <page>_widgets
    values.update({"cov_base": sc.coverage, "gaps_base": sc.gaps, "towers_base": sc.placement})
    values.update(dict.fromkeys(_RESULT_KEYS))
    return values


def apply_scenario(load: ScenarioLoad) -> None:
    """Make a loaded scenario the session's study and settings (see :func:`scenario_session_values`)."""
    for key, value in scenario_session_values(load).items():
        if value is None:
            st.session_state.pop(key, None)
        else:
            st.session_state[key] = value
    st.session_state["data_version"] = data_version() + 1
    pending = [u.path for u in st.session_state.get("data_handled", {}).values() if u.path is not None]
    remove_unused_uploads(pending)
    if load.folder is not None:  # earlier scenarios' files are no longer used
        for old in load.folder.parent.glob("scenario-*"):
            if old.resolve() != load.folder.resolve():
                shutil.rmtree(old, ignore_errors=True)


def current_scenario_inputs() -> dict[str, Any]:
    """The session's study as ScenarioInputs fields: the demo, the uploads (on the demo's terrain when no DEM
    was uploaded) or a loaded scenario's inputs."""
    from towerplan.demo import DEFAULT_SEED
    from towerplan.scenario import DemoInputs

    resolution = float(st.session_state.get("data_resolution_m", DEMO_RESOLUTION_M))
    demo = DemoInputs(seed=DEFAULT_SEED, resolution_m=resolution)
    if using_demo():
        return {"demo": demo}
    scenario = st.session_state.get("data_scenario")
    if scenario is not None:
        return scenario_input_fields(scenario)
    paths = st.session_state.get("data_upload_paths") or {}
    fields: dict[str, Any] = {"stations": tuple(paths.get("stations", ())), "label": current_inputs().label}
    if paths.get("dem"):
        fields.update(dem=tuple(paths["dem"]), population=paths["population"][0])
        fields.update({r: paths[r][0] for r in ("communes", "roads") if paths.get(r)})
    else:
        fields["demo"] = demo
    return fields


def current_scenario(*, present_techs: list[str]) -> Any:
    """The app's current inputs and the pages' current settings as a checked Scenario."""
    values = {**page_widgets("cov", present_techs=present_techs), **page_widgets("gaps"),
              **page_widgets("towers")}
    settings = settings_from_widgets(values, cov_base=st.session_state.get("cov_base"),
                                     gaps_base=st.session_state.get("gaps_base"),
                                     towers_base=st.session_state.get("towers_base"))
    loaded = st.session_state.get("data_scenario")
    return build_app_scenario(current_scenario_inputs(), settings, language=lang(),
                              title=f"towerplan · {input_label(current_inputs())}",
                              name=loaded.name if loaded is not None else "towerplan-app")
