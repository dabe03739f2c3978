"""Lagrangian bounds and variable fixing for the capacitated model behind
`siting.locate.fixed_charge` (private).

The assignment constraints ``Σ_j x_ij = 1`` are relaxed with multipliers ``λ_i``:

    L(λ) = Σ_i λ_i + min_y { Σ_j y_j v_j(λ) : y admissible },
    v_j(λ) = f_j − max { Σ_i (λ_i − a_ij) x_i : Σ_i d_i x_i <= Q_j },

one knapsack per candidate (0-1 with single sourcing, fractional otherwise) and a
selection of sites: exactly ``p`` when the count is given, otherwise at least the
fewest sites whose largest capacities reach the demand, plus every site with
``v_j < 0`` (forced-open columns always, banned never).  Every ``λ`` gives a valid
lower bound; subgradient ascent raises it.  A knapsack solved over a relaxation
(fractional, or 0-1 on demands scaled and rounded down) is still a valid bound.

From the final multipliers each candidate and each pair gets the bound of the
model with it forced open (``x_ij = 1`` for a pair); those whose bound reaches the
incumbent cannot be in an improving solution and are dropped, and a site whose
closing bound does is fixed open.  The MIP over what survives then proves or
improves the incumbent.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from siting.locate._highs import Deadline

__all__ = ["Fixing", "Relaxation", "ascend", "dp_affordable", "fix", "scaled_weights"]

logger = logging.getLogger(__name__)

_DP_CELLS = 60_000_000  # n × columns × capacity levels per DP pass, at most


@dataclass
class Relaxation:
    """The data of one capacitated model, as the Lagrangian sees it.

    ``a`` is ``(n, m)`` assignment cost (``inf`` = not allowed) over the rows that
    need a site; ``free`` marks columns that may open or close, ``fixed`` the columns
    forced open; ``p_free`` the number of free columns to open (``None`` = free),
    ``k_min`` the fewest free columns the capacity needs.
    """

    a: np.ndarray
    d: np.ndarray
    cap: np.ndarray
    fcost: np.ndarray
    free: np.ndarray
    fixed: np.ndarray
    p_free: int | None
    k_min: int
    single: bool


@dataclass
class Fixing:
    """What the Lagrangian proved: a bound, and what an improving solution cannot use."""

    bound: float
    lam: np.ndarray
    pair_ok: np.ndarray  # (n, m) pairs that may still be used
    col_closed: np.ndarray  # free columns that cannot be open in an improving solution
    col_open: np.ndarray  # free columns that must be open in an improving solution
    iterations: int


def scaled_weights(d: np.ndarray, cap: np.ndarray, levels: int = 2000) -> tuple[np.ndarray, float]:
    """Integer demand for the 0-1 knapsacks and the scale: exact when the demands
    are integers and capacities small; otherwise demands × scale rounded down
    (a relaxation: every feasible packing stays feasible)."""
    finite = cap[np.isfinite(cap)]
    top = float(finite.max()) if len(finite) else float(d.sum())
    integral = bool(np.all(np.abs(d - np.round(d)) < 1e-9))
    scale = 1.0 if integral and top <= 4 * levels else levels / max(top, 1e-12)
    return np.floor(d * scale + 1e-9).astype(np.int64), scale


def _knapsack_fractional_fast(
    prof: np.ndarray, d: np.ndarray, cap: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Fractional knapsack value and x per column; only the columns whose profitable
    rows do not all fit are sorted."""
    pos = prof > 0
    load = d @ pos
    value = np.where(pos, prof, 0.0).sum(axis=0)
    x = pos.astype(float)
    tight = np.flatnonzero(load > cap)
    if len(tight):
        val_t, x_t, _ = _knapsack_fractional(prof[:, tight], d, cap[tight])
        value[tight] = val_t
        x[:, tight] = x_t
    return value, x


