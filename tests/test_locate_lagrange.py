"""p-median with float costs, wide weighted models (the Lagrangian phase), honest bounds
under limits, and warm starts: checked against brute force and untimed optima."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest

from siting import locate
from siting.locate._highs import Deadline
from siting.locate._lagrange import lagrangian_reduce
from siting.locate.orlib import pmed_like


def _wide(seed: int, n: int = 7, m: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """Float crow-fly costs, clients against many more candidates, uneven weights."""
    rng = np.random.default_rng(seed)
    clients = rng.uniform(0, 10, (n, 2))
    sites = rng.uniform(0, 10, (m, 2))
    cost = np.linalg.norm(clients[:, None] - sites[None], axis=2)
    w = np.round(rng.lognormal(3.0, 1.5, n), 3)
    return cost, w


def _brute(cost: np.ndarray, w: np.ndarray, p: int, fixed=(), banned=()) -> tuple[float, tuple]:
    m = cost.shape[1]
    free = [j for j in range(m) if j not in fixed and j not in banned]
    best, arg = math.inf, ()
    for extra in itertools.combinations(free, p - len(fixed)):
        combo = tuple(sorted((*fixed, *extra)))
        value = float(w @ cost[:, list(combo)].min(axis=1))
        if value < best:
            best, arg = value, combo
    return best, arg


@pytest.mark.parametrize("seed", range(10))
def test_wide_float_weighted_against_brute_force(seed: int) -> None:
    cost, w = _wide(seed)
    p = 2 + seed % 2
    fixed, banned = ([seed % 24], [(seed + 3) % 24]) if seed % 3 == 0 else ([], [])
    best, _ = _brute(cost, w, p, fixed, banned)
    sol = locate.p_median(cost, w, p, fixed=fixed, banned=banned)
    assert sol.proven_optimal
    assert sol.objective == pytest.approx(best, rel=1e-12)
    assert float(w @ cost[np.arange(len(w)), sol.assignment]) == pytest.approx(best, rel=1e-12)
    assert set(fixed) <= set(sol.sites)
    assert not set(banned) & set(sol.sites)


@pytest.mark.parametrize("seed", range(6))
def test_square_float_costs_against_brute_force(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    xy = rng.uniform(0, 1, (13, 2))
    cost = np.linalg.norm(xy[:, None] - xy[None], axis=2) * rng.uniform(1, 1.3, (13, 13))
    w = rng.uniform(0.1, 5.0, 13)
    best, _ = _brute(cost, w, 3)
    sol = locate.p_median(cost, w, 3)
    assert sol.proven_optimal
    assert sol.objective == pytest.approx(best, rel=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_lagrangian_bound_and_reduction_are_valid(seed: int) -> None:
    """Any λ bounds the optimum from below, and the kept columns hold every solution
    at least as good as the incumbent (here: the optimum itself)."""
    cost, w = _wide(seed, n=8, m=22)
    wc = w[:, None] * cost
    best, arg = _brute(cost, w, 3)
    for iters in (1, 5, 50, 500):
        res = lagrangian_reduce(
            wc,
            3,
            fixed=np.zeros(0, dtype=np.int64),
            allowed=np.ones(22, dtype=bool),
            incumbent=np.array(arg),
            ub=best,
            step=0.0,
            deadline=Deadline(None),
            max_iter=iters,
        )
        assert res.bound <= best * (1 + 1e-9)
        assert res.keep[list(arg)].all()


def test_time_limited_bounds_never_exceed_the_optimum() -> None:
    cost = pmed_like(150, 150 * 150 // 50, 7)
    w = np.ones(150)
    exact = locate.p_median(cost, w, 8)
    assert exact.proven_optimal
    for limit in (1e-6, 0.01, 0.05, 0.2, 1.0):
        sol = locate.p_median(cost, w, 8, time_limit_s=limit)
        assert sol.bound <= exact.objective
        assert sol.objective >= exact.objective
        if not sol.proven_optimal:
            assert sol.gap > 0
    # wide, weighted, float: the Lagrangian phase supplies the bound
    rng = np.random.default_rng(4)
    clients, sites = rng.uniform(0, 50, (60, 2)), rng.uniform(0, 50, (400, 2))
    km = np.linalg.norm(clients[:, None] - sites[None], axis=2)
    pop = rng.lognormal(6, 1.5, 60)
    exact = locate.p_median(km, pop, 5)
    assert exact.proven_optimal
    for limit in (1e-6, 0.02, 0.1, 0.5):
        sol = locate.p_median(km, pop, 5, time_limit_s=limit)
        assert sol.bound <= exact.objective * (1 + 1e-12)
        assert sol.objective >= exact.objective * (1 - 1e-12)


def test_no_bound_yet_is_said_not_printed_as_zero() -> None:
    cost = pmed_like(200, 800, 3)  # every client is a candidate: Σ min cost = 0
    sol = locate.p_median(cost, np.ones(200), 10, time_limit_s=1e-9)
    assert not sol.proven_optimal
    assert sol.bound == -math.inf
    assert sol.gap == math.inf
    assert "no bound yet" in sol.status


def test_warm_start_gives_the_same_optimum() -> None:
    cost = pmed_like(120, 120 * 120 // 50, 11)
    w = np.random.default_rng(2).integers(1, 20, 120).astype(float)
    base = locate.p_median(cost, w, 6)
    w2 = w * np.random.default_rng(3).uniform(0.8, 1.2, 120)
    cold = locate.p_median(cost, w2, 6)
    warm = locate.p_median(cost, w2, 6, start=base)
    assert warm.proven_optimal
    assert cold.proven_optimal
    assert warm.objective == pytest.approx(cold.objective, rel=1e-12)
    # forcing a site open, warm from the old plan (a site list this time)
    j = int(np.setdiff1d(np.arange(120), base.sites)[0])
    forced_cold = locate.p_median(cost, w, 6, fixed=[j])
    forced_warm = locate.p_median(cost, w, 6, fixed=[j], start=base.sites)
    assert j in forced_warm.sites
    assert forced_warm.objective == pytest.approx(forced_cold.objective, rel=1e-12)
    # a start of the wrong size, with a banned site in it, is repaired
    repaired = locate.p_median(cost, w, 6, banned=[base.sites[0]], start=[*base.sites[:3], 0, 1])
    assert repaired.proven_optimal
    assert base.sites[0] not in repaired.sites
    assert repaired.objective == pytest.approx(
        locate.p_median(cost, w, 6, banned=[base.sites[0]]).objective, rel=1e-12
    )


def test_warm_start_on_a_wide_model() -> None:
    cost, w = _wide(42, n=9, m=30)
    best, _arg = _brute(cost, w, 3)
    sol = locate.p_median(cost, w, 3, start=[0, 1, 2])
    assert sol.proven_optimal
    assert sol.objective == pytest.approx(best, rel=1e-12)


def test_bad_warm_start_is_rejected() -> None:
    cost, w = _wide(0)
    with pytest.raises(ValueError, match="start"):
        locate.p_median(cost, w, 2, start=[99])


def _lagrangian_value(cost: np.ndarray, w: np.ndarray, lam: np.ndarray, p: int) -> float:
    """L(λ) recomputed here: Σ λ_i + the p smallest column sums of min(0, W_ij − λ_i)."""
    rows = w > 0
    rho = np.minimum(0.0, w[rows, None] * cost[rows] - lam[rows, None]).sum(axis=0)
    return float(lam[rows].sum() + np.sort(rho)[:p].sum())


@pytest.mark.parametrize("seed", range(4))
def test_wide_solution_carries_its_multipliers(seed: int) -> None:
    """Per unit weight, nan on a weight-0 row, and L(λ) at them is a valid bound that
    (on these small models, proved by the Lagrangian phase) meets the optimum."""
    cost, w = _wide(seed, n=9, m=30)
    w[0] = 0.0
    best, _ = _brute(cost, w, 3)
    sol = locate.p_median(cost, w, 3)
    lam = sol.multipliers
    assert lam is not None
    assert lam.shape == (9,)
    assert np.isnan(lam[0])
    assert np.isfinite(lam[1:]).all()
    value = _lagrangian_value(cost, w, np.nan_to_num(lam) * w, 3)
    assert value <= best * (1 + 1e-9)
    assert value >= best * (1 - 1e-9)
    # a square model has no Lagrangian phase and says so
    square = locate.p_median(pmed_like(40, 40 * 40 // 50, seed), np.ones(40), 4)
    assert square.multipliers is None


def test_warm_multipliers_re_solve_fewer_iterations_same_optimum() -> None:
    rng = np.random.default_rng(4)
    clients, sites = rng.uniform(0, 50, (60, 2)), rng.uniform(0, 50, (400, 2))
    km = np.linalg.norm(clients[:, None] - sites[None], axis=2)
    pop = rng.lognormal(6, 1.5, 60)
    base = locate.p_median(km, pop, 5)
    pop2 = pop * rng.uniform(0.95, 1.05, 60)
    cold = locate.p_median(km, pop2, 5)
    warm = locate.p_median(km, pop2, 5, start=base)
    assert cold.proven_optimal
    assert warm.proven_optimal
    assert warm.objective == pytest.approx(cold.objective, rel=1e-12)
    assert warm.details["lagrangian_iterations"] < cold.details["lagrangian_iterations"] / 2
    # a site forced open: λ above the forced site's cost is capped, the optimum stays
    j = int(np.setdiff1d(np.argsort(km[np.argmax(pop)])[:8], base.sites)[0])
    forced_cold = locate.p_median(km, pop, 5, fixed=[j])
    forced_warm = locate.p_median(km, pop, 5, fixed=[j], start=base)
    assert j in forced_warm.sites
    assert forced_warm.objective == pytest.approx(forced_cold.objective, rel=1e-12)
    # nonsense multipliers cost time, never the optimum
    for junk in (np.full(60, 1e12), -np.ones(60), np.full(60, np.nan)):
        bad = dataclasses.replace(base, multipliers=junk)
        again = locate.p_median(km, pop2, 5, start=bad)
        assert again.proven_optimal
        assert again.objective == pytest.approx(cold.objective, rel=1e-12)
    # multipliers of a model with other rows are ignored
    other = dataclasses.replace(base, multipliers=np.ones(7))
    assert locate.p_median(km, pop2, 5, start=other).objective == pytest.approx(cold.objective)
