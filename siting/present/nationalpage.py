"""``national.html``: every cluster of a sweep over regions on one map, and the national table.

One self-contained page like ``sweep.html`` (no script, no CDN, inline CSS and SVG): it opens
offline.  The map draws each cluster's member land (simplified at
:data:`siting.sweep.engine.OUTLINE_M` m, EPSG:2039 drawn to scale, north up) and its chosen
sites (square: the waste station; circles: truck lots); the table has one row per cluster and
facility with the cluster's own figures (``national.csv``).  English or Hebrew (right to left).
"""

from __future__ import annotations

import html
import math
from typing import Any

import shapely

from siting import __version__
from siting.present.i18n import Lang, fmt_number, t
from siting.present.report import _CSS

__all__ = ["national_page"]

_COLOURS = (
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#1f78b4",
    "#b2df8a",
    "#fb9a99",
    "#cab2d6",
    "#8dd3c7",
)
_WIDTH = 640.0


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _num(v: Any, digits: int = 0) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return "" if math.isnan(f) else fmt_number(f, digits)


def _svg(result: Any, lang: Lang) -> str:
    """The map: member land per cluster and the chosen sites, to scale."""
    sw, nat = result.sweep, result.national
    shapes = {}
    for it in sw.scenarios:
        wkt = result.outlines.get(it.id, "")
        if wkt:
            shapes[it.id] = shapely.from_wkt(wkt)
    if not shapes:
        return ""
    minx, miny, maxx, maxy = shapely.total_bounds(list(shapes.values()))
    pad = 0.02 * max(maxx - minx, maxy - miny)
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    k = _WIDTH / (maxx - minx)
    height = (maxy - miny) * k

    def xy(x: float, y: float) -> str:
        return f"{(x - minx) * k:.1f},{(maxy - y) * k:.1f}"

    def path(geom: Any) -> str:
        rings = []
        for poly in shapely.get_parts(geom):
            for ring in [poly.exterior, *poly.interiors]:
                pts = " L".join(xy(x, y) for x, y in ring.coords)
                rings.append(f"M{pts}Z")
        return " ".join(rings)

    colour = {it.id: _COLOURS[n % len(_COLOURS)] for n, it in enumerate(sw.scenarios)}
    parts = [
        f'<svg width="{_WIDTH:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {_WIDTH:.0f} {height:.0f}" role="img" '
        f'aria-label="{_e(t("national_map", lang))}" style="background:#f4f8fb;direction:ltr">'
    ]
    for it in sw.scenarios:
        if it.id in shapes:
            parts.append(
                f'<path d="{path(shapes[it.id])}" fill="{colour[it.id]}" fill-opacity="0.35" '
                f'stroke="{colour[it.id]}" stroke-width="0.8" fill-rule="evenodd">'
                f"<title>{_e(it.group)}</title></path>"
            )
    for rec in nat.itertuples(index=False):
        places = [p for p in str(rec.plan_places).split(";") if p and p != "nan"]
        for place, site in zip(places, str(rec.plan_sites).split(";"), strict=False):
            x, y = (float(v) for v in place.split())
            cx, cy = ((x - minx) * k, (maxy - y) * k)
            tip = f"<title>{_e(rec.group)} · {_e(t(str(rec.facility), lang))} {_e(site)}</title>"
            if rec.facility == "waste_station":
                parts.append(
                    f'<rect class="station" x="{cx - 4:.1f}" y="{cy - 4:.1f}" width="8" '
                    f'height="8" fill="#111" stroke="#fff" stroke-width="1">{tip}</rect>'
                )
            else:
                parts.append(
                    f'<circle class="lot" cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="#fff" '
                    f'stroke="#111" stroke-width="1.5">{tip}</circle>'
                )
    # scale bar: 20 km (or 10 when the map is small)
    km = 20.0 if (maxx - minx) > 60_000 else 10.0
    bar = km * 1000 * k
    parts.append(
        f'<g font-size="11"><rect x="10" y="{height - 18:.0f}" width="{bar:.1f}" height="4" '
        f'fill="#333"/><text x="10" y="{height - 22:.0f}">'
        f"{_e(t('national_scale', lang, km=km))}</text>"
        "</g></svg>"
    )
    legend = "".join(
        f'<li><span style="display:inline-block;width:12px;height:12px;'
        f'background:{colour[it.id]};opacity:.6"></span> {_e(it.group)}</li>'
        for it in sw.scenarios
        if it.id in shapes
    )
    return (
        f'<div style="display:flex;gap:16px;flex-wrap:wrap">{"".join(parts)}'
        f'<ul style="list-style:none;padding:0">{legend}</ul></div>'
    )


def national_page(result: Any, *, lang: Lang | str = "en") -> str:
    """``national.html`` of a :class:`siting.sweep.SweepResult` over several regions."""
    lang = Lang.parse(lang)
    sw, nat = result.sweep, result.national
    from siting.sweep.engine import OUTLINE_M

    n = len({it.group for it in sw.scenarios})
    parts = [
        f"<h1>{_e(t('national_title', lang, name=sw.name))}</h1>",
        f"<p>{_e(t('national_intro', lang, n=n, tol=OUTLINE_M))}</p>",
        f"<h2>{_e(t('national_map', lang))}</h2>",
        _svg(result, lang),
        f"<h2>{_e(t('national_table', lang))}</h2>",
    ]
    heads = [
        "cluster",
        "facility",
        "members",
        "population",
        "tonnes",
        "sites",
        "authority",
        "cost",
        "today",
        "saving",
        "driver",
        "coverage",
        "proven",
        "status",
    ]
    rows = []
    auth_col = "plan_authorities_he" if lang is Lang.HE else "plan_authorities"
    for rec in nat.to_dict("records"):
        station = rec["facility"] == "waste_station"
        amount = rec.get("tonnes_per_year") if station else rec.get("trucks")
        cells = [
            rec["group"],
            t(str(rec["facility"]), lang),
            _num(rec.get("members")),
            _num(rec.get("population")),
            _num(amount),
            str(rec.get("plan_sites", "")).replace(";", ", "),
            str(rec.get(auth_col, "")).replace(";", ", "),
            _num(rec.get("total_cost_ils_per_year")) if station else "",
            _num(rec.get("status_quo_cost_ils_per_year")) if station else "",
            _num(rec.get("saving_ils_per_year")) if station else "",
            "" if station else _num(rec.get("mean_driver_km"), 2),
            _num(100 * float(rec.get("coverage_share", float("nan"))), 1) + " %",
            str(bool(rec.get("proven_optimal"))),
            str(rec.get("status", "")) + (f": {rec['error']}" if rec.get("error") else ""),
        ]
        rows.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{_e(t(f'national_{h}', lang))}</th>" for h in heads)
    parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    parts.append(f"<p>{_e(t('generated_by', lang, version=__version__))}</p>")
    css = _CSS + "body{max-width:1400px}table{font-size:12px}"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang.value}" dir="{lang.dir}">\n'
        f'<head><meta charset="utf-8"><title>{_e(sw.name)}</title><style>{css}</style></head>\n'
        f"<body>{''.join(parts)}</body></html>\n"
    )
