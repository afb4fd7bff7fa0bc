"""Planning: dead zones, shared-tower candidates and placement, phasing, backhaul and costs."""

from pathlib import Path

from towerplan._numba_cache import refresh as _refresh_numba_cache

# before any kernel of this package loads: numba's cache does not see changes in the files a kernel calls into
_refresh_numba_cache(Path(__file__).parent)
