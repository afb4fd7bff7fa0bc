"""The coverage engine's result: :class:`CoverageResult`, and the merged accumulators wrapped into it.

Split from :mod:`towerplan.coverage.engine` (which re-exports :class:`CoverageResult`); the tiled
engine wraps each tile's accumulators with :func:`wrap_result` too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from towerplan.coverage import sinr as sinr_layer
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.service import served
from towerplan.grid import Grid

__all__ = ["CoverageResult", "wrap_result"]


@dataclass(frozen=True, eq=False)
class CoverageResult:
    """Outputs of :func:`run_coverage`, all on the DEM's lattice and CRS.

    Attributes
    ----------
    best_level
        Best reported level (RSRP / RSCP / RxLev), dBm, float32; NaN where no sector
        reaches ``threshold_dbm``.
    best_server
        Station index (row of ``stations``) of the best sector, int32; -1 where none.
    second_level
        Second-best level from another sector, dBm (NaN where fewer than two).
    server_count
        Sectors at or above the threshold (overlap), int32.
    operator_levels, technology_levels
        Best level per operator / per technology (NaN where none).
    path_loss
        Smallest path loss from any site, dB, without antenna gains; NaN where no site
        computed it: outside every site's radius, and where a site's loss exceeds by
        more than ``REACH_MARGIN_DB`` (10 dB) what its strongest sector can afford. With
        the reach bounds (P.1812, Hata / COST-231) and no SINR, a site's loss may also end
        where no sector of it can reach the threshold in that direction.
    stations
        The prepared table (``station_index``, projected ``x``/``y``, ``model``, ``usable``).
    skipped
        Stations left out, with a ``reason``.
    timings
        Seconds: ``prepare``, ``compute`` (wall time of the batches), ``finish``, ``total``.
    sinr
        Downlink SINR per operator and technology (:class:`~towerplan.coverage.sinr.SinrResult`)
        when ``config.sinr``, else None.
    """

    best_level: Grid
    best_server: Grid
    second_level: Grid
    server_count: Grid
    operator_levels: dict[str, Grid]
    technology_levels: dict[str, Grid]
    path_loss: Grid
    stations: pd.DataFrame
    skipped: pd.DataFrame
    config: CoverageConfig
    timings: dict[str, float] = field(default_factory=dict)
    n_sites: int = 0
    sinr: sinr_layer.SinrResult | None = None

    @property
    def covered(self) -> np.ndarray:
        """Any-operator union: True where at least one sector reaches the threshold."""
        return served(self.best_level, self.config.threshold_dbm)

    def summary(self) -> dict[str, Any]:
        """Cells and km² covered in total, per operator and per technology, plus settings and timings."""
        cell_km2 = self.best_level.cell_area_m2 / 1e6

        def stats(grid: Grid) -> dict[str, float]:
            n = int(served(grid, self.config.threshold_dbm).sum())
            return {"cells": n, "area_km2": round(n * cell_km2, 4)}

        return {
            "grid": {"shape": list(self.best_level.shape), "resolution_m": list(self.best_level.res),
                     "crs": self.best_level.crs.to_string(), "bounds": list(self.best_level.bounds)},
            "stations": {"used": int(self.stations["usable"].sum()), "skipped": len(self.skipped),
                         "sites": self.n_sites,
                         "skipped_rows": self.skipped.index.tolist()[:100]},
            "any_operator": stats(self.best_level),
            "operators": {k: stats(v) for k, v in self.operator_levels.items()},
            "technologies": {k: stats(v) for k, v in self.technology_levels.items()},
            "models": self.stations.loc[self.stations["usable"], "model"].value_counts().to_dict(),
            "settings": self.config.to_dict(),
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
        }


def wrap_result(dem: Grid, full: dict[str, np.ndarray], holes: np.ndarray, sectors, config: CoverageConfig,
          n_sites: int) -> CoverageResult:
    none = full["best_idx"] < 0
    none |= holes

    def level(arr: np.ndarray, mask: np.ndarray) -> Grid:
        # float32 already (the accumulators' type): no second copy
        out = np.where(mask | ~np.isfinite(arr), np.float32(np.nan), arr).astype(np.float32, copy=False)
        return dem.with_values(out, nodata=float("nan"))

    best = level(full["best"], none)
    server = np.where(none, np.int32(-1), full["best_idx"]).astype(np.int32, copy=False)
    second = level(full["second"], none | (full["second_idx"] < 0))
    count = np.where(holes, np.int32(0), full["count"]).astype(np.int32, copy=False)
    ops = {name: level(full["op_best"][k], holes) for k, name in enumerate(sectors.operators)}
    techs = {name: level(full["tech_best"][k], holes) for k, name in enumerate(sectors.technologies)}
    loss = level(full["loss"], holes)
    table = sectors.table.drop(columns=["op_code", "tech_code"])
    return CoverageResult(best, dem.with_values(server, nodata=-1), second, dem.with_values(count, nodata=None),
                          ops, techs, loss, table, sectors.skipped, config, {}, n_sites)
