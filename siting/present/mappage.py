"""Page furniture of the committee map: Leaflet elements, CSS and JS, icons, title and legend.

Private to :mod:`siting.present.maps`.  Feature data reaches the page as JSON whose
``<``, ``>`` and ``&`` are escaped (:func:`_js`) and is put into the DOM by
``sitingCard`` with ``textContent`` only; the static panels are HTML-escaped
(:func:`_e`).
"""

from __future__ import annotations

import html
import itertools
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import folium
import numpy as np
from branca.element import Element
from folium.map import Layer
from folium.template import Template

from siting.facility import spec
from siting.layers import METRIC_CRS, Facility
from siting.present.assets import ASSETS, inline_tags
from siting.present.features import card as _card
from siting.present.features import feature as _feature
from siting.present.features import geojson_geometry as _geojson_geometry
from siting.present.headline import headline_lines
from siting.present.i18n import Lang, cost_model_text, fmt_number, t
from siting.present.translate import translator

if TYPE_CHECKING:
    from siting.decide.scenario import RunResult

__all__: list[str] = []  # private module

SCORE_STOPS = [(0.0, "#fff7bc"), (0.5, "#fec44f"), (0.8, "#fe9929"), (1.0, "#cc4c02")]
AUTH_STOPS = [(0.0, "#e5f5e0"), (1.0, "#238b45")]
EXCLUDED_GREY = "#9e9e9e"


def _e(value: Any) -> str:
    """HTML-escape any value for the static panels."""
    return html.escape(str(value), quote=True)


def _js(obj: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>``, no ``<!--``)."""
    return (
        json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _ramp(t01: float, stops: list[tuple[float, str]]) -> str:
    t01 = float(np.clip(t01, 0.0, 1.0))
    for (a, ca), (b, cb) in itertools.pairwise(stops):
        if t01 <= b:
            f = (t01 - a) / (b - a) if b > a else 0.0
            rgb_a = [int(ca[i : i + 2], 16) for i in (1, 3, 5)]
            rgb_b = [int(cb[i : i + 2], 16) for i in (1, 3, 5)]
            mix = [round(x + f * (y - x)) for x, y in zip(rgb_a, rgb_b, strict=True)]
            return "#{:02x}{:02x}{:02x}".format(*mix)
    return stops[-1][1]


# ------------------------------------------------------------------ land and names
LAND_GREY = "#bdbdbd"


def _place(lang: Lang, he: Any, en: Any) -> str:
    he_s, en_s = str(he or ""), str(en or "")
    return he_s if lang is Lang.HE or not en_s else en_s


def _land_layer(
    result: RunResult, lang: Lang, allowed: set[int], simplify_m: float
) -> _GeoJsonLayer | None:
    """The land around the region that is not searched: other authorities, areas without a
    municipal jurisdiction and land outside Israeli jurisdiction (grey, dashed)."""
    land = result.region.extra.get("jurisdictions")
    if land is None or not len(land):
        return None
    land = land.to_crs(METRIC_CRS)
    own = set(result.region.authorities["id"].astype(int))
    feats = []
    for _, a in land.iterrows():
        aid, kind = int(a["id"]), str(a.get("kind", ""))
        if aid in own or kind == "sea":
            continue
        name = _place(lang, a.get("name_he"), a.get("name_en"))
        status = (
            "no_jurisdiction"
            if kind == "no_jurisdiction"
            else ("allowed" if aid in allowed else "not_member")
        )
        feats.append(
            _feature(
                _geojson_geometry(a.geometry, simplify_m),
                id=f"land:{aid}",
                style={
                    "color": "#238b45" if status == "allowed" else "#737373",
                    "weight": 1,
                    "dashArray": "3 3",
                    "fillColor": "#e5f5e0" if status == "allowed" else LAND_GREY,
                    "fillOpacity": 0.45,
                },
                tip=_card(name, t(f"land_{status}", lang)),
            )
        )
    extent = result.region.extra.get("jurisdictions_extent")
    if extent is not None:
        outside = extent.difference(land.union_all())
        parts = [g for g in getattr(outside, "geoms", [outside]) if g.area > 250_000]
        if parts:
            from shapely import union_all

            feats.append(
                _feature(
                    _geojson_geometry(union_all(parts), simplify_m),
                    id="land:outside",
                    style={
                        "color": "#737373",
                        "weight": 1,
                        "dashArray": "3 3",
                        "fillColor": "#969696",
                        "fillOpacity": 0.5,
                    },
                    tip=_card(t("land_outside_name", lang), t("land_outside", lang)),
                )
            )
    if not feats:
        return None
    return _GeoJsonLayer(feats, name=t("layer_land", lang), key="land")


def _names_layer(result: RunResult, lang: Lang) -> _GeoJsonLayer | None:
    """Each authority's name at a point inside its polygon (members bold, neighbours grey)."""
    auth = result.region.authorities.to_crs(METRIC_CRS)
    if not auth.geom_type.isin({"Polygon", "MultiPolygon"}).all():
        return None
    feats = []
    for _, a in auth.iterrows():
        pt = a.geometry.representative_point()
        feats.append(
            _feature(
                _geojson_geometry(pt),
                id=f"name:{int(a['id'])}",
                label=_place(lang, a.get("name_he"), a.get("name_en")),
                label_class=None if bool(a["member"]) else "neighbour",
            )
        )
    return _GeoJsonLayer(feats, name=t("layer_names", lang), key="authority_names")


