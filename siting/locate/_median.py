"""Exact p-median engine: heuristic, Lagrangian reduction, then an exact method.

Private; the public entry points are `siting.locate.p_median` and
`siting.locate.joint`.  One facility type without linking rows (every
`p_median`) is solved after step 1 (and the Lagrangian phase for large models)
by branch-and-Benders-cut with radius branching (`siting.locate._benders`);
joint models, and ``engine="radius"``, by steps 2-4 below.  Everything here
works on a *weighted* cost matrix ``W = weight[:, None] * cost`` (``inf`` = not
allowed) over candidate columns ``0..m-1``, for one or two facility types
("blocks") that share the columns.

Method
------
1. **Heuristic incumbent**: greedy addition, then best-improvement vertex
   substitution (Teitz & Bart 1968) evaluated with the fast-interchange
   bookkeeping of Whitaker (1983) / Resende & Werneck (2007), vectorised.
2. **LP bound on the radius formulation** (Elloumi 2010; Garcia, Labbé & Marín
   2011).  For client ``i`` with sorted distinct costs ``D_i^0 < D_i^1 < …``,
   ``z_i^k = 1`` when no open site is closer than ``D_i^{k+1}``; in the sparse
   chained form ``Σ_{j: W_ij = D_i^k} y_j + z_i^k − z_i^{k−1} ≥ [k = 0]`` and cost
   ``D_i^0 + Σ_k (D_i^{k+1} − D_i^k) z_i^k``.  Only levels up to the
   ``(m − p + 1)``-th nearest candidate can matter.  Levels are *generated*: each
   client starts with the levels up to its heuristic distance, and a client
   whose last ``z`` is positive in the LP optimum gets more (a capped client is
   a relaxation; when none is capped the LP equals the full one).  The LP is
   re-solved warm with dual simplex after each extension.
3. **Reduced-cost fixing** with the LP duals: sites whose reduced cost exceeds
   the incumbent gap cannot be in an improving solution and are dropped; a
   client level whose ``z`` is fixed to 0 caps that client's radius.  With
   integer data an improving solution is at least 1 better, which tightens this.
4. **MIP rounds** over the reduced candidates: exact levels up to one level
   beyond each client's LP radius and incumbent cost (``EXACT_MARGIN``), then
   ``TAIL_GROUPS`` geometrically coarser level groups, and nothing
   beyond (the last kept group's ``z`` charges only up to the next level: a valid
   under-estimate of the cost that keeps far sites out of each client's rows —
   2-3x faster MIPs on n = 700-900).  With integer data HiGHS gets the
   incumbent as an objective cutoff at ``ub − 1`` (``objective_bound``): every
   node whose bound reaches it is pruned, so the proof needs the bound to pass
   ``ub − 1``, not ``ub``, and the search never explores non-improving subtrees
   (otherwise the incumbent is a MIP start).  If a client's true cost in
   HiGHS' solution is under-estimated, its levels are refined and the MIP is
   solved again.  Optimality is proven when HiGHS reports ``Optimal`` and no
   client is under-estimated, when the cutoff search ends without a solution
   below the cutoff (no improving solution exists), or when a HiGHS-certified
   bound meets the incumbent.  With a time or node limit the best solution and
   the certified bound are returned.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace

import highspy
import numpy as np

from siting.locate._benders import solve_benders
from siting.locate._heuristics import Block, greedy_interchange, nearest_open
from siting.locate._highs import INF, Deadline, build_lp, new_highs, proved, run_mip
from siting.locate._lagrange import lagrangian_reduce
from siting.locate._radius import Levels, RadiusLP

__all__ = [
    "Block",
    "MedianResult",
    "greedy_interchange",
    "nearest_open",
    "solve_median",
]

logger = logging.getLogger(__name__)

_TOL = 1e-9

# Coarse tail groups kept per client in a MIP round (None: all, to the last level).
TAIL_GROUPS: int | None = 2


# ----------------------------------------------------------------------------------------
# MIP phase: reduced candidates, exact levels + coarse tail groups
# ----------------------------------------------------------------------------------------


@dataclass
class _MipModel:
    lp: highspy.HighsLp
    levels: list[Levels]
    gstart: list[np.ndarray]  # flat level index of each group start
    gclient: list[np.ndarray]
    zcol: list[np.ndarray]  # z column of each group (-1 for the last group of a client)
    gnext: list[np.ndarray] = field(default_factory=list)  # flat level where a group ends
    exact: list[np.ndarray] = field(default_factory=list)


def _groups(lv: Levels, exact: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group starts: every level up to ``exact``, then sizes 1, 2, 4, … to the end."""
    starts: list[np.ndarray] = []
    for i in range(lv.n):
        k = int(lv.K[i])
        e = min(int(exact[i]), k - 1)
        tail = []
        s, g = e + 1, 1
        while s < k:
            tail.append(s)
            s += g
            g *= 2
        starts.append(
            lv.start[i] + np.concatenate([np.arange(e + 1), np.asarray(tail, dtype=np.int64)])
        )
    counts = np.array([len(s) for s in starts], dtype=np.int64)
    return np.concatenate(starts).astype(np.int64), np.repeat(np.arange(lv.n), counts)


