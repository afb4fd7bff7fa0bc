"""Planned positions in the layout of a provincial passive-infrastructure plan.

A province's "Quy hoạch hạ tầng kỹ thuật viễn thông thụ động" lists each planned mast
position per commune: a position code, coordinates (VN-2000 or WGS 84 degrees), the commune,
an address (village, hamlet), the type of antenna mast, its height, the owner, the operators
that will share it and the period or year it is to be built. The mast types follow Joint
Circular 15/2016/TTLT-BTTTT-BXD (antenna masts: A1 "không cồng kềnh", compact, on buildings or
poles; A2 "cồng kềnh", bulky: A2a on a building, A2b standing on the ground). A new tower of
the plan stands on the ground (A2b); a co-location adds antennas to an existing tower; an upgrade adds
a radio to the operator's own existing mast (its owner).

:func:`province_plan_table` builds that table from the plan's proposals, in Vietnamese or
English cell values; the column titles come from :mod:`towerplan.export.i18n_report` in both
languages (the XLSX sheet has both header rows).
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["PROVINCE_COLUMNS", "province_plan_table"]

#: columns of the provincial layout, in order
PROVINCE_COLUMNS = ("stt", "site_code", "lon", "lat", "commune", "address", "mast_type", "mast_height_m", "owner",
                    "operators_sharing", "target_year")

_WORDS: dict[str, tuple[str, str]] = {
    "greenfield": ("A2b – cột ăng-ten cồng kềnh dựng trên mặt đất (xây mới)",
                   "A2b – bulky ground-based antenna mast (new)"),
    "colocation": ("Cột hiện có – lắp thêm ăng-ten (dùng chung)", "Existing mast – antennas added (shared)"),
    "user": ("A2b – vị trí do địa phương đề xuất", "A2b – site listed by the province"),
    # an upgrade (4G on a 2G/3G site, 5G on a 4G site) adds a radio to the operator's own existing mast
    "upgrade": ("Cột hiện có của doanh nghiệp – lắp thêm thiết bị (nâng cấp)",
                "Operator's existing mast – radio added (upgrade)"),
    "owner_operator": ("{operator} (cột hiện có)", "{operator} (existing mast)"),
    "owner_new": ("Doanh nghiệp được giao đầu tư (dùng chung)", "Operator or tower company to be assigned (shared)"),
    "owner_existing": ("Chủ cột hiện có", "Owner of the existing mast"),
    "near": ("gần {village}, {commune}", "near {village}, {commune}"),
    "outside": ("ngoài các đơn vị hành chính đã nạp", "outside the loaded administrative units"),
}


def _word(key: str, lang: str, **values: Any) -> str:
    text = _WORDS[key][0 if lang == "vi" else 1]
    return text.format(**values) if values else text


def _units_of(points: gpd.GeoDataFrame, units: gpd.GeoDataFrame | None, name_column: str | None
              ) -> tuple[list[str | None], list[str | None]]:
    """Unit name and unit code (``commune_id`` or the unit's order) of each point."""
    if units is None or units.empty or units.crs is None:
        return [None] * len(points), [None] * len(points)
    name_col = name_column if name_column in units else next(
        (c for c in ("name", "commune_vn", "commune", "shapeName") if c in units), None)
    code = units["commune_id"].astype(str).to_numpy() if "commune_id" in units else np.array(
        [f"U{k + 1:03d}" for k in range(len(units))])
    frame = gpd.GeoDataFrame({"_name": units[name_col].astype(str).to_numpy() if name_col else code, "_code": code},
                             geometry=units.geometry.values, crs=units.crs).to_crs(points.crs)
    joined = gpd.sjoin(points[["geometry"]].reset_index(drop=True), frame, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")].reindex(range(len(points)))
    names = [None if pd.isna(v) else str(v) for v in joined["_name"]]
    codes = [None if pd.isna(v) else str(v) for v in joined["_code"]]
    return names, codes


def _nearest_village(points: gpd.GeoDataFrame, villages: gpd.GeoDataFrame | None, max_m: float) -> list[str | None]:
    if villages is None or villages.empty or "name" not in villages:
        return [None] * len(points)
    vil = gpd.GeoDataFrame({"_v": villages["name"].astype(str).to_numpy()}, geometry=villages.geometry.values,
                           crs=villages.crs).to_crs(points.crs)
    joined = gpd.sjoin_nearest(points[["geometry"]].reset_index(drop=True), vil, how="left", max_distance=max_m)
    joined = joined[~joined.index.duplicated(keep="first")].reindex(range(len(points)))
    return [None if pd.isna(v) else str(v) for v in joined["_v"]]


def province_plan_table(
    proposals: gpd.GeoDataFrame,
    *,
    units: gpd.GeoDataFrame | None = None,
    unit_name_column: str | None = None,
    villages: gpd.GeoDataFrame | None = None,
    target_year: int | None = None,
    lang: str = "vi",
    village_distance_m: float = 2000.0,
) -> pd.DataFrame:
    """The proposals as the province's planned-positions table, sorted by commune then build order.

    Parameters
    ----------
    proposals
        The plan's proposals (``candidate_id``, ``kind``, ``lon``, ``lat``, ``mast_height_m``,
        ``operators_hosted``, ``build_order``; optional ``target_year`` and ``owner``).
    units
        The administrative units loaded (any CRS) naming the commune of each position.
    villages
        Village points: the address is the nearest village within ``village_distance_m``.
    target_year
        The year written where the proposals carry no ``target_year`` (None: left empty).
    lang
        ``"vi"`` or ``"en"`` cell values.

    Columns: :data:`PROVINCE_COLUMNS` (``stt`` numbers the rows; ``site_code`` is
    ``<commune code>-<nn>``, numbered within each commune in build order).
    """
    if lang not in ("vi", "en"):
        raise ValueError(f"lang must be 'vi' or 'en', got {lang!r}")
    if proposals is None or len(proposals) == 0:
        return pd.DataFrame(columns=list(PROVINCE_COLUMNS))
    props = proposals.reset_index(drop=True)
    if "build_order" in props:
        props = props.sort_values("build_order", kind="stable").reset_index(drop=True)
    points = gpd.GeoDataFrame(props, geometry=gpd.points_from_xy(props["lon"], props["lat"]), crs=4326)
    names, codes = _units_of(points, units, unit_name_column)
    near = _nearest_village(points.to_crs(points.estimate_utm_crs()), villages, village_distance_m)
    rows = []
    for k, row in props.iterrows():
        kind = str(row.get("kind", "greenfield")).lower().replace("co-location", "colocation")
        commune = names[k] or _word("outside", lang)
        address = _word("near", lang, village=near[k], commune=commune) if near[k] else commune
        owner = row.get("owner")
        if owner is None or (isinstance(owner, float) and math.isnan(owner)):
            hosted = str(row.get("operators_hosted", "") or "")
            owner = (_word("owner_operator", lang, operator=hosted) if kind == "upgrade" and hosted
                     else _word("owner_existing" if kind in ("colocation", "upgrade") else "owner_new", lang))
        year = row.get("target_year", target_year)
        year = target_year if year is None or (isinstance(year, float) and math.isnan(year)) else year
        rows.append({
            "site_code": None, "_code": codes[k] or "U000", "_order": k,
            "lon": float(row["lon"]), "lat": float(row["lat"]), "commune": commune, "address": address,
            "mast_type": _word(kind if kind in _WORDS else "greenfield", lang),
            "mast_height_m": float(row.get("mast_height_m", np.nan)), "owner": str(owner),
            "operators_sharing": str(row.get("operators_hosted", "")).replace(" / ", ", "),
            "target_year": None if year is None else int(year),
        })
    table = pd.DataFrame(rows).sort_values(["commune", "_order"], kind="stable").reset_index(drop=True)
    table["site_code"] = [f"{c}-{n:02d}" for c, n in zip(table["_code"], table.groupby("_code").cumcount() + 1,
                                                          strict=True)]
    table.insert(0, "stt", np.arange(1, len(table) + 1))
    table["target_year"] = table["target_year"].astype("Int64")
    return table[list(PROVINCE_COLUMNS)]
