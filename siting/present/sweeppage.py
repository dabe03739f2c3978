"""``sweep.html``: the robust plan, how often each site is chosen, and the regret table.

One self-contained page (no script, no CDN, inline CSS): it opens offline like the
committee report.  Labels come from :mod:`siting.present.i18n` (English or Hebrew, right to
left); text from data is escaped.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from siting import __version__
from siting.present.i18n import Lang, fmt_number, fmt_value, t
from siting.present.report import _CSS

__all__ = ["sweep_page"]


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _fac(fac: str, lang: Lang) -> str:
    try:
        return t(fac, lang)
    except KeyError:
        return fac


def _table(frame: pd.DataFrame, heads: list[str]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in heads)
    rows = []
    for rec in frame.itertuples(index=False):
        cells = []
        for col, v in zip(frame.columns, rec, strict=True):
            text = fmt_value(str(col), v) if isinstance(v, int | float) else v
            cells.append(f"<td>{_e('' if text is None else text)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def sweep_page(result: Any, *, lang: Lang | str = "en") -> str:
    """The page of a :class:`siting.sweep.SweepResult` in ``lang``."""
    lang = Lang.parse(lang)
    sw = result.sweep
    table, robust, shares = result.table, result.robust, result.shares
    n_failed = int(
        table.groupby("scenario_id")["status"].agg(lambda s: (s == "failed").all()).sum()
    )
    parts = [
        f"<h1>{_e(t('sweep_title', lang, name=sw.name))}</h1>",
        "<p>"
        + _e(t("sweep_summary", lang, n=len(sw.scenarios), failed=n_failed, workers=result.workers))
        + "</p>",
        f"<h2>{_e(t('sweep_robust', lang))}</h2>",
        f"<p>{_e(t('sweep_regret_def', lang))}</p><ul>",
    ]
    groups = list(dict.fromkeys(it.group for it in sw.scenarios))
    for group in groups:
        sub = robust[robust["group"] == group] if len(robust) else robust
        for fac in dict.fromkeys(sub["facility"]) if len(sub) else ():
            rows = sub[sub["facility"] == fac]
            best = rows[rows["robust"].astype(bool)]
            prefix = f"{group} · " if len(groups) > 1 else ""
            if best.empty:
                line = t("sweep_no_robust", lang, facility=_fac(fac, lang))
            else:
                b = best.iloc[0]
                line = t(
                    "sweep_robust_line",
                    lang,
                    facility=_fac(fac, lang),
                    sites=b["plan_sites"] or b["plan_places"],
                    regret=fmt_number(b["max_regret"], 2 if b["regret_unit"] != "ILS/yr" else 0),
                    unit=b["regret_unit"],
                    mean=fmt_number(b["mean_regret"], 2 if b["regret_unit"] != "ILS/yr" else 0),
                    n_opt=int(b["n_optimal"]),
                    n=int(b["n_scenarios"]),
                )
            parts.append(f"<li>{_e(prefix + line)}</li>")
    parts.append("</ul>")
    if len(shares):
        parts.append(f"<h2>{_e(t('sweep_shares', lang))}</h2>")
        view = shares[["group", "facility", "sites", "n_chosen", "share"]].copy()
        view["facility"] = [_fac(f, lang) for f in view["facility"]]
        parts.append(
            _table(
                view,
                [t("sweep_group", lang), "", t("site_id", lang), "n", t("sweep_share", lang)],
            )
        )
    if len(robust):
        parts.append(f"<h2>{_e(t('sweep_regret_table', lang))}</h2>")
        ids = [it.id for it in sw.scenarios]
        cols = [
            "group",
            "facility",
            "plan",
            "name",
            "plan_sites",
            "optimal_in",
            "max_regret",
            "mean_regret",
            "regret_unit",
            "infeasible_in",
        ]
        cols += [f"regret_{i}" for i in ids if f"regret_{i}" in robust.columns]
        view = robust[cols].copy()
        view["facility"] = [_fac(f, lang) for f in view["facility"]]
        heads = [
            t("sweep_group", lang),
            "",
            t("sweep_plan", lang),
            "",
            t("site_id", lang),
            t("sweep_optimal_in", lang),
            t("sweep_max_regret", lang),
            t("sweep_mean_regret", lang),
            "",
            t("sweep_infeasible", lang),
        ]
        heads += [c.removeprefix("regret_") for c in cols[len(heads) :]]
        parts.append(_table(view, heads))
    parts.append(f"<h2>{_e(t('sweep_scenarios', lang))}</h2>")
    scen_cols = [
        "scenario_id",
        *sw.axes,
        "facility",
        "status",
        "plan_sites",
        "total_cost_ils_per_year",
        "mean_driver_km",
        "coverage_share",
        "worst_authority_minutes",
        "proven_optimal",
        "error",
    ]
    view = table[[c for c in scen_cols if c in table.columns]].copy()
    view["facility"] = [_fac(f, lang) for f in view["facility"]]
    parts.append(_table(view, [str(c) for c in view.columns]))
    for note in result.notes:
        parts.append(f'<p class="note">{_e(note)}</p>')
    parts.append(f"<p>{_e(t('generated_by', lang, version=__version__))}</p>")
    css = _CSS + "body{max-width:1400px}table{font-size:12px}"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang.value}" dir="{lang.dir}">\n'
        f'<head><meta charset="utf-8"><title>{_e(sw.name)}</title><style>{css}</style></head>\n'
        f"<body>{''.join(parts)}</body></html>\n"
    )
