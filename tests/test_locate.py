"""Tests for `siting.locate`: known optima, brute force, spopt, options and limits."""

from __future__ import annotations

import doctest
import itertools
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from siting import locate
from siting.errors import InfeasibleError
from siting.locate import orlib as _orlib
from siting.locate.orlib import pmed_like, read_optima, read_pmed, read_pmedcap
from tests.conftest import require_shared
from tests.test_locate_median_float import _textbook_milp

PMED = ("benchmarks", "orlib-pmed")
PMEDCAP = ("benchmarks", "orlib-pmedcap")

FAST = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _check_solution(sol: locate.Solution, cost: np.ndarray, p: int | None = None) -> None:
    """Properties every solution must have, whatever the model."""
    assert sol.sites == sorted(set(sol.sites))
    if p is not None:
        assert len(sol.sites) == p
    assert sol.assignment.shape == (cost.shape[0],)
    served = sol.assignment >= 0
    assert set(sol.assignment[served].tolist()) <= set(sol.sites)
    assert np.isfinite(cost[served, sol.assignment[served]]).all()
    if sol.proven_optimal:
        assert sol.gap == 0.0
    assert sol.gap >= 0.0
    assert sol.solve_seconds >= 0.0


# ----------------------------------------------------------------------------------------
# OR-Library known optima
# ----------------------------------------------------------------------------------------


@pytest.mark.shared
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_p_median_orlib(k: int) -> None:
    folder = require_shared(*PMED)
    inst = read_pmed(folder / f"pmed{k}.txt")
    optimum = read_optima(folder / "optimal_values.csv")[inst.name]
    sol = locate.p_median(inst.cost, np.ones(inst.n), inst.p)
    _check_solution(sol, inst.cost, inst.p)
    assert sol.proven_optimal
    assert sol.objective == optimum
    assert inst.cost[np.arange(inst.n), sol.assignment].sum() == optimum


@pytest.mark.shared
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_p_center_orlib(k: int) -> None:
    folder = require_shared(*PMED)
    inst = read_pmed(folder / f"pmed{k}.txt")
    optimum = read_optima(folder / "pcenter_optimal_values.csv")[inst.name]
    sol = locate.p_center(inst.cost, inst.p)
    _check_solution(sol, inst.cost, inst.p)
    assert sol.proven_optimal
    assert sol.objective == optimum
    assert inst.cost[np.arange(inst.n), sol.assignment].max() == optimum


@pytest.mark.shared
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_capacitated_single_sourcing_orlib(k: int) -> None:
    folder = require_shared(*PMEDCAP)
    inst = read_pmedcap(folder / f"pmedcap{k:02d}.txt")
    optimum = read_optima(folder / "optimal_values.csv")[inst.name]
    assert inst.capacity == 120
    sol = locate.fixed_charge(
        inst.cost,
        inst.demand,
        inst.capacity,
        0.0,
        p=inst.p,
        single_sourcing=True,
        cost_weights=np.ones(inst.n),
    )
    _check_solution(sol, inst.cost, inst.p)
    assert sol.proven_optimal
    assert sol.objective == optimum
    assert (sol.assignment >= 0).all()
    loads = np.bincount(sol.assignment, weights=inst.demand, minlength=inst.n)
    assert loads.max() <= inst.capacity
    assert inst.cost[np.arange(inst.n), sol.assignment].sum() == optimum


# ----------------------------------------------------------------------------------------
# Brute force on small random instances
# ----------------------------------------------------------------------------------------


@st.composite
def instances(draw: st.DrawFn, max_n: int = 7, max_m: int = 5, inf: bool = True) -> dict:
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(1, max_m))
    cost = np.array(
        draw(st.lists(st.integers(0, 20), min_size=n * m, max_size=n * m)), dtype=float
    ).reshape(n, m)
    if inf:
        mask = np.array(draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m)))
        mask = mask.reshape(n, m) & (draw(st.integers(0, 3)) == 0)
        cost[mask] = np.inf
        # every row keeps one finite entry (all-inf rows are a ValueError)
        keep = draw(st.lists(st.integers(0, m - 1), min_size=n, max_size=n))
        for i, j in enumerate(keep):
            if not np.isfinite(cost[i]).any():
                cost[i, j] = float(draw(st.integers(0, 20)))
    weights = np.array(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), dtype=float)
    p = draw(st.integers(1, m))
    cols = list(range(m))
    fixed = draw(st.lists(st.sampled_from(cols), max_size=min(p, 2), unique=True))
    rest = [j for j in cols if j not in fixed]
    banned = (
        draw(st.lists(st.sampled_from(rest), max_size=len(rest) - (p - len(fixed)), unique=True))
        if rest
        else []
    )
    return {"cost": cost, "weights": weights, "p": p, "fixed": fixed, "banned": banned}


