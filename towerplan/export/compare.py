"""Two plans compared: what option B changes against option A.

A plan is read from its package folder (:meth:`PlanView.from_folder`: ``summary.json``,
``plan.gpkg`` and the rasters) or taken from a :class:`~towerplan.export.package.PlanPackage`
in memory (:meth:`PlanView.from_package`, so ``towerplan run --compare-with`` can put the
comparison into the new plan's report). :func:`compare_plans` gives:

* difference rasters on the common lattice: ``served_change`` (+1 a cell served after B and not
  after A, -1 the reverse, 0 unchanged; "served" by :func:`towerplan.coverage.service.served`
  at each plan's own criterion) and ``level_change_db`` (B - A of the best level after the plan,
  dB, where both are finite);
* per commune: people covered and in gaps in A and B, proposals in each, and the area whose
  service changes (km², from ``served_change``). People covered after a plan are the commune's
  covered people before the plan plus the people newly covered by the proposals standing in the
  commune (the placement's own count, attributed to the proposal's commune);
* per village (when both plans list villages): the villages whose service after the plan differs;
* the proposals that differ: only in A, only in B, or at the same candidate with another kind,
  height or set of operators.

Comparing a plan with itself gives no change anywhere (``tests/test_compare.py``).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from towerplan.coverage.service import served
from towerplan.errors import ConfigError, UnreadableFileError
from towerplan.grid import Grid

if TYPE_CHECKING:  # pragma: no cover
    from towerplan.export.package import PlanPackage
    from towerplan.export.report_model import Block

__all__ = ["PlanComparison", "PlanView", "comparison_blocks", "compare_plans"]

log = logging.getLogger(__name__)

_LEVEL_RASTERS = ("coverage_after_dbm", "best_rsrp_dbm")
_LAYERS = ("commune_stats", "proposals", "villages")
_PROPOSAL_FIELDS = ("kind", "mast_height_m", "operators_hosted")


@dataclass(frozen=True, eq=False)
class PlanView:
    """What a comparison reads of one plan: its headline figures, tables and best level after the plan."""

    name: str
    summary: Mapping[str, Any]
    level: Grid | None
    commune_stats: gpd.GeoDataFrame | None = None
    proposals: gpd.GeoDataFrame | None = None
    villages: gpd.GeoDataFrame | None = None

    @property
    def threshold_dbm(self) -> float:
        value = self.summary.get("threshold_dbm")
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise ConfigError(f"plan {self.name}: summary.json has no threshold_dbm")
        return float(value)

    @property
    def people_covered(self) -> float:
        s = self.summary
        return float(s.get("covered_any_operator") or 0.0) + float(s.get("people_newly_covered") or 0.0)

    @classmethod
    def from_package(cls, package: PlanPackage, *, name: str = "B") -> PlanView:
        level = next((package.rasters[r] for r in _LEVEL_RASTERS if r in package.rasters), None)
        return cls(name, dict(package.summary), level, package.commune_stats, package.proposals, package.villages)

    @classmethod
    def from_folder(cls, folder: str | Path, *, name: str | None = None) -> PlanView:
        """Read a plan package folder (as ``towerplan run`` writes it)."""
        import pyogrio

        from towerplan.rasters import read_grid

        root = Path(folder)
        summary_path = root / "summary.json"
        if not summary_path.is_file():
            raise UnreadableFileError(f"{root}: not a plan package (no summary.json); give the folder written by "
                                      "`towerplan run`")
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UnreadableFileError(f"{summary_path}: not readable ({exc})") from exc
        level = None
        for stem in _LEVEL_RASTERS:
            path = root / "rasters" / f"{stem}.tif"
            if path.is_file():
                level = read_grid(path)
                break
        layers: dict[str, gpd.GeoDataFrame | None] = dict.fromkeys(_LAYERS)
        gpkg = root / "plan.gpkg"
        if gpkg.is_file():
            present = {str(row[0]) for row in pyogrio.list_layers(gpkg)}
            for layer in _LAYERS:
                if layer in present:
                    layers[layer] = gpd.read_file(gpkg, layer=layer, engine="pyogrio")
        return cls(name or root.name, summary, level, layers["commune_stats"], layers["proposals"],
                   layers["villages"])


@dataclass(frozen=True, eq=False)
class PlanComparison:
    """The result of :func:`compare_plans` (tables without geometry, rasters as Grids)."""

    a: str
    b: str
    summary: dict[str, Any]
    communes: pd.DataFrame
    villages: pd.DataFrame
    proposals: pd.DataFrame
    rasters: dict[str, Grid] = field(default_factory=dict)

    @property
    def identical(self) -> bool:
        return bool(self.summary.get("identical"))

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables for a plan package (``PlanPackage.comparison``), the summary as a one-row table."""
        row = {k: v for k, v in self.summary.items() if not isinstance(v, dict | list)}
        return {"summary": pd.DataFrame([row]), "communes": self.communes, "villages": self.villages,
                "proposals": self.proposals}


