"""The capacitated fixed-charge facility-location model (opening costs, capacities)."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike

from siting.errors import InfeasibleError, SitingError
from siting.locate._capacity_stage import capacity_stage
from siting.locate._checks import (
    check_columns,
    check_cost,
    check_count,
    check_reachable,
    check_time_limit,
    check_vector,
    check_weights,
    few,
)
from siting.locate._highs import Deadline, new_highs, run_mip
from siting.locate._mip import (
    capacitated_model,
)
from siting.locate.results import (
    Solution,
    _is_integral,
    _make,
)

__all__ = ["fixed_charge"]

logger = logging.getLogger(__name__)

# Relative gap between the Lagrangian incumbent and bound above which the final MIP
# keeps HiGHS' primal heuristics (pmedcap-like n = 150 at capacity tightness 0.9: the
# local search stops 17 % above what HiGHS' heuristics find).
_WEAK_GAP = 0.05


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
    subject to ``Σ_i weights_i x_ij <= capacity_j y_j``.  Exact: a Lagrangian stage
    (assignment rows relaxed: one knapsack per candidate, fractional then 0-1, and a
    site selection that knows the count) gives a bound, an incumbent (local search,
    location-allocation moves, an exact assignment of the best sites, a kernel MIP),
    and drops the sites and pairs that cannot be in a
    better solution (:mod:`siting.locate._capacity_stage`); HiGHS then proves the
    rest on the strong formulation (``x_ij <= y_j`` plus ``Σ capacity_j y_j >= Σ
    weights``) with the incumbent as cutoff.

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
    ok[np.setdiff1d(np.arange(n), need), :] = False  # rows of weight 0 need no site
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
    return _solve(
        c,
        d,
        cw,
        cap,
        fcost,
        ok=ok,
        p=p,
        fixed_idx=fixed_idx,
        allowed=allowed,
        single_sourcing=single_sourcing,
        deadline=deadline,
        limit=limit,
        t0=t0,
    )


def _solve(
    c: np.ndarray,
    d: np.ndarray,
    cw: np.ndarray,
    cap: np.ndarray,
    fcost: np.ndarray,
    *,
    ok: np.ndarray,
    p: int | None,
    fixed_idx: np.ndarray,
    allowed: np.ndarray,
    single_sourcing: bool,
    deadline: Deadline,
    limit: float | None,
    t0: float,
) -> Solution:
    """Lagrangian bound, incumbent and fixing, then HiGHS on what survives."""
    n, m = c.shape
    ii, jj = np.nonzero(ok)
    with np.errstate(invalid="ignore"):
        pair_cost = cw[ii] * c[ii, jj]
    integral = _is_integral(np.concatenate([fcost[allowed], pair_cost]))
    rows = np.flatnonzero(ok.any(axis=1))
    stage = capacity_stage(
        np.where(ok[rows], cw[rows, None] * np.where(ok[rows], c[rows], 0.0), np.inf),
        d[rows],
        cap,
        fcost,
        p=p,
        fixed=fixed_idx,
        allowed=allowed,
        single=single_sourcing,
        integral=integral,
        deadline=deadline,
    )
    details: dict[str, object] = dict(stage.details)
    inc = stage.incumbent
    if inc is not None and stage.fixing is not None:
        keep = np.zeros((n, m), dtype=bool)
        keep[rows] = stage.fixing.pair_ok
        allowed_mip = allowed & ~stage.fixing.col_closed
        fixed_mip = np.union1d(fixed_idx, np.flatnonzero(stage.fixing.col_open))
    else:
        keep, allowed_mip, fixed_mip = ok, allowed, fixed_idx
    lower = stage.bound
    proven = stage.proven
    x_best: tuple[np.ndarray, ...] | None = None  # y, ii, jj, shares
    status = "optimal"
    empty_row = bool((~keep[rows].any(axis=1)).any())
    if not proven and inc is not None and (empty_row or deadline.expired()):
        # some row can use no pair in an improving solution: the incumbent is optimal
        proven = empty_row
        status = "optimal" if proven else "time limit reached"
    elif not proven:
        ki, kj = np.nonzero(keep)
        _, lp = capacitated_model(
            c,
            d,
            cw,
            cap,
            fcost,
            ii=ki,
            jj=kj,
            p=p,
            fixed=fixed_mip,
            allowed=allowed_mip,
            single_sourcing=single_sourcing,
        )
        # HiGHS' own primal heuristics only pay when our incumbent is far from the bound
        weak = inc is None or inc.objective - lower > _WEAK_GAP * max(1.0, abs(inc.objective))
        h = new_highs(deadline, heuristics=weak)
        h.passModel(lp)
        cutoff = None
        if inc is not None:
            cutoff = _cutoff(inc.objective, integral)
        out = run_mip(h, deadline, cutoff=cutoff)
        details["mip_nodes"] = out.nodes
        details["mip_pairs"] = len(ki)
        if out.infeasible and inc is None:
            msg = (
                "fixed_charge: HiGHS proved that no choice of sites and assignment fits the "
                "capacities" + (" with single sourcing" if single_sourcing else "")
            )
            raise InfeasibleError(msg)
        if out.x is not None and (inc is None or out.objective < inc.objective):
            xs = out.x[m:]
            if single_sourcing:
                xs = np.round(xs)
            x_best = (out.x[:m] > 0.5, ki, kj, np.clip(xs, 0.0, 1.0) + 0.0)  # no -0.0
        if out.optimal or out.infeasible:
            proven = True  # optimal, or nothing beats the incumbent (cutoff)
        else:
            status = out.status
            mip_bound = out.bound
            if inc is not None:
                mip_bound = min(mip_bound, inc.objective)
            lower = max(lower, mip_bound)
    if x_best is None and inc is None:
        msg = f"fixed_charge: no feasible solution found within time_limit_s={limit}"
        raise SitingError(msg)
    alloc = np.zeros((n, m))
    if x_best is not None:
        y, ki, kj, xs = x_best
        alloc[ki, kj] = xs
        sites = np.flatnonzero(y)
    else:
        assert inc is not None
        alloc[rows, inc.assign] = 1.0
        sites = np.union1d(inc.sites, fixed_idx)
    assignment = np.where(alloc.max(axis=1) > 0, alloc.argmax(axis=1), -1)
    objective = float(fcost[sites].sum() + (cw[ii] * c[ii, jj] * alloc[ii, jj]).sum())
    bound = lower
    if integral and single_sourcing and math.isfinite(bound):
        bound = math.ceil(bound - 1e-6 * max(1.0, abs(bound)))
    return _make(
        "fixed_charge",
        objective,
        sites,
        assignment,
        proven=proven,
        bound=min(bound, objective),
        t0=t0,
        status="optimal" if proven else status,
        allocation=alloc,
        details=details,
    )


def _cutoff(ub: float, integral: bool) -> float:
    """HiGHS prunes nodes whose bound reaches this: only improving solutions remain."""
    if integral:
        return ub - 1.0 + 1e-6 * max(1.0, abs(ub))
    return ub - 1e-9 * max(1.0, abs(ub))


# ----------------------------------------------------------------------------------------
