"""Map layers and legends of the SINR / throughput rasters (towerplan.maps.radio)."""

from __future__ import annotations

import folium
import numpy as np
from affine import Affine

from towerplan.grid import Grid
from towerplan.maps.assets import offline_map
from towerplan.maps.radio import (
    SINR_STOPS,
    THROUGHPUT_STOPS,
    class_legend_items,
    sinr_layer,
    sinr_legend,
    throughput_layer,
    throughput_legend,
)


def test_legend_rows_cover_every_class_from_the_top():
    items = class_legend_items(SINR_STOPS, "dB")
    assert [label for label, _ in items] == ["≥ 20 dB", "15 … 20 dB", "10 … 15 dB", "5 … 10 dB", "0 … 5 dB",
                                             "< 0 dB"]
    labels = [label for label, _ in class_legend_items(THROUGHPUT_STOPS, "Mbit/s")]
    assert "40 … 100 Mbit/s" in labels  # the 4G target is a class edge
    assert labels[0] == "≥ 300 Mbit/s"


def test_layers_and_legends_render_offline():
    values = np.linspace(-15.0, 30.0, 40 * 40, dtype=np.float32).reshape(40, 40)
    values[:5] = np.nan
    grid = Grid(values, Affine(90.0, 0, 560_000.0, 0, -90.0, 2_200_000.0), 32648, float("nan"))
    m = offline_map(bounds_lonlat=(105.5, 19.8, 105.7, 20.0))
    sinr_layer(grid, name="SINR Viettel").add_to(m)
    throughput_layer(grid.with_values(np.abs(values) * 10.0, nodata=float("nan")), name="DL Viettel").add_to(m)
    sinr_legend().add_to(m)
    throughput_legend().add_to(m)
    folium.LayerControl().add_to(m)
    page = m.get_root().render()
    assert "SINR Viettel" in page
    assert "≥ 20 dB" in page
    assert "targets: 4G 40, 5G 100 Mbit/s" in page
    assert "data:image/png;base64" in page