# ------------------------------------------------------------------ folium elements
class _GeoJsonLayer(Layer):
    """A GeoJSON overlay whose features carry their style and their popup/tooltip cards."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = sitingGeoJson({{ this.data_js }});
        {% endmacro %}
        """
    )

    def __init__(self, features: list[dict[str, Any]], *, name: str, key: str, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "SitingLayer"
        self.key = key
        self.n_features = len(features)
        labels: dict[str, int] = {}
        self.data = {
            "type": "FeatureCollection",
            "features": [_shared_labels(f, labels) for f in features],
            "labels": list(labels),
        }
        self.data_js = _js(self.data)


def _shared_labels(feature: dict[str, Any], labels: dict[str, int]) -> dict[str, Any]:
    """A copy of ``feature`` whose card row labels are indexes into the layer's ``labels``.

    Hundreds of popups repeat the same dozen row labels; sharing them keeps the file small.
    Rows are in ``r`` (the headline), ``k["r"]`` (what decides) and ``d["g"][i]["r"]``
    (the details behind the toggle).
    """

    def share(rows: list[list[str]]) -> list[list[Any]]:
        return [[labels.setdefault(k, len(labels)), v] for k, v in rows]

    props = dict(feature["properties"])
    for key in ("tip", "popup"):
        card = props.get(key)
        if not card:
            continue
        card = dict(card)
        if "r" in card:
            card["r"] = share(card["r"])
        if "k" in card:
            card["k"] = {**card["k"], "r": share(card["k"]["r"])}
        if "d" in card:
            groups = [{**g, "r": share(g["r"])} for g in card["d"]["g"]]
            card["d"] = {**card["d"], "g": groups}
        props[key] = card
    return {**feature, "properties": props}


class _Controls(folium.MacroElement):
    """Layer control, scale bar, title and legend panels, and ``window.siting``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var map = {{ this._parent.get_name() }};
          var layers = {
          {%- for key, layer in this.layers %}
            {{ key|tojson }}: {{ layer.get_name() }},
          {%- endfor %}
          };
          var names = {{ this.names_js }};
          var overlays = {};
          Object.keys(layers).forEach(function (k) { overlays[names[k]] = layers[k]; });
          L.control.layers(null, overlays, {
            collapsed: true, position: {{ this.layers_pos|tojson }}
          }).addTo(map);
          L.control.scale({metric: true, imperial: false, position: {{ this.scale_pos|tojson }}})
            .addTo(map);
          sitingPanel(map, "siting-title", {{ this.title_pos|tojson }});
          sitingPanel(map, "siting-legend", {{ this.legend_pos|tojson }});
          sitingPanel(map, "siting-weights", {{ this.layers_pos|tojson }});
          sitingFitLater(map);
          map.on("resize", function () { sitingFitLater(map); });
          ["toggle", "input", "click"].forEach(function (ev) {
            document.addEventListener(ev, function () { sitingFitLater(map); }, true);
          });
          window.addEventListener("load", function () { sitingFit(map); });
          window.siting = {map: map, layers: layers, counts: {{ this.counts_js }},
                           lang: {{ this.lang|tojson }}};
        })();
        {% endmacro %}
        """
    )

    def __init__(self, layers: list[_GeoJsonLayer], lang: Lang) -> None:
        super().__init__()
        self._name = "SitingControls"
        self.layers = [(layer.key, layer) for layer in layers]
        self.names_js = _js({layer.key: _e(layer.layer_name) for layer in layers})
        self.counts_js = _js({layer.key: layer.n_features for layer in layers})
        self.lang = lang.value
        rtl = lang is Lang.HE
        self.layers_pos = "topleft" if rtl else "topright"
        self.title_pos = "topright" if rtl else "topleft"
        # the scale bar sits under the legend, in its corner: a legend opened on a phone
        # grows upwards, never across the scale bar
        self.legend_pos = self.scale_pos = "bottomleft" if rtl else "bottomright"


