"""Exact single-type p-median by branch-and-Benders-cut with radius branching.

Private; `siting.locate._median.solve_median` calls `solve_benders` for one
facility type without linking rows.  It works on a weighted cost matrix
``W`` (``inf`` = not allowed) restricted to the usable columns.

Method
------
1. **Benders master** of the radius formulation (Elloumi 2010; the Benders view
   of it: Durán-Mateluna, Alès & Elloumi 2023): ``min Σ_i θ_i`` over
   ``Σ_j y_j = p``, ``0 ≤ y ≤ 1`` and, for client ``i`` and a level ``t``, the
   cut ``θ_i + Σ_j (t − W_ij)⁺ y_j ≥ t`` — valid for every ``t`` (if the nearest
   open site is at ``d < t`` the left side is at least ``d``).  For a master
   point ``y*`` the most violated cut of client ``i`` is at its *critical*
   level, the distance at which the ``y*`` mass of its nearest sites first
   reaches 1, found by sorting (here over the columns with ``y* > 0`` only);
   its value there is the client's cost under ``y*``.  With every such cut the
   master's LP equals the radius LP, so the root bound is the LP bound of the
   strongest compact formulation, reached in a few dozen rounds (in-out
   stabilisation around the incumbent, Ben-Ameur & Neto 2007) instead of one
   LP with a row per (client, level).  Clients with ``inf`` costs also get
   the covering row ``Σ_{j: W_ij < inf} y_j ≥ 1``.
   An LP-guided incumbent follows (vertex substitution from the ``p`` largest
   ``y``), and, when the root gap exceeds `_RESTART_GAP`, `_RESTARTS` more from
   starts drawn with probability ∝ ``y`` (a better incumbent fixes more columns and
   prunes more nodes: 700/10/710 442 → 389 nodes from the optimum).
2. **Reduced-cost fixing** at the root drops the columns that cannot be in a
   solution better than the incumbent (by 1 with integer data); the tree runs
   on a fresh master over the kept columns with the root's binding cuts.
3. **Branch and bound** on that master: each node re-solves warm (dual simplex
   from the parent's basis) and separates until no cut is violated, so a node
   whose ``y`` is integral is solved exactly.  Branching is on the radius: for
   the client level whose LP term ``(D_i^{k+1} − D_i^k)·min(s, 1 − s)`` is
   largest (``s`` = the ``y`` mass within ``D_i^k``), one child requires an
   open site within ``D_i^k`` (a covering row), the other closes every site
   there and raises ``θ_i ≥ D_i^{k+1}``.  This splits the tree far more evenly
   than branching on one ``y_j`` (on generated OR-Library-like instances,
   n = 600, 10-30x fewer nodes).  Once both sides have `_PSEUDO_MIN` solved
   children, the branch among the `_PSEUDO_CANDIDATES` best by LP term is the
   one with the largest product of pseudo-cost estimates (bound increase per
   unit of ``y`` mass moved, per client and side: 20-35 % fewer nodes on the
   slowest generated instances).  A node LP runs with HiGHS's ``objective_bound``
   at the cutoff, so the dual simplex stops as soon as its (exact, unperturbed)
   objective proves the node pruned — about half the node LPs, 15-20 % of the
   tree's time — except while the branch's client and side have fewer than
   `_PSEUDO_RELIABLE` pseudo-cost records (a stopped LP's value would understate
   the bound increase: 700/20/710 494 -> 598-850 nodes when they were dropped or
   recorded).  Depth-first plunging, best-bound backtracking,
   reduced-cost fixing at every node, an LP-rounding incumbent at every node
   and a vertex-substitution one every `_POLISH_EVERY` nodes.  Past
   `_PARALLEL_AFTER` nodes a second worker thread joins (on a machine with two
   cores or more), on its own copy of the master: HiGHS releases the GIL while
   it solves, so two node LPs run at once (about 2x on the slowest generated
   instances).  The optimum and its proof do not depend on the order; ties are
   broken toward the smaller site list, though two runs of a large tree may
   still, where several plans share the optimum, return different ones.
4. Stopped by a time or node limit, the bound returned is the least bound of
   the open nodes — never more than the optimum.
"""

from __future__ import annotations

import heapq
import math
import os
import threading
from dataclasses import dataclass, field

import highspy
import numpy as np

