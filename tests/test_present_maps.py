"""The committee map without a browser: layers, escaping, languages, determinism, size, assets."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import shutil

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

import siting.present.assets as assets_mod
from siting.decide import default_scenario, run
from siting.errors import SitingError
from siting.layers import Facility
from siting.present.assets import ASSETS, PACKAGES, asset_cache_dir, fetch_package
from siting.present.i18n import column_label
from siting.present.maps import (
    build_map,
    coverage_radius_km,
    map_html,
    map_layer_counts,
    map_layers,
)
from siting.sources.embedded import default_region

IN_CI = os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}
MAX_MAP_BYTES = 5 * 1024 * 1024
DATE = "2026-01-01"


@pytest.fixture(scope="module")
def result():
    return run(default_scenario())


@pytest.fixture(scope="module")
def hostile():
    """Script payloads in a locality's names, an authority's names, the scenario and region."""
    region = default_region()
    loc = region.localities.copy()
    loc.loc[loc.index[0], "name"] = "<script>alert(1)</script>"
    loc.loc[loc.index[0], "name_en"] = '<img src=x onerror="alert(2)">'
    auth = region.authorities.copy()
    auth.loc[auth.index[0], "name_he"] = "<b onmouseover=alert(3)>x</b>"
    region = dataclasses.replace(region, localities=loc, authorities=auth, name="<i>r</i>&amp;")
    return run(default_scenario(region=region, name="</script><script>alert(4)</script>"))


@pytest.fixture(scope="module")
def have_assets() -> None:
    try:
        for pkg in PACKAGES:
            fetch_package(pkg)
    except SitingError as err:
        if IN_CI:
            pytest.fail(f"npm assets unavailable in CI: {err}", pytrace=False)
        pytest.skip(f"npm assets unavailable (offline?): {err}")


def _card_rows(layer: dict, card: dict) -> list[list[str]]:
    """Every row of a card (headline, what decides, details), labels resolved."""
    rows = list(card.get("r", []))
    rows += card.get("k", {}).get("r", [])
    for group in card.get("d", {}).get("g", []):
        rows += group["r"]
    return [[layer["labels"][k] if isinstance(k, int) else k, v] for k, v in rows]


def _cards(layer: dict) -> list[str]:
    """All texts of a layer's cards, labels resolved."""
    out = []
    for f in layer["features"]:
        for key in ("tip", "popup"):
            card = f["properties"].get(key)
            if not card:
                continue
            out += [card.get("t", ""), card.get("s", ""), card.get("n", "")]
            out += [x for row in _card_rows(layer, card) for x in row]
    return out


def expected_counts(result) -> dict[str, int]:
    region = getattr(result, "region", None) or result.scenario.region
    out = {"authorities": len(region.authorities), "localities": len(result.localities)}
    out["authority_names"] = len(region.authorities)
    land = region.extra.get("jurisdictions")
    if land is not None:  # other land, grey: every jurisdiction not in the region but the sea,
        others = ~land["id"].isin(region.authorities["id"]) & (land["kind"] != "sea")
        out["land"] = int(others.sum()) + 1  # + land outside Israeli jurisdiction (Green Line)
    for fac, res in result.results.items():
        out[f"candidates:{fac.value}"] = len(result.candidates)
        out[f"chosen:{fac.value}"] = len(res.chosen)
        out[f"assignments:{fac.value}"] = len(res.assignment)
        out[f"coverage:{fac.value}"] = len(res.chosen)
    return out


