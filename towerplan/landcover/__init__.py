"""Land cover: categorical rasters (ESA WorldCover or any class table) as radio clutter on the study grid.

* :mod:`~towerplan.landcover.table` — class tables: :data:`WORLDCOVER_TABLE`, :func:`read_class_table`;
* :mod:`~towerplan.landcover.grid` — :func:`read_land_cover` (majority resampling onto the DEM lattice),
  :func:`default_land_cover`, :class:`LandCover` (``to_clutter_arrays()`` for P.1812, ``extra_loss_db()``
  for the link budget).

ESA WorldCover tiles are downloaded by :mod:`towerplan.sources.landcover` (``towerplan fetch --landcover``).
"""

from towerplan.landcover.grid import (
    NO_CLASS,
    LandCover,
    default_land_cover,
    land_cover_for,
    read_land_cover,
    write_land_cover,
)
from towerplan.landcover.table import (
    CLUTTER_CATEGORIES,
    DEFAULT_CLASS,
    P1812_DEFAULT_HEIGHT_M,
    WORLDCOVER_TABLE,
    ClassTable,
    LandClass,
    read_class_table,
)

__all__ = [
    "CLUTTER_CATEGORIES",
    "DEFAULT_CLASS",
    "NO_CLASS",
    "P1812_DEFAULT_HEIGHT_M",
    "WORLDCOVER_TABLE",
    "ClassTable",
    "LandClass",
    "LandCover",
    "default_land_cover",
    "land_cover_for",
    "read_class_table",
    "read_land_cover",
    "write_land_cover",
]