from siting.locate._heuristics import greedy_interchange, nearest_open
from siting.locate._highs import INF, Deadline, proved

__all__ = ["BendersOutcome", "solve_benders"]

_BASIC = highspy.HighsBasisStatus.kBasic
_OPTIMAL = highspy.HighsModelStatus.kOptimal
_INFEASIBLE = highspy.HighsModelStatus.kInfeasible
_PAST_BOUND = highspy.HighsModelStatus.kObjectiveBound

# A vertex-substitution incumbent from the node's LP every this many nodes (or
# every quarter of the nodes so far, whichever is more).
_POLISH_EVERY = 25
# Radius branching by pseudo-costs once this many children of each side are known,
# among this many best candidates by LP term.
_PSEUDO_MIN = 8
_PSEUDO_CANDIDATES = 100
# A child LP runs to its optimum, past the cutoff, while its branch's client and side
# have fewer records than this (else the dual simplex stops at the cutoff).
_PSEUDO_RELIABLE = 2
# y values below this are zero for separation and branching.
_EPS_Y = 1e-9
# Root gaps above this share of the incumbent get `_RESTARTS` randomised vertex
# substitutions from the LP (700/10/710: the tree's 442 nodes fall to 389 from the optimum).
_RESTART_GAP = 0.005
_RESTARTS = 12
# Tree workers at most (threads, each with its own HiGHS master).
_MAX_WORKERS = 2
# ... the second one started once the tree has this many nodes.
_PARALLEL_AFTER = 30


def _violated(value: np.ndarray, theta: np.ndarray) -> np.ndarray:
    return np.flatnonzero(value - theta > 1e-9 * np.maximum(1.0, np.abs(value)))


