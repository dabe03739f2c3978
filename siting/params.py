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
import math
import os
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "LIMITS",
    "TRUCK_OBJECTIVES",
    "WASTE_OBJECTIVES",
    "CandidateParams",
    "CrowFlyParams",
    "ParamError",
    "ScoringParams",
    "SensitivityParams",
    "TruckParams",
    "WasteParams",
    "describe_range",
    "limit",
    "sources_table",
]


#: Resource bounds checked before anything is allocated; raise them with the environment
#: variable of the same name (e.g. ``SITING_MAX_DRAWS=500000``).
LIMITS = {
    "SITING_MAX_DRAWS": 100_000,  # Monte Carlo weight draws per facility
    "SITING_MAX_CELLS": 250_000,  # hexagonal candidate cells of the site search
}


def limit(name: str) -> int:
    """A resource bound: ``$<name>`` when set to a positive whole number, else :data:`LIMITS`."""
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else LIMITS[name]


class ParamError(ValueError):
    """Parameters out of their documented range; ``problems`` is ``[(field, message)]``."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))


Range = tuple[float | None, float | None]

#: Plan objectives a waste station accepts; truck lots add "fixed-charge".
WASTE_OBJECTIVES = ("weighted", "cost", "p-center", "coverage")
TRUCK_OBJECTIVES = (*WASTE_OBJECTIVES, "fixed-charge")


def _p(
    default: Any,
    source: str,
    note: str = "",
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
) -> Any:
    """A parameter: default, source ID, note and its documented range (``ge``/``gt``, ``le``)."""
    meta = {"source": source, "note": note, "ge": ge, "gt": gt, "le": le}
    return field(default=default, metadata=meta)


def describe_range(f: dataclasses.Field[Any]) -> str:
    """The documented range of a parameter field, e.g. ``"> 0 and <= 130"`` (``""`` if none)."""
    parts = []
    if f.metadata.get("gt") is not None:
        parts.append(f"> {f.metadata['gt']:g}")
    if f.metadata.get("ge") is not None:
        parts.append(f">= {f.metadata['ge']:g}")
    if f.metadata.get("le") is not None:
        parts.append(f"<= {f.metadata['le']:g}")
    return " and ".join(parts)


def _number_problem(f: dataclasses.Field[Any], v: Any, what: str = "") -> str | None:
    """Why ``v`` is not an acceptable value of the numeric field ``f`` (``None`` if it is)."""
    label = f"{what} " if what else ""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return f"{label}must be a number (got {v!r})"
    if not math.isfinite(v):
        return f"{label}must be a finite number (got {v!r})"
    m = f.metadata
    ok = (
        (m.get("gt") is None or v > m["gt"])
        and (m.get("ge") is None or v >= m["ge"])
        and (m.get("le") is None or v <= m["le"])
    )
    if not ok:
        return f"{label}must be {describe_range(f)} (got {v!r})"
    return None


def _range_problems(obj: Any) -> list[tuple[str, str]]:
    """Every numeric field (and number inside a tuple field) checked against its range."""
    problems: list[tuple[str, str]] = []
    for f in dataclasses.fields(obj):
        has_range = any(f.metadata.get(k) is not None for k in ("ge", "gt", "le"))
        if not has_range:
            continue
        v = getattr(obj, f.name)
        if v is None:
            continue
        if isinstance(v, tuple | list):
            for i, x in enumerate(v):
                msg = _number_problem(f, x, f"item {i + 1}")
                if msg:
                    problems.append((f.name, msg))
        else:
            msg = _number_problem(f, v)
            if msg:
                problems.append((f.name, msg))
    return problems


def _negative(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and v < 0


def _raise(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise ParamError(problems)


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
        ge=1.0,
        le=5.0,
    )
    speed_kmh: float = _p(
        50.0,
        "assumption (DOMAIN 1e, R3)",
        "average heavy-truck speed over a mixed interurban/urban trip: between the ORS HGV "
        "primary/secondary 60 km/h and tertiary 50 km/h / residential 30 km/h (R3); "
        "collection-route speeds are unsourced (DOMAIN 8.7).",
        gt=0.0,
        le=130.0,
    )

    def __post_init__(self) -> None:
        _raise(_range_problems(self))


@dataclass(frozen=True)
class WasteParams:
    """Waste generation and haul economics."""

    kg_per_capita_day: float = _p(
        1.7,
        "S1, S2, S12, S13",
        "national municipal + commercial waste per person; used only where the CBS 2021 "
        "authority rate is unknown.",
        gt=0.0,
        le=20.0,
    )
    growth_per_year: float = _p(
        0.018, "S1", "growth of municipal waste, MoEP 2014: +1.8 %/yr", ge=-0.5, le=0.5
    )
    base_year: int = _p(
        2021, "CBS 2021", "year of the per-authority kg/person/day figures", ge=1950, le=2100
    )
    horizon_year: int = _p(
        2021, "assumption", "planning horizon; 2021 = no growth applied", ge=1950, le=2150
    )
    collection_payload_t: float = _p(
        10.0, "V1, V2, V3", "26 t compactor payload, midpoint", gt=0.0, le=60.0
    )
    transfer_payload_t: float = _p(
        20.0, "V3, V4", "open-top transfer trailer payload", gt=0.0, le=60.0
    )
    cost_ils_per_tkm: float = _p(
        1.0,
        "assumption",
        "Israeli truck cost per tonne-km is unsourced (DOMAIN 8.6); set it for your contract.",
        ge=0.0,
        le=1000.0,
    )
    buffer_m: float = _p(
        250.0,
        "T8",
        "UK standard rules: 250 m from dwellings for odorous waste (composting / AD); the "
        "Israeli 1998 regulations' distances are unsourced (DOMAIN 8.1).",
        ge=0.0,
        le=50_000.0,
    )
    min_area_m2: float = _p(
        20_000.0, "V6, T12, T7, V8", "major transfer station: >= 2 ha", ge=0.0, le=100_000_000.0
    )
    coverage_threshold_min: float = _p(
        30.0,
        "V6, V8",
        "haul time above which a transfer station is worth considering",
        gt=0.0,
        le=600.0,
    )
    transfer_vkm_cost_ratio: float = _p(
        1.0,
        "V3",
        "transfer trailer cost per vehicle-km / compactor cost per vehicle-km; the EPA worked "
        "example uses $3/mile for direct and transfer haul alike. With equal per-vehicle-km "
        "costs a trailer's cost per tonne-km is cost_ils_per_tkm × collection_payload_t / "
        "transfer_payload_t × this ratio.",
        ge=0.0,
        le=100.0,
    )
    transfer_share: float = _p(
        1.0,
        "assumption",
        "share of the station's throughput that leaves by transfer trailer for the status-quo "
        "destination; 1 = everything (a sorting plant's outputs, T13, go to several places "
        "that are not modelled).",
        ge=0.0,
        le=1.0,
    )
    station_cost_ils_per_t: float = _p(
        0.0,
        "assumption",
        "station handling cost per tonne counted against the haul saving; 0 = savings are haul "
        "savings before the station's own operating cost (EPA example: $10/t, V3; no Israeli "
        "figure).",
        ge=0.0,
        le=100_000.0,
    )
    status_quo_destination: str = _p(
        "Veridis sorting plant, Afula",
        "T13",
        "where the authorities haul today: the Afula plant serves localities 'from Hadera to "
        "the Eastern Galilee'. Set per authority with status_quo_by_authority.",
    )
    status_quo_x_itm: float = _p(
        228_610.0,
        "CBS localities 2021 (Afula, code 7700)",
        "Israeli TM easting of Afula's CBS locality centre: an APPROXIMATION of the plant's "
        "location (its gate is not in our sources).",
        ge=100_000.0,
        le=300_000.0,
    )
    status_quo_y_itm: float = _p(
        724_720.0,
        "CBS localities 2021 (Afula, code 7700)",
        "Israeli TM northing of Afula's CBS locality centre (approximation, see x).",
        ge=350_000.0,
        le=820_000.0,
    )
    status_quo_by_authority: tuple[tuple[int, float, float], ...] = _p(
        (),
        "assumption",
        "per-authority status-quo destinations as (authority id, ITM x, ITM y); authorities "
        "not listed haul to the default destination.",
    )
    n_sites: int = _p(
        1, "assumption", "number of stations to open (other clusters need several)", ge=1, le=50
    )
    objective: str = _p(
        "weighted",
        "DOMAIN 6 (M6), DOMAIN 5",
        "how the plan is chosen: 'weighted' (the committee's weighted criteria, anchored), "
        "'cost' (least total annual cost), 'p-center' (least worst travel time), 'coverage' "
        "(most tonnes within the threshold, MCLP).",
    )

    def __post_init__(self) -> None:
        problems = _range_problems(self)
        if self.objective not in WASTE_OBJECTIVES:
            valid = ", ".join(map(repr, WASTE_OBJECTIVES))
            problems.append(("objective", f"must be one of {valid} (got {self.objective!r})"))
        if isinstance(self.n_sites, bool) or not isinstance(self.n_sites, int):
            problems.append(("n_sites", f"must be a whole number (got {self.n_sites!r})"))
        if (
            isinstance(self.horizon_year, int)
            and isinstance(self.base_year, int)
            and self.horizon_year < self.base_year
        ):
            problems.append(
                ("horizon_year", f"{self.horizon_year} is before base_year {self.base_year}")
            )
        for n, row in enumerate(self.status_quo_by_authority, start=1):
            if len(row) != 3:
                problems.append(
                    ("status_quo_by_authority", f"row {n} must be (authority id, ITM x, ITM y)")
                )
                continue
            aid, x, y = row
            for what, v, lo, hi in (("ITM x", x, 100_000, 300_000), ("ITM y", y, 350_000, 820_000)):
                if isinstance(v, bool) or not isinstance(v, int | float) or not lo <= v <= hi:
                    problems.append(
                        (
                            "status_quo_by_authority",
                            f"authority {aid}: {what} must be an Israeli TM coordinate in "
                            f"[{lo:,}, {hi:,}] metres (got {v!r})",
                        )
                    )
        _raise(problems)


@dataclass(frozen=True)
class TruckParams:
    """Heavy-vehicle (truck) parking demand and lot sizing."""

    trucks_per_1000_residents: float = _p(
        3.0,
        "assumption",
        "heavy vehicles (> 10 t) to park per 1,000 residents: unsourced (DOMAIN 8.5). "
        "Give counts per authority where you have them.",
        ge=0.0,
        le=1000.0,
    )
    occupancy: float = _p(
        1.0, "assumption", "share of trucks parked at the lot at once", ge=0.0, le=1.0
    )
    m2_per_space: float = _p(
        100.0, "P1, P2, P9", "gross area per truck space incl. circulation", gt=0.0, le=10_000.0
    )
    buffer_m: float = _p(
        100.0, "assumption", "noise buffer from homes: unsourced (DOMAIN 8.3)", ge=0.0, le=50_000.0
    )
    n_lots: int = _p(2, "assumption", "number of lots to open in the default scenario", ge=1, le=50)
    coverage_threshold_min: float = _p(
        20.0,
        "C5",
        "UK Circular 01/2022: 20-minute spacing of HGV facilities (no Israeli standard)",
        gt=0.0,
        le=600.0,
    )
    trucks_by_authority: tuple[tuple[int, float], ...] = _p(
        (),
        "user",
        "heavy vehicles to park per authority as (authority id, trucks): the realistic input. "
        "It overrides an authorities' 'trucks' column, which overrides the per-1,000 estimate.",
    )
    model: str = _p(
        "p-median",
        "DOMAIN 5 (p-median: Hakimi 1964)",
        "'p-median': open n_lots lots minimising truck-km from home localities; "
        "'fixed-charge': choose how many lots (and where) minimising lot cost + driver travel "
        "cost under lot capacities (needs lot_capacity_spaces, lot_cost_ils_per_year and "
        "driver_cost_ils_per_km).",
    )
    lot_capacity_spaces: float | None = _p(
        None,
        "user (P1, P2, P3 for scale)",
        "truck spaces per lot for the fixed-charge model: unsourced as a standard; Israeli "
        "municipal lots hold 140-450 trucks (Hadera ~140, Ashdod 450). A candidate's capacity "
        "is also limited by its area / m2_per_space.",
        gt=0.0,
        le=1_000_000.0,
    )
    lot_cost_ils_per_year: float | None = _p(
        None,
        "user (P2 for scale)",
        "annualised cost of opening and running one lot: unsourced; Ashdod's lot cost NIS 15 M "
        "(c. 2012, one-off) - annualise it over your own horizon and rate.",
        gt=0.0,
        le=1e12,
    )
    driver_cost_ils_per_km: float | None = _p(
        None,
        "user (DOMAIN 8.4, 8.6: unsourced)",
        "cost of one km driven between a driver's home locality and the lot (fixed-charge).",
        gt=0.0,
        le=10_000.0,
    )
    driver_days_per_year: float = _p(
        300.0,
        "assumption",
        "days a year each truck makes the home-lot round trip (6-day week less holidays)",
        gt=0.0,
        le=366.0,
    )
    single_sourcing: bool = _p(
        True, "assumption", "fixed-charge: all of a locality's trucks park at one lot"
    )
    time_limit_s: float = _p(
        120.0,
        "assumption",
        "solver budget per facility; a stopped solve reports its gap",
        gt=0.0,
        le=86_400.0,
    )
    objective: str = _p(
        "weighted",
        "DOMAIN 6 (M6), DOMAIN 5",
        "how the lots are chosen: 'weighted' (the committee's weighted criteria, anchored, "
        "n_lots lots within each plot's capacity), 'cost' (least truck-km), 'p-center', "
        "'coverage' (MCLP), or 'fixed-charge' (how many lots too; model = 'fixed-charge' "
        "means the same).",
    )

    colocation: str = _p(
        "allowed",
        "assumption",
        "whether a truck lot may share the waste station's site: 'allowed' (each plan on its "
        "own) or 'forbidden' (chosen together, on different sites).",
    )

    @property
    def plan_objective(self) -> str:
        """The objective in force (``model = "fixed-charge"`` selects it too)."""
        return "fixed-charge" if self.model == "fixed-charge" else self.objective

    def __post_init__(self) -> None:
        problems = _range_problems(self)
        if self.colocation not in ("allowed", "forbidden", "required"):
            problems.append(
                (
                    "colocation",
                    f"must be 'allowed' or 'forbidden' (got {self.colocation!r})",
                )
            )
        if self.objective not in TRUCK_OBJECTIVES:
            valid = ", ".join(map(repr, TRUCK_OBJECTIVES))
            problems.append(("objective", f"must be one of {valid} (got {self.objective!r})"))
        if self.model not in ("p-median", "fixed-charge"):
            problems.append(("model", f"must be 'p-median' or 'fixed-charge' (got {self.model!r})"))
        if self.plan_objective == "fixed-charge":
            missing = [
                name
                for name in (
                    "lot_capacity_spaces",
                    "lot_cost_ils_per_year",
                    "driver_cost_ils_per_km",
                )
                if getattr(self, name) is None
            ]
            if missing:
                problems.append(
                    (
                        "model",
                        "'fixed-charge' needs " + ", ".join(missing) + " (no source gives "
                        "them: they are the committee's figures)",
                    )
                )
        seen: set[Any] = set()
        for n, row in enumerate(self.trucks_by_authority, start=1):
            if len(row) != 2:
                problems.append(("trucks_by_authority", f"row {n} must be (authority id, trucks)"))
                continue
            aid, count = row
            if aid in seen:
                problems.append(("trucks_by_authority", f"authority {aid} is given twice"))
            seen.add(aid)
            if (
                isinstance(count, bool)
                or not isinstance(count, int | float)
                or not math.isfinite(count)
                or not 0 <= count <= 1_000_000
            ):
                problems.append(
                    (
                        "trucks_by_authority",
                        f"authority {aid}: trucks must be a number in [0, 1,000,000] "
                        f"(got {count!r}{', a negative count' if _negative(count) else ''})",
                    )
                )
        _raise(problems)


@dataclass(frozen=True)
class CandidateParams:
    """The offline default's site search: a hexagonal grid of candidate cells."""

    cell_m: float = _p(
        1000.0,
        "assumption",
        "distance between hexagon centres (flat-to-flat)",
        ge=10.0,
        le=100_000.0,
    )
    built_up_density_per_km2: float = _p(
        4000.0,
        "assumption",
        "residents per km² of built-up land, used to approximate a locality's built-up area "
        "(radius = sqrt(pop / (π · density))) where no land-use layer is loaded.",
        gt=0.0,
        le=1_000_000.0,
    )
    min_built_up_radius_m: float = _p(
        300.0, "assumption", "smallest built-up radius", ge=0.0, le=50_000.0
    )

    def __post_init__(self) -> None:
        _raise(_range_problems(self))


