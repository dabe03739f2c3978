"""The committee map in a real browser: Debian chromium, headless, with the network blocked.

Driven with Playwright for Python (``pip install playwright``; no ``playwright install``:
it launches the system ``chromium``).  Every request that is not a ``file:`` URL is
aborted and recorded; only basemap tiles may be among them.  The tests skip with the
reason when chromium, Playwright or the npm assets of a self-contained map are missing,
and fail instead when ``CI=true`` (CI installs chromium in ``.ci/run``).
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from shapely.geometry import box

from siting.decide import default_scenario, run
from siting.errors import SitingError
from siting.present.assets import PACKAGES, fetch_package
from siting.present.maps import map_html
from siting.present.sliders import choose_for_weights
from siting.sources.embedded import default_region

CHROMIUM = os.environ.get("SITING_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
IN_CI = os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}
TILE = re.compile(r"^https://tile\.openstreetmap\.org/\d+/\d+/\d+\.png$")

HOSTILE_LOCALITY = "<script>alert(1)</script>"
HOSTILE_LOCALITY_EN = '<img src=x onerror="window.__pwned=1;alert(2)">'
HOSTILE_AUTHORITY = "<b onmouseover=alert(3)>רשות</b>"
HOSTILE_EXCLUSION = '<img src=z onerror="window.__pwned=5;alert(5)">'
HOSTILE_SCENARIO = "</script><script>window.__pwned=7;alert(7)</script>"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason}, and CI=true: the browser test must run in CI", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright Python package is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        _missing(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def assets() -> None:
    """The npm tarballs a self-contained map inlines (downloaded once, then cached)."""
    try:
        for pkg in PACKAGES:
            fetch_package(pkg)
    except SitingError as err:
        _missing(f"cannot get the map's npm assets: {err}")


@pytest.fixture(scope="module")
def result():
    return run(default_scenario())


@pytest.fixture(scope="module")
def hostile_result():
    """The default scenario with script payloads in every kind of data text."""
    region = default_region()
    loc = region.localities.copy()
    loc.loc[loc.index[0], "name"] = HOSTILE_LOCALITY
    loc.loc[loc.index[0], "name_en"] = HOSTILE_LOCALITY_EN
    auth = region.authorities.copy()
    own = auth.index[auth["id"].astype(int) == int(loc["authority_id"].iloc[0])]
    auth.loc[own, "name_he"] = HOSTILE_AUTHORITY
    auth.loc[own, "name_en"] = HOSTILE_AUTHORITY
    region = dataclasses.replace(region, localities=loc, authorities=auth)
    xy = loc.to_crs(2039).geometry
    cx, cy = float(xy.x.mean()), float(xy.y.mean())
    exclusions = gpd.GeoDataFrame(
        {"kind": [HOSTILE_EXCLUSION], "buffer_m": [200.0]},
        geometry=[box(cx - 700, cy - 700, cx + 700, cy + 700)],
        crs=2039,
    )
    scenario = default_scenario(region=region, exclusions=exclusions, name=HOSTILE_SCENARIO)
    return run(scenario)


def expected_counts(result: Any) -> dict[str, int]:
    """Features each map layer must hold, counted from the run itself."""
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
        out[f"assignments:{fac.value}"] = res.assignment["locality_id"].nunique()
        out[f"coverage:{fac.value}"] = len(res.chosen)  # crow-fly: one circle per chosen site
    if result.scenario.exclusions is not None:
        out["exclusions"] = len(result.scenario.exclusions)
    return out


@dataclasses.dataclass
class Opened:
    page: Any
    errors: list[str]
    blocked: list[str]
    dialogs: list[str]


def open_map(browser: Any, path: Path, viewport: tuple[int, int] = (1280, 860)) -> Opened:
    """Open ``path`` with every non-file request aborted; collect errors and dialogs."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    blocked: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    opened = Opened(page, [], blocked, [])

    def console(msg: Any) -> None:
        if msg.type != "error":
            return
        if TILE.match((msg.location or {}).get("url", "")):
            return  # a basemap tile we blocked
        opened.errors.append(f"console: {msg.text} at {msg.location}")

    page.on("pageerror", lambda err: opened.errors.append(f"pageerror: {err}"))
    page.on("console", console)

    def dialog(d: Any) -> None:
        opened.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.goto(path.as_uri())
    page.wait_for_function("window.siting !== undefined && window.siting.map !== undefined")
    page.wait_for_timeout(300)
    return opened


