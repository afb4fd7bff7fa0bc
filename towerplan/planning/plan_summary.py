"""Summary figures and tables of the provincial-plan options: upgrades, targets, phasing, switch-offs.

Small functions turning the results of :mod:`~towerplan.planning.upgrades`,
:mod:`~towerplan.planning.targets`, :mod:`~towerplan.planning.phasing` and
:mod:`~towerplan.planning.switchoff` into JSON-ready figures (``summary.json``) and tables
(CSV/XLSX, report), so the plan writers only add what was asked for.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from towerplan.planning.shared_towers import SharedTowerPlan
    from towerplan.planning.switchoff import SwitchOffImpact

__all__ = ["plan_option_tables", "switch_off_summary", "target_phasing_summary"]


def _num(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(float(value)) else None


def target_phasing_summary(plan: SharedTowerPlan) -> dict[str, Any]:
    """``upgrades``, ``target`` and ``phasing`` entries for the placement summary (only those asked for)."""
    out: dict[str, Any] = {}
    settings = plan.settings
    props = plan.result.proposals
    if settings.include_upgrades:
        kinds = plan.candidates["kind"].astype(str) if len(plan.candidates) else pd.Series(dtype=str)
        out["upgrades"] = {
            "technology": settings.radio.technology,
            "candidates": int((kinds == "upgrade").sum()),
            "proposed": int((props["kind"] == "upgrade").sum()) if len(props) else 0,
        }
    report = plan.result.target
    if settings.target is not None and report is not None:
        sel = plan.result.selection
        total = plan.result.people_total
        served_before = total - float(plan.people_without_coverage)
        reached = served_before + report.reached_weight
        out["target"] = {
            "population_share": settings.target.population_share,
            "min_households": settings.target.min_households,
            "reachable": report.reachable,
            "people_total": total,
            "people_served_before": served_before,
            "people_required_new": report.required_weight,
            "people_reachable_new": report.reachable_weight,
            "people_reached_new": report.reached_weight,
            "share_reached": reached / total if total > 0 else None,
            "share_reachable_max": (served_before + report.reachable_weight) / total if total > 0 else None,
            "people_out_of_reach": report.unreachable_weight,
            "cells_out_of_reach": len(report.unreachable_columns),
            "required_places_out_of_reach": len(report.unreachable_required),
            "cost_vnd": float(sel.cost),
            "lower_bound_cost_vnd": _num(sel.extra.get("lower_bound_cost", float("nan"))),
            "optimality_gap": _num(sel.gap),
        }
    if plan.phasing is not None:
        years = plan.phasing.years
        out["phasing"] = {
            "rule": plan.phasing.settings.rule,
            "carry_over": plan.phasing.settings.carry_over,
            "years": [{k: (int(v) if k in ("year", "sites") else _num(v)) for k, v in row.items()}
                      for row in years.to_dict(orient="records")],
            "unfunded": len(plan.phasing.unfunded),
        }
    return out


def switch_off_summary(impact: SwitchOffImpact) -> dict[str, Any]:
    """The switch-off's headline figures: what is off, people before/after/lost/gained, sites to act on,
    and the people losing every service per operator."""
    table = impact.by_commune
    per_op = table.groupby("operator", sort=True)["people_lost"].sum()
    return {
        "technologies_off": list(impact.off),
        **{k: _num(v) for k, v in impact.totals.items()},
        "people_lost_by_operator": {str(k): float(v) for k, v in per_op.items()},
        "villages_lost": _num(table.loc[table["operator"] == "all operators", "villages_lost"].sum(min_count=1)),
    }


def plan_option_tables(plan: SharedTowerPlan | None, impact: SwitchOffImpact | None) -> dict[str, pd.DataFrame]:
    """Tables for the plan package: ``switch_off`` (per commune and operator), ``switch_off_sites``,
    ``phasing_years`` and ``target_unreachable`` (only those that exist)."""
    out: dict[str, pd.DataFrame] = {}
    if impact is not None:
        out["switch_off"] = impact.by_commune.reset_index(drop=True)
        out["switch_off_sites"] = impact.sites.reset_index(drop=True)
    if plan is not None and plan.phasing is not None:
        out["phasing_years"] = plan.phasing.years.reset_index(drop=True)
    if plan is not None and plan.result.target is not None:
        rep = plan.result.target
        out["target"] = pd.DataFrame([{
            "reachable": rep.reachable, "people_required_new": rep.required_weight,
            "people_reachable_new": rep.reachable_weight, "people_reached_new": rep.reached_weight,
            "people_shortfall": rep.shortfall_weight, "people_out_of_reach": rep.unreachable_weight,
            "cells_out_of_reach": len(rep.unreachable_columns),
        }])
    return out
