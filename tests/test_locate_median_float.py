"""p-median on float costs where the LP bound is not tight (the tree branches without the
integer cutoff), checked against brute force and an independent textbook MIP; and the
bounds a stopped solve reports, against the true optimum."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from siting import locate
from siting.locate.orlib import pmed_like


def _float_pmed(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """An OR-Library-like graph with non-metric float costs and float weights."""
    rng = np.random.default_rng(seed)
    cost = pmed_like(n, n * n // 50, seed) * rng.uniform(1.0, 1.3, (n, n))
    w = np.round(rng.uniform(0.5, 3.0, n), 4)
    return cost, w


def _textbook_milp(cost: np.ndarray, w: np.ndarray, p: int) -> float:
    """min Σ w_i c_ij x_ij, Σ_j x_ij = 1, x_ij ≤ y_j, Σ y = p — solved by SciPy's HiGHS
    with no gap tolerance: an answer independent of siting's formulation."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix, hstack

    n, m = cost.shape
    nx = n * m
    ij = np.arange(nx)
    assign = coo_matrix((np.ones(nx), (ij // m, ij)), shape=(n, nx + m))
    link = hstack(
        [
            coo_matrix((np.ones(nx), (ij, ij)), shape=(nx, nx)),
            coo_matrix((-np.ones(nx), (ij, ij % m)), shape=(nx, m)),
        ]
    )
    count = coo_matrix((np.ones(m), (np.zeros(m), nx + np.arange(m))), shape=(1, nx + m))
    res = milp(
        np.concatenate([(w[:, None] * cost).ravel(), np.zeros(m)]),
        constraints=[
            LinearConstraint(assign, 1, 1),
            LinearConstraint(link, -np.inf, 0),
            LinearConstraint(count, p, p),
        ],
        integrality=np.concatenate([np.zeros(nx), np.ones(m)]),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0},
    )
    assert res.status == 0
    return float(res.fun)


def _recomputed(sol: locate.Solution, cost: np.ndarray, w: np.ndarray) -> float:
    # Independent of the solver: each row to its nearest open site.
    return float(w @ cost[:, sol.sites].min(axis=1))


@pytest.mark.parametrize(("n", "seed", "p"), [(50, 1, 5), (50, 4, 5), (70, 1, 5), (70, 3, 3)])
def test_float_pmed_like_against_the_textbook_milp(n: int, seed: int, p: int) -> None:
    # Chosen so that the radius LP is below the optimum: the tree runs (it branches),
    # without the integer-data cutoff.
    cost, w = _float_pmed(n, seed)
    sol = locate.p_median(cost, w, p)
    assert sol.details["lp_bound"] < sol.objective * (1 - 1e-6)
    assert sol.details["bnb_nodes"] >= 2
    assert sol.proven_optimal
    assert len(sol.sites) == p
    assert _recomputed(sol, cost, w) == pytest.approx(sol.objective, rel=1e-12)
    assert sol.objective == pytest.approx(_textbook_milp(cost, w, p), rel=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_float_candidates_not_clients_against_brute_force(seed: int) -> None:
    """Clients and candidates apart, float crow-fly costs times a detour factor, uneven
    float weights, some sites fixed or banned: every p-subset enumerated."""
    rng = np.random.default_rng(50 + seed)
    n, m, p = 40, 16, 3 + seed % 2
    clients, sites = rng.uniform(0, 10, (n, 2)), rng.uniform(0, 10, (m, 2))
    cost = np.linalg.norm(clients[:, None] - sites[None], axis=2) * rng.uniform(1, 1.5, (n, m))
    w = rng.lognormal(1.0, 1.0, n)
    fixed = [seed] if seed % 3 == 0 else []
    banned = [seed + 5] if seed % 2 == 0 else []
    free = [j for j in range(m) if j not in fixed and j not in banned]
    best = min(
        float(w @ cost[:, [*fixed, *extra]].min(axis=1))
        for extra in itertools.combinations(free, p - len(fixed))
    )
    sol = locate.p_median(cost, w, p, fixed=fixed, banned=banned)
    assert sol.proven_optimal
    assert set(fixed) <= set(sol.sites)
    assert not set(banned) & set(sol.sites)
    assert _recomputed(sol, cost, w) == pytest.approx(best, rel=1e-12)
    assert sol.objective == pytest.approx(best, rel=1e-12)


def test_stopped_float_solves_bracket_the_optimum() -> None:
    """Whatever the limit, bound ≤ optimum ≤ incumbent (float data: no integer rounding
    of the bound to lean on)."""
    cost, w = _float_pmed(140, 9)
    exact = locate.p_median(cost, w, 7)
    assert exact.proven_optimal
    assert _recomputed(exact, cost, w) == pytest.approx(exact.objective, rel=1e-12)
    for limit in (1e-6, 0.005, 0.03, 0.1, 0.3, 1.0):
        sol = locate.p_median(cost, w, 7, time_limit_s=limit)
        assert sol.bound <= exact.objective * (1 + 1e-9)
        assert sol.objective >= exact.objective * (1 - 1e-12)
        assert _recomputed(sol, cost, w) == pytest.approx(sol.objective, rel=1e-12)
        if sol.proven_optimal:
            assert sol.objective == pytest.approx(exact.objective, rel=1e-9)
        else:
            assert sol.gap > 0


@pytest.mark.parametrize("kind", ["integer", "float"])
def test_node_limited_solves_bracket_the_optimum(kind: str) -> None:
    """A node limit stops the tree deterministically (a time limit depends on the
    machine): the bound stays ≤ the optimum and the incumbent ≥ it, at every limit."""
    from siting.locate._median import Block, solve_median

    if kind == "integer":
        cost, w, p = pmed_like(300, 300 * 300 // 50, 12), np.ones(300), 5
    else:
        cost, w = _float_pmed(140, 9)
        p = 7
    wcost = w[:, None] * cost
    m = cost.shape[1]

    def run(limit: int | None):
        block = Block(wcost=wcost, p=p, fixed=np.zeros(0, dtype=np.int64), allowed=np.ones(m, bool))
        return solve_median([block], node_limit=limit)

    exact = run(None)
    assert exact.proven
    assert exact.objective == pytest.approx(locate.p_median(cost, w, p).objective, rel=1e-12)
    stopped = 0
    for limit in (1, 2, 4):
        res = run(limit)
        assert res.lower_bound <= exact.objective * (1 + 1e-9)
        assert res.objective >= exact.objective * (1 - 1e-12)
        again = float(wcost[:, res.sites[0]].min(axis=1).sum())
        assert again == pytest.approx(res.objective, rel=1e-12)
        if not res.proven:
            stopped += 1
            # a real bound from the tree, not "no bound yet"
            assert res.lower_bound > exact.objective * 0.99
    assert stopped >= 1  # the limit did stop at least one of these solves
