"""MIP builders and small heuristics for `siting.locate` (private).

Set cover (used by `siting.locate.p_center` and `siting.locate.lscp`), the greedy
p-center start, and the strong capacitated facility-location model behind
`siting.locate.fixed_charge`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import highspy
import numpy as np

from siting.locate._highs import INF, Deadline, build_lp, new_highs, run_mip

__all__ = [
    "Cover",
    "capacitated_model",
    "center_greedy",
    "center_radius",
    "cover_at_most",
    "pad_sites",
    "set_cover",
    "unique_rows",
]


@dataclass(frozen=True)
class Cover:
    status: str  # "optimal", "infeasible" (no cover at all) or "stopped"
    sites: np.ndarray | None  # free columns of the best cover found
    count: float  # its size (inf without one)
    bound: float  # proven lower bound on the size


def unique_rows(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct boolean rows of ``mask`` and the inverse index."""
    packed = np.packbits(mask, axis=1)
    _, first, inverse = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    return mask[first], inverse.reshape(-1)


def _dominance(rows_mask: np.ndarray, rounds: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Set-cover reductions: drop a column whose rows are a subset of another column's
    (ties: keep the lower index) and a row whose columns include another row's (it
    is covered whenever that row is); repeated while they bite.  A minimum cover of
    the reduced matrix is a minimum cover of the original.

    Returns the reduced matrix and the original index of each kept column.
    """
    cols = np.arange(rows_mask.shape[1])
    a = rows_mask
    for _ in range(rounds):
        f = a.astype(np.float32)
        size_c = f.sum(axis=0)
        inter = f.T @ f  # inter[j, k] = rows covered by both j and k
        sub = inter >= size_c[:, None] - 0.5  # cov(j) ⊆ cov(k)
        idx = np.arange(len(size_c))
        beats = (size_c[None, :] > size_c[:, None]) | (
            (size_c[None, :] == size_c[:, None]) & (idx[None, :] < idx[:, None])
        )
        drop_c = (sub & beats).any(axis=1)
        size_r = f.sum(axis=1)
        inter_r = f @ f.T  # inter_r[k, i] = columns covering both k and i
        sub_r = inter_r >= size_r[:, None] - 0.5  # cov(k) ⊆ cov(i)
        ridx = np.arange(len(size_r))
        smaller = (size_r[:, None] < size_r[None, :]) | (
            (size_r[:, None] == size_r[None, :]) & (ridx[:, None] < ridx[None, :])
        )
        drop_r = (sub_r & smaller).any(axis=0)
        if not drop_c.any() and not drop_r.any():
            break
        # rows first: their test used every column, which stays valid after dropping
        # dominated columns only if done on the same matrix; drop both from this one
        a = a[~drop_r][:, ~drop_c]
        cols = cols[~drop_c]
    return a, cols


def set_cover(
    covers: np.ndarray,
    deadline: Deadline,
    *,
    upper: int | None = None,
) -> Cover:
    """Minimum number of columns of ``covers`` (rows × free columns) covering every row.

    With ``upper``, the search may stop as soon as a cover of at most ``upper``
    columns is found or proved impossible.
    """
    ncol = covers.shape[1]
    if covers.shape[0] == 0:
        return Cover("optimal", np.zeros(0, dtype=np.int64), 0.0, 0.0)
    if not covers.any(axis=1).all():
        return Cover("infeasible", None, math.inf, math.inf)
    rows_mask, _ = unique_rows(covers)
    col_map = np.arange(ncol)
    if rows_mask.shape[0] * rows_mask.shape[1] <= 4_000_000:
        rows_mask, col_map = _dominance(rows_mask)
        ncol = rows_mask.shape[1]
    # greedy cover: warm start and upper bound
    left = np.ones(len(rows_mask), dtype=bool)
    greedy: list[int] = []
    while left.any():
        j = int(np.argmax(rows_mask[left].sum(axis=0)))
        greedy.append(j)
        left &= ~rows_mask[:, j]
    if upper is not None and len(greedy) <= upper:
        return Cover("optimal", np.sort(col_map[greedy]), float(len(greedy)), 0.0)
    r, cidx = np.nonzero(rows_mask)
    nrow = len(rows_mask)
    lp = build_lp(
        cost=np.ones(ncol),
        col_lower=np.zeros(ncol),
        col_upper=np.ones(ncol),
        row_lower=np.ones(nrow),
        row_upper=np.full(nrow, INF),
        rows=r,
        cols=cidx,
        vals=np.ones(len(r)),
        integer=np.ones(ncol, dtype=bool),
    )
    h = new_highs(deadline, heuristics=True)
    cutoff = None
    if upper is not None:
        # Only "is there a cover of size <= upper?" matters: stop at such a cover, and
        # prune every node that cannot give one (cutoff upper + 1/2): a root LP bound
        # above ``upper`` then answers "no" at once instead of solving for the minimum.
        h.setOptionValue("objective_target", float(upper) + 0.5)
        cutoff = float(upper) + 0.5
    h.passModel(lp)
    out = run_mip(h, deadline, start=(np.asarray(greedy), np.ones(len(greedy))), cutoff=cutoff)
    if out.infeasible:
        # with the cutoff: no cover of at most ``upper`` columns
        bound = math.inf if cutoff is None else float(upper) + 1.0  # type: ignore[arg-type]
        return Cover("infeasible", None, math.inf, bound)
    sites = None if out.x is None else col_map[np.flatnonzero(out.x > 0.5)]
    count = math.inf if sites is None else float(len(sites))
    bound = math.ceil(out.bound - 1e-6) if math.isfinite(out.bound) else 0.0
    if out.optimal:
        bound = count
    return Cover("optimal" if out.optimal else "stopped", sites, count, float(bound))


def _packing(covers: np.ndarray, rows: np.ndarray, limit: int) -> list[int]:
    """Greedily, rows (of ``rows``) no two of which share a column, fewest columns
    first; stops once it holds ``limit`` rows."""
    deg = covers[rows].sum(axis=1)
    blocked = np.zeros(covers.shape[0], dtype=bool)
    chosen: list[int] = []
    for i in rows[np.argsort(deg, kind="stable")]:
        if blocked[i]:
            continue
        chosen.append(int(i))
        if len(chosen) >= limit:
            break
        blocked |= covers[:, covers[i]].any(axis=1)
    return chosen


def cover_at_most(covers: np.ndarray, upper: int, deadline: Deadline) -> Cover:
    """Is there a cover of at most ``upper`` columns?  Answered by row generation.

    Rows that pairwise share no column need a column each: ``upper + 1`` of them
    answer "no" without a MIP.  Otherwise the cover MIP (`set_cover`) runs on
    such a packing only, and the rows its cover misses are added (again a
    packing of them) until a cover of every row is found or a subset of the rows
    already needs more than ``upper`` columns (a subset is a relaxation, so its
    bound holds for all rows) — the iterative relaxation of Contardo, Iori &
    Kramer (2019) for the p-center problem.
    """
    n = covers.shape[0]
    if n == 0:
        return Cover("optimal", np.zeros(0, dtype=np.int64), 0.0, 0.0)
    if not covers.any(axis=1).all():
        return Cover("infeasible", None, math.inf, math.inf)
    rows = _packing(covers, np.arange(n), upper + 1)
    if len(rows) > upper:
        return Cover("infeasible", None, math.inf, float(upper + 1))
    while True:
        out = set_cover(covers[rows], deadline, upper=upper)
        if out.sites is None or out.count > upper:
            return out
        missed = np.flatnonzero(~covers[:, out.sites].any(axis=1))
        if len(missed) == 0:
            return out
        rows = rows + _packing(covers, missed, len(missed))


def center_radius(c: np.ndarray, sites: np.ndarray) -> float:
    return float(c[:, sites].min(axis=1).max())


def center_greedy(c: np.ndarray, p: int, fixed: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Greedy p-center: repeatedly open the column that most lowers the radius."""
    chosen = list(fixed)
    d = c[:, fixed].min(axis=1) if len(fixed) else np.full(c.shape[0], np.inf)
    free = allowed.copy()
    free[fixed] = False
    while len(chosen) < p:
        radius = np.minimum(d[:, None], c).max(axis=0)
        total = np.minimum(d[:, None], np.where(np.isfinite(c), c, 1e300)).sum(axis=0)
        radius[~free] = np.inf
        best = np.flatnonzero(radius == radius.min())
        j = int(best[np.argmin(total[best])])
        chosen.append(j)
        free[j] = False
        d = np.minimum(d, c[:, j])
    return np.sort(np.asarray(chosen, dtype=np.int64))


