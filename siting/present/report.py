"""``report.html``: one self-contained page a committee can print or mail.

Summary (chosen sites, objective, cost, solver), the ranking's top rows per
facility with every criterion the ranking carries, the charts of
:mod:`siting.present.figures` embedded as base64 PNG, notes, data sources, and a link
to the interactive ``map.html`` beside it.  No script, no external resource;
every text from data is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from siting import __version__
from siting.facility import spec
from siting.layers import Facility
from siting.present.headline import headline_lines
from siting.present.i18n import Lang, column_label, cost_model_text, fmt_number, fmt_value, t
from siting.present.translate import translate, translator

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
 max-width:1000px;padding:0 16px;color:#222}
h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:end}
th{background:#f3f3f3;font-weight:600}td.id,th.id{text-align:start}
tr.chosen td{background:#fff3d6;font-weight:600}
.warn{color:#a50026;font-weight:600}
figure{margin:12px 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{color:#555;font-size:13px}
.map-link{display:inline-block;margin:8px 0;padding:6px 12px;background:#2166ac;color:#fff;
 border-radius:4px;text-decoration:none}
@media print{.map-link{display:none}}
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


def _ranking_table(result: RunResult, fac: Facility, lang: Lang, top_n: int) -> str:
    res = result.results[fac]
    rk = res.ranking[res.ranking["rank"].notna()].sort_values("rank").head(top_n)
    cols = report_columns(res.ranking)
    tmin = fmt_number(_threshold(result, fac))
    head = (
        f'<tr><th>{_e(t("rank", lang))}</th><th class="id">{_e(t("site_id", lang))}</th>'
        f"<th>{_e(t('score', lang))}</th>"
        + "".join(f"<th>{_e(column_label(c, lang, t=tmin))}</th>" for c in cols)
        + "</tr>"
    )
    chosen = {str(s) for s in res.chosen}
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
    n_all = len(res.ranking)
    n_ok = int((~res.ranking["excluded"].astype(bool)).sum())
    return (
        f"<h3>{_e(t(fac.value, lang))}</h3>"
        f"<p>{_e(t('candidates_n', lang))}: {fmt_number(n_all)} "
        f"({fmt_number(n_ok)} {_e(t('eligible_n', lang))})</p>"
        f"<table>{head}{''.join(body)}</table>"
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
    if result.notes:
        notes = "".join(f'<li dir="auto">{_e(tr(n))}</li>' for n in result.notes)
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
    sources = "".join(f'<li dir="auto">{_e(tr(x))}</li>' for x in result.region.sources)
    parts.append(f"<h2>{_e(t('sources', lang))}</h2><ul>{sources}</ul>")
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
