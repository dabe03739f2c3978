"""A scenario: one run of the flow from region to ranked, chosen sites.

    region (+ neighbours) → demand → candidates → costs → criteria → scoring
                                                          → locate → sensitivity

:func:`default_scenario` is the offline Mishor HaHof default that ``siting run``
uses; :func:`run` executes any :class:`Scenario` and returns a
:class:`RunResult` that :mod:`siting.outputs` writes to disk.

How the sites are chosen
------------------------
Waste-sorting station (one site): the **top-scored eligible site** of the
weighted ranking (:mod:`siting.decide.scoring`), so the map, the ranking and the
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

import collections
import hashlib
import logging
import pickle
import time
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from siting.candidates import apply_constraints, hex_search
from siting.decide.choose import (
    access_distances,
    eligible_sites,
    facility_problem,
    facility_result,
)
from siting.decide.colocate import check_colocation, colocation_bans
from siting.decide.notes import run_notes
from siting.decide.scenario import FAR_DESTINATION_M, SNAP_DETAIL, RunResult, Scenario
from siting.decide.scoring import FacilityResult
from siting.decide.sensitivity import SENSITIVITY_COLUMNS
from siting.decide.sweeps import plan_sweeps
from siting.demand import (
    authority_demand,
    lot_requirement,
    truck_demand,
    waste_demand,
)
from siting.errors import SitingError
from siting.facility import spec
from siting.layers import METRIC_CRS, Facility, Region

__all__ = ["run"]

log = logging.getLogger(__name__)


#: Candidate searches of this process by their inputs' content (a sweep runs many scenarios
#: of one membership, whose searches are identical): the last few are kept.
_SEARCHES: collections.OrderedDict[str, gpd.GeoDataFrame] = collections.OrderedDict()
_SEARCHES_KEPT = 4


def _candidates(s: Scenario, region: Region, truck_area_m2: float) -> gpd.GeoDataFrame:
    buffers = {fac: spec(fac).buffer_m(s) for fac in Facility}
    # a truck plot must hold at least one space; each lot's load is then limited by its
    # plot's capacity inside the plan model (not screened here by total area / n_lots)
    min_area = {Facility.WASTE_STATION: s.waste.min_area_m2, Facility.TRUCK_LOT: truck_area_m2}
    inputs = (region, s.search, buffers, min_area, s.exclusions, s.grid_origin_itm, s.candidates)
    try:
        key = hashlib.sha256(pickle.dumps(inputs, protocol=5)).hexdigest()
    except (pickle.PicklingError, TypeError, AttributeError):  # not picklable: no memo
        return _search(s, region, buffers, min_area)
    if key in _SEARCHES:
        _SEARCHES.move_to_end(key)
        return _SEARCHES[key].copy()
    found = _search(s, region, buffers, min_area)
    _SEARCHES[key] = found.copy()
    while len(_SEARCHES) > _SEARCHES_KEPT:
        _SEARCHES.popitem(last=False)
    return found


def _search(
    s: Scenario,
    region: Region,
    buffers: dict[Facility, float],
    min_area: dict[Facility, float],
) -> gpd.GeoDataFrame:
    if s.candidates is None:
        return hex_search(
            region,
            cell_m=s.search.cell_m,
            density_per_km2=s.search.built_up_density_per_km2,
            min_radius_m=s.search.min_built_up_radius_m,
            buffers_m=buffers,
            min_area_m2=min_area,
            exclusions=s.exclusions,
            origin=s.grid_origin_itm,
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
    from siting.decide.checks import check_costs, check_inputs

    check_inputs(s)  # plausibility before optimisation: refuse implausible inputs by name
    check_colocation(s)
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
    cand = _candidates(s, region, s.truck.m2_per_space)
    if len(cand) == 0:
        raise SitingError("the site search found no candidate cells in the member authorities")
    log.info("%d demand points, %d candidates", len(loc), len(cand))
    bar.update()
    bar.set_postfix_str(f"travel costs ({s.cost_model.name})")
    costs = s.cost_model.matrix(loc, cand, origin_id="id", destination_id="id")
    check_costs(costs)

    notes = list(region.notes)
    destination = transfer_km = status_quo_km = None
    dest = None
    if Facility.WASTE_STATION in s.facilities:
        dest, destination = _destinations(s, loc)
        sq = s.cost_model.matrix(loc, dest, origin_id="id", destination_id="id")
        status_quo_km = sq.km[np.arange(len(loc)), destination]
        transfer_km = (
            _leg_model(s, "transfer").matrix(cand, dest, origin_id="id", destination_id="id").km
        )
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
    problems: dict[Facility, Any] = {}
    fac_costs: dict[Facility, Any] = {}
    for fac in s.facilities:
        required = s.waste.min_area_m2 if fac is Facility.WASTE_STATION else lots["area_per_lot_m2"]
        leg_costs = costs
        if fac is Facility.TRUCK_LOT and hasattr(s.cost_model, "for_leg"):
            # drivers reach the lots in their own trucks: the truck-lot leg's profile
            leg_costs = s.cost_model.for_leg("truck_lot").matrix(
                loc, cand, origin_id="id", destination_id="id"
            )
        ref_km, ref_transfer = _reference(s, fac, loc, dest if destination is not None else None)
        fac_costs[fac] = leg_costs
        problems[fac] = facility_problem(
            s,
            fac,
            loc=loc,
            cand=cand,
            costs=leg_costs,
            required_area_m2=required,
            destination=destination,
            transfer_km=transfer_km,
            status_quo_km=status_quo_km,
            reference_km=ref_km,
            reference_transfer_km=ref_transfer,
        )
    bans, co_notes = colocation_bans(
        s, problems, {f: eligible_sites(s, f, problems[f]) for f in problems}
    )
    notes += co_notes
    for fac in s.facilities:
        bar.set_postfix_str(fac.value)
        problem, leg_costs = problems[fac], fac_costs[fac]
        res, choice, fac_notes = facility_result(
            s, fac, problem, loc=loc, cand=cand, costs=leg_costs, banned=bans.get(fac)
        )
        results[fac] = res
        notes += fac_notes
        if s.sensitivity.enabled and choice is not None and choice.objective == "fixed-charge":
            notes.append(
                "truck_lot: the one-at-a-time sweeps are skipped under the fixed-charge model "
                "(every step would be a capacitated MIP solve)."
            )
        elif s.sensitivity.enabled and choice is not None and choice.plan is not None:
            weights = s.weight_set(fac).as_dict()
            sweeps.append(
                plan_sweeps(
                    s,
                    fac,
                    problem,
                    eligible=choice.eligible,
                    base=choice,
                    weights=weights,
                    base_speed_kmh=speed,
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
    no_access = bool(np.isnan(access_distances(costs, len(cand))).all())
    notes = run_notes(
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


def _leg_model(s: Scenario, leg: str) -> Any:
    """The cost model that prices ``leg`` (road networks have one vehicle profile per leg)."""
    if leg == "collection" or not hasattr(s.cost_model, "for_leg"):
        return s.cost_model
    return s.cost_model.for_leg(leg)


def _reference(
    s: Scenario, fac: Facility, loc: gpd.GeoDataFrame, dest: gpd.GeoDataFrame | None
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """km from every locality to the demand's centre of gravity, and from it to each
    status-quo destination: the reference plan that anchors the cost criteria."""
    w = loc[spec(fac).demand_column].to_numpy(dtype=float)
    if not w.sum() > 0:
        return None, None
    pts = loc.to_crs(METRIC_CRS).geometry
    x = float(np.average(pts.x.to_numpy(), weights=w))
    y = float(np.average(pts.y.to_numpy(), weights=w))
    centre = gpd.GeoDataFrame({"id": ["centre"]}, geometry=[Point(x, y)], crs=METRIC_CRS)
    model = _leg_model(s, "collection" if fac is Facility.WASTE_STATION else "truck_lot")
    km = model.matrix(loc, centre, origin_id="id", destination_id="id").km[:, 0]
    transfer = None
    if dest is not None:
        transfer = (
            _leg_model(s, "transfer")
            .matrix(centre, dest, origin_id="id", destination_id="id")
            .km[0]
        )
    return km, transfer


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
        r = model.routes(loc, sites, pairs).rename(
            columns={
                "origin_id": "locality_id",
                "destination_id": "site_id",
                "minutes": "path_minutes",
                "km": "path_km",
            }
        )
        # the plan's figures (the matrix: partial edges and access legs included) beside
        # the drawn path's node-to-node figures
        plan = res.assignment.assign(site_id=res.assignment["site_id"].astype(str))
        r = r.merge(
            plan[["locality_id", "site_id", "minutes", "km"]], on=["locality_id", "site_id"]
        )
        route_frames.append(gpd.GeoDataFrame(r, crs=r.crs).assign(facility=fac.value))
        threshold = spec(fac).threshold_min(s)
        iso_frames.append(model.isochrones(sites, [threshold]).assign(facility=fac.value))
    if not route_frames:
        return None, None
    return (
        gpd.GeoDataFrame(pd.concat(route_frames, ignore_index=True), crs=route_frames[0].crs),
        gpd.GeoDataFrame(pd.concat(iso_frames, ignore_index=True), crs=iso_frames[0].crs),
    )
