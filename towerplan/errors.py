"""Exception hierarchy of towerplan.

One root, :class:`TowerplanError`; every subclass also subclasses the builtin
exception it refines, so callers can catch either (``except ValueError`` keeps
working for code that does not know towerplan).
"""

from __future__ import annotations


class TowerplanError(Exception):
    """Root of every error raised on purpose by towerplan."""


class InputError(TowerplanError, ValueError):
    """An input (file, value, setting) is wrong in a way the user can fix."""


class UnreadableFileError(TowerplanError, OSError):
    """A file cannot be opened or decoded at all (missing, binary junk, wrong format)."""


class StationDataError(InputError):
    """A station list has problems; ``report`` holds every one of them.

    Parameters
    ----------
    message
        Human-readable summary.
    report
        The :class:`towerplan.stations.ValidationReport` (or ``None``).
    """

    def __init__(self, message: str, report: object | None = None) -> None:
        super().__init__(message)
        self.report = report


class RasterDataError(InputError):
    """A raster (DEM, population) is unusable: no CRS, all nodata, wrong type, ..."""


class VectorDataError(InputError):
    """A vector layer (communes, roads, zones) is unusable."""


class ModelInputError(InputError):
    """A propagation model was called with physically meaningless inputs."""


class ConfigError(InputError):
    """A setting or scenario file is invalid (unknown key, wrong type, bad value)."""
