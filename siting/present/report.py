"""``report.html``: one self-contained page a committee can print or mail.

Summary (chosen sites, objective, cost, solver), the ranking's top rows per
facility with every criterion the ranking carries, the charts of
:mod:`siting.present.figures` embedded as base64 PNG, notes, data sources, every source
the run cites (:mod:`siting.sources.catalogue`: title, publisher, year, link), and a
link to the interactive ``map.html`` beside it.  No script, no external resource;
every text from data is HTML-escaped.

It prints on A4 portrait without losing a column and reads on a 1,280 px screen: the
ranking is two tables per facility (the figures, then the score's contributions, each
under ~12 columns with wrapping headers), print CSS shrinks the type and prints each
source's link after its title (``tests/test_present_print.py`` measures both in
Chromium).  Titles of publications keep the language they were published in, marked
with their ``lang`` so a Hebrew screen reader switches voice.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from siting import __version__
from siting.facility import spec
from siting.layers import Facility
from siting.present.headline import headline_lines
from siting.present.i18n import Lang, column_label, cost_model_text, fmt_number, fmt_value, t
from siting.present.translate import translate, translator
from siting.sources.catalogue import SourceEntry, catalogue, cited_ids

if TYPE_CHECKING:
    from siting.decide.scenario import RunResult

__all__ = ["build_report", "report_columns"]

# columns shown in the ranking table when present, in this order
TABLE_COLUMNS = (
    "plan_sites",
    "plan_gap",
    "plan_gap_ils_per_year",
    "p_in_plan",
    "total_cost_ils_per_year",
    "saving_ils_per_year",
    "mean_driver_km",
    "coverage_share",
    "worst_authority_minutes",
)

CHART_TITLES = {
    "map.png": "chart_map",
    "cost_by_candidate.png": "chart_cost",
    "rank_stability.png": "chart_rank_stability",
    "tornado.png": "chart_tornado",
}

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Arial,sans-serif;margin:24px auto;
 max-width:1100px;padding:0 16px;color:#222}
h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
.wrap{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:end}
th{background:#f3f3f3;font-weight:600;vertical-align:bottom;overflow-wrap:break-word}
td.id,th.id{text-align:start}td{overflow-wrap:anywhere}
table.ranking td{white-space:nowrap}table.ranking th{font-size:12px;max-width:9em}
tr.chosen td{background:#fff3d6;font-weight:600}
table.sources td{vertical-align:top;text-align:start}table.sources cite{font-style:normal}
table.sources td:first-child,table.sources td:last-child{white-space:nowrap}
.src-more{font-size:12px}
.warn{color:#a50026;font-weight:600}
figure{margin:12px 0}figure img{max-width:100%;box-sizing:border-box;border:1px solid #eee}
figcaption{color:#555;font-size:13px}
.map-link{display:inline-block;margin:8px 0;padding:6px 12px;background:#2166ac;color:#fff;
 border-radius:4px;text-decoration:none}
@page{size:A4 portrait;margin:12mm}
@media print{
 body{font-size:9.5pt;margin:0;max-width:none;padding:0}
 .map-link{display:none}.wrap{overflow:visible}
 table{font-size:7.5pt;max-width:100%;margin:4px 0 10px}
 table.ranking th{font-size:7pt;max-width:none}
 th,td{padding:1px 3px}tr{break-inside:avoid}h2,h3{break-after:avoid}
 figure{break-inside:avoid}figure img{max-height:230mm}
 a.src::after{content:" " attr(href);display:block;font-size:6.5pt;color:#444;
  overflow-wrap:anywhere;direction:ltr;text-align:start}
}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def report_columns(ranking: pd.DataFrame) -> list[str]:
    """Criteria columns of ``ranking`` shown in the report's table (``contrib_*`` included)."""
    cols = [c for c in TABLE_COLUMNS if c in ranking.columns and ranking[c].notna().any()]
    cols += [c for c in ranking.columns if c.startswith("contrib_")]
    return cols


