"""The p-median: minimise the weighted sum of each demand row's cost to its nearest open site."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike

from siting.errors import InfeasibleError, SitingError
from siting.locate._checks import (
    check_columns,
    check_cost,
    check_count,
    check_indices,
    check_reachable,
    check_time_limit,
    check_weights,
)
from siting.locate._heuristics import greedy_interchange
from siting.locate._median import _large, solve_median
from siting.locate.results import (
    Solution,
    _assign,
    _block,
    _make,
)

__all__ = ["p_median"]

logger = logging.getLogger(__name__)


# p-median
# ----------------------------------------------------------------------------------------


def p_median(
    cost: ArrayLike,
    weights: ArrayLike,
    p: int,
    *,
    time_limit_s: float | None = None,
    fixed: Iterable[int] = (),
    banned: Iterable[int] = (),
    start: Solution | Iterable[int] | None = None,
) -> Solution:
    """Open ``p`` sites minimising Σ weight × cost of each row to its nearest open site.

    Parameters
    ----------
    cost : array_like
        ``(n_demand, n_candidates)`` costs, ``inf`` = not allowed.
    weights : array_like
        ``(n_demand,)`` non-negative weights.  Rows of weight 0 do not constrain
        the solution; they are assigned to their nearest open site (``-1`` if
        none can reach them).
    p : int
        Number of sites to open, ``1 <= p <=`` usable candidates.
    time_limit_s : float, optional
        Wall-clock budget; the best solution and its certified gap are returned
        when it runs out.
    fixed, banned : sequence of int
        Candidate columns forced open / never opened.
    start : Solution or sequence of int, optional
        Warm start: a previous plan (its ``sites``) or candidate columns, e.g. the
        plan before a small change of weights or costs, or before forcing a site
        open with ``fixed``.  It is made feasible (fixed columns added, banned ones
        dropped, completed greedily or trimmed to ``p``) and improved by vertex
        substitution, then used as the incumbent instead of the cold greedy start.
        A Solution of a model large enough for the Lagrangian phase also hands
        over its ``multipliers``, so the ascent starts where it ended, and one
        solved by branch-and-Benders-cut its ``pseudo_costs``, so the new tree
        branches on what the last one learnt (per unit weight: a change of weights
        rescales them).  The result is the same optimum; only the time changes.

    Returns
    -------
    Solution
        ``objective`` = Σ weight × cost.

    Raises
    ------
    ValueError
        Bad arguments.
    siting.errors.InfeasibleError
        No ``p`` sites can serve every weighted row (``inf`` costs, banned sites).

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.array([[0.0, 4.0, 9.0], [4.0, 0.0, 5.0], [9.0, 5.0, 0.0]])
    >>> sol = p_median(cost, [1, 1, 3], 1)
    >>> sol.sites, sol.objective, sol.assignment.tolist()
    ([2], 14.0, [2, 2, 2])
    """
    t0 = time.perf_counter()
    c = check_cost(cost)
    n, m = c.shape
    w = check_weights(weights, n)
    fixed_idx, allowed = check_columns(m, fixed, banned)
    p = check_count(p, allowed, fixed_idx)
    limit = check_time_limit(time_limit_s)
    check_reachable(c, allowed, np.flatnonzero(w > 0), "p_median")
    block = _block(c, w, p, fixed_idx, allowed)
    rows = np.flatnonzero(w > 0)  # the block's rows
    warm = lam = pseudo = None
    if start is not None:
        cols = check_indices(start.sites if isinstance(start, Solution) else start, m, "start")
        warm = [
            greedy_interchange(
                block.wcost,
                p,
                fixed=fixed_idx,
                allowed=allowed,
                start=cols[allowed[cols]],
                # a large model's Lagrangian phase searches from better starts
                max_swaps=0 if _large(block) else 10_000,
            )
        ]
        prev = start.multipliers if isinstance(start, Solution) else None
        if prev is not None and len(prev) == n and len(rows):
            lam = prev[rows] * w[rows]  # per unit weight → this model's weights
        pseudo = _from_unit(start.pseudo_costs if isinstance(start, Solution) else None, rows, w)
    res = solve_median(
        [block], start=warm, time_limit_s=limit, multipliers=lam, pseudo_costs=pseudo
    )
    if not res.sites:
        if res.status == "infeasible":
            msg = (
                f"p_median: no {p} site(s) can serve every demand row of positive weight "
                "(inf costs / banned sites leave some row unreachable)"
            )
            raise InfeasibleError(msg)
        msg = f"p_median: no feasible solution found within time_limit_s={limit} ({res.status})"
        raise SitingError(msg)
    sites = res.sites[0]
    return _make(
        "p_median",
        res.objective,
        sites,
        _assign(c, sites),
        proven=res.proven,
        bound=res.lower_bound,
        t0=t0,
        status=res.status.lower(),
        details=dict(res.details),
        multipliers=_per_unit(res.multipliers, rows, w),
        pseudo_costs=_to_unit(res.pseudo_costs, rows, w),
    )


def _per_unit(lam: np.ndarray | None, rows: np.ndarray, w: np.ndarray) -> np.ndarray | None:
    """The block's multipliers per unit weight of each demand row (``nan`` off it)."""
    if lam is None or len(lam) != len(rows):
        return None
    out = np.full(len(w), np.nan)
    out[rows] = lam / w[rows]
    return out


def _to_unit(pc: np.ndarray | None, rows: np.ndarray, w: np.ndarray) -> np.ndarray | None:
    """The tree's pseudo-costs per demand row, totals per unit weight (``nan`` off
    the block's rows)."""
    if pc is None or pc.shape != (2, 2, len(rows)):
        return None
    out = np.full((2, 2, len(w)), np.nan)
    out[0][:, rows] = pc[0] / w[rows]
    out[1][:, rows] = pc[1]
    return out


def _from_unit(pc: np.ndarray | None, rows: np.ndarray, w: np.ndarray) -> np.ndarray | None:
    """`_to_unit` undone for this model's weights (a row with no record, ``nan``, starts
    without one: `siting.locate._benders` skips non-finite entries)."""
    if pc is None or pc.shape != (2, 2, len(w)) or not len(rows):
        return None
    return np.stack([pc[0][:, rows] * w[rows], pc[1][:, rows]])


# ----------------------------------------------------------------------------------------
