"""How each facility's plan is chosen and described.

One exact model per facility, chosen by the facility's ``objective`` parameter:

* ``weighted`` (default): the committee's weighted criteria on fixed anchors
  (:mod:`siting.decide.plans`), a p-median on the per-pair weighted score;
* ``cost``: least annual cost (station: collection + transfer ILS/yr; lots: truck-km);
* ``p-center``: least worst travel time of any locality (equity);
* ``coverage``: most demand within the threshold (MCLP);
* ``fixed-charge`` (truck lots): how many lots and where, lot cost + driver travel cost.

Truck lots are always limited by each plot's capacity (area / m² per space).  The ranking
gives each candidate the rank of the **best plan containing it** (:mod:`siting.decide.optimise`),
so the chosen sites are ranks 1..k; the Monte Carlo over the weights re-solves the plan for
every draw.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.costs import CostMatrix
from siting.criteria import FacilityProblem, criteria_table
from siting.decide.optimise import (
    MIP_DRAW_LIMIT,
    Aggregate,
    PlanSolution,
    SiteRanking,
    best_plan,
    draws_in_plan,
    rank_sites,
)
from siting.decide.plans import (
    Plan,
    PlanModel,
    _pair_cost_ils,
    allocate,
    build_model,
    evaluate_plan,
)
from siting.decide.scenario import SNAP_DETAIL, Scenario
from siting.decide.scoring import FacilityResult
from siting.decide.sensitivity import draw_weights
from siting.errors import InfeasibleError, SitingError
from siting.facility import spec
from siting.layers import Facility

__all__ = [
    "Choice",
    "access_distances",
    "eligible_sites",
    "facility_problem",
    "facility_result",
    "solve_facility",
    "trade_offs",
]

log = logging.getLogger(__name__)

UNITS = {
    "weighted": "weighted score (anchored criteria, higher is better)",
    "cost_waste": "ILS per year (collection + transfer + handling)",
    "cost_truck": "truck-km per day (home locality to lot, one way)",
    "p-center": "minutes (worst locality's travel time)",
    "coverage": "share of demand within the threshold",
    "fixed-charge": "ILS per year (lots + driver travel)",
}


def access_distances(costs: CostMatrix, m: int) -> np.ndarray:
    """Each candidate's distance to the road network (m), NaN when the model has none."""
    snap = costs.details.get(SNAP_DETAIL)
    if snap is None:
        return np.full(m, np.nan)
    arr = np.asarray(snap, dtype=float)
    return arr if arr.shape == (m,) else np.full(m, np.nan)


def facility_problem(
    s: Scenario,
    fac: Facility,
    *,
    loc: pd.DataFrame,
    cand: gpd.GeoDataFrame,
    costs: CostMatrix,
    required_area_m2: float,
    destination: np.ndarray | None,
    transfer_km: np.ndarray | None,
    status_quo_km: np.ndarray | None,
    reference_km: np.ndarray | None = None,
    reference_transfer_km: np.ndarray | None = None,
) -> FacilityProblem:
    """Everything the models need for one facility (arrays by locality and candidate)."""
    waste = fac is Facility.WASTE_STATION
    w = s.waste
    load = capacity = None
    if not waste:
        t = s.truck
        load = loc["trucks"].to_numpy(dtype=float) * t.occupancy
        area = cand["area_m2"].to_numpy(dtype=float)
        capacity = np.where(np.isfinite(area), area / t.m2_per_space, np.inf)
        if t.lot_capacity_spaces is not None:
            capacity = np.minimum(capacity, t.lot_capacity_spaces)
    return FacilityProblem(
        facility=fac,
        site_ids=cand["id"].to_numpy(),
        km=costs.km,
        minutes=costs.minutes,
        demand=loc[spec(fac).demand_column].to_numpy(dtype=float),
        authority=loc["authority_id"].astype(int).to_numpy(),
        locality_names=loc["name"].astype(str).to_numpy(),
        threshold_min=spec(fac).threshold_min(s),
        reasons=cand[f"reason_{fac.value}"].fillna("").astype(str).to_numpy(),
        area_m2=cand["area_m2"].to_numpy(dtype=float),
        required_area_m2=required_area_m2,
        nearest_built_up_m=cand["nearest_built_up_m"].to_numpy(dtype=float),
        access_m=access_distances(costs, len(cand)),
        cost_ils_per_tkm=w.cost_ils_per_tkm,
        transfer_cost_ils_per_tkm=w.cost_ils_per_tkm
        * w.collection_payload_t
        / w.transfer_payload_t
        * w.transfer_vkm_cost_ratio,
        station_cost_ils_per_t=w.station_cost_ils_per_t,
        transfer_share=w.transfer_share,
        destination=destination if waste else None,
        transfer_km=transfer_km if waste else None,
        status_quo_km=status_quo_km if waste else None,
        buffer_m=spec(fac).buffer_m(s),
        reference_km=reference_km,
        reference_transfer_km=reference_transfer_km if waste else None,
        load=load,
        capacity=capacity,
    )


