"""Settings kept across pages, and the app's state saved and loaded as a scenario.

Streamlit drops a widget's value when its page is left, so each page writes its widget values to
``<page>_widgets`` on every run (:func:`remember_widgets`) and seeds missing ones from there
(:func:`seed_widgets`); settings a scenario has but the pages do not show live in ``<page>_base``.
A scenario is saved as a zip (``scenario.toml`` + ``inputs/``) or, for the demo, a plain TOML, and
loaded through :func:`load_scenario_upload`: ``safe_extract`` into a private folder of the session,
then :func:`towerplan.study.load_scenario` with ``allowed_roots`` set to that folder, so a scenario
from the browser never reads other files of the server.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from app_pages.common import (
    CACHE_DIR,
    DEMO_RESOLUTION_M,
    RESOLUTIONS_M,
    current_inputs,
    data_version,
    input_label,
    lang,
    ui,
    using_demo,
)
from app_pages.uploads import library_warnings, refusal_message, remove_unused_uploads
from towerplan.i18n_errors import error_in
from towerplan.safety import MAX_UPLOAD_BYTES
from towerplan.study import StudyInputs, StudySettings

log = logging.getLogger(__name__)


#: the pages' widget keys whose values a scenario carries, per page (the pages seed them with
#: :func:`seed_widgets` and mirror their values into ``<page>_widgets`` with :func:`remember_widgets`)
SCENARIO_WIDGETS: dict[str, tuple[str, ...]] = {
    "cov": ("cov_model", "cov_techs", "cov_threshold", "cov_resolution", "cov_indoor", "cov_body", "cov_probability",
            "cov_service", "cov_service_probability", "cov_sinr"),
    "gaps": ("gaps_min_people",),
    "towers": ("towers_budget_kind", "towers_n", "towers_bn", "towers_method", "towers_objective",
               "towers_sharing", "towers_horizon", "towers_discount"),
}
#: library defaults as the pages show them (the coverage technologies and resolution depend on the data)
WIDGET_DEFAULTS: dict[str, Any] = {
    "cov_model": "auto", "cov_threshold": -110, "cov_indoor": 0.0, "cov_body": 0.0, "cov_probability": 50,
    "cov_sinr": False,
    "cov_service": "outdoor", "cov_service_probability": 75,  # service criterion ("fixed": the threshold widgets)
    "gaps_min_people": 50,
    "towers_budget_kind": "towers", "towers_n": 5, "towers_bn": 10.0, "towers_method": "greedy",
    "towers_objective": "any", "towers_sharing": "per_operator", "towers_horizon": 10.0, "towers_discount": 10.0,
}
SCENARIO_TYPES = ("toml", "zip")
#: results a loaded scenario replaces
_RESULT_KEYS = ("cov_result", "cov_map", "cov_site_cache", "cov_site_map", "gaps_result", "gaps_map",
                "towers_result", "towers_map", "export_package", "export_scenario", "cov_radio")


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


#: the coverage page's service choices: a class of towerplan.coverage.criteria, or one fixed threshold
SERVICE_CHOICES = ("outdoor", "in_car", "indoor", "fixed")


def _service_of(values: dict[str, Any], base: Any) -> Any:
    """The ServiceSettings the widgets choose (None for a fixed threshold); ``base``'s other fields kept."""
    from towerplan.coverage.criteria import ServiceSettings

    choice = values.get("cov_service", "fixed")
    if choice not in SERVICE_CHOICES or choice == "fixed":
        return None
    service = base if base is not None else ServiceSettings()
    probability = _kept(service.location_probability * 100, values.get("cov_service_probability", 75), round)
    return dataclasses.replace(service, service_class=choice, location_probability=probability / 100.0)


