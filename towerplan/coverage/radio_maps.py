"""Per-operator radio maps from a coverage run with SINR: SINR, downlink and uplink throughput.

:func:`radio_maps` turns ``CoverageResult.sinr`` into rates per (operator, technology)
(:mod:`.throughput`, :mod:`.uplink`) and one *serving layer* per operator: at each cell
the data technology (4G or 5G) giving the operator's highest downlink rate, with its
SINR and uplink rate. ``uplink_limited`` marks cells where the downlink works (a
serving sector at or above the threshold and a rate above 0) but the uplink gives less
than ``UplinkSettings.min_rate_mbps``; a cell is served in both directions otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from towerplan.coverage.engine import CoverageResult
from towerplan.coverage.radio import DATA_TECHNOLOGIES
from towerplan.coverage.sinr import p10_p50_p90
from towerplan.coverage.throughput import downlink_rate_mbps
from towerplan.coverage.uplink import uplink_of_pair
from towerplan.errors import ConfigError
from towerplan.grid import Grid

__all__ = ["RadioMaps", "OperatorRadio", "radio_maps", "rate_summary"]

Pair = tuple[str, str]


@dataclass(frozen=True, eq=False)
class OperatorRadio:
    """One operator's serving layer: SINR (dB), downlink / uplink rate (Mbit/s), technology, uplink limit."""

    sinr_db: Grid
    throughput_dl_mbps: Grid
    throughput_ul_mbps: Grid
    technology: Grid  # int8 index into DATA_TECHNOLOGIES, -1 where none
    uplink_limited: Grid  # uint8: 1 uplink-limited, 0 served both ways, 255 no downlink service


@dataclass(frozen=True, eq=False)
class RadioMaps:
    """SINR and rates per (operator, technology) and per operator (see the module docstring)."""

    sinr_db: dict[Pair, Grid]
    throughput_dl_mbps: dict[Pair, Grid]
    throughput_ul_mbps: dict[Pair, Grid]
    serving: dict[Pair, Grid]
    operators: dict[str, OperatorRadio]
    min_uplink_mbps: float

    def rasters(self, slug: Callable[[str], str]) -> dict[str, tuple[Grid, str, Any]]:
        """File name -> (grid, dtype, nodata): ``sinr_<op>_db.tif``, ``throughput_dl_<op>_mbps.tif``,
        ``throughput_ul_<op>_mbps.tif``, ``uplink_limited_<op>.tif``, ``serving_<op>_<tech>.tif`` (station
        index of the serving sector per technology, for the load model), and per technology
        ``sinr_<op>_<tech>_db.tif`` / ``throughput_dl_<op>_<tech>_mbps.tif`` when an operator has both."""
        nan = float("nan")
        out: dict[str, tuple[Grid, str, Any]] = {}
        for op, r in self.operators.items():
            s = slug(op)
            out[f"sinr_{s}_db.tif"] = (r.sinr_db, "float32", nan)
            out[f"throughput_dl_{s}_mbps.tif"] = (r.throughput_dl_mbps, "float32", nan)
            out[f"throughput_ul_{s}_mbps.tif"] = (r.throughput_ul_mbps, "float32", nan)
            out[f"uplink_limited_{s}.tif"] = (r.uplink_limited, "uint8", 255)
            techs = [t for (o, t) in self.sinr_db if o == op]
            for t in techs:
                out[f"serving_{s}_{t.lower()}.tif"] = (self.serving[(op, t)], "int32", -1)
            if len(techs) > 1:
                for t in techs:
                    out[f"sinr_{s}_{t.lower()}_db.tif"] = (self.sinr_db[(op, t)], "float32", nan)
                    out[f"throughput_dl_{s}_{t.lower()}_mbps.tif"] = (self.throughput_dl_mbps[(op, t)], "float32", nan)
        return out

    def summary(self) -> dict[str, Any]:
        """Cells served downlink, served both ways and uplink-limited, and rate percentiles, per operator."""
        return rate_summary(self.min_uplink_mbps, {op: (r.uplink_limited.values, r.throughput_dl_mbps.values)
                                                   for op, r in self.operators.items()})