_PAGE_TEMPLATE = Template(
    "<!DOCTYPE html>\n"
    '<html lang="{{ this.siting_lang }}" dir="{{ this.siting_dir }}">\n'
    "<head>\n"
    "{% if this.title %}<title>{{ this.title }}</title>{% endif %}"
    "    {{ this.header.render(**kwargs) }}\n"
    "</head>\n"
    "<body>\n"
    "    {{ this.html.render(**kwargs) }}\n"
    "</body>\n"
    "<script>\n"
    "    {{ this.script.render(**kwargs) }}\n"
    "</script>\n"
    "</html>\n"
)

_CSS = """
<style>
.siting-no-leaflet{position:fixed;z-index:10000;top:18%;left:50%;transform:translateX(-50%);
 width:min(560px,90vw);background:#fff;border:3px solid #a50026;border-radius:8px;padding:12px 16px;
 font:15px/1.45 system-ui,-apple-system,"Segoe UI",Arial,sans-serif;
 box-shadow:0 2px 12px rgba(0,0,0,.4)}
.siting-no-leaflet[hidden]{display:none}
.siting-panel.siting-weights{max-width:min(360px,86vw);max-height:60vh}
.siting-w-fac{margin-top:4px;border-top:1px solid #ddd;padding-top:3px}
.siting-w-row{display:grid;grid-template-columns:1fr 96px 36px;gap:4px;align-items:center}
.siting-w-row input{width:96px;margin:0}
.siting-w-out table{border-collapse:collapse}.siting-w-out caption{text-align:start;color:#555}
.siting-w-out th{font-weight:normal;text-align:start;padding-inline-end:6px}
.siting-no-leaflet b{display:block;color:#a50026;font-size:17px;margin-bottom:4px}
.siting-card{font:13px/1.35 system-ui,-apple-system,"Segoe UI",Arial,sans-serif;
 max-width:min(360px,calc(100vw - 80px))}
.siting-card b{display:block;font-size:14px}
.siting-card .sub{color:#555;margin-bottom:3px}
.siting-card table{border-collapse:collapse;margin-top:3px}
.siting-card th{font-weight:normal;color:#444;text-align:start;padding:1px 8px 1px 0;
 vertical-align:top}
[dir=rtl] .siting-card th{padding:1px 0 1px 8px}
.siting-card td{font-weight:600;text-align:end;white-space:nowrap}
.siting-card .note{margin-top:4px;color:#7a0000}
.siting-card caption{text-align:start;color:#555;font-size:12px;padding-top:3px}
.siting-card .decide caption{color:#333}
.siting-card details.more{margin-top:4px}
.siting-card details.more summary{cursor:pointer;color:#08519c}
.siting-card details.more caption{font-weight:600}
.siting-panel{background:rgba(255,255,255,.94);padding:6px 9px;border-radius:6px;
 box-shadow:0 1px 5px rgba(0,0,0,.4);
 font:12px/1.4 system-ui,-apple-system,"Segoe UI",Arial,sans-serif;
 max-width:min(430px,72vw);max-height:70vh;overflow:auto;box-sizing:border-box}
@media (max-width:759px){.siting-panel:not([open]){max-width:calc(50vw - 40px)}}
.siting-panel summary{cursor:pointer}
.siting-panel ul{margin:2px 0;padding-inline-start:18px}
.siting-panel .warn{color:#a50026;font-weight:600}
.siting-panel .sw{display:inline-block;width:14px;height:10px;vertical-align:middle}
.siting-panel svg{vertical-align:middle}
.siting-icon{background:none;border:none}
.siting-label{background:none;border:none}
.siting-label-text{transform:translate(-50%,-50%);white-space:nowrap;font:600 12px/1.2
 system-ui,-apple-system,"Segoe UI",Arial,sans-serif;color:#00441b;
 text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 2px #fff;pointer-events:none}
.siting-label-text.neighbour{color:#525252;font-weight:400;font-style:italic}
.leaflet-control-layers-overlays label{white-space:nowrap}
.leaflet-control-scale,.leaflet-control-attribution{direction:ltr}
</style>
"""

