"""Average user throughput with a load model, and speed gaps against the national targets.

Load model (documented assumptions, every number settable in :class:`LoadModel`)
-------------------------------------------------------------------------------
For each operator and data technology, each sector's *best-server area* is the set of
cells where it is the operator's serving sector of that technology
(``RadioMaps.serving``). Its *active users* in the busy hour are::

    U_s = (people in the area) x (operator market share) x (busy-hour activity factor)

and the sector's scheduler shares its time equally among them (round robin, the
usual first-order model of a loaded cell), so a user at cell ``x`` gets
``R(x) / max(U_s, 1)`` where ``R(x)`` is the single-user rate there
(:mod:`towerplan.coverage.throughput`). Averaged over the area this is the sector's
*average user throughput* ``mean_area(R) / max(U_s, 1)``: the area-averaged rate shared
among its active users. ``max(., 1)``: a user always has at least himself.

Speed targets: Decision 36/QĐ-TTg (2024, national digital infrastructure plan) sets
average mobile download speeds of at least 40 Mbit/s on 4G and 100 Mbit/s on 5G. A
person *reaches* a technology's target when some operator's user throughput of that
technology at their cell meets it; a *speed gap* is a populated cell served by the
technology (downlink rate > 0) where no operator meets it. People are counted where
they live (the population grid), one count per cell whatever the number of operators.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import ndimage

from towerplan.coverage.radio import DATA_TECHNOLOGIES
from towerplan.errors import ConfigError, RasterDataError
from towerplan.grid import Grid
from towerplan.planning.coverage_stats import column_slug
from towerplan.planning.gaps import gap_polygons
from towerplan.planning.zonal import prepare_zones, zone_weights
from towerplan.stations.schema import resolve_operator

__all__ = ["LoadModel", "SpeedAnalysis", "VIETNAM_MARKET_SHARE", "SPEED_TARGETS_MBPS", "user_throughput",
           "analyse_speed"]

log = logging.getLogger(__name__)

#: mobile subscriber shares in Viet Nam: the Ministry of Information and Communications' count of active
#: subscribers at the end of October 2016 (131.9 million: Viettel 63.3 M, MobiFone 34 M, VinaPhone 25 M,
#: Gmobile 6 M, Vietnamobile 4 M; reported by VietNamNet, "Which markets have Vietnamese telcos entered?",
#: 2016), rounded to shares. The most recent operator-level count found offline: the shares have moved since
#: (the earlier default, 55/26/16 % "from the 2022-2023 ICT White Book", could not be checked and was
#: replaced). Override per study with current figures: scenario ``[speed] market_share = {...}``.
VIETNAM_MARKET_SHARE: dict[str, float] = {"Viettel": 0.48, "MobiFone": 0.26, "VNPT-VinaPhone": 0.19,
                                          "Gmobile": 0.045, "Vietnamobile": 0.03}
#: Decision 36/QĐ-TTg (2024): average mobile download speed targets, Mbit/s
SPEED_TARGETS_MBPS: dict[str, float] = {"4G": 40.0, "5G": 100.0}

Pair = tuple[str, str]


@dataclass(frozen=True)
class LoadModel:
    """Busy-hour load of the sectors and the speed targets.

    Parameters
    ----------
    market_share
        Operator (canonical name or alias) -> share of the people who are its
        subscribers (default :data:`VIETNAM_MARKET_SHARE`).
    other_share
        Share used for an operator not in ``market_share``.
    busy_hour_activity
        Share of a sector's subscribers receiving data at the same time in the busy hour
        (0.005: a 3,000-subscriber sector has 15 active users, the order of the
        busy-hour "average active users" counters of loaded macro cells). An
        assumption to calibrate with the operator's counters.
    targets_mbps
        Speed target per technology (Decision 36/QĐ-TTg: 4G 40, 5G 100 Mbit/s).
    """

    market_share: Mapping[str, float] = field(default_factory=lambda: dict(VIETNAM_MARKET_SHARE))
    other_share: float = 0.05
    busy_hour_activity: float = 0.005
    targets_mbps: Mapping[str, float] = field(default_factory=lambda: dict(SPEED_TARGETS_MBPS))

    def __post_init__(self) -> None:
        problems = []
        for name, share in {**dict(self.market_share), "other_share": self.other_share}.items():
            if not (isinstance(share, int | float) and 0.0 <= share <= 1.0):
                problems.append(f"market share of {name} = {share!r} must be within 0-1")
        if not (0.0 < self.busy_hour_activity <= 1.0):
            problems.append(f"busy_hour_activity = {self.busy_hour_activity} must be within (0, 1]")
        for tech, v in dict(self.targets_mbps).items():
            if tech not in DATA_TECHNOLOGIES or not (isinstance(v, int | float) and v > 0):
                problems.append(f"targets_mbps[{tech!r}] = {v!r}: technologies 4G/5G, positive Mbit/s")
        if problems:
            raise ConfigError("load model: " + "; ".join(problems))

    def share(self, operator: str) -> float:
        """Market share of ``operator``, matched by canonical name or alias, else ``other_share``."""
        want = resolve_operator(operator) or column_slug(operator)
        for name, share in self.market_share.items():
            if (resolve_operator(name) or column_slug(name)) == want:
                return float(share)
        return self.other_share


def user_throughput(rate_mbps: np.ndarray, serving: np.ndarray, people: np.ndarray, *, share: float,
                    activity: float) -> tuple[np.ndarray, pd.DataFrame]:
    """Per-cell user throughput and the per-sector table of one (operator, technology).

    Parameters
    ----------
    rate_mbps
        Single-user downlink rate per cell (NaN where not served).
    serving
        Serving station index per cell (-1 where none).
    people
        People per cell on the same grid.

    Returns
    -------
    (ndarray, DataFrame)
        ``R(x) / max(U_s, 1)`` per cell (float32, NaN where not served), and one row
        per serving sector: ``station_index, cells, people, active_users,
        mean_rate_mbps`` (area average) and ``user_throughput_mbps``.
    """
    ok = (serving >= 0) & np.isfinite(rate_mbps)
    idx = serving[ok].astype(np.int64)
    if idx.size == 0:
        empty = pd.DataFrame(columns=["station_index", "cells", "people", "active_users", "mean_rate_mbps",
                                      "user_throughput_mbps"])
        return np.full(serving.shape, np.nan, dtype=np.float32), empty
    sectors, inv = np.unique(idx, return_inverse=True)
    cells = np.bincount(inv)
    ppl = np.bincount(inv, weights=np.nan_to_num(people[ok].astype(np.float64)))
    rate_sum = np.bincount(inv, weights=rate_mbps[ok].astype(np.float64))
    users = ppl * share * activity
    divisor = np.maximum(users, 1.0)
    per_cell = np.full(serving.shape, np.nan, dtype=np.float32)
    per_cell[ok] = (rate_mbps[ok] / divisor[inv]).astype(np.float32)
    mean_rate = rate_sum / cells
    table = pd.DataFrame({"station_index": sectors, "cells": cells, "people": ppl, "active_users": users,
                          "mean_rate_mbps": mean_rate, "user_throughput_mbps": mean_rate / divisor})
    return per_cell, table


@dataclass(frozen=True, eq=False)
class SpeedAnalysis:
    """Results of :func:`analyse_speed`.

    Attributes
    ----------
    user_throughput_mbps
        Per (operator, technology): user throughput per cell under the load model.
    sectors
        One row per serving sector with its load and average user throughput.
    totals
        Per technology: people served, reaching the target, in speed gaps.
    communes
        Per commune (when given): ``people``, and per technology ``people_<tech>_served``,
        ``people_<tech>_target``, ``people_<tech>_speed_gap``, ``user_throughput_<tech>_mbps``
        (people-weighted mean over the served people of the best operator's user throughput),
        plus ``people_<tech>_target_<operator>``.
    speed_gaps
        4-connected groups of speed-gap cells per technology: ``technology, people,
        area_km2, geometry`` (largest first).
    """

    user_throughput_mbps: dict[tuple[str, str], Grid]
    sectors: pd.DataFrame
    totals: dict[str, dict[str, float | None]]
    communes: pd.DataFrame | None
    speed_gaps: gpd.GeoDataFrame
    load: LoadModel

    def summary(self) -> dict[str, Any]:
        return {"targets_mbps": dict(self.load.targets_mbps), "busy_hour_activity": self.load.busy_hour_activity,
                "totals": self.totals, "speed_gaps": len(self.speed_gaps)}


def analyse_speed(throughput_dl_mbps: Mapping[Pair, Grid], serving: Mapping[Pair, Grid], population: Grid, *,
                  communes: gpd.GeoDataFrame | None = None, load: LoadModel | None = None,
                  min_gap_people: float = 1.0) -> SpeedAnalysis:
    """User throughput, people reaching the speed targets and speed gaps (module docstring).

    ``throughput_dl_mbps`` and ``serving``: single-user downlink rate and serving station
    index per (operator, technology), as :class:`~towerplan.coverage.radio_maps.RadioMaps`
    holds them (or read back from ``towerplan coverage --sinr`` rasters). ``population``
    must be on their lattice (people per cell, NaN as 0): align it first with
    :func:`towerplan.planning.inputs.align_population_to`.
    """
    load = load or LoadModel()
    if not throughput_dl_mbps:
        raise ConfigError("no 4G/5G radio maps: run coverage with sinr=True on 4G or 5G sectors")
    missing = set(throughput_dl_mbps) - set(serving)
    if missing:
        raise ConfigError(f"no serving-sector grid for {sorted(missing)}")
    like = next(iter(throughput_dl_mbps.values()))
    if not population.same_lattice(like):
        raise RasterDataError("the population grid is not on the coverage lattice; align it first "
                              "(towerplan.planning.inputs.align_population_to)")
    people = np.nan_to_num(population.values.astype(np.float64), nan=0.0)
    per_cell: dict[tuple[str, str], Grid] = {}
    tables = []
    for (op, tech), rate in throughput_dl_mbps.items():
        cell, table = user_throughput(rate.values, serving[(op, tech)].values, people,
                                      share=load.share(op), activity=load.busy_hour_activity)
        per_cell[(op, tech)] = rate.with_values(cell, nodata=float("nan"))
        tables.append(table.assign(operator=op, technology=tech))
    sectors = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    layers = _target_layers(throughput_dl_mbps, per_cell, load)
    totals = {tech: {"people_served": round(float(people[m["served"]].sum()), 1),
                     "people_target": round(float(people[m["target"]].sum()), 1),
                     "people_speed_gap": round(float(people[m["gap"]].sum()), 1),
                     "mean_user_throughput_mbps": _people_mean(m["best_mbps"], people, m["served"]),
                     "target_mbps": load.targets_mbps.get(tech, math.nan)}
              for tech, m in layers.items()}
    table = _commune_table(communes, like, people, layers) if communes is not None else None
    gaps = _speed_gap_polygons(layers, people, like, min_gap_people)
    return SpeedAnalysis(per_cell, sectors, totals, table, gaps, load)


def _people_mean(values: np.ndarray, people: np.ndarray, where: np.ndarray) -> float | None:
    """People-weighted mean of ``values`` over the cells ``where`` (None when nobody lives there)."""
    w = np.where(where, people, 0.0)
    total = float(w.sum())
    return round(float((w * values).sum() / total), 2) if total > 0 else None


def _target_layers(rates: Mapping[Pair, Grid], per_cell: Mapping[tuple[str, str], Grid],
                   load: LoadModel) -> dict[str, dict[str, np.ndarray]]:
    out: dict[str, dict[str, np.ndarray]] = {}
    for tech in DATA_TECHNOLOGIES:
        pairs = [p for p in per_cell if p[1] == tech]
        if not pairs or tech not in load.targets_mbps:
            continue
        target = float(load.targets_mbps[tech])
        shape = per_cell[pairs[0]].shape
        served = np.zeros(shape, dtype=bool)
        reach = np.zeros(shape, dtype=bool)
        by_op = {}
        best = np.zeros(shape)
        for p in pairs:
            rate = rates[p].values
            served |= np.isfinite(rate) & (rate > 0)
            user = np.nan_to_num(per_cell[p].values, nan=-1.0)
            best = np.maximum(best, user)
            ok = user >= target
            by_op[p[0]] = ok
            reach |= ok
        out[tech] = {"served": served, "target": reach, "gap": served & ~reach, "best_mbps": best,
                     **{f"op:{op}": m for op, m in by_op.items()}}
    return out


def _commune_table(communes: gpd.GeoDataFrame, like: Grid, people: np.ndarray,
                   layers: Mapping[str, Mapping[str, np.ndarray]]) -> pd.DataFrame:
    zones, notes = prepare_zones(communes, like.crs)
    for note in notes:
        log.info("communes: %s", note)
    weights = zone_weights(zones, like)
    out = pd.DataFrame(zones.drop(columns=zones.geometry.name)).reset_index(drop=True)
    out["people"] = weights.sums(people)
    for tech, masks in layers.items():
        t = tech.lower()
        out[f"people_{t}_served"] = weights.sums(np.where(masks["served"], people, 0.0))
        out[f"people_{t}_target"] = weights.sums(np.where(masks["target"], people, 0.0))
        out[f"people_{t}_speed_gap"] = weights.sums(np.where(masks["gap"], people, 0.0))
        served_people = np.asarray(out[f"people_{t}_served"], dtype=float)
        thr_sum = np.asarray(weights.sums(np.where(masks["served"], people * masks["best_mbps"], 0.0)), dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"user_throughput_{t}_mbps"] = np.where(served_people > 0, thr_sum / served_people, np.nan)
        for key, mask in masks.items():
            if key.startswith("op:"):
                out[f"people_{t}_target_{column_slug(key[3:])}"] = weights.sums(np.where(mask, people, 0.0))
    return out


def _speed_gap_polygons(layers: Mapping[str, Mapping[str, np.ndarray]], people: np.ndarray, like: Grid,
                        min_people: float) -> gpd.GeoDataFrame:
    rows = []
    cell_km2 = like.cell_area_m2 / 1e6
    for tech, masks in layers.items():
        labels, n = ndimage.label(masks["gap"] & (people > 0))
        if n == 0:
            continue
        ppl = ndimage.sum_labels(people, labels, index=np.arange(1, n + 1))
        cells = np.bincount(labels.ravel(), minlength=n + 1)[1:]
        keep = ppl >= min_people
        geoms = gap_polygons(np.where(np.isin(labels, np.flatnonzero(keep) + 1), labels, 0), like)
        for k in np.flatnonzero(keep):
            rows.append({"technology": tech, "people": float(ppl[k]), "area_km2": float(cells[k] * cell_km2),
                         "geometry": geoms[k]})
    frame = gpd.GeoDataFrame(rows, columns=["technology", "people", "area_km2", "geometry"], geometry="geometry",
                             crs=like.crs)
    return frame.sort_values(["people", "technology"], ascending=[False, True], ignore_index=True)
