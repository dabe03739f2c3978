"""Weight Monte Carlo, one-at-a-time sweeps and scenario comparison on known answers."""

from __future__ import annotations

import numpy as np
import pytest

from siting.criteria import FacilityProblem
from siting.decide import default_scenario, run
from siting.decide.compare import compare_runs
from siting.decide.sensitivity import draw_weights, oat_sweeps, rank_stability, reweight
from siting.layers import Facility
from siting.params import SensitivityParams


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


def test_oat_sweeps_find_the_known_switches():
    # coverage within 10 min: X 6 min to both → 1.0; Y 1.2 and 14.4 min → 0.75.
    # mean driver km: X 5.0, Y (30·1 + 10·12) / 40 = 3.75.  Weights 0.6 / 0.4 → X 60, Y 40.
    sp = SensitivityParams(
        speeds_kmh=(25.0, 50.0, 100.0), thresholds_min=(5.0, 10.0, 20.0), weight_factors=(0.5, 1.5)
    )
    out = oat_sweeps(
        _two_site_problem(),
        {"driver_distance": 0.4, "coverage": 0.6},
        params=sp,
        base_speed_kmh=50.0,
    )
    best = {(r.parameter, r.step): r.best_site_id for r in out.itertuples()}
    # 5 min: only Y covers anything (the big locality at 1.2 min); 20 min: both cover all,
    # so distance decides
    assert [best[("coverage_threshold_min", k)] for k in range(3)] == ["Y", "X", "Y"]
    # at 25 km/h X is 12 min away (uncovered); at 100 km/h both cover all
    assert [best[("speed_kmh", k)] for k in range(3)] == ["Y", "X", "Y"]
    # coverage weight 0.3 → Y 70 vs X 30; 0.9 → X
    assert [best[("weight:coverage", k)] for k in range(3)] == ["Y", "X", "X"]
    base = out[out["baseline"]]
    assert set(base["best_site_id"]) == {"X"}
    assert not base["best_site_changed"].any()
    flipped = out[(out["parameter"] == "coverage_threshold_min") & (out["step"] == 0)].iloc[0]
    assert flipped["best_site_changed"]
    assert flipped["baseline_site_rank"] == 2
    assert flipped["mean_driver_km"] == pytest.approx(3.75)
    assert "kg_per_capita_day" not in set(out["parameter"])  # waste station only


def test_default_run_sensitivity_and_comparison():
    base = run(default_scenario())
    sens = base.sensitivity
    ws = sens[sens["facility"] == "waste_station"]
    kg = ws[ws["parameter"] == "kg_per_capita_day"].set_index("step")
    # tonnes scale linearly: same best site, cost and tonne-km × factor
    assert kg["best_site_id"].nunique() == 1
    f = kg.loc[0, "value"]
    assert f == pytest.approx(1.5 / 1.7)
    assert kg.loc[0, "total_cost_ils_per_year"] == pytest.approx(
        f * kg.loc[1, "total_cost_ils_per_year"]
    )
    cost = ws[ws["parameter"] == "cost_ils_per_tkm"].set_index("step")
    assert cost.loc[2, "saving_ils_per_year"] == pytest.approx(
        2 * cost.loc[1, "saving_ils_per_year"]
    )
    assert set(ws["parameter"]) >= {"speed_kmh", "coverage_threshold_min", "weight:cost"}

    grown = run(default_scenario(name="expansion", extra_members=(1020, 628)))
    cmp = compare_runs(base, grown).set_index(["facility", "metric"])
    assert cmp.loc[("all", "member authorities"), "mishor-hahof-default"] == 10
    assert cmp.loc[("all", "member authorities"), "expansion"] == 12
    extra_t = cmp.loc[("all", "tonnes_per_day"), "difference"]
    # Or Akiva 19,902 × 2.291 kg + Jatt 12,473 × 1.7353 kg (CBS 2021)
    assert extra_t == pytest.approx((19_902 * 2.291 + 12_473 * 1.7353) / 1000, rel=1e-6)
    assert isinstance(cmp.loc[("waste_station", "chosen sites"), "expansion"], str)
    assert np.isfinite(cmp.loc[("waste_station", "saving_ils_per_year"), "difference"])
