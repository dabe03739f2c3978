"""Thin helpers around the HiGHS Python API (``highspy``) for `siting.locate`.

Private.  Three jobs: build a model from coordinate (row, col, value) arrays,
run it against a wall-clock deadline shared by several solves, and translate
the result into what `siting.locate` reports — proven optimality comes only from
HiGHS' own model status (``Optimal``), never from "a solution exists".
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import highspy
import numpy as np
from scipy.sparse import coo_matrix

__all__ = [
    "INF",
    "Deadline",
    "MipOutcome",
    "build_lp",
    "new_highs",
    "proved",
    "run_mip",
]

logger = logging.getLogger(__name__)

INF = highspy.kHighsInf

# The MIP options used for every location model.  Primal heuristics are off:
# the models are warm-started with a good incumbent from a dedicated heuristic
# and HiGHS' own heuristics (RINS, RENS, feasibility jump…) cost more than they
# find on these formulations; strong branching on few, similar binaries also
# costs more than it saves, and restarts rebuild a model we have already
# reduced.  Measured on OR-Library pmed/pmedcap: 2-5x faster.
MIP_OPTIONS: dict[str, bool | int | float] = {
    "mip_heuristic_effort": 0.0,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_feasibility_jump": False,
    "mip_allow_restart": False,
    "mip_pscost_minreliable": 0,
}

# Relative optimality tolerance handed to HiGHS.  Its default (1e-4) would call
# a solution 0.01% above the optimum "optimal"; with integer data HiGHS also
# rounds the dual bound up, so proofs on integer costs are exact.
MIP_REL_GAP = 1e-9


def proved(lb: float, ub: float, step: float) -> bool:
    """Whether bound ``lb`` proves incumbent ``ub`` optimal (``step`` = 1 for integer
    data, where an improving solution is at least 1 better; else 0), with a relative
    tolerance of 1e-9."""
    return lb >= ub - step + 1e-9 * max(1.0, abs(ub))


class Deadline:
    """A wall-clock budget shared by the steps of one solve.

    Parameters
    ----------
    seconds : float or None
        The budget; ``None`` means unlimited.
    """

    def __init__(self, seconds: float | None) -> None:
        self.start = time.perf_counter()
        self.seconds = seconds

    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.perf_counter() - self.start

    def remaining(self) -> float:
        """Seconds left (``inf`` without a budget, never negative)."""
        if self.seconds is None:
            return math.inf
        return max(0.0, self.seconds - self.elapsed())

    def expired(self) -> bool:
        """Whether the budget is used up."""
        return self.remaining() <= 0.0


def new_highs(
    deadline: Deadline | None = None, *, mip: bool = True, heuristics: bool = False
) -> highspy.Highs:
    """A silent HiGHS instance with the package's MIP options set.

    ``heuristics=True`` keeps HiGHS' own primal heuristics (for models that get
    no warm start from a dedicated heuristic).
    """
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if mip:
        h.setOptionValue("mip_rel_gap", MIP_REL_GAP)
        if not heuristics:
            for key, value in MIP_OPTIONS.items():
                h.setOptionValue(key, value)
    if deadline is not None:
        set_time_limit(h, deadline)
    return h


def set_time_limit(h: highspy.Highs, deadline: Deadline) -> None:
    """Give ``h`` whatever is left of ``deadline``."""
    left = deadline.remaining()
    h.setOptionValue("time_limit", float(left) if math.isfinite(left) else INF)


def build_lp(
    *,
    cost: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    vals: np.ndarray,
    integer: np.ndarray | None = None,
    offset: float = 0.0,
    maximize: bool = False,
) -> highspy.HighsLp:
    """Assemble a ``HighsLp`` from coordinate arrays (duplicates are summed).

    Parameters
    ----------
    cost, col_lower, col_upper : numpy.ndarray
        One entry per column.
    row_lower, row_upper : numpy.ndarray
        One entry per row (``±INF`` for a free side).
    rows, cols, vals : numpy.ndarray
        The constraint matrix in coordinate form.
    integer : numpy.ndarray of bool, optional
        Which columns are integer; all continuous when omitted.
    offset : float
        Constant added to the objective.
    maximize : bool
        Objective sense.
    """
    ncol, nrow = len(cost), len(row_lower)
    a = coo_matrix((vals, (rows, cols)), shape=(nrow, ncol)).tocsc()
    a.sum_duplicates()
    lp = highspy.HighsLp()
    lp.num_col_ = ncol
    lp.num_row_ = nrow
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_ = np.asarray(col_lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(col_upper, dtype=np.float64)
    lp.row_lower_ = np.asarray(row_lower, dtype=np.float64)
    lp.row_upper_ = np.asarray(row_upper, dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(np.float64)
    lp.offset_ = float(offset)
    if maximize:
        lp.sense_ = highspy.ObjSense.kMaximize
    if integer is not None and np.any(integer):
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in np.asarray(integer, dtype=bool)
        ]
    return lp


@dataclass(frozen=True)
class MipOutcome:
    """What one HiGHS MIP run produced.

    Attributes
    ----------
    status : str
        HiGHS' model status text (``"Optimal"``, ``"Time limit reached"``…).
    optimal : bool
        HiGHS proved optimality (model status ``kOptimal``).
    infeasible : bool
        HiGHS proved the model infeasible.
    x : numpy.ndarray or None
        Column values of the best solution found, if any.
    objective : float
        Its objective (``nan`` without a solution).
    bound : float
        HiGHS' dual bound (a valid bound on the optimum; ``∓inf`` when none).
    nodes : int
        Branch-and-bound nodes explored.
    """

    status: str
    optimal: bool
    infeasible: bool
    x: np.ndarray | None
    objective: float
    bound: float
    nodes: int


def run_mip(
    h: highspy.Highs,
    deadline: Deadline | None = None,
    *,
    start: tuple[np.ndarray, np.ndarray] | None = None,
    node_limit: int | None = None,
    maximize: bool = False,
    cutoff: float | None = None,
) -> MipOutcome:
    """Run the MIP loaded in ``h`` and report the outcome.

    Parameters
    ----------
    h : highspy.Highs
        A model already passed in.
    deadline : Deadline, optional
        Shared time budget; the run gets what is left of it.
    start : (indices, values), optional
        A (partial) MIP start.
    node_limit : int, optional
        HiGHS ``mip_max_nodes``.
    maximize : bool
        Objective sense, for the sign of the "no bound" value.
    cutoff : float, optional
        Objective cutoff (HiGHS ``objective_bound``, minimisation): nodes whose
        bound reaches it are pruned.  Then ``Infeasible`` (or ``Optimal`` with an
        objective ≥ ``cutoff``) means no solution better than ``cutoff`` exists.
    """
    if cutoff is not None:
        h.setOptionValue("objective_bound", float(cutoff))
    if deadline is not None:
        set_time_limit(h, deadline)
    if node_limit is not None:
        h.setOptionValue("mip_max_nodes", int(node_limit))
    if start is not None:
        idx, val = start
        h.setSolution(len(idx), np.asarray(idx, dtype=np.int32), np.asarray(val, dtype=float))
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    has_solution = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value, dtype=float) if has_solution else None
    if x is not None:
        _check_consistent(h, x, float(info.objective_function_value))
    optimal = status == highspy.HighsModelStatus.kOptimal
    no_bound = INF if maximize else -INF
    bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else no_bound
    outcome = MipOutcome(
        status=h.modelStatusToString(status),
        optimal=optimal,
        infeasible=status == highspy.HighsModelStatus.kInfeasible,
        x=x,
        objective=float(info.objective_function_value) if has_solution else math.nan,
        bound=bound,
        nodes=int(info.mip_node_count),
    )
    logger.debug(
        "HiGHS MIP: %s, objective %s, bound %s, %d nodes",
        outcome.status,
        outcome.objective,
        outcome.bound,
        outcome.nodes,
    )
    return outcome


def _check_consistent(h: highspy.Highs, x: np.ndarray, reported: float) -> None:
    """The solution vector must have the objective HiGHS reports.

    A safeguard against solver-interface regressions: with highspy 1.16 the vector
    read back after a MIP with a start solution was the start, not the incumbent,
    which would have been reported as proven optimal.
    """
    lp = h.getLp()
    value = float(lp.offset_ + np.dot(np.asarray(lp.col_cost_, dtype=float), x))
    if abs(value - reported) > 1e-6 * max(1.0, abs(reported)):
        from importlib.metadata import version

        from siting.errors import SitingError

        raise SitingError(
            f"highspy {version('highspy')} returned a solution whose objective ({value:g}) "
            f"is not the one it reports ({reported:g}); "
            "refusing to use it (siting is tested with highspy < 1.16)"
        )
