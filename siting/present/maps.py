"""Interactive committee map (Folium/Leaflet), in English or Hebrew.

Layers, each toggleable in the layer control:

* authorities — polygons when the region has jurisdictions (the embedded default
  and the official files), otherwise points, coloured by tonnes of waste a day;
  members solid, neighbours grey and dashed; their names as labels;
* land outside the search — the other jurisdictions around the region, areas
  without a municipal jurisdiction and land outside Israeli jurisdiction, grey;
* localities — circles whose area is proportional to residents;
* candidate sites per facility — coloured by score, excluded ones grey with
  the reason in their popup;
* the chosen site(s) per facility — distinct inline-SVG icons (no icon font);
* assignments per facility — road routes when a ``routes`` layer is given,
  straight lines otherwise;
* coverage per facility — isochrones when given, otherwise circles of the
  crow-fly radius that the cost model turns into the coverage threshold
  (``T × speed ÷ circuity``), labelled approximate;
* exclusion zones when the scenario has them.

A candidate's popup (:mod:`siting.present.popups`) is short: the rank, score and cost of
the best plan containing the site against the recommended plan, and the two or three
criteria that decide it; every figure of that plan, the score's parts and the site's own
properties are behind a ``<details>`` toggle.  A title block names the scenario, date,
cost model (with an APPROXIMATE warning for crow-fly), notes and data sources; a legend,
a metric scale bar (under the legend, in its corner), a collapsed layer list and a
fullscreen button complete it.  On a screen under 760 px wide the title block, the
legend and the weights panel start closed; a top and a bottom panel on one side share
the map's height so they never overlap.

Safety and reproducibility
    Text from data never reaches the page as markup: features carry plain
    strings (JSON with ``<``, ``>``, ``&`` escaped) that the page puts into the
    DOM with ``textContent``, and the static panels are HTML-escaped.  Element
    ids are numbered deterministically and the date comes from
    ``SOURCE_DATE_EPOCH`` when set, so a re-run gives the same HTML.
Offline use
    Leaflet is inlined whenever it can be had (:mod:`siting.present.assets`), else linked
    from the CDN with a notice, shown if it fails to load, on how to get a self-contained map.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element
from folium.plugins import Fullscreen

from siting.costs import metric_points
from siting.facility import spec
from siting.layers import METRIC_CRS, POLYGONAL, WGS84, Facility
from siting.present.assets import check_self_contained, resolve_self_contained
from siting.present.features import card as _card
from siting.present.features import feature as _feature
from siting.present.features import geojson_geometry as _geojson_geometry
from siting.present.features import norm as _norm
from siting.present.features import route_lookup
from siting.present.features import text as _text
from siting.present.i18n import Lang, fmt_number, t
from siting.present.mappage import (
    _CSS,
    _JS_HELPERS,
    _PAGE_TEMPLATE,
    AUTH_STOPS,
    EXCLUDED_GREY,
    SCORE_STOPS,
    _Controls,
    _e,
    _GeoJsonLayer,
    _icon,
    _js,
    _land_layer,
    _legend,
    _locality_radius,
    _names_layer,
    _number_ids,
    _ramp,
    _title_block,
    _use_assets,
    map_layer_counts,
    map_layers,
)
from siting.present.popups import candidate_cards
from siting.present.popups import missing as _missing
from siting.present.sliders import WeightsScript, weights_panel
from siting.present.translate import translator

if TYPE_CHECKING:
    from siting.decide.scenario import RunResult

__all__ = [
    "build_map",
    "coverage_radius_km",
    "map_html",
    "map_layer_counts",
    "map_layers",
    "run_date",
]

SIMPLIFY_M = {"authorities": 20.0, "routes": 5.0, "zones": 20.0, "candidates": 2.0}

# --------------------------------------------------------------------------- helpers


def run_date() -> str:
    """The date printed on outputs: ``SOURCE_DATE_EPOCH`` when set, else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return when.strftime("%Y-%m-%d")


def coverage_radius_km(result: RunResult, threshold_min: float) -> float | None:
    """Crow-fly radius reached within ``threshold_min`` under the run's cost model.

    ``km_road = km_straight × circuity`` and ``minutes = km_road / speed × 60``, so
    the straight-line radius is ``T × speed / 60 / circuity``.  ``None`` when the
    cost model is not crow-fly (draw isochrones instead).
    """
    params = getattr(result.scenario.cost_model, "params", None)
    if result.costs.model != "crow-fly" or params is None:
        return None
    return float(threshold_min) * params.speed_kmh / 60.0 / params.circuity


