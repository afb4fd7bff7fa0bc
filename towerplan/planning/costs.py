"""Costs of candidate sites in Vietnamese dong (VND) over one planning horizon.

Every figure is a documented default in :class:`CostModel`, meant to be overridden
by the planner (``[costs]`` in a scenario file, the app, the CLI) with the province's
own unit prices. The defaults are *indicative* orders of magnitude for rural Viet Nam
in 2025, not quotes: they let the optimiser compare options (tenancy vs new mast,
fibre vs microwave) on one footing. Where a default comes from arithmetic, the
arithmetic is given with the field.

One horizon for both kinds of site
----------------------------------
A choice costs its capital (spent in year 0) plus its yearly costs over
``horizon_years``, discounted at ``discount_rate`` (the operator's cost of capital)
with yearly costs growing at ``cost_escalation``::

    present value = capex + yearly x F,
    F = sum_{t=1..N} (1 + g)^(t-1) / (1 + r)^t
      = (1 - ((1 + g) / (1 + r))^N) / (r - g)      (N / (1 + r) when r = g)

(the growing-annuity present value, yearly costs paid at the end of each year;
e.g. Brealey, Myers & Allen, *Principles of Corporate Finance*, ch. 2). Both
totals are reported: ``capex_vnd`` and ``present_value_vnd``; ``budget_basis``
says which one a money budget (and the cost tie-break) uses.

For a candidate hosting ``n`` operators with ``radios`` radio sets (``n`` when each
operator installs its own; one with shared radios, MOCN/MORAN, see
:data:`RADIO_SHARING`)::

    new mast   capex  = mast(h) + site + radios x equipment + (n - radios) x sharing + backhaul + power
               yearly = site rent + mast upkeep + radios x (power + radio upkeep) + backhaul upkeep
    tenancy    capex  = radios x (installation + equipment) + (n - radios) x sharing
               yearly = radios x (rent + power + radio upkeep + transmission on the tower's backhaul)

with ``mast(h) = mast_base + mast_per_m * max(0, h - mast_base_height)``, ``backhaul =
min(fibre_per_km * route_km, microwave_hop)`` where a microwave hop is allowed (line of sight
by ITU-R P.530 to a fed site within the band's hop limit, :mod:`towerplan.planning.backhaul`),
one assumed relay hop when neither exists, and ``power = grid_per_km * km`` when the grid
(assumed to follow the roads) is within ``grid_max_km``, else an off-grid solar and battery kit
(whose yearly cost replaces the electricity bill).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Literal

import numpy as np
import pandas as pd

from towerplan.errors import ConfigError, InputError

__all__ = [
    "ASSUMED_BACKHAUL", "BUDGET_BASES", "RADIO_SHARING", "BudgetBasis", "CostModel", "RadioSharing",
    "candidate_costs", "present_value_factor",
]

#: backhaul label of a new mast with no fibre route and no microwave hop in line of sight within range
ASSUMED_BACKHAUL = "none in range: microwave relay (assumed)"

RadioSharing = Literal["per_operator", "shared"]
#: how the operators on a site get their radio: ``per_operator`` (each operator wanted installs its own
#: radio set, costed per operator) or ``shared`` (one radio set carries every operator: RAN sharing,
#: MOCN with shared spectrum or MORAN with each operator's own carrier; 3GPP TS 23.251), costed once
#: plus ``shared_radio_per_operator_vnd`` for each operator beyond the first
RADIO_SHARING: tuple[str, ...] = ("per_operator", "shared")
BudgetBasis = Literal["present_value", "capex"]
BUDGET_BASES: tuple[str, ...] = ("present_value", "capex")

_M = 1_000_000.0  # one million VND


def present_value_factor(years: float, rate: float, escalation: float = 0.0) -> float:
    """Present value (at year 0) of 1 VND a year paid at the end of years 1..``years``, growing at ``escalation``.

    ``(1 - ((1 + g) / (1 + r))^N) / (r - g)``, or ``N / (1 + r)`` when ``r == g`` (growing annuity);
    10 years at 10 % without growth: 6.1446.
    """
    n, r, g = float(years), float(rate), float(escalation)
    if n <= 0:
        return 0.0
    if math.isclose(r, g, rel_tol=0.0, abs_tol=1e-12):
        return n / (1.0 + r)
    return (1.0 - ((1.0 + g) / (1.0 + r)) ** n) / (r - g)


@dataclass(frozen=True)
class CostModel:
    """Unit costs in VND (indicative defaults; override with the province's own prices) and the horizon.

    Capital (year 0)
    ----------------
    mast_base_vnd
        A new self-supporting mast up to ``mast_base_height_m`` with foundation and earthing.
    mast_base_height_m
        Height included in the base price.
    mast_per_m_vnd
        Each metre above that.
    site_vnd
        Site preparation of a new mast: access track, fence, shelter/cabinet, land clearance.
    equipment_vnd
        One radio set (a 3-sector 4G base station with antennas).
    shared_radio_per_operator_vnd
        With shared radios: each operator beyond the first (its licence on the shared radio, core
        network integration).
    colocation_install_vnd
        One tenant's installation on an existing tower (structural check, mounting).
    fibre_per_km_vnd
        Aerial fibre along roads, per route km.
    microwave_hop_vnd
        A microwave link pair (both ends), when line of sight allows.
    microwave_max_km
        Longest microwave hop considered at all; the band and rain climate usually limit it
        further (:func:`towerplan.planning.backhaul_p530.max_hop_km`).
    grid_per_km_vnd
        Extending the medium-voltage grid, per km (the grid is assumed to follow roads).
    grid_max_km
        Beyond this distance to a road, power is off-grid.
    offgrid_power_vnd
        Solar panels, batteries and controller for a site off the grid.

    Yearly
    ------
    rent_per_year_vnd
        One tenant's rent on an existing tower.
    site_rent_per_year_vnd
        Ground lease of a new mast's site (rural land).
    power_per_radio_year_vnd
        Electricity of one radio set: about 1.5 kW around the clock (radio, rectifier, cooling),
        13,140 kWh at about 2,900 VND/kWh (EVN business tariff, normal hours, below 6 kV, 2025) =
        38 M VND.
    offgrid_per_year_vnd
        Upkeep of an off-grid power kit (battery replacement every ~5 years spread over the years,
        visits), replacing the electricity bill.
    mast_upkeep_per_year_vnd
        Upkeep of a new mast (inspections, painting, security), about 2 % of its price.
    radio_upkeep_per_year_vnd
        Upkeep of one radio set (field maintenance, spares, software support), about 3 % of its price.
    fibre_per_km_year_vnd
        Upkeep of aerial fibre, per route km (repairs after storms, pole rent).
    microwave_per_year_vnd
        Yearly licence fee of a microwave link's frequencies and its upkeep.
    tenant_backhaul_per_year_vnd
        Transmission capacity for one tenant on the existing tower's fibre or microwave.

    Horizon
    -------
    horizon_years
        Years counted after the build (the study's planning horizon).
    discount_rate
        Yearly discount rate (the operator's cost of capital; 10 % is an indicative telecom
        WACC for Viet Nam).
    cost_escalation
        Yearly growth of the yearly costs (rent and tariff indexation).
    budget_basis
        ``present_value`` (capex + discounted yearly costs over the horizon, default) or ``capex``:
        what a money budget limits and what breaks ties between equal coverage.
    """

    mast_base_vnd: float = 700 * _M
    mast_base_height_m: float = 30.0
    mast_per_m_vnd: float = 15 * _M
    site_vnd: float = 300 * _M
    equipment_vnd: float = 600 * _M
    shared_radio_per_operator_vnd: float = 60 * _M
    colocation_install_vnd: float = 80 * _M
    fibre_per_km_vnd: float = 120 * _M
    microwave_hop_vnd: float = 250 * _M
    microwave_max_km: float = 15.0
    grid_per_km_vnd: float = 300 * _M
    grid_max_km: float = 2.0
    offgrid_power_vnd: float = 400 * _M
    rent_per_year_vnd: float = 36 * _M
    site_rent_per_year_vnd: float = 20 * _M
    power_per_radio_year_vnd: float = 38 * _M
    offgrid_per_year_vnd: float = 30 * _M
    mast_upkeep_per_year_vnd: float = 15 * _M
    radio_upkeep_per_year_vnd: float = 18 * _M
    fibre_per_km_year_vnd: float = 3 * _M
    microwave_per_year_vnd: float = 12 * _M
    tenant_backhaul_per_year_vnd: float = 24 * _M
    horizon_years: float = 10.0
    discount_rate: float = 0.10
    cost_escalation: float = 0.0
    budget_basis: BudgetBasis = "present_value"

    def __post_init__(self) -> None:
        problems = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "budget_basis":
                if value not in BUDGET_BASES:
                    problems.append(f"budget_basis must be one of {', '.join(BUDGET_BASES)}, got {value!r}")
                continue
            if isinstance(value, bool) or not (isinstance(value, (int, float)) and np.isfinite(value)):
                problems.append(f"cost setting {f.name} must be a finite number, got {value!r}")
            elif f.name == "cost_escalation":
                if not -0.5 < value < 1.0:
                    problems.append(f"cost_escalation must be within -50 % and 100 % a year, got {value!r}")
            elif f.name == "discount_rate":
                if not 0.0 <= value < 1.0:
                    problems.append(f"discount_rate must be within 0 and 1 (a share a year), got {value!r}")
            elif f.name == "horizon_years":
                if not 0.0 <= value <= 100.0:
                    problems.append(f"horizon_years must be within 0-100 years, got {value!r}")
            elif value < 0:
                problems.append(f"cost setting {f.name} must be a finite number >= 0, got {value!r}")
        if problems:
            raise ConfigError("; ".join(problems))

    def mast_vnd(self, height_m: np.ndarray | float) -> np.ndarray:
        """Price of a new mast of ``height_m`` metres."""
        extra = np.maximum(0.0, np.asarray(height_m, dtype=float) - self.mast_base_height_m)
        return self.mast_base_vnd + self.mast_per_m_vnd * extra

    @property
    def pv_factor(self) -> float:
        """Present value of 1 VND a year over the horizon (:func:`present_value_factor`)."""
        return present_value_factor(self.horizon_years, self.discount_rate, self.cost_escalation)

    @property
    def tenancy_vnd(self) -> float:
        """One tenant with its own radio on an existing tower over the horizon (present value): installation
        and equipment, then rent, power, radio upkeep and transmission every year."""
        yearly = (self.rent_per_year_vnd + self.power_per_radio_year_vnd + self.radio_upkeep_per_year_vnd
                  + self.tenant_backhaul_per_year_vnd)
        return self.colocation_install_vnd + self.equipment_vnd + yearly * self.pv_factor


def _backhaul(model: CostModel, is_new: np.ndarray, fibre_km: np.ndarray, mw_km: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(capex, yearly, label) of each candidate's backhaul; the cheaper option over the horizon wins."""
    pv = model.pv_factor
    fibre_cap = np.where(np.isfinite(fibre_km), model.fibre_per_km_vnd * fibre_km, np.inf)
    fibre_year = np.where(np.isfinite(fibre_km), model.fibre_per_km_year_vnd * fibre_km, np.inf)
    mw_ok = np.isfinite(mw_km) & (mw_km <= model.microwave_max_km)
    mw_cap = np.where(mw_ok, model.microwave_hop_vnd, np.inf)
    mw_year = np.where(mw_ok, model.microwave_per_year_vnd, np.inf)
    with np.errstate(invalid="ignore"):
        use_fibre = fibre_cap + fibre_year * pv <= mw_cap + mw_year * pv
    cap = np.where(use_fibre, fibre_cap, mw_cap)
    year = np.where(use_fibre, fibre_year, mw_year)
    label = np.where(use_fibre, "fibre", "microwave").astype(object)
    none = ~np.isfinite(cap)
    # without any computed option a new mast gets one microwave hop (the usual rural fallback)
    cap = np.where(none, model.microwave_hop_vnd, cap)
    year = np.where(none, model.microwave_per_year_vnd, year)
    label[none] = ASSUMED_BACKHAUL
    cap = np.where(is_new, cap, 0.0)
    year = np.where(is_new, year, 0.0)
    label[~is_new] = "existing"
    return cap, year, label


def candidate_costs(
    candidates: pd.DataFrame,
    *,
    model: CostModel = CostModel(),
    new_tenants: np.ndarray | int = 1,
    radio_sharing: RadioSharing = "per_operator",
    fibre_route_m: np.ndarray | None = None,
    microwave_m: np.ndarray | None = None,
    road_distance_m: np.ndarray | None = None,
) -> pd.DataFrame:
    """Cost of every candidate, by component, in VND: capital, yearly, and over the horizon.

    Parameters
    ----------
    candidates
        Candidate table with ``kind`` (``greenfield``/``user`` = new mast, ``colocation``) and
        ``mast_height_m``.
    model
        Unit costs and horizon.
    new_tenants
        Operators that would be served from the candidate (each operator wanted), per candidate
        (or one number for all).
    radio_sharing
        ``per_operator`` (one radio set per operator) or ``shared`` (one radio set for all, MOCN/MORAN):
        :data:`RADIO_SHARING`.
    fibre_route_m
        Fibre route length from the nearest fibre point or fed site, along roads (NaN/inf or not given
        = no fibre option; :func:`towerplan.planning.backhaul.compute_backhaul` computes it). A new mast
        with neither a fibre route nor a microwave hop in range is costed with one microwave hop (a
        relay, the usual rural fallback), marked :data:`ASSUMED_BACKHAUL`.
    microwave_m
        Distance to the nearest fed site in line of sight (NaN = none).
    road_distance_m
        Distance to the nearest road (for power); default the table's ``road_distance_m``.

    Returns
    -------
    DataFrame
        ``candidate_id``; capital: ``mast_vnd``, ``site_vnd``, ``equipment_vnd`` (radios and sharing
        fees), ``tenancy_vnd`` (installation on an existing tower), ``backhaul_vnd``, ``power_vnd``,
        ``capex_vnd``; yearly: ``rent_per_year_vnd``, ``power_per_year_vnd``, ``upkeep_per_year_vnd``,
        ``backhaul_per_year_vnd``, ``opex_per_year_vnd``; ``present_value_vnd`` (capex + yearly over the
        horizon, discounted); ``radios`` (radio sets costed), ``backhaul`` (``fibre``, ``microwave``,
        :data:`ASSUMED_BACKHAUL`, ``existing``) and ``total_vnd`` (the ``budget_basis`` total).
    """
    n = len(candidates)
    kind = candidates["kind"].astype(str).to_numpy()
    if not np.isin(kind, ["greenfield", "user", "colocation"]).all():
        raise InputError(f"unknown candidate kinds: {sorted(set(kind) - {'greenfield', 'user', 'colocation'})}")
    if radio_sharing not in RADIO_SHARING:
        raise InputError(f"radio_sharing must be one of {', '.join(RADIO_SHARING)}, got {radio_sharing!r}")
    ops = np.broadcast_to(np.asarray(new_tenants, dtype=float), (n,)).copy()
    if (ops < 0).any():
        raise InputError("new_tenants must be >= 0")
    radios = ops if radio_sharing == "per_operator" else np.minimum(ops, 1.0)
    is_new = kind != "colocation"
    height = candidates["mast_height_m"].to_numpy(float) if "mast_height_m" in candidates else np.full(n, 40.0)
    mast = np.where(is_new, model.mast_vnd(height), 0.0)
    site = np.where(is_new, model.site_vnd, 0.0)
    equipment = radios * model.equipment_vnd + (ops - radios) * model.shared_radio_per_operator_vnd
    tenancy = np.where(is_new, 0.0, radios * model.colocation_install_vnd)

    def _opt(a: np.ndarray | None) -> np.ndarray:
        return np.full(n, np.nan) if a is None else np.asarray(a, dtype=float).reshape(n)

    backhaul, backhaul_year, kind_bh = _backhaul(model, is_new, _opt(fibre_route_m) / 1000.0,
                                                 _opt(microwave_m) / 1000.0)
    backhaul_year = backhaul_year + np.where(is_new, 0.0, radios * model.tenant_backhaul_per_year_vnd)
    road_m = (_opt(road_distance_m) if road_distance_m is not None
              else candidates.get("road_distance_m", pd.Series(np.nan, index=candidates.index)).to_numpy(float))
    road_km = np.where(np.isfinite(road_m), road_m / 1000.0, np.inf)
    on_grid = road_km <= model.grid_max_km
    power = np.where(is_new, np.where(on_grid, model.grid_per_km_vnd * road_km, model.offgrid_power_vnd), 0.0)
    power_year = np.where(is_new & ~on_grid, model.offgrid_per_year_vnd, radios * model.power_per_radio_year_vnd)
    rent_year = np.where(is_new, model.site_rent_per_year_vnd, radios * model.rent_per_year_vnd)
    upkeep_year = radios * model.radio_upkeep_per_year_vnd + np.where(is_new, model.mast_upkeep_per_year_vnd, 0.0)
    capex = mast + site + equipment + tenancy + backhaul + power
    opex = rent_year + power_year + upkeep_year + backhaul_year
    present = capex + opex * model.pv_factor
    return pd.DataFrame({
        "candidate_id": candidates["candidate_id"].astype(str).to_numpy(),
        "mast_vnd": mast, "site_vnd": site, "equipment_vnd": equipment, "tenancy_vnd": tenancy,
        "backhaul_vnd": backhaul, "backhaul": kind_bh, "power_vnd": power, "capex_vnd": capex,
        "rent_per_year_vnd": rent_year, "power_per_year_vnd": power_year, "upkeep_per_year_vnd": upkeep_year,
        "backhaul_per_year_vnd": backhaul_year, "opex_per_year_vnd": opex, "present_value_vnd": present,
        "radios": radios.astype(int),
        "total_vnd": present if model.budget_basis == "present_value" else capex,
    })
