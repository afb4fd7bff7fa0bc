"""The numeric core breaks ties between equal coverage by cost (greedy and the ILP's second solve)."""

from __future__ import annotations

import numpy as np
import pytest

from towerplan.errors import InputError
from towerplan.planning.optimize import choose_sites

# sites 0 and 1 cover the same two cells, 2 and 3 the same third cell, 4 a light fourth one
COVERS = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=bool)
WEIGHTS = [1.0, 1.0, 2.0, 0.5]
TIE = [5.0, 3.0, 9.0, 4.0, 1.0]


@pytest.mark.parametrize("method", ["greedy", "ilp"])
def test_equal_coverage_goes_to_the_cheaper_sites(method: str) -> None:
    sel = choose_sites(COVERS, WEIGHTS, max_sites=2, method=method, tie_costs=TIE)
    assert sorted(sel.sites) == [1, 3]
    assert sel.covered_weight == pytest.approx(4.0)
    # with room for every site, the zero-gain duplicates are left out and the cover is the cheapest
    every = choose_sites(COVERS, WEIGHTS, max_sites=5, method=method, tie_costs=TIE)
    assert sorted(every.sites) == [1, 3, 4]
    # reversed prices: the other twins
    sel = choose_sites(COVERS, WEIGHTS, max_sites=2, method=method, tie_costs=[3.0, 5.0, 4.0, 9.0, 1.0])
    assert sorted(sel.sites) == [0, 2]


def test_greedy_without_tie_costs_takes_the_first_of_equals() -> None:
    """What the tie-break changes: without it the lower index wins."""
    assert sorted(choose_sites(COVERS, WEIGHTS, max_sites=2, method="greedy").sites) == [0, 2]


@pytest.mark.parametrize("method", ["greedy", "ilp"])
def test_ties_under_a_budget_and_with_must_include(method: str) -> None:
    costs = np.array([5.0, 3.0, 9.0, 4.0, 1.0])
    sel = choose_sites(COVERS, WEIGHTS, costs=costs, budget=8.0, method=method, tie_costs=costs)
    assert sorted(sel.sites) == [1, 3, 4]
    forced = choose_sites(COVERS, WEIGHTS, max_sites=2, method=method, tie_costs=TIE, must_include=[0])
    assert sorted(forced.sites) == [0, 3]
    with pytest.raises(InputError, match="tie_costs"):
        choose_sites(COVERS, WEIGHTS, max_sites=2, tie_costs=[1.0, 2.0])
