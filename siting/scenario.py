"""A scenario: one run of the flow from region to ranked, chosen sites.

    region → candidates → demand → costs → locate → scoring

:func:`default_scenario` is the offline Mishor HaHof default that ``siting run``
uses; :func:`run` executes any :class:`Scenario` and returns a
:class:`RunResult` that :mod:`siting.outputs` writes to disk.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting import _enumerate
from siting.candidates import hex_search
from siting.costs import CostMatrix, CostModel, CrowFlyModel
from siting.demand import truck_demand, waste_demand
from siting.errors import SitingError
from siting.layers import METRIC_CRS, Facility, Region
from siting.params import CandidateParams, CrowFlyParams, TruckParams, WasteParams
from siting.scoring import FacilityResult, rank_sites

__all__ = ["RunResult", "Scenario", "default_scenario", "run"]

log = logging.getLogger(__name__)


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
    waste, truck, search : parameter objects
        Facility and site-search parameters with sourced defaults.
    candidates : GeoDataFrame, optional
        A user's candidate plots; ``None`` searches a hexagonal grid.
    exclusions : GeoDataFrame, optional
        Excluded land (``kind``, ``buffer_m``).
    facilities : tuple of Facility
        Which facility types to site.
    lang : str
        ``"en"`` or ``"he"`` for maps.
    """

    name: str
    region: Region
    cost_model: CostModel = field(default_factory=CrowFlyModel)
    waste: WasteParams = field(default_factory=WasteParams)
    truck: TruckParams = field(default_factory=TruckParams)
    search: CandidateParams = field(default_factory=CandidateParams)
    candidates: gpd.GeoDataFrame | None = None
    exclusions: gpd.GeoDataFrame | None = None
    facilities: tuple[Facility, ...] = (Facility.WASTE_STATION, Facility.TRUCK_LOT)
    lang: str = "en"
    seed: int = 20261123
    inputs: tuple[str, ...] = ()  # files read, for the manifest


@dataclass(frozen=True)
class RunResult:
    """What a run produced, in memory."""

    scenario: Scenario
    candidates: gpd.GeoDataFrame  # EPSG:2039, with exclusion reasons
    localities: gpd.GeoDataFrame  # member localities (demand points) with demand columns
    costs: CostMatrix
    results: dict[Facility, FacilityResult]
    notes: tuple[str, ...]
    seconds: float

    @property
    def ranking(self) -> pd.DataFrame:
        """All facilities' rankings in one table."""
        return pd.concat([r.ranking for r in self.results.values()], ignore_index=True)


