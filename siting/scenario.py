"""A scenario: one run of the flow from region to ranked, chosen sites.

    region (+ neighbours) → demand → candidates → costs → criteria → scoring
                                                          → locate → sensitivity

:func:`default_scenario` is the offline Mishor HaHof default that ``siting run``
uses; :func:`run` executes any :class:`Scenario` and returns a
:class:`RunResult` that :mod:`siting.outputs` writes to disk.

How the sites are chosen
------------------------
Waste-sorting station (one site): the **top-scored eligible site** of the
weighted ranking (:mod:`siting.scoring`), so the map, the ranking and the
choice agree; the pure tonne-km optimum and the least-cost site are reported
beside it (``FacilityResult.extra`` and the run notes).
Truck lots (``TruckParams.model``): ``"p-median"`` opens ``n_lots`` lots minimising
truck-km from home localities, each locality at its nearest lot;
``"fixed-charge"`` chooses how many lots and where, minimising the committee's
annual lot cost plus driver travel cost under lot capacities (spaces, and each
plot's area).  Both are solved exactly by :mod:`siting.locate` (HiGHS) over the
eligible sites; a solve stopped by ``time_limit_s`` says so with its gap.  The
ranking scores each site as if it were the only lot.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from siting.candidates import apply_constraints, hex_search
from siting.costs import CostMatrix, CostModel, CrowFlyModel
from siting.criteria import FacilityProblem, authority_means, criteria_table
from siting.demand import (
    CBS_VEHICLE_PROXY,
    authority_demand,
    lot_requirement,
    truck_demand,
    waste_demand,
)
from siting.errors import SitingError
from siting.layers import METRIC_CRS, Facility, Region
from siting.params import (
    CandidateParams,
    CrowFlyParams,
    ScoringParams,
    SensitivityParams,
    TruckParams,
    WasteParams,
)
from siting.scoring import FacilityResult, Scores, order_ranking, score_sites
from siting.sensitivity import SENSITIVITY_COLUMNS, draw_weights, oat_sweeps, rank_stability
from siting.weights import WeightSet

__all__ = ["RunResult", "Scenario", "default_scenario", "run"]

log = logging.getLogger(__name__)

#: Key of ``CostMatrix.details`` with each destination's distance to the road network (m).
SNAP_DETAIL = "destination_snap_m"
#: A status-quo destination snapped farther than this from the network gets a warning (m).
FAR_DESTINATION_M = 1000.0


@dataclass(frozen=True)
class Scenario:
    """Everything one run needs.

    Attributes
    ----------
    name : str
        Scenario name (used in titles and the output folder).
    region : Region
        Validated region (authorities, localities).
    cost_model : CostModel
        Crow-fly (default, approximate) or an OSM network model.
    waste, truck, search, scoring, sensitivity : parameter objects
        Sourced defaults (:mod:`siting.params`).
    candidates : GeoDataFrame, optional
        A user's candidate plots; ``None`` searches a hexagonal grid.
    exclusions : GeoDataFrame, optional
        Excluded land (``kind``, ``buffer_m``).
    facilities : tuple of Facility
        Which facility types to site.
    extra_members : tuple of int
        Neighbouring authority ids that join the cluster in this scenario
        (applied with :meth:`Region.with_members`).
    weights : mapping Facility (or its value) → WeightSet or {criterion: weight}
        Criterion weights per facility; facilities not given use ``ScoringParams``.
    weight_ranges : mapping Facility (or its value) → {criterion: (low, high)}
        Optional ranges for the weight Monte Carlo instead of the Dirichlet draws.
    lang : str
        ``"en"`` or ``"he"`` for maps.
    seed : int
        Seeds every random draw (weight Monte Carlo).
    inputs : tuple of str
        Files read (hashed into the manifest).
    scenario_text, scenario_file : str
        The scenario file's text and path (``""``/``None`` for a scenario built in code);
        ``siting run --manifest`` re-runs from them.
    """

    name: str
    region: Region
    cost_model: CostModel = field(default_factory=CrowFlyModel)
    waste: WasteParams = field(default_factory=WasteParams)
    truck: TruckParams = field(default_factory=TruckParams)
    search: CandidateParams = field(default_factory=CandidateParams)
    scoring: ScoringParams = field(default_factory=ScoringParams)
    sensitivity: SensitivityParams = field(default_factory=SensitivityParams)
    candidates: gpd.GeoDataFrame | None = None
    exclusions: gpd.GeoDataFrame | None = None
    facilities: tuple[Facility, ...] = (Facility.WASTE_STATION, Facility.TRUCK_LOT)
    extra_members: tuple[int, ...] = ()
    weights: Mapping[Any, WeightSet | Mapping[str, float]] = field(default_factory=dict)
    weight_ranges: Mapping[Any, Mapping[str, tuple[float, float]]] = field(default_factory=dict)
    lang: str = "en"
    seed: int = 20261123
    inputs: tuple[str, ...] = ()  # files read, for the manifest
    scenario_text: str = ""  # the scenario file's text (or its validated JSON), for the manifest
    scenario_file: str | None = None  # where it was read from

    def effective_region(self) -> Region:
        """The region with ``extra_members`` joined."""
        if not self.extra_members:
            return self.region
        return self.region.with_members(self.extra_members)

    def weight_set(self, facility: Facility) -> WeightSet:
        """The weights for ``facility``: given, or the ``ScoringParams`` default."""
        given = self.weights.get(facility, self.weights.get(facility.value))
        if given is None:
            default = (
                self.scoring.waste_weights
                if facility is Facility.WASTE_STATION
                else self.scoring.truck_weights
            )
            return WeightSet.direct(dict(default), method="default (assumption)")
        if isinstance(given, WeightSet):
            return given
        return WeightSet.direct(dict(given))


@dataclass(frozen=True)
class RunResult:
    """What a run produced, in memory.

    Attributes
    ----------
    scenario : Scenario
    candidates : GeoDataFrame
        EPSG:2039, with exclusion reasons per facility.
    localities : GeoDataFrame
        Member localities (demand points) with demand columns.
    costs : CostMatrix
        Localities × candidates.
    results : dict Facility → FacilityResult
    notes : tuple of str
        Approximations, assumptions and warnings the outputs must repeat.
    seconds : float
    region : Region, optional
        The region as run (with ``extra_members`` joined).
    demand : DataFrame
        Per-authority demand (:func:`siting.demand.authority_demand`).
    sensitivity : DataFrame
        One-at-a-time sweeps (:func:`siting.sensitivity.oat_sweeps`), written as
        ``sensitivity.csv``.
    routes, isochrones : GeoDataFrame, optional
        With a road-network cost model: the road route of every chosen assignment
        (``facility, locality_id, site_id, minutes, km``) and the drive-time polygon of
        each chosen site at its facility's coverage threshold (``facility, site_id,
        minutes``); the map draws them instead of straight lines and crow-fly circles.
    """

    scenario: Scenario
    candidates: gpd.GeoDataFrame
    localities: gpd.GeoDataFrame
    costs: CostMatrix
    results: dict[Facility, FacilityResult]
    notes: tuple[str, ...]
    seconds: float
    region: Region | None = None
    demand: pd.DataFrame = field(default_factory=pd.DataFrame)
    sensitivity: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(SENSITIVITY_COLUMNS))
    )
    routes: gpd.GeoDataFrame | None = None
    isochrones: gpd.GeoDataFrame | None = None

    @property
    def ranking(self) -> pd.DataFrame:
        """All facilities' rankings in one table (the content of ``ranking.csv``)."""
        return order_ranking([r.ranking for r in self.results.values()])


