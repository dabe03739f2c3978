"""The branch-and-Benders-cut p-median engine (`siting.locate._benders`).

Exactness against brute force on instances with what real matrices have and
OR-Library does not: ``inf`` costs (a row that may use only some columns),
fixed and banned columns, float weights; and against the second, independent
engine (radius LP + HiGHS MIP) on generated graphs where the tree branches.
"""

from __future__ import annotations

import numpy as np
import pytest

from siting import locate
from siting.errors import InfeasibleError
from siting.locate import _benders
from siting.locate._median import solve_median
from siting.locate.orlib import pmed_like
from siting.locate.results import _block
from tests.test_locate import _nearest, _subsets


def _brute(cost: np.ndarray, w: np.ndarray, p: int, fixed, banned) -> float:
    return min(
        (float(w @ _nearest(cost, combo)) for combo in _subsets(cost.shape[1], p, fixed, banned)),
        default=np.inf,
    )


@pytest.mark.parametrize("seed", range(24))
def test_inf_fixed_banned_against_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m, p = 14, 11, 3 + seed % 2
    integer = seed % 3 != 0
    cost = rng.integers(1, 60, (n, m)).astype(float) if integer else rng.uniform(1, 60, (n, m))
    # every row may use a random subset of the columns (at least 4 of them)
    for i in range(n):
        off = rng.choice(m, size=int(rng.integers(0, m - 4)), replace=False)
        cost[i, off] = np.inf
    w = rng.integers(1, 9, n).astype(float) if integer else rng.uniform(0.2, 5.0, n)
    fixed = [int(rng.integers(m))] if seed % 4 == 1 else []
    banned = [j for j in rng.choice(m, size=2, replace=False) if j not in fixed]
    best = _brute(cost, w, p, fixed, banned)
    if not np.isfinite(best):
        with pytest.raises(InfeasibleError):
            locate.p_median(cost, w, p, fixed=fixed, banned=banned)
        return
    sol = locate.p_median(cost, w, p, fixed=fixed, banned=banned)
    assert sol.proven_optimal
    assert sol.details["method"] == "branch-and-Benders-cut"
    assert set(fixed) <= set(sol.sites)
    assert not set(banned) & set(sol.sites)
    again = float(w @ cost[:, sol.sites].min(axis=1))
    assert again == pytest.approx(sol.objective, rel=1e-12)
    assert sol.objective == pytest.approx(best, rel=1e-12)
    assert sol.bound == pytest.approx(best, rel=1e-9)


