"""Costs of candidate sites in Vietnamese dong (VND): masts, tenancy, equipment, backhaul, power.

Every figure is a documented default in :class:`CostModel`, meant to be overridden
by the planner (a scenario file, the app) with the province's own unit prices.
The defaults are *indicative* orders of magnitude for rural Viet Nam in 2025 (a
self-supporting 3-leg lattice mast of 30-45 m with foundation, a 4G base
station per operator, aerial fibre along roads), not quotes: they let the
optimiser compare options (tenancy vs new mast, fibre vs microwave) sensibly.

Cost of choosing a candidate for ``n`` new tenant operators::

    greenfield:  mast(h) + site + n * equipment + backhaul + power
    colocation:  n * (tenancy + equipment) + backhaul (only if the tower has none: 0 by default)

with ``mast(h) = mast_base + mast_per_m * max(0, h - mast_base_height)``,
``tenancy = installation + rent_per_year * horizon_years``, ``backhaul = min(fibre_per_km *
route_km, microwave_hop)`` where a microwave hop is allowed (line of sight to a fed site within
``microwave_max_km``; both measured by :mod:`towerplan.planning.backhaul`), one assumed relay hop
when neither exists, and ``power = grid_per_km * km`` when the grid (assumed to follow the
roads) is within ``grid_max_km``, else an off-grid solar and battery kit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from towerplan.errors import ConfigError, InputError

__all__ = ["ASSUMED_BACKHAUL", "CostModel", "candidate_costs"]

#: backhaul label of a new mast with no fibre route and no microwave hop in line of sight within range
ASSUMED_BACKHAUL = "none in range: microwave relay (assumed)"

_M = 1_000_000.0  # one million VND


@dataclass(frozen=True)
class CostModel:
    """Unit costs in VND (indicative defaults; override with the province's own prices).

    Parameters
    ----------
    mast_base_vnd
        A new mast up to ``mast_base_height_m`` with foundation and earthing.
    mast_base_height_m
        Height included in the base price.
    mast_per_m_vnd
        Each metre above that.
    site_vnd
        Land lease or purchase, access track, fence, shelter/cabinet.
    equipment_vnd
        One operator's radio equipment and antennas (a 3-sector 4G base station).
    colocation_install_vnd
        One tenant's installation on an existing tower (structural check, mounting).
    rent_per_year_vnd
        One tenant's yearly rent on a shared tower.
    horizon_years
        Years of rent counted (undiscounted) in a tenancy's cost.
    fibre_per_km_vnd
        Aerial fibre along roads, per route km.
    microwave_hop_vnd
        A microwave link pair (both ends), when line of sight allows.
    microwave_max_km
        Longest microwave hop considered.
    grid_per_km_vnd
        Extending the medium-voltage grid, per km (the grid is assumed to follow roads).
    grid_max_km
        Beyond this distance to a road, power is off-grid.
    offgrid_power_vnd
        Solar panels, batteries and controller for a site off the grid.
    """

    mast_base_vnd: float = 700 * _M
    mast_base_height_m: float = 30.0
    mast_per_m_vnd: float = 15 * _M
    site_vnd: float = 300 * _M
    equipment_vnd: float = 600 * _M
    colocation_install_vnd: float = 80 * _M
    rent_per_year_vnd: float = 36 * _M
    horizon_years: float = 10.0
    fibre_per_km_vnd: float = 120 * _M
    microwave_hop_vnd: float = 250 * _M
    microwave_max_km: float = 15.0
    grid_per_km_vnd: float = 300 * _M
    grid_max_km: float = 2.0
    offgrid_power_vnd: float = 400 * _M

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not (isinstance(value, (int, float)) and np.isfinite(value) and value >= 0):
                raise ConfigError(f"cost setting {name} must be a finite number >= 0, got {value!r}")

    def mast_vnd(self, height_m: np.ndarray | float) -> np.ndarray:
        """Price of a new mast of ``height_m`` metres."""
        extra = np.maximum(0.0, np.asarray(height_m, dtype=float) - self.mast_base_height_m)
        return self.mast_base_vnd + self.mast_per_m_vnd * extra

    @property
    def tenancy_vnd(self) -> float:
        """One tenant on an existing tower over the horizon (installation + rent)."""
        return self.colocation_install_vnd + self.rent_per_year_vnd * self.horizon_years


def candidate_costs(
    candidates: pd.DataFrame,
    *,
    model: CostModel = CostModel(),
    new_tenants: np.ndarray | int = 1,
    fibre_route_m: np.ndarray | None = None,
    microwave_m: np.ndarray | None = None,
    road_distance_m: np.ndarray | None = None,
) -> pd.DataFrame:
    """Cost of every candidate, by component, in VND.

    Parameters
    ----------
    candidates
        Candidate table with ``kind`` (``greenfield``/``user`` = new mast, ``colocation``) and
        ``mast_height_m``.
    new_tenants
        Operators that would install equipment, per candidate (or one number for all).
    fibre_route_m
        Fibre route length from the nearest fibre point or fed site, along roads (e.g.
        :func:`towerplan.planning.roads.road_access` ``travel_m`` with fibre points as towers);
        NaN/inf or not given = no fibre option (:func:`towerplan.planning.backhaul.compute_backhaul`
        computes it). Only a new mast with neither a fibre route nor a microwave hop in range
        is costed with one microwave hop (a relay, the usual rural fallback), marked
        :data:`ASSUMED_BACKHAUL` (``none in range: microwave relay (assumed)``).
    microwave_m
        Distance to the nearest fed site in line of sight (NaN = none).
    road_distance_m
        Distance to the nearest road (for power); default the table's ``road_distance_m``.

    Returns
    -------
    DataFrame
        ``candidate_id``, ``mast_vnd``, ``site_vnd``, ``equipment_vnd``, ``tenancy_vnd``,
        ``backhaul_vnd``,
        ``backhaul`` (``fibre``, ``microwave``, :data:`ASSUMED_BACKHAUL`, ``existing``), ``power_vnd``, ``total_vnd``.
    """
    n = len(candidates)
    kind = candidates["kind"].astype(str).to_numpy()
    if not np.isin(kind, ["greenfield", "user", "colocation"]).all():
        raise InputError(f"unknown candidate kinds: {sorted(set(kind) - {'greenfield', 'user', 'colocation'})}")
    new = np.broadcast_to(np.asarray(new_tenants, dtype=float), (n,)).copy()
    if (new < 0).any():
        raise InputError("new_tenants must be >= 0")
    is_new = kind != "colocation"
    height = candidates["mast_height_m"].to_numpy(float) if "mast_height_m" in candidates else np.full(n, 40.0)
    mast = np.where(is_new, model.mast_vnd(height), 0.0)
    site = np.where(is_new, model.site_vnd, 0.0)
    equipment = new * model.equipment_vnd
    tenancy = np.where(is_new, 0.0, new * model.tenancy_vnd)

    def _opt(a: np.ndarray | None) -> np.ndarray:
        return np.full(n, np.nan) if a is None else np.asarray(a, dtype=float).reshape(n)

    fibre_km = _opt(fibre_route_m) / 1000.0
    mw_km = _opt(microwave_m) / 1000.0
    fibre_cost = np.where(np.isfinite(fibre_km), model.fibre_per_km_vnd * fibre_km, np.inf)
    mw_cost = np.where(np.isfinite(mw_km) & (mw_km <= model.microwave_max_km), model.microwave_hop_vnd, np.inf)
    backhaul = np.minimum(fibre_cost, mw_cost)
    kind_bh = np.where(fibre_cost <= mw_cost, "fibre", "microwave").astype(object)
    no_option = ~np.isfinite(backhaul)
    # without any computed option a new mast gets one microwave hop (the usual rural fallback)
    backhaul = np.where(no_option & is_new, model.microwave_hop_vnd, np.where(no_option, 0.0, backhaul))
    kind_bh[no_option & is_new] = ASSUMED_BACKHAUL
    backhaul = np.where(is_new, backhaul, 0.0)
    kind_bh[~is_new] = "existing"
    road_m = (_opt(road_distance_m) if road_distance_m is not None
              else candidates.get("road_distance_m", pd.Series(np.nan, index=candidates.index)).to_numpy(float))
    road_km = np.where(np.isfinite(road_m), road_m / 1000.0, np.inf)
    power = np.where(road_km <= model.grid_max_km, model.grid_per_km_vnd * road_km, model.offgrid_power_vnd)
    power = np.where(is_new, power, 0.0)
    total = mast + site + equipment + tenancy + backhaul + power
    return pd.DataFrame({
        "candidate_id": candidates["candidate_id"].astype(str).to_numpy(),
        "mast_vnd": mast, "site_vnd": site, "equipment_vnd": equipment, "tenancy_vnd": tenancy,
        "backhaul_vnd": backhaul, "backhaul": kind_bh, "power_vnd": power, "total_vnd": total,
    })
