"""Statistics of measured minus predicted levels: overall, per operator, band, land-cover class and distance bin.

The residual is ``measured - predicted`` (dB): positive where the model is
pessimistic. The *slope* is the least-squares slope of the residual against
log10(distance), in dB per decade: 0 when the model's distance law matches the
measurements, positive when the model falls off too steeply.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["DISTANCE_BINS_M", "comparison_tables", "distance_bin", "residual_stats"]

#: edges of the distance bins, m
DISTANCE_BINS_M: tuple[float, ...] = (0.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0, 20000.0, np.inf)


def residual_stats(residual_db: pd.Series | np.ndarray, distance_m: pd.Series | np.ndarray) -> dict[str, float]:
    """``count, mean_db, std_db, rmse_db, slope_db_per_decade`` of residuals (NaN dropped)."""
    r = np.asarray(residual_db, dtype=float)
    d = np.asarray(distance_m, dtype=float)
    ok = np.isfinite(r) & np.isfinite(d) & (d > 0)
    r, d = r[ok], d[ok]
    n = len(r)
    if n == 0:
        return {"count": 0, "mean_db": float("nan"), "std_db": float("nan"), "rmse_db": float("nan"),
                "slope_db_per_decade": float("nan")}
    x = np.log10(d)
    slope = float("nan")
    if n >= 3 and np.ptp(x) > 0:
        slope = float(np.polyfit(x, r, 1)[0])
    return {"count": int(n), "mean_db": float(r.mean()), "std_db": float(r.std()),
            "rmse_db": float(np.sqrt(np.mean(r**2))), "slope_db_per_decade": slope}


def distance_bin(distance_m: pd.Series | np.ndarray) -> np.ndarray:
    """Label of the distance bin of each distance (``"200-500 m"``, ``">= 20 km"``)."""
    d = np.asarray(distance_m, dtype=float)
    edges = np.asarray(DISTANCE_BINS_M)
    k = np.clip(np.searchsorted(edges, d, side="right") - 1, 0, len(edges) - 2)

    def label(lo: float, hi: float) -> str:
        def fmt(v: float) -> str:
            return f"{v / 1000:g} km" if v >= 1000 else f"{v:g} m"
        return f">= {fmt(lo)}" if not np.isfinite(hi) else f"{fmt(lo)} - {fmt(hi)}"

    labels = np.array([label(edges[i], edges[i + 1]) for i in range(len(edges) - 1)], dtype=object)
    return labels[k]


def comparison_tables(samples: pd.DataFrame, *, measured: str = "measured_dbm",
                      predicted: str = "predicted_dbm") -> pd.DataFrame:
    """One row per grouping value: ``by, group`` + :func:`residual_stats` columns.

    Groupings: ``all``, ``operator``, ``band``, ``landcover`` (when any class is
    given), ``distance`` (bins of :data:`DISTANCE_BINS_M`) and ``cell``.
    """
    r = samples[measured].to_numpy(dtype=float) - samples[predicted].to_numpy(dtype=float)
    d = samples["distance_m"].to_numpy(dtype=float)
    rows = [{"by": "all", "group": "all", **residual_stats(r, d)}]
    keys: dict[str, np.ndarray] = {"operator": samples["operator"].astype(str).to_numpy(),
                                   "band": samples["band"].astype(str).to_numpy()}
    if "landcover" in samples.columns and (samples["landcover"].astype(str) != "").any():
        keys["landcover"] = samples["landcover"].astype(str).to_numpy()
    keys["distance"] = distance_bin(d)
    if "cell" in samples.columns:
        keys["cell"] = samples["cell"].astype(str).to_numpy()
    order = {label: k for k, label in enumerate(distance_bin(np.asarray(DISTANCE_BINS_M[:-1]) + 1e-6))}
    for by, values in keys.items():
        uniq = sorted(set(values.tolist()), key=lambda v: (order.get(v, 0), v) if by == "distance" else (0, v))
        for value in uniq:
            m = values == value
            rows.append({"by": by, "group": value, **residual_stats(r[m], d[m])})
    return pd.DataFrame(rows)