def _subsets(m: int, p: int | None, fixed: list[int], banned: list[int]):
    sizes = [p] if p is not None else range(1, m + 1)
    for k in sizes:
        for combo in itertools.combinations(range(m), k):
            if set(fixed) <= set(combo) and not set(banned) & set(combo):
                yield list(combo)


def _nearest(cost: np.ndarray, combo: list[int]) -> np.ndarray:
    return cost[:, combo].min(axis=1)


@FAST
@given(instances())
def test_p_median_brute_force(inst: dict) -> None:
    c, w, p = inst["cost"], inst["weights"], inst["p"]
    best = math.inf
    for combo in _subsets(c.shape[1], p, inst["fixed"], inst["banned"]):
        d = _nearest(c, combo)
        pos = w > 0
        if np.isfinite(d[pos]).all():
            best = min(best, float((w[pos] * d[pos]).sum()))
    if math.isinf(best):
        with pytest.raises(InfeasibleError):
            locate.p_median(c, w, p, fixed=inst["fixed"], banned=inst["banned"])
        return
    sol = locate.p_median(c, w, p, fixed=inst["fixed"], banned=inst["banned"])
    _check_solution(sol, c, p)
    assert sol.proven_optimal
    assert sol.objective == pytest.approx(best)
    assert set(inst["fixed"]) <= set(sol.sites)
    assert not set(inst["banned"]) & set(sol.sites)
    pos = w > 0
    assert (w[pos] * c[pos, sol.assignment[pos]]).sum() == pytest.approx(best)


@FAST
@given(instances())
def test_p_center_brute_force(inst: dict) -> None:
    c, p = inst["cost"], inst["p"]
    best = min(
        (
            float(_nearest(c, combo).max())
            for combo in _subsets(c.shape[1], p, inst["fixed"], inst["banned"])
        ),
        default=math.inf,
    )
    if math.isinf(best):
        with pytest.raises(InfeasibleError):
            locate.p_center(c, p, fixed=inst["fixed"], banned=inst["banned"])
        return
    sol = locate.p_center(c, p, fixed=inst["fixed"], banned=inst["banned"])
    _check_solution(sol, c, p)
    assert sol.proven_optimal
    assert sol.objective == best
    assert c[np.arange(len(c)), sol.assignment].max() == best
    assert set(inst["fixed"]) <= set(sol.sites)
    assert not set(inst["banned"]) & set(sol.sites)


@FAST
@given(instances(), st.integers(0, 20))
def test_mclp_brute_force(inst: dict, threshold: int) -> None:
    c, w, p = inst["cost"], inst["weights"], inst["p"]
    best = max(
        float(w[(c[:, combo] <= threshold).any(axis=1)].sum())
        for combo in _subsets(c.shape[1], p, inst["fixed"], inst["banned"])
    )
    sol = locate.mclp(c, w, p, threshold, fixed=inst["fixed"], banned=inst["banned"])
    _check_solution(sol, c, p)
    assert sol.proven_optimal
    assert sol.objective == pytest.approx(best)
    covered = sol.assignment >= 0
    assert w[covered].sum() == pytest.approx(best)
    assert (c[covered, sol.assignment[covered]] <= threshold).all()
    assert not (c[~covered][:, sol.sites] <= threshold).any()


@FAST
@given(instances(), st.integers(0, 20))
def test_lscp_brute_force(inst: dict, threshold: int) -> None:
    c = inst["cost"]
    best = min(
        (
            len(combo)
            for combo in _subsets(c.shape[1], None, inst["fixed"], inst["banned"])
            if (c[:, combo] <= threshold).any(axis=1).all()
        ),
        default=math.inf,
    )
    if math.isinf(best):
        with pytest.raises(InfeasibleError, match="threshold"):
            locate.lscp(c, threshold, fixed=inst["fixed"], banned=inst["banned"])
        return
    sol = locate.lscp(c, threshold, fixed=inst["fixed"], banned=inst["banned"])
    _check_solution(sol, c)
    assert sol.proven_optimal
    assert sol.objective == best == len(sol.sites)
    assert (c[np.arange(len(c)), sol.assignment] <= threshold).all()


