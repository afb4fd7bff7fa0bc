"""Per-cell terms of a calibration beyond the group line: vertical-pattern tilt, shrunk slope and bearing terms.

Three corrections a drive test supports cell by cell (:mod:`towerplan.measurements.calibrate`
combines them with the group offsets and slopes):

* **Vertical pattern** (:func:`fit_tilts`). A cell the station list gives no vertical
  pattern (no vertical beamwidth, or one of 90 deg or more, as the omni cells built from the
  measurements) is predicted without the main beam's downtilt: near the mast, where the
  receiver is seen 5-20 deg below the horizon, real levels fall 10 dB or more under the
  prediction. For such a cell the tilt of the 3GPP TR 36.814 vertical pattern (table
  A.2.1.1-2) ``A_V(theta) = -min(12 ((theta - tilt) / theta_3dB)^2, SLA_V)`` (the engine's,
  :func:`towerplan.coverage._gain_kernels.sector_gain_db`; ``theta_3dB`` the station default
  vertical beamwidth, ``SLA_V`` the engine's side-lobe limit) is grid-searched (1 deg steps,
  0-15 deg) with the cell's distance line, by least squares. :func:`towerplan.measurements.apply.apply_calibration`
  sets the tilt and beamwidth on the station, so the rasters apply the same pattern.
* **Cell slope** and **bearing terms** (:func:`ridge_terms`). After the group line and the
  cell offset, each cell's remaining residual is regressed on its centred log distance (a
  slope of its own) and on a periodic function of the bearing from the site, a Fourier
  series of order ``K`` (:data:`BEARING_ORDER`):
  ``f(phi) = sum_k a_k cos k phi + b_k sin k phi``. The coefficients are a ridge
  (random-effects) estimate shrunk toward 0, that is toward the group: the slope with
  penalty ``lambda_s``, the Fourier coefficients with ``lambda_b k^4``, the roughness
  penalty of a periodic cubic smoothing spline (the integral of ``f''^2``; Wahba 1975,
  *Smoothing noisy data with spline functions*, Numer. Math. 24, periodic case; Eilers &
  Marx 1996 for penalised regression in general). The bearing function is the cell's
  empirical horizontal pattern: the antenna's own (when the list gives no azimuth, or a
  wrong one), several sectors behind one cell position, and the surroundings seen from the
  mast in each direction (a building, a hill, open fields). Samples are weighted so that
  each cell counts its distinct squares of ``cell_block_m`` (successive drive-test samples
  are strongly correlated), which makes ``lambda`` a prior precision in units of those
  squares. The penalties are chosen by an inner spatially blocked cross-validation on the
  training samples only (:mod:`towerplan.measurements.calibrate`), from :data:`PENALTY_GRID`
  (``inf`` = the term left out), so a term that does not predict held-out tiles is not used.

The cell slope applies over the distances the cell was fitted on (1st to 99th percentile of its
samples, :func:`cell_ranges_m`): its log distance is clamped to that range in the fit, in the
held-out evaluation and in the rasters alike, and the bearing series is evaluated by the same
function the engine uses (:mod:`towerplan.coverage.calibration`), so the rasters apply exactly
the terms the cross-validation measured.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from towerplan.coverage.calibration import (
    BEARING_ORDER,
    bearing_features,
    bearing_terms_db,
    clamped_log10_km,
    log10_km,
)

__all__ = ["BEARING_ORDER", "PENALTY_GRID", "RANGE_PERCENTILES", "TILT_GRID_DEG", "bearing_features",
           "cell_ranges_m", "fit_tilts", "line_sse", "ridge_terms", "terms_db", "vertical_gain_db"]

#: percentiles of the fitted samples' distances bounding the range a slope applies over
RANGE_PERCENTILES = (1.0, 99.0)
#: candidate (bearing, slope) penalties for the inner cross-validation; inf leaves the term out
PENALTY_GRID: tuple[tuple[float, float], ...] = tuple(
    (lb, ls) for lb in (np.inf, 10.0, 3.0, 1.0, 0.3, 0.1, 0.03) for ls in (np.inf, 30.0, 3.0))
#: candidate downtilts (deg) of cells without a vertical pattern
TILT_GRID_DEG = np.arange(0.0, 16.0, 1.0)


def vertical_gain_db(elevation_deg: np.ndarray, tilt_deg: float | np.ndarray, *, v_beamwidth_deg: float,
                     sla_db: float) -> np.ndarray:
    """TR 36.814 vertical gain ``-min(12 ((theta - tilt) / theta_3dB)^2, SLA_V)`` (dB, <= 0)."""
    return -np.minimum(12.0 * ((np.asarray(elevation_deg, dtype=float) - tilt_deg) / v_beamwidth_deg) ** 2, sla_db)


def line_sse(r: np.ndarray, x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """SSE of the least-squares line of ``r - g_i`` on ``x`` for each row ``g_i`` of ``g`` (closed form)."""
    n = len(r)
    sx, sxx = x.sum(), (x * x).sum()
    det = n * sxx - sx * sx
    sy = r.sum() - g.sum(axis=1)
    sxy = (r * x).sum() - np.einsum("kn,n->k", g, x)
    syy = (r * r).sum() - 2.0 * np.einsum("kn,n->k", g, r) + (g * g).sum(axis=1)
    if det <= 1e-12:
        return syy - sy**2 / n
    return syy - (sxx * sy**2 - 2.0 * sx * sy * sxy + n * sxy**2) / det


def fit_tilts(samples: pd.DataFrame, residual_db: np.ndarray, *, v_beamwidth_deg: float, sla_db: float,
              min_samples: int = 30) -> dict[str, float]:
    """Cell -> downtilt (deg) of the cells without a vertical pattern (module docstring).

    ``samples`` needs ``cell``, ``distance_m``, ``elevation_deg`` (below the horizon, seen from
    the antenna) and ``vertical_unknown``; ``residual_db`` is measured - predicted. A cell keeps
    no tilt when no candidate fits better than none.
    """
    if not {"elevation_deg", "vertical_unknown"} <= set(samples.columns):
        return {}
    unknown = samples["vertical_unknown"].to_numpy(dtype=bool)
    if not unknown.any():
        return {}
    elev = samples["elevation_deg"].to_numpy(dtype=float)
    logd = log10_km(samples["distance_m"].to_numpy(dtype=float))
    out: dict[str, float] = {}
    ok = unknown & np.isfinite(elev)
    for cell, idx in _split_by(samples["cell"].astype(str).to_numpy()).items():
        idx = idx[ok[idx]]
        if len(idx) < min_samples:
            continue
        g = np.vstack([np.zeros(len(idx))] + [vertical_gain_db(elev[idx], t, v_beamwidth_deg=v_beamwidth_deg,
                                                                sla_db=sla_db) for t in TILT_GRID_DEG])
        best = int(np.argmin(line_sse(residual_db[idx], logd[idx], g)))
        if best > 0:
            out[str(cell)] = float(TILT_GRID_DEG[best - 1])
    return out


def _split_by(cells: np.ndarray) -> dict[str, np.ndarray]:
    """Cell -> indices of its samples (one sort, not one comparison per cell)."""
    if len(cells) == 0:
        return {}
    codes, uniq = pd.factorize(cells)
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(len(uniq)))
    return {str(c): idx for c, idx in zip(uniq, np.split(order, starts[1:]), strict=True)}


def cell_ranges_m(samples: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Cell -> distances (m) its slope applies over: the :data:`RANGE_PERCENTILES` of its samples'."""
    d = np.maximum(samples["distance_m"].to_numpy(dtype=float), 1.0)
    out = {}
    for cell, idx in _split_by(samples["cell"].astype(str).to_numpy()).items():
        lo, hi = np.percentile(d[idx], RANGE_PERCENTILES)
        out[cell] = (float(lo), float(hi))
    return out