def _threshold(result: RunResult, fac: Facility) -> float:
    return spec(fac).threshold_min(result.scenario)


def _names(lang: Lang, primary_he: Any, english: Any) -> tuple[str, str]:
    """(title, subtitle) of a place: Hebrew first in ``he``, English (if any) first in ``en``."""
    he_name, en_name = _text(primary_he), _text(english)
    if lang is Lang.HE or not en_name:
        return he_name, ""
    return en_name, he_name


# ------------------------------------------------------------------------- layers
def _authority_names(result: RunResult, lang: Lang) -> dict[int, str]:
    auth = result.region.authorities
    land = result.region.extra.get("jurisdictions")
    out = {}
    for _, a in pd.concat([land, auth]).iterrows() if land is not None else auth.iterrows():
        title, _sub = _names(lang, a.get("name_he"), a.get("name_en"))
        out[int(a["id"])] = title
    return out


def _authorities_layer(result: RunResult, lang: Lang) -> tuple[_GeoJsonLayer, dict[str, Any]]:
    auth = result.region.authorities.to_crs(METRIC_CRS)
    loc = result.localities
    tpd = loc.groupby(loc["authority_id"].astype(int))["tonnes_per_day"].sum()
    n_loc = loc.groupby(loc["authority_id"].astype(int)).size()
    hi = float(tpd.max()) if len(tpd) else 0.0
    lo = float(tpd.min()) if len(tpd) else 0.0
    polygons = bool(auth.geom_type.isin(POLYGONAL).any())
    feats = []
    for _, a in auth.iterrows():
        aid = int(a["id"])
        member = bool(a["member"])
        title, sub = _names(lang, a.get("name_he"), a.get("name_en"))
        rows = [
            [t("status", lang), t("member" if member else "neighbour", lang)],
            [t("residents", lang), fmt_number(a["population"])],
            [t("kg_per_capita_day", lang), fmt_number(a.get("msw_kg_per_capita_day"), 2)],
        ]
        if aid in tpd.index:
            rows.append([t("tonnes_per_day", lang), fmt_number(tpd[aid], 1)])
            rows.append([t("localities", lang), fmt_number(n_loc[aid])])
        if member and aid in tpd.index:
            fill = _ramp(_norm(float(tpd[aid]), lo, hi), AUTH_STOPS)
        else:
            fill = "#d9d9d9"
        style: dict[str, Any] = {
            "color": "#00441b" if member else "#737373",
            "weight": 3 if member else 2,
            "dashArray": None if member else "5 4",
            "fillColor": fill,
            "fillOpacity": 0.55 if a.geometry.geom_type == "Point" else 0.3,
            "radius": 9,
        }
        style = {k: v for k, v in style.items() if v is not None}
        card = _card(title, sub, rows)
        feats.append(
            _feature(
                _geojson_geometry(a.geometry, SIMPLIFY_M["authorities"]),
                id=str(aid),
                style=style,
                tip=_card(title, t("member" if member else "neighbour", lang)),
                popup=card,
            )
        )
    name = t("layer_authorities" if polygons else "layer_authorities_points", lang)
    legend = {"polygons": polygons, "lo": lo, "hi": hi}
    return _GeoJsonLayer(feats, name=name, key="authorities"), legend


def _localities_layer(
    result: RunResult, lang: Lang, auth_names: Mapping[int, str]
) -> _GeoJsonLayer:
    loc = result.localities.to_crs(METRIC_CRS)
    assigned: dict[Facility, pd.DataFrame] = {
        fac: res.assignment.set_index("locality_id") for fac, res in result.results.items()
    }
    feats = []
    for _, r in loc.iterrows():
        title, sub = _names(lang, r.get("name"), r.get("name_en"))
        aid = int(r["authority_id"])
        rows = [
            [t("authority", lang), auth_names.get(aid, str(aid))],
            [t("residents", lang), fmt_number(r["residents"])],
            [t("tonnes_per_day", lang), fmt_number(r["tonnes_per_day"], 1)],
            [t("trucks", lang), fmt_number(r["trucks"], 1)],
        ]
        for fac, a in assigned.items():
            if r["id"] in a.index:
                row = a.loc[r["id"]]
                rows.append(
                    [
                        t(fac.value, lang),
                        t(
                            "assigned_value",
                            lang,
                            site=_text(row["site_id"]),
                            km=fmt_number(row["km"], 1),
                            min=fmt_number(row["minutes"]),
                        ),
                    ]
                )
        style = {
            "radius": _locality_radius(float(r["residents"])),
            "color": "#252525",
            "weight": 1,
            "fillColor": "#525252",
            "fillOpacity": 0.6,
        }
        feats.append(
            _feature(
                _geojson_geometry(r.geometry),
                id=_text(r["id"]),
                style=style,
                tip=_card(title, sub, [[t("residents", lang), fmt_number(r["residents"])]]),
                popup=_card(title, sub, rows),
            )
        )
    return _GeoJsonLayer(feats, name=t("layer_localities", lang), key="localities")


