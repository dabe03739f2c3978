"""report.html: one self-contained page with the summary, ranking, charts and sources."""

from __future__ import annotations

import base64
import dataclasses
import html
import re

import pytest

from siting.decide import default_scenario, run
from siting.layers import Facility
from siting.present import figures
from siting.present.report import build_report, report_columns
from siting.sources.catalogue import cited_ids, entries

TITLES = {Facility.WASTE_STATION: "Waste-sorting station", Facility.TRUCK_LOT: "Truck parking lot"}


@pytest.fixture(scope="module")
def result():
    return run(default_scenario())


@pytest.fixture(scope="module")
def pngs(result):
    return figures.all_figures(result, lang="en")


def test_report_is_self_contained_with_charts(result, pngs):
    page = build_report(result, figures=pngs, files=["map.html", "ranking.csv"], date="2026-01-01")
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="en" dir="ltr">' in page
    assert "<script" not in page
    # no resource from elsewhere: images inline, links only to the files beside it
    assert not re.search(r'src="(?!data:image/png;base64,)', page)
    links = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', page)]
    local = [h for h in links if not h.startswith(("http://", "https://", "#"))]
    assert local == ["map.html", "map.html", "ranking.csv"]
    # ids cited in the notes link to their row of the sources table
    anchors = [h for h in links if h.startswith("#")]
    assert "#src-T13" in anchors  # the status-quo destination note
    rows = set(re.findall(r'<tr id="([^"]+)"', page))
    assert {a[1:] for a in anchors} <= rows
    # the rest are the links of the sources the run cites, and only those
    cited = entries(cited_ids(result))
    assert [h for h in links if h not in local and h not in anchors] == [
        u for e in cited for u in (e.url, *e.other_urls) if u
    ]
    embedded = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(embedded) == len(pngs)
    assert {base64.b64decode(b) for b in embedded} == set(pngs.values())
    assert "APPROXIMATE" in page
    assert "2026-01-01" in page


def test_ranking_table_lists_the_top_sites(result):
    page = build_report(result, top_n=5)
    for fac, res in result.results.items():
        ok = res.ranking[~res.ranking["excluded"]].sort_values("rank")
        section = page.split(f"<h3>{TITLES[fac]}</h3>")[1]
        table = section.split("</table>")[0]
        rows = re.findall(r'<td class="id">([^<✓]+)', table)
        assert [r.strip() for r in rows] == [str(s) for s in ok["site_id"].head(5)]
        for chosen in res.chosen:
            if chosen in set(ok["site_id"].head(5)):
                assert f"{chosen} ✓" in table
    ws = result.results[Facility.WASTE_STATION].ranking
    cols = report_columns(ws)
    assert {"plan_sites", "plan_gap", "total_cost_ils_per_year"} <= set(cols)
    assert [c for c in ws.columns if c.startswith("contrib_")] == [
        c for c in cols if c.startswith("contrib_")
    ]
    best = ws.loc[ws["rank"] == 1].iloc[0]
    assert f"{best['total_cost_ils_per_year']:,.0f}" in page


def test_report_in_hebrew_and_escaped(result):
    hostile = dataclasses.replace(
        result,
        scenario=dataclasses.replace(result.scenario, name="<script>alert(1)</script>"),
        notes=(*result.notes, '<img src=x onerror="alert(2)">'),
    )
    page = build_report(hostile, lang="he")
    assert '<html lang="he" dir="rtl">' in page
    assert "דוח איתור אתרים" in page
    assert "תחנת מיון פסולת" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<img src=x onerror="alert(2)">' not in page
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page