def rate_summary(min_uplink_mbps: float, operators: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, Any]:
    """``RadioMaps.summary`` from each operator's ``(uplink_limited, throughput_dl_mbps)`` values (whole
    grids, or the merged rasters of a tiled run)."""
    out: dict[str, Any] = {"min_uplink_mbps": min_uplink_mbps, "operators": {}}
    for op, (lim, dl) in operators.items():
        out["operators"][op] = {
            "cells_downlink": int((lim != 255).sum()),
            "cells_both_directions": int((lim == 0).sum()),
            "cells_uplink_limited": int((lim == 1).sum()),
            "throughput_dl_mbps_p10_p50_p90": p10_p50_p90(dl, decimals=1),
        }
    return out


def radio_maps(result: CoverageResult) -> RadioMaps:
    """SINR, downlink and uplink rates of a run made with ``CoverageConfig(sinr=True)``.

    Raises
    ------
    ConfigError
        The run was made without ``sinr=True``.
    """
    if result.sinr is None:
        raise ConfigError("this coverage result has no SINR: run it with CoverageConfig(sinr=True) (--sinr)")
    sinr = result.sinr
    config = result.config
    dl: dict[Pair, Grid] = {}
    ul: dict[Pair, Grid] = {}
    for pair in sinr.pairs:
        tech = pair[1]
        idx = sinr.serving[pair].values
        bw = np.where(idx >= 0, sinr.bandwidth_mhz[np.maximum(idx, 0)], np.nan)
        rate = downlink_rate_mbps(sinr.sinr_db[pair].values, bw, tech, config.radio,
                                  subcarrier_spacing_khz=config.technologies["5G"].subcarrier_spacing_khz)
        dl[pair] = sinr.sinr_db[pair].with_values(rate.astype(np.float32), nodata=float("nan"))
        ul[pair] = sinr.sinr_db[pair].with_values(uplink_of_pair(sinr, result.stations, pair, config),
                                                  nodata=float("nan"))
    ops = {op: _serving_layer([p for p in sinr.pairs if p[0] == op], sinr.sinr_db, dl, ul,
                              config.radio.uplink.min_rate_mbps)
           for op in dict.fromkeys(p[0] for p in sinr.pairs)}
    return RadioMaps(dict(sinr.sinr_db), dl, ul, dict(sinr.serving), ops, config.radio.uplink.min_rate_mbps)


def _serving_layer(pairs: list[Pair], sinr_db: dict[Pair, Grid], dl: dict[Pair, Grid], ul: dict[Pair, Grid],
                   min_ul: float) -> OperatorRadio:
    like = dl[pairs[0]]
    shape = like.shape
    best = np.full(shape, -np.inf)
    tech = np.full(shape, -1, dtype=np.int8)
    s_out = np.full(shape, np.nan, dtype=np.float32)
    d_out = np.full(shape, np.nan, dtype=np.float32)
    u_out = np.full(shape, np.nan, dtype=np.float32)
    for pair in sorted(pairs, key=lambda p: DATA_TECHNOLOGIES.index(p[1])):
        rate = dl[pair].values
        take = np.isfinite(rate) & (rate > best)
        best = np.where(take, rate, best)
        tech[take] = DATA_TECHNOLOGIES.index(pair[1])
        s_out[take] = sinr_db[pair].values[take]
        d_out[take] = rate[take]
        u_out[take] = ul[pair].values[take]
    dl_ok = np.isfinite(d_out) & (d_out > 0)
    limited = np.full(shape, 255, dtype=np.uint8)
    limited[dl_ok] = np.where(u_out[dl_ok] >= min_ul, 0, 1).astype(np.uint8)
    return OperatorRadio(like.with_values(s_out, nodata=float("nan")), like.with_values(d_out, nodata=float("nan")),
                         like.with_values(u_out, nodata=float("nan")), like.with_values(tech, nodata=-1),
                         like.with_values(limited, nodata=255))
