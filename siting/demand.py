"""Demand: tonnes of waste and trucks to park, per locality.

Waste per locality = residents × kg/person/day × growth to the horizon year.
The per-person rate is the authority's CBS 2021 figure where known, otherwise
the national default (``WasteParams.kg_per_capita_day``; the row is flagged).
Residents are the locality's CBS population scaled so an authority's
localities add up to the authority's ``population`` (e.g. the cluster's 2024
counts), because CBS leaves very small localities out.

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
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.params import TruckParams, WasteParams

__all__ = ["truck_demand", "waste_demand"]


def _residents(localities: pd.DataFrame, authorities: pd.DataFrame) -> pd.Series:
    aid = localities["authority_id"].astype(int)
    loc_sum = localities.groupby(aid)["population"].transform("sum")
    auth_pop = aid.map(authorities.set_index(authorities["id"].astype(int))["population"])
    scale = (auth_pop / loc_sum).where(loc_sum > 0, 1.0)
    return localities["population"] * scale


def waste_demand(
    localities: gpd.GeoDataFrame,
    authorities: gpd.GeoDataFrame,
    params: WasteParams | None = None,
) -> pd.DataFrame:
    """Waste generated per locality per day and per year.

    Returns
    -------
    DataFrame, index-aligned with ``localities``
        ``residents``, ``kg_per_capita_day``, ``rate_source`` (``"authority"`` or
        ``"national default"``), ``tonnes_per_day``, ``tonnes_per_year``,
        ``collection_trips_per_day`` (at the compactor payload).
    """
    p = params or WasteParams()
    auth = authorities.set_index(authorities["id"].astype(int))
    aid = localities["authority_id"].astype(int)
    rate = aid.map(auth["msw_kg_per_capita_day"]).astype(float)
    known = rate.notna() & (rate > 0)
    growth = (1.0 + p.growth_per_year) ** max(0, p.horizon_year - p.base_year)
    residents = _residents(localities, authorities)
    kg = rate.where(known, p.kg_per_capita_day)
    t_day = residents * kg / 1000.0 * growth
    return pd.DataFrame(
        {
            "residents": residents,
            "kg_per_capita_day": kg,
            "rate_source": np.where(known, "authority", "national default"),
            "tonnes_per_day": t_day,
            "tonnes_per_year": t_day * 365.0,
            "collection_trips_per_day": t_day / p.collection_payload_t,
        },
        index=localities.index,
    )


def truck_demand(
    localities: gpd.GeoDataFrame,
    authorities: gpd.GeoDataFrame,
    params: TruckParams | None = None,
) -> pd.DataFrame:
    """Heavy vehicles to park per locality.

    An authority's trucks are its ``trucks`` column where given (the realistic
    case: counts from the authority), otherwise ``residents × trucks_per_1000_residents
    / 1000``; they are spread over its localities by residents.

    Returns
    -------
    DataFrame, index-aligned with ``localities``
        ``residents``, ``trucks``, ``trucks_source``, ``spaces`` (× occupancy).
    """
    p = params or TruckParams()
    residents = _residents(localities, authorities)
    aid = localities["authority_id"].astype(int)
    auth = authorities.set_index(authorities["id"].astype(int))
    share = residents / residents.groupby(aid).transform("sum").replace(0, np.nan)
    if "trucks" in auth.columns:
        given = aid.map(pd.to_numeric(auth["trucks"], errors="coerce"))
    else:
        given = pd.Series(np.nan, index=localities.index)
    estimated = residents * p.trucks_per_1000_residents / 1000.0
    trucks = (given * share.fillna(0)).where(given.notna(), estimated)
    return pd.DataFrame(
        {
            "residents": residents,
            "trucks": trucks,
            "trucks_source": np.where(
                given.notna(), "authority count", "estimate per 1,000 residents (assumption)"
            ),
            "spaces": trucks * p.occupancy,
        },
        index=localities.index,
    )
