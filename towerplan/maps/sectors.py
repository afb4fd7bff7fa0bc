"""Station sectors drawn in the browser from compact arrays, instead of one GeoJSON feature each.

A sector wedge as a GeoJSON feature with its popup fields costs ~430 bytes of HTML; the demo's
2,136 sectors took ~0.9 MB of each map page. Here each operator's layer ships its sites once
(latitude, longitude, site id) and one short row per sector (site, azimuth, beamwidth, cell,
technology, frequency, tilt, height, EIRP, shared tower): ~50 bytes per sector. A small script
(inline, no library beyond Leaflet) draws every wedge as an ``L.polygon`` of the parent layer,
with the same tooltip (site, cell, technology) and popup (every field) as before, built when
opened, and a dot per site.

Wedge outlines are computed in the browser on a sphere of radius 6,371,008.8 m (the IUGG mean
radius; the destination-point formula, e.g. Snyder 1987, *Map Projections: A Working Manual*,
eq. 5-5 and 5-6): for a symbolic wedge of 500-700 m this differs from the WGS84 geodesic of
:func:`towerplan.maps.layers.sector_polygon` by under 0.5 % of the radius (a few metres).
"""

from __future__ import annotations

import html
import json
import math
from typing import Any

import numpy as np
import pandas as pd
from branca.element import MacroElement, Template

from towerplan.i18n import t

__all__ = ["POPUP_FIELDS", "SectorLayer", "sector_arrays"]

#: popup rows, in order (labels ``pop_<field>`` in :mod:`towerplan.i18n`)
POPUP_FIELDS = ("site", "cell", "operator", "technology", "frequency", "azimuth", "tilt", "height", "eirp", "tower")
_TOOLTIP_FIELDS = ("site", "cell", "technology")

# Draws one operator's sectors into a Leaflet layer. d: {s: [[lat, lon, site], ...], c: [[site index, azimuth or
# null (omni), beamwidth, cell, technology index, MHz, tilt, height m, EIRP dBm, tower], ...], t: [technologies],
# op, colour, r (radius m), labels {field: text}, omni (text)}. Strings arrive HTML-escaped.
# Defined by the first layer that runs (each layer's script carries it: st_folium ships only the elements'
# scripts, not the page's shared ones).
_SCRIPT = """
window.towerplanSectors = window.towerplanSectors || function (layer, d) {
  var R = 6371008.8, rad = Math.PI / 180, dist = d.r / R;
  function dest(lat, lon, azDeg) {
    var p1 = lat * rad, l1 = lon * rad, a = azDeg * rad;
    var p2 = Math.asin(Math.sin(p1) * Math.cos(dist) + Math.cos(p1) * Math.sin(dist) * Math.cos(a));
    var l2 = l1 + Math.atan2(Math.sin(a) * Math.sin(dist) * Math.cos(p1), Math.cos(dist) - Math.sin(p1) * Math.sin(p2));
    return [p2 / rad, l2 / rad];
  }
  function num(v, digits, unit) { return v === null ? "" : v.toFixed(digits) + unit; }
  function values(c) {
    var s = d.s[c[0]];
    return {site: s[2], cell: c[3], operator: d.op, technology: d.t[c[4]], frequency: num(c[5], 1, " MHz"),
            azimuth: c[1] === null ? d.omni : c[1].toFixed(0) + "\\u00b0", tilt: num(c[6], 1, "\\u00b0"),
            height: num(c[7], 0, " m"), eirp: num(c[8], 1, " dBm"), tower: c[9] || "-"};
  }
  function table(c, fields) {
    var v = values(c), rows = "";
    for (var i = 0; i < fields.length; i++) {
      rows += "<tr><th style='text-align:left;padding-right:6px'>" + d.labels[fields[i]] + "</th><td>"
              + v[fields[i]] + "</td></tr>";
    }
    return "<table>" + rows + "</table>";
  }
  var style = {color: d.colour, weight: 1, fillColor: d.colour, fillOpacity: 0.45};
  var hover = {weight: 3, fillOpacity: 0.7};
  // one tooltip, one popup and one pair of hover listeners for the whole layer, which its wedges' events reach
  // (a Leaflet feature group): per wedge, a tooltip and a popup object and seven listeners cost more than the
  // wedge itself. The wedge's row is kept on it (towerplanCell); site dots take no pointer events.
  function cellOf(l) { return l && l.towerplanCell; }
  layer.bindTooltip(function (l) { return cellOf(l) ? table(cellOf(l), d.tooltip) : ""; }, {sticky: true});
  layer.bindPopup(function (l) { return cellOf(l) ? table(cellOf(l), d.popup) : ""; }, {maxWidth: 320});
  layer.on("mouseover", function (e) { if (cellOf(e.layer)) { e.layer.setStyle(hover); } });
  layer.on("mouseout", function (e) { if (cellOf(e.layer)) { e.layer.setStyle(style); } });
  d.c.forEach(function (c) {
    var s = d.s[c[0]], ring = [];
    if (c[1] === null) {
      for (var k = 0; k < 24; k++) { ring.push(dest(s[0], s[1], 15 * k)); }
    } else {
      var half = Math.min(Math.max(c[2], 10), 360) / 2;
      ring.push([s[0], s[1]]);
      for (var k = 0; k <= 6; k++) { ring.push(dest(s[0], s[1], c[1] - half + k * half / 3)); }
    }
    var p = L.polygon(ring, style);
    p.towerplanCell = c;
    layer.addLayer(p);
  });
  var dot = {radius: 2.5, color: "#111111", weight: 1, fill: true, fillColor: d.colour, fillOpacity: 1.0,
             interactive: false};
  d.s.forEach(function (s) { layer.addLayer(L.circleMarker([s[0], s[1]], dot)); });
};
"""

