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


@pytest.mark.parametrize(("n", "p", "seed"), [(150, 5, 3), (150, 8, 11), (200, 5, 21)])
def test_agrees_with_the_radius_engine(n: int, p: int, seed: int) -> None:
    """Two independent exact engines, one optimum; the Benders tree really branches."""
    cost = pmed_like(n, n * n // 50, seed)
    w = np.ones(n)
    sol = locate.p_median(cost, w, p)
    assert sol.proven_optimal
    block = _block(cost, w, p, np.zeros(0, dtype=np.int64), np.ones(n, dtype=bool))
    radius = solve_median([block], engine="radius")
    assert radius.proven
    assert sol.objective == radius.objective
    assert float(cost[:, sol.sites].min(axis=1).sum()) == sol.objective
    # the root LP bound is the radius LP's (the same relaxation, reached by cuts)
    assert sol.details["lp_bound"] == pytest.approx(radius.details["lp_bound"], rel=1e-7)
