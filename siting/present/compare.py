"""``siting compare``'s tables and page in the reader's language.

:func:`siting.decide.compare.compare_runs` and :func:`~siting.decide.compare.match_sites`
give tables keyed by identifiers; :func:`comparison_table` and :func:`sites_table` give
each measure its human name with its unit (English or Hebrew) for ``comparison.csv`` and
``sites.csv``, and :func:`comparison_page` writes ``comparison.html``: both tables and the
two runs' maps side by side.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from siting import __version__
from siting.present.i18n import Lang, fmt_number, fmt_value, t
from siting.present.translate import translate

__all__ = ["METRIC_LABELS", "comparison_page", "comparison_table", "sites_table"]

#: ``compare_runs`` metric → its label key in :data:`siting.present.i18n.LABELS`.
METRIC_LABELS = {
    "member authorities": "cmp_member_authorities",
    "residents": "residents",
    "tonnes_per_day": "tonnes_per_day",
    "trucks": "trucks",
    "cost model": "cost_model",
    "chosen sites": "cmp_chosen_sites",
    "objective": "cmp_objective",
    "objective unit": "cmp_objective_unit",
    "coverage_threshold_min": "param_coverage_threshold_min",
    "coverage_share": "cmp_coverage_share",
    "worst_authority_minutes": "col_worst_authority_minutes",
    "share of weight draws the plan stays optimal": "cmp_p_stays",
    "eligible sites": "cmp_eligible_sites",
    "total_cost_ils_per_year": "col_total_cost_ils_per_year",
    "saving_ils_per_year": "col_saving_ils_per_year",
    "status_quo_cost_ils_per_year": "col_status_quo_cost_ils_per_year",
}

#: How the page formats a metric's numbers (the name :func:`fmt_value` reads its unit from).
_FORMAT_AS = {"share of weight draws the plan stays optimal": "p_in_plan"}

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Arial,sans-serif;margin:24px auto;
 max-width:1400px;padding:0 16px;color:#222}
h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:end}
th{background:#f3f3f3;font-weight:600}td.id,th.id{text-align:start}
table.sites td{white-space:nowrap}.scroll{overflow-x:auto}
.panes{display:flex;gap:12px;flex-wrap:wrap}.pane{flex:1 1 420px}
.pane iframe{width:100%;height:520px;border:1px solid #ccc}
"""


_ID_CLASS = ' class="id"'


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _facility(key: str, lang: Lang) -> str:
    return t("cmp_all", lang) if key == "all" else t(key, lang)


def _names(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if c not in ("facility", "metric", "difference")]


def comparison_table(table: pd.DataFrame, lang: Lang | str = "en") -> pd.DataFrame:
    """``compare_runs``' table with human names: ``comparison.csv``.

    Columns: the facility, the measure (its name with its unit), one column per run, the
    difference (second − first) and ``key`` (``<facility>.<metric>``, the identifier, for
    scripts).  Numbers stay numbers; text values (the objective's unit) are translated.

    Examples
    --------
    >>> raw = pd.DataFrame({"facility": ["all"], "metric": ["tonnes_per_day"], "A": [1.0],
    ...                     "B": [2.0], "difference": [1.0]})
    >>> comparison_table(raw).columns.tolist()
    ['Facility', 'Measure', 'A', 'B', 'Difference (B − A)', 'key']
    >>> comparison_table(raw, "he").iloc[0, :2].tolist()
    ['האשכול', 'פסולת, טון ליום']
    """
    lang = Lang.parse(lang)
    a, b = _names(table)
    fac = table["facility"].astype(str)
    metric = table["metric"].astype(str)

    def label(m: str) -> str:
        key = METRIC_LABELS.get(m)
        return t(key, lang) if key else m.replace("_", " ")

    def value(v: Any, m: str) -> Any:
        if isinstance(v, str) and m not in ("chosen sites", "cost model"):
            return translate(v, lang)
        return v

    return pd.DataFrame(
        {
            t("cmp_facility", lang): [_facility(f, lang) for f in fac],
            t("cmp_measure", lang): [label(m) for m in metric],
            a: [value(v, m) for v, m in zip(table[a], metric, strict=True)],
            b: [value(v, m) for v, m in zip(table[b], metric, strict=True)],
            t("cmp_difference", lang, a=a, b=b): table["difference"].to_numpy(),
            "key": (fac + "." + metric).to_numpy(),
        }
    )