def _fixed_charge_brute(  # noqa: PLR0917
    c: np.ndarray,
    d: np.ndarray,
    cap: np.ndarray,
    f: np.ndarray,
    p: int | None,
    single: bool,
    fixed: list[int],
    banned: list[int],
) -> float:
    # rows of weight 0 need no site (as in every model of siting.locate)
    keep = d > 0
    c, d = c[keep], d[keep]
    n, m = c.shape
    best = math.inf
    if n == 0:  # nothing to serve: the cheapest admissible set of sites
        if p is None:
            return float(f[fixed].sum())
        return min(
            (float(f[combo].sum()) for combo in _subsets(m, p, fixed, banned)), default=math.inf
        )
    for combo in _subsets(m, p, fixed, banned):
        if single:
            for assign in itertools.product(combo, repeat=n):
                a = np.asarray(assign)
                if not np.isfinite(c[np.arange(n), a]).all():
                    continue
                if (np.bincount(a, weights=d, minlength=m) > cap + 1e-9).any():
                    continue
                best = min(best, float(f[combo].sum() + (d * c[np.arange(n), a]).sum()))
        else:
            k = len(combo)
            sub = c[:, combo]
            ok = np.isfinite(sub)
            # x_ij shares: Σ_j x_ij = 1, Σ_i d_i x_ij <= cap_j
            obj = np.where(ok, d[:, None] * np.where(ok, sub, 0.0), 0.0).ravel()
            bounds = [(0.0, 1.0 if o else 0.0) for o in ok.ravel()]
            a_eq = np.kron(np.eye(n), np.ones(k))
            a_ub = np.zeros((k, n * k))
            for i in range(n):
                for j in range(k):
                    a_ub[j, i * k + j] = d[i]
            res = linprog(
                obj, A_ub=a_ub, b_ub=cap[combo], A_eq=a_eq, b_eq=np.ones(n), bounds=bounds
            )
            if res.status == 0:
                best = min(best, float(f[combo].sum() + res.fun))
    return best


@FAST
@given(
    instances(max_n=6, max_m=4),
    st.lists(st.integers(1, 12), min_size=4, max_size=4),
    st.lists(st.integers(0, 30), min_size=4, max_size=4),
    st.booleans(),
    st.booleans(),
)
def test_fixed_charge_brute_force(
    inst: dict, caps: list[int], fcosts: list[int], single: bool, with_p: bool
) -> None:
    c, d = inst["cost"], inst["weights"]
    m = c.shape[1]
    cap = np.asarray(caps[:m], dtype=float)
    f = np.asarray(fcosts[:m], dtype=float)
    p = inst["p"] if with_p else None
    best = _fixed_charge_brute(c, d, cap, f, p, single, inst["fixed"], inst["banned"])
    kwargs = {"p": p, "single_sourcing": single, "fixed": inst["fixed"], "banned": inst["banned"]}
    if math.isinf(best):
        with pytest.raises(InfeasibleError):
            locate.fixed_charge(c, d, cap, f, **kwargs)
        return
    sol = locate.fixed_charge(c, d, cap, f, **kwargs)
    _check_solution(sol, c, p)
    assert sol.proven_optimal
    assert sol.objective == pytest.approx(best, abs=1e-6)
    assert sol.allocation is not None
    loads = d @ sol.allocation
    assert (loads <= cap + 1e-6).all()
    served = d > 0  # rows of weight 0 need no site
    assert np.allclose(sol.allocation.sum(axis=1)[served], 1.0)
    assert set(inst["fixed"]) <= set(sol.sites)


