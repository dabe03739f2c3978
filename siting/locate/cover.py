"""Coverage and equity models: p-center, the set-covering LSCP and the maximal-covering MCLP."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from siting.errors import InfeasibleError, SitingError
from siting.locate._checks import (
    check_columns,
    check_cost,
    check_count,
    check_reachable,
    check_threshold,
    check_time_limit,
    check_weights,
    few,
)
from siting.locate._highs import INF, Deadline, build_lp, new_highs, run_mip
from siting.locate._mip import (
    center_greedy,
    center_radius,
    cover_at_most,
    pad_sites,
    set_cover,
    unique_rows,
)
from siting.locate.results import (
    Solution,
    _assign,
    _make,
)

__all__ = ["lscp", "mclp", "p_center"]

logger = logging.getLogger(__name__)


# p-center
# ----------------------------------------------------------------------------------------


def p_center(
    cost: ArrayLike,
    p: int,
    *,
    time_limit_s: float | None = None,
    fixed: Iterable[int] = (),
    banned: Iterable[int] = (),
) -> Solution:
    """Open ``p`` sites minimising the largest cost of a row to its nearest open site.

    Exact: a binary search over the sorted distinct costs between a lower bound
    (every row's cheapest usable candidate) and a greedy solution's radius; each
    step asks a set-cover MIP whether ``p`` sites can cover every row within the
    radius.  Every row is served.

    Parameters
    ----------
    cost : array_like
        ``(n_demand, n_candidates)`` costs, ``inf`` = not allowed.
    p : int
        Number of sites.
    time_limit_s : float, optional
        Wall-clock budget (best radius and certified gap returned on expiry).
    fixed, banned : sequence of int
        Candidate columns forced open / never opened.

    Returns
    -------
    Solution
        ``objective`` = the largest assigned cost.

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.array([[0.0, 4.0, 9.0], [4.0, 0.0, 5.0], [9.0, 5.0, 0.0]])
    >>> p_center(cost, 1).sites, p_center(cost, 1).objective
    ([1], 5.0)
    """
    t0 = time.perf_counter()
    c = check_cost(cost)
    n, m = c.shape
    fixed_idx, allowed = check_columns(m, fixed, banned)
    p = check_count(p, allowed, fixed_idx)
    limit = check_time_limit(time_limit_s)
    check_reachable(c, allowed, np.arange(n), "p_center")
    deadline = Deadline(limit)
    cu = np.where(allowed[None, :], c, np.inf)
    lower = float(cu.min(axis=1).max())
    best = center_greedy(cu, p, fixed_idx, allowed)
    upper = center_radius(cu, best)
    details: dict[str, Any] = {"heuristic_objective": upper, "cover_solves": 0}
    finite = cu[np.isfinite(cu)]
    radii = np.unique(finite[(finite >= lower) & (finite <= upper)])
    lo, hi = 0, len(radii) - 1  # radii[lo] is the smallest radius not ruled out
    free_cols = np.flatnonzero(allowed & ~np.isin(np.arange(m), fixed_idx))
    p_free = p - len(fixed_idx)
    status = "optimal"
    if math.isinf(upper):
        # the greedy could not serve every row: search the whole range
        radii = np.unique(finite[finite >= lower])
        hi = len(radii)
    while lo < hi:
        if deadline.expired():
            status = "time limit reached"
            break
        mid = (lo + hi) // 2
        r = radii[mid]
        within = cu <= r
        todo = ~within[:, fixed_idx].any(axis=1) if len(fixed_idx) else np.ones(n, dtype=bool)
        details["cover_solves"] += 1
        out = cover_at_most(within[np.ix_(todo, free_cols)], p_free, deadline)
        if out.sites is not None and out.count <= p_free:
            cand = np.concatenate([fixed_idx, free_cols[out.sites]])
            cand = pad_sites(cu, cand, p, allowed)
            value = center_radius(cu, cand)
            if value < upper or math.isinf(upper):
                best, upper = cand, value
            hi = min(hi, int(np.searchsorted(radii, upper)))
        elif out.status == "infeasible" or out.bound > p_free:
            lo = mid + 1
        else:
            status = "time limit reached"
            break
    if math.isinf(upper):
        if lo >= hi:
            msg = f"p_center: no {p} site(s) can serve every demand row"
            raise InfeasibleError(msg)
        msg = f"p_center: no feasible solution found within time_limit_s={limit}"
        raise SitingError(msg)
    proven = lo >= hi
    bound = float(radii[min(lo, len(radii) - 1)]) if len(radii) else upper
    return _make(
        "p_center",
        upper,
        best,
        _assign(cu, best),
        proven=proven,
        bound=min(bound, upper),
        t0=t0,
        status="optimal" if proven else status,
        details=details,
    )


# ----------------------------------------------------------------------------------------
# LSCP and MCLP
# ----------------------------------------------------------------------------------------


def lscp(
    cost: ArrayLike,
    threshold: float,
    *,
    time_limit_s: float | None = None,
    fixed: Iterable[int] = (),
    banned: Iterable[int] = (),
) -> Solution:
    """Open the fewest sites so that every demand row has one within ``threshold``.

    Parameters
    ----------
    cost : array_like
        ``(n_demand, n_candidates)`` costs, ``inf`` = not allowed.
    threshold : float
        A row is covered by a site when ``cost <= threshold``.
    time_limit_s : float, optional
        Wall-clock budget.
    fixed, banned : sequence of int
        Candidate columns forced open / never opened (fixed sites count).

    Returns
    -------
    Solution
        ``objective`` = number of open sites; each row assigned to its nearest
        open site.

    Raises
    ------
    siting.errors.InfeasibleError
        Some row has no usable candidate within ``threshold``.

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.array([[0.0, 4.0, 9.0], [4.0, 0.0, 5.0], [9.0, 5.0, 0.0]])
    >>> lscp(cost, 5).sites
    [1]
    """
    t0 = time.perf_counter()
    c = check_cost(cost)
    n, m = c.shape
    fixed_idx, allowed = check_columns(m, fixed, banned)
    limit = check_time_limit(time_limit_s)
    thr = check_threshold(threshold)
    deadline = Deadline(limit)
    within = (c <= thr) & allowed[None, :]
    bad = np.flatnonzero(~within.any(axis=1))
    if len(bad):
        msg = f"lscp: demand row(s) {few(bad)} have no usable candidate within threshold {thr}"
        raise InfeasibleError(msg)
    todo = ~within[:, fixed_idx].any(axis=1) if len(fixed_idx) else np.ones(n, dtype=bool)
    free_cols = np.flatnonzero(allowed & ~np.isin(np.arange(m), fixed_idx))
    out = set_cover(within[np.ix_(todo, free_cols)], deadline)
    if out.sites is None:
        msg = f"lscp: no cover found within time_limit_s={limit}"
        raise SitingError(msg)
    sites = np.concatenate([fixed_idx, free_cols[out.sites]])
    objective = float(len(sites))
    cu = np.where(within, c, np.inf)
    return _make(
        "lscp",
        objective,
        sites,
        _assign(cu, sites),
        proven=out.status == "optimal",
        bound=out.bound + len(fixed_idx),
        t0=t0,
        status="optimal" if out.status == "optimal" else "time limit reached",
    )


def mclp(
    cost: ArrayLike,
    weights: ArrayLike,
    p: int,
    threshold: float,
    *,
    time_limit_s: float | None = None,
    fixed: Iterable[int] = (),
    banned: Iterable[int] = (),
) -> Solution:
    """Open ``p`` sites maximising the weight of rows with a site within ``threshold``.

    Parameters
    ----------
    cost : array_like
        ``(n_demand, n_candidates)`` costs, ``inf`` = not allowed.
    weights : array_like
        ``(n_demand,)`` non-negative weights.
    p : int
        Number of sites to open (exactly ``p``).
    threshold : float
        A row is covered when ``cost <= threshold`` for an open site.
    time_limit_s : float, optional
        Wall-clock budget.
    fixed, banned : sequence of int
        Candidate columns forced open / never opened.

    Returns
    -------
    Solution
        ``objective`` = covered weight; ``bound`` is an *upper* bound;
        ``assignment`` is the nearest open site of each covered row, ``-1`` for
        uncovered rows.

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.array([[0.0, 4.0, 9.0], [4.0, 0.0, 5.0], [9.0, 5.0, 0.0]])
    >>> sol = mclp(cost, [1, 1, 3], 1, 4.0)
    >>> sol.sites, sol.objective, sol.assignment.tolist()
    ([2], 3.0, [-1, -1, 2])
    """
    t0 = time.perf_counter()
    c = check_cost(cost)
    n, m = c.shape
    w = check_weights(weights, n)
    fixed_idx, allowed = check_columns(m, fixed, banned)
    p = check_count(p, allowed, fixed_idx)
    limit = check_time_limit(time_limit_s)
    thr = check_threshold(threshold)
    deadline = Deadline(limit)
    within = (c <= thr) & allowed[None, :]
    always = within[:, fixed_idx].any(axis=1) if len(fixed_idx) else np.zeros(n, dtype=bool)
    offset = float(w[always].sum())
    rows = np.flatnonzero(~always & (w > 0) & within.any(axis=1))
    free_cols = np.flatnonzero(allowed & ~np.isin(np.arange(m), fixed_idx))
    p_free = p - len(fixed_idx)
    cov = within[np.ix_(rows, free_cols)]
    # greedy incumbent
    chosen: list[int] = []
    if len(rows) and p_free:
        pattern, inverse = unique_rows(cov)
        wg = np.bincount(inverse, weights=w[rows], minlength=len(pattern))
        left = np.ones(len(pattern), dtype=bool)
        for _ in range(p_free):
            gain = (wg * left) @ pattern
            gain[chosen] = -1.0
            j = int(np.argmax(gain))
            chosen.append(j)
            left &= ~pattern[:, j]
        greedy_value = float(wg[~left].sum())
        ng, nf = len(pattern), len(free_cols)
        r, cc = np.nonzero(pattern)
        lp = build_lp(
            cost=np.concatenate([np.zeros(nf), wg]),
            col_lower=np.zeros(nf + ng),
            col_upper=np.ones(nf + ng),
            row_lower=np.concatenate([np.full(ng, -INF), [p_free]]),
            row_upper=np.concatenate([np.zeros(ng), [p_free]]),
            rows=np.concatenate([r, np.arange(ng), np.full(nf, ng)]),
            cols=np.concatenate([cc, nf + np.arange(ng), np.arange(nf)]),
            vals=np.concatenate([-np.ones(len(r)), np.ones(ng), np.ones(nf)]),
            integer=np.concatenate([np.ones(nf, dtype=bool), np.zeros(ng, dtype=bool)]),
            maximize=True,
        )
        h = new_highs(deadline, heuristics=True)
        h.passModel(lp)
        y0 = np.zeros(nf)
        y0[chosen] = 1.0
        x0 = (pattern[:, chosen].any(axis=1)).astype(float)
        out = run_mip(h, deadline, start=(np.arange(nf + ng), np.concatenate([y0, x0])))
        if out.x is not None and out.objective > greedy_value:
            y = out.x[:nf]
            chosen = list(np.argsort(-y, kind="stable")[:p_free])
        proven = out.optimal
        bound = out.bound + offset if not proven else math.nan
        status = out.status if not proven else "optimal"
    else:
        proven, bound, status = True, math.nan, "optimal"
    sites = np.concatenate([fixed_idx, free_cols[np.asarray(chosen, dtype=np.int64)]])
    sites = pad_sites(np.where(within, c, np.inf), sites, p, allowed)
    covered = within[:, sites].any(axis=1)
    objective = float(w[covered].sum())
    if not proven and not math.isfinite(bound):
        bound = float(w[within.any(axis=1)].sum())
    assignment = np.where(covered, _assign(np.where(within, c, np.inf), sites), -1)
    return _make(
        "mclp",
        objective,
        sites,
        assignment,
        proven=proven,
        bound=max(bound, objective) if not proven else objective,
        t0=t0,
        status="optimal" if proven else status,
    )


# ----------------------------------------------------------------------------------------