_JS_HELPERS = """
<script>
var SITING_DIR = %(dir)s;
function sitingTable(rows, labels, caption) {
  var tb = document.createElement("table");
  if (caption) { var cap = tb.createCaption(); cap.textContent = caption; }
  rows.forEach(function (kv) {
    var tr = tb.insertRow(); var th = document.createElement("th");
    th.textContent = typeof kv[0] === "number" ? labels[kv[0]] : kv[0];
    tr.appendChild(th);
    var td = tr.insertCell(); var vi = document.createElement("bdi");
    vi.textContent = kv[1]; td.appendChild(vi);
  });
  return tb;
}
function sitingCard(c, labels) {
  var d = document.createElement("div");
  d.className = "siting-card"; d.dir = SITING_DIR;
  if (c.t) { var b = document.createElement("b"); var bi = document.createElement("bdi");
             bi.textContent = c.t; b.appendChild(bi); d.appendChild(b); }
  if (c.s) { var s = document.createElement("div"); s.className = "sub";
             var si = document.createElement("bdi"); si.textContent = c.s;
             s.appendChild(si); d.appendChild(s); }
  if (c.r) { d.appendChild(sitingTable(c.r, labels)); }
  if (c.k) { var k = sitingTable(c.k.r, labels, c.k.c); k.className = "decide";
             d.appendChild(k); }
  if (c.d) {
    var det = document.createElement("details"); det.className = "more";
    var sm = document.createElement("summary"); sm.textContent = c.d.s;
    det.appendChild(sm);
    c.d.g.forEach(function (g) { det.appendChild(sitingTable(g.r, labels, g.c)); });
    d.appendChild(det);
  }
  if (c.n) { var n = document.createElement("div"); n.className = "note";
             n.textContent = c.n; d.appendChild(n); }
  return d;
}
function sitingGeoJson(data) {
  var labels = data.labels || [];
  return L.geoJSON(data, {
    style: function (f) { return f.properties.style || {}; },
    pointToLayer: function (f, latlng) {
      var p = f.properties;
      if (p.label) {  // a place name drawn on the map, as text only
        var el = document.createElement("div");
        el.className = "siting-label-text" + (p.label_class ? " " + p.label_class : "");
        el.textContent = p.label;
        return L.marker(latlng, {icon: L.divIcon({html: el, className: "siting-label",
                                                  iconSize: null}),
                                 interactive: false, keyboard: false});
      }
      if (p.icon) {
        return L.marker(latlng, {
          icon: L.divIcon({html: p.icon.html, className: "siting-icon",
                           iconSize: p.icon.size, iconAnchor: p.icon.anchor,
                           popupAnchor: [0, -p.icon.anchor[1]],
                           tooltipAnchor: [0, -p.icon.anchor[1]]}),
          riseOnHover: true, zIndexOffset: 1000, alt: p.icon.alt || ""});
      }
      return L.circleMarker(latlng, p.style || {});
    },
    onEachFeature: function (f, layer) {
      var p = f.properties;
      if (p.tip) { layer.bindTooltip(function () { return sitingCard(p.tip, labels); },
                                     {sticky: !p.icon, direction: "top", opacity: 0.96}); }
      if (p.tip && p.popup) { layer.on("popupopen", function () { layer.closeTooltip(); }); }
      if (p.popup) { layer.on("popupopen", function (e) { sitingBesidePanels(e.popup); }); }
      if (p.popup) {
        var card = null;  // built once, so a re-layout keeps the toggle's state
        layer.bindPopup(function () {
                       if (card) { return card; }
                       card = sitingCard(p.popup, labels);
                       // the details toggle changes the height: lay the popup out again
                       // (scroll bar past maxHeight, panned into view)
                       card.addEventListener("toggle", function () {
                         if (layer.getPopup()) { layer.getPopup().update(); }
                       }, true);
                       return card;
                     },
                                     {maxWidth: Math.min(380, window.innerWidth - 70),
                                      maxHeight: 300,
                                      autoPanPadding: [40, 40]});
      }
    }
  });
}
function sitingPanel(map, id, position) {
  var el = document.getElementById(id);
  if (!el) { return; }
  var c = L.control({position: position});
  c.onAdd = function () {
    L.DomEvent.disableClickPropagation(el); L.DomEvent.disableScrollPropagation(el);
    if (el.tagName === "DETAILS" && window.innerWidth < 760) { el.open = false; }
    return el;
  };
  c.addTo(map);
}
// Panels in a top corner and the bottom corner below it share the map's height: each keeps
// its natural height when both fit, else the smaller keeps its own and the other scrolls.
function sitingFit(map) {
  var box = map.getContainer(), H = box.clientHeight;
  ["left", "right"].forEach(function (side) {
    var fixed = 0;
    var groups = ["top", "bottom"].map(function (v) {
      var corner = box.querySelector(".leaflet-" + v + ".leaflet-" + side), ps = [];
      Array.prototype.forEach.call(corner ? corner.children : [], function (ch) {
        if (ch.classList.contains("siting-panel")) { ps.push(ch); }
        else { fixed += ch.offsetHeight + 10; }
      });
      return ps;
    });
    var n = groups[0].length + groups[1].length;
    if (!n) { return; }
    var avail = H - fixed - 10 * n - 12;
    var need = groups.map(function (ps) {
      return ps.reduce(function (h, el) { return h + el.scrollHeight + 2; }, 0);
    });
    var give = need;
    if (need[0] + need[1] > avail) {
      if (need[0] <= avail / 2) { give = [need[0], avail - need[0]]; }
      else if (need[1] <= avail / 2) { give = [avail - need[1], need[1]]; }
      else { give = [avail / 2, avail / 2]; }
    }
    groups.forEach(function (ps, i) {
      ps.forEach(function (el) {
        el.style.maxHeight = Math.max(40, Math.floor(give[i] / ps.length)) + "px";
      });
    });
  });
}
// Pan an opened popup clear of the open panels on either side when there is room between
// them (Leaflet keeps it inside the map only; the panels are controls drawn above it).
function sitingBesidePanels(popup) {
  var map = popup._map, el = popup.getElement();
  if (!map || !el) { return; }
  var box = map.getContainer().getBoundingClientRect(), left = 0, right = 0;
  document.querySelectorAll(".siting-panel").forEach(function (p) {
    var r = p.getBoundingClientRect();
    if (!r.width) { return; }
    if (p.closest(".leaflet-left")) { left = Math.max(left, r.right - box.left); }
    else if (p.closest(".leaflet-right")) { right = Math.max(right, box.right - r.left); }
  });
  var room = left + right + el.offsetWidth + 30 <= box.width;
  var tl = room ? L.point(left + 10, 40) : null, br = room ? L.point(right + 10, 40) : null;
  var o = popup.options;
  if (String(o.autoPanPaddingTopLeft) === String(tl) &&
      String(o.autoPanPaddingBottomRight) === String(br)) { return; }
  o.autoPanPaddingTopLeft = tl; o.autoPanPaddingBottomRight = br;
  popup.update();
}
var sitingFitPending = false;
function sitingFitLater(map) {
  if (sitingFitPending) { return; }
  sitingFitPending = true;
  window.requestAnimationFrame(function () { sitingFitPending = false; sitingFit(map); });
}
</script>
"""


