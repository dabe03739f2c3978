"""What differs between facility types, in one place: :class:`FacilitySpec`.

Each facility type (:class:`~siting.layers.Facility`) has one frozen description: the
demand it serves (a locality column), where its parameters live on a scenario, its
default weights, its map colour and marker and its default objective unit.  Code asks
``spec(facility).threshold_min(scenario)`` instead of branching on the facility type.

Examples
--------
>>> from siting.decide import default_scenario
>>> s = default_scenario()
>>> spec(Facility.WASTE_STATION).threshold_min(s), spec(Facility.TRUCK_LOT).demand_column
(30.0, 'trucks')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from siting.layers import Facility
from siting.params import ScoringParams, TruckParams, WasteParams

__all__ = ["SPECS", "FacilitySpec", "spec"]


class _HasParams(Protocol):
    @property
    def waste(self) -> WasteParams: ...
    @property
    def truck(self) -> TruckParams: ...


@dataclass(frozen=True)
class FacilitySpec:
    """One facility type's description.

    Attributes
    ----------
    facility : Facility
    demand_column : str
        Locality column with the demand a site serves (``tonnes_per_year``, ``trucks``).
    params_field : str
        Attribute of a scenario holding this facility's parameters (``waste``, ``truck``).
    default_weights_field : str
        Attribute of :class:`~siting.params.ScoringParams` with the default weights.
    colour, marker : str
        Map/figure colour (hex) and matplotlib marker.
    objective_unit : str
        Unit of the default choice model's objective.
    """

    facility: Facility
    demand_column: str
    params_field: str
    default_weights_field: str
    colour: str
    marker: str
    objective_unit: str

    def params(self, scenario: _HasParams) -> Any:
        """This facility's parameter object on ``scenario``."""
        return getattr(scenario, self.params_field)

    def threshold_min(self, scenario: _HasParams) -> float:
        """Coverage threshold (minutes)."""
        return float(self.params(scenario).coverage_threshold_min)

    def buffer_m(self, scenario: _HasParams) -> float:
        """Buffer from homes (m)."""
        return float(self.params(scenario).buffer_m)

    def default_weights(self, scoring: ScoringParams) -> dict[str, float]:
        """The documented default weights (assumptions, see :mod:`siting.params`)."""
        return dict(getattr(scoring, self.default_weights_field))


SPECS: Mapping[Facility, FacilitySpec] = {
    Facility.WASTE_STATION: FacilitySpec(
        facility=Facility.WASTE_STATION,
        demand_column="tonnes_per_year",
        params_field="waste",
        default_weights_field="waste_weights",
        colour="#b2182b",
        marker="o",
        objective_unit="tonne-km per year (loaded haul, one way)",
    ),
    Facility.TRUCK_LOT: FacilitySpec(
        facility=Facility.TRUCK_LOT,
        demand_column="trucks",
        params_field="truck",
        default_weights_field="truck_weights",
        colour="#2166ac",
        marker="s",
        objective_unit="truck-km per day (home locality to lot, one way)",
    ),
}


def spec(facility: Facility | str) -> FacilitySpec:
    """The description of ``facility`` (a :class:`Facility` or its value)."""
    return SPECS[Facility.parse(facility) if isinstance(facility, str) else facility]