def _candidate_layers(
    result: RunResult, lang: Lang, auth_names: Mapping[int, str]
) -> tuple[list[_GeoJsonLayer], dict[Facility, dict[str, dict[str, Any]]]]:
    """One layer of candidate cells per facility, and each site's popup card."""
    cand = result.candidates.to_crs(METRIC_CRS)
    loc = result.localities
    names = {
        "authority_id": {str(k): v for k, v in auth_names.items()},
        "nearest_locality_id": {
            str(i): _names(lang, n, e)[0]
            for i, n, e in zip(loc["id"], loc["name"], loc.get("name_en", loc["name"]), strict=True)
        },
    }
    geoms = {
        str(i): _geojson_geometry(g, SIMPLIFY_M["candidates"])
        for i, g in zip(cand["id"], cand.geometry, strict=True)
    }
    layers, cards, tr = [], {}, translator(result, lang)
    for fac, res in result.results.items():
        threshold = _threshold(result, fac)
        rk = res.ranking.copy()
        rk["site_id"] = rk["site_id"].astype(str)
        popups = candidate_cards(result, fac, lang, threshold=threshold, names=names, translate=tr)
        # colour by the score of the best plan containing the site (or by its gap from
        # the recommended plan when the objective has no score)
        rk["_colour"] = rk["score"] if rk["score"].notna().any() else -rk["plan_gap"]
        eligible = rk.loc[rk["rank"].notna(), "_colour"].astype(float)
        lo = float(eligible.min()) if len(eligible) else 0.0
        hi = float(eligible.max()) if len(eligible) else 1.0
        feats, fac_cards = [], {}
        for r in rk.to_dict("records"):
            sid = r["site_id"]
            card, tip = popups[sid]
            if bool(r["excluded"]) or _missing(r.get("rank")):
                fill, opacity = EXCLUDED_GREY, 0.35
            else:
                fill = _ramp(_norm(float(r["_colour"]), lo, hi), SCORE_STOPS)
                opacity = 0.6
            fac_cards[sid] = card
            feats.append(
                _feature(
                    geoms[sid],
                    id=sid,
                    style={
                        "color": "#636363",
                        "weight": 0.4,
                        "fillColor": fill,
                        "fillOpacity": opacity,
                    },
                    tip=tip,
                    popup=card,
                )
            )
        cards[fac] = fac_cards
        name = f"{t('layer_candidates', lang)}: {t(fac.value, lang)}"
        layers.append(
            _GeoJsonLayer(
                feats,
                name=name,
                key=f"candidates:{fac.value}",
                show=fac is next(iter(result.results)),
            )
        )
    return layers, cards


def _site_points(result: RunResult) -> dict[str, Any]:
    """Each candidate's point in EPSG:2039: the same point the cost model measured from."""
    xy = metric_points(result.candidates, "candidates")
    pts = shapely.points(xy)
    return dict(zip(result.candidates["id"].astype(str), pts, strict=True))


def _chosen_layers(
    result: RunResult, lang: Lang, cards: Mapping[Facility, Mapping[str, dict[str, Any]]]
) -> list[_GeoJsonLayer]:
    pts = _site_points(result)
    layers = []
    for fac, res in result.results.items():
        feats = []
        for sid in res.chosen:
            label = f"{t(fac.value, lang)} · {t('site', lang)} {sid}"
            feats.append(
                _feature(
                    _geojson_geometry(pts[str(sid)]),
                    id=str(sid),
                    icon=_icon(fac, str(sid), label),
                    tip=_card(label),
                    popup=cards[fac][str(sid)],
                )
            )
        name = f"{t('layer_chosen', lang)}: {t(fac.value, lang)}"
        layers.append(_GeoJsonLayer(feats, name=name, key=f"chosen:{fac.value}"))
    return layers


