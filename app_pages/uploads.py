"""Uploads and the session's input files: check, store and read each uploaded file once, make the uploads
the session's study, read it again at another resolution, and the session's private folder.

Every upload goes through :func:`handle_upload`: checked by :mod:`towerplan.safety`, stored under a random
name in the session folder, and read once by the study layer's reader of its role
(:func:`towerplan.study.read_input`); :func:`use_uploads` assembles the values already read with
:func:`towerplan.study.study_inputs` (the one place a study's inputs are put together), so no file
is parsed twice.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import streamlit as st

from app_pages.common import (
    CACHE_DIR,
    DEMO_RESOLUTION_M,
    UPLOAD_TYPES,
    current_inputs,
    data_version,
    demo_inputs,
    lang,
    set_inputs,
    ui,
    using_demo,
)
from towerplan.grid import Grid
from towerplan.i18n_errors import error_in
from towerplan.safety import MAX_UPLOAD_BYTES
from towerplan.stations import StationLoad
from towerplan.study import StudyInputs

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ resolution
def inputs_at(resolution_m: float) -> StudyInputs:
    """The session's study at ``resolution_m``, without changing the session (uploads are read again
    when the resolution differs). Commit it with :func:`set_resolution` once a run completes."""
    from app_pages.units import with_units

    if float(st.session_state.get("data_resolution_m", DEMO_RESOLUTION_M)) == float(resolution_m):
        return current_inputs()
    if using_demo():
        return with_units(demo_inputs(float(resolution_m)))
    scenario = st.session_state.get("data_scenario")
    if scenario is not None:  # a loaded scenario's files, read again at the new resolution
        return with_units(scenario.with_resolution(float(resolution_m)).load_inputs(cache_dir=CACHE_DIR))
    paths = st.session_state.get("data_upload_paths")
    if paths and paths.get("dem"):
        return uploads_at(current_inputs(), paths, resolution_m=float(resolution_m))
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
        ``stations``, ``dem``, ``population``, ``communes``, ``roads`` or ``landcover``.
    name
        The user's file name (shown, never used as a path).
    path
        Where it is stored in the session folder; None when it was refused or could not be used.
    value
        What was read: a :class:`~towerplan.stations.StationLoad` (stations), a
        :class:`~towerplan.grid.Grid` (DEM), a :class:`~towerplan.population.PopulationAlignment`
        (population on the DEM's lattice), a GeoDataFrame (communes, roads) or a
        :class:`~towerplan.landcover.LandCover` (classes on the DEM's lattice); None when unusable.
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


@dataclasses.dataclass(frozen=True)
class DemTile:
    """One DEM file of several, checked from its header (:func:`towerplan.terrain.describe_dem_file`) and
    read only once, with the others, when the tiles are mosaicked (:func:`study_dem`)."""

    path: Path
    crs: Any
    bounds: tuple[float, float, float, float]


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
def library_warnings() -> Iterator[list[str]]:
    handler = _ThreadWarnings()
    logger = logging.getLogger("towerplan")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def _read_upload(role: str, path: Path, name: str, *, dem: Any, resolution_m: float | None,
                 language: str, check_only: bool = False) -> tuple[Any, list[str]]:
    """Read a stored upload by role with :func:`towerplan.study.read_input`: (value, problems).
    Library errors propagate. A station list's issues stay in its report (shown as a table).
    ``check_only`` (a DEM tile of several): checked, read later with the others."""
    from towerplan.study import read_input

    if role == "dem" and check_only:
        from towerplan.terrain import describe_dem_file

        crs, bounds, _ = describe_dem_file(path)
        return DemTile(path, crs, bounds), []
    if role == "population":
        if dem is None:
            return None, [ui("upload_needs_dem", language, name=name)]
        aligned = read_input("population", path, dem=dem)
        if aligned.aligned_total <= 0 < aligned.source_total:
            return None, [ui("upload_population_outside", language, name=name)]
        return aligned, []
    if role == "landcover":  # onto the study's terrain (the uploaded DEM, else the demo's); bad classes raise
        if dem is None:
            return None, [ui("upload_needs_dem", language, name=name)]
        return read_input("landcover", path, dem=dem), []
    value = read_input(role, path, resolution_m=resolution_m, name=name)
    if role == "stations" and len(value.stations) == 0:
        return value, [ui("upload_no_rows", language, name=name)]
    return value, []


def handle_upload(role: str, name: str, data: bytes, folder: Path, language: str, *, dem: Any = None,
                  resolution_m: float | None = DEMO_RESOLUTION_M, check_only: bool = False) -> Upload:
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
        ``stations``, ``dem``, ``population``, ``communes``, ``roads`` or ``landcover`` (:data:`UPLOAD_TYPES`).
    name, data
        The user's file name and the file's bytes.
    folder
        The session folder (:func:`session_dir`).
    language
        ``vi`` or ``en``: the language of the messages.
    dem
        The study's DEM (a Grid): population and land-cover rasters are moved onto its lattice.
    resolution_m
        Analysis cell size for DEMs (m).
    check_only
        A DEM tile of several: checked from its header only (value: a :class:`DemTile`); the tiles are
        read once, together, by :func:`study_dem`.
    """
    from towerplan.errors import TowerplanError
    from towerplan.safety import UnsafeInputError, check_upload, safe_upload_path

    allowed = tuple(f".{s}" for s in UPLOAD_TYPES[role])
    try:
        check_upload(name, len(data), max_bytes=MAX_UPLOAD_BYTES, allowed_suffixes=allowed)
    except UnsafeInputError as exc:
        return Upload(role, name, messages=(refusal_message(name, len(data), allowed, language, exc),))
    path: Path | None = None
    try:
        path = safe_upload_path(Path(folder) / "uploads", name, prefix=role)
        with open(path, "xb") as out:
            out.write(data)
        with library_warnings() as warnings:
            value, problems = _read_upload(role, path, name, dem=dem, resolution_m=resolution_m, language=language,
                                           check_only=check_only)
    except TowerplanError as exc:
        problems = [ui("upload_unusable", language, name=name, error=error_in(exc, language))]
        value, warnings = None, []
    except MemoryError:
        value, problems, warnings = None, [ui("upload_memory", language, name=name)], []
    except Exception as exc:  # a reader's gap must not take the page down: say so, keep the session
        log.exception("unexpected error reading upload %r (%s)", name, role)
        value, problems, warnings = None, [ui("upload_unexpected", language, name=name,
                                              error=error_in(exc, language))], []
    notes = [ui("upload_note", language, name=name, note=error_in(w, language, note=True)) for w in warnings]
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


