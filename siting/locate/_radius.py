"""Sorted cost levels per client and the radius LP of the p-median (private).

The radius ("cover") formulation of Elloumi (2010) and García, Labbé & Marín
(2011), grown level by level and re-solved warm; see `siting.locate._median`
for the method and how the MIP uses it.
"""

from __future__ import annotations

import logging
import math

import highspy
import numpy as np
from scipy.sparse import csr_matrix

from siting.locate._heuristics import Block
from siting.locate._highs import INF, Deadline, new_highs, set_time_limit

__all__ = ["Levels", "RadiusLP"]

logger = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------
# Sorted distance levels per client
# ----------------------------------------------------------------------------------------


class Levels:
    """Distinct cost levels of each client over the usable columns.

    ``cap`` (per client) limits the levels to costs ≤ cap: the client must be
    served within it.  Levels end at the ``(m_usable − p + 1)``-th nearest
    column (some open site is always that close) or the last finite one.
    """

    def __init__(
        self,
        wcost: np.ndarray,
        usable: np.ndarray,
        p: int,
        fixed: np.ndarray,
        cap: np.ndarray | None = None,
    ) -> None:
        w = np.where(usable[None, :], wcost, np.inf)
        n, m = w.shape
        order = np.argsort(w, axis=1, kind="stable")
        sc = np.take_along_axis(w, order, axis=1)
        nfinite = np.isfinite(sc).sum(axis=1)
        reach = np.minimum(int(usable.sum()) - p + 1, nfinite)
        if len(fixed):
            is_fixed = np.zeros(m, dtype=bool)
            is_fixed[fixed] = True
            fixed_sorted = is_fixed[order]
            has = fixed_sorted.any(axis=1)
            first_fixed = np.argmax(fixed_sorted, axis=1)
            reach = np.where(has, np.minimum(reach, first_fixed + 1), reach)
        if cap is not None:
            within = (sc <= cap[:, None] * (1 + 1e-12) + 1e-12).sum(axis=1)
            reach = np.minimum(reach, np.maximum(within, 1))
        reach = np.maximum(reach, 1)
        rmax = int(reach.max()) if n else 1
        order, sc = order[:, :rmax], sc[:, :rmax]
        valid = np.arange(rmax)[None, :] < reach[:, None]
        new = valid.copy()
        new[:, 1:] &= sc[:, 1:] != sc[:, :-1]
        self.n, self.m, self.p = n, m, p
        self.order = order
        self.reach = reach
        self.K = new.sum(axis=1)
        self.start = np.concatenate([[0], np.cumsum(self.K)])
        self.lv = sc[new]
        _, ranks = np.nonzero(new)
        self.first = ranks
        end = np.empty_like(ranks)
        end[:-1] = ranks[1:]
        end[self.start[1:] - 1] = reach
        self.end = end

    def level_of(self, d: np.ndarray) -> np.ndarray:
        """Index of the highest level ≤ ``d`` for each client (clipped)."""
        out = np.empty(self.n, dtype=np.int64)
        for i in range(self.n):
            a = self.lv[self.start[i] : self.start[i + 1]]
            out[i] = np.searchsorted(a, d[i] * (1 + 1e-12) + 1e-12, side="right") - 1
        return np.clip(out, 0, self.K - 1)

    def members(self, flat: np.ndarray, flat_end: np.ndarray, client: np.ndarray):
        """Columns of ranks ``first[flat] … first[flat_end]`` (or reach) per entry."""
        lo = self.first[flat]
        hi = np.where(
            flat_end < self.start[client + 1],
            self.first[np.minimum(flat_end, len(self.first) - 1)],
            self.reach[client],
        )
        sizes = hi - lo
        owner = np.repeat(np.arange(len(flat)), sizes)
        offs = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        cols = self.order[client[owner], lo[owner] + offs]
        return owner, cols


# ----------------------------------------------------------------------------------------
# LP phase: incremental radius LP with level generation
# ----------------------------------------------------------------------------------------


