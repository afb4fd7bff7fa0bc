"""The placement's speed objective: people brought up to the national download-speed target.

Demand (:func:`speed_demand`): the cells where no operator's user throughput of the
candidate radio's technology meets the speed target (Decision 36/QĐ-TTg: 4G 40 Mbit/s,
5G 100 Mbit/s; :data:`towerplan.planning.speed.SPEED_TARGETS_MBPS`) under the load model
of :mod:`towerplan.planning.speed`; a populated such cell weighs its people.

A candidate *brings a cell up to the target* when its predicted level there (the engine's
level of the candidate radio, the same path as the coverage matrix) reaches the level a
new carrier needs for the target::

    L_req(x) = SINR_req + 10 log10( I(x) + N )

* ``SINR_req``: the smallest SINR whose rate (3GPP TR 36.942 Annex A.2 attenuated Shannon
  mapping, :func:`towerplan.coverage.throughput.required_sinr_db`, on the technology's
  default carrier bandwidth) is ``target x active_users``; ``active_users`` (default 1) is
  the number of busy-hour users the new sector shares its rate among, a design
  assumption: the new sector's real load is only known after choosing (re-run the speed
  analysis of the plan to check it).
* ``N``: thermal noise plus the handset noise figure per resource element (as the SINR layer).
* ``I(x)``: the interference the new carrier would meet. The radio joins one operator's
  network on that operator's carrier, so every one of the operator's sectors of that
  technology which reaches the cell today interferes: ``load x S + I_other`` (the serving
  level ``S`` and the load-scaled co-carrier interference ``I_other`` of the SINR layer).
  The candidate's one radio goes to whichever operator it suits best, so ``I(x)`` is the
  smallest of the operators' (0 where an operator has no sector of that technology there).
  Sub-threshold interferers are left out (as in the SINR layer).

Not modelled: the candidate's own other sectors, and the relief it brings to the loaded
sectors whose users it takes over (it can only raise speeds further).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.sinr import SinrResult
from towerplan.coverage.throughput import nr_peak_rate_mbps, required_sinr_db
from towerplan.errors import ConfigError
from towerplan.grid import Grid
from towerplan.planning.speed import LoadModel

__all__ = ["SpeedDemand", "speed_demand", "required_level_dbm"]

log = logging.getLogger(__name__)

Pair = tuple[str, str]


@dataclass(frozen=True, eq=False)
class SpeedDemand:
    """What the speed objective needs on the coverage lattice (module docstring).

    Attributes
    ----------
    technology
        The candidate radio's technology (4G or 5G).
    target_mbps
        Speed target of that technology.
    required_sinr_db
        SINR a new carrier needs for ``target_mbps x active_users``.
    below_target
        Cells where no operator meets the target today (bool).
    required_level_dbm
        Level a candidate must reach at each cell to bring it up (float32).
    active_users
        Busy-hour users sharing the new sector's rate (design assumption).
    """

    technology: str
    target_mbps: float
    required_sinr_db: float
    below_target: np.ndarray
    required_level_dbm: np.ndarray
    active_users: float = 1.0

    def __post_init__(self) -> None:
        problems = []
        if np.shape(self.below_target) != np.shape(self.required_level_dbm):
            problems.append(f"below_target {np.shape(self.below_target)} and required_level_dbm "
                            f"{np.shape(self.required_level_dbm)} differ in shape")
        if not (math.isfinite(self.target_mbps) and self.target_mbps > 0):
            problems.append(f"target_mbps = {self.target_mbps} must be > 0")
        if not (math.isfinite(self.active_users) and self.active_users >= 1.0):
            problems.append(f"active_users = {self.active_users} must be at least 1")
        if problems:
            raise ConfigError("speed demand: " + "; ".join(problems))

    def summary(self) -> dict[str, Any]:
        return {"technology": self.technology, "target_mbps": self.target_mbps,
                "required_sinr_db": round(self.required_sinr_db, 2), "active_users": self.active_users,
                "cells_below_target": int(np.count_nonzero(self.below_target))}


def _required_sinr(technology: str, target_mbps: float, config: CoverageConfig) -> float:
    tech = config.technologies[technology]
    model = config.radio.rate_model(technology)
    if technology == "5G":
        ceiling = nr_peak_rate_mbps(bandwidth_mhz=tech.bandwidth_mhz,
                                    subcarrier_spacing_khz=tech.subcarrier_spacing_khz, layers=model.layers,
                                    peak=config.radio.nr_peak)
        if target_mbps > ceiling:
            return math.inf
    return required_sinr_db(target_mbps, tech.bandwidth_mhz, model)


def required_level_dbm(sinr_req_db: float, interference_mw: np.ndarray, noise_dbm: float) -> np.ndarray:
    """``sinr_req_db + 10 log10(I + N)`` per cell (dBm, float32); ``interference_mw`` per resource element."""
    total = np.asarray(interference_mw, dtype=float) + 10.0 ** (noise_dbm / 10.0)
    return (sinr_req_db + 10.0 * np.log10(total)).astype(np.float32)


def speed_demand(sinr: SinrResult, user_throughput_mbps: Mapping[Pair, Grid], *, technology: str,
                 config: CoverageConfig, load: LoadModel | None = None, active_users: float = 1.0) -> SpeedDemand:
    """The speed objective's demand and per-cell level requirement (module docstring).

    ``sinr``: the coverage run's SINR layer; ``user_throughput_mbps``: per (operator,
    technology) user throughput under the load model
    (:attr:`towerplan.planning.speed.SpeedAnalysis.user_throughput_mbps`).

    Raises
    ------
    ConfigError
        The technology has no speed target, or the target cannot be reached on one carrier
        of the default bandwidth whatever the SINR.
    """
    load = load or LoadModel()
    if technology not in load.targets_mbps:
        raise ConfigError(f"the speed objective needs a speed target for {technology} (targets: "
                          f"{', '.join(load.targets_mbps) or 'none'}); the candidate radio must be 4G or 5G")
    target = float(load.targets_mbps[technology])
    need = target * active_users
    sinr_req = _required_sinr(technology, need, config)
    if not math.isfinite(sinr_req):
        bw = config.technologies[technology].bandwidth_mhz
        raise ConfigError(f"{need:g} Mbit/s cannot be reached on one {bw:g} MHz {technology} carrier at any SINR "
                          "(the rate mapping's ceiling): lower the target or the active users, or widen the carrier")
    shape = sinr.sinr_db[sinr.pairs[0]].shape if sinr.pairs else next(iter(user_throughput_mbps.values())).shape
    reach = np.zeros(shape, dtype=bool)
    for (_, tech), grid in user_throughput_mbps.items():
        if tech == technology:
            reach |= np.nan_to_num(grid.values, nan=-1.0) >= target
    settings = config.radio.sinr
    interference = None
    for op, tech in sinr.pairs:
        if tech != technology:
            continue
        s_dbm = sinr.level_dbm[(op, tech)].values.astype(float)
        i_dbm = sinr.interference_dbm[(op, tech)].values.astype(float)
        with np.errstate(invalid="ignore"):
            mw = np.where(np.isfinite(s_dbm), settings.load(tech) * 10.0 ** (s_dbm / 10.0)
                          + np.where(np.isfinite(i_dbm), 10.0 ** (i_dbm / 10.0), 0.0), 0.0)
        interference = mw if interference is None else np.minimum(interference, mw)
    if interference is None:
        interference = np.zeros(shape)
    noise = sinr.noise_dbm.get(technology, settings.noise_per_re_dbm(
        config.technologies[technology].subcarrier_spacing_khz if technology == "5G" else 15))
    levels = required_level_dbm(sinr_req, interference, noise)
    log.info("speed objective: %s target %g Mbit/s x %g user(s) needs SINR %.1f dB; %d cells below target",
             technology, target, active_users, sinr_req, int((~reach).sum()))
    return SpeedDemand(technology, target, sinr_req, ~reach, levels, float(active_users))
