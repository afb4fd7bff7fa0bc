"""Maximal covering core: exact answers by brute force, greedy guarantees, constraints, infeasibility."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp

from towerplan.errors import InputError
from towerplan.planning.optimize import InfeasibleError, choose_sites, reduce_demand


def _brute_force(covers: np.ndarray, w: np.ndarray, *, k: int | None = None, costs=None, budget=None,
                 must=(), forbidden=()) -> float:
    n = covers.shape[0]
    best = 0.0
    allowed = [i for i in range(n) if i not in forbidden]
    for r in range(0, (k if k is not None else n) + 1):
        for combo in itertools.combinations(allowed, r):
            if not set(must) <= set(combo):
                continue
            if budget is not None and sum(costs[i] for i in combo) > budget + 1e-9:
                continue
            val = float(w[covers[list(combo)].any(axis=0)].sum()) if combo else 0.0
            best = max(best, val)
    return best


def _instance(seed: int, n_cand: int = 9, n_dem: int = 60, density: float = 0.22):
    rng = np.random.default_rng(seed)
    covers = rng.random((n_cand, n_dem)) < density
    w = rng.integers(0, 100, n_dem).astype(float)
    costs = rng.integers(1, 6, n_cand).astype(float)
    return covers, w, costs


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_ilp_is_optimal_and_greedy_meets_its_guarantee(seed: int, k: int) -> None:
    covers, w, _ = _instance(seed)
    opt = _brute_force(covers, w, k=k)
    ilp = choose_sites(covers, w, max_sites=k, method="ilp")
    greedy = choose_sites(covers, w, max_sites=k, method="greedy")
    assert ilp.covered_weight == pytest.approx(opt)
    assert ilp.gap == 0.0
    assert len(ilp.sites) <= k
    # Nemhauser-Wolsey-Fisher: greedy >= (1 - 1/e) OPT for a cardinality constraint
    assert greedy.covered_weight >= (1 - 1 / math.e) * opt - 1e-9
    assert greedy.covered_weight <= opt + 1e-9
    # the curve adds up, in build order
    assert sum(greedy.marginal_weight) == pytest.approx(greedy.covered_weight)
    assert list(greedy.marginal_weight) == sorted(greedy.marginal_weight, reverse=True)


@pytest.mark.parametrize("seed", range(6))
def test_money_budget(seed: int) -> None:
    covers, w, costs = _instance(seed)
    budget = 7.0
    opt = _brute_force(covers, w, costs=costs, budget=budget)
    ilp = choose_sites(covers, w, costs=costs, budget=budget, method="ilp")
    greedy = choose_sites(covers, w, costs=costs, budget=budget, method="greedy")
    assert ilp.covered_weight == pytest.approx(opt)
    assert ilp.cost <= budget
    assert greedy.cost <= budget
    # cost-ratio greedy + best single site: >= (1 - 1/e)/2 OPT (Khuller, Moss & Naor 1999)
    assert greedy.covered_weight >= 0.5 * (1 - 1 / math.e) * opt - 1e-9


def test_colocation_beats_a_new_tower_when_cheaper() -> None:
    # candidate 0: tenancy on an existing tower (cheap) covering 90 people; candidate 1: a new tower
    # covering 100 people at 4x the price. With a budget of 2, co-location wins.
    covers = np.array([[1, 1, 0], [1, 1, 1]], dtype=bool)
    w = np.array([60.0, 30.0, 10.0])
    for method in ("greedy", "ilp"):
        sel = choose_sites(covers, w, costs=[1.0, 4.0], budget=2.0, method=method)
        assert sel.sites == (0,)
        assert sel.covered_weight == 90.0


def test_shared_tower_for_two_operators_preferred_to_two_single_towers() -> None:
    # demand columns are (cell, operator) pairs: V = Viettel's gap, M = MobiFone's gap in the same valley.
    # candidate 0: a shared tower hosting both (cost 3); 1: Viettel-only tower (2); 2: MobiFone-only (2)
    covers = np.array([[1, 1], [1, 0], [0, 1]], dtype=bool)
    w = np.array([500.0, 500.0])
    for method in ("greedy", "ilp"):
        sel = choose_sites(covers, w, costs=[3.0, 2.0, 2.0], budget=3.5, method=method)
        assert sel.sites == (0,)
        assert sel.covered_weight == 1000.0
        assert sel.cost == 3.0


def test_must_include_and_forbidden() -> None:
    covers, w, _ = _instance(3)
    free = choose_sites(covers, w, max_sites=3, method="ilp")
    banned = free.sites[0]
    forced = next(i for i in range(covers.shape[0]) if i not in free.sites)
    for method in ("greedy", "ilp"):
        sel = choose_sites(covers, w, max_sites=3, method=method, must_include=[forced], forbidden=[banned])
        assert forced in sel.sites
        assert banned not in sel.sites
        assert sel.sites[0] == forced  # locked-in sites come first in the build order
    opt = _brute_force(covers, w, k=3, must=[forced], forbidden=[banned])
    assert choose_sites(covers, w, max_sites=3, method="ilp", must_include=[forced],
                        forbidden=[banned]).covered_weight == pytest.approx(opt)


def test_infeasible_and_bad_inputs_are_reported() -> None:
    covers, w, costs = _instance(1)
    with pytest.raises(InfeasibleError, match="both must-include and forbidden"):
        choose_sites(covers, w, max_sites=2, must_include=[1], forbidden=[1])
    with pytest.raises(InfeasibleError, match="exceed the limit"):
        choose_sites(covers, w, max_sites=1, must_include=[1, 2])
    with pytest.raises(InfeasibleError, match="more than the budget"):
        choose_sites(covers, w, costs=costs, budget=0.5, must_include=[0])
    with pytest.raises(InputError, match="give max_sites"):
        choose_sites(covers, w)
    with pytest.raises(InputError, match="weights has"):
        choose_sites(covers, w[:-1], max_sites=2)
    with pytest.raises(InputError, match="needs costs"):
        choose_sites(covers, w, budget=3)
    with pytest.raises(InputError, match=">= 0"):
        choose_sites(covers, -w, max_sites=2)
    with pytest.raises(InputError, match="outside"):
        choose_sites(covers, w, max_sites=2, forbidden=[99])
    with pytest.raises(InputError, match="method"):
        choose_sites(covers, w, max_sites=2, method="magic")  # type: ignore[arg-type]


def test_merging_identical_columns_keeps_the_answer() -> None:
    covers, w, _ = _instance(5, n_cand=6, n_dem=30)
    # repeat every column 20 times with split weights, add weightless and uncovered columns
    big = np.repeat(covers, 20, axis=1)
    big_w = np.repeat(w / 20.0, 20)
    big = np.hstack([big, np.zeros((6, 7), dtype=bool)])
    big_w = np.concatenate([big_w, np.full(7, 1000.0)])
    red_cols, red_w = reduce_demand(sp.csr_matrix(big), big_w)
    assert red_w.sum() == pytest.approx(w[covers.any(axis=0) & (w > 0)].sum())
    assert red_cols.shape[1] <= 30
    a = choose_sites(covers, w, max_sites=2, method="ilp")
    b = choose_sites(sp.csr_matrix(big), big_w, max_sites=2, method="ilp")
    assert a.covered_weight == pytest.approx(b.covered_weight)
    assert b.n_demand_reduced <= 30


def test_deterministic_and_sparse_equals_dense() -> None:
    covers, w, _ = _instance(11, n_cand=40, n_dem=500, density=0.05)
    a = choose_sites(covers, w, max_sites=5)
    b = choose_sites(sp.csr_matrix(covers), w, max_sites=5)
    c = choose_sites(covers, w, max_sites=5)
    assert a.sites == b.sites == c.sites
    assert a.covered_weight == b.covered_weight


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_merging_groups_exactly_the_identical_columns_in_first_seen_order(seed: int) -> None:
    rng = np.random.default_rng(seed)
    patterns = rng.random((8, 12)) < 0.3  # 12 distinct-ish column patterns over 8 candidates
    pick = rng.integers(0, 12, 400)
    covers = patterns[:, pick]
    w = rng.integers(0, 4, 400).astype(float)
    red, red_w = reduce_demand(sp.csr_matrix(covers), w)
    # brute force: group kept columns (covered, weight > 0) by their row set, in order of first appearance
    groups: dict[bytes, list[int]] = {}
    for j in range(covers.shape[1]):
        if covers[:, j].any() and w[j] > 0:
            groups.setdefault(covers[:, j].tobytes(), []).append(j)
    expect_cols = np.array([covers[:, js[0]] for js in groups.values()]).T
    expect_w = np.array([w[js].sum() for js in groups.values()])
    np.testing.assert_array_equal(red.toarray(), expect_cols)
    np.testing.assert_array_equal(red_w, expect_w)
