"""One palette for every map of towerplan: the app's Leaflet maps, the report's figures and the KMZ.

Operators keep one colour everywhere, and signal levels are drawn in the same dBm classes with the same
colours, so a planner reads one legend in the app and in the PDF (issue 21). :mod:`towerplan.maps` and
:mod:`towerplan.export` both take their colours from here.
"""

from __future__ import annotations

import itertools

__all__ = ["OPERATOR_COLOURS", "RSRP_COLOURS", "RSRP_EDGES", "operator_key", "rsrp_classes", "rsrp_step_stops"]

#: one colour per operator, chosen to stay distinct for colour-blind readers on relief
OPERATOR_COLOURS: dict[str, str] = {
    "Viettel": "#d7191c",
    "VNPT-VinaPhone": "#2b83ba",
    "VinaPhone": "#2b83ba",
    "MobiFone": "#7b3294",
    "Vietnamobile": "#fdae61",
    "Gmobile": "#4d4d4d",
}

#: signal classes in dBm (lower bound inclusive), weakest first, and their colours
RSRP_EDGES: tuple[float, ...] = (-140.0, -110.0, -100.0, -90.0, -80.0, -30.0)
RSRP_COLOURS: tuple[str, ...] = ("#bdbdbd", "#d7301f", "#fdae61", "#a6d96a", "#1a9641")


def operator_key(name: str) -> str:
    """The palette's spelling of an operator name (case-insensitive match), or the name itself."""
    for known in OPERATOR_COLOURS:
        if known.lower() == name.strip().lower():
            return known
    return name


def rsrp_classes() -> list[tuple[float, float, str]]:
    """``(low_dbm, high_dbm, colour)`` of each class, weakest first."""
    return [(lo, hi, c) for (lo, hi), c in zip(itertools.pairwise(RSRP_EDGES), RSRP_COLOURS, strict=True)]


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def rsrp_step_stops() -> tuple[tuple[float, tuple[int, int, int]], ...]:
    """Colour stops that draw the classes as steps under linear interpolation
    (:func:`towerplan.maps.render.colourise`)."""
    stops: list[tuple[float, tuple[int, int, int]]] = []
    for lo, hi, colour in rsrp_classes():
        stops += [(lo, _rgb(colour)), (hi - 1e-3, _rgb(colour))]
    return tuple(stops)
