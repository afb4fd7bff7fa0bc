"""Reading aids for the result maps (issue 21, item 5): markers that stay readable, tooltips inside the
map, and a newly covered area seen at province zoom.

Everything here is plain Leaflet 1.9 (the offline copy :mod:`towerplan.maps.assets` serves) plus a few
lines of script inlined in the map page: no plugin, nothing fetched.

* :func:`proposal_markers`: each proposed tower is one numbered disc (a ``L.divIcon``, class
  ``towerplan-proposal``) with its tooltip and popup. Discs closer than :data:`DECLUTTER_PX` on screen
  are spread on a small circle around their centre at each zoom, with a leader line to the true place
  (the "spiderfy" idea of Leaflet.markercluster, done in a few lines instead of the plugin).
* :class:`MapAids`: tooltips are shifted back inside the map frame when they would be cut at its edge.
  (Legends never cover the data: they sit in a band beside or under the map, :mod:`towerplan.maps.legends`.)
* :func:`newly_covered_outline`: the outline of the area the proposals newly cover as vector lines,
  whose width in pixels does not shrink with the zoom, so a few cells stay visible over a province.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence

import folium
import numpy as np
from affine import Affine
from branca.element import MacroElement, Template
from pyproj import Transformer

from towerplan.grid import Grid

__all__ = ["DECLUTTER_PX", "MapAids", "ProposalMarkers", "newly_covered_outline", "proposal_markers"]

#: proposal discs closer than this on screen (px) are spread apart
DECLUTTER_PX = 26


def _json(value: object) -> str:
    """JSON safe inside a ``<script>`` element (no ``</script>`` can close it early)."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


def _table(rows: Sequence[tuple[str, str]]) -> str:
    return "<table>" + "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows) + \
        "</table>"


_MARKERS_TEMPLATE = """
{% macro header(this, kwargs) %}
<style>
.towerplan-proposal-icon { background: none; border: none; }
.towerplan-proposal { width: 20px; height: 20px; border-radius: 50%; border: 2px solid #fff;
  box-shadow: 0 0 0 1px #222, 0 1px 3px rgba(0,0,0,0.5); color: #fff; font: bold 11px/20px sans-serif;
  text-align: center; cursor: pointer; }
.towerplan-tip th { text-align: left; padding-right: 6px; font-weight: 600; }
</style>
{% endmacro %}
{% macro script(this, kwargs) %}
(function () {
  var group = {{ this._parent.get_name() }};
  {{ this.data }}.forEach(function (d) {
    var icon = L.divIcon({className: 'towerplan-proposal-icon', iconSize: [24, 24], iconAnchor: [12, 12],
      html: '<div class="towerplan-proposal" style="background:' + d.colour + '">' + d.label + '</div>'});
    var m = L.marker([d.lat, d.lon], {icon: icon, towerplanProposal: true, riseOnHover: true, keyboard: false});
    m.options.trueLatLng = L.latLng(d.lat, d.lon);
    m.bindTooltip('<div class="towerplan-tip">' + d.tooltip + '</div>', {direction: 'top', offset: [0, -12]});
    m.bindPopup('<div class="towerplan-tip">' + d.popup + '</div>', {maxWidth: 300});
    m.addTo(group);
  });
})();
{% endmacro %}
"""


class ProposalMarkers(MacroElement):
    """Numbered discs of proposed towers, added to the feature group it is added to."""

    _template = Template(_MARKERS_TEMPLATE)

    def __init__(self, markers: Sequence[Mapping[str, object]]) -> None:
        super().__init__()
        self._name = "TowerplanProposalMarkers"
        self.data = _json(list(markers))


def proposal_markers(lat: Sequence[float], lon: Sequence[float], *, labels: Sequence[str],
                     colours: Sequence[str], tooltips: Sequence[Sequence[tuple[str, str]]],
                     popups: Sequence[Sequence[tuple[str, str]]]) -> ProposalMarkers:
    """One disc per proposal (``labels``: the build order shown in it); ``tooltips`` and ``popups``:
    (label, value) rows, escaped here."""
    rows = zip(lat, lon, labels, colours, tooltips, popups, strict=True)
    return ProposalMarkers([{"lat": round(float(a), 6), "lon": round(float(o), 6), "label": html.escape(str(n)),
                             "colour": str(c), "tooltip": _table(tip), "popup": _table(pop)}
                            for a, o, n, c, tip, pop in rows])


