"""The Thanh Hóa example: the study-area pipeline run on the real files of ``../shared/data``.

The files are those described in ``../shared/data/SOURCES.md`` (they are never
copied into the repository):

* province polygon: geoBoundaries VNM ADM1, looked up by name ("Thanh Hoa");
* DEM: the coarse 5-arc-minute altitude grid (Mapzen/pvlib) as a **stand-in**:
  it has 9 km cells and 28 m steps, good for exercising the pipeline, not for
  path loss (use ``towerplan fetch --dem srtm1`` for a real DEM);
* population: WorldPop 2020, 1 km, UN-adjusted (byte-identical to the product
  ``towerplan fetch --population worldpop`` downloads);
* communes: the 2009 census communes of Thanh Hóa (censusVN2009, 637 units);
* roads: the national/provincial road lines of the LegoCity layer (not OSM).

>>> thanh_hoa_study_area("../shared/data", "studies/thanh-hoa-example", resolution_m=90)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path

from towerplan.errors import UnreadableFileError
from towerplan.sources._common import ProgressCallback
from towerplan.sources.boundaries import find_unit, read_units
from towerplan.sources.build import StudyAreaResult, build_study_area
from towerplan.sources.licences import LICENCES, Licence
from towerplan.sources.outputs import StudyArea, local_record
from towerplan.sources.roads import road_graph_from_lines
from towerplan.vectors import read_roads

__all__ = ["EXAMPLE_FILES", "thanh_hoa_study_area"]

#: role -> path below the shared data folder
EXAMPLE_FILES: dict[str, str] = {
    "boundaries": "geoboundaries_vnm/geoBoundaries-VNM-ADM1.shp",
    "dem": "dem_pvlib_mapzen_5arcmin/altitude_5arcmin_vietnam.tif",
    "population": "worldpop/vnm_ppp_2020_1km_Aggregated_UNadj.tif",
    "communes": "census2009_censusVN2009/communes_thanhhoa.geojson",
    "roads": "roads_legocity_giaothong/giaothong_thanhhoa_bbox.geojson",
}

_LICENCES: dict[str, Licence] = {
    "boundaries": LICENCES["geoboundaries"],
    "dem": Licence(
        "mapzen-pvlib", "Public domain / open sources (Mapzen terrain aggregation, via pvlib, BSD-3-Clause)",
        "https://github.com/tilezen/joerd/blob/master/docs/attribution.md",
        "Mapzen/Tilezen joerd terrain aggregation (SRTM, GMTED2010, ETOPO1 and others), from pvlib's Altitude.h5",
        "Stand-in only: 9 km cells, 28 m height steps.",
    ),
    "population": LICENCES["worldpop"],
    "communes": Licence(
        "censusvn2009", "MIT (R package censusVN2009, © 2017 Marc Choisy)",
        "https://github.com/LucieContamin/censusVN2009",
        "censusVN2009 R package (M. Choisy); 2009 Population and Housing Census of Viet Nam (GSO)",
        "2009-era units, simplified polygons.",
    ),
    "roads": Licence(
        "legocity", "CC BY-SA 4.0 (as the folder LICENSE says; the sources conflict)",
        "https://creativecommons.org/licenses/by-sa/4.0/",
        "CTU-SematX/LegoCity open data (giaothong.geojson)",
        "Share-alike; main roads only, not OSM.",
    ),
}


def thanh_hoa_study_area(
    shared_data_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    resolution_m: float = 90.0,
    progress: ProgressCallback | None = None,
) -> StudyAreaResult:
    """Build the Thanh Hóa study area from the files in ``shared_data_dir`` (``../shared/data``).

    Raises
    ------
    UnreadableFileError
        A file of :data:`EXAMPLE_FILES` is missing (the message names it).
    """
    root = Path(shared_data_dir)
    paths = {role: root / rel for role, rel in EXAMPLE_FILES.items()}
    absent = [str(p) for p in paths.values() if not p.is_file()]
    if absent:
        raise UnreadableFileError("the example needs these files of ../shared/data: " + ", ".join(absent))
    province = find_unit(read_units(paths["boundaries"]), "Thanh Hoa")
    area = StudyArea(
        str(province.at[0, "shapeName"]), province.geometry.iloc[0], "boundary",
        (("shapeISO", str(province.at[0, "shapeISO"])),),
    )
    communes = read_units(paths["communes"])  # every one is Thanh Hóa's: no filtering by the generalised polygon
    graph = road_graph_from_lines(read_roads(paths["roads"]))
    records = [local_record(paths[role], role, _LICENCES[role]) for role in EXAMPLE_FILES]
    notes = [
        "Example built from ../shared/data (see its SOURCES.md); the DEM is a coarse stand-in (9 km cells)",
        "Communes are the 2009 census units; roads are main roads only (not OSM)",
    ]
    return build_study_area(
        area, out_dir, dem_paths=[paths["dem"]], population_paths=[paths["population"]], communes=communes,
        road_graph=graph, records=records, resolution_m=resolution_m, notes=notes, progress=progress,
    )
