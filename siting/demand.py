"""Demand: tonnes of waste, truck trips and trucks to park, per locality and authority.

Waste per locality (one row per demand point)::

    residents       = locality population × (authority population / Σ its localities' population)
    kg/person/day   = the authority's CBS 2021 rate, or WasteParams.kg_per_capita_day if unknown
    growth          = (1 + growth_per_year) ** (horizon_year − year of the resident figure)
    tonnes/day      = residents × kg/person/day / 1000 × growth
    collection trips/day = tonnes/day / collection_payload_t     (compactors, V1–V3)
    transfer trips/day   = tonnes/day / transfer_payload_t       (trailers, V3, V4)

Residents are scaled so an authority's localities add up to the authority's
``population`` (e.g. the cluster's 2024 counts), because CBS leaves very small
localities out.  Trip counts are calendar-day averages (fractions of a trip
per locality are trip equivalents).

Heavy vehicles per authority come, in order of precedence, from
``TruckParams.trucks_by_authority`` (the user's counts), an authorities
``trucks`` column, or the estimate ``residents × trucks_per_1000_residents /
1000`` (an assumption).  The CBS 2021 count of non-private motor vehicles
(``non_private_motor_vehicles_cbs_2021``: all motor vehicles minus private
cars, so it includes buses, vans and motorcycles) is reported beside it as an
*upper bound* proxy, never as the count.  ``spaces = trucks × occupancy`` and
``lot_area_m2 = spaces × m2_per_space`` (P1, P2, P9).

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> auth = gpd.GeoDataFrame({"id": [1], "population": [2000.0],
...     "msw_kg_per_capita_day": [2.0], "member": [True]}, geometry=[Point(0, 0)], crs=2039)
>>> loc = gpd.GeoDataFrame({"id": [10, 11], "authority_id": [1, 1],
...     "population": [600.0, 400.0]}, geometry=[Point(0, 0), Point(1, 1)], crs=2039)
>>> d = waste_demand(loc, auth)
>>> d[["residents", "tonnes_per_day", "tonnes_per_year"]].round(1).values.tolist()
[[1200.0, 2.4, 876.0], [800.0, 1.6, 584.0]]
>>> d["transfer_trips_per_day"].round(2).tolist()
[0.12, 0.08]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.params import TruckParams, WasteParams

__all__ = [
    "CBS_VEHICLE_PROXY",
    "authority_demand",
    "growth_factor",
    "lot_requirement",
    "population_year",
    "truck_demand",
    "waste_demand",
]

#: Authorities column with CBS 2021 non-private motor vehicles (an upper-bound proxy for trucks).
CBS_VEHICLE_PROXY = "non_private_motor_vehicles_cbs_2021"


def growth_factor(params: WasteParams) -> float:
    """``(1 + growth_per_year) ** (horizon_year − base_year)``.

    Examples
    --------
    >>> round(growth_factor(WasteParams(horizon_year=2031)), 4)  # 1.018 ** 10
    1.1953
    """
    return float((1.0 + params.growth_per_year) ** max(0, params.horizon_year - params.base_year))


def population_year(authorities: pd.DataFrame, default: int) -> pd.Series:
    """The year of each authority's ``population`` figure, by authority id.

    Read from a ``population_year`` column, else from the trailing year of
    ``population_source`` (``"newsletter-2024"`` → 2024), else ``default``.

    Examples
    --------
    >>> a = pd.DataFrame({"id": [1, 2], "population_source": ["newsletter-2024", "cbs"]})
    >>> population_year(a, 2021).tolist()
    [2024, 2021]
    """
    ids = authorities["id"].astype(int)
    if "population_year" in authorities.columns:
        years = pd.to_numeric(authorities["population_year"], errors="coerce")
    elif "population_source" in authorities.columns:
        found = authorities["population_source"].astype(str).str.extract(r"((?:19|20)\d\d)\s*$")
        years = pd.to_numeric(found[0], errors="coerce")
    else:
        years = pd.Series(np.nan, index=authorities.index)
    return pd.Series(years.fillna(default).astype(int).to_numpy(), index=ids.to_numpy())


def _auth_index(authorities: pd.DataFrame) -> pd.DataFrame:
    return authorities.set_index(authorities["id"].astype(int))


def _residents(localities: pd.DataFrame, authorities: pd.DataFrame) -> pd.Series:
    aid = localities["authority_id"].astype(int)
    loc_sum = localities.groupby(aid)["population"].transform("sum")
    auth_pop = aid.map(_auth_index(authorities)["population"])
    scale = (auth_pop / loc_sum).where(loc_sum > 0, 1.0)
    return localities["population"] * scale


def waste_demand(
    localities: pd.DataFrame,
    authorities: pd.DataFrame,
    params: WasteParams | None = None,
    *,
    rate_factor: float = 1.0,
) -> pd.DataFrame:
    """Waste generated per locality per day and per year, and the truck trips it needs.

    Parameters
    ----------
    localities, authorities : DataFrame
        Validated layers (``authority_id``, ``population``; ``id``, ``population``,
        ``msw_kg_per_capita_day``).
    params : WasteParams, optional
        Default rate, growth, payloads.
    rate_factor : float
        Multiplier on every kg/person/day (sensitivity sweeps); 1 = as given.

    Returns
    -------
    DataFrame, index-aligned with ``localities``
        ``residents``, ``kg_per_capita_day``, ``rate_source`` (``"authority"`` or
        ``"national default"``), ``growth_factor``, ``tonnes_per_day``, ``tonnes_per_year``,
        ``collection_trips_per_day`` (compactor payload) and ``transfer_trips_per_day``
        (trailer payload).
    """
    p = params or WasteParams()
    aid = localities["authority_id"].astype(int)
    rate = aid.map(_auth_index(authorities)["msw_kg_per_capita_day"]).astype(float)
    known = rate.notna() & (rate > 0)
    # growth counts from the year of each authority's resident figure (e.g. the 2024
    # newsletter counts), not from the year of the kg/person/day rates
    since = aid.map(population_year(authorities, p.base_year)).astype(int)
    growth = (1.0 + p.growth_per_year) ** np.maximum(0, p.horizon_year - since)
    residents = _residents(localities, authorities)
    kg = rate.where(known, p.kg_per_capita_day) * rate_factor
    t_day = residents * kg / 1000.0 * growth
    return pd.DataFrame(
        {
            "residents": residents,
            "kg_per_capita_day": kg,
            "rate_source": np.where(known, "authority", "national default"),
            "growth_factor": growth,
            "tonnes_per_day": t_day,
            "tonnes_per_year": t_day * 365.0,
            "collection_trips_per_day": t_day / p.collection_payload_t,
            "transfer_trips_per_day": t_day / p.transfer_payload_t,
        },
        index=localities.index,
    )


def _given_trucks(authorities: pd.DataFrame, params: TruckParams) -> pd.Series:
    """Trucks per authority id given by the user (NaN where not given)."""
    auth = _auth_index(authorities)
    given = pd.Series(np.nan, index=auth.index, dtype=float)
    if "trucks" in auth.columns:
        given = pd.to_numeric(auth["trucks"], errors="coerce").astype(float)
    for aid, n in params.trucks_by_authority:
        if int(aid) in given.index:
            given.loc[int(aid)] = float(n)
    return given


def truck_demand(
    localities: pd.DataFrame,
    authorities: pd.DataFrame,
    params: TruckParams | None = None,
) -> pd.DataFrame:
    """Heavy vehicles to park per locality.

    An authority's trucks are the user's count (``TruckParams.trucks_by_authority``, else
    an authorities ``trucks`` column), spread over its localities by residents; otherwise
    ``residents × trucks_per_1000_residents / 1000`` (an assumption).

    Returns
    -------
    DataFrame, index-aligned with ``localities``
        ``residents``, ``trucks``, ``trucks_source``, ``spaces`` (trucks × occupancy) and
        ``lot_area_m2`` (spaces × m² per space).
    """
    p = params or TruckParams()
    residents = _residents(localities, authorities)
    aid = localities["authority_id"].astype(int)
    share = residents / residents.groupby(aid).transform("sum").replace(0, np.nan)
    given = aid.map(_given_trucks(authorities, p))
    estimated = residents * p.trucks_per_1000_residents / 1000.0
    trucks = (given * share.fillna(0)).where(given.notna(), estimated)
    spaces = trucks * p.occupancy
    return pd.DataFrame(
        {
            "residents": residents,
            "trucks": trucks,
            "trucks_source": np.where(
                given.notna(), "authority count", "estimate per 1,000 residents (assumption)"
            ),
            "spaces": spaces,
            "lot_area_m2": spaces * p.m2_per_space,
        },
        index=localities.index,
    )


def lot_requirement(trucks: pd.DataFrame, params: TruckParams | None = None) -> dict[str, float]:
    """Spaces and land the truck lots need in total and per lot (an even split over ``n_lots``).

    Examples
    --------
    >>> d = pd.DataFrame({"spaces": [60.0, 40.0], "lot_area_m2": [6000.0, 4000.0]})
    >>> lot_requirement(d, TruckParams(n_lots=2))
    {'spaces': 100.0, 'lot_area_m2': 10000.0, 'area_per_lot_m2': 5000.0}
    """
    p = params or TruckParams()
    spaces = float(trucks["spaces"].sum())
    area = float(trucks["lot_area_m2"].sum())
    return {"spaces": spaces, "lot_area_m2": area, "area_per_lot_m2": area / p.n_lots}


def authority_demand(
    localities: pd.DataFrame,
    authorities: pd.DataFrame,
    waste: pd.DataFrame,
    trucks: pd.DataFrame,
) -> pd.DataFrame:
    """Per-authority totals of the per-locality demand (for reports and checks).

    Parameters
    ----------
    localities : DataFrame
        The demand points (``authority_id``).
    authorities : DataFrame
        The region's authorities (``id``, names, optionally ``trucks`` and
        ``non_private_motor_vehicles_cbs_2021``).
    waste, trucks : DataFrame
        :func:`waste_demand` and :func:`truck_demand` for ``localities``.

    Returns
    -------
    DataFrame
        One row per authority with demand, sorted by id: ``authority_id``, ``name_en``,
        ``residents``, ``kg_per_capita_day``, ``rate_source``, ``tonnes_per_day``,
        ``tonnes_per_year``, ``collection_trips_per_day``, ``transfer_trips_per_day``,
        ``trucks``, ``trucks_source``, ``spaces``, ``lot_area_m2`` and
        ``trucks_upper_bound_cbs`` (non-private motor vehicles, CBS 2021: an upper bound that
        includes buses, vans and motorcycles; NaN where absent).
    """
    aid = localities["authority_id"].astype(int).to_numpy()
    frame = pd.concat(
        [
            waste[
                [
                    "residents",
                    "tonnes_per_day",
                    "tonnes_per_year",
                    "collection_trips_per_day",
                    "transfer_trips_per_day",
                ]
            ],
            trucks[["trucks", "spaces", "lot_area_m2"]],
        ],
        axis=1,
    ).assign(authority_id=aid)
    out = frame.groupby("authority_id", sort=True).sum()
    first = (
        pd.DataFrame(
            {
                "authority_id": aid,
                "kg_per_capita_day": waste["kg_per_capita_day"].to_numpy(),
                "rate_source": waste["rate_source"].to_numpy(),
                "trucks_source": trucks["trucks_source"].to_numpy(),
            }
        )
        .groupby("authority_id", sort=True)
        .first()
    )
    out = out.join(first)
    auth = _auth_index(authorities)
    out["name_en"] = auth["name_en"].reindex(out.index) if "name_en" in auth else ""
    proxy = auth[CBS_VEHICLE_PROXY] if CBS_VEHICLE_PROXY in auth else pd.Series(dtype=float)
    out["trucks_upper_bound_cbs"] = pd.to_numeric(proxy, errors="coerce").reindex(out.index)
    cols = [
        "name_en",
        "residents",
        "kg_per_capita_day",
        "rate_source",
        "tonnes_per_day",
        "tonnes_per_year",
        "collection_trips_per_day",
        "transfer_trips_per_day",
        "trucks",
        "trucks_source",
        "spaces",
        "lot_area_m2",
        "trucks_upper_bound_cbs",
    ]
    return out[cols].reset_index()
