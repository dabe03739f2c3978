"""Popup cards of the candidate sites on the map: a short headline, details behind a toggle.

Each ranked site's card describes **the best plan containing it** (the ranking's
``plan_sites``), never the site alone when the plan has several sites:

headline (``r``, at most five rows, always visible)
    rank; the plan's sites when it has more than one; the score; the plan's cost against
    the recommended plan (station: total ILS/yr; truck lots: truck-km a day), or the
    recommended plan's own cost on its own card;
what decides (``k``, up to three rows)
    the criteria with the largest score difference from the recommended plan
    (``contrib_<criterion>`` of the two plans), or, on the recommended plan's card, the
    largest parts of its score;
details (``d``, behind a ``<details>`` toggle)
    every figure of the plan (:func:`siting.decide.plans.evaluate_plan`; the recommended
    plan's figures are the run's own, ``FacilityResult.extra``), the score's parts, and the
    site's own properties (area, distance to homes, authority …).

Cards are data (strings only): the page renders them with ``textContent``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from siting.decide.plans import allocate, evaluate_plan
from siting.decide.scoring import rank_interval_columns
from siting.layers import Facility
from siting.present.features import card
from siting.present.features import text as _text
from siting.present.i18n import Lang, column_label, fmt_number, fmt_value, t

if TYPE_CHECKING:
    from siting.decide.scenario import RunResult
    from siting.decide.scoring import FacilityResult

__all__ = ["PLAN_COLUMNS", "candidate_cards", "plan_figures", "residents_within"]

#: Ranking columns that are figures of a plan, and the key of that figure in
#: :func:`siting.decide.plans.evaluate_plan` (``residents_within`` is computed here).
PLAN_COLUMNS: dict[str, str] = {
    "total_cost_ils_per_year": "total_cost_ils_per_year",
    "saving_ils_per_year": "saving_ils_per_year",
    "haul_cost_ils_per_year": "collection_cost_ils_per_year",
    "haul_tkm_per_year": "collection_tkm_per_year",
    "transfer_cost_ils_per_year": "transfer_cost_ils_per_year",
    "transfer_tkm_per_year": "transfer_tkm_per_year",
    "status_quo_cost_ils_per_year": "status_quo_cost_ils_per_year",
    "truck_km_per_day": "truck_km_per_day",
    "mean_driver_km": "mean_driver_km",
    "worst_authority_driver_km": "worst_authority_driver_km",
    "coverage_share": "coverage_share",
    "residents_within": "residents_within",
    "mean_minutes": "mean_minutes",
    "worst_authority_minutes": "worst_authority_minutes",
}
#: The plan's cost in the headline, per facility.
COST_COLUMN = {
    Facility.WASTE_STATION: "total_cost_ils_per_year",
    Facility.TRUCK_LOT: "truck_km_per_day",
}
_COST_VS = {Facility.WASTE_STATION: "pop_cost_vs", Facility.TRUCK_LOT: "pop_driver_vs"}
_GAP_COLUMNS = ("plan_gap_ils_per_year", "plan_gap", "p_in_plan")
# Ranking columns never shown as rows (in the title, or not at all).
_NOT_ROWS = frozenset(
    {
        "site_id",
        "facility",
        "excluded",
        "exclusion_reason",
        "chosen",
        "rank",
        "score",
        "plan_value",
        "plan_sites",
        "unreachable_from",
        "authority_name_en",  # shown as the authority_id row, in the map's language
        "authority_name_he",
    }
)
_SITE_ORDER = ("nearest_built_up_m", "access_road_m", "area_m2", "authority_id")
N_DECIDING = 3
MINUS = "\u2212"


def missing(value: Any) -> bool:
    """True for ``None``, ``pd.NA`` and NaN."""
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def residents_within(result: RunResult, threshold_min: float) -> pd.Series:
    """Residents of the demand points within ``threshold_min`` of each candidate."""
    minutes = np.asarray(result.costs.minutes, dtype=float)
    res = result.localities["residents"].to_numpy(dtype=float)
    within = (minutes <= threshold_min).T @ res
    return pd.Series(within, index=pd.Index(result.costs.destination_ids).astype(str))


def _pair_cost(res: FacilityResult) -> np.ndarray:
    """The cost each locality is allocated by: the weighted model's, else demand × km."""
    if res.model is not None and len(res.model.criteria):
        return np.asarray(res.model.pair_cost(), dtype=float)
    c = res.problem.demand[:, None] * np.asarray(res.problem.km, dtype=float)
    c[~np.isfinite(c)] = np.inf
    return np.asarray(c, dtype=float)