# -------------------------------------------------------------------------- icons
def _icon(fac: Facility, site_id: str, label: str) -> dict[str, Any]:
    """An inline-SVG DivIcon: a circle with a bin (station), a square with a truck (lots)."""
    attrs = (
        f'class="siting-chosen" data-facility="{_e(fac.value)}" data-site="{_e(site_id)}" '
        f'title="{_e(label)}"'
    )
    return {
        "html": f"<div {attrs}>{_svg(fac, 32)}</div>",
        "size": [32, 32],
        "anchor": [16, 16],
        "alt": label,
    }


def _svg(fac: Facility, size: int) -> str:
    c = spec(fac).colour
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        'viewBox="0 0 32 32" aria-hidden="true">'
    )
    if fac is Facility.WASTE_STATION:
        body = (
            f'<circle cx="16" cy="16" r="14" fill="{c}" stroke="#fff" stroke-width="2.5"/>'
            '<rect x="13.5" y="7.5" width="5" height="2" rx="0.8" fill="#fff"/>'
            '<rect x="9.5" y="9.5" width="13" height="2.4" rx="1" fill="#fff"/>'
            '<path d="M11 13h10l-1.1 11h-7.8z" fill="#fff"/>'
            f'<path d="M14.3 15v7M17.7 15v7" stroke="{c}" stroke-width="1.3"/>'
        )
    else:
        body = (
            f'<rect x="2" y="2" width="28" height="28" rx="6" fill="{c}" stroke="#fff" '
            'stroke-width="2.5"/>'
            '<rect x="6" y="10" width="12" height="9" fill="#fff"/>'
            '<path d="M19 12.5h4l3 3.6v2.9h-7z" fill="#fff"/>'
            f'<circle cx="10.5" cy="21" r="2.3" fill="#fff" stroke="{c}" stroke-width="1.2"/>'
            f'<circle cx="22" cy="21" r="2.3" fill="#fff" stroke="{c}" stroke-width="1.2"/>'
        )
    return head + body + "</svg>"