def test_layers_hold_every_feature(result):
    m = build_map(result, date=DATE)
    assert map_layer_counts(m) == expected_counts(result)
    layers = map_layers(m)
    # one assignment line per member locality and facility, from the locality to its site
    ws = result.results[Facility.WASTE_STATION]
    lines = layers["assignments:waste_station"]["features"]
    assert {f["properties"]["id"] for f in lines} == {
        f"{a}>{b}"
        for a, b in zip(ws.assignment["locality_id"], ws.assignment["site_id"], strict=True)
    }
    assert all(f["geometry"]["type"] == "LineString" for f in lines)
    assert all(len(f["geometry"]["coordinates"]) == 2 for f in lines)  # straight: no routes
    # excluded candidates grey with their reason; the others coloured by score
    cand = layers["candidates:waste_station"]["features"]
    excluded = set(ws.ranking.loc[ws.ranking["excluded"], "site_id"].astype(str))
    for f in cand:
        grey = f["properties"]["style"]["fillColor"] == "#9e9e9e"
        assert grey == (f["properties"]["id"] in excluded)
    reason = ws.ranking.loc[ws.ranking["excluded"], "exclusion_reason"].iloc[0]
    assert reason in _cards(layers["candidates:waste_station"])
    # authorities are the embedded jurisdiction polygons, named on the map
    assert {f["geometry"]["type"] for f in layers["authorities"]["features"]} <= {
        "Polygon",
        "MultiPolygon",
    }
    assert "boundaries not embedded" not in m.get_root().render()
    labels = {f["properties"]["label"] for f in layers["authority_names"]["features"]}
    assert labels == set(result.region.authorities["name_en"])
    # non-member land is drawn, and says it is not searched
    land = {f["properties"]["id"]: f["properties"]["tip"] for f in layers["land"]["features"]}
    assert land["land:13"] == {"t": "Megiddo", "s": "not a member: not searched"}
    assert land["land:-9939"]["s"] == "no municipal jurisdiction: not searched"
    assert land["land:outside"]["t"] == "Outside Israeli jurisdiction"


def _popup(layer: dict, site_id: str) -> dict:
    return next(f for f in layer["features"] if f["properties"]["id"] == site_id)["properties"][
        "popup"
    ]


def _signed(x: float, digits: int = 0) -> str:
    text = f"{abs(x):,.{digits}f}"
    if text == f"{0:,.{digits}f}":
        return "±" + text
    return ("+" if x > 0 else "\u2212") + text


def test_popup_headline_is_short_and_details_carry_every_criterion(result):
    layers = map_layers(build_map(result, date=DATE))
    layer = layers["candidates:waste_station"]
    ws = result.results[Facility.WASTE_STATION]
    rk = ws.ranking.set_index("site_id")
    best = rk.loc[rk["rank"] == 1].iloc[0]
    card = _popup(layer, best.name)
    head = {layer["labels"][k]: v for k, v in card["r"]}
    assert card["t"] == f"site {best.name} — rank 1"
    assert len(card["r"]) + len(card["k"]["r"]) <= 8  # the rest is behind the toggle
    assert head["Rank"] == f"1 of {int(rk['rank'].notna().sum())}"
    assert head["Score"] == f"{best['score']:.1f}"
    # the recommended plan's own cost: the run's figure (the title block's)
    assert head["Total haul cost, ILS/yr"] == f"{ws.extra['total_cost_ils_per_year']:,.0f}"
    # what decides the recommended plan: its three largest weighted contributions
    contrib = {c: best[c] for c in rk.columns if c.startswith("contrib_")}
    top = sorted(contrib, key=lambda c: -contrib[c])[:3]
    assert card["k"]["c"] == "Largest parts of the score (points of 100)"
    decide = [[layer["labels"][k], v] for k, v in card["k"]["r"]]
    assert [v for _, v in decide] == [f"{contrib[c]:.1f} points" for c in top]
    assert decide[0][0] == "cost"
    # details: every criterion, the plan's figures and the site's own
    rows = dict(_card_rows(layer, card))
    assert card["d"]["s"] == f"All figures ({sum(len(g['r']) for g in card['d']['g'])})"
    n_contrib = sum(1 for k in rows if k.startswith("Contribution: "))
    assert n_contrib == sum(1 for c in contrib if np.isfinite(contrib[c]))
    assert rows["Saving vs today, ILS/yr"] == f"{best['saving_ils_per_year']:,.0f}"
    key = "Share of weight draws with this site in the optimal plan"
    assert rows[key] == f"{100 * best['p_in_plan']:.0f}%"
    # residents within the threshold, recomputed from the localities and the cost matrix
    col = list(result.costs.destination_ids).index(best.name)
    within = result.localities["residents"].to_numpy()[result.costs.minutes[:, col] <= 30].sum()
    assert rows["Residents within 30 min"] == f"{within:,.0f}"

    # a site that is not chosen: its plan's cost against the recommended plan, and the
    # criteria with the largest score difference from it
    second = rk.loc[rk["rank"] == 2].iloc[0]
    card = _popup(layer, second.name)
    head = {layer["labels"][k]: v for k, v in card["r"]}
    gap = second["total_cost_ils_per_year"] - ws.extra["total_cost_ils_per_year"]
    assert head["Cost vs the recommended plan, ILS/yr"] == _signed(gap)
    delta = {c: second[c] - best[c] for c in contrib}
    top = [c for c in sorted(delta, key=lambda c: -abs(delta[c])) if abs(delta[c]) >= 0.05][:3]
    assert card["k"]["c"] == "What decides: score points against the recommended plan"
    decide = [[layer["labels"][k], v] for k, v in card["k"]["r"]]
    assert decide == [
        [column_label(c.removeprefix("contrib_"), "en"), f"{_signed(delta[c], 1)} points"]
        for c in top
    ]


