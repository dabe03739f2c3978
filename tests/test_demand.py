"""Demand arithmetic against hand computation."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from siting.demand import truck_demand, waste_demand
from siting.params import TruckParams, WasteParams
from siting.sources.embedded import default_region


def _layers():
    auth = gpd.GeoDataFrame(
        {
            "id": [1, 2],
            "population": [3000.0, 500.0],
            "msw_kg_per_capita_day": [2.0, np.nan],
            "member": [True, True],
            "trucks": [12, np.nan],
        },
        geometry=[Point(0, 0), Point(1, 1)],
        crs=2039,
    )
    loc = gpd.GeoDataFrame(
        {"id": [10, 11, 20], "authority_id": [1, 1, 2], "population": [1000.0, 1000.0, 400.0]},
        geometry=[Point(0, 0), Point(1, 0), Point(1, 1)],
        crs=2039,
    )
    return auth, loc


def test_waste_by_hand():
    auth, loc = _layers()
    p = WasteParams(
        kg_per_capita_day=1.7,
        growth_per_year=0.02,
        base_year=2021,
        horizon_year=2031,
        collection_payload_t=10,
    )
    d = waste_demand(loc, auth, p)
    g = 1.02**10
    # authority 1: 3,000 residents over two equal localities at 2.0 kg
    assert d["residents"].tolist() == pytest.approx([1500, 1500, 500])
    assert d["tonnes_per_day"].tolist() == pytest.approx([3.0 * g, 3.0 * g, 0.85 * g])
    assert d["tonnes_per_year"].iloc[2] == pytest.approx(0.85 * g * 365)
    assert d["rate_source"].tolist() == ["authority", "authority", "national default"]
    assert d["collection_trips_per_day"].iloc[0] == pytest.approx(0.3 * g)


def test_trucks_given_or_estimated():
    auth, loc = _layers()
    d = truck_demand(loc, auth, TruckParams(trucks_per_1000_residents=4))
    assert d["trucks"].tolist() == pytest.approx([6, 6, 2])  # 12 given; 500 × 4/1000
    assert d["trucks_source"].iloc[2].startswith("estimate")


def test_default_region_totals():
    r = default_region()
    loc = r.member_localities()
    d = waste_demand(loc, r.authorities)
    assert d["residents"].sum() == pytest.approx(264_846)
    # Σ residents × CBS rate, computed per authority from the embedded table
    expect = (r.members["population"] * r.members["msw_kg_per_capita_day"]).sum() / 1000
    assert d["tonnes_per_day"].sum() == pytest.approx(expect)
    assert 400 < expect < 550  # DOMAIN: ≈450 t/day at the national 1.7 kg
