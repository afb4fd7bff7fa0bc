"""People covered per operator, per technology, by any operator and by two or more.

Everything works on boolean coverage masks and a people-per-cell array on one
lattice (see :mod:`towerplan.planning.inputs`). With zones (communes) the sums
are zonal (exact boundary fractions, :mod:`towerplan.planning.zonal`) and the
totals are over the union of the zones; without, over the whole grid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from towerplan.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from towerplan.planning.zonal import ZoneWeights

__all__ = ["PopulationCoverage", "column_slug", "operator_slug", "population_coverage"]


def column_slug(name: str) -> str:
    """``"Mobi Fone"`` -> ``"mobi_fone"``: a name usable in a column (lower case, ``_``).

    ASCII letters and digits only (``"Điện lực"`` -> ``"i_n_l_c"``), so the result is a
    valid identifier part; used for the ``people_covered_<operator>`` columns and to
    match operator names given in different spellings.
    """
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_") or "unknown"


def operator_slug(name: str) -> str:
    """``"Mobi Fone"`` -> ``"mobi-fone"``: an operator name in a file name (``rsrp_<slug>_dbm.tif``).

    Lower case, runs of white space as one ``-``, characters not allowed in file names
    (``/ \\ : * ? " < > |``) as ``_``; other characters (Vietnamese letters, ``.``) are kept,
    so ``towerplan gaps`` reads the name back nearly as written. Not the same as
    :func:`column_slug` (ASCII only, ``_``): the two agree on the normalised operator
    names (``viettel``, ``mobifone``, ``vinaphone``, ``vietnamobile``) but not in general,
    and both are part of the output formats (raster file names, table columns).
    """
    slug = re.sub(r"\s+", "-", name.strip().lower())
    return re.sub(r"[/\\:*?\"<>|]", "_", slug) or "unknown"


@dataclass(frozen=True, eq=False)
class PopulationCoverage:
    """People covered, for the whole area and per zone.

    Attributes
    ----------
    threshold_dbm
        Level (dBm) at or above which a cell counts as covered.
    total_people
        People in the area (the union of the zones if given, else the whole grid).
    covered_by_operator, covered_by_technology
        People covered, per operator / technology.
    covered_any, covered_two_plus
        People covered by at least one / at least two operators.
    per_zone
        One row per zone (zone order) with ``people``, ``people_covered_any``,
        ``people_covered_2plus``, ``people_covered_<operator>``,
        ``people_covered_<technology>`` (technology columns prefixed ``tech_``),
        ``people_uncovered``, ``covered_any_pct``, ``area_km2``; ``None`` without zones.
    population_data_fraction
        Share (0-1) of the area where the population raster has data.
    """

    threshold_dbm: float
    total_people: float
    covered_by_operator: dict[str, float]
    covered_by_technology: dict[str, float]
    covered_any: float
    covered_two_plus: float
    per_zone: pd.DataFrame | None = None
    population_data_fraction: float = 1.0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready totals (people rounded to 0.1)."""
        r = lambda v: round(float(v), 1)  # noqa: E731
        return {
            "threshold_dbm": self.threshold_dbm,
            "total_people": r(self.total_people),
            "covered_by_operator": {k: r(v) for k, v in self.covered_by_operator.items()},
            "covered_by_technology": {k: r(v) for k, v in self.covered_by_technology.items()},
            "covered_any_operator": r(self.covered_any),
            "covered_two_or_more_operators": r(self.covered_two_plus),
            "uncovered": r(self.total_people - self.covered_any),
            "covered_any_pct": round(100.0 * self.covered_any / self.total_people, 2) if self.total_people else None,
            "population_data_fraction": round(self.population_data_fraction, 4),
        }


_MAX_BITS = 16


def _code_layers(operators: list[str], technologies: list[str], n_codes: int) -> dict[str, np.ndarray]:
    """For each output column, which cell codes (bit k = mask k covers) it counts."""
    code = np.arange(n_codes)
    op_bits = code & ((1 << len(operators)) - 1)
    n_ops = np.zeros(n_codes, dtype=np.int64)
    for k in range(len(operators)):
        n_ops += (code >> k) & 1
    layers = {f"people_covered_{column_slug(op)}": ((code >> k) & 1).astype(bool) for k, op in enumerate(operators)}
    layers.update({f"people_covered_tech_{column_slug(t)}": ((code >> (len(operators) + k)) & 1).astype(bool)
                   for k, t in enumerate(technologies)})
    layers["people_covered_any"] = op_bits != 0
    layers["people_covered_2plus"] = n_ops >= 2
    return layers


def population_coverage(
    people: np.ndarray,
    covered: Mapping[str, np.ndarray],
    *,
    threshold_dbm: float,
    technology_covered: Mapping[str, np.ndarray] | None = None,
    weights: ZoneWeights | None = None,
    has_data: np.ndarray | None = None,
) -> PopulationCoverage:
    """People covered per operator / technology / any / two or more, in total and per zone.

    Parameters
    ----------
    people
        People per cell (2-D, NaN = 0).
    covered
        Operator -> boolean mask (cell level >= threshold) on the same lattice.
    threshold_dbm
        The threshold the masks were made with (reported).
    technology_covered
        Technology -> boolean mask (covered by any operator with that technology).
    weights
        Zone weights on the same lattice; totals are then over the union of the zones.
    has_data
        Where the population raster has data, to report the share of the area it covers.
    """
    people = np.asarray(people)
    if np.issubdtype(people.dtype, np.floating) and np.isnan(people).any():
        people = np.nan_to_num(people, nan=0.0)
    tech = dict(technology_covered or {})
    masks = [*covered.values(), *tech.values()]
    if len(masks) > _MAX_BITS:
        raise ConfigError(f"at most {_MAX_BITS} operator and technology grids together, got {len(masks)}")
    # one code per cell: bit k set when mask k covers it; people are summed per (zone, code) in one pass
    codes = np.zeros(people.shape, dtype=np.uint16)
    for bit, mask in enumerate(masks):
        codes |= mask.astype(np.uint16) << bit
    n_codes = 1 << len(masks)
    layers = _code_layers(list(covered), list(tech), n_codes)

    if weights is None:
        by_code = np.bincount(codes.reshape(-1), weights=people.reshape(-1), minlength=n_codes)
        total = float(by_code.sum())
        sums = {k: float(by_code[sel].sum()) for k, sel in layers.items()}
        frac = float(has_data.mean()) if has_data is not None else 1.0
        per_zone = None
    else:
        p_int, p_edge = weights.gather(people)
        c_int, c_edge = weights.gather(codes)
        table = np.bincount(weights.interior_zone.astype(np.int64) * n_codes + c_int, weights=p_int,
                            minlength=weights.n_zones * n_codes)
        table += np.bincount(weights.edge_zone.astype(np.int64) * n_codes + c_edge,
                             weights=p_edge * weights.edge_fraction, minlength=weights.n_zones * n_codes)
        table = table.reshape(weights.n_zones, n_codes)
        zone_people = table.sum(axis=1)
        total = float(zone_people.sum())
        per = {"people": zone_people}
        per.update({k: table[:, sel].sum(axis=1) for k, sel in layers.items()})
        sums = {k: float(v.sum()) for k, v in per.items() if k != "people"}
        area = weights.zone_area_m2()
        per_zone = pd.DataFrame(per)
        per_zone["people_uncovered"] = per_zone["people"] - per_zone["people_covered_any"]
        with np.errstate(invalid="ignore", divide="ignore"):
            per_zone["covered_any_pct"] = np.where(per_zone["people"] > 0,
                                                   100.0 * per_zone["people_covered_any"] / per_zone["people"],
                                                   np.nan)
        per_zone["area_km2"] = area / 1e6
        if has_data is not None:
            d_int, d_edge = weights.gather(has_data)
            data_area = weights.sums_gathered(d_int.astype(np.float32), d_edge.astype(np.float32))
            data_area *= weights.cell_area_m2
            per_zone["population_data_pct"] = np.where(area > 0, 100.0 * data_area / np.maximum(area, 1e-9), np.nan)
            frac = float(data_area.sum() / area.sum()) if area.sum() > 0 else 0.0
        else:
            frac = 1.0
    return PopulationCoverage(
        threshold_dbm=float(threshold_dbm),
        total_people=total,
        covered_by_operator={k: sums[f"people_covered_{column_slug(k)}"] for k in covered},
        covered_by_technology={k: sums[f"people_covered_tech_{column_slug(k)}"] for k in tech},
        covered_any=sums["people_covered_any"],
        covered_two_plus=sums["people_covered_2plus"],
        per_zone=per_zone,
        population_data_fraction=frac,
    )
