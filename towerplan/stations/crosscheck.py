"""Checks across rows: repeated cell ids and one site id at two places.

Cell ids are compared per operator (two operators may both have a cell "1");
site positions are compared per operator and site id, with the geodesic
distance on the WGS 84 ellipsoid. The first occurrence is kept, later ones are
errors that name it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pyproj import Geod

from towerplan.stations.fields import Sink

__all__ = ["Duplicate", "find_duplicates", "report_duplicates"]

_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Duplicate:
    """A later row that repeats an earlier key: positions in the frame checked."""

    later: int
    first: int
    code: str
    distance_m: float = 0.0


def find_duplicates(
    operators: Sequence[Any],
    sites: Sequence[Any],
    cells: Sequence[Any],
    lon: np.ndarray,
    lat: np.ndarray,
    *,
    spread_m: float,
) -> list[Duplicate]:
    """Repeated (operator, cell id) and (operator, site id) rows more than ``spread_m`` apart."""
    out: list[Duplicate] = []
    first_cell: dict[tuple[Any, Any], int] = {}
    first_site: dict[tuple[Any, Any], int] = {}
    for pos, (op, site, cell) in enumerate(zip(operators, sites, cells, strict=True)):
        key = (op or "", cell)
        if cell is not None:
            if key in first_cell:
                out.append(Duplicate(pos, first_cell[key], "duplicate_cell_id"))
            else:
                first_cell[key] = pos
        if site is None or not (np.isfinite(lon[pos]) and np.isfinite(lat[pos])):
            continue
        skey = (op or "", site)
        if skey not in first_site:
            first_site[skey] = pos
            continue
        f = first_site[skey]
        _, _, dist = _GEOD.inv(lon[f], lat[f], lon[pos], lat[pos])
        if dist > spread_m:
            out.append(Duplicate(pos, f, "site_two_places", float(dist)))
    return out


def report_duplicates(
    frame: pd.DataFrame,
    sink: Sink,
    *,
    site_label: str | None,
    cell_label: str | None,
    spread_m: float,
    derived_cells: bool,
) -> None:
    """Record ``duplicate_cell_id`` and ``site_two_places`` errors for the sectors of one table.

    ``frame`` has the canonical columns and ``_pos``, the table row of each sector.
    """
    positions = frame["_pos"].to_numpy()
    rows = frame["source_row"].to_numpy()
    for dup in find_duplicates(
        frame["operator"].tolist(),
        frame["site_id"].tolist(),
        frame["cell_id"].tolist(),
        frame["lon"].to_numpy(dtype=float),
        frame["lat"].to_numpy(dtype=float),
        spread_m=spread_m,
    ):
        pos, first_row = int(positions[dup.later]), int(rows[dup.first])
        if positions[dup.later] == positions[dup.first]:
            continue  # sectors of one expanded row share its site and position
        if dup.code == "duplicate_cell_id":
            if derived_cells:
                site = frame["site_id"].iloc[dup.later]
                sink.row(
                    pos,
                    site_label,
                    "error",
                    "duplicate_cell_id",
                    f"site '{site}' is listed again (first on row {first_row}); a site list needs one row "
                    "per site: delete the repeat or give it its own id",
                    site,
                    params={"variant": "site", "first_row": first_row},
                )
            else:
                cell = frame["cell_id"].iloc[dup.later]
                sink.row(
                    pos,
                    cell_label or site_label,
                    "error",
                    "duplicate_cell_id",
                    f"cell id '{cell}' is already used on row {first_row}"
                    f"{' for the same operator' if frame['operator'].iloc[dup.later] else ''}; "
                    "cell ids must be unique: rename or delete one of them",
                    cell,
                    params={
                        "variant": "same_operator" if frame["operator"].iloc[dup.later] else "",
                        "first_row": first_row,
                    },
                )
        else:
            site = frame["site_id"].iloc[dup.later]
            f = dup.first
            sink.row(
                pos,
                site_label,
                "error",
                "site_two_places",
                f"site '{site}' is at {frame['lon'].iloc[dup.later]:.5f}, {frame['lat'].iloc[dup.later]:.5f} "
                f"here but at {frame['lon'].iloc[f]:.5f}, {frame['lat'].iloc[f]:.5f} on row {first_row}, "
                f"{dup.distance_m / 1000:.2f} km apart; fix the coordinates or give the sites different ids",
                site,
                params={
                    "lon": float(frame["lon"].iloc[dup.later]),
                    "lat": float(frame["lat"].iloc[dup.later]),
                    "first_lon": float(frame["lon"].iloc[f]),
                    "first_lat": float(frame["lat"].iloc[f]),
                    "first_row": first_row,
                    "distance_km": dup.distance_m / 1000,
                },
            )