def _clamped(logd: np.ndarray, cell_range: tuple[float, float] | None) -> np.ndarray:
    return logd if cell_range is None else clamped_log10_km(logd, *cell_range)


def _design(logd: np.ndarray, centre: float, bearing: np.ndarray | None) -> np.ndarray:
    cols = [(logd - centre)[:, None]]
    if bearing is not None:
        cols.append(bearing_features(bearing))
    return np.hstack(cols)


def _penalty(lam_bearing: float, lam_slope: float, with_bearing: bool) -> np.ndarray:
    diag = [lam_slope]
    if with_bearing:
        diag += [lam_bearing * float(k) ** 4 for k in range(1, BEARING_ORDER + 1) for _ in (0, 1)]
    return np.array(diag, dtype=float)


def ridge_terms(samples: pd.DataFrame, residual_db: np.ndarray, weight: np.ndarray,
                penalties: tuple[tuple[float, float], ...], *, test: pd.DataFrame | None = None,
                ranges: dict[str, tuple[float, float]] | None = None
                ) -> list[dict[str, np.ndarray]] | list[np.ndarray]:
    """Per-cell ridge coefficients for each ``(lambda_bearing, lambda_slope)`` (module docstring).

    The slope's regressor is the log distance clamped to the cell's range (``ranges``, by default
    :func:`cell_ranges_m` of ``samples``), in the fit and in the test predictions.

    Returns, for each penalty pair, ``{cell: [centre, slope, a_1, b_1, ...]}``; with ``test``
    given, the predicted terms (dB) of the test samples instead (one array per pair), which
    is what the inner cross-validation needs (one set of normal equations per cell, all pairs
    solved at once). An ``inf`` penalty leaves its term out (coefficient 0).
    """
    with_bearing = "bearing_deg" in samples.columns
    logd = log10_km(samples["distance_m"].to_numpy(dtype=float))
    bearing = samples["bearing_deg"].to_numpy(dtype=float) if with_bearing else None
    groups = _split_by(samples["cell"].astype(str).to_numpy())
    names = list(groups)
    ranges = cell_ranges_m(samples) if ranges is None else ranges
    n_par = 1 + (2 * BEARING_ORDER if with_bearing else 0)
    gram = np.zeros((len(names), n_par, n_par))
    rhs = np.zeros((len(names), n_par))
    centre = np.zeros(len(names))
    for j, (cell, idx) in enumerate(groups.items()):
        w = weight[idx]
        xc = _clamped(logd[idx], ranges.get(cell))
        centre[j] = float(np.average(xc, weights=w)) if w.sum() > 0 else float(xc.mean())
        x = _design(xc, centre[j], bearing[idx] if bearing is not None else None)
        xw = x * w[:, None]  # einsum, not BLAS: small products, no thread start-up on a busy machine
        gram[j] = np.einsum("ni,nj->ij", xw, x)
        rhs[j] = np.einsum("ni,n->i", xw, residual_db[idx])
    coefs = []
    for lb, ls in penalties:
        pen = _penalty(lb, ls, with_bearing)
        keep = np.isfinite(pen)
        coef = np.zeros((len(names), n_par))
        if keep.any() and names:
            sub = gram[:, keep][:, :, keep] + np.diag(pen[keep] + 1e-9)[None]
            coef[:, keep] = np.linalg.solve(sub, rhs[:, keep][:, :, None])[:, :, 0]
        coefs.append(coef)
    if test is None:
        return [{c: np.concatenate([[centre[j]], coef[j]]) for j, c in enumerate(names)} for coef in coefs]
    code = pd.Series(test["cell"].astype(str).to_numpy()).map({c: j for j, c in enumerate(names)}).to_numpy()
    seen = np.isfinite(code.astype(float))
    preds = [np.zeros(len(test)) for _ in penalties]
    if seen.any():
        rows = code[seen].astype(np.int64)
        t_logd = log10_km(test["distance_m"].to_numpy(dtype=float)[seen])
        t_cells = test["cell"].astype(str).to_numpy()[seen]
        for cell, idx in _split_by(t_cells).items():
            t_logd[idx] = _clamped(t_logd[idx], ranges.get(cell))
        xt = np.column_stack([t_logd - centre[rows]] + ([bearing_features(
            test["bearing_deg"].to_numpy(dtype=float)[seen])] if with_bearing else []))
        for k, coef in enumerate(coefs):
            preds[k][seen] = np.einsum("ni,ni->n", xt, coef[rows])
    return preds


def terms_db(samples: pd.DataFrame, coefs: dict[str, np.ndarray], *, bearing: bool = True,
             ranges: dict[str, tuple[float, float]] | None = None) -> np.ndarray:
    """The cell slope (+ bearing) terms (dB) of each sample; 0 for cells without coefficients.

    The slope applies within the cell's range (``ranges``; none: unclamped), by the functions the
    rasters use (:mod:`towerplan.coverage.calibration`).
    """
    out = np.zeros(len(samples))
    if not coefs or len(samples) == 0:
        return out
    logd = log10_km(samples["distance_m"].to_numpy(dtype=float))
    has_bearing = "bearing_deg" in samples.columns
    ranges = ranges or {}
    for cell, idx in _split_by(samples["cell"].astype(str).to_numpy()).items():
        c = coefs.get(cell)
        if c is None:
            continue
        out[idx] = c[1] * (_clamped(logd[idx], ranges.get(cell)) - c[0])
        if bearing and has_bearing and len(c) > 2:
            out[idx] += bearing_terms_db(samples["bearing_deg"].to_numpy(dtype=float)[idx], c[2:])
    return out
