"""`siting.locate.fixed_charge`: the Lagrangian stage (bounds, fixing, incumbent) and the
whole solve against brute force on float data, known optima and time-limited bounds."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.optimize import linprog

from siting import locate
from siting.errors import InfeasibleError
from siting.locate._capacity_heuristic import (
    Packing,
    assign_capacitated,
    assign_exact,
    relocate,
)
from siting.locate._capacity_lagrange import (
    Relaxation,
    _Knapsacks,
    ascend,
    fix,
    scaled_weights,
)
from siting.locate._highs import Deadline
from siting.locate.orlib import read_optima, read_pmedcap
from tests.conftest import require_shared

PMEDCAP = ("benchmarks", "orlib-pmedcap")


def _brute(  # noqa: PLR0917
    c: np.ndarray,
    d: np.ndarray,
    cap: np.ndarray,
    f: np.ndarray,
    p: int | None,
    single: bool,
    fixed: tuple[int, ...] = (),
    banned: tuple[int, ...] = (),
) -> tuple[float, tuple[int, ...] | None, tuple[int, ...] | None]:
    """Optimum by enumeration of site sets (and of assignments when single-sourced)."""
    n, m = c.shape
    best: tuple[float, tuple[int, ...] | None, tuple[int, ...] | None] = (math.inf, None, None)
    free = [j for j in range(m) if j not in fixed and j not in banned]
    sizes = [p - len(fixed)] if p is not None else range(len(free) + 1)
    for k in sizes:
        for extra in itertools.combinations(free, k):
            combo = tuple(sorted(set(fixed) | set(extra)))
            if not combo:
                continue
            if single:
                for assign in itertools.product(combo, repeat=n):
                    a = np.asarray(assign)
                    if not np.isfinite(c[np.arange(n), a]).all():
                        continue
                    if (np.bincount(a, weights=d, minlength=m) > cap + 1e-9).any():
                        continue
                    value = float(f[list(combo)].sum() + (d * c[np.arange(n), a]).sum())
                    if value < best[0]:
                        best = (value, combo, tuple(int(x) for x in a))
            else:
                kk = len(combo)
                sub = c[:, combo]
                ok = np.isfinite(sub)
                obj = np.where(ok, d[:, None] * np.where(ok, sub, 0.0), 0.0).ravel()
                bounds = [(0.0, 1.0 if o else 0.0) for o in ok.ravel()]
                a_eq = np.kron(np.eye(n), np.ones(kk))
                a_ub = np.zeros((kk, n * kk))
                for i in range(n):
                    for j in range(kk):
                        a_ub[j, i * kk + j] = d[i]
                res = linprog(
                    obj, A_ub=a_ub, b_ub=cap[list(combo)], A_eq=a_eq, b_eq=np.ones(n), bounds=bounds
                )
                if res.status == 0 and float(f[list(combo)].sum() + res.fun) < best[0]:
                    best = (float(f[list(combo)].sum() + res.fun), combo, None)
    return best


def _random_instance(seed: int, n: int, m: int) -> dict:
    rng = np.random.default_rng(seed)
    xy_d = rng.uniform(0, 10, (n, 2))
    xy_c = rng.uniform(0, 10, (m, 2))
    c = np.linalg.norm(xy_d[:, None] - xy_c[None], axis=2)  # float costs
    d = rng.uniform(0.5, 4.0, n).round(3)
    cap = rng.uniform(0.35, 0.8, m) * d.sum()
    f = rng.uniform(0.0, 12.0, m)
    if seed % 3 == 0:
        c[rng.integers(0, n), rng.integers(0, m)] = np.inf
    return {"c": c, "d": d, "cap": cap, "f": f}


CASES = [
    (seed, n, m, p, single)
    for seed, (n, m) in enumerate([(5, 4), (6, 4), (4, 5), (6, 3), (5, 5), (6, 4)] * 2)
    for p, single in ((None, True), (2, True), (None, False), (2, False))
]


@pytest.mark.parametrize(("seed", "n", "m", "p", "single"), CASES)
def test_fixed_charge_float_brute_force(
    seed: int, n: int, m: int, p: int | None, single: bool
) -> None:
    inst = _random_instance(seed, n, m)
    c, d, cap, f = inst["c"], inst["d"], inst["cap"], inst["f"]
    fixed = (0,) if seed % 4 == 1 else ()
    banned = (m - 1,) if seed % 5 == 2 else ()
    best, _, _ = _brute(c, d, cap, f, p, single, fixed, banned)
    kwargs = {"p": p, "single_sourcing": single, "fixed": fixed, "banned": banned}
    if math.isinf(best):
        with pytest.raises(InfeasibleError):
            locate.fixed_charge(c, d, cap, f, **kwargs)
        return
    sol = locate.fixed_charge(c, d, cap, f, **kwargs)
    assert sol.proven_optimal
    assert sol.objective == pytest.approx(best, rel=1e-7, abs=1e-7)
    assert sol.allocation is not None
    assert (d @ sol.allocation <= cap + 1e-6).all()
    assert np.allclose(sol.allocation.sum(axis=1), 1.0)
    assert set(fixed) <= set(sol.sites)
    assert not set(banned) & set(sol.sites)
    if p is not None:
        assert len(sol.sites) == p
    # the objective recomputed here from the allocation
    used = np.isfinite(c) & (sol.allocation > 0)
    value = f[sol.sites].sum() + (d[:, None] * np.where(used, c, 0.0) * sol.allocation).sum()
    assert value == pytest.approx(sol.objective, rel=1e-9)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("dp", [False, True])
def test_lagrangian_bound_and_fixing_keep_the_optimum(seed: int, dp: bool) -> None:
    inst = _random_instance(100 + seed, 6, 4)
    c, d, cap, f = inst["c"], inst["d"], inst["cap"], inst["f"]
    if dp:  # the 0-1 knapsack DP runs on integer demand only
        d = np.ceil(d)
        cap = np.floor(cap * 1.2)
    p = 2 if seed % 2 else None
    best, combo, assign = _brute(c, d, cap, f, p, True)
    if math.isinf(best):
        pytest.skip("infeasible draw")
    assert combo is not None
    assert assign is not None
    total = float(d.sum())
    free = np.ones(4, dtype=bool)
    k_min = 0
    if p is None:
        k_min = int(np.searchsorted(np.cumsum(np.sort(cap)[::-1]), total - 1e-9) + 1)
    rel = Relaxation(
        a=d[:, None] * c,
        d=d,
        cap=cap,
        fcost=f,
        free=free,
        fixed=np.zeros(0, dtype=np.int64),
        p_free=p,
        k_min=k_min,
        single=True,
    )
    bound, lam, _ = ascend(
        rel,
        Deadline(None),
        upper=lambda: best,
        on_sites=lambda s, v: None,
        integral=False,
        dp=dp,
    )
    assert bound <= best + 1e-7
    assert _Knapsacks(rel, dp).dp == dp
    # against an incumbent just above the optimum, the optimum survives every fixing
    fixing = fix(rel, lam, best + 1e-3, integral=False, dp=dp)
    assert fixing.bound <= best + 1e-7
    assert fixing.pair_ok[np.arange(6), list(assign)].all()
    assert not fixing.col_closed[list(combo)].any()
    opened = np.flatnonzero(fixing.col_open)
    assert set(opened) <= set(combo)


def test_scaled_weights_relax_the_knapsack() -> None:
    d = np.array([0.61, 2.4, 9.37, 1.0])
    w, scale = scaled_weights(d, np.array([450.0, 100.0]))
    assert (w <= d * scale + 1e-9).all()
    w_int, s_int = scaled_weights(np.array([3.0, 7.0]), np.array([120.0]))
    assert s_int == 1.0
    assert w_int.tolist() == [3, 7]


def test_assignment_heuristic_respects_capacity() -> None:
    inst = _random_instance(7, 12, 5)
    c, d, cap, f = inst["c"], inst["d"], inst["cap"], inst["f"]
    got = assign_capacitated(d[:, None] * c, d, cap, f, np.arange(5))
    assert got is not None
    loads = np.bincount(got.assign, weights=d, minlength=5)
    assert (loads <= cap + 1e-9).all()
    value = f.sum() + (d * c[np.arange(12), got.assign]).sum()
    assert value == pytest.approx(got.objective)


def _best_assignment(a: np.ndarray, d: np.ndarray, cap: np.ndarray, sites) -> float:
    """The generalised assignment optimum by enumeration (tiny instances)."""
    best = math.inf
    for pick in itertools.product(range(len(sites)), repeat=len(d)):
        loads = np.bincount(pick, weights=d, minlength=len(sites))
        if (loads <= cap[sites] + 1e-9).all():
            best = min(best, float(a[np.arange(len(d)), np.asarray(sites)[list(pick)]].sum()))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_exact_assignment_is_the_enumerated_optimum(seed: int) -> None:
    inst = _random_instance(seed, 8, 5)
    d = inst["d"]
    a = d[:, None] * inst["c"]
    sites = np.array([0, 2, 3])
    cap = inst["cap"].copy()
    cap[sites] = np.maximum(cap[sites], 0.4 * d.sum())  # a fit exists, capacity binds
    f = inst["f"]
    optimum = _best_assignment(a, d, cap, sites) + f[sites].sum()
    got = assign_exact(a, d, cap, f, sites, below=math.inf, deadline=Deadline(None))
    assert got is not None
    assert got.objective == pytest.approx(optimum, rel=1e-9)
    loads = np.bincount(got.assign, weights=d, minlength=5)
    assert (loads <= cap + 1e-9).all()
    assert f[sites].sum() + a[np.arange(8), got.assign].sum() == pytest.approx(got.objective)
    # nothing below the optimum exists
    none = assign_exact(a, d, cap, f, sites, below=optimum - 1e-6, deadline=Deadline(None))
    assert none is None


def test_relocate_moves_a_site_to_its_rows_and_never_worsens() -> None:
    # rows 0-3 around x = 10, rows 4-7 around x = 0; sites at 0, 5 and 10 (columns 0-2)
    x_rows = np.array([9.0, 10.0, 10.5, 11.0, -1.0, 0.0, 0.5, 1.0])
    x_cols = np.array([0.0, 5.0, 10.0])
    a = np.abs(x_rows[:, None] - x_cols[None, :])
    d = np.ones(8)
    cap = np.full(3, 4.0)
    start = Packing(np.array([0, 1]), np.array([1, 1, 1, 1, 0, 0, 0, 0]), 0.0)
    start = Packing(start.sites, start.assign, float(a[np.arange(8), start.assign].sum()))
    got = relocate(a, d, cap, np.zeros(3), start, free=np.ones(3, dtype=bool))
    assert got.sites.tolist() == [0, 2]
    assert got.objective == pytest.approx(a[np.arange(8), got.assign].sum())
    assert got.objective == pytest.approx((1.0 + 0.0 + 0.5 + 1.0) * 2)
    # a site that may not move stays
    kept = relocate(a, d, cap, np.zeros(3), start, free=np.array([True, False, True]))
    assert kept.sites.tolist() == [0, 1]
    assert kept.objective == start.objective


@pytest.mark.shared
@pytest.mark.parametrize("k", [6, 9])
def test_pmedcap_known_optimum(k: int) -> None:
    folder = require_shared(*PMEDCAP)
    inst = read_pmedcap(folder / f"pmedcap{k:02d}.txt")
    optimum = read_optima(folder / "optimal_values.csv")[inst.name]
    sol = locate.fixed_charge(
        inst.cost,
        inst.demand,
        inst.capacity,
        0.0,
        p=inst.p,
        single_sourcing=True,
        cost_weights=np.ones(inst.n),
    )
    assert sol.proven_optimal
    assert sol.objective == optimum
    loads = np.bincount(sol.assignment, weights=inst.demand, minlength=inst.n)
    assert loads.max() <= inst.capacity
    assert inst.cost[np.arange(inst.n), sol.assignment].sum() == optimum


@pytest.mark.shared
def test_time_limited_bound_never_exceeds_the_optimum() -> None:
    folder = require_shared(*PMEDCAP)
    for name, limit in (("pmedcap14", 1.0), ("pmedcap15", 2.0)):
        inst = read_pmedcap(folder / f"{name}.txt")
        optimum = read_optima(folder / "optimal_values.csv")[name]
        sol = locate.fixed_charge(
            inst.cost,
            inst.demand,
            inst.capacity,
            0.0,
            p=inst.p,
            single_sourcing=True,
            cost_weights=np.ones(inst.n),
            time_limit_s=limit,
        )
        assert sol.bound <= optimum <= sol.objective
        assert inst.cost[np.arange(inst.n), sol.assignment].sum() == sol.objective