def eligible_sites(s: Scenario, fac: Facility, problem: FacilityProblem) -> np.ndarray:
    """The candidates that pass the hard constraints for ``fac`` (as :func:`facility_result`
    sees them, before any co-location rule)."""
    single = sites_of(s, fac) == 1 and objective_of(s, fac) != "fixed-charge"
    table = criteria_table(problem, unreachable_excludes=single)
    return ~table["excluded"].to_numpy(dtype=bool)


def objective_of(s: Scenario, fac: Facility) -> str:
    """The facility's plan objective (``weighted``, ``cost``, ``p-center``, ``coverage``,
    ``fixed-charge``)."""
    return s.waste.objective if fac is Facility.WASTE_STATION else s.truck.plan_objective


def sites_of(s: Scenario, fac: Facility) -> int:
    """Sites per plan (``n_sites`` / ``n_lots``; the fixed-charge model chooses its own)."""
    return s.waste.n_sites if fac is Facility.WASTE_STATION else s.truck.n_lots


@dataclass
class Choice:
    """What one facility's model decided (``plan`` is ``None`` when no plan exists)."""

    objective: str
    p: int
    eligible: np.ndarray
    cost: np.ndarray | None
    agg: Aggregate
    model: PlanModel | None
    solution: PlanSolution | None
    plan: Plan | None
    unit: str
    solver: str
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def _pair_cost(
    objective: str, p: FacilityProblem, model: PlanModel | None
) -> tuple[np.ndarray, Aggregate]:
    if objective == "weighted":
        assert model is not None
        return model.pair_cost(), Aggregate.SUM
    if objective == "cost":
        if p.facility is Facility.WASTE_STATION:
            return _pair_cost_ils(p), Aggregate.SUM
        c = p.demand[:, None] * p.km
        c[~np.isfinite(c)] = np.inf
        return c, Aggregate.SUM
    if objective == "p-center":
        c = np.where(p.demand[:, None] > 0, p.minutes, 0.0)
        c[~np.isfinite(c)] = np.inf
        return c, Aggregate.MAX
    if objective == "coverage":
        with np.errstate(invalid="ignore"):
            covered = np.isfinite(p.minutes) & (p.minutes <= p.threshold_min)
        return -(p.demand[:, None] * covered), Aggregate.SUM
    raise ValueError(f"unknown objective {objective!r}")


def _value(objective: str, p: FacilityProblem, sol: PlanSolution, model: PlanModel | None) -> float:
    """The plan's objective in its own unit (score, ILS/yr, minutes, share)."""
    if objective == "weighted":
        assert model is not None
        return model.offset() - sol.value
    if objective == "cost" and p.facility is Facility.WASTE_STATION:
        return sol.value + float(p.demand.sum()) * p.station_cost_ils_per_t
    if objective == "coverage":
        total = float(p.demand.sum())
        return -sol.value / total if total > 0 else 0.0
    return sol.value


