"""Exact location models on a cost matrix: p-median, p-center, MCLP, LSCP, fixed-charge.

NumPy in, a small :class:`Solution` out; nothing here knows about GeoDataFrames.
Every model takes ``cost``, an ``(n_demand, n_candidates)`` float array where
``inf`` marks a demand–candidate pair that is not allowed, and returns the
candidate *column indices* it opens (``sites``) and, per demand row, the column
serving it (``assignment``, ``-1`` when unserved).

Every model is solved exactly with HiGHS (through ``highspy``):

* :func:`p_median` — the radius formulation of Elloumi (2010) with level
  generation, reduced-cost fixing and a greedy + Teitz–Bart warm start
  (see :mod:`siting._locate_median`); solves OR-Library pmed1–20 to proven
  optimality in seconds.
* :func:`p_center` — binary search over the sorted distinct costs; each step is a
  set-cover MIP ("can ``p`` sites cover every row within ``r``?").
* :func:`mclp`, :func:`lscp` — compact coverage MIPs over rows aggregated by
  their coverage pattern.
* :func:`fixed_charge` — the strong (``x_ij <= y_j``) capacitated facility
  location MIP, optionally single-sourced, optionally with a fixed ``p``.
* :func:`joint_p_median` — two facility types on shared candidates with a
  co-location rule (:class:`CoLocation`).

``proven_optimal`` is true only when optimality was proved (HiGHS reported
``Optimal``, or a valid bound met the incumbent); with ``time_limit_s`` the best
solution found is returned with its certified relative ``gap``.

Errors
------
Bad arguments (shape mismatch, NaN or negative costs, negative or non-finite
weights, ``p < 1``, ``p`` above the number of usable candidates, a row that is
``inf`` for every candidate, bad ``fixed``/``banned`` indices) raise
``ValueError``.  A well-formed model with no feasible solution (short
capacity, rows reachable only from banned sites, an uncoverable row in LSCP…)
raises :class:`siting.errors.InfeasibleError` saying why.  A time limit that
runs out before any feasible solution is found raises
:class:`siting.errors.SitingError`.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> xy = rng.uniform(0, 10, size=(30, 2))
>>> cost = np.linalg.norm(xy[:, None] - xy[None], axis=2)
>>> sol = p_median(cost, np.ones(30), 3)
>>> sol.proven_optimal, len(sol.sites), sol.gap
(True, 3, 0.0)
>>> bool(np.isclose(sol.objective, cost[np.arange(30), sol.assignment].sum()))
True
"""

from __future__ import annotations

import enum
import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from siting._locate_checks import (
    check_columns,
    check_cost,
    check_count,
    check_reachable,
    check_threshold,
    check_time_limit,
    check_vector,
    check_weights,
    few,
)
from siting._locate_highs import INF, Deadline, build_lp, new_highs, run_mip
from siting._locate_median import Block, greedy_interchange, nearest_open, solve_median
from siting._locate_mip import (
    capacitated_model,
    center_greedy,
    center_radius,
    pad_sites,
    set_cover,
    unique_rows,
)
from siting.errors import InfeasibleError, SitingError

__all__ = [
    "CoLocation",
    "JointSolution",
    "Solution",
    "fixed_charge",
    "joint_p_median",
    "lscp",
    "mclp",
    "p_center",
    "p_median",
]

logger = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------
# Results
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Solution:
    """The result of one location model.

    Attributes
    ----------
    model : str
        ``"p_median"``, ``"p_center"``, ``"mclp"``, ``"lscp"`` or ``"fixed_charge"``.
    objective : float
        The model's objective for ``sites`` (MCLP: the covered weight; LSCP: the
        number of sites; fixed-charge: opening plus weighted assignment cost).
    sites : list of int
        Sorted candidate column indices that are open.
    assignment : numpy.ndarray
        ``(n_demand,)`` int: the column serving each demand row, ``-1`` when
        unserved (MCLP: not covered; fixed-charge without single sourcing: the
        column serving the largest share, see ``allocation``).
    proven_optimal : bool
        Optimality was proved (never set from "a solution exists").
    gap : float
        Relative gap ``|objective − bound| / |objective|`` (0.0 when proven).
    bound : float
        Best proven bound on the optimum: a lower bound for minimisation, an
        upper bound for MCLP.
    solve_seconds : float
        Wall-clock seconds spent in the call.
    status : str
        How the solve ended, e.g. ``"optimal"`` or ``"time limit reached"``.
    allocation : numpy.ndarray or None
        ``fixed_charge`` only: ``(n_demand, n_candidates)`` share of each row's
        weight served by each column.
    details : dict
        Model-specific diagnostics (heuristic objective, LP bound, MIP rounds…).
    """

    model: str
    objective: float
    sites: list[int]
    assignment: np.ndarray
    proven_optimal: bool
    gap: float
    bound: float
    solve_seconds: float
    status: str
    allocation: np.ndarray | None = None
    details: dict[str, Any] = field(default_factory=dict)


