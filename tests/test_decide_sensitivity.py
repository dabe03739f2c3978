"""Weight Monte Carlo, one-at-a-time sweeps and scenario comparison on known answers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from siting.criteria import FacilityProblem
from siting.decide import default_scenario, run
from siting.decide.choose import solve_facility
from siting.decide.compare import compare_runs
from siting.decide.sensitivity import draw_weights, rank_stability, reweight
from siting.decide.sweeps import plan_sweeps
from siting.layers import Facility
from siting.params import SensitivityParams, TruckParams


def test_dominant_site_always_ranks_first():
    rng = np.random.default_rng(7)
    norm = rng.uniform(0, 0.9, size=(30, 4))
    norm[11] = 0.95  # better than every other site on every criterion
    draws = draw_weights(np.array([0.4, 0.3, 0.2, 0.1]), n_draws=2000, concentration=5, rng=rng)
    st = rank_stability(norm, draws)
    assert st.loc[11, "p_first"] == 1.0
    assert st["p_first"].drop(index=11).max() == 0.0
    assert (st.loc[11, ["rank_p05", "rank_p95"]] == 1).all()
    assert st["p_first"].sum() == pytest.approx(1.0)


def test_rank_interval_of_two_swapping_sites():
    # site 0 wins when w0 > 0.5, site 1 otherwise: with Dirichlet(50·[0.5, 0.5]) ≈ half each
    norm = np.array([[1.0, 0.0], [0.0, 1.0], [0.2, 0.2]])
    draws = draw_weights(
        np.array([0.5, 0.5]), n_draws=4000, concentration=50, rng=np.random.default_rng(3)
    )
    st = rank_stability(norm, draws)
    assert st.loc[0, "p_first"] == pytest.approx(0.5, abs=0.03)
    assert st.loc[0, "p_first"] + st.loc[1, "p_first"] == pytest.approx(1.0)
    assert st.loc[0, ["rank_p05", "rank_p95"]].tolist() == [1, 2]
    assert st.loc[2, ["rank_p05", "rank_p95"]].tolist() == [3, 3]


def test_draws_are_seeded_and_respect_ranges():
    w = np.array([0.6, 0.3, 0.1])
    a = draw_weights(w, n_draws=50, concentration=20, rng=np.random.default_rng(1))
    b = draw_weights(w, n_draws=50, concentration=20, rng=np.random.default_rng(1))
    assert np.array_equal(a, b)
    r = draw_weights(
        w, n_draws=500, ranges=[(0.5, 0.7), (0.3, 0.3), (0.0, 0.2)], rng=np.random.default_rng(2)
    )
    assert np.allclose(r.sum(axis=1), 1)
    raw_hi = 0.7 / (0.7 + 0.3 + 0.0)
    assert r[:, 0].max() <= raw_hi + 1e-12
    with pytest.raises(ValueError, match="concentration"):
        draw_weights(w, n_draws=5, rng=np.random.default_rng(0))


def test_reweight_keeps_the_sum_and_ratios():
    w = reweight({"a": 0.5, "b": 0.3, "c": 0.2}, "b", 0.5)
    assert sum(w.values()) == pytest.approx(1)
    assert w["b"] == pytest.approx(0.15)
    assert w["a"] / w["c"] == pytest.approx(0.5 / 0.2)


def _two_site_problem() -> FacilityProblem:
    # X: 5 km from both localities; Y: 1 km from the big one, 12 km from the small one
    km = np.array([[5.0, 1.0], [5.0, 12.0]])
    return FacilityProblem(
        facility=Facility.TRUCK_LOT,
        site_ids=np.array(["X", "Y"]),
        km=km,
        minutes=km * 60 / 50,  # 50 km/h
        demand=np.array([30.0, 10.0]),
        authority=np.array([1, 2]),
        locality_names=np.array(["big", "small"]),
        threshold_min=10.0,
        reasons=np.array(["", ""], dtype=object),
        area_m2=np.array([1e5, 1e5]),
        required_area_m2=1e4,
        nearest_built_up_m=np.array([2000.0, 2000.0]),
        access_m=np.full(2, np.nan),
    )


def test_plan_sweeps_re_solve_the_plan_at_each_step():
    # anchors: driver_distance 0 at the reference plan's mean 5 km, 1 at 0 km.
    # X: mean 5 km → 0, coverage (10 min) 1.0; Y: mean 3.75 km → 0.25, coverage 0.75.
    # weights 0.4 / 0.6 → X 60, Y 55: X is the plan.
    sp = SensitivityParams(
        speeds_kmh=(25.0, 50.0, 100.0), thresholds_min=(5.0, 10.0, 20.0), weight_factors=(0.5, 1.5)
    )
    s = default_scenario(truck=TruckParams(n_lots=1, coverage_threshold_min=10.0), sensitivity=sp)
    prob = dataclasses.replace(_two_site_problem(), reference_km=np.array([5.0, 5.0]))
    weights = {"driver_distance": 0.4, "coverage": 0.6}
    eligible = np.ones(2, bool)
    base = solve_facility(s, Facility.TRUCK_LOT, prob, eligible, weights)
    assert base.plan.sites == (0,)
    assert base.extra["objective_value"] == pytest.approx(60.0)
    out = plan_sweeps(
        s,
        Facility.TRUCK_LOT,
        prob,
        eligible=eligible,
        base=base,
        weights=weights,
        base_speed_kmh=50.0,
    )
    plan = {(r.parameter, r.step): r.plan_sites for r in out.itertuples()}
    # 5 min: X covers nobody (6 min), Y the big locality → Y; 20 min: both cover all,
    # so distance decides → Y
    assert [plan[("coverage_threshold_min", k)] for k in range(3)] == ["Y", "X", "Y"]
    # 25 km/h: X is 12 min away (uncovered) → Y; 100 km/h: both cover all → Y
    assert [plan[("speed_kmh", k)] for k in range(3)] == ["Y", "X", "Y"]
    # coverage weight 0.3 → X 30, Y 40; 0.9 → X 90, Y 70
    assert [plan[("weight:coverage", k)] for k in range(3)] == ["Y", "X", "X"]
    base_rows = out[out["baseline"]]
    assert set(base_rows["plan_sites"]) == {"X"}
    assert not base_rows["plan_changed"].any()
    flipped = out[(out["parameter"] == "coverage_threshold_min") & (out["step"] == 0)].iloc[0]
    assert flipped["plan_changed"]
    assert flipped["mean_driver_km"] == pytest.approx(3.75)
    assert flipped["recommended_mean_driver_km"] == pytest.approx(5.0)
    assert out.groupby("parameter")["plan_changes"].first().to_dict() == {
        "coverage_threshold_min": True,
        "m2_per_space": False,
        "speed_kmh": True,
        "trucks": False,
        "weight:coverage": True,
        "weight:driver_distance": True,
    }
    assert "kg_per_capita_day" not in set(out["parameter"])  # waste station only


def test_default_run_sensitivity_and_comparison():
    base = run(default_scenario())
    sens = base.sensitivity
    ws = sens[sens["facility"] == "waste_station"]
    kg = ws[ws["parameter"] == "kg_per_capita_day"].set_index("step")
    # tonnes scale every cost and both cost anchors alike: the plan cannot change, the
    # table says so, and its cost scales with the factor
    assert kg["plan_sites"].nunique() == 1
    assert not kg["plan_changes"].any()
    f = kg.loc[0, "value"]
    assert f == pytest.approx(1.5 / 1.7)
    assert kg.loc[0, "total_cost_ils_per_year"] == pytest.approx(
        f * kg.loc[1, "total_cost_ils_per_year"]
    )
    cost = ws[ws["parameter"] == "cost_ils_per_tkm"].set_index("step")
    assert cost.loc[2, "saving_ils_per_year"] == pytest.approx(
        2 * cost.loc[1, "saving_ils_per_year"]
    )
    assert not cost["plan_changes"].any()
    # what can move the station is swept, and does: the trailer/compactor cost ratio
    ratio = ws[ws["parameter"] == "transfer_vkm_cost_ratio"]
    assert ratio["plan_changes"].all()
    assert ratio["plan_sites"].nunique() >= 2
    assert set(ws["parameter"]) >= {
        "speed_kmh",
        "coverage_threshold_min",
        "weight:cost",
        "collection_payload_t",
        "transfer_payload_t",
        "transfer_share",
    }
    # every sweep row's plan is re-solved: its baseline step is the chosen plan
    chosen = "+".join(base.results[Facility.WASTE_STATION].chosen)
    assert set(ws.loc[ws["baseline"], "plan_sites"]) == {chosen}

    grown = run(default_scenario(name="expansion", extra_members=(1020, 628)))
    cmp = compare_runs(base, grown).set_index(["facility", "metric"])
    assert cmp.loc[("all", "member authorities"), "mishor-hahof-default"] == 10
    assert cmp.loc[("all", "member authorities"), "expansion"] == 12
    extra_t = cmp.loc[("all", "tonnes_per_day"), "difference"]
    # Or Akiva 19,902 × 2.291 kg + Jatt 12,473 × 1.7353 kg (CBS 2021)
    assert extra_t == pytest.approx((19_902 * 2.291 + 12_473 * 1.7353) / 1000, rel=1e-6)
    assert isinstance(cmp.loc[("waste_station", "chosen sites"), "expansion"], str)
    assert np.isfinite(cmp.loc[("waste_station", "saving_ils_per_year"), "difference"])
