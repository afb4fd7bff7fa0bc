"""The radio part of ``coverage_summary.json`` for a tiled run, identical to the serial run's.

A serial run with SINR writes per (operator, technology) the SINR percentiles
(:meth:`~towerplan.coverage.sinr.SinrResult.summary`) and per operator the served cells and
downlink-rate percentiles (:meth:`~towerplan.coverage.radio_maps.RadioMaps.summary`). Both
need the whole grid, so a tiled run computes them after the merge, from the merged rasters,
with the same functions (:func:`~towerplan.coverage.sinr.sinr_summary`,
:func:`~towerplan.coverage.radio_maps.rate_summary`) on the same values (the tiled rasters
are the serial run's, cell for cell). One raster is read at a time (4 bytes a cell).

An operator with one data technology has no per-technology SINR raster: its serving layer
``sinr_<operator>_db.tif`` holds that technology's SINR wherever it is finite (the serving
layer takes the technology's value wherever its rate is defined, and the rate is defined
wherever the SINR is), which is all the summary reads.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.radio_maps import rate_summary
from towerplan.coverage.sinr import CarrierPlan, noise_per_re_dbm, sinr_summary
from towerplan.errors import ConfigError

__all__ = ["tiled_radio_summary"]

Pair = tuple[str, str]


def _values(path: Path) -> np.ndarray:
    import rasterio

    with rasterio.open(path) as src:
        return src.read(1)


def tiled_radio_summary(files: dict[str, Path], plan: CarrierPlan, config: CoverageConfig,
                        slug: Callable[[str], str] = str) -> dict[str, Any]:
    """``{"sinr": ..., "min_uplink_mbps": ..., "operators": ...}`` as the serial run's ``summary["radio"]``.

    ``files``: the merged layers of :func:`~towerplan.coverage.tiled.run_coverage_tiled` (``radio:<file
    name>`` -> GeoTIFF), named with ``slug`` as they were written.

    Raises
    ------
    ConfigError
        A radio raster the summary needs is not among ``files`` (the run was made without SINR).
    """
    techs: dict[str, list[str]] = {}
    for op, tech in plan.pairs:
        techs.setdefault(op, []).append(tech)

    def layer(name: str) -> np.ndarray:
        path = files.get(f"radio:{name}")
        if path is None:
            raise ConfigError(f"the tiled run has no {name}: run it with CoverageConfig(sinr=True) (--sinr)")
        return _values(Path(path))

    def sinr_of(pair: Pair) -> np.ndarray:
        op, tech = pair
        s = slug(op)
        return layer(f"sinr_{s}_{tech.lower()}_db.tif" if len(techs[op]) > 1 else f"sinr_{s}_db.tif")

    sinr = sinr_summary(plan.pairs, sinr_of, noise_per_re_dbm(config), plan.carriers)
    rates = rate_summary(config.radio.uplink.min_rate_mbps,
                         {op: (layer(f"uplink_limited_{slug(op)}.tif"), layer(f"throughput_dl_{slug(op)}_mbps.tif"))
                          for op in techs})
    return {"sinr": sinr, **rates}
