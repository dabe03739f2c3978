"""The scenario (everything one run needs) and the run's in-memory result."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from siting.costs import CostMatrix, CostModel, CrowFlyModel
from siting.decide.scoring import FacilityResult, order_ranking
from siting.decide.sensitivity import SENSITIVITY_COLUMNS
from siting.facility import spec
from siting.layers import Facility, Region
from siting.params import (
    CandidateParams,
    CrowFlyParams,
    ScoringParams,
    SensitivityParams,
    TruckParams,
    WasteParams,
)
from siting.weights import WeightSet

__all__ = ["RunResult", "Scenario", "default_scenario"]

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
    grid_origin_itm : (x, y), optional
        A centre of the hexagonal site search's lattice (EPSG:2039); default the region's
        own (:func:`siting.candidates.search_origin`, fixed by the members it was built
        with), so a cell's id is the same place in every scenario of the region.
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
    grid_origin_itm: tuple[float, float] | None = None
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
            default = spec(facility).default_weights(self.scoring)
            return WeightSet.direct(default, method="default (assumption)")
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
    region : Region
        The region as run (with ``extra_members`` joined).
    demand : DataFrame
        Per-authority demand (:func:`siting.demand.authority_demand`).
    sensitivity : DataFrame
        One-at-a-time sweeps (:func:`siting.decide.sensitivity.oat_sweeps`), written as
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
    region: Region
    demand: pd.DataFrame = field(default_factory=pd.DataFrame)
    sensitivity: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(SENSITIVITY_COLUMNS))
    )
    routes: gpd.GeoDataFrame | None = None
    isochrones: gpd.GeoDataFrame | None = None

    @property
    def ranking(self) -> pd.DataFrame:
        """All facilities' rankings in one table (the content of ``ranking.csv``), each row
        with the cost model its figures come from and whether that model is approximate."""
        out = order_ranking([r.ranking for r in self.results.values()])
        return out.assign(cost_model=self.costs.model, approximate=bool(self.costs.approximate))


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
    from siting.sources.embedded import EMBEDDED_INPUTS, default_region, embedded_data_dir

    folder = embedded_data_dir() / "mishor-hahof"
    base: dict[str, Any] = {
        "name": "mishor-hahof-default",
        "region": default_region("mishor-hahof"),
        "cost_model": CrowFlyModel(CrowFlyParams()),
        "inputs": tuple(str(folder / n) for n in EMBEDDED_INPUTS if (folder / n).exists()),
    }
    base.update(overrides)
    return Scenario(**base)
