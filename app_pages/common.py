"""Page-level helpers shared by the app pages: language, cached loaders, session data, uploads.

No business logic: the study is read and computed by :mod:`towerplan.workflow`; this
module only keeps each browser session's inputs and results in ``st.session_state``
(keys prefixed by the page that owns them: ``data_``, ``cov_``, ``gaps_``, ``towers_``,
``export_``) and turns library callbacks into progress bars.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from towerplan.demo import demo_dir
from towerplan.i18n import DEFAULT_LANG, LANGUAGES, t
from towerplan.workflow import StudyInputs, load_study_folder, load_study_inputs

CACHE_DIR = Path.home() / ".cache" / "towerplan"
DEMO_RESOLUTION_M = 90.0
RESOLUTIONS_M = (90.0, 60.0, 30.0)
#: per-file upload limit, MB (also ``server.maxUploadSize`` in .streamlit/config.toml)
MAX_UPLOAD_MB = 200
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


def set_resolution(resolution_m: float) -> None:
    """Change the analysis resolution: the demo is read at it, uploads are read again at it."""
    if float(st.session_state.get("data_resolution_m", DEMO_RESOLUTION_M)) == float(resolution_m):
        return
    st.session_state["data_resolution_m"] = float(resolution_m)
    if not using_demo():
        paths = st.session_state.get("data_upload_paths")
        if paths and paths.get("dem"):
            set_inputs(load_uploads(paths, resolution_m=resolution_m, label=current_inputs().label,
                                    report=current_inputs().station_report))
            return
    st.session_state["data_version"] = data_version() + 1


def input_label(inputs: StudyInputs) -> str:
    return tr("demo_label") if using_demo() else inputs.label


# ------------------------------------------------------------------ uploads
def session_dir() -> Path:
    """This browser session's private temporary folder (uploads, exports), reused within the session.

    Created with :func:`tempfile.mkdtemp` (mode 0700, unguessable name); users' file names never
    become paths in it (:func:`save_uploads`). Not removed when the session ends (Streamlit has no
    session-end hook): the system's temp cleaner or a server restart takes care of it.
    """
    path = st.session_state.get("data_tmpdir")
    if path is None or not Path(path).is_dir():
        path = tempfile.mkdtemp(prefix="towerplan-session-")
        st.session_state["data_tmpdir"] = path
    return Path(path)


def too_big(files: list[Any]) -> list[str]:
    """Messages for uploads over :data:`MAX_UPLOAD_MB` (checked again here, not only by the server)."""
    out = []
    for f in files:
        size_mb = f.size / 1e6
        if size_mb > MAX_UPLOAD_MB:
            out.append(tr("upload_too_big", name=f.name, size=size_mb, mb=MAX_UPLOAD_MB))
    return out


def _suffix(name: str, role: str) -> str:
    """The file's ending if it is an accepted one (the user's file name itself never becomes a path)."""
    m = re.search(r"\.([A-Za-z0-9]{1,8})$", name)
    ext = m.group(1).lower() if m else ""
    if ext not in UPLOAD_TYPES[role]:
        raise ValueError(f"{role}: unsupported file type .{ext}")
    return ext


def save_uploads(role: str, files: list[Any]) -> list[Path]:
    """Write uploads of one role into the session folder as ``<role>_<n>.<ext>``."""
    folder = session_dir() / "uploads"
    folder.mkdir(exist_ok=True)
    paths = []
    for k, f in enumerate(files, start=1):
        dest = folder / f"{role}_{k}.{_suffix(f.name, role)}"
        dest.write_bytes(f.getvalue())
        paths.append(dest)
    return paths


def load_uploads(paths: dict[str, list[Path]], *, resolution_m: float | None, label: str,
                 report: pd.DataFrame | None = None) -> StudyInputs:
    """StudyInputs from saved uploads; without a DEM, the demo's terrain, people, communes and roads
    carry the uploaded stations."""
    st.session_state["data_upload_paths"] = paths
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


def clear_session_dir() -> None:
    path = st.session_state.pop("data_tmpdir", None)
    if path:
        shutil.rmtree(path, ignore_errors=True)


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
