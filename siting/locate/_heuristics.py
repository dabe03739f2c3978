"""Blocks of a median model and its heuristic incumbent: greedy addition, then
Teitz–Bart vertex substitution with fast-interchange bookkeeping (Whitaker 1983;
Resende & Werneck 2007), vectorised.  Private to :mod:`siting.locate`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix

from siting.locate._highs import Deadline

__all__ = ["Block", "greedy_interchange", "nearest_open"]

logger = logging.getLogger(__name__)

_TOL = 1e-9


# ----------------------------------------------------------------------------------------
# Blocks, heuristics
# ----------------------------------------------------------------------------------------


@dataclass
class Block:
    """One facility type of a (joint) median model.

    Attributes
    ----------
    wcost : numpy.ndarray
        ``(n, m)`` weighted cost ``weight × cost`` (``inf`` = not allowed; banned
        columns are ``inf`` throughout).
    p : int
        Number of sites to open.
    fixed : numpy.ndarray
        Columns forced open.
    allowed : numpy.ndarray
        ``(m,)`` bool, columns this type may use.
    """

    wcost: np.ndarray
    p: int
    fixed: np.ndarray
    allowed: np.ndarray

    @property
    def n(self) -> int:
        """Number of (aggregated) demand rows."""
        return int(self.wcost.shape[0])

    @property
    def m(self) -> int:
        """Number of candidate columns."""
        return int(self.wcost.shape[1])


def nearest_open(wcost: np.ndarray, sites: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest open site of each row and its (weighted) cost (``inf`` if none)."""
    sites = np.asarray(sites, dtype=np.int64)
    if len(sites) == 0:
        n = wcost.shape[0]
        return np.full(n, -1, dtype=np.int64), np.full(n, np.inf)
    sub = wcost[:, sites]
    k = np.argmin(sub, axis=1)
    d = sub[np.arange(len(sub)), k]
    a = np.where(np.isfinite(d), sites[k], -1)
    return a, d


def _two_nearest(cost: np.ndarray, sites: np.ndarray) -> tuple[np.ndarray, ...]:
    sub = cost[:, sites]
    if len(sites) == 1:
        n = cost.shape[0]
        # No second site: any value >= every cost gives the exact swap profit
        # (Σ d1 − Σ cost_f) without inf − inf.
        return np.zeros(n, dtype=np.int64), sub[:, 0], np.full(n, float(cost.max()))
    part = np.argpartition(sub, 1, axis=1)[:, :2]
    v = np.take_along_axis(sub, part, axis=1)
    swap = v[:, 1] < v[:, 0]
    k1 = np.where(swap, part[:, 1], part[:, 0])
    d1 = np.where(swap, v[:, 1], v[:, 0])
    d2 = np.where(swap, v[:, 0], v[:, 1])
    return k1, d1, d2


def _penalised(wcost: np.ndarray) -> np.ndarray:
    """``wcost`` with ``inf`` replaced by a penalty worse than any feasible total."""
    finite = np.isfinite(wcost)
    top = float(np.abs(wcost[finite]).max()) if finite.any() else 1.0
    big = 1.0 + wcost.shape[0] * top * 4.0
    return np.where(finite, wcost, big)


def greedy_interchange(
    wcost: np.ndarray,
    p: int,
    *,
    fixed: np.ndarray,
    allowed: np.ndarray,
    start: np.ndarray | None = None,
    max_swaps: int = 10_000,
    deadline: Deadline | None = None,
) -> np.ndarray:
    """Greedy + best-improvement vertex substitution for the p-median.

    Parameters
    ----------
    wcost : numpy.ndarray
        ``(n, m)`` weighted costs, ``inf`` = not allowed (penalised internally).
    p : int
        Number of sites.
    fixed : numpy.ndarray
        Columns that stay open.
    allowed : numpy.ndarray
        ``(m,)`` bool mask of usable columns.
    start : numpy.ndarray, optional
        A starting set (completed greedily / trimmed to ``p``); greedy when omitted.
    max_swaps : int
        Safety cap on the number of swaps.
    deadline : Deadline, optional
        Stop swapping (keeping the current, feasible set) when it expires.

    Returns
    -------
    numpy.ndarray
        Sorted open columns (``p`` of them).
    """
    cost = _penalised(wcost)
    n, m = cost.shape
    fixed = np.asarray(fixed, dtype=np.int64)
    is_fixed = np.zeros(m, dtype=bool)
    is_fixed[fixed] = True
    is_open = is_fixed.copy()
    if start is not None:
        for j in np.asarray(start, dtype=np.int64):
            if is_open.sum() >= p:
                break
            if allowed[j]:
                is_open[j] = True
    d1 = cost[:, is_open].min(axis=1) if is_open.any() else None
    while is_open.sum() < p:
        if d1 is None:
            score = cost.sum(axis=0)
            score[~allowed | is_open] = np.inf
            j = int(np.argmin(score))
        else:
            gain = np.maximum(d1[:, None] - cost, 0.0).sum(axis=0)
            gain[~allowed | is_open] = -np.inf
            j = int(np.argmax(gain))
        is_open[j] = True
        d1 = cost[:, j].copy() if d1 is None else np.minimum(d1, cost[:, j])
    sites = np.flatnonzero(is_open)
    closed_ok = allowed & ~is_open
    for _ in range(max_swaps):
        if deadline is not None and deadline.expired():
            break
        if not closed_ok.any() or len(sites) <= len(fixed):
            break
        k1, d1, d2 = _two_nearest(cost, sites)
        total = float(d1.sum())
        gain = np.maximum(d1[:, None] - cost, 0.0).sum(axis=0)
        loss = np.bincount(k1, weights=d2 - d1, minlength=len(sites))
        extra_rows = np.maximum(d2[:, None] - np.maximum(cost, d1[:, None]), 0.0)
        member = csr_matrix((np.ones(n), (k1, np.arange(n))), shape=(len(sites), n))
        extra = np.asarray(member @ extra_rows)
        profit = gain[None, :] - loss[:, None] + extra
        profit[:, ~closed_ok] = -np.inf
        profit[is_fixed[sites], :] = -np.inf
        r, f = np.unravel_index(int(np.argmax(profit)), profit.shape)
        if not profit[r, f] > 1e-9 * max(1.0, abs(total)):
            break
        closed_ok[sites[r]] = allowed[sites[r]]
        closed_ok[f] = False
        sites = np.sort(np.concatenate([np.delete(sites, r), [f]]))
    return sites
