"""Compatibility name for :mod:`towerplan.study` (the study layer: inputs, settings, steps, records).

New code imports from :mod:`towerplan.study`; this module only re-exports its names.
"""

from __future__ import annotations

from towerplan.study import (
    STUDY_FILES,
    TECHNOLOGIES,
    PlanResults,
    Progress,
    StudyInputs,
    StudySettings,
    coverage_of_stations,
    load_study_folder,
    load_study_inputs,
    method_record,
    plan_package,
    plan_summary,
    read_study_dem,
    read_study_stations,
    run_coverage_step,
    run_gaps_step,
    run_placement_step,
    run_plan,
    select_technologies,
    server_names,
)

__all__ = [
    "STUDY_FILES",
    "TECHNOLOGIES",
    "PlanResults",
    "Progress",
    "StudyInputs",
    "StudySettings",
    "coverage_of_stations",
    "load_study_folder",
    "load_study_inputs",
    "method_record",
    "plan_package",
    "plan_summary",
    "read_study_dem",
    "read_study_stations",
    "run_coverage_step",
    "run_gaps_step",
    "run_placement_step",
    "run_plan",
    "select_technologies",
    "server_names",
]
