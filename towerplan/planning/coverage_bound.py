"""An upper bound on maximal covering by Lagrangian relaxation (subgradient optimisation).

For the maximal covering location problem (Church & ReVelle 1974)::

    max  Σ_j w_j y_j   s.t.  y_j <= Σ_{i covers j} x_i,  Σ_i x_i <= p  (and/or Σ_i c_i x_i <= B),
         x_i ∈ {0, 1},  0 <= y_j <= 1

relaxing the coverage rows with multipliers ``0 <= λ_j <= w_j`` gives, for every λ,
an upper bound on the optimum (Galvão & ReVelle 1996, "A Lagrangean heuristic for
the maximal covering location problem", EJOR 88(1), 114-123)::

    L(λ) = Σ_j max(0, w_j - λ_j) + max_{x feasible} Σ_i x_i (Σ_{j covered by i} λ_j)

The inner maximum over x is taken over x ∈ [0, 1] (the p largest values for a tower
count, a fractional knapsack for a budget; with both, the smaller of the two), which
can only raise L, so every value stays a valid bound. λ is improved by the
subgradient method with the step rule of Held, Wolfe & Crowder (1974) as used by
Fisher (1981). Each iteration costs two sparse products, so a bound within a few per
cent of the LP relaxation comes in seconds on a million demand cells, where HiGHS
may not finish its root LP within its time limit.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import scipy.sparse as sp

__all__ = ["lagrangian_bound"]

log = logging.getLogger(__name__)


def _site_step(values: np.ndarray, *, free: np.ndarray, n_free: float | None, costs: np.ndarray,
               money: float | None) -> tuple[float, np.ndarray]:
    """max Σ v_i x_i over the free sites (x ∈ [0, 1]) under a count and/or money limit, and its x."""
    best, best_x = np.inf, np.zeros(values.size)
    v = np.where(free, np.maximum(values, 0.0), 0.0)
    if n_free is not None:
        k = int(max(0.0, n_free))
        x = np.zeros(values.size)
        if k > 0:
            top = np.argpartition(-v, min(k, v.size - 1))[:k] if k < v.size else np.arange(v.size)
            x[top] = 1.0
        best, best_x = float(v @ x), x
    if money is not None:
        order = np.argsort(-v / costs, kind="stable")
        cum = np.cumsum(costs[order])
        x = np.zeros(values.size)
        whole = int(np.searchsorted(cum, money, side="right"))
        x[order[:whole]] = 1.0
        if whole < order.size:
            spent = cum[whole - 1] if whole else 0.0
            x[order[whole]] = max(0.0, (money - spent) / costs[order[whole]])
        value = float(v @ x)
        if value < best:
            best, best_x = value, x
    return best, best_x


def _covering_sum(rows: sp.csr_matrix, x: np.ndarray) -> np.ndarray:
    """Σ_i x_i rows[i] (per demand column), reading only the rows where x is non-zero."""
    nz = np.flatnonzero(x)
    if nz.size == 0:
        return np.zeros(rows.shape[1])
    sub = rows[nz]
    return np.bincount(sub.indices, weights=np.repeat(x[nz], np.diff(sub.indptr)), minlength=rows.shape[1])


def lagrangian_bound(
    rows: sp.csr_matrix,
    weights: np.ndarray,
    *,
    max_sites: int | None,
    costs: np.ndarray,
    budget: float | None,
    must: np.ndarray,
    allowed: np.ndarray,
    lower_bound: float,
    time_limit_s: float = 5.0,
    max_iterations: int = 500,
) -> float:
    """An upper bound on the weight a maximal covering can reach (see the module doc).

    Parameters
    ----------
    rows
        Candidates x demand cover matrix (CSR, 0/1).
    weights
        Demand weights (>= 0).
    max_sites, costs, budget
        The limits, as in :func:`towerplan.planning.optimize.choose_sites` (at least one given).
    must, allowed
        Indices of forced sites; boolean mask of the sites that may be chosen.
    lower_bound
        The weight of a known feasible solution (drives the step size).
    time_limit_s, max_iterations
        Stop after this long (seconds of wall time) or this many iterations.

    Returns
    -------
    float
        The smallest L(λ) seen: the optimum is at most this (never below ``lower_bound``).
    """
    start = time.perf_counter()
    w = np.asarray(weights, dtype=float)
    rows = rows.tocsr().astype(float)
    free = allowed.copy()
    free[must] = False
    n_free = None if max_sites is None else float(max_sites - must.size)
    money = None if budget is None else float(budget - costs[must].sum())
    count = np.maximum(np.asarray(rows.sum(axis=0)).ravel(), 1.0)
    lam = w / count  # spread each weight over the sites covering it
    best = np.inf
    theta, stall = 2.0, 0
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007 (logged below)
        site_value = rows @ lam
        fixed = float(site_value[must].sum())
        free_value, x = _site_step(site_value, free=free, n_free=n_free, costs=costs, money=money)
        y = (w - lam > 0).astype(float)
        value = float(np.maximum(w - lam, 0.0).sum()) + fixed + free_value
        if value < best - 1e-9 * max(1.0, abs(value)):
            best, stall = value, 0
        else:
            stall += 1
            if stall >= 20:
                theta, stall = theta / 2.0, 0
        x[must] = 1.0
        grad = _covering_sum(rows, x) - y  # d L / d λ_j = (Σ_i covering j of x_i) - y_j
        norm = float(grad @ grad)
        gap = best - lower_bound
        if norm <= 0.0 or gap <= 1e-9 * max(1.0, abs(best)) or theta < 1e-4:
            break
        if time.perf_counter() - start > time_limit_s:
            break
        lam = np.clip(lam - theta * gap / norm * grad, 0.0, w)
    log.info("Lagrangian bound %.6g after %d iterations, %.2f s", best, iterations, time.perf_counter() - start)
    return max(best, lower_bound)