@FAST
@given(
    instances(max_n=5, max_m=5, inf=False),
    st.lists(st.integers(0, 20), min_size=25, max_size=25),
    st.integers(1, 3),
    st.sampled_from(["allowed", "required", "forbidden"]),
)
def test_joint_brute_force(inst: dict, cost_b: list[int], p_b: int, rule: str) -> None:
    ca, wa, p_a = inst["cost"], inst["weights"], inst["p"]
    m = ca.shape[1]
    cb = np.asarray(cost_b[: ca.shape[0] * m], dtype=float)
    cb = np.resize(cb, (ca.shape[0] + 1, m))
    wb = np.arange(1, len(cb) + 1, dtype=float)
    p_b = min(p_b, m)
    if rule == "required" and p_a > p_b:
        with pytest.raises(ValueError, match="p_a <= p_b"):
            locate.joint_p_median(ca, wa, p_a, cb, wb, p_b, colocation=rule)
        return
    best = math.inf
    for sa in itertools.combinations(range(m), p_a):
        for sb in itertools.combinations(range(m), p_b):
            if rule == "required" and not set(sa) <= set(sb):
                continue
            if rule == "forbidden" and set(sa) & set(sb):
                continue
            value = (wa * _nearest(ca, list(sa))).sum() + (wb * _nearest(cb, list(sb))).sum()
            best = min(best, float(value))
    if math.isinf(best):
        with pytest.raises(InfeasibleError):
            locate.joint_p_median(ca, wa, p_a, cb, wb, p_b, colocation=rule)
        return
    sol = locate.joint_p_median(ca, wa, p_a, cb, wb, p_b, colocation=rule)
    assert sol.proven_optimal
    assert sol.colocation == locate.CoLocation(rule)
    assert sol.objective == pytest.approx(best)
    assert sol.a.objective + sol.b.objective == pytest.approx(best)
    assert len(sol.a.sites) == p_a
    assert len(sol.b.sites) == p_b
    if rule == "required":
        assert set(sol.a.sites) <= set(sol.b.sites)
    if rule == "forbidden":
        assert not set(sol.a.sites) & set(sol.b.sites)