def settings_from_widgets(values: dict[str, Any], *, cov_base: Any = None, gaps_base: Any = None,
                          towers_base: Any = None, service_base: Any = None,
                          speed_base: Any = None) -> StudySettings:
    """The study's settings from the pages' widget values (``values``: the three pages' keys together).

    ``*_base``: the settings a loaded scenario brought (fields the pages do not show are kept from them).
    The service widgets choose the criterion (``cov_service``: a class of
    :mod:`towerplan.coverage.criteria`, whose threshold is derived, or ``fixed``: the threshold and margin
    widgets); the gap threshold is derived from the coverage one (:meth:`StudySettings.create`).
    """
    from towerplan.coverage.config import CoverageConfig
    from towerplan.planning.gaps import GapConfig
    from towerplan.planning.shared_towers import PlacementSettings

    cov = cov_base or CoverageConfig()
    lb = cov.link_budget
    coverage = dataclasses.replace(
        cov, model=values["cov_model"], threshold_dbm=_kept(cov.threshold_dbm, values["cov_threshold"], round),
        link_budget=dataclasses.replace(
            lb, indoor_loss_db=float(values["cov_indoor"]), body_loss_db=float(values["cov_body"]),
            location_probability=_kept(lb.location_probability * 100, values["cov_probability"], round) / 100.0))
    service = _service_of(values, service_base)
    if service is not None:  # the criterion holds the losses and margin: the link budget stays neutral
        coverage = dataclasses.replace(cov, model=values["cov_model"], link_budget=dataclasses.replace(
            lb, indoor_loss_db=0.0, body_loss_db=0.0, location_probability=0.5))
    coverage = dataclasses.replace(coverage, sinr=bool(values.get("cov_sinr", cov.sinr)))
    gaps = dataclasses.replace(gaps_base or GapConfig(), min_people=float(values["gaps_min_people"]))
    towers = towers_base or PlacementSettings(max_sites=5)
    by_count = values["towers_budget_kind"] == "towers"
    placement = dataclasses.replace(
        towers, objective=values["towers_objective"], method=values["towers_method"],
        max_sites=int(values["towers_n"]) if by_count else None,
        budget_vnd=_kept((towers.budget_vnd or 0) / 1e9, values["towers_bn"], float) * 1e9 if not by_count else None,
        radio_sharing=values.get("towers_sharing", towers.radio_sharing),
        costs=dataclasses.replace(
            towers.costs, horizon_years=float(values.get("towers_horizon", towers.costs.horizon_years)),
            discount_rate=_kept(towers.costs.discount_rate * 100, values.get(
                "towers_discount", towers.costs.discount_rate * 100), float) / 100.0))
    return StudySettings.create(coverage=coverage, technologies=tuple(values["cov_techs"]) or ("4G",),
                                resolution_m=float(values["cov_resolution"]), gaps=gaps, placement=placement,
                                service=service, speed=speed_base)


def widgets_from_scenario(scenario: Any, resolution_m: float) -> dict[str, dict[str, Any]]:
    """The pages' widget values for a scenario's settings, per page (``cov``, ``gaps``, ``towers``)."""
    c = scenario.coverage
    lb = c.link_budget
    cov = {"cov_model": c.model, "cov_techs": list(scenario.technologies) if scenario.technologies else None,
           "cov_threshold": round(c.threshold_dbm), "cov_resolution": float(resolution_m),
           "cov_indoor": float(lb.indoor_loss_db), "cov_body": float(lb.body_loss_db),
           "cov_probability": round(lb.location_probability * 100), "cov_sinr": bool(c.sinr)}
    service = scenario.settings.service
    cov.update(cov_service=service.service_class if service is not None else "fixed",
               cov_service_probability=round((service.location_probability if service is not None else 0.75) * 100))
    gaps = {"gaps_min_people": round(scenario.gaps.min_people)}
    towers = dict(WIDGET_DEFAULTS)
    p = scenario.placement
    if p is not None:
        towers.update(towers_method=p.method, towers_objective=p.objective,
                      towers_budget_kind="towers" if p.max_sites is not None else "vnd",
                      towers_sharing=p.radio_sharing, towers_horizon=float(p.costs.horizon_years),
                      towers_discount=float(p.costs.discount_rate * 100))
        if p.max_sites is not None:
            towers["towers_n"] = int(p.max_sites)
        if p.budget_vnd is not None:
            towers["towers_bn"] = float(p.budget_vnd) / 1e9
    return {"cov": cov, "gaps": gaps, "towers": {k: towers[k] for k in SCENARIO_WIDGETS["towers"]}}


def build_app_scenario(inputs: dict[str, Any], settings: StudySettings, *, language: str, title: str = "",
                       name: str = "towerplan-app") -> Any:
    """A checked :class:`towerplan.study.Scenario` from the app's inputs (the fields of
    :class:`~towerplan.study.ScenarioInputs`, absolute paths) and :func:`settings_from_widgets`'s settings."""
    from towerplan.study import scenario_from_settings

    return scenario_from_settings(inputs=inputs, name=name, title=title,
                                  language="en" if language == "en" else "vi", settings=settings)


