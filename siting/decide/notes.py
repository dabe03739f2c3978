"""The notes every output repeats: approximations, assumptions and warnings of a run."""

from __future__ import annotations

import pandas as pd

from siting.decide.scenario import SNAP_DETAIL, Scenario
from siting.decide.scoring import FacilityResult
from siting.demand import (
    CBS_VEHICLE_PROXY,
)
from siting.layers import Facility, Region

__all__ = ["run_notes"]


def run_notes(
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
        if crit:
            out.append(f"{fac.value} weights ({res.extra.get('weights_method', '')}): {crit}.")
    if no_access:
        out.append(
            "Access to a main road is not assessed: the cost model reports no distance from "
            f"sites to the road network (CostMatrix.details['{SNAP_DETAIL}'])."
        )
    return out