def plan_figures(
    result: RunResult, fac: Facility, sites: list[str], threshold_min: float
) -> dict[str, float]:
    """Every figure of the plan opening ``sites``, keyed by ranking column (:data:`PLAN_COLUMNS`).

    Localities go to their cheapest site of the plan (as the ranking does); the recommended
    plan's figures are those of the run (``FacilityResult.extra``).  ``residents_within``:
    residents within ``threshold_min`` of any of the plan's sites.
    """
    res = result.results[fac]
    out: dict[str, float] = {}
    problem = res.problem
    if problem is not None:
        col = {str(s): j for j, s in enumerate(problem.site_ids)}
        cols = [col[s] for s in sites]
        a = allocate(_pair_cost(res), cols)
        figs = dict(evaluate_plan(problem, cols, a).figures)
        if sorted(sites) == sorted(str(c) for c in res.chosen):
            figs.update({k: v for k, v in res.extra.items() if k in figs})
        out = {c: float(figs[k]) for c, k in PLAN_COLUMNS.items() if k in figs}
    dest = {str(s): j for j, s in enumerate(result.costs.destination_ids)}
    if all(s in dest for s in sites):
        minutes = np.asarray(result.costs.minutes, dtype=float)[:, [dest[s] for s in sites]]
        near = minutes.min(axis=1) <= threshold_min
        out["residents_within"] = float(result.localities["residents"].to_numpy(float)[near].sum())
    return out


def _signed(x: float, digits: int = 0) -> str:
    text = fmt_number(abs(x), digits)
    if text == fmt_number(0, digits):
        return "±" + text
    return ("+" if x > 0 else MINUS) + text


def _value_text(
    col: str, value: Any, names: Mapping[str, Mapping[str, str]], lang: Lang
) -> str | None:
    if missing(value):
        return None
    if col in names:  # ids of authorities / localities → their names
        key = str(int(value)) if isinstance(value, float | np.floating) else str(value)
        return names[col].get(key, key)
    if isinstance(value, str):
        return value or None
    return fmt_value(col, value)


def _rows(
    cols: list[str],
    values: Mapping[str, Any],
    names: Mapping[str, Mapping[str, str]],
    lang: Lang,
    threshold: float,
) -> list[list[str]]:
    rows = []
    for col in cols:
        text = _value_text(col, values.get(col), names, lang)
        if text is not None:
            rows.append([column_label(col, lang, t=fmt_number(threshold)), text])
    return rows


def _title(site_id: str, rank: Any, lang: Lang) -> str:
    if missing(rank):
        return f"{t('site', lang)} {site_id} — {t('excluded', lang)}"
    return f"{t('site', lang)} {site_id} — {t('rank', lang).lower()} {int(rank)}"


class _Context:
    """What every card of one facility needs: the recommended plan and the column groups."""

    def __init__(self, result: RunResult, fac: Facility, threshold: float) -> None:
        res = result.results[fac]
        rk = res.ranking
        self.fac = fac
        self.threshold = threshold
        self.n_ranked = int(rk["rank"].notna().sum())
        self.contrib = [c for c in rk.columns if c.startswith("contrib_")]
        chosen = rk[rk["chosen"].astype(bool)]
        self.ref_contrib = (
            {c: float(chosen[c].iloc[0]) for c in self.contrib} if len(chosen) else {}
        )
        self.chosen_key = tuple(sorted(str(c) for c in res.chosen))
        self._plans: dict[tuple[str, ...], dict[str, float]] = {}
        self._result = result
        self.ref = self.plan(list(self.chosen_key)) if self.chosen_key else {}
        interval = set(rank_interval_columns(list(rk.columns))) - {None}
        known = set(PLAN_COLUMNS) | set(_GAP_COLUMNS) | set(self.contrib) | interval
        self.site_cols = [c for c in _SITE_ORDER if c in rk.columns] + [
            c for c in rk.columns if c not in _NOT_ROWS and c not in known and c not in _SITE_ORDER
        ]
        self.plan_cols = [c for c in PLAN_COLUMNS if c in rk.columns or c == "residents_within"]

    def plan(self, sites: list[str]) -> dict[str, float]:
        key = tuple(sorted(sites))
        if key not in self._plans:
            self._plans[key] = plan_figures(self._result, self.fac, list(key), self.threshold)
        return self._plans[key]


