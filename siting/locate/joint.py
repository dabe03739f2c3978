"""Two facility types on shared candidates under a co-location rule."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from dataclasses import replace

import numpy as np
from numpy.typing import ArrayLike

from siting.errors import InfeasibleError, SitingError
from siting.locate._checks import (
    check_columns,
    check_cost,
    check_count,
    check_reachable,
    check_time_limit,
    check_weights,
)
from siting.locate._heuristics import Block, greedy_interchange, nearest_open
from siting.locate._highs import INF
from siting.locate._median import solve_median
from siting.locate.median import p_median
from siting.locate.results import (
    CoLocation,
    JointSolution,
    _assign,
    _block,
    _gap,
    _make,
)

__all__ = ["joint_p_median"]

logger = logging.getLogger(__name__)


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
