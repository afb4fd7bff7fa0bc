"""Maximal covering under a budget: the numeric core of shared-tower placement.

``choose_sites(covers, weights, ...)`` picks candidate sites (rows of a boolean
candidates x demand matrix) to maximise the weight (people) of the demand
covered by at least one chosen site, under a tower count and/or a money budget.
It knows nothing of maps: the GeoDataFrame adapter builds ``covers`` (one demand
column per population cell, or per (cell, operator) pair for objectives summed
over tenants) and reads the answer back.

Methods
-------
``greedy``
    Lazy greedy (Minoux's accelerated greedy): with a tower count it achieves at
    least (1 - 1/e) of the optimum (Nemhauser, Wolsey & Fisher 1978). With a money
    budget, the cost-ratio greedy plus the best single affordable site, the
    better of the two, which keeps a constant-factor guarantee
    (Khuller, Moss & Naor 1999).
``ilp``
    The maximal covering location problem (Church & ReVelle 1974) as a mixed
    integer programme solved by HiGHS, warm-started from the greedy answer, with a
    time limit; ``gap`` is HiGHS's relative MIP gap (0 when proven optimal)::

        max  Σ_j w_j y_j
        s.t. y_j <= Σ_{i covers j} x_i     for every demand j
             Σ_i x_i <= max_sites,  Σ_i c_i x_i <= budget
             x_i ∈ {0, 1},  0 <= y_j <= 1

Equal coverage is broken by cost when ``tie_costs`` is given (the placement passes every
candidate's cost, with or without a money budget): greedy takes the cheaper of two sites
with the same gain (and the same gain per VND under a budget); the ILP is solved a second
time minimising ``Σ_i t_i x_i`` subject to ``Σ_j w_j y_j`` being at least the coverage of
the first solve (a lexicographic objective: coverage first, then cost).

Before either method, demand columns covered by exactly the same set of
candidates are merged into one with the summed weight, and columns that no
allowed candidate covers (or that weigh nothing) are dropped: with a million
population cells this typically shrinks the problem by orders of magnitude.
"""

from __future__ import annotations

import heapq
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp

from towerplan.errors import InputError
from towerplan.planning.coverage_bound import lagrangian_bound
from towerplan.planning.highs import highs_plan, new_highs, set_warm_start

__all__ = ["InfeasibleError", "Selection", "choose_sites", "new_highs", "reduce_demand", "set_warm_start"]

log = logging.getLogger(__name__)

Method = Literal["greedy", "ilp"]


class InfeasibleError(InputError):
    """The constraints cannot all hold (e.g. the must-include sites exceed the budget)."""


@dataclass(frozen=True)
class Selection:
    """The answer of :func:`choose_sites`.

    Attributes
    ----------
    sites
        Chosen candidate indices, in the order chosen (must-include first, then by
        decreasing marginal gain for greedy; ILP sites are ordered the same way).
    covered_weight
        Total weight (people) of the demand covered by the chosen sites.
    gap
        Relative optimality gap (0 = proven optimal; NaN when unknown, e.g. greedy).
    upper_bound
        A proven upper bound on the optimum (ILP), NaN when unknown.
    marginal_weight
        Weight newly covered by each site in ``sites`` order (the coverage-vs-towers curve).
    cost
        Total cost of the chosen sites (0 without costs).
    method, status, runtime_s
        How it was solved, the solver's status text, and wall time.
    n_demand_reduced
        Demand columns left after merging identical columns.
    """

    sites: tuple[int, ...]
    covered_weight: float
    gap: float
    upper_bound: float
    marginal_weight: tuple[float, ...]
    cost: float
    method: str
    status: str
    runtime_s: float
    n_demand_reduced: int = 0
    extra: dict[str, float] = field(default_factory=dict)


# ------------------------------------------------------------------ inputs
def _as_csr(covers) -> sp.csr_matrix:
    if sp.issparse(covers):
        m = sp.csr_matrix(covers, dtype=bool)
    else:
        arr = np.asarray(covers)
        if arr.ndim != 2:
            raise InputError(f"covers must be a 2-D candidates x demand matrix, got shape {arr.shape}")
        m = sp.csr_matrix(arr.astype(bool))
    m.eliminate_zeros()
    m.sort_indices()
    return m


