"""Criteria, exclusions with reasons, normalisation, weights and ranks."""

from __future__ import annotations

import numpy as np
import pytest

from siting.criteria import FacilityProblem, criteria_table
from siting.decide.scoring import normalise, order_ranking, rank_by_score, score_sites
from siting.layers import Facility
from siting.params import ScoringParams


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
    s = score_sites(criteria_table(_problem()), Facility.TRUCK_LOT, {"driver_distance": 1})
    out = s.table.set_index("site_id")
    assert out.loc[["C", "D"], "rank"].isna().all()
    assert out.loc[["C", "D"], "score"].isna().all()
    assert out.loc["B", "rank"] == 1  # mean 4.0 km (10·6 + 10·6 + 20·2) / 40 vs A's 4.5
    assert out.loc["A", "rank"] == 2


def test_normalise_and_rank():
    elig = np.array([True, True, True, False])
    np.testing.assert_allclose(
        normalise(np.array([1.0, 3.0, 2.0, 99.0]), elig, benefit=True), [0, 1, 0.5, np.nan]
    )
    # all equal → 1; a missing value on an eligible site → 0
    np.testing.assert_allclose(
        normalise(np.array([5.0, 5.0, 5.0, 1.0]), elig, benefit=False), [1, 1, 1, np.nan]
    )
    np.testing.assert_allclose(
        normalise(np.array([1.0, np.nan, 3.0, 0]), elig, benefit=False), [1, 0, 0, np.nan]
    )
    assert rank_by_score(np.array([2.0, 2.0, 3.0]), np.ones(3, bool)).tolist() == [2, 3, 1]


def test_weighted_scores_and_contributions_by_hand():
    table = criteria_table(_problem(nearest_built_up_m=np.array([1500.0, 500.0, 50.0, 900.0])))
    weights = {"driver_distance": 2, "nuisance": 1, "area": 1, "access": 4}
    s = score_sites(table, Facility.TRUCK_LOT, weights, ScoringParams(nuisance_saturation_m=1000))
    out = s.table.set_index("site_id")
    # access has no data → its weight is redistributed: 2/4, 1/4, 1/4
    assert s.criteria == ("driver_distance", "nuisance", "area")
    assert s.weights.tolist() == pytest.approx([0.5, 0.25, 0.25])
    assert any("'access'" in n for n in s.notes)
    assert "contrib_access" not in out.columns
    # eligible A, B: mean km 4.5 vs 4.0 → A 0, B 1; nuisance min(1500, 1000) vs 500 → A 1, B 0;
    # area ratio 0.5 vs 2.0 (cap 2) → A 0, B 1
    assert out.loc["A", "contrib_driver_distance"] == pytest.approx(0)
    assert out.loc["A", "contrib_nuisance"] == pytest.approx(25)
    assert out.loc["B", "contrib_driver_distance"] == pytest.approx(50)
    assert out.loc["B", "contrib_area"] == pytest.approx(25)
    assert out.loc["A", "score"] == pytest.approx(25)
    assert out.loc["B", "score"] == pytest.approx(75)
    assert out.loc["B", "rank"] == 1
    contrib = out.filter(like="contrib_").sum(axis=1)
    assert contrib.loc[["A", "B"]].tolist() == pytest.approx(out.loc[["A", "B"], "score"].tolist())
    # equal weights on nuisance and area: a tie, broken by input order
    tie = score_sites(table, Facility.TRUCK_LOT, {"nuisance": 1, "area": 1}).table
    assert tie["score"].iloc[:2].tolist() == pytest.approx([50, 50])
    assert tie["rank"].iloc[:2].tolist() == [1, 2]
    with pytest.raises(ValueError, match="unknown criteria"):
        score_sites(table, Facility.TRUCK_LOT, {"cost": 1})


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
    s = score_sites(criteria_table(_problem()), Facility.TRUCK_LOT, {"driver_distance": 1})
    t = s.table.assign(chosen=False, p_first=0.0)
    out = order_ranking([t])
    assert out.columns[:6].tolist() == [
        "site_id", "facility", "rank", "score", "excluded", "exclusion_reason"
    ]  # fmt: skip
    assert out["site_id"].tolist() == ["B", "A", "C", "D"]  # by rank, then excluded by id
    assert out.columns[-1] == "contrib_driver_distance"
