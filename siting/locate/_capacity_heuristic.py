"""A feasible incumbent for the capacitated model behind `siting.locate.fixed_charge`
(private): given open sites, a single-sourced assignment that respects every capacity
(regret greedy, then shift and swap local search), and site-level moves (close, swap)
around it.

A single-sourced assignment is feasible for the split-demand model too, so the same
incumbent serves both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siting.locate._highs import Deadline

__all__ = ["Packing", "assign_capacitated", "improve_sites"]

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