class RadiusLP:
    """The (multi-block) radius LP, grown level by level and re-solved warm."""

    def __init__(
        self,
        blocks: list[Block],
        levels: list[Levels],
        links: tuple[np.ndarray, ...] | None,
        deadline: Deadline,
    ) -> None:
        self.blocks, self.levels, self.deadline = blocks, levels, deadline
        m = blocks[0].m
        self.m = m
        self.h = new_highs(mip=False)
        h = self.h
        nb = len(blocks)
        lo = np.zeros(nb * m)
        up = np.zeros(nb * m)
        for t, b in enumerate(blocks):
            up[t * m : (t + 1) * m] = b.allowed.astype(float)
            lo[t * m + b.fixed] = 1.0
        h.addCols(
            nb * m,
            np.zeros(nb * m),
            lo,
            up,
            0,
            np.zeros(nb * m, np.int32),
            np.zeros(0, np.int32),
            np.zeros(0),
        )
        for t, b in enumerate(blocks):
            idx = np.arange(t * m, (t + 1) * m, dtype=np.int32)
            h.addRows(
                1,
                np.array([b.p], float),
                np.array([b.p], float),
                m,
                np.zeros(1, np.int32),
                idx,
                np.ones(m),
            )
        if links is not None:
            rows, cols, vals, rlo, rup = links
            mat = csr_matrix((vals, (rows, cols)), shape=(len(rlo), nb * m))
            h.addRows(
                len(rlo),
                rlo,
                rup,
                mat.nnz,
                mat.indptr[:-1].astype(np.int32),
                mat.indices.astype(np.int32),
                mat.data,
            )
        self.ncol = nb * m
        self.offset = float(sum(lv.lv[lv.start[:-1]].sum() for lv in levels))
        h.changeObjectiveOffset(self.offset)
        self.built = [np.zeros(lv.n, dtype=np.int64) for lv in levels]
        self.zcol = [np.full(len(lv.lv), -1, dtype=np.int64) for lv in levels]

    def extend(self, t: int, clients: np.ndarray, new_built: np.ndarray) -> None:
        """Add rows (and z columns) for levels ``built … new_built − 1`` of ``clients``."""
        lv, zcol = self.levels[t], self.zcol[t]
        new_built = np.minimum(new_built, lv.K[clients])
        old = self.built[t][clients]
        sel = new_built > old
        clients, new_built, old = clients[sel], new_built[sel], old[sel]
        if len(clients) == 0:
            return
        cnt = new_built - old
        ci = np.repeat(clients, cnt)
        kk = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt) + np.repeat(old, cnt)
        flat = lv.start[ci] + kk
        hasz = kk <= lv.K[ci] - 2
        zflat = flat[hasz]
        nz = len(zflat)
        zcost = lv.lv[zflat + 1] - lv.lv[zflat]
        zcol[zflat] = self.ncol + np.arange(nz)
        self.h.addCols(
            nz,
            zcost,
            np.zeros(nz),
            np.full(nz, INF),
            0,
            np.zeros(nz, np.int32),
            np.zeros(0, np.int32),
            np.zeros(0),
        )
        self.ncol += nz
        owner, ycols = lv.members(flat, flat + 1, ci)
        zr = np.flatnonzero(hasz)
        pr = np.flatnonzero(kk >= 1)
        rr = np.concatenate([owner, zr, pr])
        cc = np.concatenate([ycols + t * self.m, zcol[flat[zr]], zcol[flat[pr] - 1]])
        vv = np.concatenate([np.ones(len(owner) + len(zr)), -np.ones(len(pr))])
        nr = len(flat)
        mat = csr_matrix((vv, (rr, cc)), shape=(nr, self.ncol))
        lo = (kk == 0).astype(float)
        self.h.addRows(
            nr,
            lo,
            np.full(nr, INF),
            mat.nnz,
            mat.indptr[:-1].astype(np.int32),
            mat.indices.astype(np.int32),
            mat.data,
        )
        self.built[t][clients] = new_built

    def capped(self, t: int, x: np.ndarray) -> np.ndarray:
        """Clients whose cost is capped in solution ``x`` (last built z positive)."""
        lv, b = self.levels[t], self.built[t]
        open_ = (b < lv.K) & (b >= 1)
        idx = np.flatnonzero(open_)
        last = x[self.zcol[t][lv.start[idx] + b[idx] - 1]]
        return idx[last > 1e-9]

    def solve(self, start_built: list[np.ndarray]) -> tuple[str, float, np.ndarray, np.ndarray]:
        """Generate levels until no client is capped.

        Returns
        -------
        status, bound, x, reduced_costs
            ``status`` is ``"optimal"``, ``"infeasible"`` or ``"stopped"`` (time
            limit or numerical trouble: no bound).
        """
        for t, lv in enumerate(self.levels):
            self.extend(t, np.arange(lv.n), np.maximum(start_built[t], 1))
        rounds = 0
        while True:
            rounds += 1
            set_time_limit(self.h, self.deadline)
            self.h.run()
            status = self.h.getModelStatus()
            if status == highspy.HighsModelStatus.kInfeasible:
                return "infeasible", math.inf, np.zeros(0), np.zeros(0)
            if status != highspy.HighsModelStatus.kOptimal:
                logger.debug("radius LP stopped: %s", self.h.modelStatusToString(status))
                return "stopped", -math.inf, np.zeros(0), np.zeros(0)
            sol = self.h.getSolution()
            x = np.asarray(sol.col_value)
            grew = False
            for t in range(len(self.levels)):
                cap = self.capped(t, x)
                if len(cap):
                    b = self.built[t][cap]
                    self.extend(t, cap, b + np.maximum(b, 2))
                    grew = True
            if not grew:
                bound = float(self.h.getInfo().objective_function_value)
                logger.debug(
                    "radius LP: bound %.9g after %d rounds, %d columns", bound, rounds, self.ncol
                )
                return "optimal", bound, x, np.asarray(sol.col_dual)
