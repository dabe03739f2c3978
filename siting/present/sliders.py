"""Weights a committee member can move in the map: the data the page re-scores, and Python's answer.

For each weighted facility the map embeds one row per plan the page can choose:

* one site per plan (``sites = 1``): every ranked site's single-site plan, *exact* — the
  page's choice for any weights is the plan the weighted model would pick;
* several sites: each ranked site's best plan (the ``plan_sites`` of the ranking, found
  with the scenario's weights), *approximate* — other weights might prefer a plan that
  was never computed, and the panel says so.

A plan's row holds its normalised criterion values ``n_k`` (as in
:class:`siting.decide.plans.Plan`), so its score for weights ``w`` is
``100 · Σ_k w_k n_k / Σ_k w_k``, and its figures (cost, coverage, equity, distance from
homes).  :func:`choose_for_weights` computes, from the same rows, the choice the page
shows; the browser test compares the two.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from branca.element import MacroElement
from folium.template import Template

from siting.decide.choose import sites_of
from siting.decide.plans import allocate, evaluate_plan
from siting.layers import Facility

if TYPE_CHECKING:
    from siting.decide.scenario import RunResult

__all__ = ["FIGURES", "WeightsScript", "choose_for_weights", "weight_data", "weights_panel"]

#: Figures the panel compares with the recommended plan: (key, ranking column per facility).
FIGURES = ("cost", "coverage_share", "worst_authority_minutes", "nearest_built_up_m")
_COST = {
    Facility.WASTE_STATION: "total_cost_ils_per_year",
    Facility.TRUCK_LOT: "truck_km_per_day",
}


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def weight_data(result: RunResult, fac: Facility) -> dict[str, Any] | None:
    """The plans the page can re-score for facility ``fac``, or ``None`` without a weighted model.

    Returns
    -------
    dict
        ``criteria`` (names), ``weights`` (the scenario's, sum 1), ``exact`` (bool),
        ``plans``: list of ``{"sites": [ids], "n": [n_k …], "fig": {…}}`` in ranking
        order, ``site_plan``: site id → index of its plan, ``chosen``: index of the
        recommended plan, ``cost_unit``.
    """
    res = result.results[fac]
    model, problem = res.model, res.problem
    if model is None or problem is None or not len(model.criteria):
        return None
    ids = [str(s) for s in problem.site_ids]
    col = {s: j for j, s in enumerate(ids)}
    rk = res.ranking[res.ranking["rank"].notna()].sort_values("rank", kind="stable")
    exact = sites_of(result.scenario, fac) == 1
    cost = model.pair_cost()
    n_loc = len(problem.demand)
    plans: list[dict[str, Any]] = []
    index: dict[tuple[str, ...], int] = {}
    site_plan: dict[str, int] = {}
    chosen_key = tuple(sorted(str(c) for c in res.chosen))
    for rec in rk.itertuples(index=False):
        sid = str(rec.site_id)
        key = (sid,) if exact else tuple(sorted(str(getattr(rec, "plan_sites", sid)).split("+")))
        if key not in index:
            cols = [col[s] for s in key]
            a = np.full(n_loc, cols[0]) if len(cols) == 1 else allocate(cost, cols)
            plan = evaluate_plan(problem, cols, a, model=model)
            n = [plan.criteria[c] for c in model.criteria]
            if not all(np.isfinite(n)):
                continue
            f = plan.figures
            fig = {
                "cost": _finite(f.get(_COST[fac], np.nan)),
                "coverage_share": _finite(f.get("coverage_share", np.nan)),
                "worst_authority_minutes": _finite(f.get("worst_authority_minutes", np.nan)),
                "nearest_built_up_m": _finite(
                    min(s["nearest_built_up_m"] for s in plan.site_figures)
                ),
            }
            index[key] = len(plans)
            plans.append({"sites": list(key), "n": [round(float(x), 9) for x in n], "fig": fig})
        site_plan[sid] = index[key]
    if not plans:
        return None
    return {
        "criteria": list(model.criteria),
        "weights": [float(w) for w in model.weights],
        "exact": exact,
        "plans": plans,
        "site_plan": site_plan,
        "chosen": index.get(chosen_key, 0),
        "cost_unit": _COST[fac],
    }


def _scores(data: Mapping[str, Any], weights: Mapping[str, float]) -> np.ndarray:
    w = np.array([max(float(weights.get(c, 0.0)), 0.0) for c in data["criteria"]])
    if w.sum() <= 0:
        w = np.ones(len(w))
    w = w / w.sum()
    n = np.array([p["n"] for p in data["plans"]], dtype=float)
    return 100.0 * (n @ w)


def choose_for_weights(
    result: RunResult, fac: Facility, weights: Mapping[str, float]
) -> dict[str, Any] | None:
    """The plan the map's weights panel shows for ``weights`` (criterion → weight, any scale).

    Weights are renormalised to sum 1 (missing criteria weigh 0; all zero means equal
    weights); the plan with the highest score wins, the first in ranking order on ties.

    Returns
    -------
    dict or None
        ``sites`` (ids), ``score``, ``fig`` (see :func:`weight_data`) and ``exact``.
    """
    data = weight_data(result, fac)
    if data is None:
        return None
    scores = _scores(data, weights)
    best = int(np.argmax(scores))
    plan = data["plans"][best]
    return {
        "sites": plan["sites"],
        "score": float(scores[best]),
        "fig": plan["fig"],
        "exact": data["exact"],
    }


# ----------------------------------------------------------------------------- the panel
_PANEL_JS = """
(function () {
  var D = %(data)s, L10N = %(l10n)s, STOPS = %(stops)s;
  var layers = window.siting.layers;
  function hex(c) { return [1, 3, 5].map(function (i) { return parseInt(c.substr(i, 2), 16); }); }
  function ramp(x) {
    for (var i = 1; i < STOPS.length; i++) {
      if (x <= STOPS[i][0] || i === STOPS.length - 1) {
        var a = STOPS[i - 1], b = STOPS[i], f = (x - a[0]) / ((b[0] - a[0]) || 1);
        f = Math.max(0, Math.min(1, f));
        var p = hex(a[1]), q = hex(b[1]);
        return "#" + p.map(function (v, k) {
          return ("0" + Math.round(v + f * (q[k] - v)).toString(16)).slice(-2);
        }).join("");
      }
    }
    return STOPS[STOPS.length - 1][1];
  }
  function num(x, d) {
    return x === null ? "–" : x.toLocaleString("en-US", {maximumFractionDigits: d || 0});
  }
  function signed(x, d) { return (x > 0 ? "+" : x < 0 ? "−" : "±") + num(Math.abs(x), d); }
  Object.keys(D).forEach(function (fac) {
    var d = D[fac], box = document.querySelector('[data-siting-fac="' + fac + '"]');
    if (!box) { return; }
    var w = d.weights.slice(), inputs = box.querySelectorAll("input[type=range]");
    var out = box.querySelector(".siting-w-out");
    function update() {
      var sum = w.reduce(function (a, b) { return a + b; }, 0);
      var ws = sum > 0 ? w.map(function (x) { return x / sum; }) : w.map(function () {
        return 1 / w.length; });
      inputs.forEach(function (el, k) {
        el.nextElementSibling.textContent = Math.round(100 * ws[k]) + "%%";
      });
      var scores = d.plans.map(function (p) {
        var s = 0; for (var k = 0; k < ws.length; k++) { s += ws[k] * p.n[k]; } return 100 * s;
      });
      var best = 0;
      for (var i = 1; i < scores.length; i++) { if (scores[i] > scores[best]) { best = i; } }
      var lo = Math.min.apply(null, scores), hi = Math.max.apply(null, scores);
      var layer = layers["candidates:" + fac];
      if (layer) {
        layer.eachLayer(function (l) {
          var j = d.site_plan[l.feature.properties.id];
          if (j === undefined) { return; }
          l.setStyle({fillColor: ramp(hi > lo ? (scores[j] - lo) / (hi - lo) : 1)});
        });
      }
      var p = d.plans[best], r = d.plans[d.chosen];
      out.dataset.choice = p.sites.join("+");
      out.textContent = "";
      var head = document.createElement("b");
      head.textContent = L10N.choice + ": " + p.sites.join(" + ") + " (" + L10N.score + " " +
        num(scores[best], 1) + ")" + (best === d.chosen ? " — " + L10N.same : "");
      out.appendChild(head);
      if (best !== d.chosen) {
        var t = document.createElement("table");
        var cap = document.createElement("caption"); cap.textContent = L10N.vs; t.appendChild(cap);
        d.figs.forEach(function (f) {
          var a = p.fig[f[0]], b = r.fig[f[0]], tr = document.createElement("tr");
          var th = document.createElement("th"), td = document.createElement("td");
          th.textContent = f[1];
          td.textContent = (a === null ? "–" : num(f[3] * a, f[2])) + " (" +
            (a === null || b === null ? "–" : signed(f[3] * (a - b), f[2])) + ")";
          tr.appendChild(th); tr.appendChild(td); t.appendChild(tr);
        });
        out.appendChild(t);
      }
    }
    inputs.forEach(function (el, k) {
      el.addEventListener("input", function () { w[k] = Number(el.value) / 100; update(); });
    });
    box.querySelector("button").addEventListener("click", function () {
      w = d.weights.slice();
      inputs.forEach(function (el, k) { el.value = Math.round(100 * w[k]); });
      update();
    });
    update();
  });
})();
"""


def weights_panel(result: RunResult, lang: Any) -> tuple[str, str] | None:
    """The weights panel's HTML and its script (run after ``window.siting`` exists)."""
    from siting.facility import spec
    from siting.present.i18n import Lang, column_label, fmt_number, t
    from siting.present.mappage import SCORE_STOPS, _e, _js

    lang = Lang.parse(lang)
    data: dict[str, Any] = {}
    parts = []
    for fac in result.results:
        d = weight_data(result, fac)
        if d is None:
            continue
        data[fac.value] = d
        thr = spec(fac).threshold_min(result.scenario)
        # figure, label, decimals, scale (coverage in percentage points)
        d["figs"] = [
            ["cost", column_label(_COST[fac], lang), 0, 1],
            ["coverage_share", column_label("coverage_share", lang, t=fmt_number(thr)), 1, 100],
            ["worst_authority_minutes", column_label("worst_authority_minutes", lang), 1, 1],
            ["nearest_built_up_m", t("w_homes", lang), 0, 1],
        ]
        rows = "".join(
            f'<label class="siting-w-row"><span>{_e(column_label(c, lang))}</span>'
            f'<input type="range" min="0" max="100" step="1" value="{round(100 * w)}" '
            f'aria-label="{_e(column_label(c, lang))}"><output></output></label>'
            for c, w in zip(d["criteria"], d["weights"], strict=True)
        )
        note = t("w_exact" if d["exact"] else "w_approx", lang)
        cls = "sub" if d["exact"] else "warn"
        parts.append(
            f'<div class="siting-w-fac" data-siting-fac="{_e(fac.value)}">'
            f"<b>{_e(t(fac.value, lang))}</b>{rows}"
            f'<button type="button">{_e(t("w_reset", lang))}</button>'
            f'<div class="{cls}">{_e(note)}</div>'
            f'<div class="siting-w-out" aria-live="polite"></div></div>'
        )
    if not data:
        return None
    l10n = {
        "choice": t("w_choice", lang),
        "same": t("w_same", lang),
        "vs": t("w_vs", lang),
        "score": t("score", lang),
    }
    html = (
        f'<details open id="siting-weights" class="siting-panel siting-weights" dir="{lang.dir}">'
        f"<summary><b>{_e(t('w_title', lang))}</b></summary>{''.join(parts)}</details>"
    )
    script = _PANEL_JS % {"data": _js(data), "l10n": _js(l10n), "stops": _js(SCORE_STOPS)}
    return html, script


class WeightsScript(MacroElement):
    """The panel's script, rendered after the map's own (it needs ``window.siting``)."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.js }}{% endmacro %}")

    def __init__(self, js: str) -> None:
        super().__init__()
        self._name = "SitingWeights"
        self.js = js
