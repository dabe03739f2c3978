"""Single-site criteria, exclusions with reasons, and the ranking table's order."""

from __future__ import annotations

import numpy as np
import pytest

from siting.criteria import FacilityProblem, criteria_table
from siting.decide.scoring import order_ranking, rank_interval_columns
from siting.layers import Facility


def _problem(**kw) -> FacilityProblem:
    """3 localities (authorities 1, 1, 2) × 4 candidates; candidate D unreachable from L3."""
    km = np.array(
        [
            [2.0, 6.0, 9.0, 1.0],
            [4.0, 6.0, 9.0, 1.0],
            [6.0, 2.0, 9.0, np.inf],
        ]
    )
    base = {
        "facility": Facility.TRUCK_LOT,
        "site_ids": np.array(["A", "B", "C", "D"]),
        "km": km,
        "minutes": km * 2.0,
        "demand": np.array([10.0, 10.0, 20.0]),
        "authority": np.array([1, 1, 2]),
        "locality_names": np.array(["L1", "L2", "L3"]),
        "threshold_min": 8.0,
        "reasons": np.array(["", "", "within 100 m buffer of homes (L1)", ""], dtype=object),
        "area_m2": np.array([5000.0, 20000.0, 1e6, 1e6]),
        "required_area_m2": 10000.0,
        "nearest_built_up_m": np.array([400.0, 2500.0, 50.0, 900.0]),
        "access_m": np.full(4, np.nan),
    }
    base.update(kw)
    return FacilityProblem(**base)


def test_truck_criteria_by_hand():
    t = criteria_table(_problem()).set_index("site_id")
    # A: Σ trucks × km = 10·2 + 10·4 + 20·6 = 180; mean 180 / 40 = 4.5
    assert t.loc["A", "truck_km_per_day"] == pytest.approx(180)
    assert t.loc["A", "mean_driver_km"] == pytest.approx(4.5)
    # worst authority: authority 1 mean 3 km, authority 2 6 km
    assert t.loc["A", "worst_authority_driver_km"] == pytest.approx(6.0)
    assert t.loc["B", "worst_authority_driver_km"] == pytest.approx(6.0)
    # coverage ≤ 8 min (km × 2): A covers L1, L2 → 20/40; B covers L3 → 20/40
    assert t.loc["A", "coverage_share"] == pytest.approx(0.5)
    assert t.loc["B", "coverage_share"] == pytest.approx(0.5)
    assert t.loc["A", "area_ratio"] == pytest.approx(0.5)
    assert np.isnan(t.loc["A", "access_road_m"])
    assert "haul_tkm_per_year" not in t.columns


def test_exclusion_reasons_are_recorded():
    t = criteria_table(_problem()).set_index("site_id")
    assert not t.loc["A", "excluded"]
    assert t.loc["C", "exclusion_reason"] == "within 100 m buffer of homes (L1)"
    assert t.loc["D", "exclusion_reason"] == "unreachable from L3"
    both = criteria_table(_problem(reasons=np.array(["", "", "", "plot too small"], object)))
    assert both.loc[3, "exclusion_reason"] == "plot too small; unreachable from L3"
    # with several sites per plan, a site some locality cannot reach stays usable
    multi = criteria_table(_problem(), unreachable_excludes=False).set_index("site_id")
    assert not multi.loc["D", "excluded"]
    assert multi.loc["D", "unreachable_from"] == "unreachable from L3"


def test_waste_costs_and_saving_by_hand():
    # one destination 30 km from the localities; 1.5 ILS per t·km; trailers at 0.75
    p = _problem(
        facility=Facility.WASTE_STATION,
        demand=np.array([100.0, 100.0, 200.0]),
        cost_ils_per_tkm=1.5,
        transfer_cost_ils_per_tkm=0.75,
        station_cost_ils_per_t=2.0,
        destination=np.array([0, 0, 0]),
        transfer_km=np.array([[20.0], [25.0], [30.0], [10.0]]),
        status_quo_km=np.array([30.0, 30.0, 30.0]),
    )
    t = criteria_table(p).set_index("site_id")
    # A: haul 100·2 + 100·4 + 200·6 = 1,800 t·km; transfer 400 t × 20 km = 8,000 t·km
    assert t.loc["A", "haul_tkm_per_year"] == pytest.approx(1800)
    assert t.loc["A", "haul_cost_ils_per_year"] == pytest.approx(2700)
    assert t.loc["A", "transfer_cost_ils_per_year"] == pytest.approx(6000)
    assert t.loc["A", "total_cost_ils_per_year"] == pytest.approx(2700 + 6000 + 800)
    assert t.loc["A", "status_quo_cost_ils_per_year"] == pytest.approx(400 * 30 * 1.5)
    assert t.loc["A", "saving_ils_per_year"] == pytest.approx(18000 - 9500)
    # worst authority minutes at A: authority 2 at 6 km × 2 min/km
    assert t.loc["A", "worst_authority_minutes"] == pytest.approx(12)


def test_order_ranking_columns_and_rows():
    t = criteria_table(_problem()).assign(
        rank=[2, 1, None, None],
        score=[50.0, 60.0, None, None],
        chosen=[False, True, False, False],
        p_in_plan=[0.2, 0.8, 0, 0],
        rank_p5=[1, 1, None, None],
        rank_p95=[3, 2, None, None],
        contrib_driver_distance=[1.0, 2.0, None, None],
    )
    t["rank"] = t["rank"].astype("Int64")
    out = order_ranking([t])
    assert out.columns[:4].tolist() == ["site_id", "facility", "rank", "score"]
    lead = out.columns.tolist()
    assert lead.index("rank_p5") == lead.index("p_in_plan") + 1
    assert out["site_id"].tolist() == ["B", "A", "C", "D"]  # by rank, then unranked by id
    assert out.columns[-1] == "contrib_driver_distance"
    assert rank_interval_columns(lead) == ("rank_p5", "rank_p95")
    assert rank_interval_columns(["rank", "score"]) == (None, None)
