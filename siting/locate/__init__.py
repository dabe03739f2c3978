"""Exact location models on a cost matrix: p-median, p-center, MCLP, LSCP, fixed-charge.

NumPy in, a small :class:`Solution` out; nothing here knows about GeoDataFrames.
Every model takes ``cost``, an ``(n_demand, n_candidates)`` float array where
``inf`` marks a demand–candidate pair that is not allowed, and returns the
candidate *column indices* it opens (``sites``) and, per demand row, the column
serving it (``assignment``, ``-1`` when unserved).

Every model is solved exactly, with HiGHS (through ``highspy``) for its LPs and MIPs:

* :func:`p_median` — branch-and-Benders-cut on the radius formulation of
  Elloumi (2010): Benders cuts found by sorting, root and node reduced-cost
  fixing, radius branching with pseudo-costs, a greedy + Teitz–Bart warm start
  and, for wide or large models, a Lagrangian reduction first (see
  :mod:`siting.locate._median` and :mod:`siting.locate._benders`); pmed1–20 in
  under a second each.
* :func:`p_center` — binary search over the sorted distinct costs; each step
  ("can ``p`` sites cover every row within ``r``?") by row generation: a packing
  certificate or a set-cover MIP over a growing subset of the rows.
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

from siting.locate.capacitated import fixed_charge
from siting.locate.cover import lscp, mclp, p_center
from siting.locate.joint import joint_p_median
from siting.locate.median import p_median
from siting.locate.results import CoLocation, JointSolution, Solution

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
