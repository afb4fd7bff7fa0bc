"""Shared map styling: the dBm colour classes and operator colours and markers.

The same classes colour the report maps and the Google Earth overlay, so a planner
reads one legend everywhere.
"""

from __future__ import annotations

import itertools

import numpy as np

from towerplan.palette import OPERATOR_COLOURS, RSRP_COLOURS, RSRP_EDGES

__all__ = ["RSRP_ALPHA", "RSRP_COLOURS", "RSRP_EDGES", "operator_style", "rsrp_class_labels", "rsrp_cmap_norm",
           "rsrp_rgba"]

# class edges in dBm (lower bound inclusive) and colours, weakest first: the app's too (towerplan.palette)
RSRP_ALPHA = 0.75

_MARKERS = {"viettel": "^", "vnpt-vinaphone": "s", "vinaphone": "s", "mobifone": "o", "vietnamobile": "D",
            "gmobile": "v"}
#: operator -> (colour, matplotlib marker): the colours of the app's maps
_OPERATOR_STYLE: dict[str, tuple[str, str]] = {name.lower(): (colour, _MARKERS.get(name.lower(), "o"))
                                               for name, colour in OPERATOR_COLOURS.items()}
_FALLBACK = (("#0b7f86", "D"), ("#8c510a", "v"), ("#c51b7d", "P"), ("#4d4d4d", "X"))


def operator_style(operator: str, operators: list[str]) -> tuple[str, str]:
    """(colour, matplotlib marker) of ``operator``; unknown ones get fallbacks by sorted position."""
    key = operator.lower()
    if key in _OPERATOR_STYLE:
        return _OPERATOR_STYLE[key]
    unknown = sorted(o for o in operators if o.lower() not in _OPERATOR_STYLE)
    return _FALLBACK[unknown.index(operator) % len(_FALLBACK)] if operator in unknown else _FALLBACK[0]


def rsrp_class_labels() -> list[str]:
    """Legend labels of the dBm classes, weakest first (``< -110``, ``-110 … -100``, …, ``≥ -80``)."""
    edges = RSRP_EDGES
    labels = [f"< {edges[1]:g}"]
    labels += [f"{lo:g} … {hi:g}" for lo, hi in itertools.pairwise(edges[1:-1])]
    labels.append(f"≥ {edges[-2]:g}")
    return labels


def rsrp_cmap_norm(*, lowest_dbm: float = RSRP_EDGES[0]):
    """Matplotlib ``(ListedColormap, BoundaryNorm)`` for the dBm classes from ``lowest_dbm`` up.

    Pass ``lowest_dbm=-110`` to leave out the grey "below -110" class when the raster
    has nothing there (levels under the threshold are already NaN).
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap

    keep = [i for i in range(len(RSRP_COLOURS)) if RSRP_EDGES[i] >= lowest_dbm]
    cmap = ListedColormap([RSRP_COLOURS[i] for i in keep]).with_extremes(bad=(0, 0, 0, 0), under=RSRP_COLOURS[0])
    return cmap, BoundaryNorm([RSRP_EDGES[i] for i in keep] + [RSRP_EDGES[-1]], cmap.N)


def rsrp_rgba(values: np.ndarray, *, alpha: float = RSRP_ALPHA) -> np.ndarray:
    """uint8 RGBA image of dBm ``values``; NaN is transparent."""
    rgb = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in RSRP_COLOURS], dtype=np.uint8)
    finite = np.isfinite(values)
    classes = np.clip(np.searchsorted(np.asarray(RSRP_EDGES[1:-1]), np.where(finite, values, -999), side="right"),
                      0, len(RSRP_COLOURS) - 1)
    out = np.zeros((*values.shape, 4), dtype=np.uint8)
    out[..., :3] = rgb[classes]
    out[..., 3] = np.where(finite, round(alpha * 255), 0)
    return out
