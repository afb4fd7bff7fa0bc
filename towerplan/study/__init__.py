"""A study: its inputs, its settings, its steps and its records.

The layer between the library's packages (``stations``, ``terrain``, ``coverage``,
``planning``, ``export``) and its two front ends (``towerplan.cli``, the Streamlit app):

- :mod:`.settings`: :class:`StudySettings`, one frozen object with every setting of a plan;
  the service criterion (``coverage.threshold_dbm``) is the gap and placement threshold.
- :mod:`.service`: that threshold derived from per-technology service criteria
  (:class:`~towerplan.coverage.criteria.ServiceSettings`, ``[service]``), and their record.
- :mod:`.inputs`: :class:`StudyInputs`, assembled once (:func:`study_inputs`) from files read
  once by role (:func:`read_input`): a folder, a scenario's files or the app's uploads;
  :mod:`.folder` finds a study folder's files and reads it (:func:`load_study_folder`).
- :mod:`.steps`: coverage, dead zones, shared towers, and :func:`run_plan` chaining them.
- :mod:`.records`: ``summary.json``, the method record and the export package.
- :mod:`.scenario` (the model), :mod:`.scenario_file` (TOML read/write), :mod:`.toml_io`
  (TOML <-> dataclasses), :mod:`.sandbox` (input paths only from allowed folders).
- :mod:`.batch`: a scenario file to a written plan package (``towerplan run``) and a study
  folder to written proposals (``towerplan place``).
"""

from __future__ import annotations

from towerplan.study.folder import load_study_folder
from towerplan.study.inputs import (
    STUDY_FILES,
    StudyInputs,
    load_study_inputs,
    read_input,
    read_study_dem,
    read_study_files,
    read_study_land_cover,
    read_study_stations,
    study_inputs,
)
from towerplan.study.records import method_record, plan_package, plan_summary, server_names
from towerplan.study.scenario import DemoInputs, Scenario, ScenarioError, ScenarioInputs, default_cache_dir
from towerplan.study.scenario_file import load_scenario, parse_scenario, save_scenario, scenario_from_settings
from towerplan.study.settings import TECHNOLOGIES, StudySettings, gap_config_for
from towerplan.study.steps import (
    PlanResults,
    Progress,
    coverage_of_stations,
    run_coverage_step,
    run_gaps_step,
    run_placement_step,
    run_plan,
    run_speed_step,
    select_technologies,
)

__all__ = [
    "STUDY_FILES",
    "TECHNOLOGIES",
    "DemoInputs",
    "PlanResults",
    "Progress",
    "Scenario",
    "ScenarioError",
    "ScenarioInputs",
    "StudyInputs",
    "StudySettings",
    "coverage_of_stations",
    "default_cache_dir",
    "gap_config_for",
    "load_scenario",
    "load_study_folder",
    "load_study_inputs",
    "method_record",
    "parse_scenario",
    "plan_package",
    "plan_summary",
    "read_input",
    "read_study_dem",
    "read_study_files",
    "read_study_land_cover",
    "read_study_stations",
    "run_coverage_step",
    "run_gaps_step",
    "run_placement_step",
    "run_speed_step",
    "run_plan",
    "save_scenario",
    "scenario_from_settings",
    "select_technologies",
    "server_names",
    "study_inputs",
]