@dataclass(frozen=True)
class ScoringParams:
    """Soft criteria: default weights and how raw values are normalised.

    Weights are (criterion, weight) pairs, rescaled to sum to 1 over the
    criteria that have data.  The defaults are a labelled starting point for a
    committee, which should set its own (directly or from an AHP matrix, see
    :mod:`siting.weights`) *before* looking at candidate sites (DOMAIN 2.4, T1).
    """

    waste_weights: tuple[tuple[str, float], ...] = _p(
        (
            ("cost", 0.40),
            ("coverage", 0.10),
            ("equity", 0.15),
            ("nuisance", 0.20),
            ("area", 0.05),
            ("access", 0.10),
        ),
        "assumption",
        "waste station: cost = haul + transfer cost ILS/yr; coverage = share of tonnes within "
        "the threshold; equity = worst authority's mean minutes; nuisance = distance to the "
        "nearest built-up area; area = plot / required area; access = distance to a main road.",
    )
    truck_weights: tuple[tuple[str, float], ...] = _p(
        (
            ("driver_distance", 0.35),
            ("coverage", 0.10),
            ("equity", 0.15),
            ("nuisance", 0.25),
            ("area", 0.05),
            ("access", 0.10),
        ),
        "assumption",
        "truck lot: driver_distance = mean km from home locality to lot; equity = worst "
        "authority's mean driver km; the rest as for the waste station.",
    )
    nuisance_saturation_m: float = _p(
        1000.0,
        "assumption",
        "distance from homes beyond which a site gains no further nuisance credit (no metric "
        "noise or odour buffer is sourced for Israel, DOMAIN 8.1, 8.3).",
        gt=0.0,
        le=100_000.0,
    )
    area_ratio_cap: float = _p(
        2.0,
        "T6",
        "plot area / required area credited up to 2: design for about twice first-year "
        "capacity over a 20-year life.",
        gt=1.0,
        le=100.0,
    )
    access_limit_m: float = _p(
        1000.0,
        "assumption",
        "distance from a site to the road network at which the access criterion scores 0 "
        "(0 m scores 1); the network's far-snap threshold.",
        gt=0.0,
        le=100_000.0,
    )

    def __post_init__(self) -> None:
        problems = _range_problems(self)
        for name in ("waste_weights", "truck_weights"):
            for crit, w in getattr(self, name):
                if isinstance(w, bool) or not isinstance(w, int | float) or not 0 <= w < math.inf:
                    problems.append((name, f"{crit}: weight must be a finite number >= 0"))
        _raise(problems)