def _assignment_layers(
    result: RunResult, lang: Lang, routes: gpd.GeoDataFrame | None
) -> list[_GeoJsonLayer]:
    pts = _site_points(result)
    loc = result.localities.to_crs(METRIC_CRS)
    loc_pt = dict(zip(loc["id"].astype(str), loc.geometry, strict=True))
    loc_name = {
        str(i): _names(lang, n, e)[0]
        for i, n, e in zip(loc["id"], loc["name"], loc.get("name_en", loc["name"]), strict=True)
    }
    layers = []
    for fac, res in result.results.items():
        lookup = route_lookup(routes, fac.value)
        feats = []
        for _, a in res.assignment.iterrows():
            lid, sid = str(a["locality_id"]), str(a["site_id"])
            geom = lookup.get((lid, sid))
            if geom is None:
                geom = shapely.LineString([loc_pt[lid], pts[sid]])
                simplify = 0.0
            else:
                simplify = SIMPLIFY_M["routes"]
            text = f"{loc_name.get(lid, lid)} → {sid}"
            value = t(
                "assigned_value",
                lang,
                site=sid,
                km=fmt_number(a["km"], 1),
                min=fmt_number(a["minutes"]),
            )
            feats.append(
                _feature(
                    _geojson_geometry(geom, simplify),
                    id=f"{lid}>{sid}",
                    style={"color": spec(fac).colour, "weight": 1.6, "opacity": 0.65},
                    tip=_card(text, value),
                )
            )
        kind = t("layer_routes" if lookup else "layer_straight", lang)
        name = f"{t('layer_assignments', lang)}: {t(fac.value, lang)} ({kind})"
        first = fac is next(iter(result.results))
        layers.append(_GeoJsonLayer(feats, name=name, key=f"assignments:{fac.value}", show=first))
    return layers


def _coverage_layers(
    result: RunResult, lang: Lang, isochrones: gpd.GeoDataFrame | None
) -> list[_GeoJsonLayer]:
    pts = _site_points(result)
    layers = []
    for fac, res in result.results.items():
        threshold = _threshold(result, fac)
        feats = []
        iso = None
        if isochrones is not None and len(isochrones):
            iso = isochrones.to_crs(METRIC_CRS)
            if "facility" in iso.columns:
                iso = iso[iso["facility"].astype(str) == fac.value]
            iso = iso[iso["site_id"].astype(str).isin([str(s) for s in res.chosen])]
            if "minutes" in iso.columns:
                iso = iso[np.isclose(iso["minutes"].astype(float), threshold)]
            if len(iso) == 0:
                iso = None
        radius = coverage_radius_km(result, threshold)
        colour = spec(fac).colour
        if iso is not None:
            label = t("legend_coverage_iso", lang, t=fmt_number(threshold))
            for _, z in iso.iterrows():
                sid = str(z["site_id"])
                feats.append(
                    _feature(
                        _geojson_geometry(z.geometry, SIMPLIFY_M["zones"]),
                        id=sid,
                        style={
                            "color": colour,
                            "weight": 2,
                            "fillColor": colour,
                            "fillOpacity": 0.07,
                        },
                        tip=_card(t("coverage_zone", lang, site=sid), label),
                    )
                )
        elif radius is not None:
            label = t("legend_coverage_buffer", lang, t=fmt_number(threshold))
            for sid in res.chosen:
                circle = pts[str(sid)].buffer(radius * 1000.0, quad_segs=32)
                feats.append(
                    _feature(
                        _geojson_geometry(circle),
                        id=str(sid),
                        style={
                            "color": colour,
                            "weight": 2,
                            "dashArray": "6 5",
                            "fillColor": colour,
                            "fillOpacity": 0.05,
                        },
                        tip=_card(
                            t("coverage_zone", lang, site=str(sid)),
                            f"{label}: {fmt_number(radius, 1)} {t('km', lang)}",
                        ),
                    )
                )
        else:
            continue
        short = t(
            "coverage_short_iso" if iso is not None else "coverage_short",
            lang,
            t=fmt_number(threshold),
        )
        name = f"{t('layer_coverage', lang)}: {t(fac.value, lang)} ({short})"
        layers.append(_GeoJsonLayer(feats, name=name, key=f"coverage:{fac.value}", show=False))
    return layers