def solve_facility(
    s: Scenario,
    fac: Facility,
    problem: FacilityProblem,
    eligible: np.ndarray,
    weights: dict[str, float],
) -> Choice:
    """Choose ``fac``'s plan under the scenario's objective (no ranking, no Monte Carlo)."""
    objective = objective_of(s, fac)
    p = sites_of(s, fac)
    notes: list[str] = []
    if objective == "fixed-charge":
        return _fixed_charge(s, problem, eligible)
    model = build_model(
        problem,
        weights,
        far_enough_m=s.scoring.nuisance_saturation_m,
        area_ratio_cap=s.scoring.area_ratio_cap,
        access_limit_m=s.scoring.access_limit_m,
        eligible=eligible,
    )
    notes += list(model.notes)
    if objective == "weighted" and not model.criteria:
        raise InfeasibleError(
            f"{fac.value}: none of the weighted criteria ({', '.join(weights)}) has data that "
            "separates the eligible sites; give other weights or data"
        )
    cost, agg = _pair_cost(objective, problem, model if objective == "weighted" else None)
    capped = problem.capacity is not None and problem.load is not None
    sol = best_plan(
        cost,
        p,
        eligible,
        agg=agg,
        load=problem.load if capped else None,
        capacity=problem.capacity if capped else None,
        time_limit_s=s.truck.time_limit_s,
    )
    plan = evaluate_plan(
        problem,
        sol.sites,
        sol.assignment,
        model=model,
        capacity=problem.capacity,
        load=problem.load,
    )
    value = _value(objective, problem, sol, model)
    if objective == "cost":
        unit = UNITS["cost_waste" if fac is Facility.WASTE_STATION else "cost_truck"]
    else:
        unit = UNITS[objective]
    gap = sol.details.get("gap", float("nan"))
    proof = "proven optimal" if sol.proven else f"NOT proven optimal (gap {gap:.2%})"
    solver = (
        f"{objective} plan of {p} site(s) over {int(eligible.sum())} eligible sites: "
        f"{sol.method}, {proof}"
    )
    return Choice(
        objective=objective,
        p=p,
        eligible=eligible,
        cost=cost,
        agg=agg,
        model=model,
        solution=replace(sol, value=sol.value),
        plan=plan,
        unit=unit,
        solver=solver,
        notes=notes,
        extra={"objective_value": value},
    )


def _fixed_charge(s: Scenario, problem: FacilityProblem, eligible: np.ndarray) -> Choice:
    """How many lots and where: annual lot cost + driver travel cost under capacities.

    Travel is weighted by trucks (each truck's driver makes the home–lot round trip on
    ``driver_days_per_year`` days); capacity is in spaces (trucks × occupancy).
    """
    from siting import locate

    t = s.truck
    assert t.lot_capacity_spaces is not None
    assert t.lot_cost_ils_per_year is not None
    assert t.driver_cost_ils_per_km is not None
    assert problem.load is not None
    assert problem.capacity is not None
    km = np.where(np.isfinite(problem.km), problem.km, np.inf)
    per_truck_year = km * 2.0 * t.driver_days_per_year * t.driver_cost_ils_per_km
    sol = locate.fixed_charge(
        per_truck_year,
        problem.load,
        problem.capacity,
        t.lot_cost_ils_per_year,
        cost_weights=problem.demand,
        single_sourcing=t.single_sourcing,
        banned=np.flatnonzero(~eligible).tolist(),
        time_limit_s=t.time_limit_s,
    )
    opened = len(sol.sites)
    lot_cost = opened * t.lot_cost_ils_per_year
    assign = np.asarray(sol.assignment)
    if sol.allocation is not None and not t.single_sourcing:
        # report each row at the lot taking the largest share; loads come from the shares
        assign = np.asarray(np.argmax(sol.allocation, axis=1))
    plan = evaluate_plan(problem, sol.sites, assign, capacity=problem.capacity, load=problem.load)
    if sol.allocation is not None and not t.single_sourcing:
        loads = np.asarray(sol.allocation).T @ problem.load
        for row in plan.site_figures:
            row["load_capacity_units"] = float(loads[row["column"]])
            row["load"] = float(np.asarray(sol.allocation).T[row["column"]] @ problem.demand)
    notes = [
        f"truck_lot: fixed-charge model opened {opened} lot(s): lot cost {lot_cost:,.0f} "
        f"ILS/yr + driver travel {sol.objective - lot_cost:,.0f} ILS/yr (home-lot round trip "
        f"{t.driver_days_per_year:g} days/yr at {t.driver_cost_ils_per_km:g} ILS/km per truck; "
        f"capacity {t.lot_capacity_spaces:g} spaces per lot and each plot's area / "
        f"{t.m2_per_space:g} m² per space{', single-sourced' if t.single_sourcing else ''}). "
        "Lot cost, capacity and ILS/km are the committee's figures (no source gives them)."
    ]
    proof = (
        "proven optimal"
        if sol.proven_optimal
        else f"NOT proven optimal: {sol.status}, gap {sol.gap:.2%}"
    )
    return Choice(
        objective="fixed-charge",
        p=opened,
        eligible=eligible,
        cost=None,
        agg=Aggregate.SUM,
        model=None,
        solution=PlanSolution(
            tuple(sol.sites),
            assign,
            float(sol.objective),
            bool(sol.proven_optimal),
            "fixed-charge, HiGHS",
        ),
        plan=plan,
        unit=UNITS["fixed-charge"],
        solver=(
            f"capacitated fixed-charge over {int(eligible.sum())} eligible sites, HiGHS, {proof}"
        ),
        notes=notes,
        extra={
            "objective_value": float(sol.objective),
            "gap": float(sol.gap),
            "solve_seconds": float(sol.solve_seconds),
            "lots_opened": opened,
            "lot_cost_ils_per_year": lot_cost,
            "driver_cost_ils_per_year": float(sol.objective - lot_cost),
        },
    )


