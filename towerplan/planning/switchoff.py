"""Switch-off scenarios: who loses every service when 2G (and 3G) are switched off.

Viet Nam closes its older networks on a published calendar (:data:`SWITCH_OFF_CALENDAR`):
the Ministry of Information and Communications' roadmap to stop 2G (Circular
22/2024/TT-BTTTT and the roadmap announced with it, which ended 2G-only handsets and
set the end of GSM service), as revised in 2025 by the Ministry of Science and Technology
(which took over the MIC's duties in March 2025): GSM ran until **15 September 2026**, and 3G
is to close **by September 2028** (taken here as 30 September 2028). A scenario names the
technologies that are off, or a date and the calendar decides (:class:`SwitchOffSettings`).

:func:`switch_off_impact` compares, per operator and per commune, the people served before
(by any technology of the operator) with those served after (by the technologies left, plus
any coverage added, e.g. 4G radios on the sites that lose their only layer):

* ``lost``: served before, not after: they lose **every** service of that operator (the
  ``all operators`` rows: of every operator);
* ``gained``: not served before, served after (only through added coverage);
* the identity ``before = after + lost - gained`` holds per operator and commune.

The sites to act on are the operator's sites with a switched-off layer that served the people
who lose service (their best server on that layer): each is flagged ``needs_4g_radio`` when it
has no 4G layer yet (``add 4G``), else ``extend 4G`` (its 4G layer does not reach them: a
low band such as 900 MHz, tilt or height). Village counts use whatever village layer is loaded
(``villages`` with ``x``/``y`` and optional ``households``); without one the village columns
are left empty, not zero.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from towerplan.coverage.service import served
from towerplan.errors import ConfigError, InputError
from towerplan.grid import Grid

__all__ = ["ALL_OPERATORS", "SWITCH_OFF_CALENDAR", "SwitchOffImpact", "SwitchOffSettings", "switch_off_impact",
           "technologies_off"]

log = logging.getLogger(__name__)

#: technology -> the day its service ends (module docstring for the sources)
SWITCH_OFF_CALENDAR: dict[str, dt.date] = {"2G": dt.date(2026, 9, 15), "3G": dt.date(2028, 9, 30)}
#: the operator label of the rows that count every operator together
ALL_OPERATORS = "all operators"
_TECHS = ("2G", "3G", "4G", "5G")


def technologies_off(on: dt.date | str) -> tuple[str, ...]:
    """The technologies whose service has ended on ``on`` (a date or ``YYYY-MM-DD``) by the calendar."""
    day = _as_date(on, "date")
    return tuple(t for t, end in SWITCH_OFF_CALENDAR.items() if day >= end)


def _as_date(value: dt.date | str, what: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(f"switch_off.{what} must be a date YYYY-MM-DD, got {value!r}") from exc


@dataclass(frozen=True)
class SwitchOffSettings:
    """Which technologies are off (``[switch_off]`` in a scenario).

    Parameters
    ----------
    technologies
        Technologies switched off (``["2G"]``, ``["2G", "3G"]``).
    date
        ``YYYY-MM-DD``: switch off what :data:`SWITCH_OFF_CALENDAR` has ended by then (added to
        ``technologies``).
    add_4g_on_lost_sites
        Count as added a 4G radio on every site that would need one (:attr:`SwitchOffImpact.sites`),
        to show what they win back (``gained``).
    """

    technologies: tuple[str, ...] = ()
    date: str | None = None
    add_4g_on_lost_sites: bool = False

    def __post_init__(self) -> None:
        techs = tuple(str(t).strip().upper() for t in self.technologies)
        bad = [t for t in techs if t not in _TECHS]
        if bad:
            raise ConfigError(f"switch_off.technologies: unknown {bad} (expected {', '.join(_TECHS)})")
        if self.date is not None:
            _as_date(self.date, "date")
        if not techs and self.date is None:
            raise ConfigError("switch_off needs technologies (e.g. [\"2G\"]) or a date")
        object.__setattr__(self, "technologies", techs)

    @property
    def off(self) -> tuple[str, ...]:
        """Every technology switched off: those named and those the calendar has ended by ``date``."""
        by_date = technologies_off(self.date) if self.date is not None else ()
        return tuple(t for t in _TECHS if t in self.technologies or t in by_date)


@dataclass(frozen=True, eq=False)
class SwitchOffImpact:
    """What a switch-off does (:func:`switch_off_impact`).

    Attributes
    ----------
    off
        The technologies switched off.
    by_commune
        One row per commune (and ``outside communes`` for the people outside every commune) and
        operator (plus :data:`ALL_OPERATORS`): ``commune``, ``operator``, ``people_before``,
        ``people_after``, ``people_lost``, ``people_gained``, ``villages_lost`` and
        ``households_lost`` (empty without a village layer).
    sites
        The operator sites with a switched-off layer serving people who lose service:
        ``operator``, ``site_id``, ``technologies``, ``lon``, ``lat``, ``people_lost`` (cells it
        was the best server of on the switched-off layers), ``needs_4g_radio``, ``action``.
    totals
        The all-operator figures over the whole grid.
    lost_any
        Cells whose people lose every service of every operator (boolean grid).
    """

    off: tuple[str, ...]
    by_commune: pd.DataFrame
    sites: pd.DataFrame
    totals: dict[str, float]
    lost_any: np.ndarray = field(repr=False)


def _zone_sums(values: np.ndarray, zones: gpd.GeoDataFrame | None, names: list[str], grid: Grid) -> np.ndarray:
    """Sums per commune, then the remainder outside every commune (last)."""
    total = float(np.nansum(values))
    if zones is None or len(zones) == 0:
        return np.array([total])
    from towerplan.planning.zonal import zone_weights

    per = zone_weights(zones, grid).sums(values)
    return np.append(per, total - per.sum())


def _village_counts(villages: pd.DataFrame | None, grid: Grid, lost: np.ndarray,
                    zone_of: np.ndarray | None, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    if villages is None or len(villages) == 0:
        return np.full(n_rows, np.nan), np.full(n_rows, np.nan)
    r, c = grid.rowcol(villages["x"].to_numpy(float), villages["y"].to_numpy(float))
    ok = (r >= 0) & (r < grid.height) & (c >= 0) & (c < grid.width)
    hit = np.zeros(len(villages), dtype=bool)
    hit[ok] = lost[r[ok], c[ok]]
    hh = villages["households"].to_numpy(float) if "households" in villages else np.full(len(villages), np.nan)
    zone = np.full(len(villages), n_rows - 1) if zone_of is None else zone_of
    count = np.bincount(zone[hit], minlength=n_rows).astype(float)
    households = np.bincount(zone[hit], weights=np.nan_to_num(hh[hit]), minlength=n_rows)
    return count, households


def _sites_to_act(lost: Mapping[str, np.ndarray], people: np.ndarray, off: tuple[str, ...],
                  servers: Mapping[tuple[str, str], tuple[Grid, pd.DataFrame]], stations: pd.DataFrame) -> pd.DataFrame:
    cols = ["operator", "site_id", "technologies", "lon", "lat", "people_lost", "needs_4g_radio", "action"]
    techs = stations.assign(technology=stations["technology"].astype(str).str.upper()).groupby(
        ["operator", "site_id"])["technology"].agg(lambda s: ",".join(sorted(set(s))))
    rows: dict[tuple[str, str], float] = {}
    for (op, tech), (best, table) in servers.items():
        if tech not in off or op not in lost:
            continue
        idx = best.values.astype(np.int64)
        mask = lost[op] & (idx >= 0)
        if not mask.any():
            continue
        site = table["site_id"].astype(str).to_numpy()
        per = pd.Series(people[mask]).groupby(site[idx[mask]]).sum()
        for sid, value in per.items():
            rows[(op, str(sid))] = rows.get((op, str(sid)), 0.0) + float(value)
    if not rows:
        return pd.DataFrame({c: [] for c in cols})
    pos = stations.assign(site_id=stations["site_id"].astype(str)).groupby(
        ["operator", "site_id"])[["lon", "lat"]].first()
    out = []
    for (op, sid), value in sorted(rows.items()):
        have = techs.get((op, sid), "")
        needs = "4G" not in have.split(",")
        out.append({"operator": op, "site_id": sid, "technologies": have, "lon": float(pos.loc[(op, sid), "lon"]),
                    "lat": float(pos.loc[(op, sid), "lat"]), "people_lost": value, "needs_4g_radio": needs,
                    "action": "add 4G" if needs else "extend 4G"})
    table = pd.DataFrame(out, columns=cols)
    return table.sort_values(["people_lost", "operator", "site_id"], ascending=[False, True, True],
                             kind="stable").reset_index(drop=True)


def switch_off_impact(
    levels: Mapping[tuple[str, str], Grid],
    population: Grid,
    *,
    off: tuple[str, ...],
    thresholds_dbm: Mapping[str, float] | float,
    stations: pd.DataFrame,
    servers: Mapping[tuple[str, str], tuple[Grid, pd.DataFrame]] | None = None,
    added: Mapping[str, Grid] | None = None,
    communes: gpd.GeoDataFrame | None = None,
    commune_names: list[str] | None = None,
    villages: pd.DataFrame | None = None,
) -> SwitchOffImpact:
    """People (and villages) losing every service per commune and operator when ``off`` are switched off.

    Parameters
    ----------
    levels
        (operator, technology) -> best level (dBm) of that operator's layer, on the population's lattice.
    population
        People per cell.
    off
        Technologies switched off (:attr:`SwitchOffSettings.off`).
    thresholds_dbm
        Service criterion per technology (dBm), or one for all (:func:`~towerplan.coverage.service.served`).
    stations
        Canonical station table (``operator``, ``site_id``, ``technology``, ``lon``, ``lat``).
    servers
        (operator, technology) -> (best-server grid, its station table with ``site_id``) for the
        sites to act on; None: no site list.
    added
        Operator -> level grid of coverage added after the switch-off (e.g. new 4G radios).
    communes, commune_names
        Commune polygons in the grid's CRS (people at boundaries shared by area) and their names.
    villages
        Village points (``x``/``y`` in the grid's CRS, optional ``households``); None: no village counts.
    """
    if not levels:
        raise InputError("no coverage levels given (operator, technology) -> Grid")
    grid = population
    people = population.masked(fill=0.0)
    crit = (lambda t: float(thresholds_dbm)) if isinstance(thresholds_dbm, (int, float)) \
        else (lambda t: float(thresholds_dbm[t]))  # type: ignore[index]
    operators = sorted({op for op, _ in levels})
    before: dict[str, np.ndarray] = {}
    after: dict[str, np.ndarray] = {}
    for op in operators:
        b = np.zeros(grid.shape, dtype=bool)
        a = np.zeros(grid.shape, dtype=bool)
        for (o, tech), g in levels.items():
            if o != op:
                continue
            if not g.same_lattice(grid):
                raise InputError(f"the {op} {tech} levels are not on the population's lattice")
            s = served(g, crit(tech))
            b |= s
            if tech not in off:
                a |= s
        if added and op in added:
            a |= served(added[op], crit("4G"))
        before[op], after[op] = b, a
    before[ALL_OPERATORS] = np.logical_or.reduce([before[o] for o in operators])
    after[ALL_OPERATORS] = np.logical_or.reduce([after[o] for o in operators])
    names = list(commune_names) if commune_names is not None else (
        [f"#{k + 1}" for k in range(len(communes))] if communes is not None else [])
    labels = [*names, "outside communes"] if communes is not None and len(communes) else ["whole area"]
    zone_of = None
    if villages is not None and len(villages) and communes is not None and len(communes):
        pts = gpd.GeoSeries(gpd.points_from_xy(villages["x"], villages["y"]), crs=grid.crs)
        joined = gpd.sjoin(gpd.GeoDataFrame(geometry=pts), communes.reset_index(drop=True)[["geometry"]],
                           how="left", predicate="within")
        first = joined[~joined.index.duplicated()]["index_right"]
        zone_of = np.where(first.notna(), first.fillna(-1).to_numpy(), len(labels) - 1).astype(np.int64)
    frames = []
    lost_masks = {}
    for op in [*operators, ALL_OPERATORS]:
        lost = before[op] & ~after[op]
        gained = after[op] & ~before[op]
        lost_masks[op] = lost
        v_count, v_hh = _village_counts(villages, grid, lost, zone_of, len(labels))
        frames.append(pd.DataFrame({
            "commune": labels, "operator": op,
            "people_before": _zone_sums(people * before[op], communes, names, grid),
            "people_after": _zone_sums(people * after[op], communes, names, grid),
            "people_lost": _zone_sums(people * lost, communes, names, grid),
            "people_gained": _zone_sums(people * gained, communes, names, grid),
            "villages_lost": v_count, "households_lost": v_hh,
        }))
    table = pd.concat(frames, ignore_index=True)
    sites = _sites_to_act(lost_masks, people, off, servers or {}, stations)
    every = table[table["operator"] == ALL_OPERATORS]
    totals = {k: float(every[k].sum()) for k in ("people_before", "people_after", "people_lost", "people_gained")}
    totals["sites_to_act"] = float(len(sites))
    totals["sites_needing_4g_radio"] = float(sites["needs_4g_radio"].sum()) if len(sites) else 0.0
    log.info("switch-off %s: %.0f people lose every service, %d sites to act on", "+".join(off) or "nothing",
             totals["people_lost"], len(sites))
    return SwitchOffImpact(tuple(off), table, sites, totals, lost_masks[ALL_OPERATORS])