def _against_radius(n: int, p: int, seed: int):
    """A generated unit-weight instance solved by `locate.p_median` and by the radius
    engine: both proven, one optimum, recomputed from the sites; (Solution, radius)."""
    cost = pmed_like(n, n * n // 50, seed)
    w = np.ones(n)
    block = _block(cost, w, p, np.zeros(0, dtype=np.int64), np.ones(n, dtype=bool))
    radius = solve_median([block], engine="radius")
    sol = locate.p_median(cost, w, p)
    assert sol.proven_optimal
    assert radius.proven
    assert sol.objective == radius.objective
    assert float(cost[:, sol.sites].min(axis=1).sum()) == sol.objective
    return sol, radius


@pytest.mark.parametrize(("n", "p", "seed"), [(150, 5, 3), (150, 8, 11), (200, 5, 21)])
def test_agrees_with_the_radius_engine(n: int, p: int, seed: int) -> None:
    """Two independent exact engines, one optimum; the Benders tree really branches."""
    sol, radius = _against_radius(n, p, seed)
    # the root LP bound is the radius LP's (the same relaxation, reached by cuts)
    assert sol.details["lp_bound"] == pytest.approx(radius.details["lp_bound"], rel=1e-7)


@pytest.fixture
def two_workers(monkeypatch):
    """The tree's second worker from its first node, whatever the machine's cores."""
    monkeypatch.setattr(_benders, "_PARALLEL_AFTER", 0)
    monkeypatch.setattr(_benders, "_workers", lambda: 2)


@pytest.mark.parametrize(("n", "p", "seed"), [(200, 5, 10), (300, 10, 3), (150, 8, 11)])
def test_two_workers_find_the_same_optimum(two_workers, n: int, p: int, seed: int) -> None:
    sol, _ = _against_radius(n, p, seed)
    assert sol.details["tree_workers"] == 2
    assert sol.details["bnb_nodes"] >= 2


@pytest.mark.parametrize("seed", range(0, 24, 3))
def test_two_workers_against_brute_force(two_workers, seed: int) -> None:
    test_inf_fixed_banned_against_brute_force(seed)


@pytest.mark.parametrize("limit", [1, 3, 10, 30])
def test_two_workers_node_limit_brackets_the_optimum(two_workers, limit: int) -> None:
    cost = pmed_like(300, 300 * 300 // 50, 3)
    block = _block(cost, np.ones(300), 10, np.zeros(0, dtype=np.int64), np.ones(300, dtype=bool))
    exact = solve_median([block])
    res = solve_median([block], node_limit=limit)
    assert res.lower_bound <= exact.objective + 1e-9
    assert res.objective >= exact.objective - 1e-9
    assert res.proven == (res.objective == exact.objective and res.lower_bound >= exact.objective)


def test_a_failing_worker_stops_the_tree_and_raises(two_workers, monkeypatch) -> None:
    calls = {"n": 0}
    real = _benders._branch_level

    def flaky(*args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker failed")
        return real(*args)

    monkeypatch.setattr(_benders, "_branch_level", flaky)
    cost = pmed_like(300, 300 * 300 // 50, 3)  # a tree of some 50 nodes
    with pytest.raises(RuntimeError, match="worker failed"):
        locate.p_median(cost, np.ones(300), 10)


def test_restarts_keep_fixed_and_banned_columns_and_never_worsen() -> None:
    from siting.locate._heuristics import nearest_open
    from siting.locate._highs import Deadline

    cost = pmed_like(120, 120 * 120 // 50, 7)
    allowed = np.ones(120, dtype=bool)
    allowed[[3, 5, 8]] = False
    fixed = np.array([11])
    cols = np.flatnonzero(allowed)
    y = np.zeros(len(cols))
    y[:40] = 0.2  # an LP-like spread over some columns
    start = np.sort(np.concatenate([fixed, cols[-5:]]))
    ub = float(nearest_open(cost, start)[1].sum())
    sites, value = _benders._restarts(
        cost,
        6,
        y,
        cols=cols,
        fixed=fixed,
        allowed=allowed,
        best=(start, ub),
        deadline=Deadline(None),
    )
    assert len(sites) == 6
    assert 11 in sites
    assert allowed[sites].all()
    assert value <= ub
    assert value == nearest_open(cost, sites)[1].sum()  # the value of the sites returned
    assert value < ub  # five far columns are a poor start: the restarts improve on it


@pytest.mark.parametrize(("n", "p", "seed"), [(200, 5, 10), (300, 10, 3)])
def test_node_lps_stopped_at_the_cutoff_keep_the_optimum(monkeypatch, n: int, p: int, seed: int):
    """Every node LP may stop once its dual objective passes the cutoff (no pseudo-cost
    learning): the pruning it drives still leaves the radius engine's optimum."""
    monkeypatch.setattr(_benders, "_PSEUDO_RELIABLE", 0)
    sol, _ = _against_radius(n, p, seed)
    assert sol.details["lps_stopped_at_cutoff"] > 0


def test_pseudo_costs_carry_to_a_warm_re_solve(monkeypatch) -> None:
    """A tree's pseudo-costs come back per demand row and unit weight, reach the next
    tree rescaled to its weights, and the warm re-solves keep the radius engine's
    optima (weights changed; a closed site forced open)."""
    n, p, seed = 200, 5, 10
    cost = pmed_like(n, n * n // 50, seed)
    w = np.ones(n)
    w[5] = 0.0  # a row of weight 0 is not in the block: no record
    base = locate.p_median(cost, w, p)
    assert base.details["bnb_nodes"] >= 2
    pc = base.pseudo_costs
    assert pc is not None
    assert pc.shape == (2, 2, n)
    assert np.isnan(pc[:, :, 5]).all()
    assert np.nansum(pc[1]) > 0
    assert (np.nan_to_num(pc) >= 0).all()

    given = []
    real = _benders._Pseudo.__init__

    def spy(self, size, start=None):
        given.append(start)
        real(self, size, start)

    monkeypatch.setattr(_benders._Pseudo, "__init__", spy)
    rng = np.random.default_rng(4)
    w2 = np.round(w * rng.uniform(1.5, 2.5, n), 3)
    warm = locate.p_median(cost, w2, p, start=base)
    rows = np.flatnonzero(w2 > 0)
    # the totals per unit weight, times the new weights, in the block's row order
    expect = np.nan_to_num(pc[0][:, rows]) * w2[rows]
    assert warm.details["bnb_nodes"] >= 1  # the tree ran, from the given pseudo-costs
    assert len(given) == 1
    assert given[0] is not None
    assert np.allclose(given[0][0], expect)
    assert np.array_equal(given[0][1], np.nan_to_num(pc[1][:, rows]))
    closed = int(np.setdiff1d(np.arange(n), base.sites)[0])
    forced = locate.p_median(cost, w, p, fixed=[closed], start=base)
    for sol, weights, fixed in ((warm, w2, []), (forced, w, [closed])):
        block = _block(cost, weights, p, np.array(fixed, dtype=np.int64), np.ones(n, dtype=bool))
        radius = solve_median([block], engine="radius")
        assert sol.proven_optimal
        assert radius.proven
        assert sol.objective == pytest.approx(radius.objective, rel=1e-12)
        assert float(weights @ cost[:, sol.sites].min(axis=1)) == pytest.approx(sol.objective)
    # a start from a model with other rows hands over nothing
    other = locate.p_median(cost[:150], np.ones(150), p, start=base)
    assert other.proven_optimal