def _locality_radius(residents: float) -> float:
    """Circle radius in pixels, area proportional to residents."""
    return float(3.0 + 0.05 * np.sqrt(max(residents, 0.0)))


# ------------------------------------------------------------------ static panels
def _objective_line(result: RunResult, fac: Facility, lang: Lang) -> str:
    """The chosen plan's headline figures (escaped HTML, one line each)."""
    res = result.results[fac]
    lines = headline_lines(res, lang, threshold_min=spec(fac).threshold_min(result.scenario))
    return "<br>".join(_e(x) for x in lines[1:])


def _title_block(result: RunResult, lang: Lang, date: str) -> str:
    s = result.scenario
    cm = result.costs
    rows = [
        f"<div>{_e(t('scenario', lang))}: <code>{_e(s.name)}</code> · "
        f"{_e(t('date', lang))}: {_e(date)}</div>"
    ]
    if cm.approximate:
        rows.append(f'<div class="warn">⚠ {_e(t("approximate_warning", lang))}</div>')
    model = _e(_cm_text(result, lang))
    rows.append(f"<div>{_e(t('cost_model', lang))}: <bdi>{model}</bdi></div><ul>")
    for fac, res in result.results.items():
        chosen = ", ".join(str(c) for c in res.chosen) or t("h_no_plan", lang)
        rows.append(
            f"<li>{_svg(fac, 14)} {_e(t(fac.value, lang))}: <b>{_e(chosen)}</b><br>"
            f"<small>{_objective_line(result, fac, lang)}</small></li>"
        )
    rows.append("</ul>")
    tr = translator(result, lang)
    notes = "".join(f'<li dir="auto">{_e(tr(n))}</li>' for n in result.notes)
    sources = "".join(f'<li dir="auto">{_e(tr(x))}</li>' for x in result.region.sources)
    sources += f"<li>{_e(t('basemap', lang))}</li>"
    return (
        f'<details open id="siting-title" class="siting-panel" dir="{lang.dir}">'
        f'<summary><b><bdi dir="{lang.dir}">{_e(result.region.name)}</bdi></b></summary>'
        + "".join(rows)
        + f"<details><summary>{_e(t('notes', lang))} ({len(result.notes)})</summary>"
        f"<ul>{notes}</ul></details>"
        f"<details><summary>{_e(t('sources', lang))}</summary><ul>{sources}</ul></details>"
        "</details>"
    )


