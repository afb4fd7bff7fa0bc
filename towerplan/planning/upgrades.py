"""Upgrades as candidates: a new technology on an existing site of the same operator.

Beside tenancy on a tower (``colocation``) and new masts (``greenfield``, ``user``), an
operator can add a layer to a site it already runs: a 4G radio on a 2G/3G site, a 5G radio on
a 4G site. Such a candidate (``kind = "upgrade"``) serves only its own operator, stands at the
operator's antenna height on that site, needs no mast, site, rent or new backhaul route, and
costs a radio and its installation (:class:`UpgradeCosts`). It enters the same coverage matrix
(:func:`coverage_matrix_mixed`, one radio per candidate) and the same solvers as the others.

A 5G upgrade transmits in the operator's own licensed 5G block (:data:`OPERATOR_5G_BANDS_MHZ`),
so its footprint differs between operators at the same tower: 2.5-2.6 GHz reaches farther than
3.7-3.9 GHz with the same power. The blocks are those assigned in 2024 by the Ministry of
Information and Communications' spectrum auctions under Decree 63/2023/NĐ-CP (band B1
2500-2600 MHz: Viettel; band C2 3700-3800 MHz: VNPT; band C3 3800-3900 MHz: MobiFone); other
operators fall back to the radio of the placement settings.
"""

from __future__ import annotations

import logging
import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.config import CoverageConfig
from towerplan.errors import ConfigError, InputError
from towerplan.grid import Grid
from towerplan.planning.candidates import CANDIDATE_COLUMNS, lonlat_to_xy
from towerplan.planning.costs import CostModel, RadioSharing, candidate_costs
from towerplan.planning.matrix import CandidateRadio, coverage_matrix

__all__ = ["OPERATOR_5G_BANDS_MHZ", "UpgradeCosts", "candidate_radios", "coverage_matrix_mixed", "operator_5g_band",
           "price_candidates", "upgrade_candidates"]

log = logging.getLogger(__name__)

#: each operator's 5G block (MHz, lower and upper edge), from the 2024 auctions (module docstring)
OPERATOR_5G_BANDS_MHZ: dict[str, tuple[float, float]] = {
    "viettel": (2500.0, 2600.0),
    "vnpt": (3700.0, 3800.0),
    "mobifone": (3800.0, 3900.0),
}
#: names an operator goes by in station lists -> its key in OPERATOR_5G_BANDS_MHZ
_ALIASES = {"viettel": "viettel", "vnpt": "vnpt", "vinaphone": "vnpt", "mobifone": "mobifone", "mobi fone": "mobifone"}
#: which existing layers a new technology is added to
UPGRADE_FROM = {"4G": ("2G", "3G"), "5G": ("4G",)}
_M = 1_000_000.0


def _fold(text: str) -> str:
    """Lower case without accents (``"VNPT-VinaPhone"`` -> ``"vnpt-vinaphone"``)."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(ch))


def operator_5g_band(operator: str) -> tuple[float, float] | None:
    """The operator's 5G block (MHz) or None when unknown (matched on its name, accents ignored)."""
    name = _fold(str(operator))
    for alias, key in _ALIASES.items():
        if alias in name:
            return OPERATOR_5G_BANDS_MHZ[key]
    return None


@dataclass(frozen=True)
class UpgradeCosts:
    """Cost of adding a technology to an operator's own site (VND; indicative, override with real prices).

    Parameters
    ----------
    radio_4g_vnd
        A 3-sector 4G radio; None: the cost model's ``equipment_vnd`` (the same base station a
        tenant installs).
    radio_5g_vnd
        A 3-sector 5G radio (active antenna units with massive MIMO cost about twice a 4G
        base station; indicative).
    install_vnd
        Installation on the operator's own tower (rigging, structural check); None: the cost
        model's ``colocation_install_vnd``.
    backhaul_5g_vnd
        Raising the site's backhaul capacity for 5G (a fibre or E-band link upgrade).
    """

    radio_4g_vnd: float | None = None
    radio_5g_vnd: float = 1_200 * _M
    install_vnd: float | None = None
    backhaul_5g_vnd: float = 100 * _M

    def __post_init__(self) -> None:
        for name in ("radio_4g_vnd", "radio_5g_vnd", "install_vnd", "backhaul_5g_vnd"):
            v = getattr(self, name)
            if v is not None and not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise ConfigError(f"upgrade cost {name} must be a finite amount >= 0 VND, got {v!r}")