def test_popup_figures_are_those_of_the_plan_shown(result):
    """A truck lot's card shows the figures of the best plan containing it (two lots), not of
    the site alone, recomputed here from the cost matrix and the localities' trucks."""
    layer = map_layers(build_map(result, date=DATE))["candidates:truck_lot"]
    tl = result.results[Facility.TRUCK_LOT]
    rk = tl.ranking[tl.ranking["rank"].notna() & ~tl.ranking["chosen"].astype(bool)]
    row = rk.sort_values("rank").iloc[4]
    sites = row["plan_sites"].split("+")
    assert len(sites) == 2
    card = _popup(layer, row["site_id"])
    head = {layer["labels"][k]: v for k, v in card["r"]}
    assert head["Plan"] == " + ".join(sites)
    # localities go to the plan's site of least weighted pair cost (the ranking's rule)
    ids = [str(s) for s in tl.problem.site_ids]
    cols = sorted(ids.index(s) for s in sites)
    pick = np.asarray(cols)[np.argmin(tl.model.pair_cost()[:, cols], axis=1)]
    km = np.asarray(result.costs.km)[
        :, [list(result.costs.destination_ids).index(ids[c]) for c in pick]
    ]
    trucks = result.localities["trucks"].to_numpy(dtype=float)
    truck_km = float(trucks @ np.diag(km))
    rows = dict(_card_rows(layer, card))
    assert rows["Driver access, truck-km/day"] == f"{truck_km:,.0f}"
    assert rows["Mean driver distance, km"] == f"{truck_km / trucks.sum():.3g}"
    chosen_km = tl.extra["truck_km_per_day"]
    assert head["Driver travel vs the recommended plan, truck-km/day"] == _signed(
        truck_km - chosen_km
    )
    # the site alone would drive further: that figure is not what the card shows
    assert f"{row['truck_km_per_day']:,.0f}" != rows["Driver access, truck-km/day"]
    minutes = np.asarray(result.costs.minutes)[
        :, [list(result.costs.destination_ids).index(s) for s in sites]
    ]
    near = minutes.min(axis=1) <= 20
    assert rows["Residents within 20 min"] == f"{result.localities['residents'][near].sum():,.0f}"
    assert card["d"]["g"][0]["c"] == f"The plan {' + '.join(sites)}"


