"""Exact plans on a pair-cost matrix: the best plan, the best plan containing each site, and
the Monte Carlo over the weights that re-solves the plan per draw.

Every model here minimises a sum (or, for p-center, a maximum) over demand rows of the
cost of the row's site.  With one site (``p = 1``) every plan is enumerated; with two, every
pair that can win (a bounded enumeration, :func:`_best_pair`: a Lagrangian lower bound per
site, sites expanded in bound order; exact at any size, e.g. 2 of 10,781 Eastern Negev sites
expanded), with capacities meaning each site's nearest localities fit; beyond, the exact
solvers of :mod:`siting.locate` are called (with the site forced open for "the best plan
containing it").  The ranking and the Monte Carlo of pairs enumerate every pair up to
:data:`PAIR_LIMIT` sites (``m²/2 × n`` operations: 0.03 s for 600 candidates and 60
localities).  All three are exact: the ranking and the Monte Carlo
describe plans, never single cells scored as if they were the only site.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from siting.decide.plans import allocate
from siting.errors import InfeasibleError

if TYPE_CHECKING:
    from siting.locate.results import Solution

__all__ = [
    "FORCED_TOP",
    "MIP_DRAW_LIMIT",
    "PAIR_LIMIT",
    "Aggregate",
    "PlanSolution",
    "SiteRanking",
    "best_plan",
    "draws_in_plan",
    "plan_value",
    "rank_sites",
]

log = logging.getLogger(__name__)

#: Above this many eligible candidates, the best pair containing each site is not enumerated
#: for the ranking and the Monte Carlo (memory and time), and an uncapacitated p-center pair
#: is left to the solver (its enumeration bound is weak).  The best plan of two sites under a
#: sum is always the bounded enumeration (:func:`_best_pair`), whatever the size.
PAIR_LIMIT = 2500
#: With three or more sites per plan each weight draw is a HiGHS solve: the Monte Carlo runs
#: only when ``n_draws`` is at most this (the outputs say when it is skipped).
MIP_DRAW_LIMIT = 1000
#: With ``p >= 3`` the best plan containing a site is solved exactly (site forced open) for
#: this many sites; the others get the best single swap into the recommended plan.
FORCED_TOP = 50


class Aggregate(enum.StrEnum):
    """How row costs combine into a plan's value."""

    SUM = "sum"  # p-median, weighted score, coverage (as negative covered demand)
    MAX = "max"  # p-center


@dataclass(frozen=True)
class PlanSolution:
    """The best plan: opened columns, each row's column, its value and how it was proven."""

    sites: tuple[int, ...]
    assignment: np.ndarray
    value: float
    proven: bool
    method: str
    details: dict[str, float] = field(default_factory=dict)
    #: the solver's own result behind the plan (a warm start for the next solve of a
    #: nearby model: its sites, multipliers and pseudo-costs), ``None`` when enumerated
    solution: Solution | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class SiteRanking:
    """Per candidate column: the value of the best plan containing it and that plan's sites.

    ``value`` is NaN for ineligible sites and for sites not computed (``computed`` False).
    """

    value: np.ndarray
    partners: list[tuple[int, ...]]
    computed: np.ndarray
    method: str


def plan_value(cost: np.ndarray, sites: Sequence[int], agg: Aggregate = Aggregate.SUM) -> float:
    """Value of opening ``sites`` with every row at its cheapest open site."""
    best = cost[:, list(sites)].min(axis=1)
    return float(best.max() if agg is Aggregate.MAX else best.sum())