def _knapsack_fractional(
    prof: np.ndarray, d: np.ndarray, cap: np.ndarray
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """Fractional knapsack per column: value, x, and the sorted breakpoints."""
    n, m = prof.shape
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(prof > 0, prof / np.maximum(d, 1e-300)[:, None], -np.inf)
    order = np.argsort(-ratio, axis=0, kind="stable")
    ws = d[order]
    ps = np.take_along_axis(prof, order, axis=0)
    pos = ps > 0
    ws = np.where(pos, ws, 0.0)
    ps = np.where(pos, ps, 0.0)
    cumw = np.cumsum(ws, axis=0)
    prev = cumw - ws
    c = np.minimum(cap, np.inf)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        take = np.where(ws > 0, np.clip((c - prev) / np.where(ws > 0, ws, 1.0), 0.0, 1.0), 1.0)
    take = np.where(pos, take, 0.0)
    value = (take * ps).sum(axis=0)
    x = np.zeros((n, m))
    np.put_along_axis(x, order, take, axis=0)
    return value, x, (cumw, np.cumsum(ps, axis=0))


def _fractional_at(bp: tuple[np.ndarray, ...], cols: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Fractional knapsack value of each column of ``cols`` at capacities ``caps[:, k]``."""
    cumw, cump = bp
    out = np.empty(caps.shape)
    for k, j in enumerate(cols):
        xs = np.concatenate([[0.0], cumw[:, j]])
        ys = np.concatenate([[0.0], cump[:, j]])
        out[:, k] = np.interp(caps[:, k], xs, ys)  # beyond the last point: all items
    return out


def _knapsack_dp(
    prof: np.ndarray, w: np.ndarray, cmax: int, *, keep: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    """0-1 knapsack tables ``dp[j, q]`` (best profit within ``q`` units) for every
    column of ``prof`` at once; with ``keep`` also each item's take-decisions."""
    n, m = prof.shape
    dp = np.zeros((m, cmax + 1))
    took = np.zeros((n, m, cmax + 1), dtype=bool) if keep else None
    for i in range(n):
        p = prof[i]
        if not (p > 0).any():
            continue
        wi = int(w[i])
        if wi > cmax:
            continue
        pc = np.where(p > 0, p, 0.0)[:, None]
        if wi == 0:
            dp += pc
            if took is not None:
                took[i] = (p > 0)[:, None]
            continue
        cand = dp[:, : cmax + 1 - wi] + pc
        better = cand > dp[:, wi:]
        if took is not None:
            took[i, :, wi:] = better
        dp[:, wi:] = np.where(better, cand, dp[:, wi:])
    return dp, took


def _knapsack_dp_x(prof: np.ndarray, w: np.ndarray, levels: np.ndarray, cmax: int) -> np.ndarray:
    """The 0-1 knapsack solutions (items taken) of the columns of ``prof``."""
    n, m = prof.shape
    _, took = _knapsack_dp(prof, w, cmax, keep=True)
    assert took is not None
    x = np.zeros((n, m))
    for j in range(m):
        q = int(levels[j])
        for i in range(n - 1, -1, -1):
            if q >= 0 and took[i, j, q]:
                x[i, j] = 1.0
                q -= int(w[i])
    return x


def _select(v: np.ndarray, rel: Relaxation) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """The y-subproblem: chosen mask, its value (free columns), and per column the
    value of the rest with the column forced open (``base``) or closed (``close``)."""
    m = len(v)
    free_idx = np.flatnonzero(rel.free)
    u_order = free_idx[np.argsort(v[free_idx], kind="stable")]
    u = v[u_order]
    rank = np.full(m, -1)
    rank[u_order] = np.arange(len(u_order))
    chosen = np.zeros(m, dtype=bool)
    chosen[rel.fixed] = True
    base = np.full(m, math.inf)
    close = np.full(m, math.inf)
    nf = len(u)
    if rel.p_free is not None:
        k = rel.p_free
        g = float(u[:k].sum())
        chosen[u_order[:k]] = True
        uk = u[k - 1] if k >= 1 else -math.inf  # the largest chosen (none: cannot open)
        nxt = u[k] if k < nf else math.inf  # the best replacement
        r = rank[free_idx]
        inside = r < k
        with np.errstate(invalid="ignore"):
            base[free_idx] = np.where(inside, g - v[free_idx], g - uk)  # k = 0: inf
            close[free_idx] = np.where(inside, g - v[free_idx] + nxt, g)
    else:
        k = rel.k_min
        take = np.arange(nf) < k
        take |= u < 0
        g = float(u[take].sum())
        chosen[u_order[take]] = True
        uk = max(u[k - 1], 0.0) if k >= 1 else 0.0
        nxt = max(u[k], 0.0) if k < nf else math.inf
        r = rank[free_idx]
        vf = v[free_idx]
        inside = chosen[free_idx]
        base[free_idx] = np.where(inside, g - vf, g - uk)
        close[free_idx] = np.where(inside, np.where(r < k, g - vf + nxt, g - vf), g)
    base[rel.fixed] = g  # the free part does not change; the column's own v is added
    return chosen, g, base, close


def ascend(
    rel: Relaxation,
    deadline: Deadline,
    *,
    upper: Callable[[], float],
    on_sites: Callable[[np.ndarray, np.ndarray], None],
    integral: bool,
    dp: bool,
    lam0: np.ndarray | None = None,
    iterations: int = 300,
    mu0: float = 2.0,
    patience: int = 20,
) -> tuple[float, np.ndarray, int]:
    """Subgradient ascent on L(λ) (0-1 knapsacks when ``dp``, fractional otherwise).

    ``on_sites(sites, v)`` is called with the relaxation's open sites every few
    iterations (a Lagrangian heuristic builds incumbents from them); ``upper()`` is
    the incumbent's objective, the Polyak target.  Returns the best bound, its
    multipliers and the number of evaluations.
    """
    a, d, cap, f = rel.a, rel.d, rel.cap, rel.fcost
    fin = np.isfinite(a)
    if lam0 is None:
        # a row's cheapest cost including its share of an opening cost
        share = np.where(np.isfinite(cap) & (cap > 0), f / np.where(cap > 0, cap, 1.0), 0.0)
        lam = np.where(fin, a + d[:, None] * share[None, :], np.inf).min(axis=1)
    else:
        lam = lam0.copy()
    lam = np.where(np.isfinite(lam), lam, 0.0)
    kn = _Knapsacks(rel, dp)
    best_bound, best_lam = -math.inf, lam.copy()
    mu, stall, done = mu0, 0, 0
    for it in range(iterations):
        if deadline.expired():
            break
        v = kn.values(lam)
        chosen, g, _, _ = _select(v, rel)
        bound = float(lam.sum() + v[rel.fixed].sum() + g)
        done += 1
        if bound > best_bound + 1e-12 * max(1.0, abs(bound)):
            best_bound, best_lam, stall = bound, lam.copy(), 0
        else:
            stall += 1
            if stall >= patience:
                mu, stall = mu / 2.0, 0
        if it % 10 == 0 or stall == 0:
            on_sites(np.flatnonzero(chosen), v)
        ub = upper()
        if _closed(best_bound, ub, integral) or mu < 1e-3:
            break
        x = kn.solutions(lam, np.flatnonzero(chosen))
        sub = 1.0 - x.sum(axis=1)
        norm = float(sub @ sub)
        if norm == 0.0:  # the relaxation's solution is feasible: nothing to gain
            break
        target = ub if math.isfinite(ub) else bound + 0.05 * abs(bound) + 1.0
        lam = lam + mu * (target - bound) / norm * sub
    return best_bound, best_lam, done


class _Knapsacks:
    """The per-column knapsacks of L(λ): 0-1 by DP over scaled demand, or fractional."""

    def __init__(self, rel: Relaxation, dp: bool) -> None:
        self.rel = rel
        a, d, cap = rel.a, rel.d, rel.cap
        self.fin = np.isfinite(a)
        self.a0 = np.where(self.fin, a, 0.0)
        usable = rel.free.copy()
        usable[rel.fixed] = True
        self.cols = np.flatnonzero(usable)
        self.w, self.scale = scaled_weights(d, cap)
        total = int(self.w.sum())
        lv = np.where(np.isfinite(cap), np.floor(cap * self.scale + 1e-9), total)
        self.cmax = int(min(lv[self.cols].max(initial=0), total))
        self.levels = np.minimum(lv, self.cmax).astype(np.int64)
        self.dp = dp and dp_affordable(rel)
        self.table: np.ndarray | None = None
        self.bp: tuple[np.ndarray, ...] | None = None

    def _profit(self, lam: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return np.maximum(np.where(self.fin[:, cols], lam[:, None] - self.a0[:, cols], 0.0), 0.0)

    def values(self, lam: np.ndarray, *, tables: bool = False) -> np.ndarray:
        """v_j(λ) for every column (``inf`` for banned ones); ``tables`` keeps what
        :meth:`rest` needs."""
        rel, cols = self.rel, self.cols
        prof = self._profit(lam, cols)
        v = np.full(len(rel.fcost), math.inf)
        if self.dp:
            # both are upper bounds on the 0-1 knapsack (the DP's demand is rounded
            # down): the smaller is the tighter
            self.table, _ = _knapsack_dp(prof, self.w, self.cmax)
            val = self.table[np.arange(len(cols)), self.levels[cols]]
            if tables:
                frac, _, self.bp = _knapsack_fractional(prof, rel.d, rel.cap[cols])
            else:
                frac, _ = _knapsack_fractional_fast(prof, rel.d, rel.cap[cols])
            v[cols] = rel.fcost[cols] - np.minimum(val, frac)
        elif tables:
            val, _, self.bp = _knapsack_fractional(prof, rel.d, rel.cap[cols])
            v[cols] = rel.fcost[cols] - val
        else:
            val, _ = _knapsack_fractional_fast(prof, rel.d, rel.cap[cols])
            v[cols] = rel.fcost[cols] - val
        return v

    def solutions(self, lam: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The knapsack solutions x (rows × ``cols``)."""
        prof = self._profit(lam, cols)
        if self.dp:
            return _knapsack_dp_x(prof, self.w, self.levels[cols], self.cmax)
        _, x = _knapsack_fractional_fast(prof, self.rel.d, self.rel.cap[cols])
        return x

    def rest(self, live: np.ndarray) -> np.ndarray:
        """Per row i and column j of ``live``: an upper bound on the knapsack profit of
        the other rows once row i is in (capacity ``Q_j − d_i``; ``-inf``: it does not fit).
        Uses the tables of the last :meth:`values` call."""
        rel = self.rel
        pos = np.searchsorted(self.cols, live)
        left = rel.cap[live][None, :] - rel.d[:, None]
        if self.dp:
            assert self.table is not None
            lvl = np.where(
                np.isfinite(left), np.floor(left * self.scale + 1e-9), float(self.w.sum())
            )
            lvl = np.minimum(lvl, self.cmax)
            out = self.table[pos[None, :], np.maximum(lvl, 0).astype(np.int64)]
            if self.bp is not None:
                frac = _fractional_at(self.bp, pos, np.where(left >= 0, left, 0.0))
                out = np.minimum(out, frac)
            return np.where(lvl >= 0, out, -math.inf)
        assert self.bp is not None
        out = _fractional_at(self.bp, pos, np.where(left >= 0, left, 0.0))
        return np.where(left >= 0, out, -math.inf)


def dp_affordable(rel: Relaxation) -> bool:
    """Whether the 0-1 knapsack DPs are exact (integer demand, unscaled) and one pass
    over every usable column fits the budget.  With demand rounded down the DP is a
    relaxation that measured no stronger than the fractional knapsack (the cluster's
    truck lots: +0.007 %) at several times its cost, so it is not run."""
    w, scale = scaled_weights(rel.d, rel.cap)
    if scale != 1.0 or not np.array_equal(w, rel.d):
        return False
    usable = rel.free.copy()
    usable[rel.fixed] = True
    fin = rel.cap[usable & np.isfinite(rel.cap)]
    top = float(fin.max()) * scale if len(fin) else float(w.sum())
    return rel.a.shape[0] * int(usable.sum()) * (min(top, float(w.sum())) + 1) <= _DP_CELLS


def _closed(bound: float, ub: float, integral: bool) -> bool:
    if not math.isfinite(ub):
        return False
    if integral:
        return math.ceil(bound - 1e-6 * max(1.0, abs(bound))) >= ub
    return bound >= ub - 1e-9 * max(1.0, abs(ub))


def fix(
    rel: Relaxation,
    lam: np.ndarray,
    ub: float,
    *,
    integral: bool,
    dp: bool,
) -> Fixing:
    """Bounds of the model with each column / pair forced in, at multipliers ``lam``;
    what cannot be in a solution better than ``ub`` is marked."""
    a, f = rel.a, rel.fcost
    n, m = a.shape
    fin = np.isfinite(a)
    usable = rel.free.copy()
    usable[rel.fixed] = True
    kn = _Knapsacks(rel, dp)
    v = kn.values(lam, tables=True)
    _, g, base, close = _select(v, rel)
    total = float(lam.sum() + v[rel.fixed].sum())
    bound = total + g
    pair_ok = fin & usable[None, :]
    col_closed = np.zeros(m, dtype=bool)
    col_open = np.zeros(m, dtype=bool)
    if not math.isfinite(ub) or not math.isfinite(bound):
        return Fixing(bound, lam, pair_ok, col_closed, col_open, 0)
    # an improving solution costs at most ``limit``
    limit = ub - 1.0 + 1e-6 * max(1.0, abs(ub)) if integral else ub - 1e-9 * max(1.0, abs(ub))
    with np.errstate(invalid="ignore"):
        open_bound = total + base + v
    open_bound[rel.fixed] = bound
    col_closed = rel.free & (open_bound > limit)
    col_open = rel.free & (total + close > limit)
    live = np.flatnonzero(usable & ~col_closed)
    keep = np.zeros((n, m), dtype=bool)
    if rel.single:
        # pair (i, j) forced: column j open with row i inside its knapsack
        vij = f[live][None, :] + (kn.a0[:, live] - lam[:, None]) - kn.rest(live)
        own = np.where(np.isin(live, rel.fixed), g - v[live], base[live])
        keep[:, live] = fin[:, live] & (total + own[None, :] + vij <= limit)
    else:
        keep[:, live] = fin[:, live]  # shares: only sites are fixed
    logger.debug(
        "capacitated Lagrangian: bound %.6g (ub %.6g), %d columns closed, %d open, "
        "%d of %d pairs kept",
        bound,
        ub,
        int(col_closed.sum()),
        int(col_open.sum()),
        int(keep.sum()),
        int(pair_ok.sum()),
    )
    return Fixing(bound, lam, keep, col_closed, col_open, 0)
