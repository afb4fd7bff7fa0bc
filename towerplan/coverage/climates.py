"""ITM radio climate names and codes, in a module light enough for settings and the CLI.

The codes are those of NTIA's ITM (1 equatorial ... 7 maritime temperate over sea),
as listed in NTIA Report ERL 79-ITS 67 (Longley & Rice, 1968) and NTIA's ITM
reference implementation. :mod:`towerplan.coverage.itm` re-exports them; this module
exists so that reading a configuration does not load the numba kernels.
"""

from __future__ import annotations

__all__ = ["CLIMATES"]

#: radio climate names -> ITM codes 1..7
CLIMATES: dict[str, int] = {
    "equatorial": 1,
    "continental_subtropical": 2,
    "maritime_subtropical": 3,
    "desert": 4,
    "continental_temperate": 5,
    "maritime_temperate_over_land": 6,
    "maritime_temperate_over_sea": 7,
}