def test_cdn_map_offline_says_how_to_get_a_self_contained_one(browser, result, tmp_path):
    path = tmp_path / "cdn.html"
    path.write_text(map_html(result, lang="en", self_contained=False), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.route(
        "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
    )
    page = context.new_page()
    page.goto(path.as_uri())
    notice = page.locator("#siting-no-leaflet")
    assert notice.is_visible()
    assert "siting run --self-contained" in notice.inner_text()
    box = notice.bounding_box()
    assert box is not None
    assert box["width"] > 200
    assert box["y"] < 860  # on screen
    context.close()


def layer_counts(page: Any) -> dict[str, int]:
    return page.evaluate(
        "Object.fromEntries(Object.entries(window.siting.layers)"
        ".map(([k, l]) => [k, l.getLayers().length]))"
    )


def open_feature(page: Any, layer: str, feature_id: str, what: str = "popup") -> str:
    """Open the popup (or tooltip) of one feature and return its text."""
    selector = ".leaflet-popup-content" if what == "popup" else ".leaflet-tooltip"
    page.evaluate(
        """([layer, id, what]) => {
            let hit = null;
            window.siting.layers[layer].eachLayer(l => {
                if (l.feature.properties.id === id) { hit = l; }
            });
            const map = window.siting.map;
            if (hit.getLatLng) { map.setView(hit.getLatLng(), 12, {animate: false}); }
            else { map.fitBounds(hit.getBounds(), {animate: false, maxZoom: 13}); }
            if (what === "popup") { hit.openPopup(); } else { hit.openTooltip(); }
        }""",
        [layer, feature_id, what],
    )
    return page.locator(selector).last.inner_text()


def assert_clean(opened: Opened) -> None:
    assert opened.errors == []
    assert opened.dialogs == []
    assert [u for u in opened.blocked if not TILE.match(u)] == []
    assert opened.page.evaluate("window.__pwned") is None


@pytest.mark.parametrize("lang", ["en", "he"])
def test_default_map_offline(browser, assets, result, lang, tmp_path):
    path = tmp_path / f"map_{lang}.html"
    path.write_text(map_html(result, lang=lang), encoding="utf-8")  # the default: no flag
    opened = open_map(browser, path)
    page = opened.page
    assert page.evaluate("window.siting.map instanceof L.Map")
    assert not page.locator("#siting-no-leaflet").count()  # inlined: no fallback notice
    assert page.evaluate("document.documentElement.dir") == ("rtl" if lang == "he" else "ltr")
    assert layer_counts(page) == expected_counts(result)

    # what is drawn: every chosen site has its icon; every shown vector feature its path
    n_chosen = sum(len(r.chosen) for r in result.results.values())
    assert page.locator(".siting-chosen").count() == n_chosen
    shown = page.evaluate(
        "Object.entries(window.siting.layers).filter(([k, l]) => window.siting.map.hasLayer(l)"
        " && !k.startsWith('chosen:') && k !== 'authority_names')"
        ".reduce((n, [k, l]) => n + l.getLayers().length, 0)"
    )
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() == shown
    # every authority's name is drawn on the map as text, in the map's language
    region = getattr(result, "region", None) or result.scenario.region
    names = page.locator(".siting-label-text").all_text_contents()
    column = "name_he" if lang == "he" else "name_en"
    assert sorted(names) == sorted(region.authorities[column])

    # a click on the best waste station site opens its popup with its rank
    ws = result.results[next(iter(result.results))]
    best = str(ws.ranking.loc[ws.ranking["rank"] == 1, "site_id"].iloc[0])
    assert best in ws.chosen
    icon = page.locator(f'.siting-chosen[data-facility="{ws.facility.value}"][data-site="{best}"]')
    icon.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    text = popup.inner_text()
    assert best in text
    assert ("דירוג 1" if lang == "he" else "rank 1") in text
    assert "✓" in text  # marked as chosen
    page.wait_for_timeout(400)  # let the popup fade in and the map pan
    page.screenshot(path=str(tmp_path / f"map_{lang}.png"))
    assert_clean(opened)
    page.context.close()


def test_hostile_names_render_as_text(browser, assets, hostile_result, tmp_path):
    path = tmp_path / "hostile.html"
    path.write_text(map_html(hostile_result, lang="en", self_contained=True), encoding="utf-8")
    raw = path.read_text(encoding="utf-8")
    for payload in (HOSTILE_LOCALITY, HOSTILE_LOCALITY_EN, HOSTILE_EXCLUSION, HOSTILE_SCENARIO):
        assert payload not in raw
    opened = open_map(browser, path)
    page = opened.page
    assert layer_counts(page) == expected_counts(hostile_result)

    excl = open_feature(page, "exclusions", "0", "popup")
    assert HOSTILE_EXCLUSION in excl
    ws = hostile_result.results[next(iter(hostile_result.results))]
    rk = ws.ranking
    hit = rk[rk["exclusion_reason"].str.contains("onerror", regex=False)]
    assert len(hit) > 0
    reason = open_feature(page, f"candidates:{ws.facility.value}", str(hit["site_id"].iloc[0]))
    assert HOSTILE_EXCLUSION in reason

    loc_id = str(hostile_result.localities["id"].iloc[0])
    tip = open_feature(page, "localities", loc_id, "tooltip")
    assert HOSTILE_LOCALITY_EN in tip  # English name as the title, shown as text
    assert HOSTILE_LOCALITY in tip  # Hebrew name as the subtitle
    card = open_feature(page, "localities", loc_id, "popup")
    assert HOSTILE_LOCALITY in card
    assert HOSTILE_AUTHORITY in card  # the locality's authority

    title = page.locator("#siting-title").inner_text()
    assert HOSTILE_SCENARIO in title
    # nothing from the data became an element: the only images are (blocked) basemap tiles
    assert page.locator("img:not(.leaflet-tile)").count() == 0
    assert page.locator(".siting-card b *:not(bdi), .siting-card script").count() == 0
    page.wait_for_timeout(400)
    page.screenshot(path=str(tmp_path / "hostile.png"))
    assert_clean(opened)
    page.context.close()


def test_weight_sliders_rescore_like_python(browser, assets, result, tmp_path):
    path = tmp_path / "weights.html"
    path.write_text(map_html(result, lang="he"), encoding="utf-8")
    opened = open_map(browser, path)
    page = opened.page
    for fac, res in result.results.items():
        box = page.locator(f'[data-siting-fac="{fac.value}"]')
        out = box.locator(".siting-w-out")
        sliders = box.locator("input[type=range]")
        assert sliders.count() == len(res.model.criteria)  # one per weighted criterion
        assert out.get_attribute("data-choice") == "+".join(sorted(res.chosen))
        # all the weight on the first criterion (cost / driver distance), then on the last
        for values in ([100, 0, 0, 0, 0], [0, 0, 0, 0, 100], [10, 60, 5, 5, 20]):
            for k, v in enumerate(values):
                sliders.nth(k).fill(str(v))
            expected = choose_for_weights(
                result, fac, {c: v / 100 for c, v in zip(res.model.criteria, values, strict=True)}
            )
            assert out.get_attribute("data-choice") == "+".join(expected["sites"])
        assert "+".join(sorted(res.chosen)) != "+".join(
            choose_for_weights(result, fac, {res.model.criteria[0]: 1.0})["sites"]
        )  # the first move above did change the choice
        box.locator("button").click()
        assert out.get_attribute("data-choice") == "+".join(sorted(res.chosen))
    assert page.locator('[data-siting-fac="truck_lot"] .warn').inner_text().startswith("משוער")
    assert_clean(opened)


def test_rendered_hebrew_map_is_at_least_80_percent_hebrew(browser, assets, result, tmp_path):
    path = tmp_path / "he.html"
    path.write_text(map_html(result, lang="he"), encoding="utf-8")
    opened = open_map(browser, path)
    page = opened.page
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    # a chosen site's popup and an excluded cell's popup are part of what a reader sees
    fac = next(iter(result.results))
    rk = result.results[fac].ranking
    excluded = str(rk.loc[rk["excluded"].astype(bool), "site_id"].iloc[0])
    shown = [page.evaluate("document.body.innerText")]
    shown.append(open_feature(page, f"candidates:{fac.value}", excluded))
    he = sum(len(re.findall(r"[\u0590-\u05ff]", x)) for x in shown)
    latin = sum(len(re.findall(r"[A-Za-z]", x)) for x in shown)
    assert he / (he + latin) >= 0.80
    assert_clean(opened)


PHONE, DESKTOP = (390, 844), (1280, 800)
CONTROLS = {
    "legend": "#siting-legend",
    "title": "#siting-title",
    "weights": "#siting-weights",
    "scale": ".leaflet-control-scale",
    "layers": ".leaflet-control-layers",
    "zoom": ".leaflet-control-zoom",
    "fullscreen": ".leaflet-control-zoom-fullscreen",
}


def _intersect(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def control_boxes(page: Any) -> dict[str, dict[str, float]]:
    boxes = {}
    for name, selector in CONTROLS.items():
        loc = page.locator(selector)
        assert loc.count() == 1, name
        box = loc.bounding_box()
        assert box is not None, f"{name} is not shown"
        boxes[name] = box
    return boxes


@pytest.fixture(scope="module")
def map_files(result, assets, tmp_path_factory):
    folder = tmp_path_factory.mktemp("maps")
    out = {}
    for lang in ("en", "he"):
        out[lang] = folder / f"map_{lang}.html"
        out[lang].write_text(map_html(result, lang=lang), encoding="utf-8")
    return out


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("lang", ["en", "he"])
def test_controls_do_not_overlap(browser, map_files, lang, viewport, tmp_path):
    opened = open_map(browser, map_files[lang], viewport)
    page = opened.page
    width, height = viewport
    boxes = control_boxes(page)
    for name, b in boxes.items():  # on screen
        assert min(b["x"], b["y"]) >= 0, name
        assert b["x"] + b["width"] <= width, name
        assert b["y"] + b["height"] <= height, name
    names = list(boxes)
    overlaps = [
        (a, b)
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if _intersect(boxes[a], boxes[b])
    ]
    assert overlaps == []
    # the layer list starts collapsed; on a phone the panels start closed and the legend is small
    assert "leaflet-control-layers-expanded" not in (
        page.locator(".leaflet-control-layers").get_attribute("class") or ""
    )
    legend_open = page.evaluate("document.getElementById('siting-legend').open")
    share = boxes["legend"]["width"] * boxes["legend"]["height"] / (width * height)
    if viewport == PHONE:
        assert legend_open is False
        assert page.evaluate("document.getElementById('siting-title').open") is False
        assert share < 0.15
    else:
        assert legend_open is True  # a desktop shows the legend, and still nothing overlaps
        assert page.locator("#siting-legend").inner_text().count("\n") >= 8
    # toggling the legend (opening it on a phone) keeps it clear of every other control
    page.locator("#siting-legend > summary").click()
    page.wait_for_timeout(200)
    boxes = control_boxes(page)
    for other in ("title", "zoom", "layers", "weights", "scale", "fullscreen"):
        assert not _intersect(boxes["legend"], boxes[other]), other
    page.screenshot(path=str(tmp_path / f"controls_{lang}_{width}.png"))
    assert_clean(opened)
    page.context.close()


def click_candidate(page: Any, layer: str, site_id: str) -> None:
    """Click the candidate's cell with the mouse, at a point where it is the top element."""
    point = page.evaluate(
        """([layer, id]) => {
            let hit = null;
            window.siting.layers[layer].eachLayer(l => {
                if (l.feature.properties.id === id) { hit = l; }
            });
            const map = window.siting.map;
            map.setView(hit.getBounds().getCenter(), 15, {animate: false});
            const b = hit.getBounds(), rect = map.getContainer().getBoundingClientRect();
            for (let i = 1; i < 10; i++) {
                for (let j = 1; j < 10; j++) {
                    const ll = L.latLng(b.getSouth() + (b.getNorth() - b.getSouth()) * i / 10,
                                        b.getWest() + (b.getEast() - b.getWest()) * j / 10);
                    const p = map.latLngToContainerPoint(ll);
                    const x = rect.left + p.x, y = rect.top + p.y;
                    if (document.elementFromPoint(x, y) === hit._path) { return [x, y]; }
                }
            }
            return null;
        }""",
        [layer, site_id],
    )
    assert point is not None, f"no point of {site_id} is clickable"
    page.mouse.click(point[0], point[1])


def _signed(x: float) -> str:
    text = f"{abs(x):,.0f}"
    return "±" + text if text == "0" else ("+" if x > 0 else "\u2212") + text


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("lang", ["en", "he"])
def test_candidate_popup_is_short_with_details_behind_a_toggle(
    browser, result, map_files, lang, viewport
):
    opened = open_map(browser, map_files[lang], viewport)
    page = opened.page
    ws = result.results[next(iter(result.results))]
    rk = ws.ranking
    second = rk.loc[rk["rank"] == 2].iloc[0]
    click_candidate(page, f"candidates:{ws.facility.value}", str(second["site_id"]))
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    page.wait_for_timeout(300)
    text = popup.inner_text()
    assert str(second["site_id"]) in text
    assert ("דירוג 2" if lang == "he" else "rank 2") in text
    # the headline: at most 8 rows before the toggle, with the plan's cost difference
    assert popup.locator("tr:visible").count() <= 8
    gap = second["total_cost_ils_per_year"] - ws.extra["total_cost_ils_per_year"]
    assert _signed(gap) in text
    n_details = popup.locator("details.more tr").count()
    assert n_details >= 15
    assert popup.locator("details.more tr:visible").count() == 0
    # the toggle reveals every detail: the plan's figures, the score's parts, the site's own
    popup.locator("details.more > summary").click()
    page.wait_for_timeout(200)
    assert popup.locator("details.more tr:visible").count() == n_details
    assert f"{second['saving_ils_per_year']:,.0f}" in popup.inner_text()
    page.wait_for_timeout(400)  # the popup is laid out again and panned into view
    box = page.locator(".leaflet-popup").bounding_box()
    assert box is not None
    assert box["width"] <= viewport[0]
    assert box["y"] >= 0  # the open details scroll inside the popup: it stays on screen
    assert box["y"] + box["height"] <= viewport[1]
    if viewport == DESKTOP:  # room between the open panels: the popup is panned clear of them
        for panel in ("title", "weights", "legend"):
            assert not _intersect(box, control_boxes(page)[panel]), panel
    assert_clean(opened)
    page.context.close()
