"""Readers for the OR-Library location benchmarks used by the tests and ``bench/``.

Private: the benchmark files live in ``../shared/data/benchmarks`` (see its README)
and are never shipped with the package.  Two families are read:

* ``orlib-pmed/pmedN.txt`` — Beasley's uncapacitated p-median graphs.  The cost
  matrix is all-pairs shortest paths; when an edge is listed twice the LAST
  listing counts (that is how the published optima were computed).
* ``orlib-pmedcap/pmedcapNN.txt`` — Osman & Christofides capacitated p-median
  instances: cost is the floor of the Euclidean distance, each client is a
  candidate, single sourcing, capacity ``Q`` per median.

Examples
--------
>>> import io
>>> inst = read_pmed(io.StringIO("3 2 1\\n1 2 5\\n2 3 4\\n"))
>>> inst.cost.tolist()
[[0.0, 5.0, 9.0], [5.0, 0.0, 4.0], [9.0, 4.0, 0.0]]
>>> inst.p
1
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import shortest_path

__all__ = [
    "CapacitatedInstance",
    "PMedianInstance",
    "pmed_like",
    "read_optima",
    "read_pmed",
    "read_pmedcap",
]


@dataclass(frozen=True)
class PMedianInstance:
    """An OR-Library p-median instance as a dense cost matrix.

    Attributes
    ----------
    name : str
        File stem, e.g. ``"pmed1"``.
    cost : numpy.ndarray
        ``(n, n)`` all-pairs shortest-path costs (demand rows × candidate columns).
    p : int
        Number of medians.
    """

    name: str
    cost: np.ndarray
    p: int

    @property
    def n(self) -> int:
        """Number of nodes (each one a demand point and a candidate)."""
        return int(self.cost.shape[0])


@dataclass(frozen=True)
class CapacitatedInstance:
    """An Osman & Christofides capacitated p-median instance.

    Attributes
    ----------
    name : str
        File stem, e.g. ``"pmedcap01"``.
    cost : numpy.ndarray
        ``(n, n)`` floor of the Euclidean distance between clients.
    demand : numpy.ndarray
        ``(n,)`` demand of each client.
    p : int
        Number of medians.
    capacity : float
        Capacity ``Q`` of every median.
    best_value : float
        The objective value printed on the file's first line.
    xy : numpy.ndarray
        ``(n, 2)`` client coordinates.
    """

    name: str
    cost: np.ndarray
    demand: np.ndarray
    p: int
    capacity: float
    best_value: float
    xy: np.ndarray

    @property
    def n(self) -> int:
        """Number of clients."""
        return int(self.cost.shape[0])


def _lines(source: str | Path | IO[str]) -> tuple[str, list[list[str]]]:
    if isinstance(source, (str, Path)):
        path = Path(source)
        text = path.read_text()
        name = path.stem
    else:
        text = source.read()
        name = getattr(source, "name", "instance")
        name = Path(name).stem if isinstance(name, str) else "instance"
    rows = [line.split() for line in text.splitlines() if line.strip()]
    return name, rows


def read_pmed(source: str | Path | IO[str]) -> PMedianInstance:
    """Read an OR-Library ``pmedN.txt`` file into a shortest-path cost matrix.

    Parameters
    ----------
    source : str, pathlib.Path or text file
        The file (first line ``n m p``, then ``m`` lines ``i j cost``).

    Returns
    -------
    PMedianInstance
    """
    name, rows = _lines(source)
    n, m, p = (int(v) for v in rows[0][:3])
    edges = np.array([[int(v) for v in r[:3]] for r in rows[1 : 1 + m]], dtype=np.int64)
    if len(edges) != m:
        msg = f"{name}: header announces {m} edges but the file has {len(edges)}"
        raise ValueError(msg)
    # The last listing of an edge wins: keep one entry per unordered pair.
    lo = np.minimum(edges[:, 0], edges[:, 1]) - 1
    hi = np.maximum(edges[:, 0], edges[:, 1]) - 1
    last: dict[tuple[int, int], int] = {}
    for a, b, c in zip(lo.tolist(), hi.tolist(), edges[:, 2].tolist(), strict=True):
        last[a, b] = c
    a_idx = np.fromiter((k[0] for k in last), dtype=np.int64, count=len(last))
    b_idx = np.fromiter((k[1] for k in last), dtype=np.int64, count=len(last))
    w = np.fromiter(last.values(), dtype=np.float64, count=len(last))
    graph = coo_matrix((w, (a_idx, b_idx)), shape=(n, n)).tocsr()
    cost = shortest_path(graph, method="D", directed=False)
    return PMedianInstance(name=name, cost=cost, p=p)


def read_pmedcap(source: str | Path | IO[str]) -> CapacitatedInstance:
    """Read an OR-Library ``pmedcapNN.txt`` (Osman & Christofides) instance.

    Parameters
    ----------
    source : str, pathlib.Path or text file
        Line 1 ``problem_no best_value``, line 2 ``n p Q``, then ``n`` lines
        ``id x y demand``.

    Returns
    -------
    CapacitatedInstance
        With ``cost = floor(euclidean distance)``.
    """
    name, rows = _lines(source)
    best = float(rows[0][1])
    n, p, q = int(rows[1][0]), int(rows[1][1]), float(rows[1][2])
    body = np.array([[float(v) for v in r[:4]] for r in rows[2 : 2 + n]])
    xy = body[:, 1:3]
    diff = xy[:, None, :] - xy[None, :, :]
    cost = np.floor(np.sqrt((diff**2).sum(axis=2)))
    return CapacitatedInstance(
        name=name, cost=cost, demand=body[:, 3].copy(), p=p, capacity=q, best_value=best, xy=xy
    )


def read_optima(path: str | Path) -> dict[str, float]:
    """Read an ``instance,<value>`` CSV of known optima into a dict."""
    with Path(path).open(newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        return {row[0]: float(row[1]) for row in reader if row}


def pmed_like(n: int, n_edges: int, seed: int) -> np.ndarray:
    """Costs of a generated instance like OR-Library's pmed: all-pairs shortest paths on
    a connected random graph (a random spanning tree plus random edges, ``n_edges`` in
    all; integer weights 1-100; duplicate edges summed, as generated).

    For benchmarks and tests beyond the published instances (pmed21-40 use
    ``n_edges = n² / 50``).
    """
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    u = [int(perm[i]) for i in range(1, n)]
    v = [int(perm[rng.integers(0, i)]) for i in range(1, n)]
    while len(u) < n_edges:
        a, b = rng.integers(0, n, 2)
        if a != b:
            u.append(int(a))
            v.append(int(b))
    w = rng.integers(1, 101, len(u)).astype(float)
    g = coo_matrix((w, (u, v)), shape=(n, n)).tocsr()
    return np.asarray(shortest_path(g, directed=False))