# ------------------------------------------------------------------ rasters
def _difference_rasters(a: PlanView, b: PlanView) -> dict[str, Grid]:
    if a.level is None or b.level is None:
        log.warning("a plan has no level raster: no difference rasters")
        return {}
    if not a.level.same_lattice(b.level):
        raise ConfigError(f"plans {a.name} and {b.name} are not on the same grid (CRS, cell size or extent differ): "
                          "compare plans of the same study area and resolution")
    sa, sb = served(a.level, a.threshold_dbm), served(b.level, b.threshold_dbm)
    change = sb.astype(np.int8) - sa.astype(np.int8)
    va, vb = a.level.masked(), b.level.masked()
    with np.errstate(invalid="ignore"):
        delta = np.where(np.isfinite(va) & np.isfinite(vb), vb - va, np.nan).astype(np.float32)
    return {"served_change": a.level.with_values(change, nodata=None),
            "level_change_db": a.level.with_values(delta, nodata=np.nan)}


# ------------------------------------------------------------------ communes
def _unit_key(frame: gpd.GeoDataFrame) -> str:
    for col in ("commune_id", "name", "commune_vn", "shapeName"):
        if col in frame.columns:
            return col
    raise ConfigError("the commune table has no commune_id or name column")


def _newly_by_unit(view: PlanView, key: str) -> pd.DataFrame:
    """People newly covered (``sum``) and proposals (``count``) per unit holding the proposal."""
    if view.proposals is None or not len(view.proposals) or view.commune_stats is None:
        return pd.DataFrame(columns=["sum", "count"])
    props = view.proposals
    pts = gpd.GeoDataFrame({"_p": props.get("people_newly_covered", pd.Series(0.0, index=props.index)).to_numpy()},
                           geometry=gpd.points_from_xy(props["lon"], props["lat"]), crs=4326)
    units = view.commune_stats[[key, "geometry"]].to_crs(4326)
    joined = gpd.sjoin(pts, units, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined.groupby(key)["_p"].agg(["sum", "count"])


def _area_change(units: gpd.GeoDataFrame, key: str, change: Grid | None) -> pd.DataFrame:
    if change is None:
        return pd.DataFrame(columns=["gained_km2", "lost_km2"])
    from rasterio.features import rasterize

    shapes = [(geom, k + 1) for k, geom in enumerate(units.to_crs(change.crs).geometry.values)]
    zone = rasterize(shapes, out_shape=change.shape, transform=change.transform, fill=0, dtype="int32")
    values = np.asarray(change.values)
    cell_km2 = change.cell_area_m2 / 1e6
    gained = np.bincount(zone.ravel(), weights=(values == 1).ravel(), minlength=len(units) + 1)[1:] * cell_km2
    lost = np.bincount(zone.ravel(), weights=(values == -1).ravel(), minlength=len(units) + 1)[1:] * cell_km2
    return pd.DataFrame({"gained_km2": gained, "lost_km2": lost}, index=units[key].to_numpy())


def _commune_table(a: PlanView, b: PlanView, change: Grid | None) -> pd.DataFrame:
    units_a, units_b = a.commune_stats, b.commune_stats
    if units_a is None or units_b is None:
        return pd.DataFrame()
    key = _unit_key(units_a)
    if key not in units_b.columns or set(units_a[key]) != set(units_b[key]):
        log.warning("plans %s and %s are on different administrative units: no per-commune comparison",
                    a.name, b.name)
        return pd.DataFrame()
    name_col = "name" if "name" in units_a else key
    rows = {}
    for tag, view, units in (("a", a, units_a), ("b", b, units_b)):
        stats = units.set_index(key)
        newly = _newly_by_unit(view, key)
        covered = stats.get("people_covered_any", pd.Series(0.0, index=stats.index)).astype(float)
        plus = newly["sum"].reindex(stats.index).fillna(0.0) if len(newly) else 0.0
        rows[f"people_covered_{tag}"] = covered + plus
        rows[f"gap_people_{tag}"] = stats.get("gap_people", pd.Series(np.nan, index=stats.index)).astype(float)
        count = newly["count"].reindex(stats.index).fillna(0) if len(newly) else pd.Series(0, index=stats.index)
        rows[f"proposals_{tag}"] = count.astype(int)
    table = pd.DataFrame(rows)
    names = pd.concat([units_a.set_index(key)[name_col], units_b.set_index(key)[name_col]])
    table.insert(0, "name", names[~names.index.duplicated()].reindex(table.index))
    table["people_covered_change"] = table["people_covered_b"] - table["people_covered_a"]
    table["gap_people_change"] = table["gap_people_b"] - table["gap_people_a"]
    area = _area_change(units_a, key, change)
    table = table.join(area, how="left") if len(area) else table
    table.index.name = key
    out = table.reset_index()
    for col in ("proposals_a", "proposals_b"):
        out[col] = out[col].fillna(0).astype(int)
    return out


# ------------------------------------------------------------------ villages and proposals
def _village_served(view: PlanView) -> pd.Series | None:
    v = view.villages
    if v is None or "village_id" not in v:
        return None
    col = "served_after_plan" if "served_after_plan" in v else "served_any"
    return pd.Series(v[col].astype(bool).to_numpy(), index=v["village_id"].astype(str).to_numpy())


def _village_table(a: PlanView, b: PlanView) -> pd.DataFrame:
    sa, sb = _village_served(a), _village_served(b)
    cols = ["village_id", "name", "unit", "households", "served_a", "served_b", "change"]
    if sa is None or sb is None or b.villages is None:
        return pd.DataFrame(columns=cols)
    both = pd.DataFrame({"served_a": sa, "served_b": sb}).dropna()
    changed = both[both["served_a"] != both["served_b"]].copy()
    changed["change"] = np.where(changed["served_b"].astype(bool), "gained", "lost")
    info = pd.DataFrame(b.villages.drop(columns="geometry")).assign(village_id=lambda f: f["village_id"].astype(str))
    info = info.set_index("village_id")
    out = changed.join(info[[c for c in ("name", "unit", "households") if c in info]], how="left")
    out.index.name = "village_id"
    out = out.reset_index()
    return out[[c for c in cols if c in out]]


def _same(x: Any, y: Any) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        return (math.isnan(x) and math.isnan(y)) or abs(x - y) < 1e-6
    return bool(x == y)


def _proposal_table(a: PlanView, b: PlanView) -> pd.DataFrame:
    cols = ["candidate_id", "change", "kind", "lon", "lat", "mast_height_m", "operators_hosted",
            "people_newly_covered", "cost_vnd"]
    pa = pd.DataFrame(a.proposals.drop(columns="geometry")) if a.proposals is not None else pd.DataFrame(
        columns=cols)
    pb = pd.DataFrame(b.proposals.drop(columns="geometry")) if b.proposals is not None else pd.DataFrame(
        columns=cols)
    ia, ib = pa.set_index("candidate_id"), pb.set_index("candidate_id")
    rows = []
    for cid in sorted(set(ia.index) | set(ib.index)):
        if cid not in ib.index:
            rows.append({"candidate_id": cid, "change": "only_a", **ia.loc[cid].to_dict()})
        elif cid not in ia.index:
            rows.append({"candidate_id": cid, "change": "only_b", **ib.loc[cid].to_dict()})
        elif not all(_same(ia.loc[cid].get(f), ib.loc[cid].get(f)) for f in _PROPOSAL_FIELDS if f in ia and f in ib):
            rows.append({"candidate_id": cid, "change": "changed", **ib.loc[cid].to_dict()})
    out = pd.DataFrame(rows, columns=list(dict.fromkeys([*cols, *(k for r in rows for k in r)])))
    return out[[c for c in cols if c in out]]


def compare_plans(a: PlanView, b: PlanView) -> PlanComparison:
    """What ``b`` changes against ``a`` (see the module docstring)."""
    rasters = _difference_rasters(a, b)
    change = rasters.get("served_change")
    communes = _commune_table(a, b, change)
    villages = _village_table(a, b)
    proposals = _proposal_table(a, b)
    cell_km2 = change.cell_area_m2 / 1e6 if change is not None else 0.0
    values = np.asarray(change.values) if change is not None else np.zeros(0)
    summary: dict[str, Any] = {
        "plan_a": a.name, "plan_b": b.name,
        "people_covered_a": round(a.people_covered, 1), "people_covered_b": round(b.people_covered, 1),
        "people_covered_change": round(b.people_covered - a.people_covered, 1),
        "proposals_a": int(a.summary.get("proposals") or 0), "proposals_b": int(b.summary.get("proposals") or 0),
        "proposals_differing": len(proposals),
        "area_gained_km2": round(float((values == 1).sum()) * cell_km2, 3),
        "area_lost_km2": round(float((values == -1).sum()) * cell_km2, 3),
        "villages_gained": int((villages["change"] == "gained").sum()) if len(villages) else 0,
        "villages_lost": int((villages["change"] == "lost").sum()) if len(villages) else 0,
        "cost_vnd_change": float(b.summary.get("cost_vnd") or 0.0) - float(a.summary.get("cost_vnd") or 0.0),
    }
    level_change = rasters.get("level_change_db")
    no_level_change = level_change is None or not np.nanmax(np.abs(np.nan_to_num(level_change.values)), initial=0.0)
    summary["identical"] = bool(len(proposals) == 0 and len(villages) == 0 and summary["area_gained_km2"] == 0
                                and summary["area_lost_km2"] == 0 and no_level_change
                                and abs(summary["people_covered_change"]) < 0.05)
    return PlanComparison(a.name, b.name, summary, communes, villages, proposals, rasters)


def comparison_blocks(tables: Mapping[str, pd.DataFrame], lang: str) -> list[Block]:
    """Report blocks of a comparison (:meth:`PlanComparison.tables`)."""
    from towerplan.export.i18n_report import text, value_label
    from towerplan.export.report_model import Block, fmt_number, table_block

    summary = tables.get("summary")
    row = summary.iloc[0].to_dict() if summary is not None and len(summary) else {}
    blocks: list[Block] = [Block("heading", text=text("compare_heading", lang), level=1)]
    if row:
        blocks.append(Block("paragraph", text=text(
            "compare_summary", lang, a=row.get("plan_a", "A"), b=row.get("plan_b", "B"),
            people=fmt_number(row.get("people_covered_change"), lang=lang),
            proposals=row.get("proposals_differing", 0))))
    communes = tables.get("communes")
    if communes is not None and len(communes):
        changed = communes[(communes["people_covered_change"].abs() > 0.5)
                           | (communes["proposals_a"] != communes["proposals_b"])]
        if len(changed):
            blocks.append(table_block(changed, ["name", "people_covered_a", "people_covered_b",
                                                "people_covered_change", "proposals_a", "proposals_b",
                                                "gained_km2", "lost_km2"],
                                      text("table_compare_communes", lang), lang, small=True))
    props = tables.get("proposals")
    if props is not None and len(props):
        shown = props.copy()
        shown["change"] = shown["change"].map(lambda v: text(v, lang))
        shown["kind"] = shown["kind"].map(lambda v: value_label(v, lang))
        blocks.append(table_block(shown, ["candidate_id", "change", "kind", "operators_hosted",
                                          "people_newly_covered"], text("table_compare_proposals", lang), lang,
                                  small=True))
    villages = tables.get("villages")
    if villages is not None and len(villages):
        shown = villages.copy()
        shown["change"] = shown["change"].map(lambda v: text(v, lang))
        blocks.append(table_block(shown, ["village_id", "name", "unit", "households", "change"],
                                  text("table_compare_villages", lang), lang, small=True))
    return blocks
