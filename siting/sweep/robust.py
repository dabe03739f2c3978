"""The sweep's tables: one row per scenario and facility, and the robust choice (regret).

Regret of a plan in a scenario is what choosing it costs against the plan that scenario's
own rule chose (its optimum), both priced the same way on that scenario's problem:

* waste station: total cost, ``regret = cost(plan) − cost(scenario's plan)`` in ILS/yr (a
  plan cheaper than the weighted optimum, which won on other criteria, has a negative
  regret);
* truck lots: the weighted score, ``regret = score(scenario's plan) − score(plan)`` in
  score points (≥ 0 when the optimum is proven); under a non-weighted objective the mean
  driver km difference instead.

A plan with a site that does not exist, or is excluded, in a scenario is infeasible there:
the table says where and why, and only plans feasible in every scenario can be the robust
recommendation: the one with the smallest worst-case regret (then mean regret, then first).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from siting.sweep.engine import Place, Solved, facility_order
from siting.sweep.spec import Sweep

__all__ = ["REGRET_UNITS", "robust_table", "site_shares", "sweep_table"]

#: Unit of the regret per facility, and which priced figure it compares.
REGRET_UNITS = {
    "waste_station": ("ILS/yr", "cost_ils_per_year", 1.0),
    "truck_lot": ("score points", "score", -1.0),
}
_FALLBACK = ("km (mean driver)", "mean_driver_km", 1.0)


def sweep_table(sweep: Sweep, summaries: Sequence[Solved]) -> pd.DataFrame:
    """``sweep.csv``: one row per scenario × facility, in scenario order."""
    rows = []
    for it, sm in zip(sweep.scenarios, summaries, strict=True):
        for r in sm.rows:
            rows.append(
                {
                    "scenario_id": it.id,
                    "group": it.group,
                    **it.axis_values,
                    **r,
                    "seed": it.scenario.seed,
                }
            )
    frame = pd.DataFrame(rows)
    lead = ["scenario_id", "group", *sweep.axes, "facility", "status"]
    rest = [c for c in frame.columns if c not in lead]
    return frame[[c for c in lead if c in frame.columns] + rest]


def _unit(fac: str, priced: Sequence[dict[str, Any]]) -> tuple[str, str, float]:
    unit = REGRET_UNITS.get(fac, _FALLBACK)
    if unit[1] == "score" and not all(np.isfinite(r.get("score", np.nan)) for r in priced):
        return _FALLBACK
    return unit


def robust_table(
    sweep: Sweep,
    summaries: Sequence[Solved],
    priced: Sequence[dict[str, list[dict[str, Any]]]],
    compared: dict[tuple[str, str], list[tuple[str, tuple[Place, ...]]]],
) -> pd.DataFrame:
    """``robust.csv``: per group, facility and plan its value and regret in every scenario.

    Columns: ``group, facility, plan, name, plan_places, plan_sites, optimal_in,
    n_optimal, value_unit, regret_unit, n_scenarios, n_infeasible, infeasible_in,
    feasible_everywhere, max_regret, mean_regret, max_score_regret, mean_score_regret,
    robust, failed``, then ``value_<id>``,
    ``regret_<id>`` per scenario of the group (failed scenarios are left out and named
    in ``failed``).
    """
    rows: list[dict[str, Any]] = []
    facs = facility_order([f for _, f in compared])
    for group in dict.fromkeys(it.group for it in sweep.scenarios):
        members = [
            (it, sm, pr)
            for it, sm, pr in zip(sweep.scenarios, summaries, priced, strict=True)
            if it.group == group
        ]
        for fac in facs:
            plans = compared.get((group, fac))
            if not plans:
                continue
            ok = [(it, sm, pr[fac]) for it, sm, pr in members if fac in pr and fac in sm.plans]
            failed = [it.id for it, sm, pr in members if fac not in pr or fac not in sm.plans]
            unit, key, sign = _unit(fac, [r for _, _, p in ok for r in p if not r["infeasible"]])
            group_rows = []
            for k, (name, plan) in enumerate(plans):
                optimal = [it.id for it, sm, _ in ok if sm.plans[fac] == plan]
                sites = next((p[k]["sites"] for _, _, p in ok if not p[k]["infeasible"]), "")
                row: dict[str, Any] = {
                    "group": group,
                    "facility": fac,
                    "plan": f"P{k + 1}",
                    "name": name,
                    "plan_places": ";".join(f"{x} {y}" for x, y in plan),
                    "plan_sites": sites,
                    "optimal_in": ";".join(optimal),
                    "n_optimal": len(optimal),
                    "value_unit": unit if key != "cost_ils_per_year" else "ILS/yr",
                    "regret_unit": unit,
                }
                values, regrets, score_regrets, infeasible = {}, {}, {}, []
                for it, sm, p in ok:
                    mine = p[k]
                    best = p[plans.index(next(q for q in plans if q[1] == sm.plans[fac]))]
                    if mine["infeasible"]:
                        infeasible.append(f"{it.id}: {mine['infeasible']}")
                        values[it.id] = regrets[it.id] = np.nan
                        continue
                    values[it.id] = float(mine[key])
                    regrets[it.id] = sign * (float(mine[key]) - float(best[key])) + 0.0
                    score_regrets[it.id] = float(best["score"]) - float(mine["score"]) + 0.0
                finite = [v for v in regrets.values() if np.isfinite(v)]
                scores = [v for v in score_regrets.values() if np.isfinite(v)]
                row.update(
                    n_scenarios=len(ok),
                    n_infeasible=len(infeasible),
                    infeasible_in="; ".join(infeasible),
                    feasible_everywhere=not infeasible,
                    max_regret=max(finite) if finite else np.nan,
                    mean_regret=float(np.mean(finite)) if finite else np.nan,
                    max_score_regret=max(scores) if scores else np.nan,
                    mean_score_regret=float(np.mean(scores)) if scores else np.nan,
                    robust=False,
                    failed=";".join(failed),
                )
                for it, _, _ in ok:
                    row[f"value_{it.id}"] = values[it.id]
                    row[f"regret_{it.id}"] = regrets[it.id]
                group_rows.append(row)
            feasible = [r for r in group_rows if r["feasible_everywhere"] and r["n_scenarios"]]
            if feasible:
                best_row = min(
                    feasible,
                    key=lambda r: (r["max_regret"], r["mean_regret"], int(r["plan"][1:])),
                )
                best_row["robust"] = True
            rows += group_rows
    return pd.DataFrame(rows)


def site_shares(summaries: Sequence[Solved], sweep: Sweep) -> pd.DataFrame:
    """How often each site (place) is in a scenario's chosen plan: ``group, facility,
    place, sites, n_chosen, share`` (of the group's solved scenarios)."""
    counts: dict[tuple[str, str, Place], int] = {}
    solved: dict[tuple[str, str], int] = {}
    ids: dict[tuple[str, str, Place], set[str]] = {}
    for it, sm in zip(sweep.scenarios, summaries, strict=True):
        for fac, plan in sm.plans.items():
            solved[(it.group, fac)] = solved.get((it.group, fac), 0) + 1
            row = next(r for r in sm.rows if r["facility"] == fac)
            sites = str(row["plan_sites"]).split(";")
            for place, sid in zip(plan, _ids_by_place(row, sites), strict=True):
                key = (it.group, fac, place)
                counts[key] = counts.get(key, 0) + 1
                ids.setdefault(key, set()).add(sid)
    rows = [
        {
            "group": g,
            "facility": f,
            "place": f"{p[0]} {p[1]}",
            "sites": ";".join(sorted(ids[(g, f, p)])),
            "n_chosen": n,
            "share": n / solved[(g, f)],
        }
        for (g, f, p), n in counts.items()
    ]
    frame = pd.DataFrame(rows, columns=["group", "facility", "place", "sites", "n_chosen", "share"])
    return frame.sort_values(
        ["group", "facility", "n_chosen", "place"], ascending=[True, True, False, True]
    ).reset_index(drop=True)


def _ids_by_place(row: dict[str, Any], sites: list[str]) -> list[str]:
    """The plan's site ids in the order of its sorted places."""
    places = [tuple(int(v) for v in s.split()) for s in str(row["plan_places"]).split(";")]
    return [sid for _, sid in sorted(zip(places, sites, strict=True))]