def upgrade_candidates(stations: pd.DataFrame, grid: Grid, *, technology: str,
                       radio: CandidateRadio) -> gpd.GeoDataFrame:
    """One ``upgrade`` candidate per operator site that has a layer ``technology`` is added to, and not it.

    Parameters
    ----------
    stations
        Every sector of every technology (canonical columns: ``site_id``, ``operator``,
        ``technology``, ``lon``, ``lat``, ``antenna_height_m``, ``freq_mhz``).
    grid
        The analysis grid (CRS for x/y, heights).
    technology
        ``"4G"`` (on 2G/3G sites) or ``"5G"`` (on 4G sites).
    radio
        The planned radio; a 5G upgrade uses the operator's own block (:func:`operator_5g_band`).

    Returns
    -------
    GeoDataFrame
        Candidate columns (:data:`~towerplan.planning.candidates.CANDIDATE_COLUMNS`) plus
        ``upgrade_operator``, ``upgrade_from`` (the layers there now), ``radio_freq_mhz`` and ``radio_technology``;
        ids ``UP5G-<operator>-<site_id>``. The radio stands at the operator's highest antenna.
    """
    tech = str(technology).upper()
    if tech not in UPGRADE_FROM:
        raise ConfigError(f"upgrades add 4G or 5G, not {technology!r}")
    missing = [c for c in ("site_id", "operator", "technology", "lon", "lat") if c not in stations]
    if missing:
        raise InputError(f"the station table lacks {', '.join(missing)}")
    cols = [*CANDIDATE_COLUMNS, "upgrade_operator", "upgrade_from", "radio_freq_mhz", "radio_technology"]
    if len(stations) == 0:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=gpd.points_from_xy([], []), crs=grid.crs)
    frame = pd.DataFrame(stations).copy()
    frame["technology"] = frame["technology"].astype(str).str.upper()
    height = frame["antenna_height_m"] if "antenna_height_m" in frame else pd.Series(30.0, index=frame.index)
    frame["h"] = pd.to_numeric(height, errors="coerce").fillna(30.0)
    g = frame.groupby(["operator", "site_id"], sort=True)
    sites = pd.DataFrame({
        "techs": g["technology"].agg(lambda s: ",".join(sorted(set(s)))),
        "lon": g["lon"].first(), "lat": g["lat"].first(), "h": g["h"].max(),
    }).reset_index()
    have = sites["techs"].str.split(",")
    eligible = have.map(lambda t: tech not in t and any(x in t for x in UPGRADE_FROM[tech]))
    sites = sites[eligible.to_numpy()].reset_index(drop=True)
    x, y = lonlat_to_xy(grid.crs, sites["lon"].to_numpy(float), sites["lat"].to_numpy(float))
    r, c = grid.rowcol(x, y)
    inside = (r >= 0) & (r < grid.height) & (c >= 0) & (c < grid.width)
    ground = np.full(len(sites), np.nan)
    ground[inside] = grid.masked()[r[inside], c[inside]]
    freq = np.full(len(sites), radio.freq_mhz)
    if tech == "5G":
        for k, op in enumerate(sites["operator"]):
            band = operator_5g_band(op)
            if band is not None:
                freq[k] = 0.5 * (band[0] + band[1])
    slug = sites["operator"].map(lambda s: "".join(ch for ch in _fold(s) if ch.isalnum()))
    out = pd.DataFrame({
        "candidate_id": [f"UP{tech}-{o}-{s}" for o, s in zip(slug, sites["site_id"].astype(str), strict=True)],
        "kind": "upgrade", "x": x, "y": y, "lon": sites["lon"].to_numpy(float), "lat": sites["lat"].to_numpy(float),
        "ground_m": ground, "mast_height_m": sites["h"].to_numpy(float), "road_distance_m": np.nan,
        "prominence_m": np.nan, "operators_present": sites["operator"].astype(str).to_numpy(),
        "site_id": sites["site_id"].astype(str).to_numpy(), "tenant_height_m": sites["h"].to_numpy(float),
        "site_ids": [f"{o}:{s}" for o, s in zip(sites["operator"], sites["site_id"], strict=True)],
        "upgrade_operator": sites["operator"].astype(str).to_numpy(), "upgrade_from": sites["techs"].to_numpy(),
        "radio_freq_mhz": freq, "radio_technology": tech,
    })
    out = out[inside].reset_index(drop=True)
    log.info("upgrade candidates (%s): %d operator sites", tech, len(out))
    return gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(out["x"], out["y"]), crs=grid.crs)


def candidate_radios(candidates: pd.DataFrame, radio: CandidateRadio) -> list[CandidateRadio]:
    """The radio of every candidate: ``radio``, at the candidate's ``radio_freq_mhz`` where given."""
    if "radio_freq_mhz" not in candidates:
        return [radio] * len(candidates)
    freq = pd.to_numeric(candidates["radio_freq_mhz"], errors="coerce").to_numpy(dtype=float)
    return [radio if not np.isfinite(f) or f == radio.freq_mhz else replace(radio, freq_mhz=float(f)) for f in freq]