def scenario_input_fields(scenario: Any) -> dict[str, Any]:
    """The inputs of a loaded scenario as ScenarioInputs fields, a study folder spelt out file by file
    (a saved scenario names each file)."""
    from towerplan.study import STUDY_FILES

    ins = scenario.inputs
    fields: dict[str, Any] = {k: getattr(ins, k) for k in ("label", "commune_name_column") if getattr(ins, k)}
    if ins.demo is not None:
        fields["demo"] = ins.demo
    elif ins.study_folder is not None:
        folder = ins.study_folder
        fields.update({role: ((folder / n,) if role in ("dem", "stations", "landcover") else folder / n)
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
        The checked :class:`~towerplan.study.Scenario`; None when refused.
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


def _check_demo_variant(scenario: Any, shown: str, language: str) -> None:
    """A scenario from the browser may use the app's demo only (its seed, the app's resolutions):
    every other variant would be generated into the server's cache, and repeated uploads could fill
    its disk. The command line has no such limit."""
    from towerplan.demo import DEFAULT_SEED

    demo = scenario.inputs.demo
    if demo is not None and (demo.seed != DEFAULT_SEED or float(demo.resolution_m) not in RESOLUTIONS_M):
        raise _NoScenarioError(ui("scenario_demo_variant", language, name=shown, seed=DEFAULT_SEED,
                                  resolutions=", ".join(f"{r:.0f}" for r in RESOLUTIONS_M)))


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
    from towerplan.study import load_scenario

    allowed = tuple(f".{s}" for s in SCENARIO_TYPES)
    try:
        suffix = check_upload(name, len(data), max_bytes=MAX_UPLOAD_BYTES, allowed_suffixes=allowed)
    except UnsafeInputError as exc:
        return ScenarioLoad(name, messages=(refusal_message(name, len(data), allowed, language, exc),))
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
        with library_warnings() as warnings:
            scenario = load_scenario(path, allowed_roots=[private])
            _check_demo_variant(scenario, shown, language)
            cache = cache_dir or CACHE_DIR
            if _app_demo(scenario) and scenario.inputs.demo is not None:
                inputs = None
                resolution = float(scenario.inputs.demo.resolution_m)
            else:
                inputs = scenario.load_inputs(cache_dir=cache)
                resolution = float(scenario.resolution_m or inputs.dem.res[0])
        notes = [ui("upload_note", language, name=shown, note=error_in(w, language, note=True)) for w in warnings]
        return ScenarioLoad(shown, scenario, inputs, resolution, private,
                            tuple(_hide_folder(m, private, shown) for m in notes))
    except _NoScenarioError as exc:
        messages = [str(exc)]
    except TowerplanError as exc:
        messages = [ui("scenario_unusable", language, name=shown,
                       error=_hide_folder(error_in(exc, language), private, shown))]
    except MemoryError:
        messages = [ui("upload_memory", language, name=shown)]
    except Exception as exc:  # a reader's gap must not take the page down
        log.exception("unexpected error reading scenario %r", name)
        messages = [ui("upload_unexpected", language, name=shown, error=error_in(exc, language))]
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
    values.update({"cov_base": sc.coverage, "gaps_base": sc.gaps, "towers_base": sc.placement,
                   "service_base": sc.settings.service, "speed_base": sc.settings.speed})
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
    from towerplan.study import DemoInputs

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
    if paths.get("landcover"):  # an uploaded land cover (on the uploaded DEM, else the demo's terrain)
        fields["landcover"] = tuple(paths["landcover"])
    return fields


def current_scenario(*, present_techs: list[str]) -> Any:
    """The app's current inputs and the pages' current settings as a checked Scenario."""
    values = {**page_widgets("cov", present_techs=present_techs), **page_widgets("gaps"),
              **page_widgets("towers")}
    settings = settings_from_widgets(values, cov_base=st.session_state.get("cov_base"),
                                     gaps_base=st.session_state.get("gaps_base"),
                                     towers_base=st.session_state.get("towers_base"),
                                     service_base=st.session_state.get("service_base"),
                                     speed_base=st.session_state.get("speed_base"))
    loaded = st.session_state.get("data_scenario")
    return build_app_scenario(current_scenario_inputs(), settings, language=lang(),
                              title=f"towerplan · {input_label(current_inputs())}",
                              name=loaded.name if loaded is not None else "towerplan-app")