def _deciding(r: Mapping[str, Any], ctx: _Context, lang: Lang) -> dict[str, Any] | None:
    """The criteria that decide the plan's score (caption and rows), or ``None``."""
    vals = {c: float(r[c]) for c in ctx.contrib if not missing(r.get(c))}
    if not vals:
        return None
    if bool(r.get("chosen")):
        top = sorted(vals, key=lambda c: -vals[c])[:N_DECIDING]
        rows = [
            [
                column_label(c.removeprefix("contrib_"), lang),
                t("pop_points", lang, x=fmt_number(vals[c], 1)),
            ]
            for c in top
        ]
        return {"c": t("pop_largest", lang), "r": rows}
    delta = {c: v - ctx.ref_contrib[c] for c, v in vals.items() if c in ctx.ref_contrib}
    top = [c for c in sorted(delta, key=lambda c: -abs(delta[c])) if abs(delta[c]) >= 0.05]
    if not top:
        return None
    rows = [
        [
            column_label(c.removeprefix("contrib_"), lang),
            t("pop_points", lang, x=_signed(delta[c], 1)),
        ]
        for c in top[:N_DECIDING]
    ]
    return {"c": t("pop_decides", lang), "r": rows}


def _ranked_card(
    r: Mapping[str, Any],
    ctx: _Context,
    lang: Lang,
    names: Mapping[str, Mapping[str, str]],
    sub: str,
) -> dict[str, Any]:
    sid = str(r["site_id"])
    sites = str(r.get("plan_sites") or sid).split("+")
    figs = ctx.plan(sites)
    head = [[t("rank", lang), t("rank_of", lang, rank=int(r["rank"]), n=ctx.n_ranked)]]
    if len(sites) > 1:
        head.append([t("pop_plan", lang), " + ".join(sites)])
    if not missing(r.get("score")):
        head.append([t("score", lang), fmt_value("score", r["score"])])
    cost_col = COST_COLUMN[ctx.fac]
    mine, ref = figs.get(cost_col), ctx.ref.get(cost_col)
    if bool(r.get("chosen")) and mine is not None:
        head.append([column_label(cost_col, lang), fmt_value(cost_col, mine)])
    elif mine is not None and ref is not None:
        head.append([t(_COST_VS[ctx.fac], lang), _signed(mine - ref)])
    out = card(_title(sid, r["rank"], lang), sub, head)
    deciding = _deciding(r, ctx, lang)
    if deciding:
        out["k"] = deciding
    groups = []
    plan_rows = _rows(ctx.plan_cols, figs, names, lang, ctx.threshold)
    plan_rows += _rows([c for c in _GAP_COLUMNS[:2] if c in r], r, names, lang, ctx.threshold)
    if plan_rows:
        groups.append({"c": t("pop_plan_figures", lang, sites=" + ".join(sites)), "r": plan_rows})
    score_rows = []
    lo_col, hi_col = rank_interval_columns(list(r))
    lo, hi = (r.get(lo_col) if lo_col else None), (r.get(hi_col) if hi_col else None)
    if lo is not None and hi is not None and not missing(lo) and not missing(hi):
        score_rows.append([column_label("rank_interval", lang), f"{int(lo)}–{int(hi)}"])
    score_rows += _rows(["p_in_plan", *ctx.contrib], r, names, lang, ctx.threshold)
    if score_rows:
        groups.append({"c": t("pop_scores", lang), "r": score_rows})
    site_rows = _rows(ctx.site_cols, r, names, lang, ctx.threshold)
    if site_rows:
        groups.append({"c": t("pop_site_figures", lang), "r": site_rows})
    n = sum(len(g["r"]) for g in groups)
    if n:
        out["d"] = {"s": t("pop_details", lang, n=n), "g": groups}
    return out


def candidate_cards(
    result: RunResult,
    fac: Facility,
    lang: Lang,
    *,
    threshold: float,
    names: Mapping[str, Mapping[str, str]],
    translate: Callable[[str], str],
) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Site id → (popup card, tooltip card) for every candidate of ``fac``."""
    res = result.results[fac]
    rk = res.ranking.copy()
    rk["site_id"] = rk["site_id"].astype(str)
    ctx = _Context(result, fac, threshold)
    chosen = {str(c) for c in res.chosen}
    out = {}
    for r in rk.to_dict("records"):
        sid = r["site_id"]
        sub = t(fac.value, lang) + (f" — {t('chosen', lang)} ✓" if sid in chosen else "")
        if bool(r["excluded"]) or missing(r.get("rank")):
            reason = translate(_text(r.get("exclusion_reason"))) or t("not_ranked", lang)
            popup = card(_title(sid, None, lang), sub, [[t("reason", lang), reason]])
            what = t("excluded", lang) if bool(r["excluded"]) else reason
            out[sid] = (popup, card(f"{sid}: {what}", reason))
            continue
        shown = (
            f" · {t('score', lang)} {fmt_value('score', r['score'])}"
            if not missing(r.get("score"))
            else ""
        )
        tip = card(f"{sid} · {t('rank', lang)} {int(r['rank'])}{shown}")
        out[sid] = (_ranked_card(r, ctx, lang, names, sub), tip)
    return out