def _draws(s: Scenario, fac: Facility, model: PlanModel) -> np.ndarray:
    rng = np.random.default_rng([s.seed, list(Facility).index(fac)])
    given = s.weight_ranges.get(fac, s.weight_ranges.get(fac.value))
    ranges = None
    if given:
        ranges = [
            (float(given[c][0]), float(given[c][1])) if c in given else (w, w)
            for c, w in zip(model.criteria, model.weights, strict=True)
        ]
    return draw_weights(
        model.weights,
        n_draws=s.sensitivity.n_draws,
        rng=rng,
        concentration=s.sensitivity.concentration,
        ranges=ranges,
    )


def _pct_label(x: float) -> str:
    return f"{x:g}".replace(".", "_")


def _ranking(
    s: Scenario,
    fac: Facility,
    problem: FacilityProblem,
    table: pd.DataFrame,
    choice: Choice,
) -> tuple[pd.DataFrame, dict[str, Any], list[str]]:
    """The ranking table: each site at the rank of the best plan containing it."""
    m = len(table)
    notes: list[str] = []
    extra: dict[str, Any] = {}
    out = table.copy()
    lo_pct, hi_pct = s.sensitivity.rank_interval_pct
    lo_col, hi_col = f"rank_p{_pct_label(lo_pct)}", f"rank_p{_pct_label(hi_pct)}"
    for col in ("rank", lo_col, hi_col):
        out[col] = pd.array([pd.NA] * m, dtype="Int64")
    for col in ("score", "plan_value", "plan_gap", "plan_gap_ils_per_year", "p_in_plan"):
        out[col] = np.nan
    out["plan_sites"] = ""
    out["chosen"] = False
    sol, plan = choice.solution, choice.plan
    if sol is None or plan is None:
        return out, extra, notes
    ids = problem.site_ids.astype(str)
    chosen_cols = list(sol.sites)
    out.loc[chosen_cols, "chosen"] = True
    ranking: SiteRanking | None = None
    if choice.cost is not None:
        ranking = rank_sites(
            choice.cost,
            choice.p,
            choice.eligible,
            sol,
            agg=choice.agg,
            load=problem.load,
            capacity=problem.capacity,
            time_limit_s=s.truck.time_limit_s,
        )
        extra["ranking_method"] = ranking.method
        if "swap" in ranking.method:
            notes.append(f"{fac.value}: ranking: {ranking.method}.")
        elif not ranking.computed[choice.eligible].all():
            notes.append(
                f"{fac.value}: {int(ranking.computed.sum())} of {int(choice.eligible.sum())} "
                f"eligible sites are ranked ({ranking.method})."
            )
    else:
        notes.append(
            f"{fac.value}: only the chosen lots are ranked under the fixed-charge model (a "
            "forced solve per site would take one capacitated MIP each)."
        )
    value = np.full(m, np.nan)
    if ranking is not None:
        value = ranking.value.copy()
        value[~np.isfinite(value)] = np.nan
    value[chosen_cols] = sol.value
    higher_better = choice.objective in ("weighted", "coverage")
    model = choice.model
    # objective units per site: the best plan containing it
    plan_sites = np.full(m, "", dtype=object)
    plan_value = np.full(m, np.nan)
    members: dict[int, list[int]] = {}
    for j in np.flatnonzero(np.isfinite(value)):
        partners = () if ranking is None else ranking.partners[j]
        sites = chosen_cols if j in chosen_cols else sorted({int(j), *partners})
        members[int(j)] = list(sites)
        plan_sites[j] = "+".join(ids[c] for c in sites)
        if choice.cost is not None:
            fake = PlanSolution(tuple(sites), sol.assignment, float(value[j]), True, "")
            plan_value[j] = _value(choice.objective, problem, fake, model)
        else:
            plan_value[j] = choice.extra["objective_value"]
    out["plan_sites"] = plan_sites
    out["plan_value"] = plan_value
    best_value = float(choice.extra["objective_value"])
    gap = (best_value - out["plan_value"]) if higher_better else (out["plan_value"] - best_value)
    out["plan_gap"] = gap.clip(lower=0.0)
    if choice.objective == "weighted" and model is not None and "cost" in model.criteria:
        k = model.criteria.index("cost")
        anchor = model.anchors["cost"]
        ils_per_point = (anchor.zero - anchor.one) / (100.0 * model.weights[k])
        out["plan_gap_ils_per_year"] = out["plan_gap"] * ils_per_point
        extra["ils_per_score_point"] = float(ils_per_point)
    elif choice.objective in ("cost", "fixed-charge") and fac is Facility.WASTE_STATION:
        out["plan_gap_ils_per_year"] = out["plan_gap"]
    if choice.objective == "weighted":
        out["score"] = out["plan_value"]
    # rank: the chosen sites first (1..k), then by the best plan containing them
    order_key = -out["plan_value"] if higher_better else out["plan_value"]
    rankable = out["plan_value"].notna().to_numpy()
    others = [
        j
        for j in np.argsort(order_key.to_numpy(), kind="stable")
        if rankable[j] and j not in chosen_cols
    ]
    ranks: dict[int, int] = {int(c): r + 1 for r, c in enumerate([*chosen_cols, *others])}
    out["rank"] = pd.array([ranks.get(j, pd.NA) for j in range(m)], dtype="Int64")
    # contributions of each criterion in the best plan containing the site
    if model is not None and len(model.criteria):
        rows = np.arange(len(problem.demand))
        contrib = np.full((m, len(model.criteria)), np.nan)
        for row_j, sites in members.items():
            cost = choice.cost
            assign = allocate(cost, sites) if cost is not None else sol.assignment
            n_k = model.const + model.terms[:, rows, assign].sum(axis=1)
            contrib[row_j] = 100.0 * model.weights * n_k
        for k, name in enumerate(model.criteria):
            out[f"contrib_{name}"] = contrib[:, k]
    # Monte Carlo over the weights: re-solve the plan per draw
    heavy = choice.p >= 3 and s.sensitivity.n_draws > MIP_DRAW_LIMIT
    if heavy and s.sensitivity.enabled and choice.objective == "weighted":
        notes.append(
            f"{fac.value}: the weight Monte Carlo is skipped: with {choice.p} sites per plan "
            f"every draw is a MIP solve, and {s.sensitivity.n_draws} draws exceed the limit of "
            f"{MIP_DRAW_LIMIT} (set [sensitivity] n_draws to at most {MIP_DRAW_LIMIT} to run it)."
        )
    if (
        s.sensitivity.enabled
        and not heavy
        and choice.objective == "weighted"
        and model is not None
        and len(model.criteria) > 1
    ):
        draws = _draws(s, fac, model)
        in_plan, stays, ranks_mc = draws_in_plan(
            model.terms,
            model.const,
            draws,
            p=choice.p,
            eligible=choice.eligible,
            chosen=chosen_cols,
            time_limit_s=s.truck.time_limit_s,
        )
        out["p_in_plan"] = np.where(choice.eligible, in_plan, 0.0)
        extra["p_plan_stays_optimal"] = float(stays)
        extra["monte_carlo_draws"] = len(draws)
        if ranks_mc is not None:
            elig = np.flatnonzero(choice.eligible)
            lo = np.percentile(ranks_mc[:, elig], lo_pct, axis=0, method="nearest")
            hi = np.percentile(ranks_mc[:, elig], hi_pct, axis=0, method="nearest")
            out.loc[elig, lo_col] = lo.astype(int)
            out.loc[elig, hi_col] = hi.astype(int)
        else:
            notes.append(
                f"{fac.value}: the rank interval over the weight draws is given for single-site "
                "plans only; p_in_plan is each site's share of draws whose optimal plan has it."
            )
    elif s.sensitivity.enabled and choice.objective != "weighted":
        notes.append(
            f"{fac.value}: the weight Monte Carlo is skipped: under the '{choice.objective}' "
            "objective the weights do not enter the plan."
        )
    return out, extra, notes