def test_data_text_is_escaped(hostile):
    page = map_html(hostile, date=DATE)
    for raw in (
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(2)">',
        "<b onmouseover=alert(3)>",
        "</script><script>alert(4)",
        "<i>r</i>",
    ):
        assert raw not in page
    # static panels: HTML entities; feature data: JSON with <, >, & as \u escapes
    assert "&lt;/script&gt;&lt;script&gt;alert(4)&lt;/script&gt;" in page
    assert "&lt;i&gt;r&lt;/i&gt;&amp;amp;" in page
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in page
    # and the texts arrive intact in the cards (rendered with textContent)
    layers = map_layers(build_map(hostile, date=DATE))
    texts = _cards(layers["localities"])
    assert "<script>alert(1)</script>" in texts
    assert '<img src=x onerror="alert(2)">' in texts
    # the DOM is built with textContent only, never innerHTML
    assert "innerHTML" not in page.split("function sitingCard", 1)[1].split("</script>", 1)[0]


def test_hebrew_is_right_to_left_with_hebrew_names(result):
    he = map_html(result, lang="he", date=DATE)
    en = map_html(result, lang="en", date=DATE)
    assert '<html lang="he" dir="rtl">' in he
    assert '<html lang="en" dir="ltr">' in en
    for label in ("אתרים מועמדים", "מקרא", "יישובים (ביקוש)", "מקורות נתונים", "תחנת מיון פסולת"):
        assert label in he
        assert label not in en
    assert "Candidate sites: Waste" in en
    assert "Candidate sites: Waste" not in he
    # the cost model's line is in the map's language, with the run's own parameters
    p = result.scenario.cost_model.params
    assert f"מרחק אווירי × מקדם עקמומיות {p.circuity:g} במהירות {p.speed_kmh:g} קמ״ש" in he
    assert f"crow-fly distance × circuity {p.circuity:g} at {p.speed_kmh:g} km/h" in en
    loc = result.localities.iloc[0]
    he_titles = _cards(map_layers(build_map(result, lang="he", date=DATE))["localities"])
    en_titles = _cards(map_layers(build_map(result, lang="en", date=DATE))["localities"])
    assert loc["name"] in he_titles
    assert loc["name_en"] not in he_titles
    assert loc["name_en"] in en_titles  # English name first, the Hebrew one beside it
    region = getattr(result, "region", None) or result.scenario.region
    a = region.authorities.iloc[0]
    assert a["name_he"] in _cards(map_layers(build_map(result, lang="he"))["authorities"])
    assert a["name_en"] in _cards(map_layers(build_map(result, lang="en"))["authorities"])
    with pytest.raises(ValueError, match="valid: en, he"):
        build_map(result, lang="fr")


def test_html_is_deterministic(result):
    again = run(default_scenario())
    a = map_html(result, lang="he", date=DATE)
    b = map_html(again, lang="he", date=DATE)
    assert a == b
    ids = re.findall(r"\b(?:map|siting_layer|tile_layer)_([0-9a-f]+)\b", a)
    assert ids
    assert all(re.fullmatch(r"\d{5}", i) for i in ids)