def _medium(seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    rng = np.random.default_rng(seed)
    n, m, p = 40, 14, int(rng.integers(2, 6))
    cost = rng.integers(0, 100, size=(n, m)).astype(float)
    cost[rng.random((n, m)) < 0.2] = np.inf
    cost[np.arange(n), rng.integers(0, m, n)] = rng.integers(0, 100, n)
    return cost, rng.integers(0, 9, n).astype(float), p


@pytest.mark.parametrize("seed", range(12))
def test_medium_random_against_brute_force(seed: int) -> None:
    """Non-metric random costs (weak LP bounds): the MIP phases must do the work."""
    cost, w, p = _medium(seed)
    m = cost.shape[1]
    fixed, banned = ([int(seed % m)], [int((seed + 5) % m)]) if seed % 3 == 1 else ([], [])
    combos = list(_subsets(m, p, fixed, banned))
    nearest = np.array([_nearest(cost, c) for c in combos])  # (combos, n)
    pos = w > 0
    with np.errstate(invalid="ignore"):
        medians = np.where(
            np.isfinite(nearest[:, pos]).all(axis=1), nearest[:, pos] @ w[pos], np.inf
        )
    sol = locate.p_median(cost, w, p, fixed=fixed, banned=banned)
    assert sol.proven_optimal
    assert sol.objective == medians.min()
    sol = locate.p_center(cost, p, fixed=fixed, banned=banned)
    assert sol.proven_optimal
    assert sol.objective == nearest.max(axis=1).min()
    covered = [(w * (cost[:, c] <= 40).any(axis=1)).sum() for c in combos]
    sol = locate.mclp(cost, w, p, 40.0, fixed=fixed, banned=banned)
    assert sol.proven_optimal
    assert sol.objective == max(covered)


@pytest.mark.parametrize("seed", [5, 6, 9])
def test_p_median_refinement_rounds(seed: int) -> None:
    # These instances make the radius engine's first MIP under-charge some clients
    # (truncated level groups), so it refines and solves again: still exact, and so
    # is the branch-and-Benders-cut engine that p_median uses for one facility type.
    from siting.locate._median import solve_median
    from siting.locate.results import _block

    cost, w, p = _medium(seed)
    pos = w > 0
    best = min(
        (w[pos] * _nearest(cost[pos], list(c))).sum()
        for c in itertools.combinations(range(cost.shape[1]), p)
    )
    m = cost.shape[1]
    block = _block(cost, w, p, np.zeros(0, dtype=np.int64), np.ones(m, dtype=bool))
    radius = solve_median([block], engine="radius")
    assert radius.details["mip_rounds"] >= 2
    assert radius.proven
    assert radius.objective == best
    sol = locate.p_median(cost, w, p)
    assert sol.details["method"] == "branch-and-Benders-cut"
    assert sol.proven_optimal
    assert sol.objective == best


@pytest.mark.parametrize("seed", [0, 8])
def test_p_median_generated_pmed_like(seed: int) -> None:
    # OR-Library-like graphs whose LP bound is not tight: the tree branches with the
    # incumbent's cutoff and must stay exact (so must the radius engine, which
    # refines its MIP once on seed 8).
    from siting.locate._median import solve_median
    from siting.locate.results import _block

    cost = pmed_like(120, 480, seed)
    sol = locate.p_median(cost, np.ones(120), 5)
    assert sol.details["lp_bound"] < sol.objective - 1
    assert sol.details["bnb_nodes"] >= 2
    assert sol.proven_optimal
    block = _block(cost, np.ones(120), 5, np.zeros(0, dtype=np.int64), np.ones(120, dtype=bool))
    radius = solve_median([block], engine="radius")
    assert radius.details["mip_rounds"] >= 1
    assert radius.proven
    assert radius.objective == sol.objective
    _check_solution(sol, cost, 5)
    assert sol.objective == round(_textbook_milp(cost, np.ones(120), 5))


# ----------------------------------------------------------------------------------------
# Options, errors, limits
# ----------------------------------------------------------------------------------------


def _euclid(n: int, m: int | None = None, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 100, size=(n, 2))
    b = a if m is None else rng.uniform(0, 100, size=(m, 2))
    return np.round(np.linalg.norm(a[:, None] - b[None], axis=2))


def test_fixed_and_banned_change_the_answer() -> None:
    cost = _euclid(40)
    w = np.ones(40)
    free = locate.p_median(cost, w, 3)
    banned = locate.p_median(cost, w, 3, banned=free.sites)
    assert not set(banned.sites) & set(free.sites)
    assert banned.objective >= free.objective
    far = int(np.argmax(cost.sum(axis=0)))
    fixed = locate.p_median(cost, w, 3, fixed=[far])
    assert far in fixed.sites
    assert fixed.objective >= free.objective
    for model in (
        lambda **kw: locate.p_center(cost, 3, **kw),
        lambda **kw: locate.mclp(cost, w, 3, 20.0, **kw),
        lambda **kw: locate.lscp(cost, 30.0, **kw),
    ):
        ban = [j for j in (0, 1, 2) if j != far][:2]
        sol = model(fixed=[far], banned=ban)
        assert far in sol.sites
        assert not set(ban) & set(sol.sites)


def test_lscp_uses_fixed_sites() -> None:
    cost = _euclid(30)
    base = locate.lscp(cost, 35.0)
    with_fixed = locate.lscp(cost, 35.0, fixed=[0, 1, 2])
    assert {0, 1, 2} <= set(with_fixed.sites)
    assert base.objective <= with_fixed.objective <= base.objective + 3


def test_infeasible_capacity() -> None:
    cost = _euclid(10, 4)
    demand = np.full(10, 5.0)
    with pytest.raises(InfeasibleError, match=r"total capacity .* 40 but total demand .* 50"):
        locate.fixed_charge(cost, demand, 10.0, 1.0)
    with pytest.raises(InfeasibleError, match="3 largest"):
        locate.fixed_charge(cost, demand, [20, 20, 5, 5], 1.0, p=3)
    with pytest.raises(InfeasibleError, match="single-sourced"):
        locate.fixed_charge(cost, [7.0] + [1.0] * 9, 6.0, 1.0, single_sourcing=True)
    # capacity adds up but cannot be packed with single sourcing: HiGHS proves it
    with pytest.raises(InfeasibleError, match="HiGHS proved"):
        locate.fixed_charge(cost[:3, :2], [2.0, 2.0, 2.0], [3.0, 3.0], 0.0, single_sourcing=True)


def test_time_limit_reports_a_gap() -> None:
    # 2-D Euclidean p-median, n = 600: the LP alone needs far more than 20 ms
    cost = _euclid(600, seed=3)
    w = np.random.default_rng(3).integers(1, 10, 600).astype(float)
    sol = locate.p_median(cost, w, 12, time_limit_s=0.02)
    assert not sol.proven_optimal
    assert sol.gap > 0
    assert sol.bound < sol.objective
    _check_solution(sol, cost, 12)
    assert (w * cost[np.arange(600), sol.assignment]).sum() == pytest.approx(sol.objective)
    assert sol.solve_seconds < 5


def test_time_limit_p_center_reports_a_gap() -> None:
    cost = _euclid(500, seed=4)
    sol = locate.p_center(cost, 15, time_limit_s=0.01)
    assert not sol.proven_optimal
    assert sol.gap > 0
    _check_solution(sol, cost, 15)
    assert cost[np.arange(500), sol.assignment].max() == sol.objective


@pytest.mark.shared
def test_time_limit_fixed_charge_reports_a_gap() -> None:
    # pmedcap15 takes ~25 s to prove; HiGHS finds feasible packings within a second
    inst = read_pmedcap(require_shared(*PMEDCAP) / "pmedcap15.txt")
    sol = locate.fixed_charge(
        inst.cost,
        inst.demand,
        inst.capacity,
        0.0,
        p=inst.p,
        single_sourcing=True,
        cost_weights=np.ones(inst.n),
        time_limit_s=3.0,
    )
    assert not sol.proven_optimal
    assert sol.gap > 0
    assert sol.bound <= 1091 <= sol.objective
    _check_solution(sol, inst.cost, inst.p)
    loads = np.bincount(sol.assignment, weights=inst.demand, minlength=inst.n)
    assert loads.max() <= inst.capacity
    assert inst.cost[np.arange(inst.n), sol.assignment].sum() == sol.objective


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda c, w: locate.p_median(c, w, 0), "p=0"),
        (lambda c, w: locate.p_median(c, w, 6), "p=6"),
        (lambda c, w: locate.p_median(c, w, 5, banned=[0]), "p=5"),
        (lambda c, w: locate.p_median(c, w, 1.5), "integer"),  # type: ignore[arg-type]
        (lambda c, w: locate.p_median(c, -w, 2), "weights must be >= 0"),
        (lambda c, w: locate.p_median(c, w[:3], 2), "one value per demand row"),
        (lambda c, w: locate.p_median(c[0], w, 2), "2-D"),
        (lambda c, w: locate.p_median(np.where(c > 1, np.nan, c), w, 2), "NaN"),
        (lambda c, w: locate.p_median(-c, w, 2), "negative"),
        (lambda c, w: locate.p_median(c, w, 2, fixed=[9]), "outside"),
        (lambda c, w: locate.p_median(c, w, 2, fixed=[1], banned=[1]), "both fixed"),
        (lambda c, w: locate.p_median(c, w, 1, fixed=[1, 2]), "less than the 2 fixed"),
        (lambda c, w: locate.p_center(c, 9), "p=9"),
        (lambda c, w: locate.mclp(c, w, 2, -1.0), "threshold"),
        (lambda c, w: locate.lscp(c, float("nan")), "threshold"),
        (lambda c, w: locate.fixed_charge(c, w, -1.0, 0.0), "capacity"),
        (lambda c, w: locate.p_median(c, w, 2, time_limit_s=0), "time_limit_s"),
        (
            lambda c, w: locate.joint_p_median(c, w, 1, c, w, 1, colocation="maybe"),
            r"'allowed', 'required', 'forbidden'",
        ),
        (lambda c, w: locate.joint_p_median(c, w, 1, c[:, :3], w, 1), "share the candidate"),
    ],
)
def test_bad_arguments(call, match: str) -> None:
    cost = _euclid(6, 5)
    with pytest.raises(ValueError, match=match):
        call(cost, np.ones(6))


