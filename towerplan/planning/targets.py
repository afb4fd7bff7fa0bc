"""Least cost to reach a coverage target: set covering on the placement's coverage matrix.

Where :func:`~towerplan.planning.optimize.choose_sites` answers "the most people for a
budget" (maximal covering), :func:`cover_target` answers "the cheapest set of sites that
reaches a target": a share of the people (Decision 36/QĐ-TTg of 2024, the national digital
infrastructure strategy to 2025 with a vision to 2030, sets 5G for 99 % of the population by
2030), or every listed place (e.g. every village of more than N households) served. On the
same candidates x demand matrix ``a_ij`` (candidate i covers demand cell j)::

    min  Σ_i c_i x_i
    s.t. y_j <= Σ_{i covers j} x_i          for every demand column j
         Σ_j w_j y_j >= W                    (the weight still to cover)
         y_j = 1                             for every required column (a listed village's cell)
         x_i ∈ {0, 1},  0 <= y_j <= 1

This is the partial set covering problem (Slavík 1997, "Improved performance of the greedy
algorithm for partial cover", Information Processing Letters 64(5), 251-254) with a set of
columns that must be covered in full (the classical set covering of Toregas et al. 1971,
"The location of emergency service facilities", Operations Research 19(6)). Methods:

``greedy``
    Chvátal's cost-effectiveness greedy (Chvátal 1979, "A greedy heuristic for the
    set-covering problem", Mathematics of Operations Research 4(3), 233-235): first the
    required columns (uncovered required columns per VND), then the weight (the still-needed
    weight a site adds, capped at what is missing, per VND); within H(n) of the optimum.
    Sites made redundant by later ones are then dropped, most expensive first.
``ilp``
    The model above with HiGHS, warm-started from the greedy answer, within a time limit;
    the result carries HiGHS's proven lower bound on the cost and the relative gap.

When the target cannot be reached with the candidates given (the people no candidate covers
weigh more than the slack, or a required column has no candidate), nothing is hidden:
:class:`TargetReport` says by how much (the best share reachable, the weight and the columns
out of reach of every candidate) and the plan solved is the cheapest that reaches the most the
candidates can reach.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp

from towerplan.errors import ConfigError, InputError
from towerplan.planning.optimize import InfeasibleError, Selection, new_highs, reduce_demand, set_warm_start

__all__ = ["TargetReport", "TargetSettings", "TargetSolution", "cover_target"]

log = logging.getLogger(__name__)

#: relative slack on the weight constraint (floating sums of people)
_TOL = 1e-9


@dataclass(frozen=True)
class TargetSettings:
    """A coverage target for the placement (``[placement.target]`` in a scenario).

    Parameters
    ----------
    population_share
        Share (0-1] of all the people of the study area to be served by the planned technology
        at the end (existing coverage and locked-in sites count), e.g. 0.99 for Decision 36/QĐ-TTg's
        5G goal. None: no population target.
    min_households
        Every village with more than this many households must be served (needs a village layer
        with a ``households`` column). None: no village target.
    """

    population_share: float | None = None
    min_households: float | None = None

    def __post_init__(self) -> None:
        s = self.population_share
        if s is not None and not (isinstance(s, (int, float)) and math.isfinite(s) and 0.0 < s <= 1.0):
            raise ConfigError(f"target population_share must be within (0, 1], got {s!r}")
        h = self.min_households
        if h is not None and not (isinstance(h, (int, float)) and math.isfinite(h) and h >= 0.0):
            raise ConfigError(f"target min_households must be a number >= 0, got {h!r}")
        if s is None and h is None:
            raise ConfigError("a target needs population_share and/or min_households")


@dataclass(frozen=True)
class TargetReport:
    """Whether a target can be reached with the candidates given, and if not by how much.

    Weights are in the demand's unit (people). ``unreachable_columns`` are indices into the
    demand columns passed to :func:`cover_target` that no allowed candidate covers;
    ``unreachable_required`` the required ones among them.
    """

    required_weight: float
    reachable_weight: float
    reached_weight: float
    reachable: bool
    unreachable_weight: float
    unreachable_columns: tuple[int, ...] = ()
    unreachable_required: tuple[int, ...] = ()

    @property
    def shortfall_weight(self) -> float:
        """Weight missing from the target after the plan (0 when reached)."""
        return max(0.0, self.required_weight - self.reached_weight)


@dataclass(frozen=True)
class TargetSolution:
    """The answer of :func:`cover_target`: the sites (a :class:`Selection`) and the target report.

    ``selection.cost`` is the plan's cost, ``selection.extra['lower_bound_cost']`` a proven lower
    bound on the least cost (ILP; NaN for greedy) and ``selection.gap`` the relative gap between them.
    """

    selection: Selection
    report: TargetReport
    extra: dict[str, float] = field(default_factory=dict)


# ------------------------------------------------------------------ greedy
def _greedy_cover(rows: sp.csr_matrix, w: np.ndarray, req: np.ndarray, costs: np.ndarray, *, need: float,
                  must: np.ndarray, allowed: np.ndarray) -> list[int]:
    """Chvátal's ratio greedy: required columns first, then weight (capped at what is missing)."""
    covered = np.zeros(w.size, dtype=bool)
    chosen: list[int] = []

    def take(i: int) -> None:
        covered[rows.indices[rows.indptr[i]:rows.indptr[i + 1]]] = True
        chosen.append(int(i))

    for i in must:
        take(int(i))
    free = np.flatnonzero(allowed & ~np.isin(np.arange(rows.shape[0]), must))
    # phase 1: every reachable required column (cost per newly covered required column)
    reachable_req = req & (np.bincount(rows.indices, minlength=w.size) > 0)
    while (reachable_req & ~covered).any():
        open_req = (reachable_req & ~covered).astype(float)
        gain = rows[free] @ open_req
        k = int(np.argmax(gain / costs[free]))
        if gain[k] <= 0:
            break
        take(int(free[k]))
        free = np.delete(free, k)
    # phase 2: the weight still needed (cost per useful person)
    while float(w[covered].sum()) < need * (1 - _TOL) and free.size:
        missing = need - float(w[covered].sum())
        gain = rows[free] @ np.where(covered, 0.0, w)
        useful = np.minimum(gain, missing)
        k = int(np.argmax(useful / costs[free]))
        if useful[k] <= 0:
            break
        take(int(free[k]))
        free = np.delete(free, k)
    return chosen


