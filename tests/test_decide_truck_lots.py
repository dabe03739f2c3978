"""Truck lots in a whole scenario: the p-median and fixed-charge choices, checked by brute
force and by recomputing their objectives from the assignment."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from siting.decide import default_scenario, run
from siting.layers import Facility
from siting.params import SensitivityParams, TruckParams

LOT = Facility.TRUCK_LOT


def _run(*, sensitivity: bool = False, **truck):
    return run(
        default_scenario(
            facilities=(LOT,),
            truck=TruckParams(**truck),
            sensitivity=SensitivityParams(enabled=sensitivity),
        )
    )


@pytest.fixture(scope="module")
def two_lots():
    return _run(n_lots=2, objective="cost")


def test_two_lots_are_the_brute_force_optimum(two_lots):
    res = two_lots.results[LOT]
    eligible = ~res.ranking["excluded"].to_numpy(dtype=bool)
    km = two_lots.costs.km[:, eligible]
    w = two_lots.localities["trucks"].to_numpy()
    # every pair of eligible sites, in blocks: Σ trucks × km to the nearer of the two
    m = km.shape[1]
    best = np.inf
    for i in range(m):
        pair = np.minimum(km[:, [i]], km[:, i + 1 :])
        if pair.size:
            best = min(best, float((w @ pair).min()))
    assert res.objective == pytest.approx(best, rel=1e-9)
    assert res.proven_optimal
    a = res.assignment
    assert (a["weight"] * a["km"]).sum() == pytest.approx(res.objective, rel=1e-9)


def test_more_lots_never_cost_more_and_four_lots_match_a_local_check(two_lots):
    r = _run(n_lots=4, objective="cost")
    four = r.results[LOT]
    assert four.proven_optimal
    assert len(four.chosen) == 4
    assert four.objective < two_lots.results[LOT].objective
    # no single swap of an open lot for another eligible site improves the solution
    rk = four.ranking
    ids = rk["site_id"].to_numpy()
    eligible = np.flatnonzero(~rk["excluded"].to_numpy(dtype=bool))
    cols = [int(np.flatnonzero(ids == c)[0]) for c in four.chosen]
    km, w = r.costs.km, r.localities["trucks"].to_numpy()
    base = float(w @ km[:, cols].min(axis=1))
    assert base == pytest.approx(four.objective, rel=1e-9)
    for k, j in itertools.product(range(4), eligible[::7]):
        trial = [*cols[:k], int(j), *cols[k + 1 :]]
        assert float(w @ km[:, trial].min(axis=1)) >= base - 1e-6


def test_fixed_charge_respects_capacity_and_prices_lots():
    res = _run(
        model="fixed-charge",
        lot_capacity_spaces=300,
        lot_cost_ils_per_year=1_500_000,
        driver_cost_ils_per_km=3.0,
    ).results[LOT]
    assert res.proven_optimal
    a = res.assignment
    used = a.groupby("site_id")["weight"].sum()
    assert (used <= 300 + 1e-9).all()
    assert used.sum() == pytest.approx(a["weight"].sum())
    # 794.5 spaces need at least 3 lots of 300
    assert res.extra["lots_opened"] == len(res.chosen) >= 3
    travel = float((a["weight"] * a["km"]).sum()) * 2 * 300 * 3.0
    assert res.extra["driver_cost_ils_per_year"] == pytest.approx(travel, rel=1e-6)
    assert res.objective == pytest.approx(travel + 1_500_000 * len(res.chosen), rel=1e-6)
    # single sourcing: each locality at exactly one lot
    assert a["locality_id"].is_unique


def test_cheap_lots_mean_more_lots():
    counts = [
        _run(
            model="fixed-charge",
            lot_capacity_spaces=600,
            lot_cost_ils_per_year=cost,
            driver_cost_ils_per_km=3.0,
        )
        .results[LOT]
        .extra["lots_opened"]
        for cost in (1_000_000, 8_000_000)
    ]
    assert counts[0] > counts[1] >= 2  # 794.5 spaces need two lots of 600


def test_fixed_charge_needs_the_committees_figures():
    with pytest.raises(ValueError, match="lot_capacity_spaces, lot_cost_ils_per_year"):
        TruckParams(model="fixed-charge")


def test_the_weighted_plan_never_overfills_a_plot():
    """At 2,000 m² per space a 0.87 km² cell holds 433 trucks: the default pair (509 and
    285 trucks) would overfill one lot, so the plan moves trucks and stays within capacity."""
    free = _run(n_lots=2).results[LOT]
    loads = [s["load_capacity_units"] for s in free.extra["sites"]]
    assert max(loads) > 433.0
    capped = _run(n_lots=2, m2_per_space=2000.0).results[LOT]
    assert capped.chosen
    for site in capped.extra["sites"]:
        assert site["load_capacity_units"] <= site["capacity"] + 1e-9
        assert site["capacity"] == pytest.approx(866_025.4037844425 / 2000.0)
    assert capped.proven_optimal
    assert capped.objective <= free.objective + 1e-9  # a constraint cannot improve the score
