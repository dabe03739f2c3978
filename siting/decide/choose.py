"""How each facility's sites are chosen and described: the problem, the ranking, the solve,
the chosen set's figures and the Monte Carlo over the weights."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.costs import CostMatrix
from siting.criteria import FacilityProblem, authority_means, criteria_table
from siting.decide.scenario import SNAP_DETAIL, Scenario
from siting.decide.scoring import FacilityResult, Scores, score_sites
from siting.decide.sensitivity import draw_weights, rank_stability
from siting.facility import spec
from siting.layers import Facility

__all__ = ["access_distances", "facility_problem", "facility_result"]

log = logging.getLogger(__name__)


def access_distances(costs: CostMatrix, m: int) -> np.ndarray:
    snap = costs.details.get(SNAP_DETAIL)
    if snap is None:
        return np.full(m, np.nan)
    arr = np.asarray(snap, dtype=float)
    return arr if arr.shape == (m,) else np.full(m, np.nan)


def _monte_carlo(s: Scenario, fac: Facility, scores: Scores, eligible: np.ndarray) -> pd.DataFrame:
    """p_first and rank interval per candidate (NaN/NA where excluded or disabled)."""
    m = len(eligible)
    lo_pct, hi_pct = s.sensitivity.rank_interval_pct
    out = pd.DataFrame(
        {
            "p_first": np.where(eligible, np.nan, 0.0),
            "rank_p05": pd.array([pd.NA] * m, dtype="Int64"),
            "rank_p95": pd.array([pd.NA] * m, dtype="Int64"),
        }
    )
    if not s.sensitivity.enabled or not eligible.any() or not len(scores.criteria):
        return out
    rng = np.random.default_rng([s.seed, list(Facility).index(fac)])
    ranges_given = s.weight_ranges.get(fac, s.weight_ranges.get(fac.value))
    ranges: list[tuple[float, float]] | None = None
    if ranges_given:
        pairs = zip(scores.criteria, scores.weights, strict=True)
        ranges = [
            (float(ranges_given[c][0]), float(ranges_given[c][1])) if c in ranges_given else (w, w)
            for c, w in pairs
        ]
    draws = draw_weights(
        scores.weights,
        n_draws=s.sensitivity.n_draws,
        rng=rng,
        concentration=s.sensitivity.concentration,
        ranges=ranges,
    )
    stab = rank_stability(scores.norm[eligible], draws, percentiles=(lo_pct, hi_pct))
    out.loc[eligible, "p_first"] = stab["p_first"].to_numpy()
    out.loc[eligible, "rank_p05"] = stab.iloc[:, 1].to_numpy()
    out.loc[eligible, "rank_p95"] = stab.iloc[:, 2].to_numpy()
    return out


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
) -> FacilityProblem:
    waste = fac is Facility.WASTE_STATION
    w = s.waste
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
    )


def _assignment(
    loc: pd.DataFrame,
    cand: pd.DataFrame,
    costs: CostMatrix,
    cols: list[int],
    weights: np.ndarray,
    *,
    served: np.ndarray | None = None,
) -> pd.DataFrame:
    """Each locality's site: ``served`` when the model assigned it (capacities), else the
    nearest chosen site."""
    if not cols:
        return pd.DataFrame(
            {"locality_id": [], "site_id": [], "km": [], "minutes": [], "weight": []}
        )
    if served is not None and (served >= 0).all():
        chosen_col = np.asarray(served, dtype=int)
    else:
        sub = costs.km[:, cols]
        chosen_col = np.asarray(cols)[sub.argmin(axis=1)]
    rows = np.arange(len(loc))
    return pd.DataFrame(
        {
            "locality_id": loc["id"].to_numpy(),
            "site_id": cand["id"].to_numpy()[chosen_col],
            "km": costs.km[rows, chosen_col],
            "minutes": costs.minutes[rows, chosen_col],
            "weight": weights,
        }
    )


def _set_stats(problem: FacilityProblem, assignment: pd.DataFrame) -> dict[str, float]:
    """Coverage and equity of the chosen set (each locality at its assigned site)."""
    w = problem.demand
    total = float(w.sum())
    if assignment.empty:
        nan = float("nan")
        return dict.fromkeys(
            ("coverage_share", "worst_authority_minutes", "worst_authority_km", "mean_km"), nan
        )
    minutes = assignment["minutes"].to_numpy()
    km = assignment["km"].to_numpy()
    by_auth_min = authority_means(minutes[:, None], w, problem.authority)
    by_auth_km = authority_means(km[:, None], w, problem.authority)
    return {
        "coverage_share": float(w[minutes <= problem.threshold_min].sum() / total)
        if total
        else float("nan"),
        "worst_authority_minutes": float(by_auth_min.max()) if len(by_auth_min) else float("nan"),
        "worst_authority_km": float(by_auth_km.max()) if len(by_auth_km) else float("nan"),
        "mean_km": float(w @ km / total) if total else float("nan"),
    }


@dataclass
class _Choice:
    """What `_solve` decided for one facility."""

    cols: list[int]
    objective: float
    solver: str
    proven: bool
    notes: list[str]
    served: np.ndarray | None = None  # column serving each demand row (capacitated models)
    unit: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _solver_text(sol: Any, what: str) -> str:
    """How the choice was solved, for outputs (no timings: outputs must be reproducible;
    the seconds go to the manifest)."""
    if sol.proven_optimal:
        return f"{what}, HiGHS, proven optimal"
    return f"{what}, HiGHS, NOT proven optimal: {sol.status}, gap {sol.gap:.2%}"


def _solve(
    s: Scenario,
    fac: Facility,
    problem: FacilityProblem,
    table: pd.DataFrame,
    costs: CostMatrix,
) -> _Choice:
    """Choose the site(s): the top weighted score for the waste station; for truck
    lots a p-median or a capacitated fixed-charge model solved exactly by
    :mod:`siting.locate` over the eligible candidates."""
    from siting import locate

    eligible = ~table["excluded"].to_numpy(dtype=bool)
    notes: list[str] = []
    t = s.truck
    p = 1 if fac is Facility.WASTE_STATION or t.model == "fixed-charge" else t.n_lots
    if eligible.sum() < p:
        reasons = table.loc[~eligible, "exclusion_reason"].str.split(" [(]", regex=True).str[0]
        common = reasons.value_counts().sort_index(kind="stable")
        common = common.sort_values(ascending=False, kind="stable").head(3)
        why = "; ".join(f"{r} ({n})" for r, n in common.items())
        notes.append(
            f"NO SITE CHOSEN for {fac.value}: {int(eligible.sum())} eligible candidate(s) for "
            f"{p} site(s); exclusions: {why}. Relax the constraints or add candidates."
        )
        return _Choice([], float("nan"), "none (infeasible: too few eligible sites)", False, notes)
    if fac is Facility.WASTE_STATION:
        top = int(np.flatnonzero(table["rank"].fillna(0).to_numpy() == 1)[0])
        return _Choice(
            [top],
            float(table["haul_tkm_per_year"].iloc[top]),
            f"weighted ranking: top score of {int(eligible.sum())} eligible sites "
            "(exact enumeration)",
            True,
            notes,
        )
    banned = np.flatnonzero(~eligible)
    km = np.where(np.isfinite(costs.km), costs.km, np.inf)
    if t.model == "p-median":
        sol = locate.p_median(
            km, problem.demand, p, banned=banned.tolist(), time_limit_s=t.time_limit_s
        )
        notes.append(
            f"truck_lot: the {p} lot(s) minimise truck-km from home localities (p-median, "
            "uncapacitated: every eligible plot is assumed large enough for the lots it "
            "serves); the ranking scores each site as if it were the only lot."
        )
        return _Choice(
            list(sol.sites),
            float(sol.objective),
            _solver_text(sol, f"p-median (p = {p}) over {int(eligible.sum())} eligible sites"),
            bool(sol.proven_optimal),
            notes,
            served=np.asarray(sol.assignment),
            extra={"gap": float(sol.gap), "solve_seconds": float(sol.solve_seconds)},
        )
    # fixed-charge: how many lots, where, within capacity
    assert t.lot_capacity_spaces is not None
    assert t.lot_cost_ils_per_year is not None
    assert t.driver_cost_ils_per_km is not None
    spaces = problem.demand * t.occupancy  # trucks → spaces (problem.demand is trucks)
    by_area = np.nan_to_num(problem.area_m2 / t.m2_per_space, nan=np.inf)
    capacity = np.minimum(t.lot_capacity_spaces, by_area)
    per_space_year = km * 2.0 * t.driver_days_per_year * t.driver_cost_ils_per_km
    sol = locate.fixed_charge(
        per_space_year,
        spaces,
        capacity,
        t.lot_cost_ils_per_year,
        single_sourcing=t.single_sourcing,
        banned=banned.tolist(),
        time_limit_s=t.time_limit_s,
    )
    opened = len(sol.sites)
    lot_cost = opened * t.lot_cost_ils_per_year
    notes.append(
        f"truck_lot: fixed-charge model opened {opened} lot(s): lot cost {lot_cost:,.0f} "
        f"ILS/yr + driver travel {sol.objective - lot_cost:,.0f} ILS/yr (home-lot round trip "
        f"{t.driver_days_per_year:g} days/yr at {t.driver_cost_ils_per_km:g} ILS/km; capacity "
        f"{t.lot_capacity_spaces:g} spaces per lot"
        f"{', single-sourced' if t.single_sourcing else ''}). Lot cost, capacity and ILS/km are "
        "the committee's figures (no source gives them)."
    )
    return _Choice(
        list(sol.sites),
        float(sol.objective),
        _solver_text(sol, f"capacitated fixed-charge over {int(eligible.sum())} eligible sites"),
        bool(sol.proven_optimal),
        notes,
        served=np.asarray(sol.assignment),
        unit="ILS per year (lots + driver travel)",
        extra={
            "gap": float(sol.gap),
            "solve_seconds": float(sol.solve_seconds),
            "lots_opened": opened,
            "lot_cost_ils_per_year": lot_cost,
            "driver_cost_ils_per_year": float(sol.objective - lot_cost),
        },
    )


def facility_result(
    s: Scenario,
    fac: Facility,
    problem: FacilityProblem,
    *,
    loc: pd.DataFrame,
    cand: gpd.GeoDataFrame,
    costs: CostMatrix,
) -> tuple[FacilityResult, Scores, list[str]]:
    ws = s.weight_set(fac)
    table = criteria_table(problem)
    for col in ("nearest_locality_id", "authority_id", "authority_name_en", "authority_name_he"):
        if col in cand.columns:
            table[col] = cand[col].to_numpy()
    scores = score_sites(table, fac, ws.as_dict(), s.scoring)
    ranked = scores.table
    eligible = ~ranked["excluded"].to_numpy(dtype=bool)
    mc = _monte_carlo(s, fac, scores, eligible)
    ranked = pd.concat([ranked, mc], axis=1)
    notes = list(scores.notes)
    if ws.ahp is not None and (msg := ws.ahp.warning()):
        notes.append(f"{fac.value}: {msg}")
    choice = _solve(s, fac, problem, ranked, costs)
    cols, objective, solver, proven = choice.cols, choice.objective, choice.solver, choice.proven
    notes += choice.notes
    chosen = tuple(str(cand["id"].iloc[c]) for c in cols)
    ranked["chosen"] = ranked["site_id"].isin(chosen)
    assignment = _assignment(loc, cand, costs, cols, problem.demand, served=choice.served)
    weights = dict(zip(scores.criteria, (float(x) for x in scores.weights), strict=True))
    stats = _set_stats(problem, assignment)
    extra: dict[str, Any] = {
        "weight_total": float(problem.demand.sum()),
        "weights_method": ws.method,
        **{f"weight_{k}": v for k, v in weights.items()},
        "coverage_share": stats["coverage_share"],
        "worst_authority_minutes": stats["worst_authority_minutes"],
        "p_first_chosen": float(ranked.loc[ranked["chosen"], "p_first"].max())
        if chosen
        else float("nan"),
    }
    extra.update(choice.extra)
    if ws.ahp is not None:
        extra.update(ahp_lambda_max=ws.ahp.lambda_max, ahp_ci=ws.ahp.ci, ahp_cr=ws.ahp.cr)
    if fac is Facility.WASTE_STATION and chosen:
        row = ranked.iloc[cols[0]]
        elig = ranked[eligible]
        tkm_best = elig.loc[elig["haul_tkm_per_year"].idxmin()]
        cost_best = elig.loc[elig["total_cost_ils_per_year"].idxmin()]
        extra.update(
            tonnes_per_day=float(loc["tonnes_per_day"].sum()),
            cost_ils_per_year=float(row["haul_cost_ils_per_year"]),
            transfer_cost_ils_per_year=float(row["transfer_cost_ils_per_year"]),
            total_cost_ils_per_year=float(row["total_cost_ils_per_year"]),
            status_quo_cost_ils_per_year=float(row["status_quo_cost_ils_per_year"]),
            saving_ils_per_year=float(row["saving_ils_per_year"]),
            tkm_optimum_site=str(tkm_best["site_id"]),
            tkm_optimum_haul_tkm_per_year=float(tkm_best["haul_tkm_per_year"]),
            tkm_optimum_rank=int(tkm_best["rank"]),
            cost_optimum_site=str(cost_best["site_id"]),
            cost_optimum_total_cost_ils_per_year=float(cost_best["total_cost_ils_per_year"]),
        )
        if chosen[0] != tkm_best["site_id"]:
            notes.append(
                f"waste_station: chosen {chosen[0]} is the top weighted score; the least "
                f"tonne-km site is {tkm_best['site_id']} (rank {int(tkm_best['rank'])}, "
                f"{float(tkm_best['haul_tkm_per_year']):,.0f} vs {objective:,.0f} t·km/yr) and "
                f"the least-cost site incl. the transfer leg is {cost_best['site_id']}"
            )
    unit = choice.unit or spec(fac).objective_unit
    if fac is Facility.TRUCK_LOT:
        extra.update(
            mean_driver_km=stats["mean_km"],
            worst_authority_driver_km=stats["worst_authority_km"],
            spaces=float(loc["spaces"].sum()),
            lot_area_m2=float(loc["lot_area_m2"].sum()),
        )
    if fac is Facility.TRUCK_LOT and chosen:
        ranks = ranked.loc[ranked["chosen"], "rank"].dropna().astype(int).tolist()
        notes.append(
            f"truck_lot: chosen lots {', '.join(chosen)} rank "
            f"{', '.join(str(r) for r in ranks)} of {int(eligible.sum())} as single sites "
            "(a lot serving only part of the cluster scores poorly alone)."
        )
    result = FacilityResult(
        facility=fac,
        ranking=ranked,
        chosen=chosen,
        assignment=assignment,
        objective=objective,
        objective_unit=unit,
        solver=solver,
        proven_optimal=proven,
        weights=weights,
        extra=extra,
    )
    return result, scores, notes