def _feasible(rows: sp.csr_matrix, w: np.ndarray, req: np.ndarray, sites: list[int], need: float,
              req_target: np.ndarray) -> bool:
    hit = np.zeros(w.size, dtype=bool)
    if sites:
        hit[rows[sites].indices] = True
    return bool(float(w[hit].sum()) >= need * (1 - _TOL) and hit[req_target].all())


def _drop_redundant(rows: sp.csr_matrix, w: np.ndarray, req: np.ndarray, costs: np.ndarray, sites: list[int],
                    need: float, req_target: np.ndarray, must: set[int]) -> list[int]:
    """Remove sites the target does not need, most expensive first (a standard clean-up pass)."""
    kept = list(sites)
    for i in sorted(sites, key=lambda s: -costs[s]):
        if i in must:
            continue
        trial = [s for s in kept if s != i]
        if _feasible(rows, w, req, trial, need, req_target):
            kept = trial
    return kept


# --------------------------------------------------------------------- ILP
def _solve_cover_ilp(rows: sp.csr_matrix, w: np.ndarray, req: np.ndarray, costs: np.ndarray, *, need: float,
                     must: np.ndarray, allowed: np.ndarray, start: list[int], time_limit_s: float,
                     mip_rel_gap: float) -> tuple[list[int], float, float, str]:
    import highspy


    n_cand, n_dem = rows.shape
    csc = rows.tocsc()
    nnz = np.diff(csc.indptr)
    # rows 0..n_dem-1: y_j - Σ x_i <= 0; row n_dem: Σ w_j y_j >= need
    r_idx = np.concatenate([np.repeat(np.arange(n_dem), nnz), np.arange(n_dem), np.full(n_dem, n_dem)])
    c_idx = np.concatenate([csc.indices.astype(np.int64), n_cand + np.arange(n_dem), n_cand + np.arange(n_dem)])
    vals = np.concatenate([-np.ones(csc.indices.size), np.ones(n_dem), w])
    a = sp.csc_matrix((vals, (r_idx, c_idx)), shape=(n_dem + 1, n_cand + n_dem))
    a.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_cand + n_dem, n_dem + 1
    lp.sense_ = highspy.ObjSense.kMinimize
    lp.col_cost_ = np.concatenate([costs, np.zeros(n_dem)]).astype(float)
    x_lo = np.zeros(n_cand)
    x_lo[must] = 1.0
    lp.col_lower_ = np.concatenate([x_lo, req.astype(float)])
    lp.col_upper_ = np.concatenate([allowed.astype(float), np.ones(n_dem)])
    lp.row_lower_ = np.concatenate([np.full(n_dem, -np.inf), [need * (1 - _TOL)]])
    lp.row_upper_ = np.concatenate([np.zeros(n_dem), [np.inf]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(float)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_cand + [highspy.HighsVarType.kContinuous] * n_dem
    h = new_highs(time_limit_s, mip_rel_gap)
    h.passModel(lp)
    if start:
        set_warm_start(h, rows, start)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
        raise InfeasibleError("the target covering problem has no feasible solution")
    values = np.asarray(h.getSolution().col_value[:n_cand])
    chosen = [int(i) for i in np.flatnonzero(values > 0.5)]
    return chosen, float(h.getInfo().mip_dual_bound), float(h.getInfo().mip_gap), status


# -------------------------------------------------------------------- API
def _reduce(rows: sp.csr_matrix, w: np.ndarray, req: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Merge identical optional columns (:func:`reduce_demand`); required columns stay one by one."""
    opt_cols = np.flatnonzero(~req)
    req_cols = np.flatnonzero(req)
    csc_opt, w_opt = reduce_demand(rows[:, opt_cols].tocsr(), w[opt_cols])
    req_block = rows[:, req_cols]
    merged = sp.hstack([csc_opt, req_block], format="csr")
    merged.sort_indices()
    return merged, np.concatenate([w_opt, w[req_cols]]), np.concatenate([np.zeros(w_opt.size, bool),
                                                                         np.ones(req_cols.size, bool)])


def cover_target(
    covers,
    weights,
    costs,
    *,
    required_weight: float,
    required_columns: Iterable[int] = (),
    method: Literal["greedy", "ilp"] = "greedy",
    must_include: Iterable[int] = (),
    forbidden: Iterable[int] = (),
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 1e-4,
) -> TargetSolution:
    """The least-cost sites reaching ``required_weight`` and covering every required column.

    Parameters
    ----------
    covers
        Boolean candidates x demand matrix (dense or sparse), as for ``choose_sites``.
    weights
        Weight (people) of each demand column, >= 0.
    costs
        Cost of each candidate (VND), > 0.
    required_weight
        Weight the chosen sites must cover (people still to serve); <= 0 asks only for the columns.
    required_columns
        Demand columns that must be covered (e.g. the cells of villages above a size).
    method
        ``"greedy"`` or ``"ilp"`` (HiGHS, warm-started from greedy, proven gap).
    must_include, forbidden
        Candidate indices forced in / out.
    time_limit_s, mip_rel_gap
        HiGHS limits.

    Returns
    -------
    TargetSolution
        The sites in build order (cheapest per person first) and the :class:`TargetReport`;
        when the target is out of reach, the cheapest plan covering all that can be covered.
    """
    t0 = time.perf_counter()
    rows = sp.csr_matrix(covers, dtype=bool) if sp.issparse(covers) else sp.csr_matrix(np.asarray(covers, bool))
    rows.eliminate_zeros()
    n_cand, n_dem = rows.shape
    w = np.asarray(weights, dtype=float).ravel()
    c = np.asarray(costs, dtype=float).ravel()
    if w.size != n_dem or c.size != n_cand:
        raise InputError(f"weights ({w.size}) / costs ({c.size}) do not match the matrix {rows.shape}")
    if not (np.isfinite(w).all() and (w >= 0).all()):
        raise InputError("weights must be finite and >= 0")
    if not (np.isfinite(c).all() and (c > 0).all()):
        raise InputError("costs must be finite and > 0")
    if method not in ("greedy", "ilp"):
        raise InputError(f"method must be 'greedy' or 'ilp', got {method!r}")
    must = np.unique(np.asarray(list(must_include), dtype=np.int64))
    forb = np.unique(np.asarray(list(forbidden), dtype=np.int64))
    if np.intersect1d(must, forb).size:
        raise InfeasibleError("a site is both must-include and forbidden")
    allowed = np.ones(n_cand, dtype=bool)
    allowed[forb] = False
    req = np.zeros(n_dem, dtype=bool)
    req_idx = np.asarray(list(required_columns), dtype=np.int64)
    if req_idx.size and (req_idx.min() < 0 or req_idx.max() >= n_dem):
        raise InputError("required_columns holds indices outside the demand columns")
    req[req_idx] = True
    # what the allowed candidates can reach at all
    reach = np.zeros(n_dem, dtype=bool)
    sub = rows[np.flatnonzero(allowed)]
    reach[sub.indices] = True
    reachable_weight = float(w[reach].sum())
    need = float(required_weight)
    reachable = need <= reachable_weight * (1 + _TOL) and bool(reach[req].all())
    effective_need = min(need, reachable_weight)
    req_target = req & reach
    log.info("target: %.6g of weight needed, %.6g reachable; %d required columns (%d reachable)",
             need, reachable_weight, int(req.sum()), int(req_target.sum()))
    rows_r, w_r, req_r = _reduce(rows, w, req_target)
    greedy = _greedy_cover(rows_r, w_r, req_r, c, need=effective_need, must=must, allowed=allowed)
    greedy = _drop_redundant(rows_r, w_r, req_r, c, greedy, effective_need, req_r, set(must.tolist()))
    chosen, lower, gap, status = greedy, float("nan"), float("nan"), "greedy"
    if method == "ilp" and (effective_need > 0 or req_r.any()):
        sites, lower, gap, status = _solve_cover_ilp(
            rows_r, w_r, req_r, c, need=effective_need, must=must, allowed=allowed, start=greedy,
            time_limit_s=time_limit_s - (time.perf_counter() - t0), mip_rel_gap=mip_rel_gap)
        if _feasible(rows_r, w_r, req_r, sites, effective_need, req_r) and c[sites].sum() <= c[greedy].sum() + 1e-6:
            chosen = sites
        cost = float(c[chosen].sum())
        lower = min(lower, cost) if math.isfinite(lower) else lower
        # no finite bound (HiGHS stopped at its time limit before one): the gap is unknown, not 0
        gap = (max(0.0, (cost - lower) / cost) if cost > 0 else 0.0) if math.isfinite(lower) else float("nan")
    elif method == "ilp":
        lower, gap, status = 0.0, 0.0, "Optimal (nothing to cover)"
    # build order: the most people per VND first (re-evaluated as sites are added)
    order, gains = _order_by_ratio(rows, w, c, chosen, must)
    covered = float(sum(gains))
    report = TargetReport(
        required_weight=need, reachable_weight=reachable_weight, reached_weight=covered, reachable=reachable,
        unreachable_weight=float(w[~reach].sum()), unreachable_columns=tuple(int(j) for j in np.flatnonzero(~reach)),
        unreachable_required=tuple(int(j) for j in np.flatnonzero(req & ~reach)),
    )
    sel = Selection(
        sites=tuple(order), covered_weight=covered, gap=gap, upper_bound=float("nan"), marginal_weight=tuple(gains),
        cost=float(c[order].sum()), method=method, status=status, runtime_s=time.perf_counter() - t0,
        n_demand_reduced=int(w_r.size),
        extra={"lower_bound_cost": lower, "required_weight": need, "reachable_weight": reachable_weight,
               "reached": 1.0 if reachable else 0.0},
    )
    return TargetSolution(sel, report)


def _order_by_ratio(rows: sp.csr_matrix, w: np.ndarray, c: np.ndarray, sites: list[int],
                    must: np.ndarray) -> tuple[list[int], list[float]]:
    """``sites`` as a build order: must-include first, then the most newly covered weight per cost."""
    covered = np.zeros(w.size, dtype=bool)
    order: list[int] = []
    gains: list[float] = []
    left = [s for s in sites if s not in set(must.tolist())]
    for i in [int(s) for s in must if s in set(sites)]:
        idx = rows.indices[rows.indptr[i]:rows.indptr[i + 1]]
        gains.append(float(w[idx[~covered[idx]]].sum()))
        covered[idx] = True
        order.append(i)
    while left:
        vals = []
        for i in left:
            idx = rows.indices[rows.indptr[i]:rows.indptr[i + 1]]
            vals.append(float(w[idx[~covered[idx]]].sum()))
        k = int(np.argmax(np.asarray(vals) / c[left]))
        i = left.pop(k)
        idx = rows.indices[rows.indptr[i]:rows.indptr[i + 1]]
        covered[idx] = True
        order.append(i)
        gains.append(vals[k])
    return order, gains