class CoLocation(enum.StrEnum):
    """Rule for two facility types on the same candidate in :func:`joint_p_median`.

    ``ALLOWED``: no rule.  ``REQUIRED``: every site of type *a* also hosts type *b*
    (needs ``p_a <= p_b``; with ``p_a == p_b`` both types use the same sites).
    ``FORBIDDEN``: no candidate hosts both.
    """

    ALLOWED = "allowed"
    REQUIRED = "required"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class JointSolution:
    """The result of :func:`joint_p_median`.

    Attributes
    ----------
    objective : float
        Total weighted cost of both types.
    a, b : Solution
        Each type's sites, assignment and own objective.  With
        ``colocation="allowed"`` the types are independent and each carries its
        own gap and bound; otherwise their ``gap`` repeats the joint one and
        their ``bound`` is their objective when proven, ``nan`` when not (only
        the joint bound is known).
    colocation : CoLocation
        The rule that was enforced.
    proven_optimal, gap, bound, solve_seconds, status
        As in :class:`Solution`, for the joint model.
    """

    objective: float
    a: Solution
    b: Solution
    colocation: CoLocation
    proven_optimal: bool
    gap: float
    bound: float
    solve_seconds: float
    status: str


# ----------------------------------------------------------------------------------------
# Shared helpers
# ----------------------------------------------------------------------------------------


def _gap(objective: float, bound: float, proven: bool) -> float:
    if proven:
        return 0.0
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.inf
    diff = abs(objective - bound)
    if diff == 0.0:
        return 0.0
    return diff / abs(objective) if objective != 0 else math.inf


def _assign(c: np.ndarray, sites: np.ndarray) -> np.ndarray:
    a, _ = nearest_open(c, np.asarray(sites, dtype=np.int64))
    return a.astype(np.int64)


def _is_integral(values: np.ndarray) -> bool:
    v = values[np.isfinite(values)]
    return bool(np.all(v == np.round(v)))


def _make(
    model: str,
    objective: float,
    sites: np.ndarray | list[int],
    assignment: np.ndarray,
    *,
    proven: bool,
    bound: float,
    t0: float,
    status: str,
    allocation: np.ndarray | None = None,
    details: dict[str, Any] | None = None,
) -> Solution:
    if proven:
        bound = objective
    return Solution(
        model=model,
        objective=float(objective),
        sites=sorted(int(s) for s in sites),
        assignment=assignment,
        proven_optimal=bool(proven),
        gap=_gap(objective, bound, proven),
        bound=float(bound),
        solve_seconds=time.perf_counter() - t0,
        status=status.lower(),
        allocation=allocation,
        details=details or {},
    )


def _block(c: np.ndarray, w: np.ndarray, p: int, fixed: np.ndarray, allowed: np.ndarray) -> Block:
    rows = np.flatnonzero(w > 0)
    if len(rows):
        with np.errstate(invalid="ignore"):
            wcost = np.where(
                np.isfinite(c[rows]) & allowed[None, :], w[rows, None] * c[rows], np.inf
            )
    else:  # every weight zero: one dummy row that costs nothing anywhere
        wcost = np.where(allowed, 0.0, np.inf)[None, :]
    return Block(wcost=wcost, p=p, fixed=fixed, allowed=allowed)


# ----------------------------------------------------------------------------------------
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
    res = solve_median([block], time_limit_s=limit)
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
    )


# ----------------------------------------------------------------------------------------
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
        out = set_cover(within[np.ix_(todo, free_cols)], deadline, upper=p_free)
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
# Capacitated fixed-charge facility location
# ----------------------------------------------------------------------------------------