def _threshold(result: RunResult, fac: Facility) -> float:
    return spec(fac).threshold_min(result.scenario)


def _table(rk: pd.DataFrame, cols: Sequence[str], chosen: set[str], lang: Lang, tmin: str) -> str:
    """One ranking table: rank, site, score and ``cols``, chosen rows marked."""
    head = (
        f'<tr><th>{_e(t("rank", lang))}</th><th class="id">{_e(t("site_id", lang))}</th>'
        f"<th>{_e(t('score', lang))}</th>"
        + "".join(f"<th>{_e(column_label(c, lang, t=tmin))}</th>" for c in cols)
        + "</tr>"
    )
    body = []
    for _, r in rk.iterrows():
        sid = str(r["site_id"])
        cls = ' class="chosen"' if sid in chosen else ""
        mark = " ✓" if sid in chosen else ""
        cells = "".join(f"<td>{_e(fmt_value(c, r.get(c)))}</td>" for c in cols)
        body.append(
            f'<tr{cls}><td>{int(r["rank"])}</td><td class="id">{_e(sid)}{mark}</td>'
            f"<td>{_e(fmt_value('score', r['score']))}</td>{cells}</tr>"
        )
    return f'<div class="wrap"><table class="ranking">{head}{"".join(body)}</table></div>'


def _ranking_table(result: RunResult, fac: Facility, lang: Lang, top_n: int) -> str:
    """The facility's top sites: their figures, then how each score is made up (two tables,
    so that neither is wider than an A4 page)."""
    res = result.results[fac]
    rk = res.ranking[res.ranking["rank"].notna()].sort_values("rank").head(top_n)
    cols = report_columns(res.ranking)
    figures = [c for c in cols if not c.startswith("contrib_")]
    contrib = [c for c in cols if c.startswith("contrib_")]
    tmin = fmt_number(_threshold(result, fac))
    chosen = {str(s) for s in res.chosen}
    n_all = len(res.ranking)
    n_ok = int((~res.ranking["excluded"].astype(bool)).sum())
    parts = [
        f"<h3>{_e(t(fac.value, lang))}</h3>"
        f"<p>{_e(t('candidates_n', lang))}: {fmt_number(n_all)} "
        f"({fmt_number(n_ok)} {_e(t('eligible_n', lang))})</p>",
        _table(rk, figures, chosen, lang, tmin),
    ]
    if contrib:
        parts.append(f"<h4>{_e(t('report_contributions', lang))}</h4>")
        parts.append(_table(rk, contrib, chosen, lang, tmin))
    return "".join(parts)


_HEBREW = re.compile(r"[\u0590-\u05ff]")


def _source_title(entry: SourceEntry, lang: Lang) -> str:
    """The entry's title cell, linked: in English a publication's title as published
    (marked English); in Hebrew the project's Hebrew description of it, with the published
    title as the link's tooltip; DOMAIN sections and gaps in the reader's language."""
    if entry.kind == "unsourced":
        return f"<b>{_e(t('src_unsourced', lang))}</b>: {_e(entry.display_title(lang.value))}"
    if entry.kind == "section":
        return f"{_e(t('src_section', lang))}: {_e(entry.display_title(lang.value))}"
    if entry.same_as:
        other = catalogue().get(entry.same_as)
        return _e(t("src_same_as", lang, id=entry.same_as)) + (
            f" ({_source_title(other, lang)})" if other is not None else ""
        )
    if lang is Lang.HE and entry.title_he:
        # the project's translation (the column says so): a Hebrew sentence, right to left
        # even where it starts with a name that has no Hebrew form ("S. Cointreau (...)")
        title = f'<span class="src-he" dir="rtl">{_e(entry.title_he)}</span>'
        tip = f' title="{_e(entry.title)}"'
    else:
        # English titles are marked as such; a title that mixes Hebrew and Latin takes its
        # direction from its first letter
        tag = ' dir="auto"' if _HEBREW.search(entry.title) else ' lang="en" dir="ltr"'
        title = f"<cite{tag}>{_e(entry.title)}</cite>"
        tip = ""
    if not entry.url:
        return title
    more = "".join(
        f' <a class="src-more" href="{_e(u)}">[{i}]</a>'
        for i, u in enumerate(entry.other_urls, start=2)
    )
    return f'<a class="src" href="{_e(entry.url)}"{tip}>{title}</a>{more}'


