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

Every village of the target is also listed with its status (``served before``, ``reached by the plan``,
``left``) and, when the plan reaches it, the proposal that does: the first in build order whose footprint
(the placement's coverage matrix row) covers the village's cell. The report and the app show this one
record (:func:`village_target_frame`), so their figures are those of ``summary.json``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from towerplan.errors import InputError
from towerplan.grid import Grid

__all__ = ["REASONS", "STATUSES", "TARGET_COLUMNS", "village_target_frame", "village_target_report"]

#: why a village of the target is left without service after the plan (module docstring)
REASONS = ("out of reach", "no people in its cell", "not chosen")
#: a target village's status after the plan
STATUSES = ("served before", "reached by the plan", "left")
#: the columns of :func:`village_target_frame`, in order
TARGET_COLUMNS = ("village_id", "name", "commune", "unit", "households", "people_in_cell", "status", "reason",
                  "proposal", "build_order", "target_year")


def _first_proposal(cell: int, demand_cells: np.ndarray | None, covers: sp.csc_matrix | None) -> int | None:
    """Row (build order, 0-based) of the first proposal whose footprint covers ``cell``, or None."""
    if covers is None or demand_cells is None or cell < 0:
        return None
    cols = np.flatnonzero(demand_cells == cell)  # one per operator group under per_operator
    rows = [covers.indices[covers.indptr[j]:covers.indptr[j + 1]] for j in cols]
    hit = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    return int(hit.min()) if hit.size else None


def village_target_report(villages: gpd.GeoDataFrame, min_households: float, *, grid: Grid,
                          demand_cells: np.ndarray | None = None,
                          unreachable_cells: np.ndarray | None = None,
                          proposal_covers: sp.spmatrix | None = None, proposal_ids: Sequence[str] | None = None,
                          target_years: Mapping[str, Any] | None = None,
                          people: Grid | None = None) -> dict[str, Any]:
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
    proposal_covers, proposal_ids
        The proposals' rows of the coverage matrix over the demand columns, in build order
        (:class:`~towerplan.planning.placement.PlacementResult` ``proposal_covers``) and their candidate ids:
        which proposal reaches each village (None: not said).
    target_years
        Candidate id -> the year phasing funds it (None or NaN: unfunded); None without phasing.
    people
        The people per cell on ``grid``'s lattice (the population the plan counts): each village's
        ``people_in_cell`` (the people of the one cell under its point, not the village's population).

    Returns
    -------
    dict
        ``min_households``, ``villages_required`` (more than N households), ``served_before``,
        ``served_after_plan``, ``reached`` (none left), ``left`` (one record per village left:
        ``village_id``, ``name``, ``commune``, ``unit``, ``households``, ``reason``), ``left_by_reason`` and
        ``villages`` (one record per village of the target, columns :data:`TARGET_COLUMNS`, left ones first, then
        those the plan reaches, then those served before; by households within each).
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
    ids = [str(i) for i in proposal_ids] if proposal_ids is not None else None
    covers = sp.csc_matrix(proposal_covers) if proposal_covers is not None and ids is not None else None
    demand_arr = np.asarray(demand_cells) if demand_cells is not None else None
    cell_people = None
    if people is not None:
        if people.values.shape != (grid.height, grid.width):
            raise InputError(f"the people grid {people.values.shape} is not on the villages' lattice "
                             f"({grid.height}, {grid.width})")
        cell_people = np.asarray(people.values, dtype=float).ravel()
    records: list[dict[str, Any]] = []
    every: list[dict[str, Any]] = []
    for i in np.flatnonzero(big):
        row = villages.iloc[i]
        named = {k: (None if row.get(k) is None else str(row.get(k))) for k in ("village_id", "name", "commune", "unit")
                 if k in villages}
        reason = None
        if left[i]:
            if int(cell[i]) in out_of_reach:
                reason = REASONS[0]
            elif demand is not None and int(cell[i]) not in demand:
                reason = REASONS[1]
            else:
                reason = REASONS[2]
            records.append({**named, "households": float(households[i]), "reason": reason})
        status = STATUSES[2] if left[i] else STATUSES[0] if before[i] else STATUSES[1]
        first = _first_proposal(int(cell[i]), demand_arr, covers) if status == STATUSES[1] else None
        proposal = ids[first] if first is not None and ids is not None and first < len(ids) else None
        order = first + 1 if first is not None and proposal is not None else None
        year = (target_years or {}).get(proposal) if proposal is not None else None
        people_here = (float(cell_people[int(cell[i])]) if cell_people is not None and cell[i] >= 0 else None)
        every.append({**{k: named.get(k) for k in ("village_id", "name", "commune", "unit")},
                      "households": float(households[i]),
                      "people_in_cell": None if people_here is None or not np.isfinite(people_here)
                      else round(people_here, 1),
                      "status": status, "reason": reason, "proposal": proposal,
                      "build_order": order,
                      "target_year": None if year is None or pd.isna(year) else int(year)})
    records.sort(key=lambda d: (-float(d["households"]), str(d.get("name", ""))))
    rank = {STATUSES[2]: 0, STATUSES[1]: 1, STATUSES[0]: 2}  # left first, then those the plan reaches
    every.sort(key=lambda d: (rank[d["status"]], -float(d["households"]), str(d.get("name") or "")))
    return {
        "min_households": float(min_households),
        "villages_required": int(big.sum()),
        "served_before": int((big & before).sum()),
        "served_after_plan": int((big & after).sum()),
        "reached": not bool(left.any()),
        "left": records,
        "left_by_reason": {reason: sum(1 for d in records if d["reason"] == reason) for reason in REASONS},
        "villages": every,
    }


def village_target_frame(record: Mapping[str, Any]) -> pd.DataFrame:
    """The village target's villages (``record``: :func:`village_target_report`'s answer, e.g. ``summary.json``'s
    ``villages.target``) as a table, columns :data:`TARGET_COLUMNS` (raw values; the report and the app
    label them in their language)."""
    rows = list(record.get("villages") or [])
    frame = pd.DataFrame(rows, columns=list(TARGET_COLUMNS))
    for col in ("households", "people_in_cell"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    for col in ("build_order", "target_year"):
        frame[col] = pd.array(pd.to_numeric(frame[col], errors="coerce"), dtype="Int64")
    return frame