def _build_mip(
    blocks: list[Block],
    levels: list[Levels],
    exact: list[np.ndarray],
    *,
    y_lower: np.ndarray,
    y_upper: np.ndarray,
    links: tuple[np.ndarray, ...] | None,
) -> _MipModel:
    m = blocks[0].m
    nb = len(blocks)
    rows, cols, vals = [], [], []
    row_lo: list[np.ndarray] = []
    ncol = nb * m
    nrow = 0
    costs = [np.zeros(nb * m)]
    gstarts, gclients, zcols, gnexts = [], [], [], []
    for t, b in enumerate(blocks):
        rows.append(np.full(m, nrow))
        cols.append(np.arange(t * m, (t + 1) * m))
        vals.append(np.ones(m))
        row_lo.append(np.array([b.p], float))
        nrow += 1
    row_up = [np.array([b.p for b in blocks], float)]
    for t, lv in enumerate(levels):
        gs, gc = _groups(lv, exact[t])
        last = np.ones(len(gs), dtype=bool)
        last[:-1] = gc[1:] != gc[:-1]
        nxt = np.where(last, lv.start[gc + 1], np.concatenate([gs[1:], [0]]))
        if TAIL_GROUPS is not None:
            # Drop the groups beyond the first TAIL_GROUPS coarse ones: the last kept
            # group's z then charges only up to the next start (an under-estimate
            # that the refinement loop corrects), and the model loses most of the
            # y entries of far levels.
            rank = gs - lv.start[gc]
            e = np.minimum(exact[t], lv.K - 1)[gc]
            keep = rank <= e
            tail_pos = np.cumsum(~keep) - 1
            client_first = np.searchsorted(gc, gc)  # index of each client's first group
            before = np.concatenate([[0], np.cumsum(~keep)])[client_first]
            first_tail = tail_pos - before + 1  # 1-based position among the tail groups
            keep |= first_tail <= TAIL_GROUPS
            gs, gc, nxt, last = gs[keep], gc[keep], nxt[keep], last[keep]
        ng = len(gs)
        first = np.ones(ng, dtype=bool)
        first[1:] = gc[1:] != gc[:-1]
        hasz = ~last
        nz = int(hasz.sum())
        zc = np.full(ng, -1, dtype=np.int64)
        zc[hasz] = ncol + np.arange(nz)
        costs.append(lv.lv[nxt[hasz]] - lv.lv[gs[hasz]])
        ncol += nz
        owner, ycols = lv.members(gs, nxt, gc)
        grow = nrow + np.arange(ng)
        zi = np.flatnonzero(hasz)
        pi = np.flatnonzero(~first)
        rows += [grow[owner], grow[zi], grow[pi]]
        cols += [ycols + t * m, zc[zi], zc[pi - 1]]
        vals += [np.ones(len(owner) + len(zi)), -np.ones(len(pi))]
        row_lo.append(first.astype(float))
        row_up.append(np.full(ng, INF))
        nrow += ng
        gstarts.append(gs)
        gclients.append(gc)
        zcols.append(zc)
        gnexts.append(nxt)
    if links is not None:
        lr, lc, lvv, llo, lup = links
        rows.append(lr + nrow)
        cols.append(lc)
        vals.append(lvv)
        row_lo.append(llo)
        row_up.append(lup)
        nrow += len(llo)
    cost = np.concatenate(costs)
    col_lo = np.concatenate([y_lower, np.zeros(ncol - nb * m)])
    col_up = np.concatenate([y_upper, np.full(ncol - nb * m, INF)])
    integer = np.zeros(ncol, dtype=bool)
    integer[: nb * m] = True
    offset = float(sum(lv.lv[lv.start[:-1]].sum() for lv in levels))
    lp = build_lp(
        cost=cost,
        col_lower=col_lo,
        col_upper=col_up,
        row_lower=np.concatenate(row_lo),
        row_upper=np.concatenate(row_up),
        rows=np.concatenate(rows),
        cols=np.concatenate(cols),
        vals=np.concatenate(vals),
        integer=integer,
        offset=offset,
    )
    return _MipModel(
        lp=lp,
        levels=levels,
        gstart=gstarts,
        gclient=gclients,
        zcol=zcols,
        exact=exact,
        gnext=gnexts,
    )