_ID_TOKEN = re.compile(
    r"\bDOMAIN \d+(?:\.\d+|[a-z])?(?![\w.])|(?<![\w./#&;-])[SVTPRCM]\d{1,2}b?(?![\w/-]|:\d)"
)


def _anchor(source_id: str) -> str:
    return "src-" + source_id.replace(" ", "-")


def _link_ids(escaped: str, cited: set[str]) -> str:
    """``escaped`` HTML text with each cited source id linked to its row of the sources table."""
    return _ID_TOKEN.sub(
        lambda m: f'<a href="#{_anchor(m[0])}">{m[0]}</a>' if m[0] in cited else m[0], escaped
    )


def _cited_sources(result: RunResult, lang: Lang) -> str:
    """Every source id the run cites, with its title, publisher, year and link."""
    cat = catalogue()
    found = [cat[i] for i in cited_ids(result) if i in cat]
    if not found:
        return ""
    head = (
        f'<tr><th class="id">{_e(t("src_id", lang))}</th>'
        f'<th class="id">{_e(t("src_title", lang))}</th>'
        f'<th class="id">{_e(t("src_publisher", lang))}</th>'
        f'<th class="id">{_e(t("src_year", lang))}</th></tr>'
    )
    rows = "".join(
        f'<tr id="{_e(_anchor(e.id))}"><td class="id"><bdi>{_e(e.id)}</bdi></td>'
        f"<td>{_source_title(e, lang)}</td>"
        f"<td><bdi>{_e(e.display_publisher(lang.value))}</bdi></td>"
        f"<td>{_e(e.year)}</td></tr>"
        for e in found
    )
    return (
        f"<h2>{_e(t('src_cited', lang))}</h2><p>{_e(t('src_intro', lang))}</p>"
        f'<div class="wrap"><table class="sources">{head}{rows}</table></div>'
    )


def _summary(result: RunResult, lang: Lang) -> str:
    rows = []
    for fac, res in result.results.items():
        lines = headline_lines(res, lang, threshold_min=_threshold(result, fac))
        chosen = ", ".join(str(c) for c in res.chosen) or t("h_no_plan", lang)
        figures = "<br>".join(_e(x) for x in lines[1:])
        rows.append(
            f'<tr><td class="id">{_e(t(fac.value, lang))}</td><td class="id"><b>'
            f'{_e(chosen)}</b></td><td class="id">{figures}</td>'
            f'<td class="id">{_e(translate(res.solver, lang))}</td></tr>'
        )
    head = (
        f'<tr><th class="id"></th><th class="id">{_e(t("chosen", lang))}</th>'
        f'<th class="id">{_e(t("recommended_plan", lang))}</th>'
        f'<th class="id">{_e(t("solver", lang))}</th></tr>'
    )
    return f"<table>{head}{''.join(rows)}</table>{_trade_offs(result, lang)}"


def _trade_offs(result: RunResult, lang: Lang) -> str:
    """The trade-offs the weights imply, in plain words (station with a cost weight)."""
    items = []
    for fac, res in result.results.items():
        for x in res.extra.get("trade_offs", []):
            money = x["unit"] == "ILS/yr"
            unit = t("unit_ils_year" if money else "unit_km_more", lang)
            value = fmt_number(x["value"]) if money else fmt_number(x["value"], 2)
            text = t(
                f"to_{x['kind']}",
                lang,
                x=value,
                unit=unit,
                a=fmt_number(x.get("from_m")),
                b=fmt_number(x.get("to_m")),
                t=fmt_number(x.get("threshold_min")),
            )
            items.append(f"<li>{_e(t(fac.value, lang))}: {_e(text)}</li>")
    if not items:
        return ""
    return f"<h3>{_e(t('trade_offs', lang))}</h3><ul>{''.join(items)}</ul>"


