"""Uplink: the handset's rate towards its downlink serving sector, by reciprocity.

The uplink path loss is the downlink's (same sector, same antenna pattern, same
margins), so the power the base station receives from the handset is, in dBm::

    P_ul = RSRP - level_offset - EIRP + P_UE + G_BS - L_feeder

(``RSRP = EIRP + level_offset - margins + A(phi, theta) - L``; ``level_offset`` is
``-10 log10(12 N_RB)``, the resource-element share of :mod:`.linkbudget`). The handset
puts its whole power into the ``n`` resource blocks it is given; the noise is kT over
those blocks plus the base station's noise figure plus an uplink interference margin,
and the rate is the TR 36.942 uplink mapping (:data:`~towerplan.coverage.radio.LTE_UPLINK`)
over them. A power-limited handset gains from a narrower allocation only while the
SINR is below the mapping's floor, so the best of ``n = 1, 2, 4, ..., N_RB`` is taken.
A cell is *served* when the downlink reaches the coverage threshold and the uplink
gives at least ``UplinkSettings.min_rate_mbps``; *uplink-limited* cells are covered
downlink but fail the uplink. TDD uplink time shares are not applied (FDD view).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.radio import NR_TDD_HIGH_POWER_BANDS_MHZ, UplinkSettings
from towerplan.coverage.sinr import SinrResult
from towerplan.coverage.throughput import prb_count, spectral_efficiency_bps_hz

__all__ = ["uplink_rate_mbps", "ue_power_dbm", "uplink_of_pair"]


def ue_power_dbm(technology: str, freq_mhz, settings: UplinkSettings):
    """Handset power per sector: 23 dBm, or 26 dBm for NR TDD high-power bands when enabled."""
    f = np.asarray(freq_mhz, dtype=float)
    p = np.full(f.shape, settings.ue_power_dbm)
    if settings.nr_tdd_high_power and technology == "5G":
        hp = np.zeros(f.shape, dtype=bool)
        for lo, hi in NR_TDD_HIGH_POWER_BANDS_MHZ:
            hp |= (f >= lo) & (f <= hi)
        p = np.where(hp, 26.0, p)
    return p


def uplink_rate_mbps(rx_power_dbm, n_prb, subcarrier_spacing_khz: float, settings: UplinkSettings,
                     *, thermal_noise_dbm_hz: float = -174.0):
    """Best uplink rate (Mbit/s) over allocations of 1, 2, 4, ... ``n_prb`` resource blocks (arrays broadcast)."""
    p = np.asarray(rx_power_dbm, dtype=float)
    nmax = np.broadcast_to(np.asarray(n_prb, dtype=np.int64), p.shape)
    best = np.where(np.isnan(p), np.nan, 0.0)
    top = int(nmax.max()) if nmax.size else 1
    sizes = sorted({2**k for k in range(int(math.log2(max(top, 1))) + 1)} | set(np.unique(nmax).tolist()))
    for n in sizes:
        b_hz = n * 12 * subcarrier_spacing_khz * 1e3
        noise = thermal_noise_dbm_hz + 10.0 * math.log10(b_hz) + settings.bs_noise_figure_db \
            + settings.interference_margin_db
        rate = settings.rate.layers * b_hz / 1e6 * spectral_efficiency_bps_hz(p - noise, settings.rate)
        # a cell tries 1, 2, 4, ... and its own N_RB only (not other cells' N_RB): its rate is its own
        allowed = (n <= nmax) & ((n & (n - 1) == 0) | (n == nmax))
        best = np.where(allowed & (rate > best), rate, best)
    return best


def uplink_of_pair(sinr: SinrResult, stations: pd.DataFrame, pair: tuple[str, str],
                   config: CoverageConfig) -> np.ndarray:
    """Uplink rate (Mbit/s, float32, NaN where no serving sector) of one (operator, technology)."""
    tech = pair[1]
    settings = config.radio.uplink
    tp = config.technologies[tech]
    scs = tp.subcarrier_spacing_khz if tech == "5G" else 15
    idx = sinr.serving[pair].values
    level = sinr.level_dbm[pair].values.astype(np.float64)
    ok = idx >= 0
    i = np.maximum(idx, 0)
    eirp = stations["eirp_dbm"].to_numpy(dtype=float)
    freq = stations["freq_mhz"].to_numpy(dtype=float)
    p_ue = ue_power_dbm(tech, freq, settings)
    # the study's per-technology (and per-carrier) offsets too
    offset = config.sector_offsets_db(np.full(len(freq), tech), freq)
    rx = level - offset[i] - eirp[i] + p_ue[i] + sinr.uplink_gain_db[i]
    nprb_of = {b: prb_count(tech, float(b), scs) for b in np.unique(sinr.bandwidth_mhz)}
    nprb = np.array([nprb_of[b] for b in sinr.bandwidth_mhz], dtype=np.int64)[i]
    rate = uplink_rate_mbps(np.where(ok, rx, np.nan), nprb, scs, settings,
                            thermal_noise_dbm_hz=config.radio.sinr.thermal_noise_dbm_hz)
    return np.where(ok, rate, np.nan).astype(np.float32)