def test_date_comes_from_source_date_epoch(result, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    assert "2026-01-01" in map_html(result)


def test_size_and_coordinates(result):
    page = map_html(result, lang="he", date=DATE)
    assert len(page.encode("utf-8")) <= MAX_MAP_BYTES - 300_000  # room for inlined Leaflet
    coords = re.findall(r"-?\d+\.\d+(?=[,\]])", page.split("sitingGeoJson(", 2)[2][:20000])
    assert coords
    assert max(len(c.split(".")[1]) for c in coords) <= 6


def test_cdn_links_are_pinned_when_not_self_contained(result):
    page = map_html(result, date=DATE, self_contained=False)
    links = re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', page)
    assert sorted(links) == sorted(a.cdn_url for a in ASSETS.values())
    assert "jquery" not in page
    assert "bootstrap" not in page
    assert "font-awesome" not in page


def test_self_contained_has_no_external_reference(result, have_assets):
    page = map_html(result, lang="he", self_contained=True, date=DATE)
    assert len(page.encode("utf-8")) <= MAX_MAP_BYTES
    assert not re.search(r"<script[^>]*\bsrc\s*=", page)
    assert not re.search(r"<link[^>]*\bhref\s*=", page)
    assert "cdn.jsdelivr" not in page
    assert "Leaflet 1.9.3" in page  # the library's own banner
    assert "L.Control.FullScreen" in page or "fullscreen" in page.lower()
    assert 'url("data:image/png;base64,' in page  # Leaflet's layer-control icons inlined
    # nothing else that a browser would fetch: no CSS url(http…), no @import
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", page)
    assert "@import" not in page


def test_assets_unavailable_is_a_clear_error(result, tmp_path, monkeypatch):
    monkeypatch.setenv("SITING_ASSETS_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("SITING_NPM_REGISTRY", "http://127.0.0.1:9")
    with pytest.raises(SitingError, match=r"cannot download leaflet@1\.9\.3.*npm pack"):
        map_html(result, self_contained=True)


def test_tampered_cache_is_refused(result, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "leaflet-1.9.3.tgz").write_bytes(b"not the tarball")
    monkeypatch.setenv("SITING_ASSETS_DIR", str(cache))
    monkeypatch.setenv("SITING_NPM_REGISTRY", "http://127.0.0.1:9")
    with pytest.raises(SitingError, match="failed verification"):
        map_html(result, self_contained=True)


def test_default_inlines_when_cached_else_links_with_a_notice(result, have_assets, monkeypatch):
    assert "<script src=" not in map_html(result, date=DATE)  # the cache has the assets
    monkeypatch.setenv("SITING_ASSETS_DIR", "/nonexistent/siting-assets")
    monkeypatch.setenv("SITING_NPM_REGISTRY", "http://127.0.0.1:9")
    monkeypatch.setattr(assets_mod, "_TARBALLS", {})
    page = map_html(result, lang="he", date=DATE)
    assert ASSETS["leaflet"].cdn_url in page
    notice = re.search(r'<div id="siting-no-leaflet"[^>]*hidden>(.*?)</div>', page, re.S)
    assert notice is not None
    assert "siting run --self-contained" in notice.group(1)
    assert "המפה" in notice.group(1)  # in the reader's language
    # build_map takes the same option: a notebook map can be self-contained too
    with pytest.raises(SitingError, match="cannot download"):
        build_map(result, self_contained=True)


def test_cache_dir_works_offline(result, tmp_path, monkeypatch, have_assets):
    cache = tmp_path / "cache"
    cache.mkdir()
    for pkg in PACKAGES:
        shutil.copy(asset_cache_dir() / pkg.filename, cache / pkg.filename)
    monkeypatch.setenv("SITING_ASSETS_DIR", str(cache))
    monkeypatch.setenv("SITING_NPM_REGISTRY", "http://127.0.0.1:9")
    monkeypatch.setattr(assets_mod, "_TARBALLS", {})
    assert "Leaflet 1.9.3" in map_html(result, self_contained=True)


def test_coverage_circles_use_the_cost_model(result):
    p = result.scenario.cost_model.params
    assert coverage_radius_km(result, 30) == pytest.approx(30 * p.speed_kmh / 60 / p.circuity)
    layers = map_layers(build_map(result, date=DATE))
    ring = layers["coverage:waste_station"]["features"][0]["geometry"]["coordinates"][0]
    site = layers["chosen:waste_station"]["features"][0]["geometry"]["coordinates"]
    # radius in km on the ground, measured in EPSG:2039
    pts = gpd.GeoSeries([Point(site), *[Point(c) for c in ring[:8]]], crs=4326).to_crs(2039)
    radii = [pts.iloc[0].distance(q) / 1000 for q in pts.iloc[1:]]
    assert radii == pytest.approx([coverage_radius_km(result, 30)] * 8, rel=2e-3)


def test_routes_isochrones_and_exclusions_are_drawn(result):
    ws = result.results[Facility.WASTE_STATION]
    a = ws.assignment.iloc[0]
    loc = result.localities.set_index("id").geometry.to_crs(2039).loc[a["locality_id"]]
    site = result.candidates.set_index("id").geometry.to_crs(2039).loc[a["site_id"]].centroid
    bend = Point(loc.x, site.y)
    routes = gpd.GeoDataFrame(
        {
            "facility": ["waste_station"],
            "locality_id": [a["locality_id"]],
            "site_id": [a["site_id"]],
        },
        geometry=[LineString([loc, bend, site])],
        crs=2039,
    )
    iso = gpd.GeoDataFrame(
        {"facility": ["waste_station"], "site_id": [ws.chosen[0]], "minutes": [30.0]},
        geometry=[site.buffer(5000)],
        crs=2039,
    )
    m = build_map(result, routes=routes, isochrones=iso, date=DATE)
    layers = map_layers(m)
    line = next(
        f
        for f in layers["assignments:waste_station"]["features"]
        if f["properties"]["id"] == f"{a['locality_id']}>{a['site_id']}"
    )
    assert len(line["geometry"]["coordinates"]) == 3
    page = m.get_root().render()
    assert "(road routes)" in page
    assert "within 30 min (isochrone)" in _cards(layers["coverage:waste_station"])[1]
    assert "circle: crow-fly" in _cards(layers["coverage:truck_lot"])[1]

    excl = gpd.GeoDataFrame(
        {"kind": ["nature reserve"], "buffer_m": [100.0]},
        geometry=[box(site.x - 500, site.y - 500, site.x + 500, site.y + 500)],
        crs=2039,
    )
    with_excl = dataclasses.replace(
        result, scenario=dataclasses.replace(result.scenario, exclusions=excl)
    )
    layers = map_layers(build_map(with_excl, date=DATE))
    assert len(layers["exclusions"]["features"]) == 1
    assert "nature reserve" in _cards(layers["exclusions"])


def test_meta_tag_summarises_the_map(result):
    page = map_html(result, date=DATE)
    content = re.search(r'<meta name="siting-meta" content="([^"]+)">', page).group(1)
    import html

    meta = json.loads(html.unescape(content))
    assert meta["approximate"] is True
    assert meta["layers"] == expected_counts(result)
    assert meta["chosen"]["waste_station"] == list(result.results[Facility.WASTE_STATION].chosen)
    assert math.isclose(len(meta["chosen"]["truck_lot"]), result.scenario.truck.n_lots)


def test_polygon_authorities_are_drawn_as_boundaries(result):
    region = getattr(result, "region", None) or result.scenario.region
    auth = region.authorities.to_crs(2039)
    auth = auth.set_geometry(auth.buffer(1500, quad_segs=64)).to_crs(4326)
    poly = dataclasses.replace(region, authorities=auth)
    changed = (
        dataclasses.replace(result, region=poly)
        if getattr(result, "region", None) is not None
        else dataclasses.replace(result, scenario=dataclasses.replace(result.scenario, region=poly))
    )
    m = build_map(changed, date=DATE)
    feats = map_layers(m)["authorities"]["features"]
    assert len(feats) == len(auth)
    assert {f["geometry"]["type"] for f in feats} == {"Polygon"}
    # simplified for display (20 m tolerance) but still close to the real outline
    assert all(len(f["geometry"]["coordinates"][0]) < 257 for f in feats)
    page = m.get_root().render()
    assert "boundaries not embedded" not in page
    members = {str(i) for i in auth.loc[auth["member"], "id"]}
    for f in feats:
        style = f["properties"]["style"]
        assert ("dashArray" in style) == (f["properties"]["id"] not in members)
