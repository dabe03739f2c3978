"""Demand arithmetic against hand computation."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from siting.demand import (
    authority_demand,
    growth_factor,
    lot_requirement,
    truck_demand,
    waste_demand,
)
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


def test_trips_growth_and_lot_area_by_hand():
    auth, loc = _layers()
    p = WasteParams(collection_payload_t=8, transfer_payload_t=20, horizon_year=2021)
    d = waste_demand(loc, auth, p)
    # locality 10: 1,500 residents × 2.0 kg = 3 t/day → 3/8 compactor and 3/20 trailer trips
    assert d["collection_trips_per_day"].iloc[0] == pytest.approx(3 / 8)
    assert d["transfer_trips_per_day"].iloc[0] == pytest.approx(3 / 20)
    assert d["growth_factor"].iloc[0] == 1.0
    assert growth_factor(WasteParams(growth_per_year=0.018, horizon_year=2031)) == pytest.approx(
        1.018**10
    )
    # ±12 % on every rate (the sensitivity sweep) scales tonnes linearly
    d2 = waste_demand(loc, auth, p, rate_factor=1.12)
    np.testing.assert_allclose(d2["tonnes_per_day"], 1.12 * d["tonnes_per_day"])

    t = truck_demand(
        loc, auth, TruckParams(trucks_per_1000_residents=4, occupancy=0.75, m2_per_space=100)
    )
    # authority 1 gives 12 trucks (6 + 6); authority 2 estimated 500 × 4 / 1000 = 2
    assert t["spaces"].tolist() == pytest.approx([4.5, 4.5, 1.5])
    assert t["lot_area_m2"].tolist() == pytest.approx([450, 450, 150])
    req = lot_requirement(t, TruckParams(n_lots=2))
    assert req == pytest.approx({"spaces": 10.5, "lot_area_m2": 1050, "area_per_lot_m2": 525})


def test_trucks_by_authority_overrides_column_and_estimate():
    auth, loc = _layers()
    p = TruckParams(trucks_per_1000_residents=4, trucks_by_authority=((1, 30), (2, 8)))
    d = truck_demand(loc, auth, p)
    assert d["trucks"].tolist() == pytest.approx([15, 15, 8])
    assert (d["trucks_source"] == "authority count").all()
    with pytest.raises(ValueError, match="negative"):
        TruckParams(trucks_by_authority=((1, -3),))


def test_authority_summary_adds_up_and_reports_cbs_bound():
    auth, loc = _layers()
    auth["name_en"] = ["A", "B"]
    auth["non_private_motor_vehicles_cbs_2021"] = [100, 1]
    w = waste_demand(loc, auth, WasteParams())
    t = truck_demand(loc, auth, TruckParams(trucks_per_1000_residents=4))
    s = authority_demand(loc, auth, w, t).set_index("authority_id")
    assert s.loc[1, "tonnes_per_day"] == pytest.approx(6.0)  # 3,000 × 2.0 kg
    assert s.loc[2, "tonnes_per_day"] == pytest.approx(0.85)  # 500 × 1.7 kg (default)
    assert s.loc[2, "rate_source"] == "national default"
    assert s.loc[1, "trucks"] == pytest.approx(12)
    assert s.loc[2, "trucks_upper_bound_cbs"] == 1
    assert s["residents"].sum() == pytest.approx(3500)


def test_growth_counts_from_the_year_of_the_resident_figures():
    """The embedded residents are the cluster's 2024 counts: a 2031 horizon grows them by
    7 years, not by the 10 years since the 2021 kg/person/day rates."""
    from siting.sources.embedded import default_region

    region = default_region("mishor-hahof")
    loc = region.member_localities().reset_index(drop=True)
    p = WasteParams(growth_per_year=0.018, horizon_year=2031)
    d = waste_demand(loc, region.authorities, p)
    sources = loc["authority_id"].map(region.authorities.set_index("id")["population_source"])
    news = (sources == "newsletter-2024").to_numpy()
    assert news.any()
    np.testing.assert_allclose(d.loc[news, "growth_factor"], 1.018**7)
    if (~news).any():
        np.testing.assert_allclose(d.loc[~news, "growth_factor"], 1.018**10)