@dataclass(frozen=True)
class SensitivityParams:
    """Monte Carlo over weights and one-at-a-time (OAT) parameter sweeps (DOMAIN 6.1, M4, M5)."""

    enabled: bool = _p(True, "M4, M5", "run the weight Monte Carlo and OAT sweeps")
    n_draws: int = _p(
        1000,
        "assumption",
        "Monte Carlo weight draws per facility",
        ge=1,
    )
    concentration: float = _p(
        50.0,
        "assumption",
        "Dirichlet concentration: draws ~ Dirichlet(concentration × weights); larger = "
        "draws closer to the chosen weights (50 gives about ±0.07 on a weight of 0.4).",
        gt=0.0,
        le=1_000_000.0,
    )
    rank_interval_pct: tuple[float, float] = _p(
        (5.0, 95.0),
        "assumption",
        "percentiles of each site's rank over the draws",
        ge=0.0,
        le=100.0,
    )
    kg_factors: tuple[float, ...] = _p(
        (1.5 / 1.7, 1.0, 1.9 / 1.7),
        "S1, S2, S12, S13 (derived)",
        "multipliers on every authority's kg/person/day: the national range 1.5–1.9 around 1.7",
        gt=0.0,
        le=10.0,
    )
    cost_factors: tuple[float, ...] = _p(
        (0.5, 1.0, 2.0),
        "assumption",
        "multipliers on ILS per tonne-km (the Israeli rate is unsourced, DOMAIN 8.6)",
        gt=0.0,
        le=100.0,
    )
    speeds_kmh: tuple[float, ...] = _p(
        (40.0, 50.0, 60.0),
        "assumption (R3)",
        "average truck speeds: minutes are rescaled by default speed / speed (exact for the "
        "crow-fly model); R3 gives HGV road speeds of 30–60 km/h outside motorways.",
        gt=0.0,
        le=130.0,
    )
    thresholds_min: tuple[float, ...] = _p(
        (15.0, 20.0, 30.0),
        "DOMAIN 5 (C5, V6; the set itself unsourced)",
        "coverage thresholds: 20 min (UK HGV spacing) and 30 min (transfer worthwhile)",
        gt=0.0,
        le=600.0,
    )
    weight_factors: tuple[float, ...] = _p(
        (0.5, 1.5),
        "M4 (OAT), factors assumption",
        "each criterion's weight × factor, the others rescaled to keep the sum at 1",
        ge=0.0,
        le=100.0,
    )
    vkm_cost_ratios: tuple[float, ...] = _p(
        (0.5, 1.0, 2.0),
        "V3 (1.0); the range an assumption",
        "transfer trailer / compactor cost per vehicle-km",
        gt=0.0,
        le=100.0,
    )
    collection_payloads_t: tuple[float, ...] = _p(
        (7.0, 10.0, 12.0),
        "V3, V2, V1",
        "compactor payload: EPA example 7 t, midpoint, UK 12 t",
        gt=0.0,
        le=60.0,
    )
    transfer_payloads_t: tuple[float, ...] = _p(
        (18.0, 20.0, 22.0), "V4", "open-top transfer trailer payload range", gt=0.0, le=60.0
    )
    transfer_shares: tuple[float, ...] = _p(
        (0.5, 0.75, 1.0),
        "assumption",
        "share of the station's throughput leaving by trailer",
        ge=0.0,
        le=1.0,
    )
    truck_factors: tuple[float, ...] = _p(
        (0.5, 1.0, 1.5),
        "assumption",
        "multipliers on every authority's trucks to park",
        gt=0.0,
        le=100.0,
    )
    m2_per_space_values: tuple[float, ...] = _p(
        (71.0, 100.0, 175.0),
        "P1, P2, P9",
        "gross m² per truck space: Ashdod, Hadera, UK",
        gt=0.0,
        le=10_000.0,
    )

    def __post_init__(self) -> None:
        problems = _range_problems(self)
        cap = limit("SITING_MAX_DRAWS")
        if isinstance(self.n_draws, int) and not isinstance(self.n_draws, bool):
            if self.n_draws > cap:
                problems.append(
                    (
                        "n_draws",
                        f"{self.n_draws:,} draws is over the limit of {cap:,} (memory and time "
                        "grow with draws × candidates); set SITING_MAX_DRAWS to raise it",
                    )
                )
        else:
            problems.append(("n_draws", f"must be a whole number (got {self.n_draws!r})"))
        lo_hi = self.rank_interval_pct
        if len(lo_hi) != 2 or (len(problems) == 0 and not lo_hi[0] <= lo_hi[1]):
            problems.append(
                ("rank_interval_pct", f"must be [low, high], low <= high (got {lo_hi})")
            )
        for name in (
            "kg_factors",
            "cost_factors",
            "speeds_kmh",
            "thresholds_min",
            "weight_factors",
        ):
            if not getattr(self, name):
                problems.append((name, "must list at least one value"))
        _raise(problems)


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
