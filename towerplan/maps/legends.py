"""Map legends in a band beside or below the map, never over its data (issue 21, item 5).

A legend drawn inside the map frame hides what is under it: a proposal disc, or the colours of the
coverage and gaps rasters (image overlays cover the whole study area, so no corner of the frame is free
of data). Here every legend of a map sits in one *legend band* outside the Leaflet container:

* each :func:`legend` box is rendered (static HTML, a ``<details>`` element that folds to its title on a
  click) into a single band element of the page, in the order the legends were added to the map;
* a few lines of script (:class:`LegendLayout`, the map's first child, so they run before the map's first
  view is fitted) wrap the map container and the band in a flex box that keeps the container's size: the
  band is a column at the map's side when the frame is at least :data:`BAND_SIDE_MIN_PX` wide, else a
  strip under the map at most :data:`BAND_BELOW_MAX_FRACTION` of the frame high, its legends side by
  side and wrapping; the map gets the rest and is told its new size (``invalidateSize``) whenever it
  changes (the frame resized by its host, a legend opened under the map);
* the layer control (when the map has one) is moved to the band's head once the map is built, so it does
  not cover the map's top right corner either;
* when the legends do not fit in the band at the frame's size, the last ones fold to their titles (a
  click opens them again, the band then scrolls); every title stays in the band, nothing is hidden.

The same page works in Streamlit's component frame (streamlit-folium gives the map container the frame's
fixed height in pixels, which the flex box takes over) and as a standalone HTML file (the whole window),
and a screenshot or a print shows the legends, since they are in the page's flow. Plain Leaflet 1.9 and a
``ResizeObserver``; nothing fetched.
"""

from __future__ import annotations

import html

from branca.element import Element, Figure, MacroElement, Template

__all__ = ["BAND_BELOW_MAX_FRACTION", "BAND_SIDE_MIN_PX", "BAND_SIDE_WIDTH_PX", "Legend", "LegendBand", "LegendLayout",
           "legend"]

#: a frame at least this wide (px) gets the band at the map's side, a narrower one under the map
BAND_SIDE_MIN_PX = 760
#: width of the band at the map's side (px)
BAND_SIDE_WIDTH_PX = 220
#: the band under the map takes at most this fraction of the frame's height (then it scrolls)
BAND_BELOW_MAX_FRACTION = 0.4

#: the band's element (one per page) and its stylesheet, by name in the page's body and header
_BAND_NAME = "towerplan_legend_band"
_STYLE_NAME = "towerplan_legend_band_style"
_LAYOUT_NAME = "towerplan_legend_layout"

_STYLE = f"""
<style>
.towerplan-map-frame {{ display: flex; flex-direction: column; width: 100%; box-sizing: border-box; }}
.towerplan-map-frame > .leaflet-container {{ flex: 1 1 0; min-width: 0; min-height: 0;
  width: auto !important; height: auto !important; }}
.towerplan-map-frame.towerplan-band-side {{ flex-direction: row; }}
.towerplan-legend-band {{ flex: 0 0 auto; display: flex; flex-flow: row wrap; align-items: flex-start;
  gap: 6px; padding: 6px; box-sizing: border-box; overflow: auto;
  max-height: {BAND_BELOW_MAX_FRACTION * 100:.0f}%; background: #f4f4f2; border-top: 1px solid #c8c8c8; }}
.towerplan-band-side > .towerplan-legend-band {{ flex-flow: column nowrap; width: {BAND_SIDE_WIDTH_PX}px;
  max-height: none; border-top: 0; border-left: 1px solid #c8c8c8; }}
.towerplan-legend {{ background: #fff; padding: 6px 8px; border-radius: 6px; font: 12px sans-serif;
  box-shadow: 0 1px 3px rgba(0,0,0,0.25); max-width: 260px; box-sizing: border-box; }}
.towerplan-band-side .towerplan-legend {{ max-width: none; }}
.towerplan-legend summary {{ font-weight: bold; margin-bottom: 4px; cursor: pointer;
  list-style-position: inside; }}
.towerplan-legend .towerplan-swatch {{ display: inline-block; width: 12px; height: 12px; margin-right: 6px;
  vertical-align: middle; border: 1px solid #555; }}
.towerplan-legend .towerplan-legend-note {{ margin-top: 4px; color: #555; }}
.towerplan-legend-band > .leaflet-control-layers {{ position: static; float: none; clear: none; margin: 0;
  font: 12px sans-serif; box-shadow: 0 1px 3px rgba(0,0,0,0.25); }}
@media print {{ .towerplan-legend-band {{ max-height: none; overflow: visible; }} }}
</style>
"""

_LEGEND_TEMPLATE = """
{% macro html(this, kwargs) %}
<details open class="towerplan-legend">
  <summary>{{ this.title }}</summary>
  {% for label, colour in this.items %}
  <div><span class="towerplan-swatch" style="background:{{ colour }};"></span>{{ label }}</div>
  {% endfor %}
  {% if this.note %}<div class="towerplan-legend-note">{{ this.note }}</div>{% endif %}
</details>
{% endmacro %}
"""

