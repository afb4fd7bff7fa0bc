"""Phasing a plan over years: a budget per year, a target year for every proposal.

A provincial plan is built over several years, each with its own budget (the province's
five-year plan for passive telecom infrastructure is revised and funded year by year).
:func:`phase_proposals` takes the proposals of a plan (from a budget or a target run) and
assigns each a year:

1. **Priority order.** ``rule = "cost_per_person"``: the proposal that newly covers the most
   people per VND goes first, re-evaluated as each is placed (the people a site adds are
   those not already covered by the sites funded before it, read from the coverage matrix),
   the order of Chvátal's cost-effectiveness greedy. ``rule = "priority"``: the proposals'
   own ``priority`` column (highest first, e.g. the gap score of the area they serve), ties
   by build order.
2. **Funding rule (first fit, with carry-over).** Years are taken in turn. In a year the money
   available is that year's budget plus, with ``carry_over`` (the default), what earlier
   years left unspent. Proposals are considered in priority order and every one that fits
   in the money still available is funded that year; one that does not fit waits for a later
   year (the next ones may still be funded: first fit). Without ``carry_over`` unspent
   money lapses at the end of its year (the usual rule of a yearly state budget), so a
   proposal dearer than every single year's budget is never funded.
3. Proposals left after the last year are reported as unfunded (``target_year`` empty).

Every year therefore spends at most its budget plus the carried-over money, and the spending
of years 1..k never exceeds the budgets of years 1..k (checked by the tests).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from towerplan.errors import ConfigError, InputError

__all__ = ["PhasingResult", "PhasingSettings", "phase_proposals"]

log = logging.getLogger(__name__)

Rule = Literal["cost_per_person", "priority"]


@dataclass(frozen=True)
class PhasingSettings:
    """Yearly budgets (``[placement.phasing]`` in a scenario).

    Parameters
    ----------
    start_year
        The first year funded (e.g. 2027).
    budgets_vnd
        Budget of each year in turn (VND, >= 0), from ``start_year``.
    rule
        ``cost_per_person`` (most people per VND first) or ``priority`` (the proposals'
        ``priority`` column, highest first).
    carry_over
        Unspent money carries over to the next year (True) or lapses (False).
    """

    start_year: int = 2027
    budgets_vnd: tuple[float, ...] = ()
    rule: Rule = "cost_per_person"
    carry_over: bool = True

    def __post_init__(self) -> None:
        problems = []
        if isinstance(self.start_year, bool) or not isinstance(self.start_year, int) or \
                not 2000 <= self.start_year <= 2100:
            problems.append(f"start_year must be a year within 2000-2100, got {self.start_year!r}")
        budgets = tuple(self.budgets_vnd)
        if not budgets:
            problems.append("budgets_vnd needs one budget per year (at least one)")
        if any(isinstance(b, bool) or not isinstance(b, (int, float)) or not math.isfinite(b) or b < 0
               for b in budgets):
            problems.append(f"budgets_vnd must be finite amounts >= 0 VND, got {list(budgets)!r}")
        if self.rule not in ("cost_per_person", "priority"):
            problems.append(f"rule must be 'cost_per_person' or 'priority', got {self.rule!r}")
        if problems:
            raise ConfigError("invalid phasing settings: " + "; ".join(problems))
        object.__setattr__(self, "budgets_vnd", tuple(float(b) for b in budgets))

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(self.start_year + k for k in range(len(self.budgets_vnd)))

    @property
    def total_vnd(self) -> float:
        return float(sum(self.budgets_vnd))


@dataclass(frozen=True, eq=False)
class PhasingResult:
    """The proposals with their ``target_year`` and the year-by-year table.

    Attributes
    ----------
    proposals
        The input proposals with ``phase_rank`` (priority order) and ``target_year``
        (None when unfunded).
    years
        One row per year: ``year``, ``budget_vnd``, ``carried_in_vnd``, ``available_vnd``,
        ``spent_vnd``, ``carried_out_vnd``, ``sites``, ``people_newly_covered`` (that year),
        ``people_covered_cumulative`` (people served at the end of the year: ``base_people``
        plus the funded sites so far) and ``share_covered`` (of ``total_people``, when given).
    unfunded
        Candidate ids left without a year.
    """

    proposals: pd.DataFrame
    years: pd.DataFrame
    unfunded: tuple[str, ...]
    settings: PhasingSettings


def _priority_order(covers: sp.csr_matrix | None, weights: np.ndarray | None, costs: np.ndarray,
                    priority: np.ndarray | None, rule: Rule) -> list[int]:
    n = costs.size
    if rule == "priority":
        if priority is None:
            raise InputError("phasing rule 'priority' needs a priority column in the proposals")
        return [int(i) for i in np.lexsort((np.arange(n), -priority))]
    if covers is None or weights is None:
        return [int(i) for i in np.argsort(costs, kind="stable")]
    covered = np.zeros(weights.size, dtype=bool)
    left = list(range(n))
    order: list[int] = []
    while left:
        gains = np.array([weights[idx[~covered[idx]]].sum()
                          for idx in (covers.indices[covers.indptr[i]:covers.indptr[i + 1]] for i in left)])
        k = int(np.argmax(gains / costs[left]))
        i = left.pop(k)
        covered[covers.indices[covers.indptr[i]:covers.indptr[i + 1]]] = True
        order.append(i)
    return order


def phase_proposals(
    proposals: pd.DataFrame,
    settings: PhasingSettings,
    *,
    covers: sp.csr_matrix | None = None,
    weights: np.ndarray | None = None,
    base_people: float = 0.0,
    total_people: float | None = None,
) -> PhasingResult:
    """Give every proposal a target year within yearly budgets (module docstring for the rules).

    Parameters
    ----------
    proposals
        One row per proposal with ``candidate_id`` and ``cost_vnd`` (and ``priority`` for that
        rule, ``people_newly_covered`` as a fallback for the yearly people without ``covers``).
    settings
        Years, budgets, rule and carry-over.
    covers, weights
        Rows of the proposals (in the table's order) in the demand matrix and the demand weights:
        the people each year adds are counted without double counting.
    base_people, total_people
        People served before the plan, and all the people (for the yearly share).
    """
    n = len(proposals)
    for col in ("candidate_id", "cost_vnd"):
        if col not in proposals:
            raise InputError(f"the proposals lack the column {col!r}")
    costs = proposals["cost_vnd"].to_numpy(dtype=float)
    if n and not (np.isfinite(costs).all() and (costs >= 0).all()):
        raise InputError("proposal costs must be finite and >= 0")
    if covers is not None:
        covers = sp.csr_matrix(covers, dtype=bool)
        if covers.shape[0] != n or weights is None or np.asarray(weights).size != covers.shape[1]:
            raise InputError("covers must have one row per proposal and weights one value per column")
        weights = np.asarray(weights, dtype=float)
    priority = proposals["priority"].to_numpy(dtype=float) if "priority" in proposals else None
    order = _priority_order(covers, weights, np.maximum(costs, 1e-9), priority, settings.rule)
    year_of: dict[int, int] = {}
    rows = []
    carried = 0.0
    pending = list(order)
    covered = np.zeros(0 if weights is None else weights.size, dtype=bool)
    cumulative = float(base_people)
    for year, budget in zip(settings.years, settings.budgets_vnd, strict=True):
        available = budget + (carried if settings.carry_over else 0.0)
        left = available
        funded: list[int] = []
        for i in pending:
            if costs[i] <= left * (1 + 1e-12):
                funded.append(i)
                left -= costs[i]
                year_of[i] = year
        pending = [i for i in pending if i not in set(funded)]
        new_people = 0.0
        for i in funded:
            if covers is not None and weights is not None:
                idx = covers.indices[covers.indptr[i]:covers.indptr[i + 1]]
                new_people += float(weights[idx[~covered[idx]]].sum())
                covered[idx] = True
            elif "people_newly_covered" in proposals:
                new_people += float(proposals["people_newly_covered"].iloc[i])
        cumulative += new_people
        spent = available - left
        rows.append({
            "year": year, "budget_vnd": budget, "carried_in_vnd": available - budget, "available_vnd": available,
            "spent_vnd": spent, "carried_out_vnd": left if settings.carry_over else 0.0, "sites": len(funded),
            "people_newly_covered": new_people, "people_covered_cumulative": cumulative,
            "share_covered": cumulative / total_people if total_people else float("nan"),
        })
        carried = left
    out = proposals.copy()
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(1, n + 1)
    out["phase_rank"] = rank
    out["target_year"] = np.array([year_of.get(i, np.nan) for i in range(n)], dtype=float)  # NaN: unfunded
    unfunded = tuple(str(out["candidate_id"].iloc[i]) for i in pending)
    if unfunded:
        log.info("phasing: %d of %d proposals unfunded within %d years", len(unfunded), n, len(settings.years))
    return PhasingResult(out, pd.DataFrame(rows), unfunded, settings)