def test_all_inf_row_is_rejected() -> None:
    cost = _euclid(6, 5)
    cost[2] = np.inf
    for call in (
        lambda: locate.p_median(cost, np.ones(6), 2),
        lambda: locate.p_center(cost, 2),
        lambda: locate.mclp(cost, np.ones(6), 2, 10.0),
        lambda: locate.lscp(cost, 10.0),
        lambda: locate.fixed_charge(cost, np.ones(6), 10.0, 1.0),
    ):
        with pytest.raises(ValueError, match=r"row\(s\) 2 are inf for every candidate"):
            call()


def test_rows_reachable_only_from_banned_sites() -> None:
    cost = _euclid(6, 5)
    cost[2, 1:] = np.inf
    with pytest.raises(InfeasibleError, match=r"row.* 2 can only be served by banned"):
        locate.p_median(cost, np.ones(6), 2, banned=[0])
    # a zero-weight row does not need service
    sol = locate.p_median(cost, np.array([1, 1, 0, 1, 1, 1.0]), 2, banned=[0])
    assert sol.assignment[2] == -1


def test_p_median_does_not_mutate_inputs() -> None:
    cost = _euclid(20)
    cost[0, 1] = np.inf
    before = cost.copy()
    w = np.ones(20)
    locate.p_median(cost, w, 3, banned=[4])
    np.testing.assert_array_equal(cost, before)


