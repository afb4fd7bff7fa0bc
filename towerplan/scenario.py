"""Compatibility name for the scenario model and file (:mod:`towerplan.study.scenario`,
:mod:`towerplan.study.scenario_file`); the file format is described in the latter.

New code imports from :mod:`towerplan.study`; this module only re-exports its names.
"""

from __future__ import annotations

from towerplan.study.scenario import DemoInputs, Scenario, ScenarioError, ScenarioInputs, default_cache_dir
from towerplan.study.scenario_file import load_scenario, parse_scenario, save_scenario, scenario_from_settings

__all__ = [
    "DemoInputs",
    "Scenario",
    "ScenarioError",
    "ScenarioInputs",
    "default_cache_dir",
    "load_scenario",
    "parse_scenario",
    "save_scenario",
    "scenario_from_settings",
]
