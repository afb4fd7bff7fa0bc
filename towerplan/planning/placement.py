"""Shared-tower placement: the GeoDataFrame adapter around :func:`~towerplan.planning.optimize.choose_sites`.

Builds the demand, the coverage matrix and the costs from planning inputs, solves,
and reads the answer back as proposals with people newly covered per operator,
costs and a build order.

Objectives
----------
``any``
    Universal service: a demand is a populated cell no operator covers; weight =
    its people. A chosen site installs one operator's (or a neutral host's) radio.
``per_operator``
    What operators pay for: a demand is a (cell, operator) pair where that operator
    does not cover the populated cell; a candidate hosts every operator not already
    on it (all of them on a new mast), so a shared tower that closes several
    operators' gaps at once counts each of them, and costs one equipment set per
    tenant.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from towerplan.coverage.config import CoverageConfig
from towerplan.errors import InputError
from towerplan.grid import Grid
from towerplan.planning.costs import CostModel, candidate_costs
from towerplan.planning.matrix import CandidateRadio, coverage_matrix
from towerplan.planning.optimize import Selection, choose_sites

__all__ = ["PlacementResult", "plan_towers"]

log = logging.getLogger(__name__)

Objective = Literal["any", "per_operator"]
_DEFAULT_RADIO = CandidateRadio()
_DEFAULT_COSTS = CostModel()


@dataclass(frozen=True, eq=False)
class PlacementResult:
    """Proposals in build order, the coverage-vs-towers curve and the solver's answer."""

    proposals: gpd.GeoDataFrame
    curve: pd.DataFrame
    selection: Selection
    objective: str
    demand_weight: float  #: people (or people x operators for ``per_operator``) still to cover


def _hosts(candidates: pd.DataFrame, operators: list[str]) -> list[list[str]]:
    out = []
    for present in candidates.get("operators_present", pd.Series("", index=candidates.index)).fillna(""):
        have = {p for p in str(present).split(",") if p}
        out.append([op for op in operators if op not in have])
    return out