def refusal_message(name: str, size: int, allowed: tuple[str, ...], language: str, exc: Exception) -> str:
    """The UI-language message for an upload refused by :func:`towerplan.safety.check_upload`."""
    from towerplan.resources import format_bytes

    if size <= 0:
        return ui("upload_empty", language, name=name)
    if size > MAX_UPLOAD_BYTES:
        return ui("upload_too_large", language, name=name, size=format_bytes(size),
                  limit=format_bytes(MAX_UPLOAD_BYTES))
    return ui("upload_bad_type", language, name=name, allowed=", ".join(allowed), error=error_in(exc, language))


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


def uploads_at(current: StudyInputs, paths: dict[str, list[Path]], *, resolution_m: float) -> StudyInputs:
    """The session's uploaded study at another resolution: the DEM, population and land-cover files read
    again at it; stations, communes and roads (independent of the resolution) kept as they were read."""
    from towerplan.study import read_input
    from towerplan.study.inputs import read_study_land_cover

    dem = read_input("dem", paths["dem"], resolution_m=resolution_m)
    people = read_input("population", paths["population"][0], dem=dem)
    cover = read_study_land_cover(paths.get("landcover") or None, dem)
    return dataclasses.replace(current, dem=dem, population=people.grid, land_cover=cover)


def uploads_for(role: str, files: list[Any], *, dem: Any = None) -> list[Upload]:
    """:func:`handle_upload` for the files of one uploader, once per file (kept in the session).

    Files no longer in the uploader are forgotten, and their stored copies removed unless the
    session's data uses them.
    """
    cache: dict[tuple, Upload] = st.session_state.setdefault("data_handled", {})
    resolution_m = float(st.session_state.get("data_resolution_m", DEMO_RESOLUTION_M))
    wanted = []
    out = []
    tiles = role == "dem" and len(files) > 1  # several DEM tiles: checked here, read once by study_dem
    for f in files:
        key = (role, getattr(f, "file_id", None) or f.name, int(f.size), resolution_m,
               id(dem) if role in ("population", "landcover") else "tiles" if tiles else None)
        wanted.append(key)
        if key not in cache:
            cache[key] = handle_upload(role, f.name, f.getvalue(), session_dir(), lang(), dem=dem,
                                       resolution_m=resolution_m, check_only=tiles)
        out.append(cache[key])
    in_use = {p for ps in (st.session_state.get("data_upload_paths") or {}).values() for p in ps}
    for key in [k for k in cache if k[0] == role and k not in wanted]:
        old = cache.pop(key)
        if old.path is not None and old.path not in in_use:
            with contextlib.suppress(OSError):
                old.path.unlink()
    return out


