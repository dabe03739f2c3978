"""Typed parameter objects, each default in one place with its source.

Every default carries the source ID from ``shared/DOMAIN.md`` (section 9) or is
labelled ``assumption`` when no source gives it; such values are parameters a
planner should set.  :func:`sources_table` lists them all so a manifest or a
map can show where each number came from.

Examples
--------
>>> from siting.params import CrowFlyParams
>>> CrowFlyParams().circuity
1.3
>>> CrowFlyParams(speed_kmh=40).speed_kmh
40
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CandidateParams",
    "CrowFlyParams",
    "TruckParams",
    "WasteParams",
    "sources_table",
]


def _p(default: Any, source: str, note: str = "") -> Any:
    return field(default=default, metadata={"source": source, "note": note})


@dataclass(frozen=True)
class CrowFlyParams:
    """Crow-fly × circuity travel-cost model (the offline default).

    ``km = straight-line km × circuity``; ``minutes = km / speed_kmh × 60``.
    """

    circuity: float = _p(
        1.3,
        "assumption",
        "road distance / straight-line distance; no source in DOMAIN.md. Replace by loading an "
        "OSM network, which makes it unnecessary.",
    )
    speed_kmh: float = _p(
        50.0,
        "assumption (DOMAIN 1e, R3)",
        "average heavy-truck speed over a mixed interurban/urban trip: between the ORS HGV "
        "primary/secondary 60 km/h and tertiary 50 km/h / residential 30 km/h (R3); "
        "collection-route speeds are unsourced (DOMAIN 8.7).",
    )

    def __post_init__(self) -> None:
        if not self.circuity >= 1.0:
            raise ValueError(f"circuity must be >= 1 (got {self.circuity})")
        if not self.speed_kmh > 0:
            raise ValueError(f"speed_kmh must be > 0 (got {self.speed_kmh})")


@dataclass(frozen=True)
class WasteParams:
    """Waste generation and haul economics."""

    kg_per_capita_day: float = _p(
        1.7,
        "S1, S2, S12, S13",
        "national municipal + commercial waste per person; used only where the CBS 2021 "
        "authority rate is unknown.",
    )
    growth_per_year: float = _p(0.018, "S1", "growth of municipal waste, MoEP 2014: +1.8 %/yr")
    base_year: int = _p(2021, "CBS 2021", "year of the per-authority kg/person/day figures")
    horizon_year: int = _p(2021, "assumption", "planning horizon; 2021 = no growth applied")
    collection_payload_t: float = _p(10.0, "V1, V2, V3", "26 t compactor payload, midpoint")
    transfer_payload_t: float = _p(20.0, "V3, V4", "open-top transfer trailer payload")
    cost_ils_per_tkm: float = _p(
        1.0,
        "assumption",
        "Israeli truck cost per tonne-km is unsourced (DOMAIN 8.6); set it for your contract.",
    )
    buffer_m: float = _p(
        250.0,
        "T8",
        "UK standard rules: 250 m from dwellings for odorous waste (composting / AD); the "
        "Israeli 1998 regulations' distances are unsourced (DOMAIN 8.1).",
    )
    min_area_m2: float = _p(20_000.0, "V6, T12, T7, V8", "major transfer station: >= 2 ha")
    coverage_threshold_min: float = _p(
        30.0, "V6, V8", "haul time above which a transfer station is worth considering"
    )


@dataclass(frozen=True)
class TruckParams:
    """Heavy-vehicle (truck) parking demand and lot sizing."""

    trucks_per_1000_residents: float = _p(
        3.0,
        "assumption",
        "heavy vehicles (> 10 t) to park per 1,000 residents: unsourced (DOMAIN 8.5). "
        "Give counts per authority where you have them.",
    )
    occupancy: float = _p(1.0, "assumption", "share of trucks parked at the lot at once")
    m2_per_space: float = _p(100.0, "P1, P2, P9", "gross area per truck space incl. circulation")
    buffer_m: float = _p(100.0, "assumption", "noise buffer from homes: unsourced (DOMAIN 8.3)")
    n_lots: int = _p(2, "assumption", "number of lots to open in the default scenario")
    coverage_threshold_min: float = _p(
        20.0, "C5", "UK Circular 01/2022: 20-minute spacing of HGV facilities (no Israeli standard)"
    )


@dataclass(frozen=True)
class CandidateParams:
    """The offline default's site search: a hexagonal grid of candidate cells."""

    cell_m: float = _p(1000.0, "assumption", "distance between hexagon centres (flat-to-flat)")
    built_up_density_per_km2: float = _p(
        4000.0,
        "assumption",
        "residents per km² of built-up land, used to approximate a locality's built-up area "
        "(radius = sqrt(pop / (π · density))) where no land-use layer is loaded.",
    )
    min_built_up_radius_m: float = _p(300.0, "assumption", "smallest built-up radius")


def sources_table(*params: Any) -> list[dict[str, Any]]:
    """List each parameter's value and source, for manifests and map legends.

    Parameters
    ----------
    *params
        Parameter objects (dataclass instances from this module).

    Returns
    -------
    list of dict
        ``{"group", "name", "value", "default", "source", "note"}`` per field.

    Examples
    --------
    >>> rows = sources_table(CrowFlyParams())
    >>> [(r["name"], r["value"], r["source"]) for r in rows][0]
    ('circuity', 1.3, 'assumption')
    """
    rows = []
    for obj in params:
        for f in dataclasses.fields(obj):
            rows.append(
                {
                    "group": type(obj).__name__,
                    "name": f.name,
                    "value": getattr(obj, f.name),
                    "default": f.default,
                    "source": f.metadata.get("source", ""),
                    "note": f.metadata.get("note", ""),
                }
            )
    return rows
