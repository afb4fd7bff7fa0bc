"""Reading aids of the result maps (issue 21, item 5): proposal discs, outline of the newly covered area,
tooltips and legends (their behaviour in a browser: tests/test_app_browser.py)."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine

from towerplan.grid import Grid
from towerplan.maps.aids import MapAids, newly_covered_outline, proposal_markers


@pytest.fixture
def grid() -> Grid:
    return Grid(np.zeros((100, 120), dtype=np.float32), Affine(90.0, 0, 560_000, 0, -90.0, 2_200_000), 32648, None)


def _render(element) -> str:
    import folium

    m = folium.Map(tiles=None)
    fg = folium.FeatureGroup(name="p").add_to(m)
    element.add_to(fg)
    MapAids().add_to(m)
    return m.get_root().render()


def test_proposal_discs_carry_their_text_escaped() -> None:
    markers = proposal_markers([19.8], [105.7], labels=["1"], colours=["#1f78b4"],
                               tooltips=[[("Order", "1"), ("Hosts", "</script><b>x")]], popups=[[("Cost", "2,10")]])
    page = _render(markers)
    assert page.count("</script>") == page.count("<script")  # the data cannot close the script early
    assert "\\u003c/script\\u003e" in page or "&lt;/script&gt;" in page
    assert "towerplanProposal: true" in page
    assert "_towerplanKeepInside" in page  # tooltips kept inside the frame


def _geometry(layer) -> dict:
    data = layer.data
    return data["features"][0]["geometry"] if "features" in data else data["geometry"]


def test_the_newly_covered_outline_rings_each_new_patch(grid: Grid) -> None:
    before = grid.with_values(np.full(grid.shape, np.nan, dtype=np.float32), nodata=float("nan"))
    after = before.masked().copy()
    after[10:12, 20:23] = -100.0  # one small patch of 2 x 3 cells
    after[80, 100] = -95.0  # and a single cell far away
    outline = newly_covered_outline(before, before.with_values(after), name="new")
    assert outline is not None
    geometry = _geometry(outline)
    assert geometry["type"] == "MultiLineString"
    assert len(geometry["coordinates"]) == 2
    from pyproj import Transformer

    to_utm = Transformer.from_crs(4326, 32648, always_xy=True)
    xs, ys = to_utm.transform(*np.array(geometry["coordinates"][0]).T)
    xs2, ys2 = to_utm.transform(*np.array(geometry["coordinates"][1]).T)
    spans = sorted([(np.ptp(xs), np.ptp(ys)), (np.ptp(xs2), np.ptp(ys2))])
    assert spans[0] == pytest.approx((90.0, 90.0), abs=3.0)  # the single cell
    assert spans[1] == pytest.approx((270.0, 180.0), abs=3.0)  # the 3 x 2 patch
    assert outline.options.get("interactive") is False or "interactive" not in outline.options
    assert newly_covered_outline(before, before, name="new") is None
    coarse = newly_covered_outline(before, before.with_values(after), name="new", max_cells=1_000)
    assert coarse is not None  # coarsened (4 x 4 cells a block), still two rings
    assert len(_geometry(coarse)["coordinates"]) == 2


def test_newly_covered_colour_is_distinct_from_the_other_symbols() -> None:
    from towerplan.maps.study import (
        COLOCATION_COLOUR,
        GAP_OTHER_COLOUR,
        GAP_TOP_COLOUR,
        GREENFIELD_COLOUR,
        NEWLY_COVERED_COLOUR,
    )
    from towerplan.palette import OPERATOR_COLOURS, RSRP_COLOURS

    def rgb(c: str) -> np.ndarray:
        return np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)

    others = [COLOCATION_COLOUR, GREENFIELD_COLOUR, GAP_TOP_COLOUR, GAP_OTHER_COLOUR, *RSRP_COLOURS,
              *OPERATOR_COLOURS.values()]
    nearest = min(np.linalg.norm(rgb(NEWLY_COVERED_COLOUR) - rgb(c)) for c in others)
    assert nearest > 120, nearest  # far from the tenancy blue and every other colour on the towers map