def fixed_charge(
    cost: ArrayLike,
    weights: ArrayLike,
    capacity: ArrayLike,
    open_cost: ArrayLike,
    *,
    p: int | None = None,
    single_sourcing: bool = False,
    cost_weights: ArrayLike | None = None,
    time_limit_s: float | None = None,
    fixed: Iterable[int] = (),
    banned: Iterable[int] = (),
) -> Solution:
    """Capacitated facility location: choose sites and serve all demand within capacity.

    Minimises ``Σ_j open_cost_j y_j + Σ_ij cost_weights_i · cost_ij · x_ij`` where
    ``x_ij`` is the share of row ``i``'s demand (``weights``) served by site ``j``,
    subject to ``Σ_i weights_i x_ij <= capacity_j y_j``.  The strong formulation
    (``x_ij <= y_j``) plus ``Σ capacity_j y_j >= Σ weights`` is solved by HiGHS.

    Parameters
    ----------
    cost : array_like
        ``(n_demand, n_candidates)`` cost per unit of weight, ``inf`` = not allowed.
    weights : array_like
        ``(n_demand,)`` demand, in the units of ``capacity`` (e.g. truck spaces).
    capacity : float or array_like
        Capacity of each candidate (scalar = the same everywhere; ``inf`` allowed).
    open_cost : float or array_like
        Cost of opening each candidate, in the units of the objective.
    p : int, optional
        Open exactly ``p`` sites; when omitted the model chooses how many.
    single_sourcing : bool
        Each row served by exactly one site.
    cost_weights : array_like, optional
        Weights of the assignment cost (default: ``weights``).  Pass ones for an
        unweighted objective such as Osman & Christofides' capacitated p-median.
    time_limit_s : float, optional
        Wall-clock budget.
    fixed, banned : sequence of int
        Candidate columns forced open / never opened.

    Returns
    -------
    Solution
        ``allocation`` holds the shares ``x``; ``assignment`` the largest share.

    Raises
    ------
    siting.errors.InfeasibleError
        Total (or, with ``p``, the best ``p`` sites') capacity is below the total
        demand, a single-sourced row exceeds every capacity, or HiGHS proves no
        assignment fits.

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.array([[0.0, 4.0, 9.0], [4.0, 0.0, 5.0], [9.0, 5.0, 0.0]])
    >>> sol = fixed_charge(cost, [2, 2, 2], 4, 10.0, single_sourcing=True)
    >>> len(sol.sites), sol.objective, sol.proven_optimal
    (2, 28.0, True)
    """
    t0 = time.perf_counter()
    c = check_cost(cost)
    n, m = c.shape
    d = check_weights(weights, n)
    cw = d if cost_weights is None else check_weights(cost_weights, n, "cost_weights")
    cap = check_vector(capacity, m, "capacity", what="candidate columns")
    fcost = check_vector(open_cost, m, "open_cost", what="candidate columns")
    if not np.isfinite(fcost).all():
        msg = "open_cost must be finite"
        raise ValueError(msg)
    fixed_idx, allowed = check_columns(m, fixed, banned)
    if p is not None:
        p = check_count(p, allowed, fixed_idx)
    limit = check_time_limit(time_limit_s)
    deadline = Deadline(limit)
    need = np.flatnonzero((d > 0) | (cw > 0))
    check_reachable(c, allowed, need, "fixed_charge")
    total = float(d.sum())
    usable_cap = np.where(allowed, cap, 0.0)
    if p is None:
        available = float(usable_cap.sum())
        where = "all usable candidates"
    else:
        free = np.setdiff1d(np.flatnonzero(allowed), fixed_idx)
        best_free = np.sort(usable_cap[free])[::-1][: p - len(fixed_idx)]
        available = float(usable_cap[fixed_idx].sum() + best_free.sum())
        where = f"the {p} largest usable candidates"
    if available < total - 1e-9 * max(1.0, total):
        msg = (
            f"fixed_charge: total capacity of {where} is {available:g} but total demand "
            f"(weights) is {total:g}"
        )
        raise InfeasibleError(msg)
    ok = np.isfinite(c) & allowed[None, :]
    if single_sourcing:
        fits = ok & (d[:, None] <= cap[None, :])
        bad = np.flatnonzero(~fits.any(axis=1) & (d > 0))
        if len(bad):
            msg = (
                f"fixed_charge: single-sourced demand row(s) {few(bad)} exceed the capacity "
                "of every candidate that can serve them"
            )
            raise InfeasibleError(msg)
        ok = fits
    ii, jj = np.nonzero(ok)
    ny = m
    obj, lp = capacitated_model(
        c,
        d,
        cw,
        cap,
        fcost,
        ii=ii,
        jj=jj,
        p=p,
        fixed=fixed_idx,
        allowed=allowed,
        single_sourcing=single_sourcing,
    )
    h = new_highs(deadline, heuristics=True)
    h.passModel(lp)
    out = run_mip(h, deadline)
    if out.infeasible:
        msg = (
            "fixed_charge: HiGHS proved that no choice of sites and assignment fits the "
            "capacities" + (" with single sourcing" if single_sourcing else "")
        )
        raise InfeasibleError(msg)
    if out.x is None:
        msg = f"fixed_charge: no feasible solution found within time_limit_s={limit}"
        raise SitingError(msg)
    y = out.x[:ny] > 0.5
    x = out.x[ny:]
    if single_sourcing:
        x = np.round(x)
    alloc = np.zeros((n, m))
    alloc[ii, jj] = np.clip(x, 0.0, 1.0) + 0.0  # no -0.0
    sites = np.flatnonzero(y)
    assignment = np.where(alloc.max(axis=1) > 0, alloc.argmax(axis=1), -1)
    objective = float(fcost[sites].sum() + (cw[ii] * c[ii, jj] * alloc[ii, jj]).sum())
    bound = out.bound
    if _is_integral(obj) and single_sourcing and math.isfinite(bound):
        bound = math.ceil(bound - 1e-6 * max(1.0, abs(bound)))
    return _make(
        "fixed_charge",
        objective,
        sites,
        assignment,
        proven=out.optimal,
        bound=min(bound, objective),
        t0=t0,
        status="optimal" if out.optimal else out.status,
        allocation=alloc,
        details={"mip_nodes": out.nodes},
    )