def default_scenario(**overrides: Any) -> Scenario:
    """The offline default: Mishor HaHof, crow-fly costs, hexagonal site search.

    Examples
    --------
    >>> s = default_scenario()
    >>> s.name, s.cost_model.name, len(s.region.members)
    ('mishor-hahof-default', 'crow-fly', 10)
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


def _candidates(s: Scenario) -> gpd.GeoDataFrame:
    buffers = {Facility.WASTE_STATION: s.waste.buffer_m, Facility.TRUCK_LOT: s.truck.buffer_m}
    min_area = {Facility.WASTE_STATION: s.waste.min_area_m2, Facility.TRUCK_LOT: 0.0}
    if s.candidates is None:
        return hex_search(
            s.region,
            cell_m=s.search.cell_m,
            density_per_km2=s.search.built_up_density_per_km2,
            min_radius_m=s.search.min_built_up_radius_m,
            buffers_m=buffers,
            min_area_m2=min_area,
            exclusions=s.exclusions,
        )
    cand = s.candidates.to_crs(METRIC_CRS).reset_index(drop=True)
    for fac in Facility:
        hosts = cand["facilities"].str.split(";").map(lambda kinds, f=fac: f.value in kinds)
        small = cand["area_m2"] < min_area[fac]
        reason = np.where(~hosts, f"not offered for {fac.value}", "")
        reason = np.where((reason == "") & small, f"plot smaller than {min_area[fac]:g} m²", reason)
        cand[f"reason_{fac.value}"] = reason
        cand[f"excluded_{fac.value}"] = reason != ""
    return cand


def run(scenario: Scenario, *, progress: bool = False) -> RunResult:
    """Execute ``scenario``: candidates, demand, costs, exact siting, ranking."""
    t0 = time.perf_counter()
    s = scenario
    cand = _candidates(s)
    if len(cand) == 0:
        raise SitingError("the site search found no candidate cells in the member authorities")
    loc = s.region.member_localities().reset_index(drop=True)
    waste = waste_demand(loc, s.region.authorities, s.waste)
    trucks = truck_demand(loc, s.region.authorities, s.truck)
    loc = loc.assign(
        residents=waste["residents"],
        tonnes_per_day=waste["tonnes_per_day"],
        tonnes_per_year=waste["tonnes_per_year"],
        kg_per_capita_day=waste["kg_per_capita_day"],
        rate_source=waste["rate_source"],
        trucks=trucks["trucks"],
    )
    log.info("%d demand points, %d candidates", len(loc), len(cand))
    costs = s.cost_model.matrix(loc, cand, origin_id="id", destination_id="id")
    authority = loc["authority_id"].astype(int).to_numpy()
    results: dict[Facility, FacilityResult] = {}
    for fac in s.facilities:
        if fac is Facility.WASTE_STATION:
            weights = loc["tonnes_per_year"].to_numpy(dtype=float)
            threshold, p = s.waste.coverage_threshold_min, 1
            unit = "tonne-km per year (loaded haul, one way)"
        else:
            weights = loc["trucks"].to_numpy(dtype=float)
            threshold, p = s.truck.coverage_threshold_min, s.truck.n_lots
            unit = "truck-km per day (home locality to lot, one way)"
        ranking = rank_sites(
            facility=fac,
            candidates=cand,
            minutes=costs.minutes,
            km=costs.km,
            weights=weights,
            authority=authority,
            threshold_min=threshold,
            cost_ils_per_tkm=s.waste.cost_ils_per_tkm,
        )
        allowed = ~cand[f"excluded_{fac.value}"].to_numpy()
        allowed &= np.isfinite(costs.km).all(axis=0)
        if allowed.sum() < p:
            raise SitingError(
                f"{fac.value}: {int(allowed.sum())} eligible candidate(s) but {p} site(s) "
                "requested; relax buffers or add candidates"
            )
        cols, objective = _enumerate.best_sites(costs.km, weights, p, allowed)
        solver = f"exact enumeration of all {'pairs' if p == 2 else 'sites'}"
        sub = costs.km[:, cols]
        pick = sub.argmin(axis=1)
        chosen_col = np.asarray(cols)[pick]
        assignment = pd.DataFrame(
            {
                "locality_id": loc["id"].to_numpy(),
                "site_id": cand["id"].to_numpy()[chosen_col],
                "km": costs.km[np.arange(len(loc)), chosen_col],
                "minutes": costs.minutes[np.arange(len(loc)), chosen_col],
                "weight": weights,
            }
        )
        chosen = tuple(str(cand["id"].iloc[c]) for c in cols)
        ranking["chosen"] = ranking["site_id"].isin(chosen)
        extra = {"weight_total": float(weights.sum())}
        if fac is Facility.WASTE_STATION:
            extra["cost_ils_per_year"] = objective * s.waste.cost_ils_per_tkm
            extra["tonnes_per_day"] = float(loc["tonnes_per_day"].sum())
        results[fac] = FacilityResult(
            facility=fac,
            ranking=ranking,
            chosen=chosen,
            assignment=assignment,
            objective=objective,
            objective_unit=unit,
            solver=solver,
            proven_optimal=True,
            extra=extra,
        )
    notes = list(s.region.notes)
    if s.cost_model.approximate:
        notes.insert(0, f"Travel costs are APPROXIMATE: {s.cost_model.describe()}.")
    if s.candidates is None:
        notes.append(
            f"Candidate sites are {s.search.cell_m:g} m hexagonal search cells, not surveyed "
            "plots; built-up areas are approximated from locality populations at "
            f"{s.search.built_up_density_per_km2:g} residents/km² (assumption)."
        )
    if (waste["rate_source"] != "authority").any():
        notes.append("Some authorities lack a CBS waste rate: the national default is used.")
    return RunResult(
        scenario=s,
        candidates=cand,
        localities=loc,
        costs=costs,
        results=results,
        notes=tuple(notes),
        seconds=time.perf_counter() - t0,
    )
