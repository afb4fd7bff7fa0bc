"""The village target of a plan: every village of more than N households served, or why not.

A placement target ``min_households`` (:class:`towerplan.planning.targets.TargetSettings`) asks for
the cheapest plan serving every village with more than N households (the dead-zone programme counts
villages, not cells). The set covering model makes each such village's cell a required column
(:func:`towerplan.study.steps.target_village_cells`); this module reads the answer back per village
from the village table (:func:`towerplan.villages.status.village_status`, its ``served_after_plan``)
and the solver's report, so the plan says which villages are still left and why:

``out of reach``
    no candidate site covers the village's cell (the target cannot be reached with the candidates
    given: add candidates, e.g. a user site or a higher mast, near it);
``no people in its cell``
    the village point falls on a cell with no people in the population raster, so it is no demand
    column the plan could be asked to cover (check the point or the raster);
``not chosen``
    a candidate covers it but the plan does not include one (a solver stopped at its time limit).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np

from towerplan.grid import Grid

__all__ = ["REASONS", "village_target_report"]

#: why a village of the target is left without service after the plan (module docstring)
REASONS = ("out of reach", "no people in its cell", "not chosen")


def village_target_report(villages: gpd.GeoDataFrame, min_households: float, *, grid: Grid,
                          demand_cells: np.ndarray | None = None,
                          unreachable_cells: np.ndarray | None = None) -> dict[str, Any]:
    """The village target's outcome (JSON-ready), with the villages left listed.

    Parameters
    ----------
    villages
        The village table of the plan (``households``, ``served_any``, ``served_after_plan``; ``name``,
        ``commune``, ``unit``, ``village_id`` when present), in ``grid``'s CRS.
    min_households
        The target: every village with more than this many households served.
    grid
        The analysis lattice (the villages' cells).
    demand_cells, unreachable_cells
        Flat cells of the placement's demand columns and of those no candidate covers
        (:class:`~towerplan.planning.placement.PlacementResult` ``demand_cells`` and the target report's
        ``unreachable_required`` mapped onto them); None: the reason is not decided (``not chosen``).

    Returns
    -------
    dict
        ``min_households``, ``villages_required`` (more than N households), ``served_before``,
        ``served_after_plan``, ``reached`` (none left), ``left`` (one record per village left:
        ``village_id``, ``name``, ``commune``, ``unit``, ``households``, ``reason``) and ``left_by_reason``.
    """
    households = villages["households"].astype(float).fillna(0.0).to_numpy()
    big = households > float(min_households)
    before = villages["served_any"].to_numpy(dtype=bool)
    after = villages["served_after_plan"].to_numpy(dtype=bool) if "served_after_plan" in villages else before
    left = big & ~after
    x, y = villages.geometry.x.to_numpy(), villages.geometry.y.to_numpy()
    r, c = grid.rowcol(x, y)
    cell = np.where((r >= 0) & (r < grid.height) & (c >= 0) & (c < grid.width),
                    np.asarray(r, dtype=np.int64) * grid.width + np.asarray(c, dtype=np.int64), -1)
    out_of_reach = set(np.asarray(unreachable_cells).tolist()) if unreachable_cells is not None else set()
    demand = set(np.asarray(demand_cells).tolist()) if demand_cells is not None else None
    records: list[dict[str, Any]] = []
    for i in np.flatnonzero(left):
        if int(cell[i]) in out_of_reach:
            reason = REASONS[0]
        elif demand is not None and int(cell[i]) not in demand:
            reason = REASONS[1]
        else:
            reason = REASONS[2]
        row = villages.iloc[i]
        records.append({
            **{k: (None if row.get(k) is None else str(row.get(k))) for k in ("village_id", "name", "commune", "unit")
               if k in villages},
            "households": float(households[i]), "reason": reason,
        })
    records.sort(key=lambda d: (-float(d["households"]), str(d.get("name", ""))))
    return {
        "min_households": float(min_households),
        "villages_required": int(big.sum()),
        "served_before": int((big & before).sum()),
        "served_after_plan": int((big & after).sum()),
        "reached": not bool(left.any()),
        "left": records,
        "left_by_reason": {reason: sum(1 for d in records if d["reason"] == reason) for reason in REASONS},
    }