def build_report(
    result: RunResult,
    *,
    lang: Lang | str = Lang.EN,
    figures: Mapping[str, bytes] | None = None,
    map_href: str = "map.html",
    files: Sequence[str] = (),
    top_n: int = 10,
    date: str = "",
) -> str:
    """The report page as one HTML string.

    Parameters
    ----------
    result : RunResult
    lang : {"en", "he"}
        Language of the labels; ``"he"`` lays the page out right to left.
    figures : mapping, optional
        ``{file name: PNG bytes}`` from :func:`siting.present.figures.all_figures`, embedded inline.
    map_href : str
        Link to the interactive map (relative to the report).
    files : sequence of str
        Names of the other output files, listed at the end.
    top_n : int
        Rows of the ranking table per facility.
    date : str
        Date printed under the title.
    """
    lang = Lang.parse(lang)
    s = result.scenario
    cm = result.costs
    parts = [
        f"<h1>{_e(t('report_title', lang))}: <bdi>{_e(result.region.name)}</bdi></h1>",
        f"<p>{_e(t('scenario', lang))}: <code>{_e(s.name)}</code>"
        + (f" · {_e(t('date', lang))}: {_e(date)}" if date else "")
        + "</p>",
    ]
    if cm.approximate:
        parts.append(f'<p class="warn">⚠ {_e(t("approximate_warning", lang))}</p>')
    parts.append(f"<p>{_e(t('cost_model', lang))}: <bdi>{_e(_cm_text(result, lang))}</bdi></p>")
    parts.append(f'<a class="map-link" href="{_e(map_href)}">{_e(t("open_map", lang))}</a>')
    parts.append(f"<h2>{_e(t('summary', lang))}</h2>{_summary(result, lang)}")
    tr = translator(result, lang)
    cited = {i for i in cited_ids(result) if i in catalogue()}
    if result.notes:
        notes = "".join(f'<li dir="auto">{_link_ids(_e(tr(n)), cited)}</li>' for n in result.notes)
        parts.append(f"<h3>{_e(t('notes', lang))}</h3><ul>{notes}</ul>")
    parts.append(f"<h2>{_e(t('ranking_top', lang, n=top_n))}</h2>")
    parts += [_ranking_table(result, fac, lang, top_n) for fac in result.results]
    if figures:
        parts.append(f"<h2>{_e(t('charts', lang))}</h2>")
        for name, png in figures.items():
            caption = t(CHART_TITLES[name], lang) if name in CHART_TITLES else name
            b64 = base64.b64encode(png).decode("ascii")
            parts.append(
                f'<figure><img alt="{_e(caption)}" src="data:image/png;base64,{b64}">'
                f"<figcaption>{_e(caption)} ({_e(name)})</figcaption></figure>"
            )
    sources = "".join(
        f'<li dir="auto">{_link_ids(_e(tr(x)), cited)}</li>' for x in result.region.sources
    )
    parts.append(f"<h2>{_e(t('sources', lang))}</h2><ul>{sources}</ul>")
    parts.append(_cited_sources(result, lang))
    if files:
        items = "".join(f'<li><a href="{_e(f)}">{_e(f)}</a></li>' for f in files)
        parts.append(f"<h2>{_e(t('files', lang))}</h2><ul>{items}</ul>")
    parts.append(f"<p><small>{_e(t('generated_by', lang, version=__version__))}</small></p>")
    title = f"{t('report_title', lang)}: {result.region.name} — {s.name}"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang.value}" dir="{lang.dir}">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(parts)
        + "\n</body>\n</html>\n"
    )


def _cm_text(result: RunResult, lang: Lang | str) -> str:
    cm = result.costs
    params = getattr(result.scenario.cost_model, "params", None)
    return cost_model_text(cm.model, cm.description, params, lang)