def _legend_circle(residents: float) -> str:
    r = _locality_radius(residents)
    return (
        f'<svg width="{2 * r + 2:.0f}" height="{2 * r + 2:.0f}"><circle cx="{r + 1:.1f}" '
        f'cy="{r + 1:.1f}" r="{r:.1f}" fill="#525252" fill-opacity=".6" stroke="#252525"/>'
        f"</svg> {fmt_number(residents)} "
    )


def _legend(
    result: RunResult, lang: Lang, auth_legend: Mapping[str, Any], has_exclusions: bool
) -> str:
    ramp = "".join(f'<span class="sw" style="background:{c}"></span>' for _, c in SCORE_STOPS)
    auth_ramp = "".join(
        f'<span class="sw" style="background:{_ramp(x, AUTH_STOPS)}"></span>'
        for x in (0.0, 0.33, 0.66, 1.0)
    )
    circles = "".join(_legend_circle(n) for n in (1_000, 10_000, 50_000))
    parts = [
        f"<div>{_e(t('legend_score', lang))}: {_e(t('score_low', lang))} {ramp} "
        f"{_e(t('score_high', lang))}</div>",
        f'<div><span class="sw" style="background:{EXCLUDED_GREY}"></span> '
        f"{_e(t('legend_excluded', lang))}</div>",
    ]
    for fac in result.results:
        parts.append(
            f"<div>{_svg(fac, 18)} {_e(t('chosen', lang))}: {_e(t(fac.value, lang))}</div>"
        )
    parts.append(
        '<div><svg width="24" height="8"><line x1="0" y1="4" x2="24" y2="4" stroke="#555" '
        f'stroke-width="2"/></svg> {_e(t("legend_assignment", lang))}</div>'
    )
    parts.append(f"<div>{_e(t('legend_locality', lang))}: {circles}</div>")
    parts.append(
        f'<div>{_e(t("legend_authority", lang))} (<bdi dir="ltr">'
        f"{fmt_number(auth_legend['lo'], 1)}–{fmt_number(auth_legend['hi'], 1)}</bdi>): "
        f"{auth_ramp}</div>"
        '<div><svg width="14" height="14"><circle cx="7" cy="7" r="5" fill="#d9d9d9" '
        'stroke="#00441b" stroke-width="2.5"/></svg> '
        f"{_e(t('legend_member', lang))} · "
        '<svg width="14" height="14"><circle cx="7" cy="7" r="5" fill="#d9d9d9" '
        'stroke="#737373" stroke-width="2" stroke-dasharray="3 2"/></svg> '
        f"{_e(t('legend_neighbour', lang))}</div>"
    )
    if auth_legend.get("land"):
        parts.append(
            f'<div><span class="sw" style="background:{LAND_GREY};border:1px dashed #737373">'
            f"</span> {_e(t('legend_land', lang))}</div>"
        )
    if has_exclusions:
        parts.append(
            '<div><span class="sw" style="background:#d6604d"></span> '
            f"{_e(t('layer_exclusions', lang))}</div>"
        )
    if not auth_legend["polygons"]:
        parts.append(
            f'<div style="max-width:300px;color:#555">{_e(t("legend_points_note", lang))}</div>'
        )
    return (
        f'<details open id="siting-legend" class="siting-panel" dir="{lang.dir}">'
        f"<summary><b>{_e(t('legend', lang))}</b></summary>{''.join(parts)}</details>"
    )


