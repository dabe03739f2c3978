"""A feasible incumbent for the capacitated model behind `siting.locate.fixed_charge`
(private): given open sites, a single-sourced assignment that respects every capacity
(regret greedy, then shift and swap local search, or exactly: the generalised
assignment MIP on HiGHS), and site-level moves (close, swap) around it.

A single-sourced assignment is feasible for the split-demand model too, so the same
incumbent serves both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siting.locate._highs import Deadline, new_highs, run_mip
from siting.locate._mip import capacitated_model

__all__ = ["Packing", "assign_capacitated", "assign_exact", "improve_sites", "relocate"]

_TOL = 1e-9


@dataclass(frozen=True)
class Packing:
    """Sites and a single-sourced assignment (``assign[i]`` a column index, -1 = no row)."""

    sites: np.ndarray
    assign: np.ndarray
    objective: float


def _greedy(a: np.ndarray, d: np.ndarray, cap: np.ndarray, order: np.ndarray) -> np.ndarray | None:
    """Rows in ``order`` to their cheapest open column with room; ``None`` if one does not fit."""
    n = a.shape[0]
    left = cap.astype(float).copy()
    cur = np.full(n, -1, dtype=np.int64)
    for i in order:
        ok = np.isfinite(a[i]) & (left >= d[i] - _TOL)
        if not ok.any():
            return None
        j = int(np.argmin(np.where(ok, a[i], np.inf)))
        cur[i] = j
        left[j] -= d[i]
    return cur


def _local_search(
    a: np.ndarray, d: np.ndarray, cap: np.ndarray, cur: np.ndarray, max_moves: int = 20_000
) -> np.ndarray:
    """Best-improvement shift (one row to another column) and swap (two rows exchange
    columns) moves until neither improves; capacities stay respected."""
    n, k = a.shape
    rows = np.arange(n)
    load = np.bincount(cur, weights=d, minlength=k)
    for _ in range(max_moves):
        here = a[rows, cur]
        # shift
        room = cap[None, :] - load[None, :] >= d[:, None] - _TOL
        delta = np.where(room, a - here[:, None], np.inf)
        delta[rows, cur] = np.inf
        i, j = np.unravel_index(int(np.argmin(delta)), delta.shape)
        if delta[i, j] < -_TOL:
            load[cur[i]] -= d[i]
            load[j] += d[i]
            cur[i] = j
            continue
        # swap: row i moves to cur[q] and row q to cur[i]
        to = a[:, cur]  # to[i, q] = cost of row i at row q's column
        gain = to + to.T - here[:, None] - here[None, :]
        slack = cap[cur] - load[cur]  # slack of each row's column
        fit = (d[:, None] - d[None, :] <= slack[None, :] + _TOL) & (
            d[None, :] - d[:, None] <= slack[:, None] + _TOL
        )
        gain = np.where(fit & (cur[:, None] != cur[None, :]), gain, np.inf)
        i, q = np.unravel_index(int(np.argmin(gain)), gain.shape)
        if not gain[i, q] < -_TOL:
            break
        ji, jq = cur[i], cur[q]
        load[ji] += d[q] - d[i]
        load[jq] += d[i] - d[q]
        cur[i], cur[q] = jq, ji
    return cur


def assign_capacitated(
    a: np.ndarray, d: np.ndarray, cap: np.ndarray, fcost: np.ndarray, sites: np.ndarray
) -> Packing | None:
    """A single-sourced assignment of every row of ``a`` to ``sites`` within ``cap``.

    ``a`` is the ``(n, m)`` assignment cost (``inf`` = not allowed), ``d`` the
    demand, ``cap`` and ``fcost`` per column.  Two greedy orders (largest regret,
    largest demand) each followed by local search; ``None`` when neither fits.
    """
    sites = np.asarray(sites, dtype=np.int64)
    sub = a[:, sites]
    capk = cap[sites]
    n = len(d)
    if n == 0:
        return Packing(sites, np.zeros(0, dtype=np.int64), float(fcost[sites].sum()))
    best: Packing | None = None
    part = np.sort(np.where(np.isfinite(sub), sub, 1e300), axis=1)
    regret = part[:, 1] - part[:, 0] if sub.shape[1] > 1 else np.zeros(n)
    orders = (
        np.lexsort((-d, -np.minimum(regret, 1e200))),
        np.argsort(-d, kind="stable"),
    )
    for order in orders:
        cur = _greedy(sub, d, capk, order)
        if cur is None:
            continue
        cur = _local_search(sub, d, capk, cur)
        value = float(fcost[sites].sum() + sub[np.arange(n), cur].sum())
        if best is None or value < best.objective - _TOL:
            best = Packing(sites, sites[cur], value)
    return best


def assign_exact(
    a: np.ndarray,
    d: np.ndarray,
    cap: np.ndarray,
    fcost: np.ndarray,
    sites: np.ndarray,
    *,
    below: float,
    deadline: Deadline,
) -> Packing | None:
    """The best single-sourced assignment to ``sites`` (the generalised assignment
    problem, a HiGHS MIP), when it costs less than ``below``; else ``None``.

    The greedy and local search of `assign_capacitated` can stay a few per cent above
    this on tight capacities (pmedcap14's optimal sites: 1,000 against 982) or find
    no fit where one exists; the MIP takes 10-100 ms at n = 100-200.  A run stopped
    by ``deadline`` returns what it found.
    """
    sites = np.asarray(sites, dtype=np.int64)
    n, m = a.shape
    allowed = np.zeros(m, dtype=bool)
    allowed[sites] = True
    ii, jj = np.nonzero(np.isfinite(a) & allowed[None, :])
    if n == 0 or deadline.expired() or len(np.unique(ii)) < n:
        return None
    # the strong model with every site fixed open is the generalised assignment
    _, lp = capacitated_model(
        a,
        d,
        np.ones(n),
        cap,
        fcost,
        ii=ii,
        jj=jj,
        p=len(sites),
        fixed=sites,
        allowed=allowed,
        single_sourcing=True,
    )
    h = new_highs(deadline)
    h.passModel(lp)
    cutoff = below - 1e-9 * max(1.0, abs(below)) if np.isfinite(below) else None
    out = run_mip(h, deadline, cutoff=cutoff)
    if out.x is None or not out.objective < below:
        return None
    pick = out.x[m:] > 0.5
    assign = np.full(n, -1, dtype=np.int64)
    assign[ii[pick]] = jj[pick]
    if (assign < 0).any():
        return None
    loads = np.bincount(assign, weights=d, minlength=len(cap))
    if (loads[sites] > cap[sites] + _TOL * np.maximum(1.0, cap[sites])).any():
        return None
    return Packing(sites, assign, float(fcost[sites].sum() + a[np.arange(n), assign].sum()))


def relocate(
    a: np.ndarray,
    d: np.ndarray,
    cap: np.ndarray,
    fcost: np.ndarray,
    start: Packing,
    *,
    free: np.ndarray,
    rounds: int = 20,
) -> Packing:
    """Location-allocation moves (Cooper's alternation, capacitated): each free open
    site moves to the column that serves the rows assigned to it most cheaply and
    has room for them, then the assignment is improved by shift and swap moves;
    repeated while the objective falls.  Every step keeps the packing feasible, so
    the result is never worse than ``start``.
    """
    best = start
    n = len(d)
    rows = np.arange(n)
    for _ in range(rounds):
        sites = best.sites.copy()
        assign = best.assign.copy()
        moved = False
        for k, j in enumerate(best.sites):
            if not free[j]:
                continue
            mine = assign == j
            if not mine.any():
                continue
            load = float(d[mine].sum())
            cost = a[mine].sum(axis=0) + fcost
            ok = free & (cap >= load - _TOL) & ~np.isin(np.arange(len(cap)), sites)
            ok[j] = True
            q = int(np.argmin(np.where(ok, cost, np.inf)))
            if q != j and cost[q] < cost[j] - _TOL:
                sites[k] = q
                assign[mine] = q
                moved = True
        if not moved:
            break
        order = np.argsort(sites)
        sites = sites[order]
        col = np.searchsorted(sites, assign)
        col = _local_search(a[:, sites], d, cap[sites], col)
        value = float(fcost[sites].sum() + a[rows, sites[col]].sum())
        if not value < best.objective - _TOL:
            break
        best = Packing(sites, sites[col], value)
    return best


def improve_sites(
    a: np.ndarray,
    d: np.ndarray,
    cap: np.ndarray,
    fcost: np.ndarray,
    start: Packing,
    *,
    free: np.ndarray,
    p_fixed: bool,
    deadline: Deadline,
    candidates: np.ndarray,
    rounds: int = 3,
) -> Packing:
    """Site moves around ``start``: close a free site (when the count is free) or swap a
    free open site for one of ``candidates``; first improvement, a few rounds.

    ``free`` marks columns that may be opened or closed (not forced open, not banned).
    """
    best = start
    need = d.sum() - _TOL

    def better(trial: np.ndarray) -> Packing | None:
        """The packing of ``trial`` when it fits and beats ``best``, else ``None``."""
        if cap[trial].sum() < need:
            return None
        got = assign_capacitated(a, d, cap, fcost, trial)
        if got is not None:
            got = relocate(a, d, cap, fcost, got, free=free)
        return got if got is not None and got.objective < best.objective - _TOL else None

    for _ in range(rounds):
        improved = False
        open_free = [int(j) for j in best.sites if free[j]]
        if not p_fixed:
            for j in open_free:
                if deadline.expired():
                    return best
                got = better(best.sites[best.sites != j])
                if got is not None:
                    best, improved = got, True
                    break
        if improved:
            continue
        for j in open_free:
            if j not in best.sites:
                continue
            # the rows served by j and where the candidates stand for them
            served = best.assign == j
            outside = candidates[~np.isin(candidates, best.sites)]
            if not len(outside) or not served.any():
                continue
            score = a[np.ix_(served, outside)].sum(axis=0) + fcost[outside]
            for q in outside[np.argsort(score, kind="stable")[:5]]:
                if deadline.expired():
                    return best
                got = better(np.sort(np.append(best.sites[best.sites != j], q)))
                if got is not None:
                    best, improved = got, True
                    break
            if improved:
                break
        if not improved:
            break
    return best