_AIDS_TEMPLATE = """
{% macro header(this, kwargs) %}
<style>
.leaflet-tooltip { white-space: normal; max-width: 260px; }
</style>
{% endmacro %}
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var near = {{ this.near_px }};
  function frame() {  // the visible part of the map (the page may be smaller than the map)
    var r = map.getContainer().getBoundingClientRect();
    return {left: Math.max(r.left, 0), top: Math.max(r.top, 0),
            right: Math.min(r.right, window.innerWidth), bottom: Math.min(r.bottom, window.innerHeight)};
  }
  // tooltips: shifted back inside the frame when they would be cut at its edge
  if (!L.Tooltip.prototype._towerplanKeepInside) {
    var place = L.Tooltip.prototype._setPosition;
    L.Tooltip.prototype._setPosition = function (pos) {
      place.call(this, pos);
      var el = this._container;
      if (!el || !this._map) { return; }
      el.style.translate = '';
      var r = el.getBoundingClientRect(), f = frame(), dx = 0, dy = 0;
      if (r.right > f.right - 4) { dx = f.right - 4 - r.right; }
      if (r.left + dx < f.left + 4) { dx = f.left + 4 - r.left; }
      if (r.bottom > f.bottom - 4) { dy = f.bottom - 4 - r.bottom; }
      if (r.top + dy < f.top + 4) { dy = f.top + 4 - r.top; }
      if (dx || dy) { el.style.translate = dx + 'px ' + dy + 'px'; }
    };
    L.Tooltip.prototype._towerplanKeepInside = true;
  }
  // proposal discs closer than `near` px: spread on a circle around their centre, leader lines to the place
  var leaders = L.layerGroup().addTo(map);
  function proposals() {
    var out = [];
    map.eachLayer(function (l) { if (l instanceof L.Marker && l.options.towerplanProposal) { out.push(l); } });
    return out;
  }
  function declutter() {
    leaders.clearLayers();
    var ms = proposals();
    ms.forEach(function (m) { m.setLatLng(m.options.trueLatLng); });
    var pts = ms.map(function (m) { return map.latLngToLayerPoint(m.options.trueLatLng); });
    var root = ms.map(function (_, i) { return i; });
    function find(i) { while (root[i] !== i) { root[i] = root[root[i]]; i = root[i]; } return i; }
    for (var i = 0; i < ms.length; i++) {
      for (var j = i + 1; j < ms.length; j++) {
        if (pts[i].distanceTo(pts[j]) < near) { root[find(j)] = find(i); }
      }
    }
    var groups = {};
    ms.forEach(function (_, k) { var g = find(k); (groups[g] = groups[g] || []).push(k); });
    Object.keys(groups).forEach(function (g) {
      var members = groups[g];
      if (members.length < 2) { return; }
      var cx = 0, cy = 0;
      members.forEach(function (k) { cx += pts[k].x; cy += pts[k].y; });
      cx /= members.length; cy /= members.length;
      var radius = Math.max(near, near * members.length / (2 * Math.PI));
      members.forEach(function (k, n) {
        var a = -Math.PI / 2 + 2 * Math.PI * n / members.length;
        var to = map.layerPointToLatLng(L.point(cx + radius * Math.cos(a), cy + radius * Math.sin(a)));
        L.polyline([ms[k].options.trueLatLng, to], {color: '#222', weight: 1.5, opacity: 0.9,
                                                    interactive: false}).addTo(leaders);
        L.circleMarker(ms[k].options.trueLatLng, {radius: 2.5, color: '#222', weight: 1, fillOpacity: 1,
                                                  interactive: false}).addTo(leaders);
        ms[k].setLatLng(to);
      });
    });
  }
  map.on('zoomend overlayadd overlayremove', declutter);
  map.whenReady(function () { setTimeout(declutter, 0); });
})();
{% endmacro %}
"""


class MapAids(MacroElement):
    """Tooltips kept inside the map and proposal discs spread apart (see the module)."""

    _template = Template(_AIDS_TEMPLATE)

    def __init__(self, *, near_px: int = DECLUTTER_PX) -> None:
        super().__init__()
        self._name = "TowerplanMapAids"
        self.near_px = int(near_px)


def newly_covered_outline(before: Grid, after: Grid, *, name: str, colour: str = "#ff00ff",
                          weight_px: float = 3.0, max_cells: int = 400_000) -> folium.GeoJson | None:
    """The outline of the cells with a signal after (finite) and none before, as lines in WGS84.

    A line keeps its width in pixels at every zoom, so a newly covered patch of a few cells still shows
    as a ring over a whole province, where its fill would be under a pixel. The mask is coarsened (any
    cell of a block) to at most ``max_cells`` cells first and simplified to a cell, which keeps the page
    small. None when nothing is newly covered.
    """
    import shapely
    from rasterio import features
    from shapely.geometry import shape
    from shapely.ops import unary_union

    new = np.isfinite(np.asarray(after.values, dtype=float)) & ~np.isfinite(np.asarray(before.values, dtype=float))
    if not new.any():
        return None
    factor = max(1, int(np.ceil(np.sqrt(new.size / max_cells))))
    if factor > 1:
        pad = np.zeros((-(-new.shape[0] // factor) * factor, -(-new.shape[1] // factor) * factor), dtype=bool)
        pad[: new.shape[0], : new.shape[1]] = new
        new = pad.reshape(pad.shape[0] // factor, factor, pad.shape[1] // factor, factor).any(axis=(1, 3))
    transform_grid = after.transform @ Affine.scale(factor)
    shapes = [shape(g) for g, v in features.shapes(new.astype(np.uint8), mask=new, transform=transform_grid) if v]
    merged = unary_union(shapes).simplify(abs(transform_grid.a) * 0.5)
    to_wgs84 = Transformer.from_crs(after.crs, 4326, always_xy=True).transform
    outline = shapely.transform(merged.boundary, to_wgs84, interleaved=False)
    geojson = json.loads(json.dumps(outline.__geo_interface__))
    return folium.GeoJson(
        {"type": "Feature", "geometry": _rounded(geojson), "properties": {}}, name=name,
        style_function=lambda _f: {"color": colour, "weight": weight_px, "opacity": 0.95, "fill": False},
        interactive=False, control=False,
    )


def _rounded(geometry: dict) -> dict:
    """Coordinates rounded to 1e-5 degree (about 1 m): a smaller page, nothing visible lost."""
    def r(c):
        return [round(float(c[0]), 5), round(float(c[1]), 5)] if isinstance(c[0], (int, float)) else [r(x) for x in c]

    return {**geometry, "coordinates": r(geometry["coordinates"])} if "coordinates" in geometry else {
        **geometry, "geometries": [_rounded(g) for g in geometry["geometries"]]}