def reduce_demand(covers: sp.csr_matrix, weights: np.ndarray) -> tuple[sp.csc_matrix, np.ndarray]:
    """Merge demand columns covered by the same candidates; drop empty and weightless ones.

    Columns are grouped by two independent 64-bit random hashes of their row sets
    (sums of random keys, wrapping), so grouping is linear in the non-zeros; the
    chance of a false merge is about n^2 / 2^128.
    """
    csc = covers.tocsc()
    n_cand, n_dem = csc.shape
    counts = np.diff(csc.indptr)
    keep = (counts > 0) & (weights > 0)
    rng = np.random.default_rng(20240531)  # fixed: the merge is deterministic
    keys = rng.integers(1, 2**63, size=(2, n_cand), dtype=np.uint64)
    h = np.zeros((2, n_dem), dtype=np.uint64)
    nz = np.flatnonzero(counts > 0)
    if nz.size:
        starts = csc.indptr[:-1][nz]
        for k in range(2):
            vals = keys[k][csc.indices]
            h[k, nz] = np.add.reduceat(vals, starts)
    cols = np.flatnonzero(keep)
    if cols.size == 0:
        return sp.csc_matrix((n_cand, 0), dtype=bool), np.zeros(0)
    h0, h1 = h[0, cols], h[1, cols]
    # group equal (h0, h1) pairs: a stable two-key sort (what np.unique(axis=0) does, without its
    # slow structured-array path; the first member of each run is the group's first column)
    by_hash = np.lexsort((h1, h0))
    s0, s1 = h0[by_hash], h1[by_hash]
    starts = np.ones(cols.size, dtype=bool)
    starts[1:] = (s0[1:] != s0[:-1]) | (s1[1:] != s1[:-1])
    first = by_hash[starts]
    inverse = np.empty(cols.size, dtype=np.int64)
    inverse[by_hash] = np.cumsum(starts) - 1
    merged_w = np.bincount(inverse, weights=weights[cols], minlength=first.size)
    order = np.argsort(cols[first], kind="stable")  # keep the original column order
    rep_cols = cols[first][order]
    return csc[:, rep_cols].tocsc(), merged_w[order]


def _check_indices(idx: Iterable[int], n: int, what: str) -> np.ndarray:
    arr = np.unique(np.asarray(list(idx), dtype=np.int64))
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        raise InputError(f"{what} holds candidate indices outside 0..{n - 1}: {arr[(arr < 0) | (arr >= n)][:5]}")
    return arr


# ------------------------------------------------------------------ greedy
def _greedy(
    rows: sp.csr_matrix, w: np.ndarray, costs: np.ndarray, *, max_sites: int | None, budget: float | None,
    must: np.ndarray, allowed: np.ndarray, by_ratio: bool, tie: np.ndarray | None = None,
) -> tuple[list[int], list[float]]:
    tie = np.zeros(rows.shape[0]) if tie is None else tie
    covered = np.zeros(w.size, dtype=bool)
    chosen: list[int] = []
    gains: list[float] = []
    spent = 0.0

    def gain(i: int) -> float:
        idx = rows.indices[rows.indptr[i] : rows.indptr[i + 1]]
        return float(w[idx[~covered[idx]]].sum())

    def take(i: int, g: float) -> None:
        nonlocal spent
        idx = rows.indices[rows.indptr[i] : rows.indptr[i + 1]]
        covered[idx] = True
        chosen.append(int(i))
        gains.append(g)
        spent += float(costs[i])

    for i in must:
        take(int(i), gain(int(i)))
    heap: list[tuple[float, float, int, int]] = []  # (-key, tie cost, site, round): cheaper first on equal keys
    taken = set(chosen)
    for i in np.flatnonzero(allowed):
        if int(i) in taken:
            continue
        g = gain(int(i))
        key = g / costs[i] if by_ratio else g
        heap.append((-key, float(tie[i]), int(i), 0))
    heapq.heapify(heap)
    rnd = 0
    while heap:
        if max_sites is not None and len(chosen) >= max_sites:
            break
        _, _, i, stamp = heapq.heappop(heap)
        if budget is not None and spent + costs[i] > budget * (1 + 1e-12):
            continue  # cannot afford it now, nor later (spending only grows)
        if stamp != rnd:  # stale upper bound: re-evaluate and push back (lazy greedy)
            g = gain(i)
            key = g / costs[i] if by_ratio else g
            heapq.heappush(heap, (-key, float(tie[i]), i, rnd))
            continue
        g = gain(i)
        if g <= 0:
            break
        take(i, g)
        rnd += 1
    return chosen, gains