class _Master:
    """The Benders master LP over candidate columns ``cols`` (a HiGHS instance)."""

    def __init__(self, wcost: np.ndarray, cols: np.ndarray, p: int, lower: np.ndarray) -> None:
        self.w = wcost[:, cols]
        n, mc = self.w.shape
        self.n, self.mc = n, mc
        self.d0 = self.w.min(axis=1)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.passModel(highspy.HighsLp())
        h.addVars(mc, np.asarray(lower, float), np.ones(mc))
        h.addVars(n, self.d0, np.full(n, INF))
        h.changeColsCost(n, np.arange(mc, mc + n, dtype=np.int32), np.ones(n))
        h.addRow(float(p), float(p), mc, np.arange(mc, dtype=np.int32), np.ones(mc))
        self.h = h
        self.cut_client: list[np.ndarray] = []
        self.cut_level: list[np.ndarray] = []
        self.sorted_cols: np.ndarray | None = None  # per client, for branching
        self.jump = np.zeros(0)
        self.next_cost = np.zeros(0)
        finite = np.isfinite(self.w)
        partial = np.flatnonzero(~finite.all(axis=1))
        for i in partial:  # the site chosen for client i must be one it can use
            idx = np.flatnonzero(finite[i]).astype(np.int32)
            h.addRow(1.0, INF, len(idx), idx, np.ones(len(idx)))
        self.first_cut_row = 1 + len(partial)
        self.applied = 0  # rows of a shared tree applied (see `_Tree`)
        self.bound = INF  # see `stop_past`

    # -- cuts ----------------------------------------------------------------------------
    def add_cuts(self, clients: np.ndarray, level: np.ndarray) -> None:
        """Add ``θ_i + Σ_j (t_i − W_ij)⁺ y_j ≥ t_i`` for each (client, level)."""
        if len(clients) == 0:
            return
        sub = self.w[clients]
        gap = level[:, None] - sub
        r, c = np.nonzero(gap > 0)
        counts = np.bincount(r, minlength=len(clients)) + 1
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int32)
        idx = np.empty(int(counts.sum()), dtype=np.int32)
        val = np.empty(len(idx))
        # each row: its y entries in column order, then its θ entry; a y entry sits
        # after the y entries before it and one θ entry per earlier row
        pos = np.arange(len(r)) + r
        idx[pos] = c
        val[pos] = gap[r, c]
        last = starts + counts - 1
        idx[last] = self.mc + clients
        val[last] = 1.0
        self.h.addRows(
            len(clients),
            level.astype(float),
            np.full(len(clients), INF),
            len(idx),
            starts,
            idx,
            val,
        )
        self.cut_client.append(np.asarray(clients, dtype=np.int64))
        self.cut_level.append(np.asarray(level, dtype=float))

    def critical(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per client: the critical level of ``y`` and the client's cost under ``y``."""
        sup = np.flatnonzero(y > _EPS_Y)
        ws = self.w[:, sup]
        o = np.argsort(ws, axis=1, kind="stable")
        ds = np.take_along_axis(ws, o, axis=1)
        ys = np.where(np.isfinite(ds), y[sup][o], 0.0)
        cs = np.cumsum(ys, axis=1)
        reach = cs >= 1.0 - 1e-9
        k = np.where(reach.any(axis=1), np.argmax(reach, axis=1), np.argmax(cs, axis=1))
        ar = np.arange(self.n)
        t = ds[ar, k]
        with np.errstate(invalid="ignore"):
            cdy = np.cumsum(np.where(ys > 0, ds * ys, 0.0), axis=1)
        before = np.where(k > 0, cs[ar, k - 1], 0.0)
        before_cost = np.where(k > 0, cdy[ar, k - 1], 0.0)
        return t, before_cost + t * (1.0 - before)

    def cut_value(self, level: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The cuts at ``level`` evaluated at ``y`` (right side minus the y terms)."""
        sup = np.flatnonzero(y > _EPS_Y)
        gap = np.maximum(level[:, None] - self.w[:, sup], 0.0)
        return level - gap @ y[sup]

    # -- LP ------------------------------------------------------------------------------
    def stop_past(self, bound: float) -> None:
        """Let the dual simplex stop once its objective passes ``bound`` (INF: never)."""
        self.h.setOptionValue("objective_bound", float(bound))
        self.bound = float(bound)

    def solve(self) -> tuple[bool, float, np.ndarray, np.ndarray, np.ndarray]:
        """Re-solve; (optimal, objective, y, θ, reduced costs of y).

        Stopped by HiGHS's ``objective_bound`` (set by the tree to its cutoff), the
        objective is the dual objective reached, a lower bound past the cutoff.
        """
        self.h.run()
        status = self.h.getModelStatus()
        if status != _OPTIMAL:
            obj = math.inf
            if status == _PAST_BOUND:  # HiGHS checks the exact (unperturbed) dual objective
                obj = max(float(self.h.getInfo().objective_function_value), self.bound)
            return False, obj, np.zeros(0), np.zeros(0), np.zeros(0)
        sol = self.h.getSolution()
        x = np.asarray(sol.col_value, dtype=float)
        rc = np.asarray(sol.col_dual, dtype=float)[: self.mc]
        obj = float(self.h.getInfo().objective_function_value)
        return True, obj, x[: self.mc], x[self.mc :], rc

    def binding(self, tol: float = 1e-7) -> tuple[np.ndarray, np.ndarray]:
        """The cuts (client, level) that hold with equality at the current solution."""
        if not self.cut_client:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        cl = np.concatenate(self.cut_client)
        lv = np.concatenate(self.cut_level)
        act = np.asarray(self.h.getSolution().row_value, dtype=float)[self.first_cut_row :]
        tight = act - lv <= tol * np.maximum(1.0, np.abs(lv))
        return cl[tight], lv[tight]


def _separate_loop(master: _Master, cutoff: float, deadline: Deadline, add):
    """Re-solve and add cuts (by ``add(clients, levels)``) until none is violated (or
    the LP passes ``cutoff``)."""
    lps = 0
    while True:
        ok, obj, y, th, rc = master.solve()
        lps += 1
        if not ok or obj > cutoff:
            return False, obj, y, rc, lps
        t, val = master.critical(y)
        v = _violated(val, th)
        if len(v) == 0 or deadline.expired():
            return len(v) == 0, obj, y, rc, lps
        add(v, t[v])


def _root(master: _Master, core: np.ndarray, deadline: Deadline):
    """The root LP by cutting planes with in-out stabilisation around ``core``."""
    lam, rounds = 0.5, 0
    while True:
        rounds += 1
        ok, obj, y, th, rc = master.solve()
        if not ok or deadline.expired():
            return False, obj, y, rc, rounds
        sep = lam * y + (1.0 - lam) * core
        t, _ = master.critical(sep)
        v = _violated(master.cut_value(t, y), th)
        if len(v):
            master.add_cuts(v, t[v])
            continue
        core = sep
        t, val = master.critical(y)
        v = _violated(val, th)
        if len(v) == 0:
            return True, obj, y, rc, rounds
        lam = min(1.0, lam + 0.1)
        master.add_cuts(v, t[v])


@dataclass
class BendersOutcome:
    """What `solve_benders` found (global column indices)."""

    sites: np.ndarray | None
    objective: float
    lower_bound: float
    proven: bool
    status: str
    details: dict[str, object] = field(default_factory=dict)
    # the tree's pseudo-costs, ``(2, 2, n)``: [0] totals, [1] counts, per side and
    # client (the ones given when no tree ran), for a warm re-solve
    pseudo: np.ndarray | None = None


@dataclass(order=True)
class _Node:
    bound: float
    order: int
    lo: np.ndarray = field(compare=False)
    up: np.ndarray = field(compare=False)
    theta_lo: np.ndarray = field(compare=False)
    covers: frozenset[int] = field(compare=False)
    basis: tuple[list, list] | None = field(compare=False, default=None)
    # the branch that made it: (client, side 0 = covered / 1 = not, mass moved, parent LP)
    tag: tuple[int, int, float, float] | None = field(compare=False, default=None)


class _Pseudo:
    """Pseudo-costs of radius branches: LP increase per unit of ``y`` mass moved, per
    client and side, from the children solved so far."""

    def __init__(self, n: int, given: np.ndarray | None = None) -> None:
        self.total = np.zeros((2, n))
        self.count = np.zeros((2, n))
        if given is not None and given.shape == (2, 2, n):
            ok = np.isfinite(given).all(axis=0) & (given >= 0).all(axis=0)
            self.total[ok] = given[0][ok]
            self.count[ok] = given[1][ok]

    def state(self) -> np.ndarray:
        return np.stack([self.total, self.count])

    def record(self, tag: tuple[int, int, float, float], obj: float) -> None:
        i, side, mass, parent = tag
        if math.isfinite(obj) and mass > 0:
            self.total[side, i] += max(obj - parent, 0.0) / mass
            self.count[side, i] += 1

    def needs(self, tag: tuple[int, int, float, float]) -> bool:
        """Whether the branch's client and side have fewer than `_PSEUDO_RELIABLE`
        records."""
        return bool(self.count[tag[1], tag[0]] < _PSEUDO_RELIABLE)

    def ready(self) -> bool:
        return bool(self.count[0].sum() >= _PSEUDO_MIN and self.count[1].sum() >= _PSEUDO_MIN)

    def rate(self, side: int, clients: np.ndarray) -> np.ndarray:
        mean = self.total[side].sum() / max(self.count[side].sum(), 1.0)
        c = self.count[side, clients]
        return np.where(c > 0, self.total[side, clients] / np.maximum(c, 1.0), mean)


def _branch_level(master: _Master, y: np.ndarray, pseudo: _Pseudo):
    """The radius branch: (client, columns within the radius, the next cost), or None.

    Over the client's columns sorted by cost, ``s`` is the ``y`` mass within each
    distinct level; the level whose LP term ``(D^{k+1} − D^k)·min(s, 1 − s)`` is
    largest is chosen.
    """
    if master.sorted_cols is None:  # static: each client's columns by cost, level jumps
        order = np.argsort(master.w, axis=1, kind="stable")
        ds = np.take_along_axis(master.w, order, axis=1)
        nxt = np.concatenate([ds[:, 1:], np.full((master.n, 1), np.inf)], axis=1)
        with np.errstate(invalid="ignore"):
            master.jump = np.where(np.isfinite(nxt), nxt - ds, 0.0)
        master.next_cost = nxt
        master.sorted_cols = order
    order = master.sorted_cols
    cs = np.cumsum(y[order], axis=1)  # inf-cost columns sort last and have jump 0
    frac = np.minimum(cs, 1.0 - cs)
    score = np.where(frac > 1e-6, frac, 0.0) * master.jump
    flat = int(np.argmax(score))
    if score.flat[flat] <= 0:
        return None
    if pseudo.ready():
        # among the best few by LP term, the one whose two children are both
        # expected to raise the bound most (product of the pseudo-cost estimates)
        top = np.flatnonzero(score > 0)  # few: only the fractional levels
        if len(top) > _PSEUDO_CANDIDATES:
            best = np.argpartition(score.flat[top], -_PSEUDO_CANDIDATES)
            top = top[best[-_PSEUDO_CANDIDATES:]]
        ci, cq = np.divmod(top, master.mc)
        s = cs[ci, cq]
        est = np.maximum((1.0 - s) * pseudo.rate(0, ci), 1e-6) * np.maximum(
            s * pseudo.rate(1, ci), 1e-6
        )
        flat = int(top[np.argmax(est)])
    i, q = divmod(flat, master.mc)
    return i, order[i, : q + 1], float(master.next_cost[i, q]), float(cs[i, q])


def solve_benders(
    wcost: np.ndarray,
    p: int,
    *,
    fixed: np.ndarray,
    allowed: np.ndarray,
    incumbent: np.ndarray,
    ub: float,
    step: float,
    deadline: Deadline,
    node_limit: int | None = None,
    pseudo: np.ndarray | None = None,
) -> BendersOutcome:
    """Solve one p-median block exactly; see the module docstring.

    ``incumbent`` (global columns, objective ``ub``) must be feasible; ``step`` is 1
    for integer data (an improving solution is at least 1 better), else 0.
    ``pseudo`` (``BendersOutcome.pseudo`` of a similar earlier solve, the same rows)
    starts the tree's pseudo-costs there: on 700/10/710 with one closed site forced
    open, 331 -> 201-251 nodes.
    """
    n = wcost.shape[0]
    details: dict[str, object] = {"method": "branch-and-Benders-cut"}
    cols = np.flatnonzero(allowed)
    lower = np.zeros(len(cols))
    lower[np.searchsorted(cols, fixed)] = 1.0
    master = _Master(wcost, cols, p, lower)
    _, d_inc = nearest_open(wcost, incumbent)
    master.add_cuts(np.arange(n), d_inc)
    core = np.zeros(len(cols))
    core[np.searchsorted(cols, incumbent)] = 1.0
    ok, lb, y, rc, rounds = _root(master, core, deadline)
    details["root_rounds"] = rounds
    details["root_cuts"] = int(sum(len(c) for c in master.cut_client))
    details["lp_seconds"] = deadline.elapsed()

    if not ok:
        infeasible = master.h.getModelStatus() == _INFEASIBLE
        status = "infeasible" if infeasible else "time limit reached (LP unfinished)"
        return BendersOutcome(incumbent, ub, -math.inf, False, status, details, pseudo)
    details["lp_bound"] = lb
    # LP-guided incumbent
    order = cols[np.argsort(-y, kind="stable")]
    cand = greedy_interchange(
        wcost, p, fixed=fixed, allowed=allowed, start=order[:p], deadline=deadline
    )
    value = float(nearest_open(wcost, cand)[1].sum())
    if value < ub:
        incumbent, ub = np.sort(cand), value
    if not proved(lb, ub, step) and ub - lb > _RESTART_GAP * max(1.0, abs(ub)):
        incumbent, ub = _restarts(
            wcost,
            p,
            y,
            cols=cols,
            fixed=fixed,
            allowed=allowed,
            best=(incumbent, ub),
            deadline=deadline,
        )
        details["restart_objective"] = ub
    if proved(lb, ub, step):
        status = "optimal (LP bound meets incumbent)"
        return BendersOutcome(incumbent, ub, ub, True, status, details, pseudo)
    # -- root reduced-cost fixing, a fresh master over the kept columns ---------------
    slack = ub - step - lb + 1e-7 * max(1.0, abs(ub))
    keep = (rc <= slack) | (lower > 0)
    one = (rc < -slack) & keep
    cl, lv = master.binding()
    kept = cols[keep]
    details["sites_kept"] = len(kept)
    if not np.all(np.isfinite(wcost[:, kept].min(axis=1))):
        # some client can use none of the kept columns: no improving solution
        status = "optimal (no improving solution)"
        return BendersOutcome(incumbent, ub, ub, True, status, details, pseudo)
    lower_k = np.where(one | (lower > 0), 1.0, 0.0)[keep]
    del master
    tree = _Tree(
        wcost,
        kept,
        p,
        lower_k,
        cuts=(cl, lv),
        fixed=fixed,
        allowed=allowed,
        step=step,
        deadline=deadline,
        node_limit=node_limit,
        pseudo=pseudo,
    )
    tree.ub, tree.incumbent = ub, incumbent
    tree.run(_Node(lb, 0, lower_k, np.ones(len(kept)), tree.d0, frozenset()))
    incumbent, ub = tree.incumbent, tree.ub
    details["bnb_nodes"] = tree.nodes
    details["lp_solves"] = tree.lps
    details["lps_stopped_at_cutoff"] = tree.stops
    details["cuts"] = tree.rows_total
    details["tree_workers"] = 1 + len(tree.threads)
    learnt = tree.pseudo.state()
    if tree.stopped:
        open_bound = min([nd.bound for nd in tree.heap if nd.bound <= tree.cutoff()], default=ub)
        lb = max(lb, min(open_bound, ub))
        if proved(lb, ub, step):
            return BendersOutcome(incumbent, ub, ub, True, "optimal", details, learnt)
        return BendersOutcome(incumbent, ub, lb, False, tree.status, details, learnt)
    status = "optimal (no improving solution)"
    return BendersOutcome(incumbent, ub, ub, True, status, details, learnt)


def _restarts(
    wcost: np.ndarray,
    p: int,
    y: np.ndarray,
    *,
    cols: np.ndarray,
    fixed: np.ndarray,
    allowed: np.ndarray,
    best: tuple[np.ndarray, float],
    deadline: Deadline,
) -> tuple[np.ndarray, float]:
    """Vertex substitution from `_RESTARTS` starts drawn with probability ∝ the root
    LP's ``y`` (seeded: repeatable); the best of them and the incumbent."""
    incumbent, ub = best
    rng = np.random.default_rng(len(cols) * 1_000_003 + p)
    prob = y + 1e-3
    prob = prob / prob.sum()
    k = min(p, len(cols))
    for _ in range(_RESTARTS):
        if deadline.expired():
            break
        start = cols[rng.choice(len(cols), k, replace=False, p=prob)]
        cand = greedy_interchange(
            wcost, p, fixed=fixed, allowed=allowed, start=start, deadline=deadline
        )
        value = float(nearest_open(wcost, cand)[1].sum())
        if value < ub:
            incumbent, ub = np.sort(cand), value
    return incumbent, ub


def _workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(_MAX_WORKERS, cores))


class _Tree:
    """The branch and bound of step 3, run by `_workers` threads, each on its own copy
    of the master (HiGHS releases the GIL while it solves, so two LPs run at once).

    Shared under one lock: the open nodes, the incumbent, the pseudo-costs and the
    rows added in the tree (cuts and cover rows) in one global order, which every
    worker's master applies before each node, so row indices, bases and cover rows
    mean the same on every copy.
    """

    def __init__(
        self,
        wcost: np.ndarray,
        kept: np.ndarray,
        p: int,
        lower_k: np.ndarray,
        *,
        cuts: tuple[np.ndarray, np.ndarray],
        fixed: np.ndarray,
        allowed: np.ndarray,
        step: float,
        deadline: Deadline,
        node_limit: int | None,
        pseudo: np.ndarray | None = None,
    ) -> None:
        self.wcost, self.kept, self.p, self.lower_k = wcost, kept, p, lower_k
        self.cl, self.lv = cuts
        self.fixed, self.allowed, self.step = fixed, allowed, step
        self.deadline, self.node_limit = deadline, node_limit
        self.n, self.mc = wcost.shape[0], len(kept)
        self.d0 = wcost[:, kept].min(axis=1)
        self.ub, self.incumbent = math.inf, np.zeros(0, dtype=np.int64)
        self.heap: list[_Node] = []
        self.pseudo = _Pseudo(self.n, pseudo)
        self.rows: list[tuple[str, np.ndarray, np.ndarray | None]] = []
        self.covers: list[int] = []
        self.nodes = self.lps = self.polished = self.counter = 0
        self.stops = 0  # node LPs stopped at the cutoff by the dual simplex
        self.busy = 0
        self.stopped = False
        self.status = "optimal"
        self.rows_total = 0
        self.workers = _workers()
        self.threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []
        self.cond = threading.Condition()

    def cutoff(self) -> float:  # a node whose bound passes it holds no improving solution
        return self.ub - self.step + 1e-9 * max(1.0, abs(self.ub))

    def _master(self) -> _Master:
        tm = _Master(self.wcost, self.kept, self.p, self.lower_k)
        tm.add_cuts(self.cl, self.lv)
        tm.applied = 0
        return tm

    def _sync(self, tm: _Master) -> None:
        """Apply the rows other workers added (call holding the lock)."""
        for kind, a, b in self.rows[tm.applied :]:
            if kind == "cut":
                assert b is not None
                tm.add_cuts(a, b)
            else:
                tm.h.addRow(-INF, INF, len(a), a.astype(np.int32), np.ones(len(a)))
        tm.applied = len(self.rows)
        self.rows_total = max(self.rows_total, tm.h.getNumRow())

    def _add(self, tm: _Master, kind: str, a: np.ndarray, b: np.ndarray | None) -> int:
        """Append a row (or a block of cuts) globally and to ``tm``; its first row index."""
        with self.cond:
            self._sync(tm)
            first = tm.h.getNumRow()
            self.rows.append((kind, a, b))
            self._sync(tm)
            return first

    def _offer(self, sites: np.ndarray, value: float) -> None:
        sites = np.sort(sites)
        with self.cond:
            if not np.all(np.isin(self.fixed, sites)):
                return
            # ties: the smaller site list, whichever worker finds it first
            tie = value == self.ub and tuple(sites) < tuple(self.incumbent)
            if value < self.ub or tie:
                self.incumbent, self.ub = sites, value

    def run(self, root: _Node) -> None:
        """Solve from ``root``: one worker here, a second one started once the tree
        passes `_PARALLEL_AFTER` nodes (small trees stay sequential and repeatable)."""
        self.busy = 1
        self._guarded(self._master(), root)
        for t in self.threads:
            t.join()
        if self.errors:
            raise self.errors[0]

    def _guarded(self, tm: _Master | None, current: _Node | None) -> None:
        try:
            self._work(tm, current)
        except BaseException as exc:  # stop the other worker too, re-raised by `run`
            with self.cond:
                self.errors.append(exc)
                self.stopped = True
                self.cond.notify_all()

    def _spawn(self) -> None:
        """Start the other workers (call holding the lock)."""
        if self.workers > 1 and not self.threads and self.nodes >= _PARALLEL_AFTER:
            for _ in range(self.workers - 1):
                t = threading.Thread(target=self._guarded, args=(None, None), daemon=True)
                self.threads.append(t)
                t.start()

    def _next(self, tm: _Master, current: _Node | None) -> tuple[_Node | None, list[int], float]:
        """Under the lock: the node to solve next (None = stop), with the cover rows and
        the cutoff to use."""
        with self.cond:
            while current is None:
                if self.stopped:
                    return None, [], 0.0
                while self.heap and self.heap[0].bound > self.cutoff():
                    heapq.heappop(self.heap)
                if self.heap:
                    current = heapq.heappop(self.heap)
                    self.busy += 1
                    break
                if self.busy == 0:
                    self.cond.notify_all()
                    return None, [], 0.0
                self.cond.wait(0.05)
            limit = self.node_limit is not None and self.nodes >= self.node_limit
            if self.stopped or self.deadline.expired() or limit:
                heapq.heappush(self.heap, current)
                if not self.stopped:
                    self.stopped = True
                    expired = self.deadline.expired()
                    self.status = "time limit reached" if expired else "node limit reached"
                self.busy -= 1
                self.cond.notify_all()
                return None, [], 0.0
            self.nodes += 1
            self._spawn()
            self._sync(tm)
            if current.basis is not None:
                col_st, row_st = current.basis
                basis = highspy.HighsBasis()
                basis.col_status = col_st
                basis.row_status = row_st + [_BASIC] * (tm.h.getNumRow() - len(row_st))
                tm.h.setBasis(basis)
            return current, list(self.covers), self.cutoff()

    def _work(self, tm: _Master | None, current: _Node | None) -> None:
        if tm is None:
            tm = self._master()
        n, mc = self.n, self.mc
        all_y = np.arange(mc, dtype=np.int32)
        all_theta = np.arange(mc, mc + n, dtype=np.int32)
        wcost, kept, p = self.wcost, self.kept, self.p
        while True:
            node, covers, cut = self._next(tm, current)
            if node is None:
                return
            current = None
            tm.h.changeColsBounds(mc, all_y, node.lo, node.up)
            tm.h.changeColsBounds(n, all_theta, node.theta_lo, np.full(n, INF))
            if covers:
                rl = np.array([1.0 if r in node.covers else -INF for r in covers])
                # highspy has changeRowsBounds; its type stubs do not list it
                tm.h.changeRowsBounds(  # type: ignore[attr-defined]
                    len(covers), np.array(covers, dtype=np.int32), rl, np.full(len(covers), INF)
                )
            # the dual simplex stops once its objective passes the cutoff, unless the
            # branch's pseudo-cost still needs the LP's value
            learn = node.tag is not None and self.pseudo.needs(node.tag)
            tm.stop_past(INF if learn else cut)
            exact, obj, y, rc, k = _separate_loop(
                tm, cut, self.deadline, lambda v, t, tm=tm: self._add(tm, "cut", v, t)
            )
            past = tm.h.getModelStatus() == _PAST_BOUND
            with self.cond:
                self.lps += k
                self.stops += past
                if node.tag is not None and not past:
                    self.pseudo.record(node.tag, obj)
            if not exact:
                if obj <= self.cutoff() and self.deadline.expired():
                    with self.cond:  # unfinished: its parent's bound still holds
                        heapq.heappush(self.heap, node)
                        self.stopped, self.status = True, "time limit reached"
                        self.busy -= 1
                        self.cond.notify_all()
                    return
                self._idle()
                continue  # infeasible or cut off
            if np.all(np.minimum(y, 1.0 - y) < 1e-6):
                open_ = kept[y > 0.5]
                self._offer(open_, float(nearest_open(wcost, open_)[1].sum()))
                self._idle()
                continue
            top = kept[np.argsort(-y, kind="stable")[:p]]
            with self.cond:
                polish = self.nodes - self.polished >= max(_POLISH_EVERY, self.nodes // 4)
                if polish:
                    self.polished = self.nodes
            if polish:
                top = greedy_interchange(
                    wcost,
                    p,
                    fixed=self.fixed,
                    allowed=self.allowed,
                    start=top,
                    deadline=self.deadline,
                )
            self._offer(top, float(nearest_open(wcost, top)[1].sum()))
            if obj > self.cutoff():
                self._idle()
                continue
            current = self._children(tm, node, obj, y, rc)
            if current is None:
                self._idle()

    def _idle(self) -> None:
        with self.cond:
            self.busy -= 1
            self.cond.notify_all()

    def _children(self, tm: _Master, node: _Node, obj: float, y, rc) -> _Node | None:
        """Branch: push one child, return the other to plunge into (None: no branch)."""
        gap = self.cutoff() - obj
        lo, up = node.lo.copy(), node.up.copy()
        up[(rc > gap) & (lo == 0)] = 0.0
        lo[(rc < -gap) & (up == 1)] = 1.0
        saved = tm.h.getBasis()
        basis_now = (list(saved.col_status), list(saved.row_status))
        pick = _branch_level(tm, y, self.pseudo)
        with self.cond:
            self.counter += 2
            counter = self.counter
        if pick is not None:
            i, within, nxt_cost, mass = pick
            r = self._add(tm, "cover", within, None)
            with self.cond:
                self.covers.append(r)
                far_up = up.copy()
                far_up[within] = 0.0
                far_theta = node.theta_lo.copy()
                far_theta[i] = max(far_theta[i], nxt_cost)
                if math.isfinite(nxt_cost) and np.all(lo <= far_up):
                    far = _Node(obj, counter, lo, far_up, far_theta, node.covers, basis_now)
                    far.tag = (i, 1, mass, obj)
                    heapq.heappush(self.heap, far)
                    self.cond.notify_all()
            near = _Node(obj, counter + 1, lo, up, node.theta_lo, node.covers | {r})
            near.tag = (i, 0, 1.0 - mass, obj)
            return near
        frac = np.minimum(y, 1.0 - y)
        free = np.flatnonzero((frac > 1e-6) & (up > lo))
        if len(free) == 0:
            return None
        j = free[np.argmax(y[free])]
        first = 1.0 if y[j] >= 0.5 else 0.0
        lo2, up2 = lo.copy(), up.copy()
        lo2[j] = up2[j] = 1.0 - first
        with self.cond:
            heapq.heappush(
                self.heap, _Node(obj, counter, lo2, up2, node.theta_lo, node.covers, basis_now)
            )
            self.cond.notify_all()
        lo1, up1 = lo.copy(), up.copy()
        lo1[j] = up1[j] = first
        return _Node(obj, counter + 1, lo1, up1, node.theta_lo, node.covers)
