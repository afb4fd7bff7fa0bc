"""The Lagrangian upper bound of maximal covering: never below the optimum, close to it on small cases."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from towerplan.planning.coverage_bound import lagrangian_bound
from towerplan.planning.optimize import choose_sites


def _instance(seed: int, n_cand: int = 9, n_dem: int = 40) -> tuple[sp.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(seed)
    covers = sp.csr_matrix(rng.random((n_cand, n_dem)) < 0.25)
    return covers, rng.integers(1, 50, n_dem).astype(float)


def _optimum(covers: sp.csr_matrix, w: np.ndarray, *, p: int | None, costs: np.ndarray, budget: float | None,
             must: tuple[int, ...] = (), forbidden: tuple[int, ...] = ()) -> float:
    dense = covers.toarray()
    best = 0.0
    for k in range(covers.shape[0] + 1):
        for combo in itertools.combinations(range(covers.shape[0]), k):
            if set(must) - set(combo) or set(forbidden) & set(combo):
                continue
            if (p is not None and k > p) or (budget is not None and costs[list(combo)].sum() > budget):
                continue
            best = max(best, float(w[dense[list(combo)].any(axis=0)].sum()) if combo else 0.0)
    return best


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("limits", ["count", "budget", "both", "forced"])
def test_bound_is_never_below_the_optimum(seed: int, limits: str) -> None:
    covers, w = _instance(seed)
    n = covers.shape[0]
    costs = np.random.default_rng(100 + seed).uniform(1.0, 3.0, n)
    p = None if limits == "budget" else 3
    budget = None if limits in ("count", "forced") else 4.0
    must, forbidden = ((1,), (2,)) if limits == "forced" else ((), ())
    opt = _optimum(covers, w, p=p, costs=costs, budget=budget, must=must, forbidden=forbidden)
    allowed = np.ones(n, dtype=bool)
    allowed[list(forbidden)] = False
    bound = lagrangian_bound(covers, w, max_sites=p, costs=costs, budget=budget, must=np.array(must, dtype=np.int64),
                             allowed=allowed, lower_bound=0.0, max_iterations=300)
    assert bound >= opt - 1e-6
    assert bound <= w.sum() + 1e-6


def test_bound_is_tight_on_a_case_with_an_integral_relaxation() -> None:
    # three disjoint candidates: choosing the two heaviest is the LP optimum too, so L(λ) can reach it
    covers = sp.csr_matrix(np.kron(np.eye(3, dtype=bool), np.ones((1, 4), dtype=bool)))
    w = np.repeat([5.0, 3.0, 1.0], 4)
    bound = lagrangian_bound(covers, w, max_sites=2, costs=np.ones(3), budget=None, must=np.array([], dtype=np.int64),
                             allowed=np.ones(3, dtype=bool), lower_bound=32.0, max_iterations=2000)
    assert bound == pytest.approx(32.0, rel=0.02)


def test_ilp_reports_a_bound_at_least_its_answer() -> None:
    covers, w = _instance(3, n_cand=30, n_dem=400)
    sel = choose_sites(covers, w, max_sites=4, method="ilp", time_limit_s=10.0)
    assert sel.upper_bound >= sel.covered_weight - 1e-6
    assert sel.gap == pytest.approx(max(0.0, (sel.upper_bound - sel.covered_weight) / sel.upper_bound), abs=1e-9)


@pytest.mark.parametrize("too_slow", [
    {"_HIGHS_START_S_PER_NNZ": 1e3},  # as if the model were far too large to load
    {"_PRESOLVE_S_PER_NNZ": 1e3, "_HIGHS_ROOT_LP_S_PER_NNZ": 1e3},  # presolve and root LP taking hours
])
def test_without_time_for_highs_the_answer_is_greedy_with_a_valid_bound(monkeypatch, too_slow) -> None:
    from towerplan.planning import highs, optimize

    def no_highs(*_a, **_k):
        raise AssertionError("HiGHS started without the time to do anything")

    covers, w = _instance(5, n_cand=9, n_dem=60)
    opt = _optimum(covers, w, p=3, costs=np.ones(9), budget=None)
    assert "not started" not in choose_sites(covers, w, max_sites=3, method="ilp", time_limit_s=2.0).status
    for name, value in too_slow.items():
        monkeypatch.setattr(highs, name, value)
    monkeypatch.setattr(optimize, "new_highs", no_highs)
    sel = choose_sites(covers, w, max_sites=3, method="ilp", time_limit_s=2.0)
    greedy = choose_sites(covers, w, max_sites=3, method="greedy")
    assert sel.sites == greedy.sites
    assert "not started" in sel.status
    assert "Lagrangian" in sel.status
    assert opt - 1e-6 <= sel.upper_bound <= w.sum() + 1e-6
    assert sel.gap == pytest.approx((sel.upper_bound - sel.covered_weight) / sel.upper_bound, abs=1e-9)