def _pair_values(c: np.ndarray, agg: Aggregate, rows_a: np.ndarray | None = None) -> np.ndarray:
    """``F[a, b]`` = value of the pair (a, b) over columns of ``c``; ``inf`` on the diagonal.

    ``rows_a`` restricts the first index (the result has one row per entry).
    """
    ct = np.ascontiguousarray(c.T)
    m = ct.shape[0]
    first = np.arange(m) if rows_a is None else np.asarray(rows_a, dtype=int)
    out = np.empty((len(first), m))
    chunk = max(1, int(4e6 // max(1, m * ct.shape[1])))
    for s in range(0, len(first), chunk):
        idx = first[s : s + chunk]
        mins = np.minimum(ct[idx, None, :], ct[None, :, :])
        out[s : s + chunk] = mins.max(axis=2) if agg is Aggregate.MAX else mins.sum(axis=2)
    out[np.arange(len(first)), first] = np.inf
    return out


def _capacity_ok(
    cost: np.ndarray, sites: Sequence[int], load: np.ndarray, capacity: np.ndarray
) -> bool:
    cols = np.asarray(sorted(sites), dtype=int)
    used = np.bincount(allocate(cost, sites), weights=load, minlength=cost.shape[1])
    return bool(np.all(used[cols] <= capacity[cols] * (1 + 1e-9)))


def _capacity_binds(load: np.ndarray, capacity: np.ndarray, cols: np.ndarray) -> bool:
    """Whether some usable site cannot take every row's load (else capacities never bind)."""
    return bool(capacity[cols].min() < load.sum() * (1 + 1e-9))


def best_plan(
    cost: np.ndarray,
    p: int,
    eligible: np.ndarray,
    *,
    agg: Aggregate = Aggregate.SUM,
    load: np.ndarray | None = None,
    capacity: np.ndarray | None = None,
    time_limit_s: float | None = None,
    forced: Sequence[int] = (),
    start: PlanSolution | None = None,
) -> PlanSolution:
    """The plan of ``p`` eligible sites minimising ``agg`` of the rows' costs.

    With ``load`` and ``capacity`` (per row and per site, same unit) every site's load stays
    within its capacity: when the uncapacitated optimum respects them it is optimal for the
    capacitated model too (a relaxation's optimum that is feasible); otherwise the
    single-sourced capacitated model is solved exactly (:func:`siting.locate.fixed_charge`).

    ``start`` is the plan of a nearby model (the same rows and sites with other costs, or
    before ``forced``): the p-median solve starts from its sites and solver state.  The
    optimum is the same; only the time changes.

    Raises
    ------
    InfeasibleError
        Fewer than ``p`` usable sites, no plan reaching every row, or capacity short.
    """
    from siting import locate

    eligible = np.asarray(eligible, dtype=bool).copy()
    usable = eligible & np.isfinite(cost).any(axis=0)
    cols = np.flatnonzero(usable)
    forced = [int(f) for f in forced]
    if any(not usable[f] for f in forced):
        raise InfeasibleError("a forced site is not usable")
    if len(cols) < p:
        raise InfeasibleError(f"{len(cols)} usable candidate(s) for {p} site(s)")
    capped = load is not None and capacity is not None
    if capped:
        assert load is not None
        assert capacity is not None
        # a site that can take every row's load never binds: drop the capacity model
        capped = _capacity_binds(load, capacity, cols)
    if capped:
        assert load is not None
        assert capacity is not None
        if load.sum() > np.sort(capacity[cols])[-p:].sum() * (1 + 1e-9):
            raise InfeasibleError(
                f"capacity short: {load.sum():,.0f} to place, the {p} largest eligible sites "
                f"hold {np.sort(capacity[cols])[-p:].sum():,.0f}"
            )
    sol: PlanSolution | None = None
    # pairs: the bounded enumeration; a p-center pair's bound is weak, so beyond
    # PAIR_LIMIT sites (and without capacities) it goes to the p-center solver instead
    heavy_center = p == 2 and agg is Aggregate.MAX and not capped and len(cols) > PAIR_LIMIT
    if p <= 2 and not heavy_center:
        sub = cost[:, cols]
        cap_cols = capacity[cols] if capped else None  # type: ignore[index]
        local = [int(np.flatnonzero(cols == f)[0]) for f in forced]
        if p == 1:
            vals = sub.max(axis=0) if agg is Aggregate.MAX else sub.sum(axis=0)
            if local:
                vals = np.where(np.arange(len(cols)) == local[0], vals, np.inf)
            if capped:
                assert load is not None
                assert cap_cols is not None
                vals = np.where(cap_cols >= load.sum() * (1 - 1e-9), vals, np.inf)
            k = int(np.argmin(vals))
            sites: tuple[int, ...] = (int(cols[k]),)
            value = float(vals[k])
            method = "exact enumeration of every site"
            expanded = 0
        else:
            pair, value, expanded = _best_pair(
                sub, agg, load=load if capped else None, capacity=cap_cols, forced=local
            )
            sites = tuple(int(cols[x]) for x in pair)
            method = (
                f"exact bounded enumeration of the pairs of sites ({expanded} of {len(cols)} "
                "sites' pairs evaluated, the others' lower bounds above the best pair)"
            )
        if not np.isfinite(value):
            if capped:
                raise InfeasibleError(
                    f"no plan of {p} eligible site(s) reaches every demand point with each "
                    "site's nearest localities within its capacity"
                )
            raise InfeasibleError(f"no plan of {p} eligible site(s) reaches every demand point")
        assign = allocate(cost, sites)
        details = {"pairs_expanded": float(expanded)} if p == 2 else {}
        return PlanSolution(sites, assign, value, True, method, details)
    if sol is None:
        # the uncapacitated optimum; with capacities it is kept only if its nearest-site
        # allocation fits (the optimum of a relaxation that is feasible is optimal)
        low = np.where(np.isfinite(cost), cost, np.inf).min(axis=1)
        low = np.where(np.isfinite(low), low, 0.0)
        banned = np.flatnonzero(~usable)
        if agg is Aggregate.MAX:
            s = locate.p_center(cost, p, banned=banned, fixed=forced, time_limit_s=time_limit_s)
            value = float(s.objective)
        else:
            s = locate.p_median(
                cost - low[:, None],
                np.ones(len(cost)),
                p,
                banned=banned,
                fixed=forced,
                time_limit_s=time_limit_s,
                start=_warm(start),
            )
            value = float(s.objective + low.sum())
        sol = PlanSolution(
            tuple(int(x) for x in s.sites),
            np.asarray(s.assignment),
            value,
            bool(s.proven_optimal),
            f"{s.model}, HiGHS",
            {"gap": float(s.gap)},
            solution=s,
        )
        if capped and not _capacity_ok(cost, sol.sites, load, capacity):  # type: ignore[arg-type]
            sol = None
    if sol is None:
        assert load is not None
        assert capacity is not None
        if agg is Aggregate.MAX:
            raise InfeasibleError("a capacitated p-center is not supported")
        low = np.where(np.isfinite(cost), cost, np.inf).min(axis=1)
        low = np.where(np.isfinite(low), low, 0.0)
        s = locate.fixed_charge(
            cost - low[:, None],
            load,
            capacity,
            np.zeros(cost.shape[1]),
            p=p,
            single_sourcing=True,
            cost_weights=np.ones(len(cost)),
            banned=np.flatnonzero(~usable),
            fixed=forced,
            time_limit_s=time_limit_s,
        )
        assign = np.asarray(s.assignment)
        value = float(cost[np.arange(len(cost)), assign].sum())
        sol = PlanSolution(
            tuple(int(x) for x in s.sites),
            assign,
            value,
            bool(s.proven_optimal),
            "capacitated (single-sourced) p-median, HiGHS",
            {"gap": float(s.gap)},
        )
    return sol


def _warm(start: PlanSolution | None) -> Solution | list[int] | None:
    """What :func:`siting.locate.p_median` takes as ``start`` from a previous plan: its
    solver result when it has one (sites and solver state), else its sites."""
    if start is None:
        return None
    return start.solution if start.solution is not None else list(start.sites)


def _to_first(ct: np.ndarray, a: int) -> np.ndarray:
    """``(m, n)``: whether row ``i`` goes to site ``a`` rather than to site ``b`` in the pair
    (a, b): strictly cheaper at ``a``, or as cheap and ``a`` the lower column (as
    :func:`siting.decide.plans.allocate` breaks ties)."""
    lower = (np.arange(ct.shape[0]) > a)[:, None]
    return (ct[a][None, :] < ct) | ((ct[a][None, :] == ct) & lower)


def _pair_fits(ct: np.ndarray, a: int, load: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """``(m,)``: whether the pair (a, b)'s nearest-site allocation fits both capacities."""
    load_a = _to_first(ct, a) @ load
    load_b = load.sum() - load_a
    return (load_a <= cap[a] * (1 + 1e-9)) & (load_b <= cap * (1 + 1e-9))


def _mask_pairs(
    sub: np.ndarray,
    f: np.ndarray,
    rows_a: np.ndarray | None,
    load: np.ndarray,
    cap: np.ndarray,
) -> np.ndarray:
    """``inf`` where the pair's nearest-site allocation overfills one of the two sites."""
    ct = np.ascontiguousarray(sub.T)
    first = np.arange(ct.shape[0]) if rows_a is None else rows_a
    out = f.copy()
    for r, a in enumerate(first):
        out[r, ~_pair_fits(ct, int(a), load, cap)] = np.inf
    return out


def _best_pair(
    sub: np.ndarray,
    agg: Aggregate,
    *,
    load: np.ndarray | None = None,
    capacity: np.ndarray | None = None,
    forced: Sequence[int] = (),
) -> tuple[tuple[int, int], float, int]:
    """The best pair of columns of ``sub``, exactly, without enumerating every pair.

    Each site ``a`` gets a lower bound on the value of every pair containing it (sum: the
    Lagrangian bound of the 2-median with ``a`` forced open, :func:`_lagrangian_pair_bounds`;
    p-center: ``max_i min(c_ia, L_i)`` with ``L_i`` row ``i``'s cheapest site); sites are
    expanded (their pair with every other site evaluated) in increasing bound, until the
    bound exceeds the best pair found.  Every pair not evaluated has both sites' bounds above
    a pair that was, so the result is exact whatever the bounds' quality (which only decides
    how many sites are expanded).  Capacities (with ``load``) remove the pairs whose nearest-site
    allocation overfills a site.  Ties go to the lexicographically smallest pair, as a full
    enumeration's first minimum would.  Returns the pair, its value (``inf``: none is
    feasible) and how many sites were expanded.
    """
    ct = np.ascontiguousarray(sub.T)  # (m, n): one site's costs are contiguous
    m = ct.shape[0]
    low = ct.min(axis=0)
    if not np.isfinite(low).all():
        return (0, 1), float("inf"), 0
    if forced:
        order = np.asarray(forced[:1], dtype=int)
        bound = np.full(m, -np.inf)
    elif agg is Aggregate.MAX:
        bound = np.minimum(ct, low[None, :]).max(axis=1)
        order = np.argsort(bound, kind="stable")
    else:
        bound = _lagrangian_pair_bounds(ct, low)
        order = np.argsort(bound, kind="stable")
    best_v, best = float("inf"), (0, 1)
    expanded = 0
    for a in (int(x) for x in order):
        if bound[a] > best_v + 1e-9 * max(1.0, abs(best_v)):
            break
        pairs = np.minimum(ct[a][None, :], ct)
        row = pairs.max(axis=1) if agg is Aggregate.MAX else pairs.sum(axis=1)
        row[a] = np.inf
        if load is not None and capacity is not None:
            row[~_pair_fits(ct, a, load, capacity)] = np.inf
        expanded += 1
        b = int(np.argmin(row))
        v = float(row[b])
        pair = (min(a, b), max(a, b))
        if v < best_v or (v == best_v and pair < best):
            best_v, best = v, pair
    return best, best_v, expanded


def _lagrangian_pair_bounds(
    ct: np.ndarray, low: np.ndarray, *, iterations: int = 300
) -> np.ndarray:
    """Per site ``a``: a lower bound on ``Σ_i min(c_ia, c_ib)`` over every partner ``b``.

    Lagrangian relaxation of the 2-median's assignment constraints with multipliers
    ``λ_i``: with ``ρ_j = Σ_i min(0, c_ij − λ_i)``, every plan of two sites containing ``a``
    costs at least ``Σ_i λ_i + ρ_a + min_{b≠a} ρ_b`` (the relaxation with ``a`` forced
    open), for any ``λ``.  ``λ`` is improved by subgradient steps (Held–Karp step size
    towards the best pair value seen); the bound holds at every step, and the per-site
    maximum over the steps is returned.  ``ct`` is ``(m, n)``, ``low`` each row's minimum.
    """
    c = ct - low[None, :]  # ≥ 0; every plan's value is Σ low + its value on c
    m, n = c.shape
    base = float(low.sum())
    lam = np.partition(c, 1, axis=0)[1] if m > 1 else np.zeros(n)  # second cheapest
    best = np.full(m, -np.inf)
    upper = np.inf
    theta = 2.0
    stall = 0
    top = -np.inf
    for _ in range(iterations):
        red = np.minimum(c - lam[None, :], 0.0)
        rho = red.sum(axis=1)
        two = np.argpartition(rho, 1)[:2]
        j1, j2 = (two[0], two[1]) if rho[two[0]] <= rho[two[1]] else (two[1], two[0])
        other = np.where(np.arange(m) == j1, rho[j2], rho[j1])
        forced = base + lam.sum() + rho + other
        best = np.maximum(best, forced)
        value = float(forced[j1])  # the relaxation's value (j1 and j2 open)
        # a real pair: j1 and j2 with every row at its cheaper site
        upper = min(upper, base + float(np.minimum(c[j1], c[j2]).sum()))
        if value > top + 1e-12 * max(1.0, abs(top)):
            top, stall = value, 0
        else:
            stall += 1
            if stall >= 10:
                theta, stall = theta / 2.0, 0
        g = 1.0 - ((c[j1] < lam).astype(float) + (c[j2] < lam).astype(float))
        norm = float(g @ g)
        if norm == 0.0 or upper - value <= 1e-9 * max(1.0, abs(upper)) or theta < 1e-4:
            break
        if int((best <= upper).sum()) <= 2:  # only the pair itself can reach it: enough
            break
        lam = np.maximum(lam + theta * (upper - value) / norm * g, 0.0)
    return best


def rank_sites(
    cost: np.ndarray,
    p: int,
    eligible: np.ndarray,
    best: PlanSolution,
    *,
    agg: Aggregate = Aggregate.SUM,
    load: np.ndarray | None = None,
    capacity: np.ndarray | None = None,
    time_limit_s: float | None = None,
) -> SiteRanking:
    """For each eligible site, the value of the best plan that contains it.

    ``p <= 2``: exact for every site (enumeration, with capacities applied to each pair's
    nearest-site allocation when given).  ``p >= 3`` or many candidates: every site's best
    single swap into ``best`` (a real plan containing it, so an upper bound), then the
    :data:`FORCED_TOP` most promising sites solved exactly with the site forced open.  The
    sites of ``best`` get ``best.value``.
    """
    m = cost.shape[1]
    eligible = np.asarray(eligible, dtype=bool) & np.isfinite(cost).any(axis=0)
    value = np.full(m, np.nan)
    partners: list[tuple[int, ...]] = [() for _ in range(m)]
    computed = np.zeros(m, dtype=bool)
    cols = np.flatnonzero(eligible)
    capped = load is not None and capacity is not None and _capacity_binds(load, capacity, cols)
    if p == 1:
        sub = cost[:, cols]
        v = sub.max(axis=0) if agg is Aggregate.MAX else sub.sum(axis=0)
        if capped:
            assert load is not None
            assert capacity is not None
            v = np.where(capacity[cols] >= load.sum() * (1 - 1e-9), v, np.inf)
        value[cols] = v
        computed[cols] = True
        method = "every site evaluated as the single site"
    elif p == 2 and len(cols) <= PAIR_LIMIT:
        sub = cost[:, cols]
        f = _pair_values(sub, agg)
        if capped:
            assert load is not None
            assert capacity is not None
            f = _mask_pairs(sub, f, None, load, capacity[cols])
        k = np.argmin(f, axis=1)
        value[cols] = f[np.arange(len(cols)), k]
        for a, b in zip(cols, cols[k], strict=True):
            partners[int(a)] = (int(b),)
        computed[cols] = True
        method = "every pair of sites enumerated"
    else:
        # every site swapped into the recommended plan for the open site it best replaces: a
        # real plan containing the site (an upper bound on the best one); the most promising
        # sites are then solved exactly with the site forced open
        base = list(best.sites)
        for j in cols:
            if j in base:
                continue
            trials = [[*base[:k], int(j), *base[k + 1 :]] for k in range(len(base))]
            if capped:
                assert load is not None
                assert capacity is not None
                trials = [tr for tr in trials if _capacity_ok(cost, tr, load, capacity)]
            vals = [plan_value(cost, tr, agg) for tr in trials]
            if vals and np.isfinite(min(vals)):
                k = int(np.argmin(vals))
                value[j] = vals[k]
                partners[int(j)] = tuple(x for x in trials[k] if x != j)
                computed[j] = True
        order = [
            j
            for j in cols[
                np.argsort(np.where(np.isfinite(value[cols]), value[cols], np.inf), kind="stable")
            ]
            if j not in base
        ]
        for j in order[:FORCED_TOP]:
            try:
                s = best_plan(
                    cost,
                    p,
                    eligible,
                    agg=agg,
                    load=load,
                    capacity=capacity,
                    time_limit_s=time_limit_s,
                    forced=[int(j)],
                    start=best,
                )
            except InfeasibleError:
                continue
            if s.proven and (not np.isfinite(value[j]) or s.value <= value[j]):
                value[j] = s.value
                partners[int(j)] = tuple(x for x in s.sites if x != j)
                computed[j] = True
        method = (
            f"best plan containing the site: exact (site forced open) for the {FORCED_TOP} "
            "most promising sites; for the others the best single swap into the recommended "
            "plan (a real plan, an upper bound on the best one)"
        )
    for site in best.sites:
        value[site] = best.value
        partners[site] = tuple(x for x in best.sites if x != site)
        computed[site] = True
    return SiteRanking(value=value, partners=partners, computed=computed, method=method)


def draws_in_plan(
    terms: np.ndarray,
    const: np.ndarray,
    draws: np.ndarray,
    *,
    p: int,
    eligible: np.ndarray,
    chosen: Sequence[int],
    time_limit_s: float | None = None,
) -> tuple[np.ndarray, float, np.ndarray | None]:
    """Re-solve the weighted plan for every weight draw.

    Parameters
    ----------
    terms, const : the plan model's (k, n, m) terms and (k,) constants
    draws : (N, k) weight vectors
    p : sites per plan
    chosen : the recommended plan's columns

    Returns
    -------
    in_plan : (m,) share of draws whose optimal plan contains each site
    stays : share of draws in which the recommended plan is optimal
    ranks : (N, m) rank of every site per draw (``p == 1`` only, else ``None``)
    """
    n_draws, _ = draws.shape
    m = terms.shape[2]
    eligible = np.asarray(eligible, dtype=bool)
    cols = np.flatnonzero(eligible)
    count = np.zeros(m)
    stays = 0
    chosen_set = tuple(sorted(int(c) for c in chosen))
    ranks = None
    if p == 1:
        with np.errstate(invalid="ignore"):
            per_site = np.where(np.isfinite(terms), terms, -np.inf).sum(axis=1)  # (k, m)
        scores = draws @ (const[:, None] + np.nan_to_num(per_site, neginf=-1e30))
        scores[:, ~eligible] = -np.inf
        best = np.argmax(scores, axis=1)
        np.add.at(count, best, 1.0)
        stays = int(np.sum(best == chosen_set[0])) if chosen_set else 0
        order = np.argsort(-scores[:, cols], axis=1, kind="stable")
        ranks = np.zeros((n_draws, m), dtype=int)
        r = np.empty_like(order)
        r[np.arange(n_draws)[:, None], order] = np.arange(1, len(cols) + 1)[None, :]
        ranks[:, cols] = r
        return count / n_draws, stays / n_draws, ranks
    if p == 2 and 2 <= len(cols) <= PAIR_LIMIT:
        _pairs_by_bounds(
            terms, draws, cols, count=count, chosen=chosen_set, stays=(out_stays := [0])
        )
        stays = out_stays[0]
        return count / n_draws, stays / n_draws, None
    prev: PlanSolution | None = None  # each draw starts from the last one's plan
    for w in draws:
        with np.errstate(invalid="ignore"):
            c = -100.0 * np.tensordot(w, terms, axes=1)
        c[~np.isfinite(c)] = np.inf
        try:
            s = best_plan(c, p, eligible, time_limit_s=time_limit_s, start=prev)
        except InfeasibleError:
            continue
        prev = s
        count[list(s.sites)] += 1.0
        stays += int(tuple(sorted(s.sites)) == chosen_set)
    return count / n_draws, stays / n_draws, ranks


def _pairs_by_bounds(
    terms: np.ndarray,
    draws: np.ndarray,
    cols: np.ndarray,
    *,
    count: np.ndarray,
    chosen: tuple[int, ...],
    stays: list[int],
) -> None:
    """Exact best pair per weight draw, from bounds that are linear in the weights.

    For a pair (a, b) and weights w, with ``C_k = −100 T_k``:
    ``Σ_k w_k Σ_i min(C_kia, C_kib) ≤ f_w(a, b) ≤ Σ_k w_k Σ_i C_ki,alloc(i)`` for any fixed
    allocation (the one that is best at the mean weights is used).  Per draw the best upper
    bound is an incumbent; only pairs whose lower bound is below it are evaluated exactly.
    """
    k = terms.shape[0]
    sub = -100.0 * terms[:, :, cols]  # (k, n, me)
    sub = np.where(np.isfinite(sub), sub, np.inf)
    me = len(cols)
    ia, ib = np.triu_indices(me, 1)
    w0 = draws.mean(axis=0)
    base = np.tensordot(w0, sub, axes=1)  # (n, me)
    lower = np.empty((k, len(ia)))
    upper = np.empty((k, len(ia)))
    step = max(1, int(2e6 // max(1, sub.shape[1])))
    for s0 in range(0, len(ia), step):
        a, b = ia[s0 : s0 + step], ib[s0 : s0 + step]
        to_a = base[:, a] <= base[:, b]  # (n, chunk)
        for q in range(k):
            ca, cb = sub[q][:, a], sub[q][:, b]
            lower[q, s0 : s0 + step] = np.minimum(ca, cb).sum(axis=0)
            upper[q, s0 : s0 + step] = np.where(to_a, ca, cb).sum(axis=0)
    with np.errstate(invalid="ignore"):
        lo_all = draws @ np.where(np.isfinite(lower), lower, 1e300)
        up_all = draws @ np.where(np.isfinite(upper), upper, 1e300)
    chosen_pair = tuple(sorted(chosen))
    for d, w in enumerate(draws):
        inc = up_all[d].min()
        cand = np.flatnonzero(lo_all[d] <= inc * (1 + 1e-12) + 1e-9)
        c = np.tensordot(w, sub, axes=1)  # (n, me)
        vals = np.minimum(c[:, ia[cand]], c[:, ib[cand]]).sum(axis=0)
        best = cand[int(np.argmin(vals))]
        pair = (int(cols[ia[best]]), int(cols[ib[best]]))
        count[list(pair)] += 1.0
        stays[0] += int(pair == chosen_pair)
