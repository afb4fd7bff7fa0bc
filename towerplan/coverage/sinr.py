"""Downlink SINR per operator, accumulated inside the coverage engine's sector loop.

For each operator and data technology (4G, 5G) at every cell:

* the *serving sector* is the operator's strongest sector of that technology
  (reported level, RSRP / SS-RSRP per resource element, at or above the coverage
  threshold; ties to the lower station index, as the engine's best server);
* *interference* is the received power per resource element of the operator's other
  sectors on the same *carrier*: same technology and overlapping downlink band
  ``[freq - bandwidth/2, freq + bandwidth/2]`` (bandwidth from a ``bandwidth_mhz``
  station column, else the technology's ``CoverageConfig.technologies`` bandwidth),
  scaled by the technology's load factor. Different operators use separate carriers
  and never interfere;
* *noise* is kT per resource element (15 kHz for LTE, the NR subcarrier spacing)
  plus the handset noise figure (:class:`~towerplan.coverage.radio.SinrSettings`).

``SINR = S / (load (I_carrier - S) + N)``, all per resource element in mW, where
``I_carrier`` is the sum over every sector of the carrier, the serving one included.
Reference signals are assumed to carry the average power per resource element and
interfering cells to transmit on the fraction ``load`` of theirs (the usual system
-level approximation, 3GPP TR 36.942 section 4).

What the kernels accumulate (:mod:`._sinr_kernels`): per (operator, technology) the
best level and its station; per carrier the integer sum of linear power. Interferers
are counted from ``threshold_dbm - interference_margin_db`` up, where the engine has
computed their path loss (``REACH_MARGIN_DB`` below the strongest sector of their
site, inside the site's radius). 2G C/I and 3G Ec/Io are not computed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from towerplan.coverage import _sinr_kernels as skern
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.radio import DATA_TECHNOLOGIES
from towerplan.errors import StationDataError
from towerplan.grid import Grid

__all__ = ["CarrierPlan", "SinrResult", "plan_carriers", "new_sinr_acc", "finish_sinr", "sinr_bytes_needed",
           "sinr_db", "sinr_summary", "noise_per_re_dbm", "p10_p50_p90"]

log = logging.getLogger(__name__)

Pair = tuple[str, str]


@dataclass(frozen=True)
class CarrierPlan:
    """Operator/technology pairs and carriers of a run, and each station's codes.

    ``codes[i] = (pair, carrier)`` for station index ``i`` (-1, -1 when the sector takes
    no part: another technology, or not usable); ``bandwidth_mhz[i]`` its carrier
    bandwidth; ``carriers[k] = (operator, technology, low_mhz, high_mhz)``.
    """

    pairs: tuple[Pair, ...]
    carriers: tuple[tuple[str, str, float, float], ...]
    codes: np.ndarray
    bandwidth_mhz: np.ndarray
    floor_dbm: float
    uplink_gain_db: np.ndarray


def _bandwidths(table: pd.DataFrame, stations: pd.DataFrame, config: CoverageConfig) -> np.ndarray:
    default = np.array([config.technologies[t].bandwidth_mhz for t in table["technology"]], dtype=float)
    if "bandwidth_mhz" not in stations.columns:
        return default
    given = pd.to_numeric(pd.Series(stations["bandwidth_mhz"].to_numpy()), errors="coerce").to_numpy(dtype=float)
    bad = np.isfinite(given) & ~((given > 0) & (given <= 400))
    if bad.any():
        raise StationDataError(f"bandwidth_mhz must be within (0, 400] MHz (rows {np.flatnonzero(bad)[:10].tolist()})")
    return np.where(np.isfinite(given), given, default)


def plan_carriers(table: pd.DataFrame, stations: pd.DataFrame, config: CoverageConfig) -> CarrierPlan:
    """Group the usable 4G/5G sectors of ``table`` (the engine's prepared table) into carriers.

    ``stations`` is the caller's table in the same row order (for ``bandwidth_mhz``).
    Within one operator and technology, sectors whose bands overlap are one carrier
    (connected groups: A overlaps B and B overlaps C puts all three together).
    """
    bw = _bandwidths(table, stations, config)
    n = len(table)
    codes = np.full((n, 2), -1, dtype=np.int64)
    pairs: list[Pair] = []
    carriers: list[tuple[str, str, float, float]] = []
    use = table["usable"].to_numpy(dtype=bool) & table["technology"].isin(DATA_TECHNOLOGIES).to_numpy()
    lo = table["freq_mhz"].to_numpy(dtype=float) - bw / 2.0
    hi = table["freq_mhz"].to_numpy(dtype=float) + bw / 2.0
    keys = sorted({(str(o), str(t)) for o, t in zip(table["operator"][use], table["technology"][use], strict=True)})
    for op, tech in keys:
        members = np.flatnonzero(use & (table["operator"] == op).to_numpy() & (table["technology"] == tech).to_numpy())
        p = len(pairs)
        pairs.append((op, tech))
        order = members[np.lexsort((hi[members], lo[members]))]
        cur_hi = -np.inf
        for i in order:
            if lo[i] >= cur_hi:  # touching bands do not overlap
                carriers.append((op, tech, float(lo[i]), float(hi[i])))
            cur_hi = max(cur_hi, hi[i])
            k = len(carriers) - 1
            carriers[k] = (op, tech, carriers[k][2], float(cur_hi))
            codes[i] = (p, k)
    floor = config.threshold_dbm - config.radio.sinr.interference_margin_db
    return CarrierPlan(tuple(pairs), tuple(carriers), codes, bw, floor, _uplink_gain_db(table, stations, config))


def _column(stations: pd.DataFrame, name: str) -> np.ndarray:
    if name not in stations.columns:
        return np.full(len(stations), np.nan)
    return pd.to_numeric(pd.Series(stations[name].to_numpy()), errors="coerce").to_numpy(dtype=float)


def _uplink_gain_db(table: pd.DataFrame, stations: pd.DataFrame, config: CoverageConfig) -> np.ndarray:
    """Base-station antenna gain minus feeder loss per station (dB), from the station columns or defaults."""
    ul = config.radio.uplink
    default_gain = np.where(table["omni"].to_numpy(dtype=bool), ul.omni_antenna_gain_dbi, ul.bs_antenna_gain_dbi)
    gain = _column(stations, "antenna_gain_dbi")
    feeder = _column(stations, "feeder_loss_db")
    return np.where(np.isfinite(gain), gain, default_gain) - np.where(np.isfinite(feeder), feeder, ul.feeder_loss_db)


def sinr_bytes_needed(shape: tuple[int, int], plan: CarrierPlan) -> int:
    """Bytes of the SINR accumulators, twice (the merged result and a batch's partial), plus the outputs."""
    cells = int(shape[0]) * int(shape[1])
    return cells * (2 * (8 * len(plan.carriers) + 8 * len(plan.pairs)) + 12 * len(plan.pairs))


def new_sinr_acc(shape: tuple[int, int], plan: CarrierPlan) -> dict[str, np.ndarray]:
    n_p, n_c = max(len(plan.pairs), 1), max(len(plan.carriers), 1)
    return {"pair_best": np.full((n_p, *shape), -np.inf, dtype=np.float32),
            "pair_idx": np.full((n_p, *shape), -1, dtype=np.int32),
            "carrier_sum": np.zeros((n_c, *shape), dtype=np.int64)}


SINR_ACC_ORDER = ("pair_best", "pair_idx", "carrier_sum")


def accumulate_one(acc: dict[str, np.ndarray], plan: CarrierPlan, s: np.void, gain_args: tuple[Any, ...],
                   loss: np.ndarray, theta: np.ndarray, bearing: np.ndarray, box: tuple[int, int],
                   origin: tuple[int, int], config: CoverageConfig) -> None:
    """Add one sector (a record of the engine's site group, with its own path loss) to the SINR accumulators.

    ``gain_args``: the sector's antenna arguments as the engine passes them to its own
    accumulator (:func:`towerplan.coverage.engine.sector_gain_args`: pattern file or parametric
    pattern, tilts), so the serving level here is the engine's level.
    """
    idx = int(s["station_index"])
    pair, carrier = (int(v) for v in plan.codes[idx])
    if pair < 0:
        return
    skern.accumulate_carrier(  # type: ignore[call-arg]  # numba stub rejects *args
        loss, theta, bearing, box[0], box[1], origin[0], origin[1], *gain_args, float(s["base_dbm"]),
        config.threshold_dbm, plan.floor_dbm, idx, pair, carrier, acc["pair_best"], acc["pair_idx"],
        acc["carrier_sum"])


def merge_sinr(full: dict[str, np.ndarray], part: dict[str, np.ndarray], origin: tuple[int, int]) -> None:
    skern.merge_carrier_partial(origin[0], origin[1], *(full[k] for k in SINR_ACC_ORDER),
                                *(part[k] for k in SINR_ACC_ORDER))


@dataclass(frozen=True, eq=False)
class SinrResult:
    """Downlink SINR per (operator, technology) on the coverage grid.

    Attributes
    ----------
    sinr_db
        SINR of the serving sector, dB, float32; NaN where the operator has no sector of
        that technology at or above the coverage threshold.
    serving
        Station index of the serving sector (int32, -1 where none).
    level_dbm
        Serving level (RSRP / SS-RSRP), dBm.
    interference_dbm
        Load-scaled co-carrier interference per resource element, dBm (-inf: none).
    noise_dbm
        Noise per resource element of each technology (kT B + noise figure), dBm.
    bandwidth_mhz
        Carrier bandwidth of every station index (for throughput).
    uplink_gain_db
        Base-station antenna gain minus feeder loss of every station index (for the uplink).
    """

    pairs: tuple[Pair, ...]
    sinr_db: dict[Pair, Grid]
    serving: dict[Pair, Grid]
    level_dbm: dict[Pair, Grid]
    interference_dbm: dict[Pair, Grid]
    noise_dbm: dict[str, float]
    bandwidth_mhz: np.ndarray
    carriers: tuple[tuple[str, str, float, float], ...]
    uplink_gain_db: np.ndarray

    def summary(self) -> dict[str, Any]:
        """Noise per resource element, carriers, and per (operator, technology) the SINR percentiles."""
        return sinr_summary(self.pairs, lambda pair: self.sinr_db[pair].values, self.noise_dbm, self.carriers)


def p10_p50_p90(values: np.ndarray, *, decimals: int) -> list[float]:
    """The 10th, 50th and 90th percentiles (numpy's linear rule) of the finite values, rounded; [] if none."""
    ok = values[np.isfinite(values)]
    return [round(float(q), decimals) for q in np.percentile(ok, (10, 50, 90))] if ok.size else []


def sinr_summary(pairs: tuple[Pair, ...], values: Callable[[Pair], np.ndarray], noise_dbm: dict[str, float],
                 carriers: tuple[tuple[str, str, float, float], ...]) -> dict[str, Any]:
    """``SinrResult.summary`` from the SINR values of each pair (``values(pair)``; whole grids, or the
    merged rasters of a tiled run): cells with a finite SINR and their P10 / P50 / P90 (dB)."""
    out: dict[str, Any] = {"noise_per_re_dbm": {k: round(v, 2) for k, v in noise_dbm.items()},
                           "carriers": [list(c) for c in carriers], "operators": {}}
    for op, tech in pairs:
        v = values((op, tech))
        out["operators"].setdefault(op, {})[tech] = {
            "cells": int(np.isfinite(v).sum()),
            "sinr_db_p10_p50_p90": p10_p50_p90(v, decimals=2),
        }
    return out


def sinr_db(signal_dbm, interference_sum_dbm, noise_dbm, load):
    """SINR (dB) from the serving level, the carrier's total power (serving included) and the noise, per RE.

    Plain numpy (arrays broadcast): ``S / (load (I_sum - S) + N)``; the reference for the kernels.
    """
    s = 10.0 ** (np.asarray(signal_dbm, dtype=float) / 10.0)
    i = 10.0 ** (np.asarray(interference_sum_dbm, dtype=float) / 10.0)
    n = 10.0 ** (np.asarray(noise_dbm, dtype=float) / 10.0)
    return 10.0 * np.log10(s / (load * np.maximum(i - s, 0.0) + n))


def noise_per_re_dbm(config: CoverageConfig) -> dict[str, float]:
    """Thermal noise plus noise figure per resource element (dBm) per data technology, as the SINR uses it."""
    settings = config.radio.sinr
    # levels carry the study's per-technology offset (CoverageConfig.level_offsets_db): so does the noise
    return {t: settings.noise_per_re_dbm(config.technologies[t].subcarrier_spacing_khz if t == "5G" else 15)
            + config.level_offsets_db.get(t, 0.0) for t in DATA_TECHNOLOGIES}


def finish_sinr(dem: Grid, acc: dict[str, np.ndarray], holes: np.ndarray, plan: CarrierPlan,
                config: CoverageConfig) -> SinrResult:
    """Turn the merged accumulators into SINR grids (nodata in DEM holes and where no serving sector)."""
    settings = config.radio.sinr
    noise = noise_per_re_dbm(config)
    car_of = plan.codes[:, 1]
    # and, indoors, each carrier's building entry loss term (CoverageConfig.carrier_entry_loss): per carrier
    carrier_db = np.zeros(max(len(plan.carriers), 1))
    if config.carrier_entry_loss is not None and plan.carriers:
        carrier_db = config.carrier_entry_loss.offset_db([c[1] for c in plan.carriers],
                                                         [(c[2] + c[3]) / 2.0 for c in plan.carriers])
    out_sinr, out_srv, out_lvl, out_int = {}, {}, {}, {}
    for p, (op, tech) in enumerate(plan.pairs):
        idx = acc["pair_idx"][p]
        none = (idx < 0) | holes
        level = acc["pair_best"][p].astype(np.float64)
        carrier = np.where(none, -1, car_of[np.maximum(idx, 0)])
        total = np.zeros(idx.shape, dtype=np.int64)
        for k in np.unique(carrier[carrier >= 0]):
            sel = carrier == k
            total[sel] = acc["carrier_sum"][k][sel]
        s_q = np.floor(10.0 ** (np.minimum(np.where(none, -300.0, level), skern.MAX_LEVEL_DBM) / 10.0)
                       / skern.QUANTUM_MW + 0.5).astype(np.int64)
        other = np.maximum(total - s_q, 0).astype(np.float64) * skern.QUANTUM_MW * settings.load(tech)
        n_mw = 10.0 ** ((noise[tech] + carrier_db[np.maximum(carrier, 0)]) / 10.0)
        with np.errstate(divide="ignore"):
            sinr = 10.0 * np.log10(s_q * skern.QUANTUM_MW / (other + n_mw))
            interf = 10.0 * np.log10(other)
        nan = np.float32(np.nan)
        out_sinr[(op, tech)] = dem.with_values(np.where(none, nan, sinr).astype(np.float32), nodata=float("nan"))
        out_srv[(op, tech)] = dem.with_values(np.where(none, -1, idx).astype(np.int32), nodata=-1)
        out_lvl[(op, tech)] = dem.with_values(np.where(none, nan, level).astype(np.float32), nodata=float("nan"))
        out_int[(op, tech)] = dem.with_values(np.where(none, nan, interf).astype(np.float32), nodata=float("nan"))
    return SinrResult(plan.pairs, out_sinr, out_srv, out_lvl, out_int, noise, plan.bandwidth_mhz, plan.carriers,
                      plan.uplink_gain_db)
