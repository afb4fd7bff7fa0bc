"""Find each measurement's serving sector in the station list, or build stations from the measurements.

A measurement names its serving cell in one of three ways (tried in this order):

1. ``cell_id`` equal to a station's ``cell_id`` (compared as text, ``"123.0"`` = ``"123"``),
   or to ``site_id-cell_id``; G-NetTrack's ``Node`` + ``CellID`` also match
   ``node-cellid`` and the LTE ECI ``node * 256 + cellid`` (3GPP TS 36.413: the
   28-bit E-UTRAN cell identity is the 20-bit eNB id followed by the 8-bit cell id);
2. ``site_id`` + ``freq_mhz``: the station's site with a carrier within ``freq_tol_mhz``;
3. ``cell_lon, cell_lat`` + ``freq_mhz``: a station within ``position_tol_m`` of that
   position, on a carrier within ``freq_tol_mhz``.

When the operator or technology of a measurement is known, candidates of another
operator / technology are left out. Among the sectors of one site and carrier the
one whose azimuth points closest to the measurement serves it (omni first).
Measurements that match nothing are counted and listed with the reason; they are
never dropped silently.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pyproj import Geod

from towerplan.errors import InputError
from towerplan.stations import StationDefaults

__all__ = ["Matches", "match_serving", "stations_from_measurements"]

log = logging.getLogger(__name__)
_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True, eq=False)
class Matches:
    """Result of :func:`match_serving`.

    Attributes
    ----------
    serving
        For each measurement (row of the table given), the 0-based row of its serving
        sector in the station table, -1 when none.
    method
        How it was matched (``cell_id``, ``site_id+freq``, ``position+freq``) or ``""``.
    unmatched
        The measurements without a serving sector: ``file, row, line, reason``.
    """

    serving: np.ndarray
    method: np.ndarray
    unmatched: pd.DataFrame

    def __post_init__(self) -> None:
        if len(self.serving) != len(self.method):
            raise InputError("Matches: serving and method differ in length")


def _key(value: object) -> str:
    text = str(value).strip().lower()
    if text in ("", "nan", "none", "<na>"):
        return ""
    try:
        number = float(text.replace(",", "."))
        if number.is_integer():
            return str(int(number))
    except ValueError:
        pass
    return text


def _filter(cands: np.ndarray, st: pd.DataFrame, operator: str, technology: str) -> np.ndarray:
    if operator and operator != "unknown":
        ops = st["operator"].astype(str).to_numpy()[cands]
        if (ops == operator).any():
            cands = cands[ops == operator]
    if technology:
        techs = st["technology"].astype(str).str.upper().to_numpy()[cands]
        if (techs == technology).any():
            cands = cands[techs == technology]
    return cands


def _pick_by_bearing(cands: np.ndarray, st: pd.DataFrame, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """For each point, the candidate sector pointing closest to it (omni counts as pointing everywhere)."""
    if len(cands) == 1:
        return np.full(len(lon), cands[0], dtype=np.int64)
    best = np.full(len(lon), cands[0], dtype=np.int64)
    best_off = np.full(len(lon), np.inf)
    for c in cands:
        az_st = float(st["azimuth_deg"].iloc[c]) if "azimuth_deg" in st.columns else np.nan
        if not np.isfinite(az_st):
            off = np.zeros(len(lon))
        else:
            fwd, _, _ = _GEOD.inv(np.full(len(lon), float(st["lon"].iloc[c])),
                                  np.full(len(lon), float(st["lat"].iloc[c])), lon, lat)
            off = np.abs((np.asarray(fwd) - az_st + 180.0) % 360.0 - 180.0)
        better = off < best_off
        best[better] = c
        best_off[better] = off[better]
    return best


def match_serving(
    measurements: pd.DataFrame,
    stations: pd.DataFrame,
    *,
    freq_tol_mhz: float = 5.0,
    position_tol_m: float = 100.0,
) -> Matches:
    """Match every measurement to its serving sector (see the module docstring)."""
    n = len(measurements)
    st = stations.reset_index(drop=True)
    serving = np.full(n, -1, dtype=np.int64)
    method = np.full(n, "", dtype=object)
    reason = np.full(n, "", dtype=object)
    st_cell = st["cell_id"].map(_key).to_numpy() if "cell_id" in st.columns else np.full(len(st), "")
    st_site = st["site_id"].map(_key).to_numpy() if "site_id" in st.columns else np.full(len(st), "")
    st_freq = pd.to_numeric(st.get("freq_mhz"), errors="coerce").to_numpy(dtype=float)
    by_cell: dict[str, list[int]] = {}
    for k, (c, s) in enumerate(zip(st_cell, st_site, strict=True)):
        for key in {c, f"{s}-{c}" if s and c else ""} - {""}:
            by_cell.setdefault(key, []).append(k)
    m = measurements.reset_index(drop=True)
    m_op = m["operator"].astype(str).to_numpy()
    m_tech = m["technology"].astype(str).to_numpy()
    m_freq = m["freq_mhz"].to_numpy(dtype=float)
    lon, lat = m["lon"].to_numpy(dtype=float), m["lat"].to_numpy(dtype=float)
    cell = m["cell_id"].map(_key).to_numpy()
    site = m["site_id"].map(_key).to_numpy()
    node = m["node"].map(_key).to_numpy() if "node" in m.columns else np.full(n, "")
    cell_lon = m["cell_lon"].to_numpy(dtype=float)
    cell_lat = m["cell_lat"].to_numpy(dtype=float)
    # group identical serving descriptions: a drive test has few cells and many samples
    desc = pd.DataFrame({"cell": cell, "site": site, "node": node, "op": m_op, "tech": m_tech,
                         "freq": np.round(m_freq, 3), "clon": np.round(cell_lon, 7), "clat": np.round(cell_lat, 7)})
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(desc.fillna(-9999.0)))
    for u in range(len(uniques)):
        idx = np.flatnonzero(codes == u)
        r = idx[0]
        cands, how = _candidates(cell[r], site[r], node[r], m_freq[r], cell_lon[r], cell_lat[r], by_cell, st_site,
                                 st_freq, st, freq_tol_mhz, position_tol_m)
        if cands is None:
            reason[idx] = how
            continue
        cands = _filter(cands, st, m_op[r], m_tech[r])
        if how == "cell_id" and len(cands) > 1:
            cands = cands[:1] if len(set(st_site[cands])) == 1 and len(set(st_freq[cands])) == 1 else cands
            if len(cands) > 1:
                reason[idx] = f"cell_id matches {len(cands)} stations (give operator/technology/frequency)"
                continue
        serving[idx] = _pick_by_bearing(cands, st, lon[idx], lat[idx])
        method[idx] = how
    miss = serving < 0
    unmatched = m.loc[miss, ["file", "row", "line"]].assign(reason=reason[miss]).reset_index(drop=True)
    if miss.any():
        log.warning("%d of %d measurement(s) match no sector of the station list", int(miss.sum()), n)
    return Matches(serving, method, unmatched)


def _candidates(cell, site, node, freq, clon, clat, by_cell, st_site, st_freq, st, freq_tol, pos_tol):
    """Candidate station rows for one serving description, and how they were found (or why not)."""
    keys = [cell]
    if node and cell:
        keys.append(f"{node}-{cell}")
        with contextlib.suppress(ValueError):
            keys.append(str(int(node) * 256 + int(cell)))
    if cell:
        for key in keys:
            if key in by_cell:
                return np.array(by_cell[key], dtype=np.int64), "cell_id"
    freq_ok = np.isfinite(st_freq) & (np.abs(st_freq - freq) <= freq_tol) if np.isfinite(freq) else None
    if site and freq_ok is not None:
        found = np.flatnonzero((st_site == site) & freq_ok)
        if len(found):
            return found, "site_id+freq"
    if np.isfinite(clon) and np.isfinite(clat) and freq_ok is not None:
        _, _, d = _GEOD.inv(np.full(len(st), clon), np.full(len(st), clat), st["lon"].to_numpy(dtype=float),
                            st["lat"].to_numpy(dtype=float))
        found = np.flatnonzero((np.asarray(d) <= pos_tol) & freq_ok)
        if len(found):
            return found, "position+freq"
    if cell:
        return None, f"cell_id '{cell}' is not in the station list"
    if site:
        return None, f"site_id '{site}' has no carrier at {freq:g} MHz" if np.isfinite(freq) else "no frequency"
    if np.isfinite(clon):
        return None, "no station on that carrier within the position tolerance of the serving cell position"
    return None, "no serving cell given (cell_id, site_id + freq_mhz, or cell_lon/cell_lat + freq_mhz)"


def stations_from_measurements(
    measurements: pd.DataFrame,
    *,
    antenna_height_m: float = 30.0,
    eirp_dbm: float | None = None,
    defaults: StationDefaults | None = None,
) -> pd.DataFrame:
    """One omni station per serving-cell position, carrier, operator and technology found in the file.

    For drive tests that carry the serving cell's position (``cell_lon, cell_lat,
    freq_mhz``) but no station list. Azimuth, antenna height and transmit power are
    unknown: the cells are omni (NaN azimuth), ``antenna_height_m`` high, with
    ``eirp_dbm`` (default: the station defaults' transmit power + omni gain - feeder
    loss). The calibration's offset absorbs the unknown power; the slope and the
    per-cell offsets part of the unknown height and pattern.
    """
    d = defaults or StationDefaults()
    eirp = eirp_dbm if eirp_dbm is not None else d.tx_power_dbm + d.omni_antenna_gain_dbi - d.feeder_loss_db
    m = measurements
    have = np.isfinite(m["cell_lon"].to_numpy(dtype=float)) & np.isfinite(m["freq_mhz"].to_numpy(dtype=float))
    if not have.any():
        raise InputError("the measurements carry no serving-cell position and frequency (cell_lon, cell_lat, "
                         "freq_mhz): give a station list with --stations")
    cols = ["cell_lon", "cell_lat", "freq_mhz", "operator", "technology"]
    cells = (m.loc[have, cols].assign(cell_lon=lambda t: t["cell_lon"].round(7),
                                      cell_lat=lambda t: t["cell_lat"].round(7))
             .drop_duplicates().sort_values(cols).reset_index(drop=True))
    sites = cells[["cell_lon", "cell_lat"]].drop_duplicates().reset_index(drop=True)
    site_ids = {(r.cell_lon, r.cell_lat): f"M{k + 1:03d}" for k, r in enumerate(sites.itertuples())}
    out = pd.DataFrame({
        "site_id": [site_ids[(a, b)] for a, b in zip(cells["cell_lon"], cells["cell_lat"], strict=True)],
        "operator": cells["operator"].to_numpy(), "technology": cells["technology"].to_numpy(),
        "lon": cells["cell_lon"].to_numpy(), "lat": cells["cell_lat"].to_numpy(),
        "antenna_height_m": float(antenna_height_m), "azimuth_deg": np.nan,
        "freq_mhz": cells["freq_mhz"].to_numpy(), "eirp_dbm": float(eirp),
        "tilt_deg": 0.0, "h_beamwidth_deg": 360.0, "v_beamwidth_deg": 180.0,
    })
    out["cell_id"] = [f"{s}-{f:g}-{o}" for s, f, o in zip(out["site_id"], out["freq_mhz"], out["operator"],
                                                           strict=True)]
    return out[["site_id", "cell_id", "operator", "technology", "lon", "lat", "antenna_height_m", "azimuth_deg",
                "tilt_deg", "h_beamwidth_deg", "v_beamwidth_deg", "freq_mhz", "eirp_dbm"]]
