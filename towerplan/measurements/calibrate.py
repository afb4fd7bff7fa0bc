"""Fit model corrections to drive-test samples and measure them with spatially blocked cross-validation.

The correction of a predicted level (dBm) for a sample of group *g* (operator, band
and, when land cover is given, land-cover class) served by cell *c* at distance *d*::

    corrected = predicted + a_g + b_g log10(clip(d, lo_g, hi_g) / 1 km) + u_c

* ``a_g, b_g``: ordinary least squares of the residual (measured - predicted) on
  log10 distance held within the group's range ``[lo_g, hi_g]`` (the 1st and 99th percentiles
  of its samples' distances: the slope is not extrapolated beyond what was measured,
  :mod:`towerplan.coverage.calibration`), the usual form of a drive-test model tuning (the slope corrects the
  model's distance exponent, the offset its intercept: e.g. Mishra, *Fundamentals of
  Cellular Network Planning and Optimisation*, ch. 3, "model tuning"). With fewer than
  ``min_samples`` samples, or distances spanning less than ``min_log_span`` decades
  (5th to 95th percentile), only the offset is fitted.
* ``u_c``: an optional offset per cell, shrunk toward 0 (its group's line) by
  empirical Bayes, as in a random-effects model: with the cell's mean remaining
  residual ``e_c``, its within-cell variance ``s_c^2`` and an effective number of
  independent samples ``m_c``, ``u_c = e_c tau^2 / (tau^2 + s_c^2 / m_c)``, where the
  between-cell variance ``tau^2`` is estimated by the method of moments
  (DerSimonian & Laird 1986): ``tau^2 = max(0, var(e_c) - mean(s_c^2 / m_c))``.
  Successive samples are strongly correlated, so ``m_c`` counts the distinct squares
  of ``cell_block_m`` (default 50 m) the cell's samples fall in, not the samples.

Per cell, after the group line and the offset (:mod:`towerplan.measurements.cell_terms`): a
downtilt for cells without a vertical pattern (``fit_tilts``), and a shrunk slope and bearing
function (``cell_terms``); whether to use each, and the ridge penalties, are chosen by an inner
blocked cross-validation (``inner_folds`` folds of the same tiles) on the samples being fitted
only, so inside each outer fold the held-out samples never choose their own terms. The held-out
statistics are given with every term (``cv_stats``), with the corrections as the rasters apply
them (``raster_cv_stats``: the land-cover groups of an operator and band merged as
:func:`raster_groups` does, the shadowing sigma; equal to ``cv_stats`` without land cover),
without the bearing terms (``no_bearing_cv_stats``) and averaged per cell in ``STAT_BIN_M``
squares (``binned_cv_stats``). The distance and bearing terms are evaluated by the functions of
:mod:`towerplan.coverage.calibration`, the ones the coverage engine applies.

Samples closer than ``min_distance_m`` (default 100 m) are left out of fitting and
evaluation (near the mast the antenna's vertical pattern and the mast itself dominate).
``bin_m`` averages the training samples of each cell in squares of that size before
fitting (levels averaged in dB, as drive-test binning does).

Cross-validation: the samples are split into ``folds`` folds, by square tiles of
``tile_m`` (default 500 m; all samples of a tile in one fold, tiles assigned in a
seeded random order to the fold with the fewest samples so far) or at random (seeded);
each fold is predicted by corrections fitted on the other folds. Spatial blocks keep
strongly correlated neighbouring samples out of the training set of their test fold:
random folds flatter the error by 1-2 dB on real drive tests.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from towerplan.coverage.calibration import clamped_log10_km, distance_terms_db, log10_km
from towerplan.errors import ConfigError, InputError
from towerplan.measurements.azimuth import azimuth_gain_db, fit_azimuths
from towerplan.measurements.cell_terms import (
    PENALTY_GRID,
    RANGE_PERCENTILES,
    cell_ranges_m,
    fit_tilts,
    ridge_terms,
    terms_db,
    vertical_gain_db,
)
from towerplan.measurements.compare import residual_stats

__all__ = ["CalibrationModel", "CalibrationResult", "CalibrationSettings", "GroupCorrection", "assign_folds",
           "calibrate", "fit_corrections", "raster_groups"]

log = logging.getLogger(__name__)

FoldBy = Literal["tile", "random"]
#: squares (m) of the binned held-out statistic: about 40 wavelengths at 1 GHz (Lee 1985, the local mean)
STAT_BIN_M = 10.0
GROUP_KEYS: tuple[str, ...] = ("operator", "band", "landcover")


@dataclass(frozen=True)
class CalibrationSettings:
    """Settings of a calibration (see the module docstring)."""

    min_distance_m: float = 100.0
    folds: int = 5
    fold_by: FoldBy = "tile"
    tile_m: float = 500.0
    seed: int = 0
    per_cell: bool = True
    cell_block_m: float = 50.0
    bin_m: float = 0.0
    min_samples: int = 30
    min_log_span: float = 0.3
    estimate_azimuths: bool = False
    fit_tilts: bool = True
    cell_terms: bool = True
    inner_folds: int = 4
    tilt_v_beamwidth_deg: float = 7.0
    sla_db: float = 20.0

    def __post_init__(self) -> None:
        problems = []
        if not (isinstance(self.inner_folds, int) and 2 <= self.inner_folds <= 20):
            problems.append(f"inner_folds = {self.inner_folds!r} must be an integer 2-20")
        if not (1.0 <= self.tilt_v_beamwidth_deg <= 90.0):
            problems.append(f"tilt_v_beamwidth_deg = {self.tilt_v_beamwidth_deg} must be within 1-90 deg")
        if not (0.0 < self.sla_db <= 60.0):
            problems.append(f"sla_db = {self.sla_db} must be within 0-60 dB")
        if not (0.0 <= self.min_distance_m <= 100_000.0):
            problems.append(f"min_distance_m = {self.min_distance_m} must be within 0-100000 m")
        if not (isinstance(self.folds, int) and 2 <= self.folds <= 100):
            problems.append(f"folds = {self.folds!r} must be an integer 2-100")
        if self.fold_by not in ("tile", "random"):
            problems.append(f"fold_by must be 'tile' or 'random', got {self.fold_by!r}")
        if not (10.0 <= self.tile_m <= 100_000.0):
            problems.append(f"tile_m = {self.tile_m} must be within 10-100000 m")
        if not (1.0 <= self.cell_block_m <= 10_000.0):
            problems.append(f"cell_block_m = {self.cell_block_m} must be within 1-10000 m")
        if not (0.0 <= self.bin_m <= 10_000.0):
            problems.append(f"bin_m = {self.bin_m} must be within 0 (no binning) and 10000 m")
        if not (isinstance(self.min_samples, int) and self.min_samples >= 2):
            problems.append(f"min_samples = {self.min_samples!r} must be an integer >= 2")
        if not (0.0 <= self.min_log_span <= 5.0):
            problems.append(f"min_log_span = {self.min_log_span} must be within 0-5 decades")
        if problems:
            raise ConfigError("calibration settings: " + "; ".join(problems))


@dataclass(frozen=True)
class GroupCorrection:
    """Offset and distance slope of one (operator, band, land-cover class) group."""

    operator: str
    band: str
    landcover: str
    offset_db: float
    slope_db_per_decade: float
    n_samples: int
    slope_fitted: bool
    #: 1st and 99th percentile of the fitted samples' distances: the slope applies within, held outside
    distance_range_m: tuple[float, float] = (float("nan"), float("nan"))

    def __post_init__(self) -> None:
        if not (math.isfinite(self.offset_db) and math.isfinite(self.slope_db_per_decade)):
            raise InputError(f"correction of {self.operator}/{self.band} is not finite")

    def distance_db(self, log10_km: np.ndarray) -> np.ndarray:
        """Offset + slope at ``log10(d / 1 km)``, the distance held within :attr:`distance_range_m`."""
        return self.offset_db + distance_terms_db(log10_km, slope_db=self.slope_db_per_decade,
                                                  range_m=self.distance_range_m)


def raster_groups(groups: tuple[GroupCorrection, ...] | list[GroupCorrection]
                  ) -> dict[tuple[str, str], GroupCorrection]:
    """(operator, band) -> the correction a raster applies: the land-cover groups' offsets and slopes
    averaged by their sample counts over the union of their distance ranges (the engine has one
    correction per sector, not one per land-cover class of each cell it reaches)."""
    parts: dict[tuple[str, str], list[GroupCorrection]] = {}
    for g in groups:
        parts.setdefault((g.operator, g.band), []).append(g)
    out = {}
    for key, gs in parts.items():
        if len(gs) == 1:
            out[key] = dataclasses.replace(gs[0], landcover="")
            continue
        w = np.array([max(g.n_samples, 0) for g in gs], dtype=float)
        w = w if w.sum() > 0 else np.ones(len(gs))
        lo = [g.distance_range_m[0] for g in gs if math.isfinite(g.distance_range_m[0])]
        hi = [g.distance_range_m[1] for g in gs if math.isfinite(g.distance_range_m[1])]
        out[key] = GroupCorrection(key[0], key[1], "", float(np.average([g.offset_db for g in gs], weights=w)),
                                   float(np.average([g.slope_db_per_decade for g in gs], weights=w)),
                                   int(sum(g.n_samples for g in gs)), any(g.slope_fitted for g in gs),
                                   (min(lo) if lo else math.nan, max(hi) if hi else math.nan))
    return out


@dataclass(frozen=True)
class CalibrationModel:
    """Corrections fitted on a set of samples; :meth:`correction_db` applies them."""

    groups: tuple[GroupCorrection, ...]
    cell_offsets_db: dict[str, float] = field(default_factory=dict)
    cell_samples: dict[str, int] = field(default_factory=dict)
    tau_db: float = 0.0
    residual_std_db: float = float("nan")
    cell_azimuths_deg: dict[str, float] = field(default_factory=dict)
    cell_tilts_deg: dict[str, float] = field(default_factory=dict)
    tilt_v_beamwidth_deg: float = 7.0
    sla_db: float = 20.0
    #: cell -> [centre log10(d / 1 km), slope, a_1, b_1, ... a_K, b_K] (measurements.cell_terms)
    cell_terms: dict[str, np.ndarray] = field(default_factory=dict)
    bearing_penalty: float = float("inf")
    slope_penalty: float = float("inf")
    #: cell -> distances (m) its own slope applies over (measurements.cell_terms.cell_ranges_m)
    cell_ranges_m: dict[str, tuple[float, float]] = field(default_factory=dict)

    def correction_db(self, samples: pd.DataFrame, *, bearing: bool = True, as_rasters: bool = False
                      ) -> np.ndarray:
        """Correction (dB) to add to each sample's prediction; 0 for groups the model has not seen.

        ``bearing=False`` leaves out the cells' bearing terms; ``as_rasters`` takes each
        operator and band's correction as the rasters do (:func:`raster_groups`).
        """
        out = np.zeros(len(samples))
        logd = log10_km(samples["distance_m"].to_numpy(dtype=float))
        if as_rasters:
            merged = raster_groups(self.groups)
            table = {(*k, lc): g for k, g in merged.items() for lc in samples["landcover"].astype(str).unique()}
        else:
            table = {(g.operator, g.band, g.landcover): g for g in self.groups}
        keys = pd.DataFrame({k: samples[k].astype(str).to_numpy() for k in GROUP_KEYS})
        for key, idx in keys.groupby(list(GROUP_KEYS), sort=False).indices.items():
            g = table.get(tuple(key))
            if g is not None:
                out[idx] = g.distance_db(logd[idx])
        if self.cell_offsets_db:
            out += samples["cell"].astype(str).map(self.cell_offsets_db).fillna(0.0).to_numpy(dtype=float)
        out += azimuth_gain_db(samples, self.cell_azimuths_deg)
        if self.cell_tilts_deg:
            t = samples["cell"].astype(str).map(self.cell_tilts_deg).to_numpy(dtype=float)
            has = np.isfinite(t)
            out[has] += vertical_gain_db(samples["elevation_deg"].to_numpy(dtype=float)[has], t[has],
                                         v_beamwidth_deg=self.tilt_v_beamwidth_deg, sla_db=self.sla_db)
        return out + terms_db(samples, self.cell_terms, bearing=bearing, ranges=self.cell_ranges_m)


@dataclass(frozen=True, eq=False)
class CalibrationResult:
    """A calibration: the model fitted on every sample, and its cross-validation.

    ``predictions`` has one row per used sample with ``fold``, ``uncalibrated_dbm``
    and ``predicted_dbm`` (held out: corrections fitted on the other folds).
    """

    model: CalibrationModel
    settings: CalibrationSettings
    predictions: pd.DataFrame
    cv_stats: dict[str, float]
    uncalibrated_stats: dict[str, float]
    excluded_near: int
    #: held out with the corrections as the rasters apply them (land-cover groups merged: raster_groups)
    raster_cv_stats: dict[str, float] = field(default_factory=dict)
    #: held out, residuals averaged per cell in squares of STAT_BIN_M (the local mean, fast fading averaged out)
    binned_cv_stats: dict[str, float] = field(default_factory=dict)
    #: held out without the cells' bearing terms (what they add)
    no_bearing_cv_stats: dict[str, float] = field(default_factory=dict)

    @property
    def shadowing_sigma_db(self) -> float:
        """Standard deviation of the held-out residuals with the corrections the rasters apply: the location
        variability left after calibration (for the service margin)."""
        return float((self.raster_cv_stats or self.cv_stats)["std_db"])


def _block_ids(x: np.ndarray, y: np.ndarray, size_m: float) -> np.ndarray:
    bx = np.floor(x / size_m).astype(np.int64)
    by = np.floor(y / size_m).astype(np.int64)
    return bx * 10_000_019 + by


def assign_folds(samples: pd.DataFrame, settings: CalibrationSettings) -> np.ndarray:
    """Fold number (0 .. folds-1) of each sample, deterministic for a seed (see the module docstring)."""
    n = len(samples)
    rng = np.random.default_rng(settings.seed)
    if settings.fold_by == "random":
        folds = np.empty(n, dtype=np.int64)
        folds[rng.permutation(n)] = np.arange(n) % settings.folds
        return folds
    tiles = _block_ids(samples["x"].to_numpy(dtype=float), samples["y"].to_numpy(dtype=float), settings.tile_m)
    uniq, inverse, counts = np.unique(tiles, return_inverse=True, return_counts=True)
    if len(uniq) < settings.folds:
        raise ConfigError(f"only {len(uniq)} tile(s) of {settings.tile_m:g} m hold samples, fewer than "
                          f"{settings.folds} folds: use a smaller --tile-m or fewer --folds")
    order = rng.permutation(len(uniq))
    fold_of_tile = np.empty(len(uniq), dtype=np.int64)
    load = np.zeros(settings.folds, dtype=np.int64)
    for t in order:
        f = int(np.argmin(load))
        fold_of_tile[t] = f
        load[f] += counts[t]
    return fold_of_tile[inverse]


def _binned(samples: pd.DataFrame, bin_m: float) -> pd.DataFrame:
    if bin_m <= 0:
        return samples
    key = _block_ids(samples["x"].to_numpy(dtype=float), samples["y"].to_numpy(dtype=float), bin_m)
    df = samples.assign(_bin=key, _logd=np.log10(np.maximum(samples["distance_m"].to_numpy(dtype=float), 1.0)))
    extra = {}
    if {"bearing_deg", "azimuth_unknown"} <= set(df.columns):  # circular mean of the bearings
        rad = np.radians(df["bearing_deg"].to_numpy(dtype=float))
        df = df.assign(_bs=np.sin(rad), _bc=np.cos(rad))
        extra = {"_bs": ("_bs", "mean"), "_bc": ("_bc", "mean"), "azimuth_unknown": ("azimuth_unknown", "max")}
    if {"elevation_deg", "vertical_unknown"} <= set(df.columns):
        extra = {**extra, "elevation_deg": ("elevation_deg", "mean"), "vertical_unknown": ("vertical_unknown", "max")}
    agg = df.groupby(["cell", "_bin", *GROUP_KEYS], sort=True).agg(
        measured_dbm=("measured_dbm", "mean"), uncalibrated_dbm=("uncalibrated_dbm", "mean"),
        _logd=("_logd", "mean"), x=("x", "mean"), y=("y", "mean"), **extra).reset_index()
    agg["distance_m"] = 10.0 ** agg["_logd"]
    if "_bs" in extra:
        agg["bearing_deg"] = np.degrees(np.arctan2(agg["_bs"], agg["_bc"])) % 360.0
        agg = agg.drop(columns=["_bs", "_bc"])
    return agg.drop(columns=["_bin", "_logd"])


def _sample_weights(s: pd.DataFrame, block_m: float) -> np.ndarray:
    """Weight of each sample: its cell's distinct squares of ``block_m`` / its cell's samples (sum = squares)."""
    blocks = _block_ids(s["x"].to_numpy(dtype=float), s["y"].to_numpy(dtype=float), block_m)
    df = pd.DataFrame({"cell": s["cell"].astype(str).to_numpy(), "b": blocks})
    g = df.groupby("cell", sort=False)["b"]
    return (g.transform("nunique") / g.transform("size")).to_numpy(dtype=float)


def _fit_base(s: pd.DataFrame, settings: CalibrationSettings, *, tilts: bool) -> tuple[CalibrationModel, np.ndarray]:
    """Azimuths, tilts, group lines and shrunk cell offsets; the model and the residual it leaves on ``s``."""
    resid = s["measured_dbm"].to_numpy(dtype=float) - s["uncalibrated_dbm"].to_numpy(dtype=float)
    azimuths = fit_azimuths(s, resid, min_samples=settings.min_samples) if settings.estimate_azimuths else {}
    resid = resid - azimuth_gain_db(s, azimuths)
    cell_tilts = fit_tilts(s, resid, v_beamwidth_deg=settings.tilt_v_beamwidth_deg, sla_db=settings.sla_db,
                           min_samples=settings.min_samples) if tilts else {}
    resid = resid - _tilt_gain_db(s, cell_tilts, settings)
    logd = log10_km(s["distance_m"].to_numpy(dtype=float))
    groups = []
    remaining = np.empty(len(s))
    for key, idx in s.groupby(list(GROUP_KEYS), sort=True).indices.items():
        r = resid[idx]
        lo, hi = (float(v) for v in 1000.0 * 10.0 ** np.percentile(logd[idx], RANGE_PERCENTILES))
        x = clamped_log10_km(logd[idx], lo, hi)  # the slope applies within the fitted range only
        span = float(np.percentile(x, 95) - np.percentile(x, 5)) if len(x) else 0.0
        fit_slope = len(idx) >= settings.min_samples and span >= settings.min_log_span
        if fit_slope:
            design = np.column_stack([np.ones(len(x)), x])
            (a, b), *_ = np.linalg.lstsq(design, r, rcond=None)
        else:
            a, b = float(r.mean()), 0.0
        remaining[idx] = r - a - b * x
        groups.append(GroupCorrection(str(key[0]), str(key[1]), str(key[2]), float(a), float(b), len(idx),
                                      bool(fit_slope), (lo, hi)))
    model = CalibrationModel(tuple(groups), residual_std_db=float(np.std(remaining)), cell_azimuths_deg=azimuths,
                             cell_tilts_deg=cell_tilts, tilt_v_beamwidth_deg=settings.tilt_v_beamwidth_deg,
                             sla_db=settings.sla_db)
    if not settings.per_cell:
        return model, remaining
    cells, cell_n, offsets, tau = _cell_offsets(s, remaining, settings.cell_block_m)
    table = dict(zip(cells, offsets, strict=True))
    remaining = remaining - s["cell"].astype(str).map(table).to_numpy(dtype=float)
    return dataclasses.replace(model, cell_offsets_db=table, cell_samples=dict(zip(cells, cell_n, strict=True)),
                               tau_db=tau, residual_std_db=float(np.std(remaining))), remaining


def _tilt_gain_db(s: pd.DataFrame, tilts: dict[str, float], settings: CalibrationSettings) -> np.ndarray:
    out = np.zeros(len(s))
    if not tilts:
        return out
    t = s["cell"].astype(str).map(tilts).to_numpy(dtype=float)
    has = np.isfinite(t)
    out[has] = vertical_gain_db(s["elevation_deg"].to_numpy(dtype=float)[has], t[has],
                                v_beamwidth_deg=settings.tilt_v_beamwidth_deg, sla_db=settings.sla_db)
    return out


def _choose_terms(s: pd.DataFrame, settings: CalibrationSettings) -> tuple[bool, float, float]:
    """(tilts, lambda_bearing, lambda_slope) of the smallest inner blocked-CV error on ``s`` alone."""
    tilt_options = (False, True) if settings.fit_tilts and {"elevation_deg", "vertical_unknown"} <= set(s.columns) \
        and bool(s["vertical_unknown"].any()) else (False,)
    grid = PENALTY_GRID if settings.cell_terms else ((np.inf, np.inf),)
    if len(tilt_options) == 1 and len(grid) == 1:
        return False, np.inf, np.inf
    inner = CalibrationSettings(**{**_settings_dict(settings), "folds": settings.inner_folds,
                                   "seed": settings.seed + 1})
    try:
        folds = assign_folds(s, inner)
    except ConfigError:  # too few tiles to choose: no extra term
        return False, np.inf, np.inf
    measured = s["measured_dbm"].to_numpy(dtype=float)
    sse = np.zeros((len(tilt_options), len(grid)))
    for i, tilts in enumerate(tilt_options):
        for f in range(inner.folds):
            test = folds == f
            train = s.loc[~test]
            base, remaining = _fit_base(train, settings, tilts=tilts)
            t = s.loc[test]
            r_test = measured[test] - t["uncalibrated_dbm"].to_numpy(dtype=float) - base.correction_db(t)
            preds = ridge_terms(train, remaining, _sample_weights(train, settings.cell_block_m), grid, test=t)
            for k, p in enumerate(preds):
                sse[i, k] += float(np.sum((r_test - np.asarray(p)) ** 2))
    best_i, best_k = (int(v) for v in np.unravel_index(int(np.argmin(sse)), sse.shape))
    log.debug("inner CV: tilts %s, bearing/slope penalties %s", tilt_options[best_i], grid[best_k])
    return bool(tilt_options[best_i]), float(grid[best_k][0]), float(grid[best_k][1])


def _settings_dict(settings: CalibrationSettings) -> dict:
    return {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}


def fit_corrections(samples: pd.DataFrame, settings: CalibrationSettings | None = None) -> CalibrationModel:
    """Fit group offsets/slopes, shrunk cell offsets and the per-cell terms (columns ``measured_dbm``,
    ``uncalibrated_dbm``, ``distance_m``, ``x``, ``y``, ``cell`` and :data:`GROUP_KEYS`; optional
    ``bearing_deg``, ``azimuth_unknown``, ``elevation_deg``, ``vertical_unknown``).

    The tilts and the penalties of the cell terms are chosen by an inner blocked cross-validation
    on ``samples`` alone (:mod:`towerplan.measurements.cell_terms`).
    """
    settings = settings or CalibrationSettings()
    s = _binned(samples, settings.bin_m)
    if len(s) == 0:
        raise InputError("no samples to fit corrections on")
    tilts, lam_b, lam_s = _choose_terms(s, settings) if settings.per_cell else (False, np.inf, np.inf)
    model, remaining = _fit_base(s, settings, tilts=tilts)
    if not (np.isfinite(lam_b) or np.isfinite(lam_s)):
        return model
    ranges = cell_ranges_m(s)
    coefs = ridge_terms(s, remaining, _sample_weights(s, settings.cell_block_m), ((lam_b, lam_s),), ranges=ranges)[0]
    assert isinstance(coefs, dict)
    left = remaining - terms_db(s, coefs, ranges=ranges)
    return dataclasses.replace(model, cell_terms=coefs, bearing_penalty=lam_b, slope_penalty=lam_s,
                               residual_std_db=float(np.std(left)),
                               cell_ranges_m={c: r for c, r in ranges.items() if c in coefs})


def _cell_offsets(s: pd.DataFrame, remaining: np.ndarray, block_m: float):
    """Empirical-Bayes shrunk cell offsets: (cells, samples per cell, offsets, tau)."""
    blocks = _block_ids(s["x"].to_numpy(dtype=float), s["y"].to_numpy(dtype=float), block_m)
    df = pd.DataFrame({"cell": s["cell"].astype(str).to_numpy(), "e": remaining, "b": blocks})
    g = df.groupby("cell", sort=True)
    mean = g["e"].mean()
    var = g["e"].var(ddof=1).fillna(0.0)
    n = g["e"].size()
    m_eff = g["b"].nunique().clip(lower=1)
    err_var = var / m_eff
    tau2 = max(float(mean.var(ddof=1)) - float(err_var.mean()), 0.0) if len(mean) > 1 else 0.0
    weight = tau2 / (tau2 + err_var.to_numpy()) if tau2 > 0 else np.zeros(len(mean))
    weight = np.where(np.isfinite(weight), weight, 0.0)
    return (mean.index.tolist(), n.to_numpy().tolist(), (mean.to_numpy() * weight).tolist(), math.sqrt(tau2))


def calibrate(samples: pd.DataFrame, settings: CalibrationSettings | None = None) -> CalibrationResult:
    """Cross-validate and fit the corrections on the sample table of :func:`~.predict.predict_samples`.

    ``samples`` needs ``measured_dbm, predicted_dbm, distance_m, x, y, cell`` and
    :data:`GROUP_KEYS`; its ``predicted_dbm`` (the uncalibrated model) becomes
    ``uncalibrated_dbm`` in the result.
    """
    settings = settings or CalibrationSettings()
    near = samples["distance_m"].to_numpy(dtype=float) < settings.min_distance_m
    used = samples.loc[~near].rename(columns={"predicted_dbm": "uncalibrated_dbm"}).reset_index(drop=True)
    if len(used) < settings.folds * 2:
        raise InputError(f"only {len(used)} sample(s) at {settings.min_distance_m:g} m or more from their cell: too "
                         "few to calibrate")
    folds = assign_folds(used, settings)
    held_out = np.full(len(used), np.nan)
    raster = np.full(len(used), np.nan)
    no_bearing = np.full(len(used), np.nan)
    for f in range(settings.folds):
        test = folds == f
        model = fit_corrections(used.loc[~test], settings)
        base = used["uncalibrated_dbm"].to_numpy()[test]
        held_out[test] = base + model.correction_db(used.loc[test])
        raster[test] = base + model.correction_db(used.loc[test], as_rasters=True)
        no_bearing[test] = base + model.correction_db(used.loc[test], bearing=False)
    used["fold"] = folds + 1
    used["predicted_dbm"] = held_out
    final = fit_corrections(used, settings)
    resid = used["measured_dbm"] - used["predicted_dbm"]
    cv = residual_stats(resid, used["distance_m"])
    raw = residual_stats(used["measured_dbm"] - used["uncalibrated_dbm"], used["distance_m"])
    raster_cv = residual_stats(used["measured_dbm"] - raster, used["distance_m"])
    no_bearing_cv = residual_stats(used["measured_dbm"] - no_bearing, used["distance_m"])
    binned = used.assign(_r=resid, _b=_block_ids(used["x"].to_numpy(dtype=float), used["y"].to_numpy(dtype=float),
                                                 STAT_BIN_M)).groupby(["cell", "_b"])
    binned_cv = residual_stats(binned["_r"].mean(), binned["distance_m"].mean())
    log.info("calibration: %d samples, held-out mean %.2f dB, std %.2f dB, slope %.2f dB/decade (as the rasters: "
             "std %.2f dB; without the bearing terms: std %.2f dB; in %g m squares: std %.2f dB)", len(used),
             cv["mean_db"], cv["std_db"], cv["slope_db_per_decade"], raster_cv["std_db"], no_bearing_cv["std_db"],
             STAT_BIN_M, binned_cv["std_db"])
    return CalibrationResult(final, settings, used, cv, raw, int(near.sum()), raster_cv, binned_cv, no_bearing_cv)