_TEMPLATE = """
{% macro script(this, kwargs) %}
{{ this.function_js }}
window.towerplanSectors({{ this._parent.get_name() }}, {{ this.data_json }});
{% endmacro %}
"""


def _num(value: object, digits: int) -> float | None:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else round(v, digits)


def _text(value: object) -> str:
    return html.escape(str(value))


def sector_arrays(sub: pd.DataFrame, towers: np.ndarray) -> dict[str, Any]:
    """One operator's sites and sectors as compact arrays (see :data:`_SCRIPT` for the layout).

    ``sub``: canonical station rows of one operator (``site_id``, ``cell_id``, ``lon``, ``lat``, ...);
    ``towers``: per row, the shared-tower label (``"-"``: not shared). Strings are HTML-escaped.
    """
    site_keys = list(zip(sub["site_id"].astype(str), sub["lat"].round(5), sub["lon"].round(5), strict=True))
    site_index: dict[tuple[str, float, float], int] = {}
    sites: list[list[Any]] = []
    for key in site_keys:
        if key not in site_index:
            site_index[key] = len(sites)
            sites.append([float(key[1]), float(key[2]), _text(key[0])])
    techs = sorted(sub["technology"].astype(str).unique()) if len(sub) else []
    tech_index = {name: k for k, name in enumerate(techs)}
    cells: list[list[Any]] = []
    for key, row, tower in zip(site_keys, sub.itertuples(index=False), towers, strict=True):
        az = _num(getattr(row, "azimuth_deg", None), 1)
        bw = _num(getattr(row, "h_beamwidth_deg", None), 1)
        cells.append([site_index[key], az, 65.0 if bw is None else bw, _text(row.cell_id),
                      tech_index[str(row.technology)], _num(getattr(row, "freq_mhz", None), 1),
                      _num(getattr(row, "tilt_deg", None), 1), _num(getattr(row, "antenna_height_m", None), 1),
                      _num(getattr(row, "eirp_dbm", None), 1), "" if str(tower) == "-" else _text(tower)])
    return {"s": sites, "c": cells, "t": [_text(x) for x in techs]}


class SectorLayer(MacroElement):
    """One operator's sector wedges and site dots, drawn in the browser into the parent layer.

    Add it to a :class:`folium.FeatureGroup` (the layer control then toggles it as a whole).
    """

    _template = Template(_TEMPLATE)

    def __init__(self, sub: pd.DataFrame, towers: np.ndarray, *, operator: str, colour: str, radius_m: float,
                 lang: str = "en") -> None:
        super().__init__()
        self._name = "TowerplanSectors"
        data = sector_arrays(sub, towers)
        data.update(op=_text(operator), colour=colour, r=float(radius_m), omni=_text(t("pop_omni", lang)),
                    labels={k: _text(t(f"pop_{k}", lang)) for k in POPUP_FIELDS}, popup=list(POPUP_FIELDS),
                    tooltip=list(_TOOLTIP_FIELDS))
        # nothing in the data can close the script element: strings are escaped, "<" never reaches the page raw
        self.data_json = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
        self.function_js = _SCRIPT
