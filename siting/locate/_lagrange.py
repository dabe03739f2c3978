"""Lagrangian bound and candidate reduction for the p-median (private).

Relaxing the assignment rows ``Σ_j x_ij = 1`` of the classic p-median with
multipliers ``λ`` gives (Cornuéjols, Fisher & Nemhauser 1977; Beasley 1993)

    L(λ) = Σ_i λ_i + Σ_{j ∈ S(λ)} ρ_j,     ρ_j = Σ_i min(0, W_ij − λ_i),

where ``S(λ)`` is the fixed columns plus the ``p − |fixed|`` other usable columns
of smallest ``ρ``.  Every ``λ`` gives a valid lower bound, whatever the
subgradient method that chose it; its maximum equals the LP bound.  One
evaluation is a pass over the ``n × m`` matrix, so the bound is cheap where the
LP is not: few (weighted) clients against many candidates.

Reduction: a column ``j`` outside ``S`` can only be in a solution of cost at
least ``L(λ) + ρ_j − ρ_last`` (``ρ_last`` = the largest ``ρ`` in ``S`` among the
free columns); when that exceeds ``ub − step`` no *improving* solution opens
``j`` and the column is dropped.  The incumbent's own columns are always kept,
so the reduced problem contains the incumbent and every improving solution:
its optimum is the optimum of the whole problem and its bound (capped at the
incumbent) a bound of the whole problem.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from siting.locate._highs import Deadline

__all__ = ["LagrangeResult", "lagrangian_reduce"]

logger = logging.getLogger(__name__)

# Rows per chunk of the dense passes (bounds the temporaries to ~ CHUNK × m floats).
_CHUNK_CELLS = 4_000_000
STALL = 30
# Subgradient iterations after which the local search is run from S(λ).
_HEURISTIC_AT = frozenset({1, 40, 150, 400, 750})
# From given multipliers: the first step factor, and the early iterations at which
# the reduction is tried (a warm λ is often good enough at once).
_WARM_MU = 1.0
_WARM_CHECKS = frozenset({1, 10, 25})


@dataclass(frozen=True)
class LagrangeResult:
    """Outcome of `lagrangian_reduce`.

    Attributes
    ----------
    bound : float
        The best Lagrangian lower bound found (recomputed in float64).
    keep : numpy.ndarray
        ``(m,)`` bool: columns that may be open in an improving solution.
    iterations : int
        Subgradient iterations run.
    incumbent : numpy.ndarray
        The best open set known (the given one or one found from ``S(λ)``).
    ub : float
        Its cost.
    multipliers : numpy.ndarray
        ``(n,)``: the ``λ`` of ``bound`` (a warm start for a later, similar solve).
    """

    bound: float
    keep: np.ndarray
    iterations: int
    incumbent: np.ndarray
    ub: float
    multipliers: np.ndarray


def _pass(
    w: np.ndarray, lam: np.ndarray, want_count: bool, chosen: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Column sums ρ of ``min(0, W − λ)``; with ``chosen``, per row the count of
    chosen columns with ``W_ij < λ_i``."""
    n, m = w.shape
    rho = np.zeros(m, dtype=w.dtype)
    count = np.zeros(n) if want_count else None
    step = max(1, _CHUNK_CELLS // max(m, 1))
    for a in range(0, n, step):
        b = min(n, a + step)
        d = w[a:b] - lam[a:b, None]
        np.minimum(d, 0.0, out=d)
        rho += d.sum(axis=0)
        if count is not None and chosen is not None:
            count[a:b] = (d[:, chosen] < 0.0).sum(axis=1)
    return rho, count


def _kept(
    rho: np.ndarray,
    chosen: np.ndarray,
    *,
    bound: float,
    limit: float,
    allowed: np.ndarray,
    is_fixed: np.ndarray,
    incumbent: np.ndarray,
) -> np.ndarray:
    """Columns that may be open in a solution of cost ≤ ``limit`` given ``L = bound``."""
    m = len(rho)
    in_s = np.zeros(m, dtype=bool)
    in_s[chosen] = True
    free_chosen = chosen[~is_fixed[chosen]]
    last = float(rho[free_chosen].max()) if len(free_chosen) else 0.0
    # Cost of any solution opening j ∉ S is at least bound + ρ_j − ρ_last.
    keep = allowed & ~(~in_s & (rho - last > limit - bound))
    keep[incumbent] = True
    return keep


def _select(rho: np.ndarray, p: int, fixed: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Columns S(λ): the fixed ones plus the ``p − |fixed|`` free ones of smallest ρ."""
    k = p - len(fixed)
    if k <= 0:
        return fixed
    vals = rho[free]
    part = np.argpartition(vals, k - 1)[:k] if k < len(vals) else np.arange(len(vals))
    return np.concatenate([fixed, free[part]])


def lagrangian_reduce(
    wcost: np.ndarray,
    p: int,
    *,
    fixed: np.ndarray,
    allowed: np.ndarray,
    incumbent: np.ndarray,
    ub: float,
    step: float,
    deadline: Deadline,
    max_iter: int = 1000,
    improve: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, float]] | None = None,
    multipliers: np.ndarray | None = None,
) -> LagrangeResult:
    """Subgradient ascent on ``L(λ)`` and reduced-cost column reduction.

    Parameters
    ----------
    wcost : numpy.ndarray
        ``(n, m)`` weighted costs, ``inf`` = not allowed.
    p : int
        Number of sites.
    fixed : numpy.ndarray
        Columns forced open.
    allowed : numpy.ndarray
        ``(m,)`` bool mask of usable columns.
    incumbent : numpy.ndarray
        A feasible open set of cost ``ub`` (its columns are always kept).
    ub : float
        The incumbent's cost.
    step : float
        Minimum improvement of an improving solution (1 for integer data, else 0).
    deadline : Deadline
        Stops the ascent early (the bound so far stays valid).
    max_iter : int
        Subgradient iterations at most.
    improve : callable, optional
        ``improve(start, pool) -> (sites, cost)``: a local search from a start set
        over the columns ``pool``.  It is
        run from ``S(λ)`` now and then (a Lagrangian heuristic, Beasley 1993); a
        better result replaces the incumbent, which sharpens both the step size and
        the reduction.
    multipliers : numpy.ndarray, optional
        ``(n,)`` starting ``λ`` (``nan`` = no value for that row), e.g. the
        multipliers of a previous solve of a similar model: the ascent then starts
        near its end, with a smaller step.  Any ``λ`` gives a valid bound, so a poor
        start costs time, never correctness.
    """
    m = wcost.shape[1]
    fixed = np.asarray(fixed, dtype=np.int64)
    is_fixed = np.zeros(m, dtype=bool)
    is_fixed[fixed] = True
    free = np.flatnonzero(allowed & ~is_fixed)
    # λ_i = the incumbent's cost of row i: L(λ) then starts near the incumbent's savings.
    sub = wcost[:, np.asarray(incumbent, dtype=np.int64)]
    lam = sub.min(axis=1)
    finite_row = np.where(np.isfinite(wcost), wcost, -np.inf).max(axis=1)
    if len(fixed):
        # a fixed column is open: λ_i above its cost cannot raise L(λ)
        finite_row = np.minimum(finite_row, wcost[:, fixed].min(axis=1))
    lam = np.minimum(np.where(np.isfinite(lam), lam, finite_row), finite_row)
    warm = multipliers is not None
    if warm:
        given = np.asarray(multipliers, dtype=float)
        lam = np.clip(np.where(np.isfinite(given), given, lam), 0.0, finite_row)
    scale = np.where(np.isfinite(wcost), wcost, np.nan)
    scale = np.nan_to_num(np.nanmedian(scale, axis=1), nan=1.0) + 1e-12
    best_l, best_lam = -math.inf, lam.copy()
    mu, stall = (_WARM_MU if warm else 2.0), 0
    tol = 1e-7 * max(1.0, abs(ub))
    it = 0
    incumbent = np.asarray(incumbent, dtype=np.int64)
    tried: set[tuple[int, ...]] = set()
    improve_s = 0.0
    misses = 0  # local searches in a row that found nothing better
    # The search runs in float32 (half the memory traffic); bounds are float64.
    w32 = wcost.astype(np.float32)
    for it in range(1, max_iter + 1):
        rho, _ = _pass(w32, lam.astype(np.float32), want_count=False)
        rho = rho.astype(np.float64)
        rho[~allowed] = np.inf
        chosen = _select(rho, p, fixed, free)
        value = float(lam.sum() + rho[chosen].sum())
        key = tuple(sorted(int(j) for j in chosen))
        if improve is not None and it in _HEURISTIC_AT and key not in tried and misses < 2:
            tried.add(key)
            t_improve = time.perf_counter()
            # Search among the columns of smallest ρ only (and the current sets): the
            # others are poor sites at this λ, and a full n × m interchange is slow.
            k = min(len(free), 10 * p + 200)
            pool = free[np.argpartition(rho[free], k - 1)[:k]] if k < len(free) else free
            pool = np.union1d(np.union1d(pool, chosen), np.union1d(incumbent, fixed))
            sites, cost = improve(chosen, pool)
            improve_s += time.perf_counter() - t_improve
            misses += 1
            if cost < ub:
                incumbent, ub, misses = np.asarray(sites, dtype=np.int64), cost, 0
                tol = 1e-7 * max(1.0, abs(ub))
        if value > best_l + 1e-9 * max(1.0, abs(value)):
            best_l, best_lam, stall = value, lam.copy(), 0
        else:
            stall += 1
            if stall >= STALL:
                mu, stall = mu / 2.0, 0
        if best_l >= ub - step - tol or mu < 1e-4 or deadline.expired():
            break
        if (it % 50 == 0 or (warm and it in _WARM_CHECKS)) and ub - best_l < 1e-3 * abs(ub):
            # Close enough for the exact phase: stop once the reduction is strong.
            rho_b, _ = _pass(wcost, best_lam, want_count=False)
            rho_b[~allowed] = np.inf
            chosen_b = _select(rho_b, p, fixed, free)
            value_b = float(best_lam.sum() + rho_b[chosen_b].sum())
            kept = _kept(
                rho_b,
                chosen_b,
                bound=value_b,
                limit=ub - step + tol,
                allowed=allowed,
                is_fixed=is_fixed,
                incumbent=incumbent,
            )
            if kept.sum() <= 4 * p + 20:
                break
        # Subgradient of the relaxed rows: 1 − (number of chosen columns cheaper than λ_i).
        cnt = ((w32[:, chosen] - lam[:, None].astype(np.float32)) < 0.0).sum(axis=1)
        g = 1.0 - cnt
        # Direction scaled by each row's cost scale (its weight): a plain subgradient
        # moves every λ_i by the same amount, hopeless when weights span 10^4.
        d = scale * g
        norm = float(g @ d)
        if norm == 0.0:
            break  # λ is optimal: the relaxed solution is feasible
        target = ub if math.isfinite(ub) else abs(value) * 1.05 + 1.0
        lam = lam + mu * max(target - value, 1e-9 * max(1.0, abs(target))) / norm * d
        lam = np.minimum(np.maximum(lam, 0.0), finite_row)
    # Final, careful evaluation at the best λ (float64 throughout).
    rho, _ = _pass(wcost, best_lam, want_count=False)
    rho[~allowed] = np.inf
    chosen = _select(rho, p, fixed, free)
    bound = float(best_lam.sum() + rho[chosen].sum())
    if improve is not None and bound < ub - step - tol and not deadline.expired():
        # A last local search from S(λ*): after a poor (e.g. warm) start the bound can
        # be tight while the incumbent is not, and the reduction needs both.
        k = min(len(free), 10 * p + 200)
        pool = free[np.argpartition(rho[free], k - 1)[:k]] if k < len(free) else free
        pool = np.union1d(np.union1d(pool, chosen), np.union1d(incumbent, fixed))
        sites, cost = improve(chosen, pool)
        if cost < ub:
            incumbent, ub = np.asarray(sites, dtype=np.int64), cost
            tol = 1e-7 * max(1.0, abs(ub))
    keep = allowed.copy()
    if math.isfinite(ub):
        keep = _kept(
            rho,
            chosen,
            bound=bound,
            limit=ub - step + tol,
            allowed=allowed,
            is_fixed=is_fixed,
            incumbent=incumbent,
        )
    logger.debug(
        "Lagrangian: bound %.6g after %d iterations (%.2f s in local search), %d of %d kept",
        bound,
        it,
        improve_s,
        int(keep.sum()),
        int(allowed.sum()),
    )
    return LagrangeResult(
        bound=bound,
        keep=keep,
        iterations=it,
        incumbent=np.sort(incumbent),
        ub=ub,
        multipliers=best_lam,
    )