def coverage_matrix_mixed(
    dem: Grid, candidates: pd.DataFrame, demand: np.ndarray, *, radio: CandidateRadio,
    config: CoverageConfig | None = None, progress: Callable[[int, int], None] | None = None,
    min_level_dbm: np.ndarray | None = None, clutter: ClutterGrid | None = None,
) -> tuple[sp.csr_matrix, np.ndarray]:
    """:func:`~towerplan.planning.matrix.coverage_matrix` with one radio per candidate
    (:func:`candidate_radios`): one engine pass per distinct radio, rows back in the candidates' order;
    ``clutter``: the study's land cover, as for the existing sectors."""
    radios = candidate_radios(candidates, radio)
    distinct = list(dict.fromkeys(radios))
    if len(distinct) <= 1:
        return coverage_matrix(dem, candidates, demand, radio=distinct[0] if distinct else radio, config=config,
                               progress=progress, min_level_dbm=min_level_dbm, clutter=clutter)
    n = len(candidates)
    blocks: list[tuple[np.ndarray, sp.csr_matrix]] = []
    done = 0
    cells = np.zeros(0, dtype=np.int64)
    for r in distinct:
        idx = np.flatnonzero([x == r for x in radios])
        offset = done

        def step(k: int, _total: int, offset: int = offset) -> None:
            if progress is not None:
                progress(offset + k, n)

        block, cells = coverage_matrix(dem, candidates.iloc[idx], demand, radio=r, config=config, progress=step,
                                       min_level_dbm=min_level_dbm, clutter=clutter)
        blocks.append((idx, block))
        done += idx.size
    order = np.concatenate([idx for idx, _ in blocks])
    stacked = sp.vstack([b for _, b in blocks], format="csr")
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    return stacked[inverse].tocsr(), cells


def price_candidates(
    candidates: pd.DataFrame, *, model: CostModel, upgrade: UpgradeCosts = UpgradeCosts(),
    new_tenants: np.ndarray | int = 1, radio_sharing: RadioSharing = "per_operator",
    fibre_route_m: np.ndarray | None = None, microwave_m: np.ndarray | None = None,
) -> pd.DataFrame:
    """:func:`~towerplan.planning.costs.candidate_costs` for tenancy and new masts, and for
    ``upgrade`` candidates (same columns) one radio set on the operator's own site: capital = the radio and
    its installation (:class:`UpgradeCosts`; for 5G also the backhaul capacity upgrade), yearly = the
    radio's power and upkeep (the cost model's ``power_per_radio_year_vnd``, ``radio_upkeep_per_year_vnd``;
    no rent on one's own site), present value over the cost model's horizon."""
    n = len(candidates)
    kind = candidates["kind"].astype(str).to_numpy()
    up = kind == "upgrade"
    tenants = np.broadcast_to(np.asarray(new_tenants, dtype=float), (n,))

    def part(a: np.ndarray | None, mask: np.ndarray) -> np.ndarray | None:
        return None if a is None else np.asarray(a, dtype=float).reshape(n)[mask]

    rest = candidate_costs(candidates[~up], model=model, new_tenants=tenants[~up], radio_sharing=radio_sharing,
                           fibre_route_m=part(fibre_route_m, ~up), microwave_m=part(microwave_m, ~up))
    if not up.any():
        return rest
    tech = candidates.get("radio_technology", pd.Series("", index=candidates.index)).astype(str).to_numpy()[up]
    freq = pd.to_numeric(candidates.get("radio_freq_mhz", pd.Series(np.nan, index=candidates.index)),
                         errors="coerce").to_numpy(float)[up]
    is5g = (tech == "5G") | ((tech == "") & (freq >= 2400.0))  # the planned radio's technology
    radio4 = model.equipment_vnd if upgrade.radio_4g_vnd is None else upgrade.radio_4g_vnd
    install = model.colocation_install_vnd if upgrade.install_vnd is None else upgrade.install_vnd
    equipment = np.where(is5g, upgrade.radio_5g_vnd, radio4) + install
    backhaul = np.where(is5g, upgrade.backhaul_5g_vnd, 0.0)
    capex = equipment + backhaul
    power_year = np.full(capex.size, model.power_per_radio_year_vnd)
    upkeep_year = np.full(capex.size, model.radio_upkeep_per_year_vnd)
    opex = power_year + upkeep_year
    present = capex + opex * model.pv_factor
    ups = pd.DataFrame({
        "candidate_id": candidates["candidate_id"].astype(str).to_numpy()[up], "mast_vnd": 0.0, "site_vnd": 0.0,
        "equipment_vnd": equipment, "tenancy_vnd": 0.0, "backhaul_vnd": backhaul,
        "backhaul": np.where(is5g, "existing (capacity upgrade)", "existing"), "power_vnd": 0.0, "capex_vnd": capex,
        "rent_per_year_vnd": 0.0, "power_per_year_vnd": power_year, "upkeep_per_year_vnd": upkeep_year,
        "backhaul_per_year_vnd": 0.0, "opex_per_year_vnd": opex, "present_value_vnd": present, "radios": 1,
        "total_vnd": present if model.budget_basis == "present_value" else capex,
    })
    out = pd.concat([rest.assign(_pos=np.flatnonzero(~up)), ups.assign(_pos=np.flatnonzero(up))], ignore_index=True)
    return out.sort_values("_pos").drop(columns="_pos").reset_index(drop=True)
