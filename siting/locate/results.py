"""What every location model returns (:class:`Solution`, :class:`JointSolution`) and the
helpers that build it.
"""

from __future__ import annotations

import enum
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from siting.locate._heuristics import Block, nearest_open

__all__ = ["CoLocation", "JointSolution", "Solution"]

logger = logging.getLogger(__name__)


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
    multipliers : numpy.ndarray or None
        `p_median` on models large enough for its Lagrangian phase: each demand
        row's Lagrangian multiplier per unit of its weight (``nan`` for rows of
        weight 0).  Passing this Solution as ``start=`` of a similar model starts
        the ascent there (a warm re-solve).  ``None`` otherwise.
    pseudo_costs : numpy.ndarray or None
        `p_median` solved by branch-and-Benders-cut: the tree's pseudo-costs,
        ``(2, 2, n_demand)`` (totals per unit of each row's weight, then counts, for
        the two sides of a radius branch; ``nan`` for rows of weight 0).  Passing
        this Solution as ``start=`` of a similar model (the same rows) starts the
        new tree's branching there.  ``None`` otherwise.
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
    multipliers: np.ndarray | None = field(default=None, repr=False, compare=False)
    pseudo_costs: np.ndarray | None = field(default=None, repr=False, compare=False)


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
    multipliers: np.ndarray | None = None,
    pseudo_costs: np.ndarray | None = None,
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
        multipliers=multipliers,
        pseudo_costs=pseudo_costs,
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