def default_scenario(**overrides: Any) -> Scenario:
    """The offline default: Mishor HaHof, crow-fly costs, hexagonal site search.

    Examples
    --------
    >>> s = default_scenario()
    >>> s.name, s.cost_model.name, len(s.region.members)
    ('mishor-hahof-default', 'crow-fly', 10)
    >>> len(default_scenario(extra_members=(1020, 628)).effective_region().members)
    12
    """
    from siting.sources.embedded import default_region, embedded_data_dir

    folder = embedded_data_dir() / "mishor-hahof"
    base: dict[str, Any] = {
        "name": "mishor-hahof-default",
        "region": default_region("mishor-hahof"),
        "cost_model": CrowFlyModel(CrowFlyParams()),
        "inputs": (str(folder / "authorities.csv"), str(folder / "localities.csv")),
    }
    base.update(overrides)
    return Scenario(**base)


def _candidates(s: Scenario, region: Region, truck_area_m2: float) -> gpd.GeoDataFrame:
    buffers = {Facility.WASTE_STATION: s.waste.buffer_m, Facility.TRUCK_LOT: s.truck.buffer_m}
    min_area = {Facility.WASTE_STATION: s.waste.min_area_m2, Facility.TRUCK_LOT: truck_area_m2}
    if s.candidates is None:
        return hex_search(
            region,
            cell_m=s.search.cell_m,
            density_per_km2=s.search.built_up_density_per_km2,
            min_radius_m=s.search.min_built_up_radius_m,
            buffers_m=buffers,
            min_area_m2=min_area,
            exclusions=s.exclusions,
        )
    return apply_constraints(
        s.candidates,
        region,
        density_per_km2=s.search.built_up_density_per_km2,
        min_radius_m=s.search.min_built_up_radius_m,
        buffers_m=buffers,
        min_area_m2=min_area,
        exclusions=s.exclusions,
        measure_from="geometry",
    )