def _mip_start(
    model: _MipModel, blocks: list[Block], sites: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    m = blocks[0].m
    idx = [np.arange(len(blocks) * m)]
    y = np.zeros(len(blocks) * m)
    vals = []
    for t, b in enumerate(blocks):
        y[t * m + sites[t]] = 1.0
        _, d = nearest_open(b.wcost, sites[t])
        lv, gc, zc = model.levels[t], model.gclient[t], model.zcol[t]
        has = zc >= 0
        # z of group g is 1 when the client's cost reaches the next group's start
        nxt = model.gnext[t][has]
        z = (d[gc[has]] >= lv.lv[nxt] * (1 - 1e-12) - 1e-12).astype(float)
        idx.append(zc[has])
        vals.append(z)
    return np.concatenate(idx), np.concatenate([y, *vals])


def _undercharged(model: _MipModel, t: int, d: np.ndarray) -> np.ndarray:
    """Clients whose true cost ``d`` exceeds the start of the group holding it."""
    lv, gs, gc = model.levels[t], model.gstart[t], model.gclient[t]
    # for each client the last group start whose level ≤ d
    start_level = lv.lv[gs]
    ok = start_level <= d[gc] * (1 + 1e-12) + 1e-12
    # last True per client: groups are sorted within a client
    idx = np.flatnonzero(ok)
    last_ok = np.full(lv.n, -1, dtype=np.int64)
    np.maximum.at(last_ok, gc[idx], idx)
    charged = start_level[last_ok]
    return np.flatnonzero(d > charged + 1e-9 * np.maximum(1.0, np.abs(d)))


# Exact MIP levels per client beyond both its LP radius (last positive z) and its
# incumbent cost (None: every level the LP generated).
EXACT_MARGIN: int | None = 1


def _exact_depth(
    radius: RadiusLP, t: int, x: np.ndarray, incumbent: list[np.ndarray] | None
) -> np.ndarray:
    """Per client, the last level the MIP keeps exact (index into its LP levels).

    The LP generated levels generously (doubling for capped clients); the MIP
    needs them only around the radii that matter — the LP's and the incumbent's.
    Fewer exact rows make every node LP cheaper; beyond them the coarse tail
    groups keep the model a relaxation and the refinement loop stays exact.
    """
    lv, built = radius.levels[t], radius.built[t]
    full = np.maximum(built - 1, 0)
    if EXACT_MARGIN is None:
        return full
    zc = radius.zcol[t]
    client = np.repeat(np.arange(lv.n), lv.K)
    rank = np.arange(len(zc)) - lv.start[client]
    pos = np.zeros(len(zc), dtype=bool)
    has = zc >= 0
    pos[has] = x[zc[has]] > 1e-9
    need = np.zeros(lv.n, dtype=np.int64)
    np.maximum.at(need, client[pos], rank[pos] + 1)
    if incumbent is not None:
        need = np.maximum(need, lv.level_of(nearest_open(radius.blocks[t].wcost, incumbent[t])[1]))
    return np.minimum(need + EXACT_MARGIN, full)


# ----------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MedianResult:
    """Outcome of `solve_median` (engine column indices)."""

    sites: list[np.ndarray]
    objective: float
    lower_bound: float
    proven: bool
    status: str
    details: dict[str, object]
    # The Lagrangian phase's multipliers (single block), for a later warm start.
    multipliers: np.ndarray | None = None
    # The Benders tree's pseudo-costs (`siting.locate._benders.BendersOutcome.pseudo`).
    pseudo_costs: np.ndarray | None = None


def _integral(blocks: list[Block]) -> bool:
    for b in blocks:
        w = b.wcost[np.isfinite(b.wcost)]
        if w.size and not np.all(w == np.round(w)):
            return False
    return True


def _total(blocks: list[Block], sites: list[np.ndarray] | None) -> float:
    if sites is None:
        return math.inf
    return float(sum(nearest_open(b.wcost, s)[1].sum() for b, s in zip(blocks, sites, strict=True)))


# Models this large (or this wide) get the Lagrangian phase before the radius LP.
_LARGE_CELLS = 2_000_000


def _large(b: Block) -> bool:
    usable = int(b.allowed.sum())
    return b.n * usable >= _LARGE_CELLS or usable >= 2 * b.n


def _solve_reduced(
    b: Block,
    keep: np.ndarray,
    incumbent: np.ndarray,
    *,
    lb: float,
    deadline: Deadline,
    node_limit: int | None,
    details: dict[str, object],
    engine: str = "auto",
    pseudo_costs: np.ndarray | None = None,
) -> MedianResult:
    """Solve the model restricted to the ``keep`` columns (which hold the incumbent and
    every improving solution, see `siting.locate._lagrange`) and map the result back."""
    cols = np.flatnonzero(keep)
    sub = Block(
        wcost=b.wcost[:, cols],
        p=b.p,
        fixed=np.searchsorted(cols, b.fixed),
        allowed=np.ones(len(cols), dtype=bool),
    )
    left = deadline.remaining()
    res = solve_median(
        [sub],
        start=[np.searchsorted(cols, incumbent)],
        time_limit_s=left if math.isfinite(left) else None,
        node_limit=node_limit,
        reduce=False,
        engine=engine,
        pseudo_costs=pseudo_costs,
    )
    merged = {**details, **{f"reduced_{k}": v for k, v in res.details.items()}}
    merged["seconds"] = deadline.elapsed()
    bound = res.objective if res.proven else max(res.lower_bound, min(lb, res.objective))
    status = res.status
    if not res.proven and math.isfinite(bound) and "(no bound yet)" in status:
        status = status.replace(" (no bound yet)", " (Lagrangian bound)")
    return MedianResult(
        sites=[cols[s] for s in res.sites],
        objective=res.objective,
        lower_bound=bound,
        proven=res.proven,
        status=status,
        details=merged,
        pseudo_costs=res.pseudo_costs,
    )


def solve_median(  # noqa: PLR0911 (each proof or stop returns its own status)
    blocks: list[Block],
    *,
    links: tuple[np.ndarray, ...] | None = None,
    start: list[np.ndarray] | None = None,
    time_limit_s: float | None = None,
    node_limit: int | None = None,
    reduce: bool = True,
    engine: str = "auto",
    multipliers: np.ndarray | None = None,
    pseudo_costs: np.ndarray | None = None,
) -> MedianResult:
    """Solve a (joint) p-median model exactly; see the module docstring.

    Parameters
    ----------
    blocks : list of Block
        One or two facility types sharing the candidate columns.
    links : tuple, optional
        Extra linear rows over the stacked ``y`` columns:
        ``(rows, cols, vals, row_lower, row_upper)``.
    start : list of numpy.ndarray, optional
        A feasible open set per block (the incumbent); computed per block by
        `greedy_interchange` when omitted (only valid without ``links``).
    time_limit_s : float, optional
        Wall-clock budget for the whole solve.
    node_limit : int, optional
        Branch-and-bound node limit per HiGHS MIP run.
    reduce : bool
        Run the Lagrangian phase (`_lagrangian_first`) on large single-block models.
    engine : {"auto", "radius"}
        ``"auto"``: one facility type without links goes to branch-and-Benders-cut
        (`siting.locate._benders`), joint models to the radius MIP; ``"radius"``
        forces the radius LP + HiGHS MIP (kept for joint models, and as the
        independent second engine the tests and benchmarks compare against).
    multipliers : numpy.ndarray, optional
        Starting multipliers for the Lagrangian phase (one block's rows), e.g.
        `MedianResult.multipliers` of a similar earlier solve.
    pseudo_costs : numpy.ndarray, optional
        Starting pseudo-costs of the Benders tree (one block's rows), e.g.
        `MedianResult.pseudo_costs` of a similar earlier solve.
    """
    deadline = Deadline(time_limit_s)
    details: dict[str, object] = {}
    # Integer data: an improving solution is at least 1 better.
    step = 1.0 if _integral(blocks) else 0.0
    lagrangian = reduce and links is None and len(blocks) == 1 and _large(blocks[0])
    if start is None and links is None:
        # Large models: greedy only; the Lagrangian phase runs the interchange from
        # better starts over far fewer columns.
        start = [
            greedy_interchange(
                b.wcost,
                b.p,
                fixed=b.fixed,
                allowed=b.allowed,
                deadline=deadline,
                max_swaps=0 if lagrangian else 10_000,
            )
            for b in blocks
        ]
    incumbent = start
    ub = _total(blocks, incumbent)
    if not math.isfinite(ub):
        incumbent, ub = None, math.inf
    details["heuristic_objective"] = ub
    details["heuristic_seconds"] = deadline.elapsed()
    levels = [Levels(b.wcost, b.allowed, b.p, b.fixed) for b in blocks]
    trivial = float(sum(lv.lv[lv.start[:-1]].sum() for lv in levels))
    lb = trivial

    found_lam: list[np.ndarray] = []  # the Lagrangian phase's multipliers, if it ran
    learnt: list[np.ndarray] = []  # the Benders tree's pseudo-costs, if it ran

    def finish(status: str, proven: bool) -> MedianResult:
        best_lb = ub if proven else min(lb, ub)
        if not proven and lb <= trivial and incumbent is not None:
            # Only Σ_i min_j W_ij is known (0 when clients are candidates): say so
            # instead of printing it as a bound with a 100 % gap.
            best_lb = -math.inf
            status += " (no bound yet)"
        if step > 0 and math.isfinite(best_lb) and not proven:
            best_lb = min(ub, math.ceil(best_lb - 1e-6 * max(1.0, abs(best_lb))))
        details["seconds"] = deadline.elapsed()
        return MedianResult(
            sites=[np.sort(s) for s in incumbent] if incumbent is not None else [],
            objective=ub,
            lower_bound=best_lb,
            proven=proven,
            status=status,
            details=details,
            multipliers=found_lam[0] if found_lam else None,
            pseudo_costs=learnt[0] if learnt else pseudo_costs,
        )

    if incumbent is not None and proved(lb, ub, step):
        return finish("optimal (trivial bound)", True)
    if deadline.expired():
        return finish("time limit reached (heuristic only)", False)

    # -- Lagrangian phase (large single-block models) -----------------------------------
    if (
        reduce
        and links is None
        and len(blocks) == 1
        and incumbent is not None
        and _large(blocks[0])
    ):
        b = blocks[0]

        def improve(begin: np.ndarray, pool: np.ndarray) -> tuple[np.ndarray, float]:
            # Interchange over the pool's columns only (pool holds begin and fixed).
            got = pool[
                greedy_interchange(
                    b.wcost[:, pool],
                    b.p,
                    fixed=np.searchsorted(pool, b.fixed),
                    allowed=b.allowed[pool],
                    start=np.searchsorted(pool, begin),
                    deadline=deadline,
                )
            ]
            return got, _total(blocks, [got])

        lag = lagrangian_reduce(
            b.wcost,
            b.p,
            fixed=b.fixed,
            allowed=b.allowed,
            incumbent=incumbent[0],
            ub=ub,
            step=step,
            deadline=deadline,
            improve=improve,
            multipliers=multipliers,
        )
        found_lam.append(lag.multipliers)
        incumbent, ub = [lag.incumbent], lag.ub
        lb = max(lb, min(lag.bound, ub))
        details["lagrangian_bound"] = lag.bound
        details["lagrangian_iterations"] = lag.iterations
        details["lagrangian_seconds"] = deadline.elapsed()
        details["lagrangian_kept"] = int(lag.keep.sum())
        if proved(lb, ub, step):
            return finish("optimal (Lagrangian bound meets incumbent)", True)
        if deadline.expired():
            return finish("time limit reached (Lagrangian phase)", False)
        if lag.keep.sum() < b.allowed.sum():
            reduced = _solve_reduced(
                b,
                lag.keep,
                incumbent[0],
                lb=lb,
                deadline=deadline,
                node_limit=node_limit,
                details=details,
                engine=engine,
                pseudo_costs=pseudo_costs,
            )
            return replace(reduced, multipliers=lag.multipliers)

    # -- one facility type: branch-and-Benders-cut (`siting.locate._benders`) -----------
    if engine == "auto" and links is None and len(blocks) == 1 and incumbent is not None:
        b = blocks[0]
        bd = solve_benders(
            b.wcost,
            b.p,
            fixed=b.fixed,
            allowed=b.allowed,
            incumbent=incumbent[0],
            ub=ub,
            step=step,
            deadline=deadline,
            node_limit=node_limit,
            pseudo=pseudo_costs,
        )
        details.update(bd.details)
        if bd.pseudo is not None:
            learnt.append(bd.pseudo)
        if bd.sites is not None:
            incumbent, ub = [bd.sites], bd.objective
        if bd.proven:
            lb = ub
        elif math.isfinite(bd.lower_bound):
            lb = max(lb, min(bd.lower_bound, ub))
        if bd.status == "infeasible":
            return finish("infeasible", False)
        return finish(bd.status, bd.proven)

    # -- LP phase (joint models) ---------------------------------------------------------
    radius = RadiusLP(blocks, levels, links, deadline)
    if incumbent is not None:
        start_built = [
            lv.level_of(nearest_open(b.wcost, s)[1]) + 2
            for b, lv, s in zip(blocks, levels, incumbent, strict=True)
        ]
    else:
        start_built = [np.minimum(lv.K, 4) for lv in levels]
    lp_status, lp_bound, x, rc = radius.solve(start_built)
    details["lp_seconds"] = deadline.elapsed()
    if lp_status == "infeasible":
        return finish("infeasible", False)
    if lp_status != "optimal":
        if incumbent is None:
            return finish("time limit reached (no solution)", False)
        return finish("time limit reached (LP unfinished)", False)
    lb = max(lb, lp_bound)
    details["lp_bound"] = lp_bound
    m = blocks[0].m
    nb = len(blocks)
    # LP-guided incumbent: open the largest y values, then interchange (single block).
    if links is None:
        cand = []
        for t, b in enumerate(blocks):
            y = x[t * m : (t + 1) * m]
            order = np.argsort(-y, kind="stable")
            cand.append(
                greedy_interchange(
                    b.wcost,
                    b.p,
                    fixed=b.fixed,
                    allowed=b.allowed,
                    start=order[: b.p],
                    deadline=deadline,
                )
            )
        value = _total(blocks, cand)
        if value < ub:
            incumbent, ub = cand, value
    if incumbent is not None and proved(lb, ub, step):
        return finish("optimal (LP bound meets incumbent)", True)

    # -- reduced-cost fixing -----------------------------------------------------------
    y_lower = np.zeros(nb * m)
    y_upper = np.zeros(nb * m)
    for t, b in enumerate(blocks):
        y_upper[t * m : (t + 1) * m] = b.allowed
        y_lower[t * m + b.fixed] = 1.0
    caps: list[np.ndarray | None] = [None] * nb
    if math.isfinite(ub):
        slack = ub - step - lb + 1e-7 * max(1.0, abs(ub))
        y_rc = rc[: nb * m]
        y_upper[(y_rc > slack) & (y_lower == 0)] = 0.0
        y_lower[(y_rc < -slack) & (y_upper == 1)] = 1.0
        for t, lv in enumerate(levels):
            zc = radius.zcol[t]
            has = zc >= 0
            fixed_z = np.zeros(len(zc), dtype=bool)
            fixed_z[has] = rc[zc[has]] > slack
            if fixed_z.any():
                client_of = np.repeat(np.arange(lv.n), lv.K)
                cap = np.full(lv.n, np.inf)
                hit = np.flatnonzero(fixed_z)
                np.minimum.at(cap, client_of[hit], lv.lv[hit])
                caps[t] = cap
        details["sites_kept"] = int(y_upper.sum())
    # -- MIP rounds ----------------------------------------------------------------------
    usable = [y_upper[t * m : (t + 1) * m] > 0 for t in range(nb)]
    mip_levels = []
    exact = []
    for t, b in enumerate(blocks):
        fixed_t = np.flatnonzero(y_lower[t * m : (t + 1) * m] > 0)
        mlv = Levels(b.wcost, usable[t], b.p, fixed_t, caps[t])
        mip_levels.append(mlv)
        horizon = levels[t].lv[levels[t].start[:-1] + _exact_depth(radius, t, x, incumbent)]
        exact.append(mlv.level_of(horizon))
    rounds = 0
    status = "no MIP run"
    while True:
        rounds += 1
        model = _build_mip(blocks, mip_levels, exact, y_lower=y_lower, y_upper=y_upper, links=links)
        h = new_highs(deadline)
        h.passModel(model.lp)
        mip_start = None
        cutoff = None
        if incumbent is not None and step > 0:
            # Integer data: an improving solution costs at most ub − 1, and so does its
            # (under-charged) MIP image; HiGHS prunes every node whose bound reaches
            # the cutoff, which proves far sooner than closing the gap to ub itself.
            cutoff = ub - step + min(0.5 * step, 1e-6 * max(1.0, abs(ub)))
        elif incumbent is not None and all(
            np.all(y_upper[t * m + s] > 0) for t, s in enumerate(incumbent)
        ):
            mip_start = _mip_start(model, blocks, incumbent)
        out = run_mip(h, deadline, start=mip_start, node_limit=node_limit, cutoff=cutoff)
        status = out.status
        details["mip_rounds"] = rounds
        details["mip_nodes"] = int(details.get("mip_nodes", 0)) + out.nodes  # type: ignore[call-overload]
        exhausted = out.optimal and (cutoff is None or not out.objective < cutoff)
        if out.infeasible or (cutoff is not None and exhausted):
            if incumbent is None:
                return finish("infeasible", False)
            # No improving solution exists in the reduced space: the incumbent is optimal.
            lb = ub
            return finish("optimal (no improving solution)", True)
        refine = []
        if out.x is not None:
            sites = [np.flatnonzero(out.x[t * m : (t + 1) * m] > 0.5) for t in range(nb)]
            value = _total(blocks, sites)
            if value < ub:
                incumbent, ub = sites, value
            for t, b in enumerate(blocks):
                _, d = nearest_open(b.wcost, sites[t])
                refine.append(_undercharged(model, t, d))
        # The MIP is a relaxation of the reduced problem, which holds every
        # improving solution: min(incumbent, its bound) is a valid lower bound.
        bound = out.objective if out.optimal else out.bound
        lb = max(lb, min(ub, bound))
        if out.optimal and not any(len(r) for r in refine):
            return finish("optimal", incumbent is not None)
        if incumbent is not None and proved(lb, ub, step):
            return finish("optimal", True)
        if out.optimal and not deadline.expired():
            for t, r in enumerate(refine):
                if len(r):
                    _, d = nearest_open(blocks[t].wcost, sites[t])
                    exact[t][r] = np.maximum(exact[t][r], mip_levels[t].level_of(d)[r] + 1)
            continue
        return finish(status if incumbent is not None else f"{status} (no solution)", False)
