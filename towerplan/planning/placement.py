"""Shared-tower placement: the GeoDataFrame adapter around :func:`~towerplan.planning.optimize.choose_sites`.

Builds the demand, the coverage matrix and the costs from planning inputs, solves,
and reads the answer back as proposals with people newly covered per operator,
costs and a build order.

Objectives
----------
``any``
    Universal service: a demand is a populated cell no operator covers; weight =
    its people. A chosen site serves the subscribers of every operator not already
    on it, so that everybody counted as covered is served: with one radio set per
    operator (``radio_sharing="per_operator"``, the default) or one shared radio set
    (``"shared"``: MOCN/MORAN RAN sharing), costed accordingly
    (:func:`~towerplan.planning.costs.candidate_costs`).
``per_operator``
    What operators pay for: a demand is a (cell, operator) pair where that operator
    does not cover the populated cell; a candidate hosts every operator not already
    on it (all of them on a new mast), so a shared tower that closes several
    operators' gaps at once counts each of them, and costs one equipment set per
    tenant.
``backup``
    Resilience: people covered by two or more operators. A demand is a populated cell
    that fewer than two operators cover now; weight = its people. As for
    ``per_operator``, a candidate hosts every operator not already on it and costs one
    equipment set per tenant. A cell that **one** operator ``o`` covers is covered by a
    candidate that reaches it and hosts some operator other than ``o``; a cell that
    **no** operator covers is covered only by a candidate that reaches it and hosts at
    least two operators (a single site brings both). This keeps the model a maximal
    covering problem (one site suffices per demand), at the price of a conservative
    count: two chosen sites each bringing one operator to the same empty cell do not
    count it. Needs at least two operators.
``speed``
    The national speed targets (Decision 36/QĐ-TTg): a demand is a populated cell where no
    operator's user throughput meets the target of the candidate radio's technology; weight =
    its people. A candidate covers it when its level there reaches the level a new carrier
    needs for the target against the interference and noise there
    (:mod:`towerplan.planning.speed_objective`, passed as ``speed``). One radio is costed, as
    for ``any``.

Locked-in candidates (``locked_in``) are already decided: before the demand is built,
the cells each covers count as covered by every operator it hosts; they are never
proposed and are not charged to the budget.

Equal coverage is broken by cost (the ``budget_basis`` total of the cost model) with
either method, with or without a money budget (``tie_costs`` of
:func:`~towerplan.planning.optimize.choose_sites`).

Backhaul: when the candidate table carries ``fibre_route_m`` / ``microwave_m`` (from
:func:`towerplan.planning.backhaul.compute_backhaul`) they are priced by
:func:`~towerplan.planning.costs.candidate_costs`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.service import served
from towerplan.errors import InputError
from towerplan.grid import Grid
from towerplan.planning.costs import CostModel, RadioSharing
from towerplan.planning.matrix import CandidateRadio
from towerplan.planning.optimize import Selection, choose_sites
from towerplan.planning.speed_objective import SpeedDemand
from towerplan.planning.targets import TargetReport, TargetSettings, cover_target
from towerplan.planning.upgrades import UpgradeCosts, coverage_matrix_mixed, price_candidates

__all__ = ["PlacementResult", "plan_towers"]

log = logging.getLogger(__name__)

Objective = Literal["any", "per_operator", "backup", "speed"]
_DEFAULT_RADIO = CandidateRadio()
_DEFAULT_COSTS = CostModel()
_DEFAULT_UPGRADES = UpgradeCosts()
#: cost totals of each proposal besides ``cost_vnd`` (the budget basis)
_COST_TOTALS = ("capex_vnd", "opex_per_year_vnd", "present_value_vnd")


@dataclass(frozen=True, eq=False)
class PlacementResult:
    """Proposals in build order, the coverage-vs-towers curve and the solver's answer.

    Attributes
    ----------
    proposals
        Chosen sites in build order (candidate CRS): ``build_order``, ``candidate_id``, ``kind``,
        ``lon``/``lat``, ``mast_height_m``, ``operators_hosted`` (every operator whose subscribers the
        site serves, comma-separated), ``radio_sharing``, ``tenants_costed`` (radio sets costed: one per
        operator, or one shared), ``people_newly_covered`` (and ``people_<operator>`` for
        ``per_operator``), ``cost_vnd`` (the cost model's ``budget_basis`` total), ``capex_vnd``,
        ``opex_per_year_vnd``, ``present_value_vnd``, ``cumulative_cost_vnd``, ``vnd_per_person``,
        ``backhaul``.
    curve
        After each site in build order: ``towers``, ``candidate_id``, ``people_newly_covered``
        and ``cost_vnd`` (both cumulative; ``cumulative_cost_vnd`` is the same as ``cost_vnd``,
        named explicitly).
    selection
        The solver's :class:`~towerplan.optimize.Selection` (indices into the candidate table).
    objective
        The objective solved.
    demand_weight
        People (person-operator pairs for ``per_operator``) still to cover after locked-in sites.
    candidate_costs
        :func:`~towerplan.planning.costs.candidate_costs` of every candidate (as charged).
    locked_in
        Candidate ids counted as built before choosing.
    """

    proposals: gpd.GeoDataFrame
    curve: pd.DataFrame
    selection: Selection
    objective: str
    demand_weight: float  #: people (or people x operators for ``per_operator``) still to cover
    candidate_costs: pd.DataFrame | None = None
    locked_in: tuple[str, ...] = ()
    #: with a target: whether and how far it is reached (:class:`~towerplan.planning.targets.TargetReport`)
    target: TargetReport | None = None
    #: rows of the proposals (build order) over the demand columns, and the demand weights (for phasing)
    proposal_covers: sp.csr_matrix | None = None
    demand_weights: np.ndarray | None = None
    #: all the people of the grid and those served before the proposals (objective ``any``)
    people_total: float = float("nan")
    #: flat cell index (DEM lattice) of each demand column
    demand_cells: np.ndarray | None = None


def _hosts(candidates: pd.DataFrame, operators: list[str]) -> list[list[str]]:
    """Operators a candidate would host: those not on the tower yet; an upgrade only its own operator."""
    out = []
    own = candidates.get("upgrade_operator", pd.Series("", index=candidates.index)).fillna("").astype(str)
    for present, upgrade in zip(candidates.get("operators_present", pd.Series("", index=candidates.index)).fillna(""),
                                own, strict=True):
        if upgrade:
            out.append([upgrade] if upgrade in operators else [])
            continue
        have = {p for p in str(present).split(",") if p}
        out.append([op for op in operators if op not in have])
    return out


def _host_rows(hosts: list[list[str]], keep) -> sp.dia_matrix:
    """Diagonal 0/1 matrix selecting the candidates for which ``keep(hosted operators)`` holds."""
    return sp.diags(np.array([bool(keep(h)) for h in hosts], dtype=float))


def _hosts_op(hosted: list[str], *, op: str) -> bool:
    return op in hosted


def _hosts_two(hosted: list[str]) -> bool:
    return len(hosted) >= 2


def _hosts_other_than(hosted: list[str], *, op: str) -> bool:
    return any(o != op for o in hosted)


def _column(a: np.ndarray | pd.Series | None) -> np.ndarray | None:
    return None if a is None else np.asarray(a, dtype=float)


def _not_reached(covers: sp.csr_matrix, rows: list[int]) -> np.ndarray:
    """Columns no row of ``rows`` reaches (the speed demand left after the locked-in sites)."""
    out = np.ones(covers.shape[1], dtype=bool)
    for i in rows:
        out[covers.indices[covers.indptr[i] : covers.indptr[i + 1]]] = False
    return out


def _check_objective(objective: str, operators: list[str], n_candidates: int, speed: SpeedDemand | None,
                     shape: tuple[int, int]) -> None:
    if objective not in ("any", "per_operator", "backup", "speed"):
        raise InputError(f"objective must be 'any', 'per_operator', 'backup' or 'speed', got {objective!r}")
    if objective == "speed" and (speed is None or np.shape(speed.below_target) != shape):
        raise InputError("the speed objective needs the speed demand on the DEM's lattice (a coverage run with SINR)")
    if objective == "backup" and len(operators) < 2:
        raise InputError(f"the backup objective needs at least two operators; the coverage has only {operators}")
    if n_candidates == 0:
        raise InputError("no candidate sites")


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
    locked_in: tuple[str, ...] = (),
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 1e-4,
    progress: Callable[[int, int], None] | None = None,
    upgrade_costs: UpgradeCosts = _DEFAULT_UPGRADES,
    coverage_target: TargetSettings | None = None,
    required_cells: np.ndarray | None = None,
    speed: SpeedDemand | None = None,
    radio_sharing: RadioSharing = "per_operator",
    clutter: ClutterGrid | None = None,
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
        ``mast_height_m``, ``operators_present``, ``road_distance_m``; optional backhaul
        columns ``fibre_route_m``, ``microwave_m``).
    objective, radio_sharing
        ``any``, ``per_operator``, ``backup`` or ``speed``; radios ``per_operator`` or ``shared`` (module
        docstring).
    must_include, forbidden
        Candidate ids forced in / out.
    locked_in
        Candidate ids already built: their coverage counts before choosing (module docstring).
    progress, clutter
        Called with (done, total) while the coverage matrix is computed; the land cover (as for ``levels``).
    upgrade_costs
        Prices of ``upgrade`` candidates (:mod:`towerplan.planning.upgrades`).
    coverage_target, required_cells
        Instead of the budget, the least-cost plan reaching ``coverage_target`` (objective ``any``;
        :func:`~towerplan.planning.targets.cover_target`); ``required_cells`` are flat indices on the
        DEM's lattice that must be served (the cells of the villages the target names).
    speed
        The speed objective's demand and level requirement (objective ``speed`` only).
    """
    config = config or CoverageConfig()
    if coverage_target is not None and objective != "any":
        raise InputError(f"a coverage target is set on people served (objective 'any'), not {objective!r}")
    if not population.same_lattice(dem):
        raise InputError("population and DEM must be on the same lattice (align the population first)")
    operators = sorted(levels)
    if not operators:
        raise InputError("no current coverage given: pass one level grid per operator")
    _check_objective(objective, operators, len(candidates), speed, dem.shape)
    ids = candidates["candidate_id"].astype(str).tolist()
    index = {cid: i for i, cid in enumerate(ids)}
    unknown = [c for c in (*must_include, *forbidden, *locked_in) if c not in index]
    if unknown:
        raise InputError(f"unknown candidate ids: {unknown[:10]}")
    clash = sorted(set(locked_in) & (set(must_include) | set(forbidden)))
    if clash:
        raise InputError(f"locked-in candidates cannot also be must-include or forbidden: {clash[:10]}")
    people = population.masked(fill=0.0)
    covered = {op: served(levels[op], config.threshold_dbm) for op in operators}
    count_now = np.sum([covered[op] for op in operators], axis=0)
    target = 2 if objective == "backup" else len(operators)
    need = (people > 0) & (speed.below_target if speed is not None and objective == "speed" else count_now < target)
    geo_cov, cells = coverage_matrix_mixed(
        dem, candidates, need, radio=radio, config=config, progress=progress,
        min_level_dbm=speed.required_level_dbm if objective == "speed" and speed else None, clutter=clutter)
    flat_people = people.ravel()[cells]
    hosts = _hosts(candidates, operators)
    # coverage per operator at the demand columns, with the locked-in sites counted as built
    cov = {op: covered[op].ravel()[cells].copy() for op in operators}
    locked = [index[c] for c in locked_in]
    for i in locked:
        reach = geo_cov.indices[geo_cov.indptr[i] : geo_cov.indptr[i + 1]]
        for op in hosts[i]:
            cov[op][reach] = True
    n_cov = np.sum([cov[op] for op in operators], axis=0) if cells.size else np.zeros(0, dtype=int)
    labels: list[tuple[str, np.ndarray]] = []
    if objective in ("any", "speed"):
        demand_ok = n_cov == 0 if objective == "any" else _not_reached(geo_cov, locked)
        covers = geo_cov[:, np.flatnonzero(demand_ok)]
        weights = flat_people[demand_ok]
        labels = [("any", np.flatnonzero(demand_ok))]
    else:
        blocks, wblocks = [], []
        groups: list[tuple[str, np.ndarray, Callable[[list[str]], bool]]]
        if objective == "per_operator":
            groups = [(op, ~cov[op], partial(_hosts_op, op=op)) for op in operators]
        else:  # backup
            groups = [("none", n_cov == 0, _hosts_two)]
            groups += [(f"only_{op}", (n_cov == 1) & cov[op], partial(_hosts_other_than, op=op))
                       for op in operators]
        for name, ok, keep in groups:
            cols = np.flatnonzero(ok)
            blocks.append((_host_rows(hosts, keep) @ geo_cov[:, cols]).astype(bool))
            wblocks.append(flat_people[cols])
            labels.append((name, cols))
        covers = sp.hstack(blocks, format="csr")
        weights = np.concatenate(wblocks)
    tenants = np.array([len(h) for h in hosts])  # every operator wanted is served, under `any` too
    covers = sp.csr_matrix(covers)
    covers.sort_indices()
    costs = price_candidates(
        candidates, model=cost_model, upgrade=upgrade_costs, new_tenants=np.maximum(tenants, 1),
        radio_sharing=radio_sharing, fibre_route_m=_column(candidates.get("fibre_route_m")),
        microwave_m=_column(candidates.get("microwave_m")),
    )
    no_tenant = [i for i, t in enumerate(tenants) if t == 0]
    out_ids = sorted({index[c] for c in forbidden} | set(no_tenant) | set(locked))
    report = None
    if coverage_target is not None:
        solved = _solve_target(covers, weights, costs["total_vnd"].to_numpy(), people, cells, labels, coverage_target,
                               required_cells, method=method, must=[index[c] for c in must_include],
                               forbidden=out_ids, time_limit_s=time_limit_s)
        sel, report = solved.selection, solved.report
    else:
        sel = choose_sites(
            covers, weights, max_sites=max_sites, costs=costs["total_vnd"].to_numpy() if budget_vnd else None,
            budget=budget_vnd, method=method, must_include=[index[c] for c in must_include],
            forbidden=out_ids, time_limit_s=time_limit_s, tie_costs=costs["total_vnd"].to_numpy(),
            mip_rel_gap=mip_rel_gap,
        )
    proposals, curve = _read_back(covers, weights, labels, sel, costs, candidates, hosts, objective, radio_sharing)
    return PlacementResult(proposals, curve, sel, objective, float(weights.sum()), costs, tuple(locked_in),
                           target=report, proposal_covers=covers[list(sel.sites)].tocsr(), demand_weights=weights,
                           people_total=float(people.sum()),
                           demand_cells=np.concatenate([cells[lab[1]] for lab in labels]) if labels else None)


def _read_back(covers: sp.csr_matrix, weights: np.ndarray, labels: list[tuple[str, np.ndarray]], sel: Selection,
               costs: pd.DataFrame, candidates: gpd.GeoDataFrame, hosts: list[list[str]], objective: str,
               radio_sharing: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The proposals (newly covered people per operator, in build order) and the coverage-versus-cost curve."""
    ids = candidates["candidate_id"].astype(str).tolist()
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
            "mast_height_m": cand["mast_height_m"], "operators_hosted": ",".join(hosts[i]),
            "radio_sharing": radio_sharing, "tenants_costed": int(costs.radios.iloc[i]), "people_newly_covered": total,
            **({f"people_{op}": v for op, v in per_op.items()} if objective == "per_operator" else {}),
            "cost_vnd": cost, **{c: float(costs[c].iloc[i]) for c in _COST_TOTALS},
            "vnd_per_person": cost / total if total > 0 else float("inf"),
            "backhaul": costs["backhaul"].iloc[i],
        })
    props = pd.DataFrame(rows)
    if len(props):
        props.insert(props.columns.get_loc("vnd_per_person"), "cumulative_cost_vnd", props["cost_vnd"].cumsum())
    geom = candidates.geometry.iloc[list(sel.sites)].to_numpy() if len(sel.sites) else []
    proposals = gpd.GeoDataFrame(props, geometry=list(geom), crs=candidates.crs)
    cum_cost = props["cost_vnd"].cumsum().to_numpy() if len(props) else np.zeros(0)
    curve = pd.DataFrame({
        "towers": np.arange(1, len(sel.sites) + 1),
        "candidate_id": props["candidate_id"].to_numpy() if len(props) else np.zeros(0, dtype=object),
        "people_newly_covered": props["people_newly_covered"].cumsum().to_numpy() if len(props) else np.zeros(0),
        "cost_vnd": cum_cost,
        "cumulative_cost_vnd": cum_cost,
    })
    return proposals, curve


def _solve_target(covers: sp.csr_matrix, weights: np.ndarray, costs: np.ndarray, people: np.ndarray,
                  cells: np.ndarray, labels: list[tuple[str, np.ndarray]], target: TargetSettings,
                  required_cells: np.ndarray | None, *, method: str, must: list[int], forbidden: list[int],
                  time_limit_s: float):
    """The least-cost plan for ``target`` (objective ``any``: the demand columns are the unserved cells)."""
    total = float(people.sum())
    need = 0.0
    if target.population_share is not None:  # served now = total - unserved (the demand's weight)
        need = float(weights.sum()) - (1.0 - target.population_share) * total
    required: list[int] = []
    if required_cells is not None and len(required_cells):
        demand_cells = cells[labels[0][1]]
        required = np.flatnonzero(np.isin(demand_cells, np.asarray(required_cells))).tolist()
    return cover_target(covers, weights, costs, required_weight=need, required_columns=required,
                        method=method, must_include=must, forbidden=forbidden,  # type: ignore[arg-type]
                        time_limit_s=time_limit_s)
