"""report.html printed on A4 portrait and read on a 1,280 px screen, in a real browser.

Debian chromium through Playwright, as in ``test_present_browser.py`` (its fixtures are
reused; every request that is not a ``file:`` URL is aborted).  No PDF text extractor is
installed (no pypdf / pdfminer in the wheels), so what the printed page holds is measured
in the page itself with print media emulated at the width a printed A4 page lays out:
210 mm less the report's 12 mm ``@page`` margins = 186 mm = 703 CSS px (and at the full
sheet, 794 px): every cell of every table lies inside it, and every column header of the
ranking tables is there and laid out.  The PDF Chromium prints is checked to be A4 portrait.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from siting.layers import Facility
from siting.present import figures
from siting.present.i18n import column_label, fmt_number, t
from siting.present.report import build_report, report_columns
from tests.test_present_browser import browser, result  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

A4_CONTENT_PX = round((210 - 2 * 12) / 25.4 * 96)  # 703: the report's @page margin is 12 mm
A4_SHEET_PX = round(210 / 25.4 * 96)  # 794
SCREEN_PX = 1280

# every table cell's box, and the header texts of the ranking tables, as the browser lays them out
MEASURE = """() => {
  const r = (el) => el.getBoundingClientRect();
  const cells = [...document.querySelectorAll('th, td')].map((el) => {
    const b = r(el);
    return {left: b.left, right: b.right, width: b.width, text: el.innerText.trim()};
  });
  const heads = [...document.querySelectorAll('table.ranking')].map((tb) =>
    [...tb.querySelectorAll('th')].map((th) => ({
      text: th.innerText.replace(/\\s+/g, ' ').trim(), width: r(th).width,
      visible: getComputedStyle(th).display !== 'none'
        && getComputedStyle(th).visibility !== 'hidden'})));
  const wraps = [...document.querySelectorAll('.wrap')].map(
    (w) => ({scroll: w.scrollWidth, client: w.clientWidth}));
  const de = document.documentElement;
  return {cells, heads, wraps, scroll: de.scrollWidth, client: de.clientWidth};
}"""


def expected_headers(run_result, lang: str) -> list[list[str]]:
    """Header texts of the ranking tables, computed from the run: per facility the figures
    table, then the contributions table (rank, site and score lead both)."""
    out = []
    s = run_result.scenario
    for fac, res in run_result.results.items():
        thr = s.waste if fac is Facility.WASTE_STATION else s.truck
        tmin = fmt_number(thr.coverage_threshold_min)
        lead = [t("rank", lang), t("site_id", lang), t("score", lang)]
        cols = report_columns(res.ranking)
        figs = [c for c in cols if not c.startswith("contrib_")]
        contrib = [c for c in cols if c.startswith("contrib_")]
        out.append(lead + [column_label(c, lang, t=tmin) for c in figs])
        if contrib:
            out.append(lead + [column_label(c, lang, t=tmin) for c in contrib])
    return [[re.sub(r"\s+", " ", h).strip() for h in heads] for heads in out]


@pytest.fixture(scope="module")
def reports(result, tmp_path_factory) -> dict[str, Path]:  # noqa: F811
    folder = tmp_path_factory.mktemp("print")
    out = {}
    for lang in ("en", "he"):
        pngs = figures.all_figures(result, lang=lang)
        page = build_report(result, lang=lang, figures=pngs, files=["map.html"], date="2026-01-01")
        path = folder / f"report-{lang}.html"
        path.write_text(page, encoding="utf-8")
        out[lang] = path
    return out


def _open(browser, path: Path, width: int, *, media: str):  # noqa: F811
    page = browser.new_page(viewport={"width": width, "height": 1100})
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.emulate_media(media=media)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    assert blocked == []  # the report needs nothing from elsewhere
    return page


def _inside(m: dict, width: int) -> list[str]:
    return [
        f"{c['text'][:30]!r}: {c['left']:.0f}..{c['right']:.0f}"
        for c in m["cells"]
        if c["left"] < -0.5 or c["right"] > width + 0.5
    ]


@pytest.mark.parametrize("lang", ["en", "he"])
@pytest.mark.parametrize("width", [A4_CONTENT_PX, A4_SHEET_PX])
def test_printed_on_a4_every_column_is_on_the_page(browser, result, reports, lang, width):  # noqa: F811
    page = _open(browser, reports[lang], width, media="print")
    try:
        m = page.evaluate(MEASURE)
    finally:
        page.close()
    assert m["scroll"] <= m["client"]  # nothing runs off the side of the printed page
    assert _inside(m, width) == []
    heads = m["heads"]
    assert [[h["text"] for h in table] for table in heads] == expected_headers(result, lang)
    for table in heads:
        for h in table:
            assert h["visible"], h
            assert h["width"] > 20, h  # laid out, not squeezed to nothing
    assert len(m["cells"]) > 200


@pytest.mark.parametrize("lang", ["en", "he"])
def test_reads_on_a_1280_px_screen_without_scrolling_sideways(browser, reports, lang):  # noqa: F811
    page = _open(browser, reports[lang], SCREEN_PX, media="screen")
    try:
        m = page.evaluate(MEASURE)
    finally:
        page.close()
    assert m["client"] == SCREEN_PX
    assert m["scroll"] <= m["client"]
    # no table needs its own sideways scroll either: all of it is in view
    assert all(w["scroll"] <= w["client"] for w in m["wraps"]), m["wraps"]
    assert _inside(m, SCREEN_PX) == []


@pytest.mark.parametrize("lang", ["en", "he"])
def test_the_pdf_is_a4_portrait(browser, reports, lang):  # noqa: F811
    page = _open(browser, reports[lang], A4_SHEET_PX, media="print")
    try:
        pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    finally:
        page.close()
    assert pdf.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes, "no page in the PDF"
    for w, h in boxes:  # A4 = 595.3 x 841.9 pt, portrait
        assert float(w) == pytest.approx(595.3, abs=1.5)
        assert float(h) == pytest.approx(841.9, abs=1.5)
    assert len(boxes) >= 2
