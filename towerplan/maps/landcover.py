"""The land-cover layer of a map: classes in ESA WorldCover's own colours, or by clutter category.

>>> group, items = land_cover_layer(lc, name="Land cover")          # doctest: +SKIP
>>> group.add_to(fmap); legend("Land cover", items).add_to(fmap)    # doctest: +SKIP
"""

from __future__ import annotations

import folium
import numpy as np

from towerplan.i18n_landcover import land_class_name
from towerplan.landcover import NO_CLASS, WORLDCOVER_TABLE, LandCover
from towerplan.maps.render import category_image

__all__ = ["CLUTTER_COLOURS", "WORLDCOVER_COLOURS", "land_cover_colours", "land_cover_layer"]

#: ESA WorldCover's legend colours (Product User Manual v2.0, Table 1)
WORLDCOVER_COLOURS: dict[int, str] = {
    10: "#006400", 20: "#ffbb22", 30: "#ffff4c", 40: "#f096ff", 50: "#fa0000", 60: "#b4b4b4", 70: "#f0f0f0",
    80: "#0064c8", 90: "#0096a0", 95: "#00cf75", 100: "#fae6a0",
}
#: colours by P.1812 clutter category, for other legends
CLUTTER_COLOURS: dict[int, str] = {1: "#0064c8", 2: "#f0e68c", 3: "#f4a460", 4: "#2e8b57", 5: "#b22222"}
_DEFAULT_COLOUR = "#dddddd"


def land_cover_colours(land_cover: LandCover) -> dict[int, str]:
    """A colour per class: WorldCover's own for the WorldCover table, else by clutter category."""
    if land_cover.table is WORLDCOVER_TABLE or land_cover.table.codes == WORLDCOVER_TABLE.codes:
        colours = {c: WORLDCOVER_COLOURS[c] for c in land_cover.table.codes}
    else:
        colours = {c.code: CLUTTER_COLOURS[c.clutter] for c in land_cover.table.classes}
    return {**colours, NO_CLASS: _DEFAULT_COLOUR}


def land_cover_layer(
    land_cover: LandCover, *, name: str = "Land cover", show: bool = False, opacity: float = 0.6, lang: str = "en",
) -> tuple[folium.FeatureGroup, list[tuple[str, str]]]:
    """The classes as an image overlay in a toggleable group, and the legend items of the classes present.

    Cells without land cover (default class) are drawn light grey.
    """
    colours = land_cover_colours(land_cover)
    values = land_cover.classes.values
    # category_image treats negative codes as "none": give the default class a code of its own
    spare = int(max(land_cover.table.codes)) + 1
    codes = np.where(values == NO_CLASS, spare, values).astype(np.float32)
    draw = {spare if code == NO_CLASS else code: colour for code, colour in colours.items()}
    image = category_image(land_cover.classes.with_values(codes, nodata=None), draw, opacity=opacity)
    group = folium.FeatureGroup(name=name, show=show)
    folium.raster_layers.ImageOverlay(image=image.data_url, bounds=image.bounds_latlon, opacity=1.0,
                                      interactive=False, zindex=2).add_to(group)
    present = set(np.unique(values).tolist())
    items = []
    for cls in land_cover.table.classes:
        if cls.code in present:
            items.append((land_class_name(cls.name, lang), colours[cls.code]))
    if NO_CLASS in present:
        items.append((land_class_name("no land cover (open/rural)", lang), _DEFAULT_COLOUR))
    return group, items
