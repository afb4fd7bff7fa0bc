"""ITU-R P.1812-7 point to point (public API), and predictions for DBSG3 path files.

Recommendation ITU-R P.1812-7 (08/2023), "A path-specific propagation prediction
method for point-to-area terrestrial services in the frequency range 30 MHz to
6 000 MHz": basic transmission loss not exceeded for p % of time (1-50 %) and
pL % of locations, from line of sight with sub-path diffraction, delta-Bullington
diffraction, tropospheric scatter and ducting / layer reflection, over a terrain
profile whose intermediate points carry a representative clutter height R.
The kernels are :mod:`towerplan.coverage._p1812_kernels`.

Inputs the Recommendation takes from its digital maps (ΔN, N0) are arguments
here: the maps may not be redistributed. :data:`VIETNAM_DELTA_N` and
:data:`VIETNAM_N0` are the values used by default for Vietnam (see
:class:`towerplan.coverage.config.P1812Settings`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from towerplan.coverage import _p1812_kernels as pk
from towerplan.coverage import _p1812_profile as pf
from towerplan.coverage.clutter import CLUTTER_HEIGHTS_M, CLUTTER_NAMES
from towerplan.coverage.config import P1812Settings
from towerplan.coverage.sg3db import Sg3Path
from towerplan.errors import ModelInputError

__all__ = ["p1812_method_text", "P1812Result", "p1812_p2p_db", "path_centre_latitude_deg", "location_sigma_db",
           "predict_sg3", "Sg3Prediction", "field_strength_dbuv_m"]

_DEBUG_NAMES = ("dlt_km", "dlr_km", "theta_t_mrad", "theta_r_mrad", "theta_mrad", "hstd_m", "hsrd_m", "hte_m",
                "hre_m", "hm_m", "ae_km", "beta0_pct", "omega", "dtm_km", "dlm_km", "lbfs_db", "lb0p_db", "lb0b_db",
                "lbulla_db", "lbulls_db", "ldsph_db", "ld50_db", "ldp_db", "lbd_db", "lminb0p_db", "lba_db",
                "lminbap_db", "lbda_db", "lbam_db", "lbs_db", "lbc_db", "lb_db", "fj", "fk")


def p1812_method_text(settings: P1812Settings, *, land_cover: str | None = None) -> str:
    """How reports and ``method.json`` name P.1812 and its inputs (``land_cover``: the source, None: none)."""
    table = ", ".join(f"{CLUTTER_NAMES[k]} {CLUTTER_HEIGHTS_M[k]:g} m" for k in sorted(CLUTTER_NAMES))
    cover = (f"land cover: {land_cover}, clutter heights R per class ({table}; ITU-R P.1812-7 Table 2)"
             if land_cover else "land cover: none given, every cell open/rural with R = 0 m (bare terrain: towns "
             "and forest add no loss)")
    return (f"ITU-R P.1812-7 point-to-area (30 MHz-6 GHz, path-specific: line of sight, delta-Bullington "
            f"diffraction, troposcatter, ducting; terrain + clutter profile); ΔN {settings.delta_n:g} N-units/km, "
            f"N0 {settings.n0:g} N-units (P.452/P.1812 maps at Thanh Hóa), time {settings.time_percent:g} %, "
            f"locations {settings.location_percent:g} % (σL {settings.location_sigma_db:g} dB), "
            f"{settings.polarization} polarisation; {cover}")


@dataclass(frozen=True)
class P1812Result:
    """Basic transmission loss, the field strength for the given e.r.p., and the intermediate quantities."""

    lb_db: float
    ep_dbuv_m: float
    details: dict[str, float]


def field_strength_dbuv_m(lb_db: float, freq_mhz: float, erp_dbw: float = 30.0) -> float:
    """Field strength (dBµV/m) for ``erp_dbw`` e.r.p. from the basic transmission loss (eq. 70; 30 dBW = 1 kW)."""
    return 199.36 + 20.0 * math.log10(freq_mhz / 1000.0) - lb_db + (erp_dbw - 30.0)


def path_centre_latitude_deg(tx_lat_deg: float, tx_lon_deg: float, rx_lat_deg: float, rx_lon_deg: float,
                             distance_km: float) -> float:
    """Latitude of the point ``distance_km / 2`` along the great circle from Tx towards Rx (Attachment 2)."""
    re = 6371.0
    pt, pr = math.radians(tx_lat_deg), math.radians(rx_lat_deg)
    dlon = math.radians(rx_lon_deg - tx_lon_deg)
    cos_d = math.sin(pt) * math.sin(pr) + math.cos(pt) * math.cos(pr) * math.cos(dlon)
    x1 = math.sin(pr) - cos_d * math.sin(pt)
    y1 = math.cos(pt) * math.cos(pr) * math.sin(dlon)
    bearing = math.atan2(y1, x1)
    a = 0.5 * distance_km / re
    s = math.sin(pt) * math.cos(a) + math.cos(pt) * math.sin(a) * math.cos(bearing)
    return math.degrees(math.asin(max(-1.0, min(1.0, s))))


def location_sigma_db(freq_mhz: float, h_rx_m: float, clutter_m: float, *, wa_m: float = 100.0) -> float:
    """Location variability σL (dB) of P.1812-7 section 4.8 (eq. 65) for a receiver in clutter of height R.

    σL = (0.52 + 0.024 f) wa^0.28 with f in **GHz**, as everywhere in P.1812 (1.8 GHz, wa = 100 m:
    2.0 dB; the SG3 reference implementation's ``stdDev`` alike). ``wa_m`` is the square the
    prediction stands for (the Recommendation's reference is 100 m); σL falls to zero as the
    antenna rises 10 m above R.
    """
    sigma = (0.52 + 0.024 * freq_mhz / 1000.0) * wa_m**0.28
    if h_rx_m < clutter_m:
        uh = 1.0
    elif h_rx_m >= clutter_m + 10.0:
        uh = 0.0
    else:
        uh = 1.0 - (h_rx_m - clutter_m) / 10.0
    return sigma * uh


def _arr(values: Sequence[float] | np.ndarray | None, n: int, default: float, name: str, dtype=np.float64):
    if values is None:
        return np.full(n, default, dtype=dtype)
    a = np.ascontiguousarray(values, dtype=dtype)
    if a.shape != (n,):
        raise ModelInputError(f"{name} has {a.size} values but the profile has {n} points")
    return a


def p1812_p2p_db(
    distance_km: Sequence[float] | np.ndarray,
    height_m: Sequence[float] | np.ndarray,
    *,
    freq_mhz: float,
    time_percent: float,
    h_tx_m: float,
    h_rx_m: float,
    polarization: Literal["horizontal", "vertical"] = "vertical",
    clutter_m: Sequence[float] | np.ndarray | None = None,
    zone: Sequence[int] | np.ndarray | None = None,
    centre_latitude_deg: float = 20.0,
    delta_n: float = 45.0,
    n0: float = 345.0,
    dct_km: float = 500.0,
    dcr_km: float = 500.0,
    location_percent: float = 50.0,
    location_sigma_db: float = 0.0,
    erp_dbw: float = 30.0,
) -> P1812Result:
    """P.1812-7 basic transmission loss over one profile (Tx at the first point).

    Parameters
    ----------
    distance_km, height_m
        The profile: distances from the transmitter (first 0, ascending, any
        spacing), terrain heights (m above sea level); at least 5 points.
    clutter_m
        Representative clutter height R per point (m; default 0: no clutter). Its
        terminal values are ignored: antennas stand on the ground (section 3.2).
    zone
        Radio-meteorological zone per point: 1 sea, 3 coastal land, 4 inland (default).
    centre_latitude_deg
        Latitude of the path centre (:func:`path_centre_latitude_deg`), for β0.
    delta_n, n0
        Refractivity lapse rate ΔN (N-units/km) and sea-level surface refractivity
        N0 at the path centre (the Recommendation's maps DN50 and N050).
    dct_km, dcr_km
        Distances of the terminals from the coast (500 km: far inland; a terminal in
        the sea zone gets 0).
    location_percent, location_sigma_db
        pL (%) and σL (dB) of the location variability (eq. 64); no correction for a
        receiver at sea.
    erp_dbw
        Transmitter e.r.p. for the field strength (30 dBW = 1 kW).

    Raises
    ------
    ModelInputError
        Inputs outside the Recommendation's ranges or a malformed profile.
    """
    d = np.ascontiguousarray(distance_km, dtype=np.float64)
    n = d.size
    h = _arr(height_m, n, 0.0, "height_m")
    r = _arr(clutter_m, n, 0.0, "clutter_m")
    z = _arr(zone, n, 4, "zone", dtype=np.int64)
    problems = []
    if d.ndim != 1 or n < 5:
        problems.append(f"the profile needs at least 5 points, got {n}")
    elif d[0] != 0.0 or np.any(np.diff(d) <= 0) or not np.all(np.isfinite(d)):
        problems.append("distances must start at 0 km and increase strictly")
    if not (np.all(np.isfinite(h)) and np.all(np.isfinite(r)) and np.all(r >= 0)):
        problems.append("heights must be finite and clutter heights >= 0")
    if not np.all(np.isin(z, (1, 3, 4))):
        problems.append("zone values must be 1 (sea), 3 (coastal land) or 4 (inland)")
    checks = [(30.0 <= freq_mhz <= 6000.0, f"freq_mhz = {freq_mhz} must be within 30-6000 MHz"),
              (1.0 <= time_percent <= 50.0, f"time_percent = {time_percent} must be within 1-50 %"),
              (1.0 <= h_tx_m <= 3000.0, f"h_tx_m = {h_tx_m} must be within 1-3000 m"),
              (1.0 <= h_rx_m <= 3000.0, f"h_rx_m = {h_rx_m} must be within 1-3000 m"),
              (polarization in ("horizontal", "vertical"),
               f"polarization {polarization!r} must be horizontal or vertical"),
              (0.0 < location_percent < 100.0, f"location_percent = {location_percent} must be within (0, 100)"),
              (location_sigma_db >= 0.0, f"location_sigma_db = {location_sigma_db} must be >= 0"),
              (0.0 <= delta_n < 157.0, f"delta_n = {delta_n} must be within 0-157 N-units/km"),
              (200.0 <= n0 <= 500.0, f"n0 = {n0} must be within 200-500 N-units"),
              (abs(centre_latitude_deg) <= 90.0, "centre_latitude_deg must be within +-90"),
              (dct_km >= 0.0 and dcr_km >= 0.0, "dct_km and dcr_km must be >= 0")]
    problems += [msg for ok, msg in checks if not ok]
    if problems:
        raise ModelInputError("P.1812: " + "; ".join(problems))
    dbg = np.zeros(pk.N_DBG)
    with np.errstate(divide="ignore"):
        inv_d = 1.0 / d
    ae, ab = pk.path_radii(float(delta_n))
    tables = pf.prefix_tables(d, inv_d, h, r, n, float(h[0] + h_tx_m), ae, ab)
    lb = float(pk.p1812_path(d, inv_d, False, h, r, z, n, freq_mhz / 1000.0, float(time_percent), float(h_tx_m),
                             float(h_rx_m),
                             polarization == "vertical", float(centre_latitude_deg), float(delta_n), float(n0),
                             float(dct_km), float(dcr_km), float(location_percent), float(location_sigma_db), False,
                             tables, dbg))
    details = {name: float(v) for name, v in zip(_DEBUG_NAMES, dbg, strict=True)}
    return P1812Result(lb, field_strength_dbuv_m(lb, freq_mhz, erp_dbw), details)


@dataclass(frozen=True)
class Sg3Prediction:
    """One row of ``towerplan p1812``: dataset number (from 0), inputs, predicted Lb and field strength."""

    dataset: int
    freq_mhz: float
    time_percent: float
    lb_db: float
    ep_dbuv_m: float
    expected_lb_db: float
    expected_e_dbuv_m: float


def predict_sg3(path: Sg3Path, *, location_percent: float = 50.0,
                location_sigma_db: float = 0.0) -> list[Sg3Prediction]:
    """P.1812 for every dataset of a DBSG3 path, as the SG3 validation set was made.

    ΔN and N0 from the file; the path-centre latitude from the terminals; distance
    to the coast 500 km unless the terminal's zone is sea; the clutter column is the
    R profile; the field strength uses the dataset's ERP (1 kW when it is empty).
    """
    d = path.distance_km
    phi = path_centre_latitude_deg(path.tx_lat_deg, path.tx_lon_deg, path.rx_lat_deg, path.rx_lon_deg,
                                   float(d[-1] - d[0]))
    out = []
    for k, ds in enumerate(path.datasets):
        try:
            res = p1812_p2p_db(d, path.height_m, freq_mhz=ds.freq_mhz, time_percent=ds.time_percent,
                               h_tx_m=ds.h_tx_m, h_rx_m=ds.h_rx_m,
                               polarization="vertical" if ds.polarization == 2 else "horizontal",
                               clutter_m=path.clutter_m, zone=path.zone, centre_latitude_deg=phi,
                               delta_n=path.delta_n, n0=path.n0, location_percent=location_percent,
                               location_sigma_db=location_sigma_db,
                               erp_dbw=30.0 if math.isnan(ds.erp_dbw) else ds.erp_dbw)
        except ModelInputError as exc:
            raise ModelInputError(f"{path.name}, line {ds.line} (dataset {k}): {exc}") from None
        out.append(Sg3Prediction(k, ds.freq_mhz, ds.time_percent, res.lb_db, res.ep_dbuv_m, ds.expected_lb_db,
                                 ds.expected_e_dbuv_m))
    return out
