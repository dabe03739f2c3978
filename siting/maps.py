"""Interactive committee map (Folium/Leaflet).

Layers (each toggleable): authorities, localities sized by residents, candidate
cells per facility coloured by score (excluded ones grey, with the reason),
the chosen sites, and a line from each locality to its assigned site.  A
title block names the scenario, the cost model ("APPROXIMATE" when crow-fly)
and the data sources; a legend explains the colours.

Every string that comes from data is HTML-escaped before it reaches the page,
and element ids are numbered deterministically so two runs give the same HTML.
"""

from __future__ import annotations

import html
import itertools
import json
from typing import TYPE_CHECKING, Any

import folium
import numpy as np
from branca.element import Element, MacroElement, Template

from siting.layers import POLYGONAL, WGS84, Facility

if TYPE_CHECKING:
    from siting.scenario import RunResult

__all__ = ["build_map"]

FACILITY_LABEL = {
    Facility.WASTE_STATION: "Waste-sorting station",
    Facility.TRUCK_LOT: "Truck parking lot",
}
FACILITY_COLOUR = {Facility.WASTE_STATION: "#b2182b", Facility.TRUCK_LOT: "#2166ac"}
SCORE_STOPS = [(0.0, "#fff7bc"), (0.5, "#fec44f"), (0.8, "#fe9929"), (1.0, "#cc4c02")]


def _e(value: Any) -> str:
    """HTML-escape any value for display."""
    return html.escape(str(value), quote=True)


def _fmt(value: float, digits: int = 0) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    return f"{value:,.{digits}f}"


def _score_colour(score: float, lo: float) -> str:
    if not np.isfinite(score):
        return "#9e9e9e"
    t = 0.0 if score >= 100 or lo >= 100 else (score - lo) / (100 - lo)
    t = float(np.clip(t, 0, 1))
    for (a, ca), (b, cb) in itertools.pairwise(SCORE_STOPS):
        if t <= b:
            f = (t - a) / (b - a)
            rgb_a = [int(ca[i : i + 2], 16) for i in (1, 3, 5)]
            rgb_b = [int(cb[i : i + 2], 16) for i in (1, 3, 5)]
            mix = [round(x + f * (y - x)) for x, y in zip(rgb_a, rgb_b, strict=True)]
            return "#{:02x}{:02x}{:02x}".format(*mix)
    return SCORE_STOPS[-1][1]


def _number_ids(root: Element) -> None:
    """Give every element a deterministic id (Folium draws random ones)."""
    counter = 0
    stack = [root]
    while stack:
        el = stack.pop(0)
        el._id = f"{counter:05d}"
        counter += 1
        stack.extend(el._children.values())


def _title_block(result: RunResult) -> str:
    s = result.scenario
    cm = result.costs
    lines = [
        f"<b>{_e(s.region.name)}</b> — scenario <code>{_e(s.name)}</code>",
        f"Cost model: {_e(cm.description)}",
    ]
    for fac, res in result.results.items():
        chosen = ", ".join(res.chosen)
        lines.append(
            f"{_e(FACILITY_LABEL[fac])}: <b>{_e(chosen)}</b> — {_fmt(res.objective)} "
            f"{_e(res.objective_unit)} ({_e(res.solver)})"
        )
    warn = "".join(f"<li>{_e(n)}</li>" for n in result.notes)
    src = "".join(f"<li>{_e(x)}</li>" for x in s.region.sources)
    return (
        '<div id="siting-title" style="position:fixed;top:10px;left:50px;z-index:9999;'
        "max-width:520px;background:rgba(255,255,255,.93);padding:8px 10px;border-radius:6px;"
        'box-shadow:0 1px 4px rgba(0,0,0,.4);font:12px/1.35 sans-serif">'
        + "<br>".join(lines)
        + f"<details><summary>Approximations and notes ({len(result.notes)})</summary><ul>{warn}"
        + f"</ul></details><details><summary>Data sources</summary><ul>{src}</ul></details></div>"
    )


