"""The shortest-path engine: CSR graphs, Dijkstra blocks, worker processes.

``scipy.sparse.csgraph.dijkstra`` holds the GIL, so threads do not help.  On
request (``n_jobs`` > 1) large jobs are split across worker processes
(``forkserver`` start, kept alive for the next call, stopped at exit).  Each task
ships the CSR arrays (≈ 0.5 MB for a city) and its share of the sources, and
returns only the target columns.

Processes are opt-in, not the default: like every ``multiprocessing`` start
method but ``fork``, a worker re-imports the caller's ``__main__``, so a script
must guard its entry point with ``if __name__ == "__main__":``.  On the
Jerusalem graph two workers gain ≈ 1.3x on a 2,000 × 1,500 matrix and nothing
on 3,000 × 200 (measured on a 2-core machine; ``bench/bench_network.py``).
"""

from __future__ import annotations

import atexit
import itertools
import logging
import math
import multiprocessing as mp
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

__all__: list[str] = []  # private module

log = logging.getLogger(__name__)

#: ``n_sources × n_edges`` below which even ``n_jobs`` > 1 runs in this process:
#: below it (≈ 0.3 s of work) starting or feeding the pool does not pay.
PARALLEL_MIN_WORK = 10_000_000


@dataclass(frozen=True)
class Csr:
    """A directed graph as CSR arrays plus, aligned with ``weight``, edge lengths.

    Rows are sorted by column and hold no duplicate: one entry per node pair.
    """

    indptr: np.ndarray
    indices: np.ndarray
    weight: np.ndarray
    length: np.ndarray
    n: int

    def matrix(self) -> csr_array:
        """The scipy CSR array (shares the arrays)."""
        return csr_array((self.weight, self.indices, self.indptr), shape=(self.n, self.n))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
        """Picklable payload for a worker process."""
        return self.indptr, self.indices, self.weight, self.length, self.n

    def rows(self) -> np.ndarray:
        """Source node of each entry."""
        return np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.indptr))


def make_csr(u: np.ndarray, v: np.ndarray, w: np.ndarray, length: np.ndarray, n: int) -> Csr:
    """CSR keeping, per (u, v), the MINIMUM weight (ties: the shorter edge).

    scipy's COO → CSR conversion would SUM parallel edges; this sorts by
    ``(u, v, weight, length)`` and keeps the first entry of each pair.
    """
    order = np.lexsort((length, w, v, u))
    u, v, w, length = u[order], v[order], w[order], length[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, w, length = u[first], v[first], w[first], length[first]
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    return Csr(indptr, v.astype(np.int32), w, length, n)


def sssp_block(
    csr: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int],
    sources: np.ndarray,
    targets: np.ndarray,
    limit: float,
    want_length: bool,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Dijkstra from ``sources``; weights (and lengths) at ``targets``.

    Returns ``(cost[len(sources), len(targets)], length or None)``; unreachable
    targets are ``inf`` in both.  Runs in this process or in a worker.
    """
    indptr, indices, weight, length, n = csr
    graph = csr_array((weight, indices, indptr), shape=(n, n))
    if not want_length:
        dist = dijkstra(graph, directed=True, indices=sources, limit=limit)
        return np.ascontiguousarray(dist[:, targets]), None
    dist, pred = dijkstra(
        graph, directed=True, indices=sources, limit=limit, return_predecessors=True
    )
    dist_t = np.ascontiguousarray(dist[:, targets])
    del dist
    along = tree_lengths(pred, Csr(indptr, indices, weight, length, n))[:, targets]
    along[~np.isfinite(dist_t)] = np.inf
    return dist_t, along


def tree_lengths(pred: np.ndarray, csr: Csr) -> np.ndarray:
    """Length from each search's root to every node along its shortest-path tree.

    ``pred`` is scipy's ``(k, n)`` predecessor matrix.  Each node first gets
    the length of the edge from its predecessor, then pointer jumping sums
    those to the root in ``ceil(log2(depth))`` vectorised passes over flat
    arrays.
    """
    k, n = pred.shape
    flat = pred.ravel()
    has = flat >= 0
    idx = np.flatnonzero(has)
    col = idx % n
    # the edge pred -> node: its position in the CSR (rows hold sorted columns)
    edge_keys = csr.rows() * n + csr.indices
    step = np.zeros(k * n)
    step[idx] = csr.length[np.searchsorted(edge_keys, flat[idx].astype(np.int64) * n + col)]
    # parent pointers in flat coordinates; roots and unreached nodes point to themselves
    p = np.arange(k * n, dtype=np.int64)
    p[idx] = idx - col + flat[idx]
    while True:
        pp = p[p]
        if np.array_equal(pp, p):
            return step.reshape(k, n)
        step += step[p]
        p = pp


# --------------------------------------------------------------------------------------
# chunking and worker processes

_POOL: ProcessPoolExecutor | None = None
_POOL_WORKERS = 0


def available_cpus() -> int:
    """CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def _pool(n_workers: int) -> Executor:
    global _POOL, _POOL_WORKERS  # noqa: PLW0603 - one lazily started pool per process
    if _POOL is None or n_workers != _POOL_WORKERS:
        shutdown_workers()
        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        ctx = mp.get_context(method)
        if method == "forkserver":
            # workers need scipy and this module, not the user's __main__
            ctx.set_forkserver_preload(["siting.network._engine"])
        _POOL = ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx)
        _POOL_WORKERS = n_workers
        log.debug("started %d shortest-path worker processes (%s)", n_workers, method)
    return _POOL


