"""Plausibility before optimisation: refuse inputs that would give a confident nonsense answer.

A model always returns *some* site.  These checks run before any work and stop a run
whose answer could not mean anything, naming the cause:

=================================  =====================================================
check                              refused when
=================================  =====================================================
demand                             the member localities' total waste (t/day), or for
                                   truck lots the trucks to park, is zero or not finite
                                   (sites would be chosen arbitrarily)
Israel's extent                    a member locality, candidate or exclusion lies outside the
                                   Israeli TM grid's extent of Israel
                                   (:data:`ISRAEL_ITM_BOUNDS`): a wrong CRS or unit
candidates far from the region     a candidate plot is more than :data:`FAR_CANDIDATE_KM`
                                   (25 km) from the nearest member locality
weights without data               every criterion a facility's weights put weight on
                                   has no data under the cost model (today: ``access``
                                   without a road network), so every score would be 0
                                   and the first cell would win
travel costs                       (:func:`check_costs`) a cost matrix with no finite
                                   entry, negative or NaN entries, or every demand
                                   point at the same travel time to every site
=================================  =====================================================

Whether a road network covers the region is checked by :mod:`siting.network` (it knows
the graph); :func:`check_costs` is the cost-model independent part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from siting.errors import ScenarioError, SitingError
from siting.layers import METRIC_CRS, Facility

if TYPE_CHECKING:
    from siting.costs import CostMatrix
    from siting.decide.scenario import Scenario

__all__ = [
    "FAR_CANDIDATE_KM",
    "ISRAEL_ITM_BOUNDS",
    "NO_DATA_WITHOUT_NETWORK",
    "check_costs",
    "check_extent",
    "check_inputs",
]

#: A candidate farther than this from every member locality is refused (km, assumption:
#: about the radius of the largest Israeli authority cluster; a regional facility serves
#: its own cluster).
FAR_CANDIDATE_KM = 25.0

#: Israel (with the Golan and the West Bank) in Israeli TM Grid metres, padded by 20 km:
#: ``(min x, min y, max x, max y)``.  Coordinates outside are a wrong CRS or unit.
ISRAEL_ITM_BOUNDS = (100_000.0, 350_000.0, 300_000.0, 820_000.0)

#: Criteria that have no data unless the cost model is a road network.
NO_DATA_WITHOUT_NETWORK = frozenset({"access"})


def check_inputs(s: Scenario) -> None:
    """Every plausibility check that needs no travel costs; raise on the first failed one.

    Raises
    ------
    ScenarioError
        Naming the cause (the layer, row and field, or the parameter).
    """
    region = s.effective_region()
    loc = region.member_localities()
    check_extent(loc, "localities")
    _check_demand(s, loc, region.authorities)
    if s.candidates is not None:
        check_extent(s.candidates, "candidates")
        _check_candidate_distance(s.candidates, loc)
    if s.exclusions is not None:
        check_extent(s.exclusions, "exclusions")
    _check_weights(s)


def check_extent(gdf: object, layer: str) -> None:
    """Refuse a layer with features outside :data:`ISRAEL_ITM_BOUNDS` (names rows and CRS)."""
    import geopandas as gpd

    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.crs is None or len(gdf) == 0:
        return
    b = gdf.to_crs(METRIC_CRS).geometry.bounds.to_numpy(dtype=float)
    x0, y0, x1, y1 = ISRAEL_ITM_BOUNDS
    with np.errstate(invalid="ignore"):
        bad = ~(
            np.isfinite(b).all(axis=1)
            & (b[:, 0] >= x0)
            & (b[:, 2] <= x1)
            & (b[:, 1] >= y0)
            & (b[:, 3] <= y1)
        )
    if not bad.any():
        return
    ids = gdf["id"].astype(str).to_numpy() if "id" in gdf.columns else np.arange(len(gdf))
    rows = [
        f"row {ids[i]}, field 'geometry': at ITM ({b[i, 0]:,.0f}, {b[i, 1]:,.0f}), outside Israel"
        for i in np.flatnonzero(bad)[:10]
    ]
    more = f" (and {int(bad.sum()) - 10} more)" if bad.sum() > 10 else ""
    raise ScenarioError(
        f"layer '{layer}': {int(bad.sum())} feature(s) lie outside Israel's extent "
        f"(EPSG:2039 {ISRAEL_ITM_BOUNDS}): {'; '.join(rows)}{more}. Is the layer's CRS right "
        f"(now {gdf.crs.to_string()})?"
    )


def _check_demand(s: Scenario, loc: object, authorities: object) -> None:
    from siting.demand import truck_demand, waste_demand

    if Facility.WASTE_STATION in s.facilities:
        tonnes = waste_demand(loc, authorities, s.waste)["tonnes_per_day"].to_numpy(dtype=float)
        total = float(np.nansum(tonnes))
        if not np.isfinite(tonnes).all() or not total > 0:
            raise ScenarioError(
                f"waste_station: the member localities' total waste is {total:g} t/day "
                "(populations zero or missing, or kg_per_capita_day unusable): a site chosen "
                "for no demand would be arbitrary; check the localities' and authorities' "
                "'population' fields"
            )
    if Facility.TRUCK_LOT in s.facilities:
        trucks = truck_demand(loc, authorities, s.truck)["trucks"].to_numpy(dtype=float)
        total = float(np.nansum(trucks))
        if not np.isfinite(trucks).all() or not total > 0:
            raise ScenarioError(
                f"truck_lots: the member localities have {total:g} trucks to park (populations "
                "zero, trucks_per_1000_residents = 0 or trucks_by_authority all 0): a lot "
                "chosen for no trucks would be arbitrary"
            )


def _check_candidate_distance(cand: object, loc: object) -> None:
    import geopandas as gpd
    from scipy.spatial import cKDTree

    if not isinstance(cand, gpd.GeoDataFrame) or not isinstance(loc, gpd.GeoDataFrame):
        return
    if not len(cand) or not len(loc):
        return
    pts = loc.to_crs(METRIC_CRS).geometry
    tree = cKDTree(np.column_stack([pts.x, pts.y]))
    c = cand.to_crs(METRIC_CRS).geometry.representative_point()
    dist, _ = tree.query(np.column_stack([c.x, c.y]))
    far = dist > FAR_CANDIDATE_KM * 1000.0
    if not far.any():
        return
    ids = cand["id"].astype(str).to_numpy() if "id" in cand.columns else np.arange(len(cand))
    rows = [
        f"row {ids[i]}, field 'geometry': {dist[i] / 1000:,.0f} km" for i in np.flatnonzero(far)
    ][:10]
    raise ScenarioError(
        f"layer 'candidates': {int(far.sum())} of {len(cand)} candidate(s) lie more than "
        f"{FAR_CANDIDATE_KM:g} km from every member locality (siting.decide.checks."
        f"FAR_CANDIDATE_KM): {'; '.join(rows)}. Remove them or check the layer's CRS"
    )


def _check_weights(s: Scenario) -> None:
    network = hasattr(s.cost_model, "routes")
    for fac in s.facilities:
        weights = {k: v for k, v in s.weight_set(fac).as_dict().items() if v > 0}
        if not weights:
            raise ScenarioError(f"weights.{fac.value}: every weight is 0")
        missing = set(weights) & (set() if network else NO_DATA_WITHOUT_NETWORK)
        if missing == set(weights):
            raise ScenarioError(
                f"weights.{fac.value}: every weighted criterion ({', '.join(sorted(weights))}) "
                f"has no data under the {s.cost_model.name} cost model (it needs a road "
                "network), so every site would score 0; weight a criterion with data (cost, "
                "coverage, equity, nuisance, area) or load a road network"
            )


def check_costs(costs: CostMatrix, *, what: str = "travel costs") -> None:
    """A cost matrix that cannot support a choice: no finite entry, negative or NaN minutes.

    Cost-model independent (crow-fly or road network).

    Raises
    ------
    SitingError
    """
    km = np.asarray(costs.km, dtype=float)
    minutes = np.asarray(costs.minutes, dtype=float)
    if km.size == 0:
        return
    if np.isnan(km).any() or np.isnan(minutes).any():
        raise SitingError(f"{what}: the {costs.model} cost model returned NaN distances or times")
    if (km < 0).any() or (minutes < 0).any():
        raise SitingError(f"{what}: the {costs.model} cost model returned negative values")
    if not np.isfinite(km).any():
        raise SitingError(
            f"{what}: no candidate is reachable from any demand point on the {costs.model} "
            "cost model"
        )
    finite = np.isfinite(minutes)
    if km.shape[0] > 1 and km.shape[1] > 1 and finite.all() and np.ptp(minutes) == 0:
        raise SitingError(
            f"{what}: every demand point is the same time from every site on the "
            f"{costs.model} cost model (all snapped to one point?): the choice would be arbitrary"
        )