# ----------------------------------------------------------------------------------------
# Joint siting of two facility types
# ----------------------------------------------------------------------------------------


def joint_p_median(  # noqa: PLR0917 (two (cost, weights, p) triples, one per type)
    cost_a: ArrayLike,
    weights_a: ArrayLike,
    p_a: int,
    cost_b: ArrayLike,
    weights_b: ArrayLike,
    p_b: int,
    *,
    colocation: CoLocation | str = CoLocation.ALLOWED,
    time_limit_s: float | None = None,
    fixed_a: Iterable[int] = (),
    banned_a: Iterable[int] = (),
    fixed_b: Iterable[int] = (),
    banned_b: Iterable[int] = (),
) -> JointSolution:
    """Site two facility types (e.g. a waste station and truck lots) in one model.

    Minimises the sum of both p-median objectives over candidates shared by the
    two types (both cost matrices have the same columns; rows may differ), with a
    co-location rule on each candidate.

    Parameters
    ----------
    cost_a, cost_b : array_like
        ``(n_a, m)`` and ``(n_b, m)`` costs, ``inf`` = not allowed.
    weights_a, weights_b : array_like
        Non-negative demand weights of each type.
    p_a, p_b : int
        Number of sites of each type.
    colocation : CoLocation or str
        ``"allowed"``, ``"required"`` (every *a* site also hosts *b*; needs
        ``p_a <= p_b``) or ``"forbidden"``.
    time_limit_s : float, optional
        Wall-clock budget.
    fixed_a, banned_a, fixed_b, banned_b : sequence of int
        Per-type forced / forbidden columns.

    Returns
    -------
    JointSolution

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.array([[0.0, 4.0, 9.0], [4.0, 0.0, 5.0], [9.0, 5.0, 0.0]])
    >>> sol = joint_p_median(cost, [1, 1, 1], 1, cost, [1, 1, 1], 1, colocation="forbidden")
    >>> sorted([sol.a.sites[0], sol.b.sites[0]]), sol.objective
    ([0, 1], 22.0)
    """
    t0 = time.perf_counter()
    try:
        rule = CoLocation(colocation)
    except ValueError:
        valid = ", ".join(repr(r.value) for r in CoLocation)
        msg = f"colocation must be one of {valid}, got {colocation!r}"
        raise ValueError(msg) from None
    ca = check_cost(cost_a, "cost_a")
    cb = check_cost(cost_b, "cost_b")
    if ca.shape[1] != cb.shape[1]:
        msg = (
            f"cost_a and cost_b must share the candidate columns: {ca.shape[1]} vs "
            f"{cb.shape[1]} columns"
        )
        raise ValueError(msg)
    m = ca.shape[1]
    wa = check_weights(weights_a, ca.shape[0], "weights_a")
    wb = check_weights(weights_b, cb.shape[0], "weights_b")
    fa, alla = check_columns(m, fixed_a, banned_a, "_a")
    fb, allb = check_columns(m, fixed_b, banned_b, "_b")
    p_a = check_count(p_a, alla, fa, "p_a")
    p_b = check_count(p_b, allb, fb, "p_b")
    limit = check_time_limit(time_limit_s)
    if rule is CoLocation.REQUIRED and p_a > p_b:
        msg = (
            f"colocation='required' puts every a site on a b site: needs p_a <= p_b ({p_a} > {p_b})"
        )
        raise ValueError(msg)
    if rule is CoLocation.FORBIDDEN and p_a + p_b > m:
        msg = f"colocation='forbidden' needs p_a + p_b <= {m} candidates"
        raise InfeasibleError(msg)
    check_reachable(ca, alla, np.flatnonzero(wa > 0), "joint_p_median (a)")
    check_reachable(cb, allb, np.flatnonzero(wb > 0), "joint_p_median (b)")
    if rule is CoLocation.ALLOWED:
        sa = p_median(ca, wa, p_a, time_limit_s=limit, fixed=fa, banned=np.flatnonzero(~alla))
        left = None if limit is None else max(1e-3, limit - (time.perf_counter() - t0))
        sb = p_median(cb, wb, p_b, time_limit_s=left, fixed=fb, banned=np.flatnonzero(~allb))
        proven = sa.proven_optimal and sb.proven_optimal
        objective = sa.objective + sb.objective
        bound = sa.bound + sb.bound
        status = "optimal" if proven else "time limit reached"
        return JointSolution(
            objective=objective,
            a=sa,
            b=sb,
            colocation=rule,
            proven_optimal=proven,
            gap=_gap(objective, bound, proven),
            bound=objective if proven else bound,
            solve_seconds=time.perf_counter() - t0,
            status=status,
        )
    block_a = _block(ca, wa, p_a, fa, alla)
    block_b = _block(cb, wb, p_b, fb, allb)
    cols = np.arange(m)
    if rule is CoLocation.FORBIDDEN:  # y_a + y_b <= 1
        links = (
            np.concatenate([cols, cols]),
            np.concatenate([cols, m + cols]),
            np.ones(2 * m),
            np.full(m, -INF),
            np.ones(m),
        )
    else:  # REQUIRED: y_a - y_b <= 0
        links = (
            np.concatenate([cols, cols]),
            np.concatenate([cols, m + cols]),
            np.concatenate([np.ones(m), -np.ones(m)]),
            np.full(m, -INF),
            np.zeros(m),
        )
    start = _joint_start(block_a, block_b, rule)
    res = solve_median([block_a, block_b], links=links, start=start, time_limit_s=limit)
    if not res.sites:
        if res.status == "infeasible":
            msg = (
                f"joint_p_median: no sites satisfy colocation={rule.value!r} with the "
                "fixed/banned sites and the reachable candidates"
            )
            raise InfeasibleError(msg)
        msg = f"joint_p_median: no feasible solution found within time_limit_s={limit}"
        raise SitingError(msg)
    bound = res.objective if res.proven else res.lower_bound
    gap = _gap(res.objective, bound, res.proven)
    parts = []
    for sites, c, w in ((res.sites[0], ca, wa), (res.sites[1], cb, wb)):
        assignment = _assign(c, sites)
        served = assignment >= 0
        value = float((w[served] * c[served, assignment[served]]).sum())
        part = _make(
            "p_median",
            value,
            sites,
            assignment,
            proven=res.proven,
            bound=value,
            t0=t0,
            status=res.status,
        )
        # a type's own bound is not known separately: repeat the joint gap
        parts.append(replace(part, gap=gap, bound=value if res.proven else math.nan))
    return JointSolution(
        objective=res.objective,
        a=parts[0],
        b=parts[1],
        colocation=rule,
        proven_optimal=res.proven,
        gap=gap,
        bound=bound,
        solve_seconds=time.perf_counter() - t0,
        status=res.status.lower(),
    )


def _joint_start(a: Block, b: Block, rule: CoLocation) -> list[np.ndarray] | None:
    """A feasible start: type a alone, then type b around it (None if that fails)."""
    allowed_a = a.allowed.copy()
    if rule is CoLocation.REQUIRED:
        allowed_a &= b.allowed
    if int(allowed_a.sum()) < a.p or not allowed_a[a.fixed].all():
        return None
    if rule is CoLocation.FORBIDDEN and np.intersect1d(a.fixed, b.fixed).size:
        return None
    sa = greedy_interchange(a.wcost, a.p, fixed=a.fixed, allowed=allowed_a)
    allowed_b = b.allowed.copy()
    fixed_b = b.fixed
    if rule is CoLocation.FORBIDDEN:
        allowed_b[sa] = False
        if int(allowed_b.sum()) < b.p or not allowed_b[b.fixed].all():
            return None
    else:
        fixed_b = np.union1d(b.fixed, sa)
        if len(fixed_b) > b.p:
            return None
    sb = greedy_interchange(b.wcost, b.p, fixed=fixed_b, allowed=allowed_b)
    for blk, s in ((a, sa), (b, sb)):
        if not np.isfinite(nearest_open(blk.wcost, s)[1]).all():
            return None
    return [sa, sb]