def _exclusions_layer(result: RunResult, lang: Lang) -> _GeoJsonLayer | None:
    ex = result.scenario.exclusions
    if ex is None or len(ex) == 0:
        return None
    ex = ex.to_crs(METRIC_CRS).assign(_drawn=False)
    if "osm_tag" in ex.columns:  # OSM land use: thousands of areas, one feature per rule
        osm = ex["osm_tag"].fillna("").astype(str) != ""
        zones = ex[osm].set_geometry(ex[osm].buffer(ex.loc[osm, "buffer_m"].astype(float)))
        zones = zones.dissolve("kind", aggfunc={"buffer_m": "max"}, as_index=False)
        ex = pd.concat([ex[~osm], zones.assign(_drawn=True)], ignore_index=True)
    feats = []
    for i, (_, z) in enumerate(ex.iterrows()):
        buffer_m = float(z.get("buffer_m", 0.0) or 0.0)
        geom = z.geometry.buffer(buffer_m) if buffer_m > 0 and not z["_drawn"] else z.geometry
        kind = _text(z.get("kind"))
        feats.append(
            _feature(
                _geojson_geometry(geom, SIMPLIFY_M["zones"]),
                id=str(i),
                style={
                    "color": "#67001f",
                    "weight": 1.5,
                    "dashArray": "4 3",
                    "fillColor": "#d6604d",
                    "fillOpacity": 0.25,
                },
                tip=_card(kind or t("exclusion", lang)),
                popup=_card(
                    kind or t("exclusion", lang),
                    t("exclusion", lang),
                    [[t("buffer_m", lang), fmt_number(buffer_m)]],
                ),
            )
        )
    return _GeoJsonLayer(feats, name=t("layer_exclusions", lang), key="exclusions")


