"""The Lagrangian stage of `siting.locate.fixed_charge` (private): incumbent, bound
and fixing before the MIP.

1. Subgradient ascent with fractional knapsacks (cheap; about the LP bound), a
   Lagrangian heuristic turning each relaxation's sites into a capacitated
   assignment (:mod:`siting.locate._capacity_heuristic`).
   Every packing is then improved by location-allocation moves (each site to the
   best column for the rows it serves, `siting.locate._capacity_heuristic.relocate`).
2. Site moves (close, swap) around the best incumbent.
3. With single sourcing, ascent again with 0-1 knapsacks (stronger than the LP:
   the knapsack polytope is integral), from the first phase's multipliers, when the
   dynamic programmes fit the budget.
4. Fixing (:func:`siting.locate._capacity_lagrange.fix`): sites and pairs that cannot
   be in a solution better than the incumbent are dropped from the MIP.
5. The best packing's sites assigned exactly (a generalised-assignment MIP), then a
   kernel MIP over the columns the relaxation opened most often; fixing again when
   either improves the incumbent.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np

from siting.locate._capacity_heuristic import (
    Packing,
    assign_capacitated,
    assign_exact,
    improve_sites,
    relocate,
)
from siting.locate._capacity_lagrange import Fixing, Relaxation, ascend, dp_affordable, fix
from siting.locate._highs import Deadline, new_highs, run_mip
from siting.locate._mip import capacitated_model

__all__ = ["Stage", "capacity_stage"]

logger = logging.getLogger(__name__)

_TOL = 1e-9


@dataclass
class Stage:
    """What the Lagrangian stage hands to the MIP."""

    incumbent: Packing | None
    bound: float
    proven: bool
    fixing: Fixing | None
    details: dict[str, object] = field(default_factory=dict)


# The exact assignment of the best packing's sites gets at most this share of the
# time left, and never more than this many seconds (also without a time limit).
_POLISH_SHARE = 0.1
_POLISH_MAX_S = 5.0


def _share(deadline: Deadline, share: float, most: float) -> Deadline:
    """A budget of ``share`` of what is left of ``deadline``, at most ``most`` seconds."""
    return Deadline(min(share * deadline.remaining(), most))


def _k_min(cap: np.ndarray, free: np.ndarray, fixed: np.ndarray, total: float) -> int:
    """The fewest free columns whose largest capacities, with the fixed ones, reach ``total``."""
    need = total - float(cap[fixed].sum())
    if need <= _TOL * max(1.0, total):
        return 0
    top = np.sort(cap[free])[::-1]
    reach = np.cumsum(top)
    k = int(np.searchsorted(reach, need - _TOL * max(1.0, total)))
    return min(k + 1, len(top))


class _Incumbent:
    """The best packing found so far, fed by the Lagrangian heuristic."""

    def __init__(self, rel: Relaxation, p_fixed: bool) -> None:
        self.rel = rel
        self.p_fixed = p_fixed
        self.best: Packing | None = None
        self.seen: set[bytes] = set()
        self.tries = 0
        self.count = np.zeros(len(rel.fcost))
        self.exact: set[bytes] = set()  # site sets assigned exactly

    def value(self) -> float:
        return math.inf if self.best is None else self.best.objective

    def offer(self, sites: np.ndarray, v: np.ndarray) -> None:
        rel = self.rel
        sites = np.union1d(sites, rel.fixed).astype(np.int64)
        self.count[sites] += 1
        total = float(rel.d.sum())
        if not self.p_fixed:
            # complete the capacity with the best remaining columns (by v)
            rest = np.flatnonzero(rel.free & ~np.isin(np.arange(len(v)), sites))
            rest = rest[np.argsort(v[rest], kind="stable")]
            have = float(rel.cap[sites].sum())
            extra = []
            for j in rest:
                if have >= total - _TOL:
                    break
                extra.append(j)
                have += float(rel.cap[j])
            sites = np.union1d(sites, np.asarray(extra, dtype=np.int64))
        key = np.sort(sites).tobytes()
        if key in self.seen:
            return
        self.seen.add(key)
        self.tries += 1
        got = assign_capacitated(rel.a, rel.d, rel.cap, rel.fcost, sites)
        if got is None and not self.p_fixed:
            rest = np.flatnonzero(rel.free & ~np.isin(np.arange(len(v)), sites))
            if len(rest):
                j = rest[np.argmin(v[rest])]
                got = assign_capacitated(rel.a, rel.d, rel.cap, rel.fcost, np.append(sites, j))
        if got is None:
            return
        if not self.p_fixed:
            got = self._drop_unused(got)
        got = relocate(rel.a, rel.d, rel.cap, rel.fcost, got, free=rel.free)
        if self.best is None or got.objective < self.best.objective - _TOL:
            self.best = got

    def polish(self, deadline: Deadline) -> bool:
        """The best packing's sites assigned exactly (`assign_exact`), then moved
        again (`relocate`), until that gains nothing; whether it gained."""
        rel = self.rel
        gained = False
        while self.best is not None and not deadline.expired():
            key = np.sort(self.best.sites).tobytes()
            if key in self.exact:
                break
            self.exact.add(key)
            got = assign_exact(
                rel.a,
                rel.d,
                rel.cap,
                rel.fcost,
                self.best.sites,
                below=self.value() - _TOL * max(1.0, abs(self.value())),
                deadline=deadline,
            )
            if got is None:
                break
            got = relocate(rel.a, rel.d, rel.cap, rel.fcost, got, free=rel.free)
            self.best = got if self.p_fixed else self._drop_unused(got)
            gained = True
        return gained

    def _drop_unused(self, got: Packing) -> Packing:
        rel = self.rel
        used = np.isin(got.sites, got.assign) | ~rel.free[got.sites]
        if used.all():
            return got
        sites = got.sites[used]
        return Packing(sites, got.assign, got.objective - float(rel.fcost[got.sites[~used]].sum()))


def capacity_stage(
    a: np.ndarray,
    d: np.ndarray,
    cap: np.ndarray,
    fcost: np.ndarray,
    *,
    p: int | None,
    fixed: np.ndarray,
    allowed: np.ndarray,
    single: bool,
    integral: bool,
    deadline: Deadline,
) -> Stage:
    """Incumbent, Lagrangian bound and fixing for the rows of ``a`` (each needs a site).

    ``a`` is ``(n, m)`` assignment cost (``inf`` = not allowed), ``d`` the demand.
    """
    m = a.shape[1]
    free = allowed.copy()
    free[fixed] = False
    p_free = None if p is None else p - len(fixed)
    rel = Relaxation(
        a=a,
        d=d,
        cap=cap,
        fcost=fcost,
        free=free,
        fixed=np.asarray(fixed, dtype=np.int64),
        p_free=p_free,
        k_min=_k_min(cap, free, fixed, float(d.sum())) if p is None else 0,
        single=single,
    )
    details: dict[str, object] = {}
    if a.shape[0] == 0:
        sites = np.asarray(fixed, dtype=np.int64)
        if p_free:
            free_idx = np.flatnonzero(free)
            sites = np.union1d(sites, free_idx[np.argsort(fcost[free_idx])[:p_free]])
        empty = Packing(sites, np.zeros(0, dtype=np.int64), float(fcost[sites].sum()))
        return Stage(empty, empty.objective, True, None, details)
    keeper = _Incumbent(rel, p is not None)
    bound, lam, it1 = ascend(
        rel, deadline, upper=keeper.value, on_sites=keeper.offer, integral=integral, dp=False
    )
    details["lagrangian_fractional_bound"] = bound
    details["fractional_seconds"] = round(deadline.elapsed(), 3)
    details["lagrangian_iterations"] = it1
    if keeper.best is not None and not deadline.expired():
        pool = np.flatnonzero(free)
        v = np.full(m, math.inf)
        v[pool] = 0.0
        keeper.best = improve_sites(
            a,
            d,
            cap,
            fcost,
            keeper.best,
            free=free,
            p_fixed=p is not None,
            deadline=deadline,
            candidates=pool,
        )
    details["lagrangian_bound"] = bound
    inc = keeper.best
    if inc is None:
        details["heuristic_tries"] = keeper.tries
        return Stage(None, bound, False, None, details)
    if _met(bound, inc.objective, integral):
        return _done(keeper, bound, details)
    fixing = fix(rel, lam, inc.objective, integral=integral, dp=False)
    bound = max(bound, fixing.bound)
    if single and not deadline.expired():
        # 0-1 knapsacks on what the fractional phase left: a stronger bound, more fixing
        narrow = _restrict(rel, fixing)
        if dp_affordable(narrow) and narrow.free.any():
            bound2, lam2, it2 = ascend(
                narrow,
                deadline,
                upper=keeper.value,
                on_sites=keeper.offer,
                integral=integral,
                dp=True,
                lam0=lam,
                iterations=80,
                mu0=0.5,
                patience=8,
            )
            details["lagrangian_iterations"] = it1 + it2
            details["lagrangian_knapsack_bound"] = bound2
            details["knapsack_seconds"] = round(deadline.elapsed(), 3)
            assert keeper.best is not None
            if _met(bound2, keeper.value(), integral):
                return _done(keeper, bound2, details)
            again = fix(narrow, lam2, keeper.value(), integral=integral, dp=True)
            fixing = Fixing(
                max(bound, again.bound),
                lam2,
                fixing.pair_ok & again.pair_ok,
                fixing.col_closed | again.col_closed,
                fixing.col_open | again.col_open,
                0,
            )
            bound = fixing.bound
    details["lagrangian_bound"] = bound
    # the best sites assigned exactly, then a kernel MIP; either may improve the incumbent
    better = keeper.polish(_share(deadline, _POLISH_SHARE, _POLISH_MAX_S))
    if better:
        details["exact_assignment_objective"] = keeper.value()
    details["heuristic_objective"] = keeper.value()
    details["heuristic_tries"] = keeper.tries
    if not deadline.expired() and not _met(bound, keeper.value(), integral):
        better = _kernel(rel, keeper, fixing, deadline, integral) or better
        details["kernel_objective"] = keeper.value()
    if better and _met(bound, keeper.value(), integral):
        return _done(keeper, bound, details)
    if better:
        fixing = _refix(rel, fixing, keeper.value(), integral, single)
        bound = max(bound, fixing.bound)
    details["fixed_closed"] = int(fixing.col_closed.sum())
    details["fixed_open"] = int(fixing.col_open.sum())
    details["stage_seconds"] = round(deadline.elapsed(), 3)
    return Stage(keeper.best, bound, False, fixing, details)


def _refix(rel: Relaxation, fixing: Fixing, ub: float, integral: bool, single: bool) -> Fixing:
    """Fixing again against a better incumbent, on the model already narrowed."""
    narrow = _restrict(rel, fixing)
    dp = single and dp_affordable(narrow)
    again = fix(narrow, fixing.lam, ub, integral=integral, dp=dp)
    return Fixing(
        max(fixing.bound, again.bound),
        fixing.lam,
        fixing.pair_ok & again.pair_ok,
        fixing.col_closed | again.col_closed,
        fixing.col_open | again.col_open,
        0,
    )


def _kernel(
    rel: Relaxation, keeper: _Incumbent, fixing: Fixing, deadline: Deadline, integral: bool
) -> bool:
    """A MIP over the columns the relaxation opened most often (a kernel search), with
    a short budget; the incumbent is replaced when it finds better.  Heuristic only."""
    assert keeper.best is not None
    usable = (rel.free | np.isin(np.arange(len(rel.free)), rel.fixed)) & ~fixing.col_closed
    want = 3 * max(1, rel.p_free if rel.p_free is not None else len(keeper.best.sites))
    order = np.argsort(-keeper.count, kind="stable")
    order = order[usable[order] & (keeper.count[order] > 0)][:want]
    cols = np.union1d(np.union1d(order, keeper.best.sites), rel.fixed).astype(np.int64)
    allowed = np.zeros(len(rel.free), dtype=bool)
    allowed[cols] = True
    pairs = fixing.pair_ok & allowed[None, :]
    ii, jj = np.nonzero(pairs)
    n = rel.a.shape[0]
    _, lp = capacitated_model(
        np.where(pairs, rel.a, np.inf),
        rel.d,
        np.ones(n),
        rel.cap,
        rel.fcost,
        ii=ii,
        jj=jj,
        p=None if rel.p_free is None else rel.p_free + len(rel.fixed),
        fixed=rel.fixed,
        allowed=allowed,
        single_sourcing=rel.single,
    )
    budget = Deadline(min(deadline.remaining(), 0.5 + 0.02 * len(cols)))
    h = new_highs(budget, heuristics=True)
    h.passModel(lp)
    ub = keeper.value()
    cut = ub - 1.0 + 1e-6 * max(1.0, abs(ub)) if integral else ub - 1e-9 * max(1.0, abs(ub))
    out = run_mip(h, budget, cutoff=cut)
    if out.x is None or not out.objective < ub:
        return False
    m = len(rel.free)
    y = out.x[:m] > 0.5
    x = out.x[m:]
    if not rel.single:
        return False  # shares are not a packing; the final MIP gets the cutoff anyway
    assign = np.full(n, -1, dtype=np.int64)
    sel = x > 0.5
    assign[ii[sel]] = jj[sel]
    if (assign < 0).any():
        return False
    value = float(rel.fcost[y].sum() + rel.a[np.arange(n), assign].sum())
    keeper.best = Packing(np.flatnonzero(y), assign, value)
    return True


def _done(keeper: _Incumbent, bound: float, details: dict[str, object]) -> Stage:
    details["heuristic_objective"] = keeper.value()
    details["heuristic_tries"] = keeper.tries
    return Stage(keeper.best, bound, True, None, details)


def _restrict(rel: Relaxation, fixing: Fixing) -> Relaxation:
    """The model an improving solution lives in: fixed-closed columns banned, fixed-open
    ones forced, dropped pairs not allowed."""
    free = rel.free & ~fixing.col_closed & ~fixing.col_open
    fixed = np.union1d(rel.fixed, np.flatnonzero(fixing.col_open)).astype(np.int64)
    p_free = None if rel.p_free is None else rel.p_free - int(fixing.col_open.sum())
    return Relaxation(
        a=np.where(fixing.pair_ok, rel.a, np.inf),
        d=rel.d,
        cap=rel.cap,
        fcost=rel.fcost,
        free=free,
        fixed=fixed,
        p_free=p_free,
        k_min=_k_min(rel.cap, free, fixed, float(rel.d.sum())) if rel.p_free is None else 0,
        single=rel.single,
    )


def _met(bound: float, ub: float, integral: bool) -> bool:
    if not (math.isfinite(bound) and math.isfinite(ub)):
        return False
    if integral:
        return math.ceil(bound - 1e-6 * max(1.0, abs(bound))) >= ub
    return bound >= ub - 1e-9 * max(1.0, abs(ub))