def plan_towers(
    dem: Grid,
    population: Grid,
    levels: dict[str, Grid],
    candidates: gpd.GeoDataFrame,
    *,
    objective: Objective = "any",
    max_sites: int | None = None,
    budget_vnd: float | None = None,
    method: Literal["greedy", "ilp"] = "greedy",
    config: CoverageConfig | None = None,
    radio: CandidateRadio = _DEFAULT_RADIO,
    cost_model: CostModel = _DEFAULT_COSTS,
    must_include: tuple[str, ...] = (),
    forbidden: tuple[str, ...] = (),
    time_limit_s: float = 60.0,
) -> PlacementResult:
    """Choose candidate sites that newly cover the most people under a tower count and/or a VND budget.

    Parameters
    ----------
    dem, population
        Terrain and people per cell on the same lattice.
    levels
        Current coverage: operator -> Grid of the best level (dBm, NaN = none) on that lattice.
    candidates
        From :mod:`towerplan.planning.candidates` (``kind``, ``candidate_id``, ``lon``/``lat``,
        ``mast_height_m``, ``operators_present``, ``road_distance_m``).
    objective
        ``any`` or ``per_operator`` (module docstring).
    must_include, forbidden
        Candidate ids forced in / out.
    """
    config = config or CoverageConfig()
    if not population.same_lattice(dem):
        raise InputError("population and DEM must be on the same lattice (align the population first)")
    operators = sorted(levels)
    if not operators:
        raise InputError("no current coverage given: pass one level grid per operator")
    if len(candidates) == 0:
        raise InputError("no candidate sites")
    people = population.masked(fill=0.0)
    covered = {op: np.isfinite(levels[op].values) & (levels[op].values >= config.threshold_dbm) for op in operators}
    any_cov = np.logical_or.reduce([covered[op] for op in operators])
    need = (people > 0) & ~np.logical_and.reduce([covered[op] for op in operators])
    geo_cov, cells = coverage_matrix(dem, candidates, need, radio=radio, config=config)
    flat_people = people.ravel()[cells]
    hosts = _hosts(candidates, operators)
    if objective == "any":
        demand_ok = ~any_cov.ravel()[cells]
        covers = geo_cov[:, np.flatnonzero(demand_ok)]
        weights = flat_people[demand_ok]
        tenants = np.array([1 if h else 0 for h in hosts])
        labels = [("any", np.flatnonzero(demand_ok))]
    elif objective == "per_operator":
        blocks, wblocks, labels = [], [], []
        for op in operators:
            ok = ~covered[op].ravel()[cells]
            host_k = sp.diags(np.array([op in h for h in hosts], dtype=float))
            blocks.append((host_k @ geo_cov[:, np.flatnonzero(ok)]).astype(bool))
            wblocks.append(flat_people[ok])
            labels.append((op, np.flatnonzero(ok)))
        covers = sp.hstack(blocks, format="csr")
        weights = np.concatenate(wblocks)
        tenants = np.array([len(h) for h in hosts])
    else:
        raise InputError(f"objective must be 'any' or 'per_operator', got {objective!r}")
    costs = candidate_costs(candidates, model=cost_model, new_tenants=np.maximum(tenants, 1))
    ids = candidates["candidate_id"].astype(str).tolist()
    index = {cid: i for i, cid in enumerate(ids)}
    unknown = [c for c in (*must_include, *forbidden) if c not in index]
    if unknown:
        raise InputError(f"unknown candidate ids: {unknown[:10]}")
    no_tenant = [i for i, t in enumerate(tenants) if t == 0]
    sel = choose_sites(
        covers, weights, max_sites=max_sites, costs=costs["total_vnd"].to_numpy() if budget_vnd else None,
        budget=budget_vnd, method=method, must_include=[index[c] for c in must_include],
        forbidden=sorted({index[c] for c in forbidden} | set(no_tenant)), time_limit_s=time_limit_s,
    )
    # read back: newly covered people per operator, in build order
    taken = np.zeros(covers.shape[1], dtype=bool)
    rows = []
    offsets = np.cumsum([0, *[lab[1].size for lab in labels]])
    for order, i in enumerate(sel.sites, start=1):
        idx = covers.indices[covers.indptr[i] : covers.indptr[i + 1]]
        new = idx[~taken[idx]]
        taken[new] = True
        per_op = {lab[0]: float(weights[new[(new >= offsets[k]) & (new < offsets[k + 1])]].sum())
                  for k, lab in enumerate(labels)}
        total = float(weights[new].sum())
        cost = float(costs["total_vnd"].iloc[i])
        cand = candidates.iloc[i]
        rows.append({
            "build_order": order, "candidate_id": ids[i], "kind": cand["kind"], "lon": cand["lon"], "lat": cand["lat"],
            "mast_height_m": cand["mast_height_m"], "operators_hosted": ",".join(hosts[i]) if objective != "any"
            else (hosts[i][0] if hosts[i] else ""), "people_newly_covered": total,
            **{f"people_{op}": v for op, v in per_op.items() if op != "any"},
            "cost_vnd": cost, "vnd_per_person": cost / total if total > 0 else float("inf"),
            "backhaul": costs["backhaul"].iloc[i],
        })
    props = pd.DataFrame(rows)
    geom = candidates.geometry.iloc[list(sel.sites)].to_numpy() if len(sel.sites) else []
    proposals = gpd.GeoDataFrame(props, geometry=list(geom), crs=candidates.crs)
    curve = pd.DataFrame({
        "towers": np.arange(1, len(sel.sites) + 1),
        "people_newly_covered": np.cumsum(props["people_newly_covered"]) if len(props) else [],
        "cost_vnd": np.cumsum(props["cost_vnd"]) if len(props) else [],
    })
    return PlacementResult(proposals, curve, sel, objective, float(weights.sum()))