def _destinations(s: Scenario, loc: pd.DataFrame) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Status-quo destinations (EPSG:2039 points) and each locality's destination index."""
    w = s.waste
    names = [w.status_quo_destination]
    xy = [(w.status_quo_x_itm, w.status_quo_y_itm)]
    by_auth: dict[int, int] = {}
    for aid, x, y in w.status_quo_by_authority:
        key = (float(x), float(y))
        if key not in xy:
            xy.append(key)
            names.append(f"destination of authority {int(aid)}")
        by_auth[int(aid)] = xy.index(key)
    dest = gpd.GeoDataFrame(
        {"id": [f"D{i}" for i in range(len(xy))], "name": names},
        geometry=[Point(x, y) for x, y in xy],
        crs=METRIC_CRS,
    )
    aid = loc["authority_id"].astype(int).to_numpy()
    index = np.array([by_auth.get(int(a), 0) for a in aid], dtype=int)
    return dest, index


def _access(costs: CostMatrix, m: int) -> np.ndarray:
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


def _problem(
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
        demand=loc["tonnes_per_year" if waste else "trucks"].to_numpy(dtype=float),
        authority=loc["authority_id"].astype(int).to_numpy(),
        locality_names=loc["name"].astype(str).to_numpy(),
        threshold_min=w.coverage_threshold_min if waste else s.truck.coverage_threshold_min,
        reasons=cand[f"reason_{fac.value}"].fillna("").astype(str).to_numpy(),
        area_m2=cand["area_m2"].to_numpy(dtype=float),
        required_area_m2=required_area_m2,
        nearest_built_up_m=cand["nearest_built_up_m"].to_numpy(dtype=float),
        access_m=_access(costs, len(cand)),
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


def _facility_result(
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
    for col in ("nearest_locality_id", "authority_id"):
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
        unit = "tonne-km per year (loaded haul, one way)"
        if chosen[0] != tkm_best["site_id"]:
            notes.append(
                f"waste_station: chosen {chosen[0]} is the top weighted score; the least "
                f"tonne-km site is {tkm_best['site_id']} (rank {int(tkm_best['rank'])}, "
                f"{float(tkm_best['haul_tkm_per_year']):,.0f} vs {objective:,.0f} t·km/yr) and "
                f"the least-cost site incl. the transfer leg is {cost_best['site_id']}"
            )
    elif fac is Facility.WASTE_STATION:
        unit = "tonne-km per year (loaded haul, one way)"
    else:
        unit = choice.unit or "truck-km per day (home locality to lot, one way)"
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


def run(scenario: Scenario, *, progress: bool = False) -> RunResult:
    """Execute ``scenario``: demand, candidates, costs, criteria, ranking, choice, sensitivity.

    Parameters
    ----------
    scenario : Scenario
    progress : bool
        Show a progress bar (stderr) over the steps: candidates, travel costs, each
        facility (criteria, ranking, solve, Monte Carlo, sweeps).

    Returns
    -------
    RunResult
    """
    from tqdm.auto import tqdm

    t0 = time.perf_counter()
    s = scenario
    bar = tqdm(
        total=2 + len(s.facilities), desc=s.name, unit="step", disable=not progress, leave=False
    )
    bar.set_postfix_str("demand and candidates")
    region = s.effective_region()
    loc = region.member_localities().reset_index(drop=True)
    if len(loc) == 0:
        raise SitingError("the region has no member localities (demand points)")
    waste = waste_demand(loc, region.authorities, s.waste)
    trucks = truck_demand(loc, region.authorities, s.truck)
    lots = lot_requirement(trucks, s.truck)
    loc = loc.assign(
        residents=waste["residents"],
        tonnes_per_day=waste["tonnes_per_day"],
        tonnes_per_year=waste["tonnes_per_year"],
        kg_per_capita_day=waste["kg_per_capita_day"],
        rate_source=waste["rate_source"],
        collection_trips_per_day=waste["collection_trips_per_day"],
        transfer_trips_per_day=waste["transfer_trips_per_day"],
        trucks=trucks["trucks"],
        spaces=trucks["spaces"],
        lot_area_m2=trucks["lot_area_m2"],
    )
    demand = authority_demand(loc, region.authorities, waste, trucks)
    cand = _candidates(s, region, lots["area_per_lot_m2"])
    if len(cand) == 0:
        raise SitingError("the site search found no candidate cells in the member authorities")
    log.info("%d demand points, %d candidates", len(loc), len(cand))
    bar.update()
    bar.set_postfix_str(f"travel costs ({s.cost_model.name})")
    costs = s.cost_model.matrix(loc, cand, origin_id="id", destination_id="id")

    notes = list(region.notes)
    destination = transfer_km = status_quo_km = None
    if Facility.WASTE_STATION in s.facilities:
        dest, destination = _destinations(s, loc)
        sq = s.cost_model.matrix(loc, dest, origin_id="id", destination_id="id")
        status_quo_km = sq.km[np.arange(len(loc)), destination]
        transfer_km = s.cost_model.matrix(cand, dest, origin_id="id", destination_id="id").km
        if not np.isfinite(status_quo_km).all() or not np.isfinite(transfer_km).all():
            notes.append(
                "Some status-quo or transfer routes are unreachable on the cost model: the "
                "affected savings are missing or infinite."
            )
        snap = np.asarray(sq.details.get(SNAP_DETAIL, np.zeros(len(dest))), dtype=float)
        if (snap > FAR_DESTINATION_M).any():
            far = ", ".join(
                f"{n} ({m / 1000:.1f} km)"
                for n, m in zip(dest["name"], snap, strict=True)
                if m > FAR_DESTINATION_M
            )
            notes.append(
                f"Status-quo destination(s) lie off the loaded road network: {far}. Routes "
                "stop at the network's nearest point, so status-quo and transfer distances "
                "(and savings) are underestimated."
            )

    results: dict[Facility, FacilityResult] = {}
    sweeps: list[pd.DataFrame] = []
    speed = getattr(getattr(s.cost_model, "params", None), "speed_kmh", None)
    if s.sensitivity.enabled and not speed:
        notes.append(
            "The truck-speed sweep is skipped: the cost model has no single average speed."
        )
    bar.update()
    for fac in s.facilities:
        bar.set_postfix_str(fac.value)
        required = s.waste.min_area_m2 if fac is Facility.WASTE_STATION else lots["area_per_lot_m2"]
        problem = _problem(
            s,
            fac,
            loc=loc,
            cand=cand,
            costs=costs,
            required_area_m2=required,
            destination=destination,
            transfer_km=transfer_km,
            status_quo_km=status_quo_km,
        )
        res, _scores, fac_notes = _facility_result(s, fac, problem, loc=loc, cand=cand, costs=costs)
        results[fac] = res
        notes += fac_notes
        if s.sensitivity.enabled:
            sweeps.append(
                oat_sweeps(
                    problem,
                    res.weights,
                    scoring=s.scoring,
                    params=s.sensitivity,
                    base_speed_kmh=speed,
                    base_cost_ils_per_tkm=s.waste.cost_ils_per_tkm,
                )
            )
        bar.update()
    bar.close()
    sensitivity = (
        pd.concat(sweeps, ignore_index=True)
        if sweeps
        else pd.DataFrame(columns=list(SENSITIVITY_COLUMNS))
    )
    routes, isochrones = _network_layers(s, loc, cand, results)
    no_access = bool(np.isnan(_access(costs, len(cand))).all())
    notes = _notes(
        s,
        region=region,
        notes=notes,
        waste=waste,
        demand=demand,
        results=results,
        no_access=no_access,
    )
    if s.cost_model.approximate:
        notes.insert(0, f"Travel costs are APPROXIMATE: {s.cost_model.describe()}.")
    return RunResult(
        scenario=s,
        candidates=cand,
        localities=loc,
        costs=costs,
        results=results,
        notes=tuple(notes),
        seconds=time.perf_counter() - t0,
        region=region,
        demand=demand,
        sensitivity=sensitivity,
        routes=routes,
        isochrones=isochrones,
    )


def _network_layers(
    s: Scenario,
    loc: gpd.GeoDataFrame,
    cand: gpd.GeoDataFrame,
    results: dict[Facility, FacilityResult],
) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None]:
    """Road routes of the chosen assignments and isochrones of the chosen sites.

    Only for cost models that can draw them (:class:`siting.network.NetworkCostModel`);
    ``(None, None)`` otherwise, and the map falls back to straight lines and circles.
    """
    model = s.cost_model
    if not (hasattr(model, "routes") and hasattr(model, "isochrones")):
        return None, None
    route_frames, iso_frames = [], []
    ids = cand["id"].astype(str)
    for fac, res in results.items():
        if not res.chosen:
            continue
        pairs = dict(
            zip(res.assignment["locality_id"], res.assignment["site_id"].astype(str), strict=True)
        )
        sites = cand[ids.isin(res.chosen)].assign(id=lambda d: d["id"].astype(str))
        r = model.routes(loc, sites, pairs)
        route_frames.append(
            r.rename(columns={"origin_id": "locality_id", "destination_id": "site_id"}).assign(
                facility=fac.value
            )
        )
        threshold = (
            s.waste.coverage_threshold_min
            if fac is Facility.WASTE_STATION
            else s.truck.coverage_threshold_min
        )
        iso_frames.append(model.isochrones(sites, [float(threshold)]).assign(facility=fac.value))
    if not route_frames:
        return None, None
    return (
        gpd.GeoDataFrame(pd.concat(route_frames, ignore_index=True), crs=route_frames[0].crs),
        gpd.GeoDataFrame(pd.concat(iso_frames, ignore_index=True), crs=iso_frames[0].crs),
    )


def _notes(
    s: Scenario,
    *,
    region: Region,
    notes: list[str],
    waste: pd.DataFrame,
    demand: pd.DataFrame,
    results: dict[Facility, FacilityResult],
    no_access: bool,
) -> list[str]:
    out = list(notes)
    if s.extra_members:
        auth = region.authorities.set_index(region.authorities["id"].astype(int))
        names = [f"{auth.loc[int(a), 'name_en']} ({int(a)})" for a in s.extra_members]
        out.append(f"Scenario members include neighbours: {', '.join(names)}.")
    if s.candidates is None:
        out.append(
            f"Candidate sites are {s.search.cell_m:g} m hexagonal search cells, not surveyed "
            "plots; built-up areas are approximated from locality populations at "
            f"{s.search.built_up_density_per_km2:g} residents/km² (assumption)."
        )
    if (waste["rate_source"] != "authority").any():
        out.append("Some authorities lack a CBS waste rate: the national default is used.")
    w = s.waste
    if Facility.WASTE_STATION in results:
        out.append(
            "Savings compare with a status quo in which every member authority's compactors "
            f"haul directly to {w.status_quo_destination} (T13; located at Afula's CBS locality "
            "centre, an approximation) unless set per authority; with a station, cost = "
            f"collection haul at {w.cost_ils_per_tkm:g} ILS/t·km (assumption) + transfer "
            f"trailer leg at {w.cost_ils_per_tkm:g} × {w.collection_payload_t:g} t / "
            f"{w.transfer_payload_t:g} t per t·km (equal cost per vehicle-km, V3)"
            + (
                f" + {w.station_cost_ils_per_t:g} ILS/t at the station."
                if w.station_cost_ils_per_t
                else "; the station's own operating cost is NOT deducted (haul saving only)."
            )
        )
    if Facility.TRUCK_LOT in results:
        estimated = demand["trucks_source"].str.startswith("estimate")
        if estimated.any():
            out.append(
                f"Trucks to park are ESTIMATED for {int(estimated.sum())} authorities at "
                f"{s.truck.trucks_per_1000_residents:g} per 1,000 residents (assumption); give "
                "counts per authority (trucks_by_authority). CBS 2021 non-private motor "
                f"vehicles ({CBS_VEHICLE_PROXY}) are only an upper bound: they include buses, "
                "vans and motorcycles."
            )
        over = demand["trucks"] > demand["trucks_upper_bound_cbs"]
        if over.any():
            listed = ", ".join(demand.loc[over, "name_en"].astype(str))
            out.append(f"Truck counts exceed the CBS non-private vehicle bound for: {listed}.")
    for fac, res in results.items():
        crit = ", ".join(f"{k} {v:.2f}" for k, v in res.weights.items())
        out.append(f"{fac.value} weights ({res.extra['weights_method']}): {crit}.")
    if no_access:
        out.append(
            "Access to a main road is not assessed: the cost model reports no distance from "
            f"sites to the road network (CostMatrix.details['{SNAP_DETAIL}'])."
        )
    return out
