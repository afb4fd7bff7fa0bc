"""Single-user throughput from SINR: 3GPP TR 36.942 Annex A.2 and the TS 38.306 NR peak rate.

Downlink rate at a cell for the serving carrier of bandwidth ``B``::

    rate = min(layers x B x SE(SINR), ceiling)
    SE(SINR) = 0                                   SINR < SINR_min
             = min(alpha log2(1 + SINR), SE_max)   otherwise

LTE (:data:`~towerplan.coverage.radio.LTE_DOWNLINK`): alpha 0.6, SINR_min -10 dB,
SE_max 4.4 bit/s/Hz, one layer (TR 36.942 Table A.2-1), no other ceiling: a 20 MHz
carrier peaks at 88 Mbit/s. NR (:data:`~towerplan.coverage.radio.NR_DOWNLINK`): the
same form per layer, no SE_max, and the ceiling is the approximate peak data rate of
TS 38.306 section 4.1.2 (:func:`nr_peak_rate_mbps`). This is the rate one user gets alone
on the carrier (the *single-user peak* at that cell); :mod:`towerplan.planning.speed`
shares it among the active users of the sector.

Not modelled: the TDD downlink/uplink time split (an NR n78 carrier with a DDDSU pattern
spends ~25 % of its slots on the uplink; TS 38.306's formula leaves it out too), carrier
aggregation and EN-DC (one carrier per technology serves), and control-channel overhead for
LTE beyond what alpha absorbs.
"""

from __future__ import annotations

import math

import numpy as np

from towerplan.coverage.linkbudget import resource_blocks
from towerplan.coverage.radio import NrPeakRate, RadioSettings, RateModel
from towerplan.errors import InputError

__all__ = ["spectral_efficiency_bps_hz", "nr_peak_rate_mbps", "rate_mbps", "downlink_rate_mbps",
           "required_sinr_db", "prb_count"]


def spectral_efficiency_bps_hz(sinr_db, model: RateModel):
    """Per-layer spectral efficiency (bit/s/Hz) of the attenuated Shannon mapping (arrays broadcast; NaN stays NaN)."""
    s = np.asarray(sinr_db, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        se = model.alpha * np.log2(1.0 + 10.0 ** (s / 10.0))
    if model.max_bps_hz is not None:
        se = np.minimum(se, model.max_bps_hz)
    return np.where(s >= model.sinr_min_db, se, np.where(np.isnan(s), np.nan, 0.0))


def prb_count(technology: str, bandwidth_mhz: float, subcarrier_spacing_khz: int) -> int:
    """Resource blocks of a carrier: the 3GPP table when it lists the bandwidth, else the usable 90 % of the band."""
    try:
        return resource_blocks(technology, bandwidth_mhz, subcarrier_spacing_khz)  # type: ignore[arg-type]
    except InputError:
        return max(1, math.floor(0.9 * bandwidth_mhz * 1e3 / (12 * subcarrier_spacing_khz)))


def nr_peak_rate_mbps(*, bandwidth_mhz: float, subcarrier_spacing_khz: int, layers: int,
                      peak: NrPeakRate | None = None, n_prb: int | None = None) -> float:
    """Approximate NR peak data rate of one carrier, Mbit/s (3GPP TS 38.306 section 4.1.2).

    ``1e-6 v_layers Q_m f R_max (N_PRB 12 / T_s) (1 - OH)`` with ``mu = log2(SCS / 15 kHz)``
    and ``T_s = 1e-3 / (14 2^mu)`` s; ``N_PRB`` from TS 38.101-1 Table 5.3.2-1 unless given.
    """
    peak = peak or NrPeakRate()
    mu = math.log2(subcarrier_spacing_khz / 15.0)
    if mu != int(mu) or not 0 <= mu <= 4:
        raise InputError(f"subcarrier spacing must be 15, 30, 60, 120 or 240 kHz, got {subcarrier_spacing_khz}")
    nprb = n_prb if n_prb is not None else prb_count("5G", bandwidth_mhz, subcarrier_spacing_khz)
    t_s = 1e-3 / (14 * 2 ** int(mu))
    return 1e-6 * layers * peak.modulation_order * peak.scaling_factor * peak.r_max * (nprb * 12 / t_s) * (
        1.0 - peak.overhead)


def rate_mbps(sinr_db, bandwidth_mhz, model: RateModel, ceiling_mbps=np.inf):
    """``min(layers B SE(SINR), ceiling)`` in Mbit/s (arrays broadcast)."""
    se = spectral_efficiency_bps_hz(sinr_db, model)
    return np.minimum(model.layers * np.asarray(bandwidth_mhz, dtype=float) * se, ceiling_mbps)


def downlink_rate_mbps(sinr_db, bandwidth_mhz, technology: str, radio: RadioSettings, *,
                       subcarrier_spacing_khz: int = 30):
    """Downlink single-user rate of an LTE (``"4G"``) or NR (``"5G"``) carrier, Mbit/s.

    ``bandwidth_mhz`` may vary per cell (the serving sector's carrier); NR's ceiling is
    computed per distinct bandwidth.
    """
    model = radio.rate_model(technology)
    bw = np.asarray(bandwidth_mhz, dtype=float)
    if technology != "5G":
        return rate_mbps(sinr_db, bw, model)
    ceiling = np.full(bw.shape, np.inf)
    for b in np.unique(bw[np.isfinite(bw)]):
        ceiling[bw == b] = nr_peak_rate_mbps(bandwidth_mhz=float(b), subcarrier_spacing_khz=subcarrier_spacing_khz,
                                             layers=model.layers, peak=radio.nr_peak)
    return rate_mbps(sinr_db, bw, model, ceiling)


def required_sinr_db(rate_mbps_needed: float, bandwidth_mhz: float, model: RateModel) -> float:
    """Smallest SINR (dB) giving ``rate_mbps_needed`` on ``bandwidth_mhz`` (inf when beyond SE_max)."""
    se = rate_mbps_needed / (model.layers * bandwidth_mhz)
    if model.max_bps_hz is not None and se > model.max_bps_hz:
        return math.inf
    if se <= 0.0:
        return model.sinr_min_db
    return max(10.0 * math.log10(2.0 ** (se / model.alpha) - 1.0), model.sinr_min_db)
