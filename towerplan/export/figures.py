"""Report figures (matplotlib, Agg): coverage, gaps and proposals maps, coverage-vs-cost curve.

Maps are drawn in the analysis CRS (metric, axes in km) with a scale bar, a north
arrow, commune boundaries, a legend and the study label in the corner. PNGs are
written without a timestamp, so the same package gives the same bytes.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from towerplan._atomic import atomic_path
from towerplan.export._style import RSRP_EDGES, operator_style, rsrp_cmap_norm
from towerplan.export.i18n_report import text
from towerplan.grid import Grid, utm_crs_for_lonlat

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from towerplan.export.package import PlanPackage

log = logging.getLogger(__name__)

__all__ = ["FIGURES", "curve_figure", "write_curve_png", "write_figures"]

#: figure key -> caption key in i18n_report
FIGURES = {"map_rsrp": "map_rsrp", "map_gaps": "map_gaps", "map_proposals": "map_proposals", "curve": "map_curve"}
DPI = 200
MAP_SIZE_IN = (7.0, 6.6)
COVERED_BG = "#d9ecd0"
NEW_COVER = "#9ecae1"
GAP_FACE = "#e34a33"
LABELLED_GAPS = 10


def write_figures(package: PlanPackage, folder: Path, *, lang: str) -> dict[str, Path]:
    """Draw every figure the package has data for; return key -> PNG path (report order)."""
    folder.mkdir(parents=True, exist_ok=True)
    crs = _map_crs(package)
    out: dict[str, Path] = {}
    drawers = {
        "map_rsrp": _map_rsrp,
        "map_gaps": _map_gaps,
        "map_proposals": _map_proposals,
        "curve": _curve,
    }
    for key, draw in drawers.items():
        fig = draw(package, crs=crs, lang=lang)
        if fig is None:
            continue
        path = folder / f"{key}.png"
        fig.savefig(path, dpi=DPI, metadata={"Software": None}, bbox_inches="tight", pad_inches=0.08)
        out[key] = path
    return out


def _map_crs(package: PlanPackage):
    for name in ("best_rsrp_dbm", "coverage_before_dbm", *sorted(package.rasters)):
        grid = package.rasters.get(name)
        if grid is not None and grid.crs.is_projected:
            return grid.crs
    for frame in (package.gaps, package.commune_stats, package.proposals):
        if frame is not None and frame.crs is not None and frame.crs.is_projected:
            return frame.crs
    if len(package.stations):
        return utm_crs_for_lonlat(float(package.stations["lon"].mean()), float(package.stations["lat"].mean()))
    return None


def _coverage_grid(package: PlanPackage, *names: str) -> Grid | None:
    for name in names:
        grid = package.rasters.get(name)
        if grid is not None:
            return grid
    return None


def _extent_km(grid: Grid) -> tuple[float, float, float, float]:
    left, bottom, right, top = grid.bounds
    return (left / 1000, right / 1000, bottom / 1000, top / 1000)


def _km(frame: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:
    """``frame`` in ``crs`` with coordinates scaled to km (for plotting on km axes)."""
    from shapely import affinity

    projected = frame.to_crs(crs) if crs is not None else frame
    return projected.set_geometry(projected.geometry.map(lambda g: affinity.scale(g, 0.001, 0.001, origin=(0, 0))
                                                         if g is not None else None))


def _new_map(package: PlanPackage, title: str, crs, lang: str) -> tuple[Figure, Axes]:
    fig = Figure(figsize=MAP_SIZE_IN, layout="constrained")
    ax = fig.add_subplot()
    _titles(fig, ax, title, package.study_label)
    name = crs.name if crs is not None else ""
    short = f"EPSG:{crs.to_epsg()}" if crs is not None and crs.to_epsg() else name
    ax.set_xlabel(text("easting_km", lang, crs=short), fontsize=8)
    ax.set_ylabel(text("northing_km", lang, crs=short), fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_aspect("equal")
    ax.set_facecolor("white")
    return fig, ax


def _titles(fig: Figure, ax: Axes, title: str, study_label: str) -> None:
    """Bold title over the figure, the study label in italics just above the plot."""
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    ax.set_title(study_label, loc="left", fontsize=7.5, style="italic", color="#444444")


def _communes(ax: Axes, package: PlanPackage, crs) -> bool:
    if package.commune_stats is None or not len(package.commune_stats) or package.commune_stats.crs is None:
        return False
    _km(package.commune_stats, crs).boundary.plot(ax=ax, color="#555555", linewidth=0.45, zorder=3)
    return True


def _decorate(ax: Axes, *, limits: tuple[float, float, float, float] | None) -> None:
    """Fix limits, add a scale bar (bottom left) and a north arrow (top right)."""
    if limits is not None:
        ax.set_xlim(limits[0], limits[1])
        ax.set_ylim(limits[2], limits[3])
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width, height = x1 - x0, y1 - y0
    nice = [1, 2, 5, 10, 20, 50, 100, 200]
    bar = max([n for n in nice if n <= width / 5] or [nice[0]])
    bx, by = x0 + 0.04 * width, y0 + 0.035 * height
    thick = 0.008 * height
    for i, colour in enumerate(("black", "white")):
        ax.add_patch(Rectangle((bx + i * bar / 2, by), bar / 2, thick, facecolor=colour, edgecolor="black",
                               linewidth=0.6, zorder=10))
    for value, pos in ((0, bx), (bar / 2, bx + bar / 2), (bar, bx + bar)):
        label = f"{value:g} km" if value == bar else f"{value:g}"
        ax.text(pos, by + thick * 1.6, label, ha="center", va="bottom", fontsize=6.5, zorder=11)
    ax.add_patch(Rectangle((bx - 0.015 * width, by - 0.012 * height), bar + 0.07 * width, 0.06 * height,
                           facecolor="white", edgecolor="none", alpha=0.75, zorder=9))
    ax.annotate("N", xy=(0.955, 0.975), xytext=(0.955, 0.89), xycoords="axes fraction", ha="center", va="center",
                fontsize=9, fontweight="bold", arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.2},
                zorder=11)


def _legend_below(fig: Figure, handles: list, *, title: str | None = None, ncol: int = 2) -> None:
    """One legend under the map (never over the data)."""
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncol=ncol, fontsize=7.5, title=title,
                   title_fontsize=7.5, frameon=False)


def _limits(package: PlanPackage, grid: Grid | None, crs) -> tuple[float, float, float, float] | None:
    if grid is not None:
        ext = _extent_km(grid)
        return ext[0], ext[1], ext[2], ext[3]
    frames = [f for f in (package.commune_stats, package.gaps) if f is not None and len(f)]
    if frames:
        bounds = np.array([_km(f, crs).total_bounds for f in frames])
        return bounds[:, 0].min(), bounds[:, 2].max(), bounds[:, 1].min(), bounds[:, 3].max()
    return None


def _sites(package: PlanPackage, crs) -> gpd.GeoDataFrame | None:
    st = package.stations
    if not len(st) or crs is None:
        return None
    sites = pd.DataFrame(st.drop(columns=st.geometry.name)).drop_duplicates(["operator", "site_id"])
    pts = gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs=4326)
    return _km(pts, crs)


def _map_rsrp(package: PlanPackage, *, crs, lang: str) -> Figure | None:
    grid = _coverage_grid(package, "best_rsrp_dbm", "coverage_before_dbm")
    if grid is None:
        return None
    fig, ax = _new_map(package, text("map_rsrp", lang), crs, lang)
    values = grid.masked()
    finite = values[np.isfinite(values)]
    low = RSRP_EDGES[1] if finite.size == 0 or finite.min() >= RSRP_EDGES[1] else RSRP_EDGES[0]
    cmap, norm = rsrp_cmap_norm(lowest_dbm=low)
    image = ax.imshow(values, extent=_extent_km(grid), cmap=cmap, norm=norm, interpolation="nearest", zorder=1)
    handles: list = [Patch(facecolor="white", edgecolor="#888888",
                           label=text("below_threshold", lang, threshold=f"{_threshold(package):.0f}"))]
    if _communes(ax, package, crs):
        handles.append(Line2D([], [], color="#555555", linewidth=0.6, label=text("communes_boundary", lang)))
    sites = _sites(package, crs)
    if sites is not None:
        operators = sorted(sites["operator"].astype(str).unique())
        for op in operators:
            colour, marker = operator_style(op, operators)
            sub = sites[sites["operator"].astype(str) == op]
            ax.scatter(sub.geometry.x, sub.geometry.y, s=10, marker=marker, facecolor=colour, edgecolor="white",
                       linewidth=0.4, zorder=5)
            handles.append(Line2D([], [], linestyle="none", marker=marker, markerfacecolor=colour,
                                  markeredgecolor="white", markersize=6,
                                  label=f"{text('existing_sites', lang)} {op} ({len(sub)})"))
    bar = fig.colorbar(image, ax=ax, shrink=0.7, pad=0.02, ticks=[e for e in RSRP_EDGES[1:-1] if e >= low])
    bar.set_label(text("rsrp_colorbar", lang), fontsize=8)
    bar.ax.tick_params(labelsize=7)
    _legend_below(fig, handles)
    _decorate(ax, limits=_limits(package, grid, crs))
    return fig


def _threshold(package: PlanPackage) -> float:
    value = package.summary.get("threshold_dbm", RSRP_EDGES[1])
    try:
        return float(value)
    except (TypeError, ValueError):
        return RSRP_EDGES[1]


def _map_gaps(package: PlanPackage, *, crs, lang: str) -> Figure | None:
    if package.gaps is None or not len(package.gaps):
        return None
    grid = _coverage_grid(package, "best_rsrp_dbm", "coverage_before_dbm")
    fig, ax = _new_map(package, text("map_gaps", lang), crs, lang)
    handles: list = []
    if grid is not None:
        covered = np.where(np.isfinite(grid.masked()), 1.0, np.nan)
        ax.imshow(covered, extent=_extent_km(grid), cmap=_single(COVERED_BG), vmin=0, vmax=1,
                  interpolation="nearest", zorder=1)
        handles.append(Patch(facecolor=COVERED_BG, edgecolor="none", label=text("area_covered", lang)))
    if _communes(ax, package, crs):
        handles.append(Line2D([], [], color="#555555", linewidth=0.6, label=text("communes_boundary", lang)))
    gaps = _km(package.gaps, crs)
    if "rank" in gaps:
        gaps = gaps.sort_values("rank", kind="stable")
    gaps.plot(ax=ax, facecolor=GAP_FACE, edgecolor="#99000d", linewidth=0.4, alpha=0.75, zorder=4)
    handles.append(Patch(facecolor=GAP_FACE, edgecolor="#99000d", alpha=0.75,
                         label=f"{text('gap', lang)} ({len(gaps)})"))
    for _, row in gaps.head(LABELLED_GAPS).iterrows():
        p = row.geometry.representative_point()
        ax.annotate(str(int(row["rank"])) if "rank" in row else "", (p.x, p.y), fontsize=7, fontweight="bold",
                    ha="center", va="center", zorder=8,
                    bbox={"boxstyle": "circle,pad=0.15", "facecolor": "white", "edgecolor": "#99000d", "lw": 0.6})
    _legend_below(fig, handles)
    _decorate(ax, limits=_limits(package, grid, crs))
    return fig


def _single(colour: str):
    from matplotlib.colors import ListedColormap

    return ListedColormap([colour]).with_extremes(bad=(0, 0, 0, 0))


def _map_proposals(package: PlanPackage, *, crs, lang: str) -> Figure | None:
    if package.proposals is None or not len(package.proposals):
        return None
    before = _coverage_grid(package, "coverage_before_dbm", "best_rsrp_dbm")
    after = _coverage_grid(package, "coverage_after_dbm")
    fig, ax = _new_map(package, text("map_proposals", lang), crs, lang)
    handles: list = []
    if before is not None:
        covered = np.isfinite(before.masked())
        ax.imshow(np.where(covered, 1.0, np.nan), extent=_extent_km(before), cmap=_single(COVERED_BG), vmin=0,
                  vmax=1, interpolation="nearest", zorder=1)
        handles.append(Patch(facecolor=COVERED_BG, edgecolor="none", label=text("area_covered", lang)))
        if after is not None and after.same_lattice(before):
            new = np.isfinite(after.masked()) & ~covered
            ax.imshow(np.where(new, 1.0, np.nan), extent=_extent_km(after), cmap=_single(NEW_COVER), vmin=0, vmax=1,
                      interpolation="nearest", zorder=2)
            handles.append(Patch(facecolor=NEW_COVER, edgecolor="none", label=text("area_newly_covered", lang)))
    if _communes(ax, package, crs):
        handles.append(Line2D([], [], color="#555555", linewidth=0.6, label=text("communes_boundary", lang)))
    if package.gaps is not None and len(package.gaps):
        _km(package.gaps, crs).plot(ax=ax, facecolor="none", edgecolor=GAP_FACE, linewidth=0.6, zorder=4)
        handles.append(Patch(facecolor="none", edgecolor=GAP_FACE, label=text("gap", lang)))
    props = _km(package.proposals, crs)
    if "build_order" in props:
        props = props.sort_values("build_order", kind="stable")
    kinds = props["kind"].astype(str) if "kind" in props else pd.Series("greenfield", index=props.index)
    styles = {"colocation": ("#2171b5", "o", "proposed_colocation"),
              "greenfield": ("#ffd700", "*", "proposed_greenfield"),
              "user": ("#31a354", "D", "proposed_user")}
    kinds = kinds.where(kinds.isin(list(styles)), "greenfield")
    for kind, (colour, marker, key) in styles.items():
        sub = props[(kinds == kind).to_numpy()]
        if len(sub):
            ax.scatter(sub.geometry.x, sub.geometry.y, s=140 if marker == "*" else 60, marker=marker,
                       facecolor=colour, edgecolor="black", linewidth=0.7, zorder=6)
            handles.append(Line2D([], [], linestyle="none", marker=marker, markerfacecolor=colour,
                                  markeredgecolor="black", markersize=9, label=f"{text(key, lang)} ({len(sub)})"))
    for i, (_, row) in enumerate(props.iterrows(), start=1):
        order = int(row["build_order"]) if "build_order" in row else i
        ax.annotate(str(order), (row.geometry.x, row.geometry.y), xytext=(5, 5), textcoords="offset points",
                    fontsize=7, fontweight="bold", zorder=8,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    _legend_below(fig, handles)
    _decorate(ax, limits=_limits(package, before, crs))
    return fig


def _curve(package: PlanPackage, *, crs, lang: str) -> Figure | None:
    return curve_figure(package.curve, lang=lang, study_label=package.study_label)


def curve_figure(curve: pd.DataFrame | None, *, lang: str, study_label: str) -> Figure | None:
    """People newly covered against the cumulative cost (bn VND), towers labelled: the report's curve and
    ``towerplan place``'s ``curve.png``. None without a curve."""
    if curve is None or not len(curve) or not {"people_newly_covered", "cost_vnd"} <= set(curve.columns):
        return None
    fig = Figure(figsize=(7.0, 4.2), layout="constrained")
    ax = fig.add_subplot()
    x = np.r_[0.0, curve["cost_vnd"].to_numpy(dtype=float) / 1e9]
    y = np.r_[0.0, curve["people_newly_covered"].to_numpy(dtype=float) / 1e3]
    ax.plot(x, y, color="#2171b5", marker="o", markersize=4, linewidth=1.6)
    ax.fill_between(x, 0, y, color="#2171b5", alpha=0.08)
    towers = curve["towers"].to_numpy() if "towers" in curve else np.arange(1, len(curve) + 1)
    step = max(1, len(curve) // 8)
    for i in range(0, len(curve), step):
        ax.annotate(text("curve_towers", lang, n=int(towers[i])), (x[i + 1], y[i + 1]), xytext=(4, -10),
                    textcoords="offset points", fontsize=7, color="#333333")
    if (len(curve) - 1) % step:
        ax.annotate(text("curve_towers", lang, n=int(towers[-1])), (x[-1], y[-1]), xytext=(4, -10),
                    textcoords="offset points", fontsize=7, color="#333333")
    _titles(fig, ax, text("map_curve", lang), study_label)
    ax.set_xlabel(text("curve_x", lang), fontsize=8)
    ax.set_ylabel(text("curve_y", lang), fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.set_xlim(0, x.max() * 1.08 if x.max() > 0 else 1)
    ax.set_ylim(0, y.max() * 1.1 if y.max() > 0 else 1)
    return fig


def write_curve_png(curve: pd.DataFrame, path: Path, *, lang: str = "en", study_label: str = "") -> Path | None:
    """:func:`curve_figure` as a PNG (same settings as the report's figures, atomically); None without a curve."""
    fig = curve_figure(curve, lang=lang, study_label=study_label)
    if fig is None:
        return None
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI, metadata={"Software": None}, bbox_inches="tight", pad_inches=0.08)
    return path

