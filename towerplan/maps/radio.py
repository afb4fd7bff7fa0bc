"""Map layers and legends for the radio-quality rasters: downlink SINR (dB) and throughput (Mbit/s).

Grids in, Folium layers out (no streamlit, Leaflet only), like :mod:`towerplan.maps.study`:
the images ramp through fixed colour stops (as the RSRP scale), so the same colour always
means the same value, and the legends list the stops as classes. The throughput stops put
the Decision 36/QĐ-TTg targets (4G 40 Mbit/s, 5G 100 Mbit/s) on class edges.
"""

from __future__ import annotations

from collections.abc import Mapping

import folium

from towerplan.grid import Grid
from towerplan.maps.legends import Legend, legend
from towerplan.maps.render import value_image

__all__ = ["SINR_STOPS", "THROUGHPUT_STOPS", "sinr_layer", "throughput_layer", "sinr_legend", "throughput_legend",
           "class_legend_items", "with_radio_layers"]

Stops = tuple[tuple[float, tuple[int, int, int]], ...]

#: SINR classes (dB): below 0 (cell edge), 0-5, 5-10, 10-15, 15-20, >= 20 (TR 36.942's cap is at 22 dB)
SINR_STOPS: Stops = (
    (-10.0, (215, 48, 39)),
    (0.0, (252, 141, 89)),
    (5.0, (254, 224, 139)),
    (10.0, (217, 239, 139)),
    (15.0, (145, 207, 96)),
    (20.0, (26, 152, 80)),
)
#: throughput classes (Mbit/s): < 10, 10-40, 40-100 (4G target met), 100-300 (5G target met), >= 300
THROUGHPUT_STOPS: Stops = (
    (0.0, (215, 48, 39)),
    (10.0, (252, 141, 89)),
    (40.0, (217, 239, 139)),
    (100.0, (102, 189, 99)),
    (300.0, (26, 152, 80)),
)


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def class_legend_items(stops: Stops, unit: str) -> list[tuple[str, str]]:
    """Legend rows (label, colour) from the highest class down: ``>= 20 dB``, ``15 … 20 dB``, ..., ``< 0 dB``."""
    items = [(f"≥ {stops[-1][0]:g} {unit}", _hex(stops[-1][1]))]
    for k in range(len(stops) - 2, 0, -1):
        items.append((f"{stops[k][0]:g} … {stops[k + 1][0]:g} {unit}", _hex(stops[k][1])))
    items.append((f"< {stops[1][0]:g} {unit}", _hex(stops[0][1])))
    return items


def _overlay(grid: Grid, stops: Stops, name: str, *, show: bool, opacity: float) -> folium.FeatureGroup:
    image = value_image(grid, stops, opacity=opacity)
    fg = folium.FeatureGroup(name=name, show=show)
    folium.raster_layers.ImageOverlay(image=image.data_url, bounds=image.bounds_latlon, opacity=1.0,
                                      interactive=False, zindex=2).add_to(fg)
    return fg


def sinr_layer(sinr_db: Grid, *, name: str, show: bool = True, opacity: float = 0.7) -> folium.FeatureGroup:
    """A downlink SINR grid (dB, NaN = no service) coloured by :data:`SINR_STOPS`."""
    return _overlay(sinr_db, SINR_STOPS, name, show=show, opacity=opacity)


def throughput_layer(rate_mbps: Grid, *, name: str, show: bool = True, opacity: float = 0.7) -> folium.FeatureGroup:
    """A throughput grid (Mbit/s, NaN = no service) coloured by :data:`THROUGHPUT_STOPS`."""
    return _overlay(rate_mbps, THROUGHPUT_STOPS, name, show=show, opacity=opacity)


def sinr_legend(title: str = "Downlink SINR") -> Legend:
    """The legend box of :func:`sinr_layer`."""
    return legend(title, class_legend_items(SINR_STOPS, "dB"))


def throughput_legend(title: str = "Throughput", *,
                      note: str | None = "targets: 4G 40, 5G 100 Mbit/s") -> Legend:
    """The legend box of :func:`throughput_layer`."""
    return legend(title, class_legend_items(THROUGHPUT_STOPS, "Mbit/s"), note=note)


def with_radio_layers(m: folium.Map, operators: Mapping[str, tuple[Grid, Grid]], *, lang: str = "en") -> folium.Map:
    """A copy of a (not yet rendered) map with, per operator, its SINR and downlink-speed layers (hidden at
    first) and both legends; ``operators``: name -> (SINR dB, single-user downlink rate Mbit/s), as
    :class:`towerplan.coverage.radio_maps.OperatorRadio` holds them. ``m`` itself is left as it is."""
    import copy

    from towerplan.i18n import t

    out = copy.deepcopy(m)
    # the layer control's script names every layer, so the new ones must come before it
    controls = [k for k, child in out._children.items() if isinstance(child, folium.LayerControl)]
    for k in controls:
        del out._children[k]
    for op, (sinr, rate) in sorted(operators.items()):
        sinr_layer(sinr, name=t("map_sinr", lang, op=op), show=False).add_to(out)
        throughput_layer(rate, name=t("map_throughput", lang, op=op), show=False).add_to(out)
    if controls:
        folium.LayerControl(collapsed=False).add_to(out)
    sinr_legend(t("legend_sinr", lang)).add_to(out)
    throughput_legend(t("legend_throughput", lang), note=t("legend_throughput_note", lang)).add_to(out)
    return out