def test_doctests_run() -> None:
    for module in (locate, _orlib):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0, module.__name__
        assert result.failed == 0, module.__name__


# ----------------------------------------------------------------------------------------
# Against spopt (when installed)
# ----------------------------------------------------------------------------------------


def _spopt():
    """spopt and PuLP's CBC (in the dev extra); skip without them, fail under CI=true."""
    in_ci = os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}
    try:
        import pulp
        import spopt.locate as spopt_locate
    except ImportError as err:
        reason = f"spopt/pulp not installed ({err}); pip install -e '.[dev]'"
        if in_ci:
            pytest.fail(reason + " under CI=true", pytrace=False)
        pytest.skip(reason)
    if "PULP_CBC_CMD" not in pulp.listSolvers(onlyAvailable=True):
        reason = "PuLP's bundled CBC is not available (PuLP >= 4 dropped it; the dev extra pins <4)"
        if in_ci:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return spopt_locate, pulp


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # PuLP 3.x warns about PuLP 4
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_against_spopt(seed: int) -> None:
    spopt_locate, pulp = _spopt()
    cost = _euclid(40, 25, seed=seed)
    w = np.random.default_rng(seed).integers(1, 20, 40).astype(float)
    solver = pulp.PULP_CBC_CMD(msg=False)

    theirs = spopt_locate.MCLP.from_cost_matrix(cost, w, 25.0, 4).solve(solver)
    ours = locate.mclp(cost, w, 4, 25.0)
    assert ours.objective == pytest.approx(pulp.value(theirs.problem.objective))

    theirs = spopt_locate.LSCP.from_cost_matrix(cost, 30.0).solve(solver)
    ours = locate.lscp(cost, 30.0)
    assert ours.objective == pytest.approx(pulp.value(theirs.problem.objective))

    theirs = spopt_locate.PCenter.from_cost_matrix(cost, 3).solve(solver)
    ours = locate.p_center(cost, 3)
    assert ours.objective == pytest.approx(pulp.value(theirs.problem.objective))


@pytest.mark.shared
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # PuLP 3.x warns about PuLP 4
def test_against_spopt_on_pmed1() -> None:
    spopt_locate, pulp = _spopt()
    cost = read_pmed(require_shared(*PMED) / "pmed1.txt").cost
    w = np.arange(1, 101, dtype=float) % 7 + 1
    solver = pulp.PULP_CBC_CMD(msg=False)
    for threshold, p in ((30.0, 5), (40.0, 5), (40.0, 10)):
        theirs = spopt_locate.MCLP.from_cost_matrix(cost, w, threshold, p).solve(solver)
        ours = locate.mclp(cost, w, p, threshold)
        assert ours.objective == pytest.approx(pulp.value(theirs.problem.objective))
    for threshold in (40.0, 50.0):
        theirs = spopt_locate.LSCP.from_cost_matrix(cost, threshold).solve(solver)
        assert locate.lscp(cost, threshold).objective == pulp.value(theirs.problem.objective)
    sub = cost[:60, :60]  # spopt's p-center MIP on all 100 nodes is slow with CBC
    theirs = spopt_locate.PCenter.from_cost_matrix(sub, 4).solve(solver)
    assert locate.p_center(sub, 4).objective == pulp.value(theirs.problem.objective)


def test_a_solution_that_disagrees_with_its_objective_is_refused() -> None:
    """The guard against solver-interface regressions (highspy 1.16 returned the MIP start)."""
    import highspy

    from siting.errors import SitingError
    from siting.locate._highs import _check_consistent, build_lp, new_highs

    h = new_highs()
    lp = build_lp(
        cost=np.array([1.0, 1.0, 1.0]),
        col_lower=np.zeros(3),
        col_upper=np.ones(3),
        row_lower=np.ones(1),
        row_upper=np.full(1, highspy.kHighsInf),
        rows=np.array([0, 0, 0]),
        cols=np.array([0, 1, 2]),
        vals=np.ones(3),
        integer=np.ones(3, dtype=bool),
    )
    h.passModel(lp)
    _check_consistent(h, np.array([1.0, 0.0, 0.0]), 1.0)
    with pytest.raises(SitingError, match="refusing to use it"):
        _check_consistent(h, np.array([1.0, 1.0, 0.0]), 1.0)