# -------------------------------------------------------------------------- public
def build_map(
    result: RunResult,
    *,
    lang: Lang | str = Lang.EN,
    routes: gpd.GeoDataFrame | None = None,
    isochrones: gpd.GeoDataFrame | None = None,
    date: str | None = None,
    self_contained: bool | None = None,
) -> folium.Map:
    """Build the committee map of a run.

    Parameters
    ----------
    result : RunResult
        From :func:`siting.decide.run`.
    lang : {"en", "he"}
        Language of every label and popup; ``"he"`` lays the page out right to left.
    routes : GeoDataFrame, optional
        Road routes of the assignments: LineStrings with ``locality_id``,
        ``site_id`` and optionally ``facility``; pairs without a route are drawn
        as straight lines.  Defaults to ``result.routes`` when the run has one.
    isochrones : GeoDataFrame, optional
        Drive-time polygons with ``site_id``, ``minutes`` and optionally
        ``facility``; those at a facility's coverage threshold replace the
        approximate crow-fly circles.  Defaults to ``result.isochrones``.
    date : str, optional
        Date printed in the title block (default: :func:`run_date`).
    self_contained : bool, optional
        Inline Leaflet so the page needs no network (``True``: required, raises when the
        assets cannot be had); link it from the CDN (``False``); default ``None``: inline
        whenever the assets can be had (see :mod:`siting.present.assets`).

    Returns
    -------
    folium.Map
        Render it with :func:`map_html` (or ``m.save(path)``) or display it in a notebook.
    """
    inline = resolve_self_contained(self_contained)
    lang = Lang.parse(lang)
    routes = routes if routes is not None else getattr(result, "routes", None)
    isochrones = isochrones if isochrones is not None else getattr(result, "isochrones", None)
    date = date or run_date()
    rtl = lang is Lang.HE

    m = folium.Map(
        location=[0, 0],
        zoom_start=11,
        tiles="OpenStreetMap",
        control_scale=False,
        zoom_control="topright" if rtl else "topleft",
    )
    fig: Any = m.get_root()  # a branca Figure
    fig._template = _PAGE_TEMPLATE
    fig.siting_lang = lang.value
    fig.siting_dir = lang.dir
    fig.title = _e(f"{result.region.name} — {result.scenario.name}")
    fig.header.add_child(Element(_CSS), name="siting_css")
    fig.header.add_child(Element(_JS_HELPERS % {"dir": _js(lang.dir)}), name="siting_js")

    auth_names = _authority_names(result, lang)
    auth_layer, auth_legend = _authorities_layer(result, lang)
    land_layer = _land_layer(result, lang, _allowed_land(result), SIMPLIFY_M["authorities"])
    auth_legend["land"] = land_layer is not None
    cand_layers, cards = _candidate_layers(result, lang, auth_names)
    layers: list[_GeoJsonLayer] = [*([land_layer] if land_layer else []), auth_layer, *cand_layers]
    layers += _coverage_layers(result, lang, isochrones)
    excl = _exclusions_layer(result, lang)
    if excl is not None:
        layers.append(excl)
    layers += _assignment_layers(result, lang, routes)
    layers.append(_localities_layer(result, lang, auth_names))
    names_layer = _names_layer(result, lang)
    if names_layer is not None:
        layers.append(names_layer)
    layers += _chosen_layers(result, lang, cards)
    for layer in layers:
        layer.add_to(m)

    fs = Fullscreen(
        position="topright" if rtl else "topleft",
        title=t("fullscreen", lang),
        title_cancel=t("fullscreen_exit", lang),
    )
    fs.add_to(m)
    _use_assets(m, [fs], lang, inline=inline)  # only Leaflet: no jQuery/Bootstrap/Font Awesome
    _Controls(layers, lang).add_to(m)
    panel = weights_panel(result, lang)
    if panel is not None:  # sliders that re-score the plans in the page
        fig.html.add_child(Element(panel[0]), name="siting_weights")
        WeightsScript(panel[1]).add_to(m)

    fig.html.add_child(Element(_title_block(result, lang, date)), name="siting_title")
    fig.html.add_child(
        Element(_legend(result, lang, auth_legend, excl is not None)), name="siting_legend"
    )
    meta = {
        "scenario": result.scenario.name,
        "lang": lang.value,
        "cost_model": result.costs.model,
        "approximate": bool(result.costs.approximate),
        "self_contained": inline,
        "chosen": {f.value: [str(c) for c in r.chosen] for f, r in result.results.items()},
        "layers": {layer.key: layer.n_features for layer in layers},
    }
    fig.header.add_child(
        Element(f'<meta name="siting-meta" content="{_e(json.dumps(meta, ensure_ascii=True))}">'),
        name="siting_meta",
    )

    b = _bounds(result)
    m.fit_bounds([[b[1], b[0]], [b[3], b[2]]])
    m.location = [(b[1] + b[3]) / 2, (b[0] + b[2]) / 2]
    _number_ids(fig)
    return m


def _allowed_land(result: RunResult) -> set[int]:
    """Ids of the neighbours whose land the run's scenario allows (``allow_land_of``)."""
    from siting.candidates import region_land, resolve_land

    keys = list(result.region.extra.get("allow_land_of", ()))
    keys += list(getattr(result.scenario.search, "allow_land_of", ()))
    return set(resolve_land(keys, region_land(result.region)[0])) if keys else set()


def _bounds(result: RunResult) -> np.ndarray:
    frames = [result.localities.to_crs(WGS84), result.candidates.to_crs(WGS84)]
    b = np.vstack([f.total_bounds for f in frames])
    return np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])


def map_html(
    result: RunResult,
    *,
    lang: Lang | str = Lang.EN,
    self_contained: bool | None = None,
    routes: gpd.GeoDataFrame | None = None,
    isochrones: gpd.GeoDataFrame | None = None,
    date: str | None = None,
) -> str:
    """The map as one HTML page.

    Parameters
    ----------
    result, lang, routes, isochrones, date
        As for :func:`build_map`.
    self_contained : bool, optional
        Inline Leaflet and the fullscreen plugin (fetched once from the npm registry and
        cached, see :mod:`siting.present.assets`) so the page makes no request except for
        basemap tiles: ``True`` requires it, ``False`` links the jsDelivr CDN, the default
        ``None`` inlines whenever the assets can be had.

    Raises
    ------
    SitingError
        With ``self_contained`` when the assets can be neither found in the cache
        nor downloaded and verified.
    """
    inline = resolve_self_contained(self_contained)
    page = build_map(
        result, lang=lang, routes=routes, isochrones=isochrones, date=date, self_contained=inline
    )
    text = page.get_root().render()
    if inline:
        check_self_contained(text)
    return text