def sites_table(
    matched: pd.DataFrame,
    names: Sequence[str],
    lang: Lang | str = "en",
    *,
    reasons: Sequence[Callable[[Any], str]] | None = None,
) -> pd.DataFrame:
    """``match_sites``' pairs with human column names and match texts: ``sites.csv``.

    ``names`` are the two runs' names (they head their columns); ``reasons`` translate each
    run's exclusion reasons (:func:`siting.present.translate.translator`), default as given.
    """
    lang = Lang.parse(lang)
    tol = float(matched.attrs.get("tolerance_m", 0.0))
    tol_text = fmt_number(tol)

    def match(text: str) -> str:
        if text == "same place":
            return t("cmp_same_place", lang)
        key = "cmp_nearest" if text.startswith("nearest") else "cmp_none"
        return t(key, lang, tol=tol_text)

    out = {
        t("cmp_facility", lang): [t(str(f), lang) for f in matched["facility"]],
        t("cmp_match", lang): [match(str(m)) for m in matched["match"]],
        t("cmp_distance_m", lang): matched["distance_m"].to_numpy(),
        t("cmp_x_itm", lang): matched["x_itm"].to_numpy(),
        t("cmp_y_itm", lang): matched["y_itm"].to_numpy(),
    }
    for i, (r, name) in enumerate(zip("ab", names, strict=True)):
        tr = reasons[i] if reasons else str
        out[t("cmp_site_in", lang, name=name)] = matched[f"site_{r}"].to_numpy()
        out[t("cmp_chosen_in", lang, name=name)] = matched[f"chosen_{r}"].to_numpy()
        out[t("cmp_rank_in", lang, name=name)] = matched[f"rank_{r}"].astype("Int64").to_numpy()
        out[t("cmp_excluded_in", lang, name=name)] = matched[f"excluded_{r}"].to_numpy()
        out[t("cmp_reason_in", lang, name=name)] = [
            tr(x) if x else "" for x in matched[f"exclusion_reason_{r}"]
        ]
    return pd.DataFrame(out)


def _html_table(frame: pd.DataFrame, fmt: Callable[[int, str, Any], str], *, cls: str = "") -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    rows = []
    for i, rec in enumerate(frame.itertuples(index=False)):
        cells = "".join(
            f"<td{_ID_CLASS if isinstance(v, str) else ''}>{_e(fmt(i, c, v))}</td>"
            for c, v in zip(frame.columns, rec, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    attr = f' class="{cls}"' if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def comparison_page(
    table: pd.DataFrame,
    sites: pd.DataFrame,
    folders: Sequence[str],
    *,
    lang: Lang | str = "en",
    tolerance_m: float,
) -> str:
    """``comparison.html``: the measures, the chosen sites paired by place, both maps.

    Parameters
    ----------
    table : DataFrame
        :func:`comparison_table` (its ``key`` column formats the numbers and is not shown).
    sites : DataFrame
        :func:`sites_table`.
    folders : two str
        The runs' output folders beside the page (each holds ``map.html``, ``report.html``).
    lang : {"en", "he"}
    tolerance_m : float
        The pairing tolerance, stated above the sites table.
    """
    lang = Lang.parse(lang)
    # columns with nothing in them (no site excluded) are left to sites.csv
    sites = sites[[c for c in sites.columns if sites[c].notna().any() and (sites[c] != "").any()]]
    keys = table["key"].astype(str).str.split(".", n=1).str[1].tolist()
    shown = table.drop(columns="key")

    def fmt_measure(i: int, _col: str, v: Any) -> str:
        if v is None or (isinstance(v, float) and pd.isna(v)):
            return "–"
        if isinstance(v, bool) or not isinstance(v, int | float):
            return str(v)
        return fmt_value(_FORMAT_AS.get(keys[i], keys[i]), v)

    def fmt_site(_i: int, _col: str, v: Any) -> str:
        if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)):
            return "–"
        return fmt_value("", v) if isinstance(v, bool | int | float) else str(v)

    frames = "".join(
        f'<div class="pane"><h2>{_e(name)}</h2><a href="{_e(name)}/report.html">'
        f"{_e(t('cmp_report', lang))}</a> · "
        f'<a href="{_e(name)}/map.html">{_e(t("cmp_map", lang))}</a>'
        f'<iframe src="{_e(name)}/map.html" title="{_e(name)}"></iframe></div>'
        for name in folders
    )
    title = t("cmp_title", lang, a=folders[0], b=folders[1])
    note = t("cmp_sites_note", lang, tol=fmt_number(tolerance_m))
    return (
        f'<!DOCTYPE html>\n<html lang="{lang.value}" dir="{lang.dir}">\n'
        f'<head><meta charset="utf-8"><title>{_e(title)}</title><style>{_CSS}</style></head>\n'
        f"<body><h1>{_e(title)}</h1>"
        f"<p>siting {_e(__version__)} · {_e(t('cmp_files', lang))}</p>"
        f"{_html_table(shown, fmt_measure)}"
        f"<h2>{_e(t('cmp_sites', lang))}</h2><p>{_e(note)}</p>"
        f'<div class="scroll">{_html_table(sites, fmt_site, cls="sites")}</div>'
        f'<div class="panes">{frames}</div></body></html>\n'
    )