def _covered_weight(rows: sp.csr_matrix, w: np.ndarray, sites: Iterable[int]) -> float:
    sel = list(sites)
    if not sel:
        return 0.0
    hit = np.zeros(w.size, dtype=bool)
    sub = rows[sel]
    hit[sub.indices] = True
    return float(w[hit].sum())


def _order_by_gain(
    rows: sp.csr_matrix, w: np.ndarray, sites: list[int], must: np.ndarray
) -> tuple[list[int], list[float]]:
    """Order a chosen set as a build sequence: must-include first, then by marginal gain."""
    allowed = np.zeros(rows.shape[0], dtype=bool)
    allowed[sites] = True
    return _greedy(rows, w, np.ones(rows.shape[0]), max_sites=None, budget=None, must=must, allowed=allowed,
                   by_ratio=False)


# --------------------------------------------------------------------- ILP
def _solve_ilp(
    rows: sp.csr_matrix, w: np.ndarray, costs: np.ndarray, *, max_sites: int | None, budget: float | None,
    must: np.ndarray, allowed: np.ndarray, start: list[int], time_limit_s: float, mip_rel_gap: float,
    tie: np.ndarray | None = None, presolve: bool = True,
) -> tuple[list[int], float, float, str]:
    """HiGHS on the reduced model within ``time_limit_s`` of wall time (model building included); with
    ``tie``, a second solve for the cheapest sites that cover as much (:func:`_cheapest_alike`);
    ``presolve`` False: HiGHS without presolve (:func:`~towerplan.planning.highs.highs_plan`)."""
    import highspy

    t_start = time.perf_counter()

    n_cand, n_dem = rows.shape
    csc = rows.tocsc()  # column j of csc = candidates covering demand j
    # variables: x_0..x_{n_cand-1}, then y_0..y_{n_dem-1}
    # demand rows: y_j - Σ x_i <= 0 ; then the count and budget rows
    a_rows: list[np.ndarray] = []
    a_cols: list[np.ndarray] = []
    a_vals: list[np.ndarray] = []
    nnz_per = np.diff(csc.indptr)
    dem_rows = np.repeat(np.arange(n_dem), nnz_per)
    a_rows += [dem_rows, np.arange(n_dem)]
    a_cols += [csc.indices.astype(np.int64), n_cand + np.arange(n_dem)]
    a_vals += [-np.ones(csc.indices.size), np.ones(n_dem)]
    row_lower = [np.full(n_dem, -np.inf)]
    row_upper = [np.zeros(n_dem)]
    r = n_dem
    # one row per limit over the site columns: sum(coef_i x_i) <= upper
    limits = [(np.ones(n_cand), max_sites), (costs.astype(float), budget)]
    for coef, upper in limits:
        if upper is None:
            continue
        a_rows.append(np.full(n_cand, r))
        a_cols.append(np.arange(n_cand))
        a_vals.append(coef)
        row_lower.append(np.array([-np.inf]))
        row_upper.append(np.array([float(upper)]))
        r += 1
    A = sp.csc_matrix(
        (np.concatenate(a_vals), (np.concatenate(a_rows), np.concatenate(a_cols))), shape=(r, n_cand + n_dem)
    )
    A.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_ = n_cand + n_dem
    lp.num_row_ = r
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.concatenate([np.zeros(n_cand), w]).astype(float)
    x_lower = np.zeros(n_cand)
    x_upper = allowed.astype(float)
    x_lower[must] = 1.0
    lp.col_lower_ = np.concatenate([x_lower, np.zeros(n_dem)])
    lp.col_upper_ = np.concatenate([x_upper, np.ones(n_dem)])
    lp.row_lower_ = np.concatenate(row_lower)
    lp.row_upper_ = np.concatenate(row_upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_cand + [highspy.HighsVarType.kContinuous] * n_dem
    h = new_highs(float(time_limit_s) - (time.perf_counter() - t_start), mip_rel_gap)
    if not presolve:  # HiGHS's presolve does not watch the time limit (towerplan.planning.highs)
        h.setOptionValue("presolve", "off")
    h.passModel(lp)
    if start:
        set_warm_start(h, rows, start)
    t_run = time.perf_counter()
    h.run()
    log.debug("ilp: %d non-zeros, HiGHS started at %.2f s and ran %.2f s for a %.2f s limit", A.nnz,
              t_run - t_start, time.perf_counter() - t_run, h.getOptionValue("time_limit")[1])
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
        raise InfeasibleError("the placement problem has no feasible solution (check must-include, forbidden, budget)")
    values = np.asarray(h.getSolution().col_value[:n_cand])
    chosen = [int(i) for i in np.flatnonzero(values > 0.5)]
    bound, gap = float(info.mip_dual_bound), float(info.mip_gap)
    left = float(time_limit_s) - (time.perf_counter() - t_start)
    if tie is not None and chosen and left > 0.05:  # at most a quarter of the limit for the tie-break
        chosen = _cheapest_alike(h, rows, w, tie, chosen, min(left, _TIE_SHARE * float(time_limit_s)))
    return chosen, bound, gap, status


#: share of the ILP time limit the cheaper-alike second stage may use (it is an improvement on a proven
#: answer, not needed for it; on the P.1812 demo it did not finish within 150 s)
_TIE_SHARE = 0.25


def _cheapest_alike(h, rows: sp.csr_matrix, w: np.ndarray, tie: np.ndarray, chosen: list[int],
                    time_left_s: float) -> list[int]:
    """Second stage of the lexicographic objective: min ``Σ t_i x_i`` s.t. ``Σ w_j y_j >=`` the coverage of
    ``chosen`` (same model, warm-started from ``chosen``); ``chosen`` when nothing better is found in time."""
    import highspy

    n_cand, n_dem = rows.shape
    covered = _covered_weight(rows, w, chosen)
    scale = float(np.max(tie)) if tie.size and np.max(tie) > 0 else 1.0
    h.changeObjectiveSense(highspy.ObjSense.kMinimize)
    h.changeColsCost(n_cand + n_dem, np.arange(n_cand + n_dem, dtype=np.int32),
                     np.concatenate([tie / scale, np.zeros(n_dem)]).astype(float))
    wsum = float(w.sum()) or 1.0
    y_idx = (n_cand + np.arange(n_dem)).astype(np.int32)
    h.addRow(covered / wsum - 1e-9, highspy.kHighsInf, n_dem, y_idx, (w / wsum).astype(float))
    set_warm_start(h, rows, chosen)
    h.setOptionValue("time_limit", max(0.05, time_left_s))
    h.run()
    if h.getInfo().primal_solution_status != 2:  # no feasible solution found: keep the first stage's
        return chosen
    values = np.asarray(h.getSolution().col_value[:n_cand])
    cheaper = [int(i) for i in np.flatnonzero(values > 0.5)]
    if _covered_weight(rows, w, cheaper) + 1e-9 * wsum < covered or tie[cheaper].sum() > tie[chosen].sum():
        return chosen
    return cheaper


#: share of the ILP time limit kept for the Lagrangian bound when HiGHS has not proved its answer
_BOUND_SHARE = 0.2
def _run_highs(
    rows: sp.csr_matrix, w: np.ndarray, costs: np.ndarray, chosen: list[int], gains: list[float], *, highs_s: float,
    max_sites: int | None, budget: float | None, must: np.ndarray, allowed: np.ndarray, mip_rel_gap: float,
    tie: np.ndarray | None,
) -> tuple[list[int], list[float], float, str]:
    """HiGHS from the greedy answer ``chosen`` when ``highs_s`` leaves it the time to do anything useful
    (:func:`~towerplan.planning.highs.highs_plan`), else the greedy answer: (sites, their gains, HiGHS's
    bound or NaN, status)."""
    start, presolve = highs_plan(rows.nnz + w.size + rows.shape[0], highs_s)
    if not start:
        log.info("placement: %.1f s left for HiGHS, below what this model needs: greedy + Lagrangian bound", highs_s)
        return chosen, gains, float("nan"), ("Greedy (HiGHS not started: no time for its start-up and root LP), "
                                             "bound by Lagrangian relaxation")
    sites, bound, _gap, status = _solve_ilp(rows, w, costs, max_sites=max_sites, budget=budget, must=must,
                                            allowed=allowed, start=chosen, time_limit_s=highs_s,
                                            mip_rel_gap=mip_rel_gap, tie=tie, presolve=presolve)
    total, ilp_total = float(sum(gains)), _covered_weight(rows, w, sites)
    if ilp_total > total + 1e-9 or (ilp_total + 1e-9 >= total and (
            tie is None or tie[sites].sum() <= tie[chosen].sum())):
        chosen, gains = _order_by_gain(rows, w, sites, must)
    return chosen, gains, bound, status


# -------------------------------------------------------------------- API
def choose_sites(
    covers,
    weights,
    *,
    max_sites: int | None = None,
    costs=None,
    budget: float | None = None,
    method: Method = "greedy",
    must_include: Iterable[int] = (),
    forbidden: Iterable[int] = (),
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 1e-4,
    tie_costs=None,
) -> Selection:
    """Choose candidate sites that cover the most demand weight under a tower count and/or budget.

    Parameters
    ----------
    covers
        Boolean matrix (dense or scipy.sparse), candidates x demand: True where the
        candidate would cover the demand cell.
    weights
        Weight of each demand column (people), >= 0.
    max_sites
        At most this many chosen sites (must-include sites count).
    costs, budget
        Cost per candidate (any currency, > 0) and the total budget.
    method
        ``"greedy"`` or ``"ilp"`` (exact, HiGHS, warm-started from greedy).
    must_include, forbidden
        Candidate indices forced in / out (e.g. existing towers locked in).
    time_limit_s
        ILP time limit in seconds of wall time for the whole call (merging, greedy, model building,
        HiGHS and the bound); the best solution found and its gap are returned. When HiGHS has
        not proved its answer in time, the bound is the better of HiGHS's and a Lagrangian bound
        (:func:`towerplan.planning.coverage_bound.lagrangian_bound`) computed in the time left.
        HiGHS presolves only when its estimated presolve time fits in half of HiGHS's time (the
        presolve does not watch the limit); when the time left after the greedy answer cannot cover
        HiGHS's start-up and (without presolve) its root LP, estimated from the model's non-zeros,
        HiGHS is not started: the greedy answer comes back with the Lagrangian bound, and the
        status says so.
    mip_rel_gap
        ILP stopping gap (1e-4 = proven within 0.01 %).
    tie_costs
        Cost per candidate (>= 0) that breaks ties between equal coverage (cheaper first); None: no
        tie-break. Usually the same as ``costs``, but also given without a money budget.

    Raises
    ------
    InputError
        Shapes or values are wrong, or no limit (max_sites/budget) is given.
    InfeasibleError
        The must-include sites alone break a limit, or a site is both forced and forbidden.
    """
    t0 = time.perf_counter()
    rows = _as_csr(covers)
    n_cand, n_dem = rows.shape
    w = np.asarray(weights, dtype=float).ravel()
    if w.size != n_dem:
        raise InputError(f"weights has {w.size} values for {n_dem} demand columns")
    if not np.isfinite(w).all() or (w < 0).any():
        raise InputError("weights must be finite and >= 0")
    if max_sites is None and budget is None:
        raise InputError("give max_sites (a tower count), budget (with costs), or both")
    if max_sites is not None and max_sites < 0:
        raise InputError(f"max_sites must be >= 0, got {max_sites}")
    if budget is not None and costs is None:
        raise InputError("a money budget needs costs, one per candidate")
    c = np.ones(n_cand) if costs is None else np.asarray(costs, dtype=float).ravel()
    if c.size != n_cand:
        raise InputError(f"costs has {c.size} values for {n_cand} candidates")
    if costs is not None and (not np.isfinite(c).all() or (c <= 0).any()):
        raise InputError("costs must be finite and > 0")
    if method not in ("greedy", "ilp"):
        raise InputError(f"method must be 'greedy' or 'ilp', got {method!r}")
    must = _check_indices(must_include, n_cand, "must_include")
    forb = _check_indices(forbidden, n_cand, "forbidden")
    both = np.intersect1d(must, forb)
    if both.size:
        raise InfeasibleError(f"sites {both.tolist()} are both must-include and forbidden")
    if max_sites is not None and must.size > max_sites:
        raise InfeasibleError(f"{must.size} must-include sites exceed the limit of {max_sites} towers")
    if budget is not None and float(c[must].sum()) > budget * (1 + 1e-12):
        raise InfeasibleError(
            f"the must-include sites cost {c[must].sum():,.0f}, more than the budget of {budget:,.0f}"
        )
    allowed = np.ones(n_cand, dtype=bool)
    allowed[forb] = False
    tie = None if tie_costs is None else np.asarray(tie_costs, dtype=float).ravel()
    if tie is not None and (tie.size != n_cand or not np.isfinite(tie).all() or (tie < 0).any()):
        raise InputError(f"tie_costs must be {n_cand} finite values >= 0")

    csc_red, w_red = reduce_demand(rows, w)
    rows_red = csc_red.tocsr()
    rows_red.sort_indices()
    log.info("placement: %d candidates, %d demand columns -> %d after merging", n_cand, n_dem, w_red.size)

    by_ratio = budget is not None and costs is not None
    chosen, gains = _greedy(rows_red, w_red, c, max_sites=max_sites, budget=budget, must=must,
                            allowed=allowed, by_ratio=by_ratio, tie=tie)
    if by_ratio:  # best single affordable site (plus the must-includes): the partial-enumeration guard
        best_single: list[int] | None = None
        best_val = _covered_weight(rows_red, w_red, chosen)
        base_cost = float(c[must].sum())
        must_set = set(must.tolist())
        for i in np.flatnonzero(allowed):
            if int(i) in must_set or base_cost + c[i] > budget * (1 + 1e-12):  # type: ignore[operator]
                continue
            val = _covered_weight(rows_red, w_red, [*must.tolist(), int(i)])
            if val > best_val + 1e-9:
                best_val, best_single = val, [*must.tolist(), int(i)]
        if best_single is not None:
            chosen, gains = _order_by_gain(rows_red, w_red, best_single, must)
    total = float(sum(gains))
    gap, bound, status = float("nan"), float("nan"), "greedy"
    coverable = float(w_red.sum())  # every allowed-coverable demand: a trivial upper bound
    if method == "ilp" and total >= coverable * (1 - 1e-12) and tie is None:
        gap, bound, status = 0.0, coverable, "Optimal (greedy covers every coverable demand)"
    elif method == "ilp":
        deadline = t0 + time_limit_s
        chosen, gains, bound, status = _run_highs(
            rows_red, w_red, c, chosen, gains, highs_s=(1.0 - _BOUND_SHARE) * (deadline - time.perf_counter()),
            max_sites=max_sites, budget=budget, must=must, allowed=allowed, mip_rel_gap=mip_rel_gap, tie=tie,
        )
        total = float(sum(gains))
        if not np.isfinite(bound):  # stopped before HiGHS proved any bound (e.g. time limit in the root LP)
            bound = coverable
        bound = min(bound, coverable)
        if bound - total > mip_rel_gap * bound:  # not proved: try to tighten the bound in the time left
            bound = min(bound, lagrangian_bound(
                rows_red, w_red, max_sites=max_sites, costs=c, budget=budget, must=must, allowed=allowed,
                lower_bound=total, time_limit_s=max(0.05, deadline - time.perf_counter()),
            ))
        gap = max(0.0, (bound - total) / bound) if bound > 0 else 0.0
        if gap < 1e-9:
            gap = 0.0
    return Selection(
        sites=tuple(chosen),
        covered_weight=total,
        gap=gap,
        upper_bound=bound,
        marginal_weight=tuple(gains),
        cost=float(c[chosen].sum()) if costs is not None else 0.0,
        method=method,
        status=status,
        runtime_s=time.perf_counter() - t0,
        n_demand_reduced=int(w_red.size),
    )