def _number_ids(root: Element) -> None:
    """Give every element a deterministic id (Folium draws random ones)."""
    counter = 0
    stack = [root]
    while stack:
        el = stack.pop(0)
        el._id = f"{counter:05d}"
        counter += 1
        stack.extend(el._children.values())


def _cm_text(result: RunResult, lang: Lang | str) -> str:
    cm = result.costs
    params = getattr(result.scenario.cost_model, "params", None)
    return cost_model_text(cm.model, cm.description, params, lang)


def _use_assets(m: folium.Map, plugins: list[Any], lang: Lang, *, inline: bool) -> None:
    """Inline Leaflet and the plugins' files into the page, or link them from the CDN.

    A linked page also gets a notice, hidden unless Leaflet failed to load, that says how to
    get a self-contained map.
    """
    fig: Any = m.get_root()
    if inline:
        tags = inline_tags()
        for el in (m, *plugins):
            el.default_js, el.default_css = [], []
        for name in ("leaflet_css", "leaflet", "fullscreen_css", "fullscreen"):
            fig.header.add_child(Element(tags[name]), name=name)
        return
    m.default_js = [("leaflet", ASSETS["leaflet"].cdn_url)]
    m.default_css = [("leaflet_css", ASSETS["leaflet_css"].cdn_url)]
    for el in plugins:
        el.default_js = [("fullscreen", ASSETS["fullscreen"].cdn_url)]
        el.default_css = [("fullscreen_css", ASSETS["fullscreen_css"].cdn_url)]
    notice = (
        '<div id="siting-no-leaflet" class="siting-no-leaflet" role="alert" hidden>'
        f"<b>{_e(t('no_leaflet_title', lang))}</b>{_e(t('no_leaflet', lang))}</div>\n"
        "<script>if (typeof window.L === 'undefined') "
        "{document.getElementById('siting-no-leaflet').hidden = false;}</script>"
    )
    fig.html.add_child(Element(notice), name="siting_no_leaflet")


def map_layers(m: folium.Map) -> dict[str, dict[str, Any]]:
    """The GeoJSON (with its cards) of each layer of a map from :func:`build_map`, by key.

    Keys: ``authorities``, ``localities``, ``candidates:<facility>``,
    ``chosen:<facility>``, ``assignments:<facility>``, ``coverage:<facility>``
    and ``exclusions``.  Card row labels are indexes into the layer's ``labels``.
    """
    return {el.key: el.data for el in m._children.values() if isinstance(el, _GeoJsonLayer)}


def map_layer_counts(m: folium.Map) -> dict[str, int]:
    """Features per layer of a map from :func:`build_map` (``{"localities": 60, …}``)."""
    return {el.key: el.n_features for el in m._children.values() if isinstance(el, _GeoJsonLayer)}
