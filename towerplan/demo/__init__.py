"""The built-in synthetic demo province (not real data).

A deterministic, seeded imitation of a Vietnamese mountain-to-coast province,
placed over the Thanh Hóa area so that maps look plausible: Annamite mountains
in the west (peaks about 1,500 m, narrow V-shaped valleys), hills, a coastal
plain a few metres above the sea, and the Gulf of Tonkin at the east edge. It
has 30 communes in 6 districts, about 650,000 people (a city, five district
towns, lowland villages, valley villages and hamlets), a road network and the
station lists of three operators with shared towers and real dead zones.
Every name contains "Demo"; every layer says it is synthetic.

Usage
-----
>>> demo = make_demo(seed=2024, resolution_m=90.0)          # doctest: +SKIP
>>> paths = write_demo("demo_out")                           # doctest: +SKIP
>>> folder = demo_dir(Path.home() / ".cache" / "towerplan")  # doctest: +SKIP

The same seed always gives the same province; everything but the two rasters
(and the commune populations summed from them) is also the same at every
resolution. See the private modules for how each layer is built: ``_terrain``,
``_people``, ``_admin``, ``_roads``, ``_stations``.
"""

from __future__ import annotations

from towerplan.demo._generate import (
    DEFAULT_RESOLUTION_M,
    DEFAULT_SEED,
    DEMO_LABEL,
    DEMO_SOURCE,
    DEMO_VERSION,
    MAX_RESOLUTION_M,
    MIN_RESOLUTION_M,
    DemoProvince,
    check_options,
    make_demo,
)
from towerplan.demo._io import DEMO_FILES, demo_dir, stations_csv_bytes, write_demo
from towerplan.demo._stations import STATION_COLUMNS

__all__ = [
    "DEFAULT_RESOLUTION_M",
    "DEFAULT_SEED",
    "DEMO_FILES",
    "DEMO_LABEL",
    "DEMO_SOURCE",
    "DEMO_VERSION",
    "MAX_RESOLUTION_M",
    "MIN_RESOLUTION_M",
    "STATION_COLUMNS",
    "DemoProvince",
    "check_options",
    "demo_dir",
    "stations_csv_bytes",
    "make_demo",
    "write_demo",
]