def facility_result(
    s: Scenario,
    fac: Facility,
    problem: FacilityProblem,
    *,
    loc: pd.DataFrame,
    cand: gpd.GeoDataFrame,
    costs: CostMatrix,
    banned: Mapping[int, str] | None = None,
) -> tuple[FacilityResult, Choice | None, list[str]]:
    """Choose, rank and describe ``fac``'s plan.  No plan (too few eligible sites, capacity
    short) is an answer: the result has no chosen sites and the notes say why.

    ``banned`` maps candidate columns to the reason they may not host this facility (the
    co-location rule between the facilities); they are excluded with that reason.
    """
    del costs
    ws = s.weight_set(fac)
    weights = {k: float(v) for k, v in ws.as_dict().items()}
    p = sites_of(s, fac)
    single = p == 1 and objective_of(s, fac) != "fixed-charge"
    table = criteria_table(problem, unreachable_excludes=single)
    for col in ("nearest_locality_id", "authority_id", "authority_name_en", "authority_name_he"):
        if col in cand.columns:
            table[col] = cand[col].to_numpy()
    for j, reason in (banned or {}).items():
        if not table.loc[j, "excluded"]:
            table.loc[j, ["excluded", "exclusion_reason"]] = [True, reason]
    eligible = ~table["excluded"].to_numpy(dtype=bool)
    notes: list[str] = []
    if ws.ahp is not None and (msg := ws.ahp.warning()):
        notes.append(f"{fac.value}: {msg}")
    choice: Choice | None = None
    why = ""
    try:
        choice = solve_facility(s, fac, problem, eligible, weights)
    except SitingError as exc:  # infeasible, or a time limit with no solution at all
        why = str(exc)
    if choice is None or choice.plan is None:
        reasons = table.loc[~eligible, "exclusion_reason"].str.split(" [(]", regex=True).str[0]
        common = reasons.value_counts().sort_values(ascending=False, kind="stable").head(3)
        listed = "; ".join(f"{r} ({n})" for r, n in common.items())
        notes.append(
            f"NO SITE CHOSEN for {fac.value}: no plan — {why}. "
            f"{int(eligible.sum())} eligible candidate(s); exclusions: {listed or 'none'}. "
            "Relax the constraints or add candidates."
        )
        empty, _, _ = _ranking(s, fac, problem, table, _empty_choice(eligible))
        result = FacilityResult(
            facility=fac,
            ranking=empty,
            chosen=(),
            assignment=_assignment_frame(loc, problem, None),
            objective=float("nan"),
            objective_unit="",
            solver=f"none: {why}",
            proven_optimal=False,
            weights={},
            extra={"no_plan": why},
            problem=problem,
        )
        return result, None, notes
    notes += choice.notes
    ranked, rank_extra, rank_notes = _ranking(s, fac, problem, table, choice)
    notes += rank_notes
    plan = choice.plan
    assert plan is not None
    assert choice.solution is not None
    chosen = tuple(str(problem.site_ids[c]) for c in plan.sites)
    model = choice.model
    used = (
        dict(zip(model.criteria, (float(w) for w in model.weights), strict=True))
        if model is not None and choice.objective == "weighted"
        else {}
    )
    extra: dict[str, Any] = {
        "objective": choice.objective,
        "sites_per_plan": choice.p,
        "weight_total": float(problem.demand.sum()),
        "weights_method": ws.method,
        **{f"weight_{k}": v for k, v in used.items()},
        **plan.figures,
        "plan_score": plan.score,
        "sites": plan.site_figures,
        "anchors": {
            k: a.as_dict() for k, a in (model.anchors.items() if model else ()) if k in used
        },
        **choice.extra,
        **rank_extra,
    }
    if ws.ahp is not None:
        extra.update(ahp_lambda_max=ws.ahp.lambda_max, ahp_ci=ws.ahp.ci, ahp_cr=ws.ahp.cr)
    if model is not None and choice.objective == "weighted":
        extra["trade_offs"] = trade_offs(model, threshold_min=problem.threshold_min)
    if chosen and "p_in_plan" in ranked:
        extra["p_in_plan_chosen"] = [float(ranked.loc[c, "p_in_plan"]) for c in plan.sites]
    result = FacilityResult(
        facility=fac,
        ranking=ranked,
        chosen=chosen,
        assignment=_assignment_frame(loc, problem, plan),
        objective=float(choice.extra["objective_value"]),
        objective_unit=choice.unit,
        solver=choice.solver,
        proven_optimal=bool(choice.solution.proven),
        weights=used,
        extra=extra,
        problem=problem,
        model=model,
    )
    return result, choice, notes