_LAYOUT_TEMPLATE = """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var band = document.querySelector('.towerplan-legend-band');
  var box = map.getContainer();
  if (!band || box.parentNode.classList.contains('towerplan-map-frame')) { return; }
  // the map container and the band in a flex box that takes the container's place and height
  var frame = document.createElement('div');
  frame.className = 'towerplan-map-frame';
  frame.style.height = box.style.height || '100%';
  box.parentNode.insertBefore(frame, box);
  frame.appendChild(box);
  frame.appendChild(band);
  var legends = Array.prototype.slice.call(band.querySelectorAll('.towerplan-legend'));
  var laidOut = '';
  function overflowing() {
    return band.scrollHeight > band.clientHeight + 1 || band.scrollWidth > band.clientWidth + 1;
  }
  function layout() {
    var side = frame.clientWidth >= {{ this.side_min_px }};
    var size = side + ':' + frame.clientWidth + 'x' + frame.clientHeight;
    if (size === laidOut || !frame.clientHeight) { return; }
    laidOut = size;
    frame.classList.toggle('towerplan-band-side', side);
    // legends folded here before open again; then the last ones fold to their titles while the band overflows
    legends.forEach(function (el) {
      if (el.dataset.folded === 'auto') { el.open = true; delete el.dataset.folded; }
    });
    for (var i = legends.length - 1; i > 0 && overflowing(); i--) {
      if (legends[i].open) { legends[i].open = false; legends[i].dataset.folded = 'auto'; }
    }
    map.invalidateSize();
  }
  // the layer control (added after this script runs) at the band's head instead of over the map's corner;
  // Leaflet's control keeps its listeners on its own element, so it works where it is put
  function moveLayerControl() {
    var control = box.querySelector('.leaflet-control-layers');
    if (!control) { return; }
    band.insertBefore(control, band.firstChild);
    laidOut = '';
    layout();
  }
  layout();  // before the map's first view is set (this script runs right after the map is made)
  setTimeout(moveLayerControl, 0);
  window.addEventListener('resize', layout);
  if (window.ResizeObserver) {  // a frame sized by its host after load; a legend opened or folded by a click
    new ResizeObserver(layout).observe(frame);
    new ResizeObserver(function () { map.invalidateSize(); }).observe(box);
  }
})();
{% endmacro %}
"""


class LegendBand(Element):
    """The page's legend band: the legends' HTML, in the order they were added."""

    _template = Template(
        '<div class="towerplan-legend-band">'
        "{% for name, element in this._children.items() %}{{ element.render() }}{% endfor %}</div>"
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "TowerplanLegendBand"


class LegendLayout(MacroElement):
    """The script that puts a map and its legend band side by side (one per map, its first child, so it
    runs before the map's first view is fitted to the frame)."""

    _template = Template(_LAYOUT_TEMPLATE)

    def __init__(self) -> None:
        super().__init__()
        self._name = "TowerplanLegendLayout"
        self.side_min_px = BAND_SIDE_MIN_PX


class Legend(MacroElement):
    """A legend box in the page's :class:`LegendBand` (see the module); build with :func:`legend`."""

    _template = Template(_LEGEND_TEMPLATE)

    def __init__(self, title: str, items: list[tuple[str, str]], note: str | None = None) -> None:
        super().__init__()
        self._name = "TowerplanLegend"
        self.title = html.escape(title)
        self.items = [(html.escape(label), html.escape(colour)) for label, colour in items]
        self.note = html.escape(note) if note else None

    def add_to(self, parent: Element, name: str | None = None, index: int | None = None) -> Legend:
        """Add to a map (only: the legend belongs to the map's band), with the map's :class:`LegendLayout`
        made its first child when it has none yet."""
        import folium

        if not isinstance(parent, folium.Map):
            raise ValueError(f"a legend goes on a folium.Map, not on a {type(parent).__name__}")
        if _LAYOUT_NAME not in parent._children:
            parent.add_child(LegendLayout(), name=_LAYOUT_NAME, index=0)
        parent.add_child(self, name=name, index=index)
        return self

    def render(self, **kwargs: object) -> str:
        """The box into the page's legend band (made on first use) and the band's style into the header
        (nothing in place: the empty string)."""
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise ValueError("a legend can only be rendered in a page (a branca Figure)")
        band = figure.html._children.get(_BAND_NAME)
        if band is None:
            band = LegendBand()
            figure.html.add_child(band, name=_BAND_NAME)
        band.add_child(Element(self._template.module.html(self, kwargs)), name=self.get_name())
        figure.header.add_child(Element(_STYLE), name=_STYLE_NAME)
        return ""


def legend(title: str, items: list[tuple[str, str]], *, note: str | None = None) -> Legend:
    """A legend listing (label, colour) pairs with an optional note, shown in the map's legend band beside
    or under the map (never over its data); a click on its title folds it. Add it with ``.add_to(map)``."""
    return Legend(title, list(items), note)