def _legend() -> str:
    swatches = "".join(
        f'<span style="display:inline-block;width:14px;height:10px;background:{c}"></span>'
        for _, c in SCORE_STOPS
    )
    fac = "".join(
        f'<div><span style="color:{FACILITY_COLOUR[f]}">&#9632;</span> chosen '
        f"{_e(FACILITY_LABEL[f]).lower()}</div>"
        for f in Facility
    )
    return (
        '<div id="siting-legend" style="position:fixed;bottom:30px;right:10px;z-index:9999;'
        "background:rgba(255,255,255,.93);padding:6px 8px;border-radius:6px;"
        'box-shadow:0 1px 4px rgba(0,0,0,.4);font:12px/1.4 sans-serif">'
        f"<div>candidate score: low {swatches} high</div>"
        '<div><span style="display:inline-block;width:14px;height:10px;background:#9e9e9e">'
        "</span> excluded (reason in tooltip)</div>"
        '<div><span style="color:#555">&#9679;</span> locality, area ∝ residents</div>'
        f"{fac}</div>"
    )


def build_map(result: RunResult) -> folium.Map:
    """Build the committee map of a run.

    Parameters
    ----------
    result : RunResult
        From :func:`siting.scenario.run`.

    Returns
    -------
    folium.Map
        Save it with ``m.save(path)`` or display it in a notebook.
    """
    s = result.scenario
    loc = result.localities.to_crs(WGS84)
    cand = result.candidates.to_crs(WGS84)
    bounds = cand.total_bounds
    m = folium.Map(
        location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2],
        zoom_start=11,
        tiles="OpenStreetMap",
        control_scale=True,
    )
    m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])

    # authorities
    auth = s.region.authorities.to_crs(WGS84)
    fg_auth = folium.FeatureGroup(name="Authorities", show=True)
    tpd = loc.groupby(loc["authority_id"].astype(int))["tonnes_per_day"].sum()
    for _, a in auth.iterrows():
        aid = int(a["id"])
        role = "member" if a["member"] else "neighbour (not a member)"
        tip = (
            f"<b>{_e(a['name_he'])}</b> / {_e(a['name_en'])}<br>{_e(role)}<br>"
            f"residents: {_fmt(a['population'])}<br>"
            f"waste: {_fmt(a['msw_kg_per_capita_day'], 2)} kg/person/day"
            + (f", {_fmt(tpd[aid], 1)} t/day" if aid in tpd.index else "")
        )
        colour = "#1b7837" if a["member"] else "#999999"
        if a.geometry.geom_type in POLYGONAL:
            folium.GeoJson(
                a.geometry.simplify(0.0005).__geo_interface__,
                style_function=lambda _f, c=colour: {"color": c, "weight": 2, "fillOpacity": 0.05},
                tooltip=folium.Tooltip(tip),
            ).add_to(fg_auth)
        else:
            folium.CircleMarker(
                [a.geometry.y, a.geometry.x],
                radius=7,
                color=colour,
                fill=True,
                fill_opacity=0.2,
                weight=3,
                tooltip=folium.Tooltip(tip),
            ).add_to(fg_auth)
    fg_auth.add_to(m)

    # candidate cells, one layer per facility
    for fac, res in result.results.items():
        threshold = (
            s.waste.coverage_threshold_min
            if fac is Facility.WASTE_STATION
            else s.truck.coverage_threshold_min
        )
        rk = res.ranking.set_index("site_id")
        lo = float(np.nanmin(rk["score"])) if rk["score"].notna().any() else 0.0
        feats = []
        for _, c in cand.iterrows():
            r = rk.loc[c["id"]]
            score = float(r["score"]) if np.isfinite(r["score"]) else float("nan")
            if r["excluded"]:
                tip = f"{_e(c['id'])}: excluded — {_e(r['exclusion_reason'])}"
            else:
                main = (
                    f"{_fmt(r['haul_tkm_per_year'])} t·km/yr"
                    if fac is Facility.WASTE_STATION
                    else f"{_fmt(r['truck_km_per_day'])} truck-km/day"
                )
                tip = (
                    f"{_e(c['id'])}: rank {int(r['rank'])}, score {_fmt(score, 1)}<br>{main}<br>"
                    f"{_fmt(100 * r['coverage_share'], 0)}% within {_fmt(threshold)} min"
                )
            feats.append(
                {
                    "type": "Feature",
                    "geometry": c.geometry.__geo_interface__,
                    "properties": {
                        "site_id": _e(c["id"]),
                        "tip": tip,
                        "fill": _score_colour(score, lo),
                    },
                }
            )
        gj = folium.GeoJson(
            {"type": "FeatureCollection", "features": feats},
            name=f"Candidates: {FACILITY_LABEL[fac]}",
            style_function=lambda f: {
                "fillColor": f["properties"]["fill"],
                "color": "#666",
                "weight": 0.3,
                "fillOpacity": 0.55,
            },
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
            show=fac is Facility.WASTE_STATION,
        )
        gj.add_to(m)

    # localities
    fg_loc = folium.FeatureGroup(name="Localities (demand)", show=True)
    for _, r in loc.iterrows():
        radius = 2 + 0.04 * np.sqrt(max(float(r["residents"]), 0.0))
        tip = (
            f"<b>{_e(r['name'])}</b> ({_e(r.get('name_en', ''))})<br>"
            f"residents: {_fmt(r['residents'])}<br>waste: {_fmt(r['tonnes_per_day'], 1)} t/day"
            f"<br>trucks to park: {_fmt(r['trucks'], 1)}"
        )
        folium.CircleMarker(
            [r.geometry.y, r.geometry.x],
            radius=float(radius),
            color="#333",
            weight=1,
            fill=True,
            fill_color="#555",
            fill_opacity=0.6,
            tooltip=folium.Tooltip(tip),
        ).add_to(fg_loc)
    fg_loc.add_to(m)

    # chosen sites and assignment lines
    cxy = result.candidates.set_index("id").geometry.centroid.to_crs(WGS84)
    lxy = loc.set_index("id").geometry
    for fac, res in result.results.items():
        fg = folium.FeatureGroup(name=f"Chosen: {FACILITY_LABEL[fac]}", show=True)
        lines = folium.FeatureGroup(name=f"Assignments: {FACILITY_LABEL[fac]}", show=True)
        rk = res.ranking.set_index("site_id")
        for _, a in res.assignment.iterrows():
            p, q = lxy.loc[a["locality_id"]], cxy.loc[a["site_id"]]
            folium.PolyLine(
                [[p.y, p.x], [q.y, q.x]],
                color=FACILITY_COLOUR[fac],
                weight=1.5,
                opacity=0.6,
                tooltip=folium.Tooltip(
                    f"{_e(a['locality_id'])} → {_e(a['site_id'])}: {_fmt(a['km'], 1)} km, "
                    f"{_fmt(a['minutes'], 0)} min"
                ),
            ).add_to(lines)
        for sid in res.chosen:
            q = cxy.loc[sid]
            r = rk.loc[sid]
            popup = (
                f"<b>{_e(FACILITY_LABEL[fac])}</b><br>site {_e(sid)} — rank {int(r['rank'])}, "
                f"score {_fmt(r['score'], 1)}<br>"
                + (
                    f"{_fmt(r['haul_tkm_per_year'])} t·km/yr, "
                    f"{_fmt(r['haul_cost_ils_per_year'])} ILS/yr"
                    if fac is Facility.WASTE_STATION
                    else f"{_fmt(r['truck_km_per_day'])} truck-km/day"
                )
                + f"<br>{_fmt(100 * r['coverage_share'])}% within threshold; worst authority "
                f"{_fmt(r['worst_authority_minutes'])} min"
            )
            folium.CircleMarker(
                [q.y, q.x],
                radius=11,
                color="#000",
                weight=2,
                fill=True,
                fill_color=FACILITY_COLOUR[fac],
                fill_opacity=0.95,
                popup=folium.Popup(popup, max_width=320),
                tooltip=folium.Tooltip(f"{_e(FACILITY_LABEL[fac])} {_e(sid)}"),
            ).add_to(fg)
        lines.add_to(m)
        fg.add_to(m)

    folium.LayerControl(collapsed=False).add_to(m)
    m.get_root().html.add_child(Element(_title_block(result)))
    m.get_root().html.add_child(Element(_legend()))
    meta = MacroElement()
    meta._template = Template(
        '{% macro header(this, kwargs) %}<meta name="siting-meta" content=\''
        + html.escape(
            json.dumps(
                {
                    "scenario": s.name,
                    "cost_model": result.costs.model,
                    "approximate": result.costs.approximate,
                    "chosen": {f.value: list(r.chosen) for f, r in result.results.items()},
                },
                ensure_ascii=True,
            ),
            quote=True,
        )
        + "'>{% endmacro %}"
    )
    m.get_root().add_child(meta)
    _number_ids(m.get_root())
    return m