def trade_offs(model: PlanModel, *, threshold_min: float) -> list[dict[str, Any]]:
    """What the weights imply, per unit of each other criterion, in the money (or km) of the
    cost criterion: linear anchors make each a constant (valid while the site values stay
    between the anchors, e.g. between the buffer and ``far enough`` for nuisance)."""
    w = dict(zip(model.criteria, model.weights, strict=True))
    base = "cost" if "cost" in w else "driver_distance" if "driver_distance" in w else None
    if base is None or w[base] <= 0:
        return []
    a = model.anchors[base]
    per_unit_n = abs(a.zero - a.one) / w[base]  # ILS/yr (or km) per unit of normalised value
    unit = "ILS/yr" if base == "cost" else "km"
    out: list[dict[str, Any]] = []
    if "nuisance" in w:
        an = model.anchors["nuisance"]
        dn = 100.0 / max(an.one - an.zero, 1e-9)
        out.append(
            {
                "kind": "nuisance_100m",
                "value": w["nuisance"] * dn * per_unit_n,
                "unit": unit,
                "from_m": an.zero,
                "to_m": an.one,
            }
        )
    if "equity" in w:
        ae = model.anchors["equity"]
        out.append(
            {"kind": "equity_1min", "value": w["equity"] / ae.zero * per_unit_n, "unit": unit}
        )
    if "coverage" in w:
        out.append(
            {
                "kind": "coverage_1pct",
                "value": w["coverage"] * 0.01 * per_unit_n,
                "unit": unit,
                "threshold_min": threshold_min,
            }
        )
    return out


def _empty_choice(eligible: np.ndarray) -> Choice:
    return Choice("none", 0, eligible, None, Aggregate.SUM, None, None, None, "", "")


def _assignment_frame(
    loc: pd.DataFrame, problem: FacilityProblem, plan: Plan | None
) -> pd.DataFrame:
    """Each locality's site in the plan (``locality_id, site_id, km, minutes, weight``)."""
    if plan is None:
        return pd.DataFrame(
            {"locality_id": [], "site_id": [], "km": [], "minutes": [], "weight": []}
        )
    rows = np.arange(len(loc))
    a = plan.assignment
    return pd.DataFrame(
        {
            "locality_id": loc["id"].to_numpy(),
            "site_id": problem.site_ids[a],
            "km": problem.km[rows, a],
            "minutes": problem.minutes[rows, a],
            "weight": problem.demand,
        }
    )