def assemble_uploads(uploads: dict[str, list[Upload]], *, label: str, stations: StationLoad, dem: Grid | None,
                     base: StudyInputs) -> tuple[StudyInputs, dict[str, list[Path]]]:
    """The study of usable uploads, from the values already read (no file is read here), and the stored
    paths it uses. ``stations``: the combined StationLoad; ``dem``: the study DEM (:func:`study_dem`;
    None: ``base``'s terrain, people, communes and roads carry the uploaded stations)."""
    from towerplan.study import study_inputs

    ok = {role: [u for u in ups if u.ok and u.path is not None] for role, ups in uploads.items()}
    paths = {role: [u.path for u in ups if u.path is not None] for role, ups in ok.items() if ups}
    files = {f"stations_{k}": p for k, p in enumerate(paths["stations"], start=1)}
    cover = ok["landcover"][0].value if ok.get("landcover") else None
    if dem is not None:
        inputs = study_inputs(
            dem=dem, population=ok["population"][0].value.grid, stations=stations,
            communes=ok["communes"][0].value if ok.get("communes") else None,
            roads=ok["roads"][0].value if ok.get("roads") else None, label=label, land_cover=cover,
            files={**files, **{f"{role}_{k}": p for role in ("dem", "population", "communes", "roads", "landcover")
                               for k, p in enumerate(paths.get(role, []), start=1)}},
        )
        return inputs, paths
    # the demo's terrain carries the uploaded stations (and an uploaded land cover, read onto it)
    lc_files = {f"landcover_{k}": p for k, p in enumerate(paths.get("landcover", []), start=1)}
    base_files = {k: v for k, v in base.files.items() if not (lc_files and k.startswith("landcover"))}
    inputs = study_inputs(
        dem=base.dem, population=base.population, stations=stations, communes=base.communes, roads=base.roads,
        exclusions=base.exclusions, user_candidates=base.user_candidates, fibre_points=base.fibre_points,
        label=label, files={**base_files, **files, **lc_files}, commune_name_column=base.commune_name_column,
        land_cover=cover if cover is not None else base.land_cover,
        origins={**{k: v for k, v in base.origins.items() if not k.startswith("stations")}, "stations": "real",
                 **({"landcover": "real"} if lc_files else {})})
    return inputs, {"stations": paths["stations"], **({"landcover": paths["landcover"]} if lc_files else {})}


def use_uploads(uploads: dict[str, list[Upload]], *, label: str, stations: StationLoad) -> None:
    """Make the usable uploads the session's data (``stations``: the combined StationLoad); the
    stored files of earlier data are removed."""
    good_dems = [u for u in uploads.get("dem", []) if u.ok and u.path is not None]
    base = demo_inputs(float(st.session_state.get("data_resolution_m", DEMO_RESOLUTION_M)))
    inputs, paths = assemble_uploads(uploads, label=label, stations=stations,
                                     dem=study_dem(good_dems) if good_dems else None, base=base)
    st.session_state["data_upload_paths"] = paths
    st.session_state.pop("data_scenario", None)
    set_inputs(inputs)
    remove_unused_uploads([p for ps in paths.values() for p in ps])


def combined_stations(station_uploads: list[Upload]) -> StationLoad | None:
    """The usable station uploads as one StationLoad (cross-file checks; no file read again)."""
    from towerplan.stations import combine_loads

    good = [u.value for u in station_uploads if u.ok]
    if not good:
        return None
    return good[0] if len(good) == 1 else combine_loads(good)


def study_dem(dem_uploads: list[Upload]) -> Any:
    """The study's DEM from usable DEM uploads: the one grid, or several tiles (checked, not yet read:
    :class:`DemTile`) mosaicked, each file read once (library errors propagate: call inside
    :func:`run_guard`)."""
    if len(dem_uploads) == 1 and isinstance(dem_uploads[0].value, Grid):
        return dem_uploads[0].value
    from towerplan.study import read_study_dem

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