def pad_sites(c: np.ndarray, sites: np.ndarray, p: int, allowed: np.ndarray) -> np.ndarray:
    """Complete ``sites`` to ``p`` columns greedily by total-cost gain (never worse)."""
    sites = np.unique(np.asarray(sites, dtype=np.int64))
    if len(sites) >= p:
        return sites
    pen = np.where(np.isfinite(c), c, 1e300)
    d = pen[:, sites].min(axis=1) if len(sites) else np.full(c.shape[0], 1e300)
    free = allowed.copy()
    free[sites] = False
    chosen = list(sites)
    while len(chosen) < p:
        gain = np.maximum(d[:, None] - pen, 0.0).sum(axis=0)
        gain[~free] = -1.0
        j = int(np.argmax(gain))
        chosen.append(j)
        free[j] = False
        d = np.minimum(d, pen[:, j])
    return np.sort(np.asarray(chosen, dtype=np.int64))


def capacitated_model(
    c: np.ndarray,
    d: np.ndarray,
    cw: np.ndarray,
    cap: np.ndarray,
    fcost: np.ndarray,
    *,
    ii: np.ndarray,
    jj: np.ndarray,
    p: int | None,
    fixed: np.ndarray,
    allowed: np.ndarray,
    single_sourcing: bool,
) -> tuple[np.ndarray, highspy.HighsLp]:
    """The strong capacitated facility-location MIP.

    Columns are ``y`` (one per candidate) then ``x`` (one per allowed pair
    ``(ii[k], jj[k])``, the share of row ``ii[k]`` served by ``jj[k]``).  Rows:
    every servable demand row fully served, ``Σ_i d_i x_ij <= cap_j y_j``,
    ``x_ij <= y_j``, ``Σ cap_j y_j >= Σ d`` (when every capacity is finite) and
    ``Σ y = p`` when ``p`` is given.

    Returns
    -------
    (objective coefficients, HighsLp)
    """
    n, m = c.shape
    total = float(d.sum())
    fixed_idx = fixed
    k = len(ii)
    ny = m
    # columns: y (m), x (k)
    obj = np.concatenate([fcost, cw[ii] * c[ii, jj]])
    col_lo = np.zeros(ny + k)
    col_lo[fixed_idx] = 1.0
    col_up = np.concatenate([allowed.astype(float), np.ones(k)])
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    rlo: list[np.ndarray] = []
    rup: list[np.ndarray] = []
    nrow = 0
    # each row fully served (a row no usable site can reach has zero weights here)
    servable = np.bincount(ii, minlength=n) > 0
    rows.append(nrow + ii)
    cols.append(ny + np.arange(k))
    vals.append(np.ones(k))
    rlo.append(servable.astype(float))
    rup.append(servable.astype(float))
    nrow += n
    # capacity of finite-capacity columns
    capped = np.isfinite(cap)
    sel = capped[jj]
    rows += [nrow + jj[sel], nrow + np.flatnonzero(capped)]
    cols += [ny + np.flatnonzero(sel), np.flatnonzero(capped)]
    vals += [d[ii[sel]], -cap[capped]]
    cap_rows = np.zeros(m)
    rlo.append(np.full(m, -INF))
    rup.append(cap_rows)
    nrow += m
    # strong linking x_ij <= y_j
    rows += [nrow + np.arange(k), nrow + np.arange(k)]
    cols += [ny + np.arange(k), jj]
    vals += [np.ones(k), -np.ones(k)]
    rlo.append(np.full(k, -INF))
    rup.append(np.zeros(k))
    nrow += k
    # aggregate capacity (valid, strengthens the LP)
    fin = np.flatnonzero(capped & allowed)
    if len(fin) == int(allowed.sum()):
        rows.append(np.full(len(fin), nrow))
        cols.append(fin)
        vals.append(cap[fin])
        rlo.append(np.array([total]))
        rup.append(np.array([INF]))
        nrow += 1
    if p is not None:
        rows.append(np.full(m, nrow))
        cols.append(np.arange(m))
        vals.append(np.ones(m))
        rlo.append(np.array([float(p)]))
        rup.append(np.array([float(p)]))
        nrow += 1
    integer = np.zeros(ny + k, dtype=bool)
    integer[:ny] = True
    if single_sourcing:
        integer[ny:] = True
    lp = build_lp(
        cost=obj,
        col_lower=col_lo,
        col_upper=col_up,
        row_lower=np.concatenate(rlo),
        row_upper=np.concatenate(rup),
        rows=np.concatenate(rows),
        cols=np.concatenate(cols),
        vals=np.concatenate(vals),
        integer=integer,
    )
    return obj, lp