def shutdown_workers() -> None:
    """Stop the shortest-path worker processes, if any were started."""
    global _POOL, _POOL_WORKERS
    if _POOL is not None:
        _POOL.shutdown(wait=True, cancel_futures=True)
    _POOL, _POOL_WORKERS = None, 0


atexit.register(shutdown_workers)


def resolve_jobs(n_jobs: int, n_sources: int, n_edges: int) -> int:
    """Number of processes to use (1 = in this process).

    ``n_jobs`` is an upper bound: negative counts from the number of CPUs
    (``-1`` = all), and small jobs (``n_sources × n_edges`` below
    :data:`PARALLEL_MIN_WORK`) always run in this process.
    """
    cpus = available_cpus()
    if n_jobs < 0:
        n_jobs = cpus + 1 + n_jobs
    if n_sources * n_edges < PARALLEL_MIN_WORK:
        return 1
    return max(1, min(int(n_jobs), n_sources, cpus))


def run(
    csr: Csr,
    sources: np.ndarray,
    targets: np.ndarray,
    *,
    limit: float = np.inf,
    want_length: bool = False,
    n_jobs: int = 1,
    max_memory_mb: float = 512.0,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Costs (and lengths) from ``sources`` to ``targets``, chunked by sources.

    Chunks are sized so the search arrays (``chunk × n`` distances, plus
    predecessors and pointer-jumping arrays for lengths) of all running
    workers fit ``max_memory_mb``.
    """
    k, m = len(sources), len(targets)
    cost = np.full((k, m), np.inf)
    along = np.full((k, m), np.inf) if want_length else None
    if k == 0 or m == 0:
        return cost, along
    workers = resolve_jobs(n_jobs, k, len(csr.indices))
    per_row = csr.n * (8 + (4 + 8 + 8 + 8 + 8 + 8 if want_length else 0)) + m * 16
    max_rows = max(1, int(max_memory_mb * 2**20 / workers / per_row))
    n_chunks = max(workers, math.ceil(k / max_rows))
    n_chunks = math.ceil(n_chunks / workers) * workers  # equal shares per worker
    bounds = np.linspace(0, k, min(n_chunks, k) + 1).astype(int)
    chunks = [(a, b) for a, b in itertools.pairwise(bounds) if b > a]
    payload = csr.arrays()

    def store(a: int, b: int, res: tuple[np.ndarray, np.ndarray | None]) -> None:
        cost[a:b] = res[0]
        if along is not None and res[1] is not None:
            along[a:b] = res[1]

    if workers > 1:
        try:
            pool = _pool(workers)
            futures = [
                (a, b, pool.submit(sssp_block, payload, sources[a:b], targets, limit, want_length))
                for a, b in chunks
            ]
            for a, b, fut in futures:
                store(a, b, fut.result())
            return cost, along
        except (BrokenProcessPool, OSError) as exc:  # pragma: no cover - platform issue
            log.warning("worker processes failed (%s); computing in this process", exc)
            shutdown_workers()
    for a, b in chunks:
        store(a, b, sssp_block(payload, sources[a:b], targets, limit, want_length))
    return cost, along
