"""Exact many-to-many shortest paths on a road graph with ``scipy.sparse.csgraph``.

Design (see ``bench/bench_network.py`` for the measurements):

* The graph is turned once into two CSR matrices, forward and reversed, holding
  for each directed node pair the MINIMUM weight over parallel edges (scipy's
  COO → CSR conversion would SUM duplicates) and, aligned with it, the length of
  that same edge.  They are cached per graph object (a ``WeakKeyDictionary``, so
  nothing unpicklable lands in ``graph.graph`` and copies never share a stale
  cache) under a content key (:func:`fingerprint`: the nodes and every edge's
  weight and length), so a graph edited in place is prepared again.
* Dead-end trees are cut off: a node with a single neighbour (a cul-de-sac),
  repeatedly, hangs off the rest of the graph at one root node, so every path
  into or out of it passes that root.  Searches run on the remaining core
  (≈ 1/3 fewer nodes on a city graph), from the distinct roots of the sources
  (sources in one cul-de-sac share a search); costs along the unique tree
  paths to and from the roots are precomputed once, and pairs inside the trees
  of one root take their tree path.  Exact on any directed graph.
* Dijkstra runs from the smaller side: from the destinations on the reversed
  graph when there are fewer destinations than origins (200 searches instead
  of 3,000), else from the origins on the forward graph.  Only the target
  columns are kept, so memory is ``chunk × n_nodes`` per running search block.
* scipy's Dijkstra holds the GIL; on request (``n_jobs`` > 1) large jobs are
  split across worker processes (see ``_network_engine``).
* Distance along the fastest route (km) is read from the shortest-path trees:
  each node's predecessor edge length, summed to the root by pointer jumping
  (log₂(depth) vectorised passes).
"""

from __future__ import annotations

import logging
import math
import weakref
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse.csgraph import dijkstra

from siting.errors import LayerError
from siting.network._engine import Csr, make_csr, run

__all__: list[str] = []  # private module

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Forest:
    """Pendant (dead-end) trees of one search direction.

    Per node (full positions): ``pruned`` (lies in a tree), ``parent`` (next
    node toward the core), ``depth`` (0 in the core), ``root`` (the core node
    its tree hangs from; itself in the core); ``up_*`` = cost/length from the
    node to its root, ``down_*`` = from the root to the node, along the tree
    in this direction (``inf`` where a one-way edge forbids it); ``*_step`` the
    same for the single edge to/from the parent.
    """

    pruned: np.ndarray
    parent: np.ndarray
    depth: np.ndarray
    root: np.ndarray
    up_cost: np.ndarray
    up_len: np.ndarray
    down_cost: np.ndarray
    down_len: np.ndarray
    up_step: np.ndarray  # (n, 2): cost, length of node -> parent
    down_step: np.ndarray  # (n, 2): cost, length of parent -> node
    core: Csr  # the graph without its trees
    core_index: np.ndarray  # full position -> core position (-1 when pruned)


@dataclass(frozen=True)
class Chains:
    """Chains of degree-2 core nodes of one search direction, contracted to edges.

    A chain ``A - x1 - … - xk - B`` (each ``xi`` has exactly two neighbours)
    becomes the edges ``A → B`` and ``B → A`` with the summed costs.  Searches
    run on the contracted core; a target ``xi`` gets ``min(cost(A) + from_a,
    cost(B) + from_b)``.  Chains holding a source are put back for that call.
    Arrays are indexed by core position; ``from_*`` is ``(n_core, 2)``: cost and
    length from the anchor along the chain to the node (0 off chains).
    """

    chain_of: np.ndarray  # core position -> chain id (interior nodes), else -1
    anchor_a: np.ndarray  # per chain
    anchor_b: np.ndarray
    from_a: np.ndarray
    from_b: np.ndarray
    edges: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # u, v, w, length
    kind: np.ndarray  # per edge: 0 plain, 1 contracted chain edge, 2 edge inside a chain
    chain: np.ndarray  # per edge: its chain id for kinds 1 and 2, else -1
    base: tuple[Csr, np.ndarray]  # every chain contracted (see graph_for)

    def graph_for(self, reinstated: np.ndarray) -> tuple[Csr, np.ndarray]:
        """The search graph with the chains ``reinstated`` left uncontracted.

        Returns the CSR (numbered without the contracted chains' interior
        nodes, which a search would only initialise) and the search position
        of each core position (``-1`` for those left out).
        """
        if len(reinstated) == 0:
            return self.base
        back = np.isin(self.chain, reinstated)
        use = (self.kind == 0) | ((self.kind == 1) & ~back) | ((self.kind == 2) & back)
        keep = (self.chain_of < 0) | np.isin(self.chain_of, reinstated)
        return _compact(keep, *(x[use] for x in self.edges))


def _compact(
    keep: np.ndarray, u: np.ndarray, v: np.ndarray, w: np.ndarray, ln: np.ndarray
) -> tuple[Csr, np.ndarray]:
    new = np.where(keep, np.cumsum(keep) - 1, -1)
    return make_csr(new[u], new[v], w, ln, int(keep.sum())), new


@dataclass(frozen=True)
class Direction:
    """One search direction: the full CSR and its reductions."""

    full: Csr
    forest: Forest
    chains: Chains


@dataclass(frozen=True)
class Prepared:
    """A graph ready for many-to-many searches under one weight."""

    nodes: np.ndarray  # node id at each index
    index: dict[Any, int]
    forward: Direction
    reverse: Direction
    signature: tuple[int, int, int]


_CACHE: weakref.WeakKeyDictionary[nx.MultiDiGraph, dict[str, Prepared]] = (
    weakref.WeakKeyDictionary()
)


def clear_cache(graph: nx.MultiDiGraph | None = None) -> None:
    """Forget prepared CSR matrices (all, or those of one graph)."""
    if graph is None:
        _CACHE.clear()
    else:
        _CACHE.pop(graph, None)


def signature(graph: nx.Graph) -> tuple[int, int]:
    """``(nodes, edges)`` of a directed graph, counted fast.

    ``MultiDiGraph.number_of_edges()`` walks degree views (0.1 s on a city
    graph, as long as a whole matrix call); summing the adjacency dicts'
    lengths takes a few ms.
    """
    adj = getattr(graph, "_succ", None)
    if not isinstance(adj, dict):  # pragma: no cover - exotic graph classes
        return graph.number_of_nodes(), graph.number_of_edges()
    if graph.is_multigraph():
        return len(adj), sum(len(keys) for nbrs in adj.values() for keys in nbrs.values())
    return len(adj), sum(map(len, adj.values()))


def fingerprint(graph: nx.Graph, weight: str) -> tuple[int, int, int]:
    """Content key of a directed graph under ``weight``: ``(nodes, edges, hash)``.

    The hash covers the node ids, each node's successors and every edge's
    ``weight`` and ``length`` in adjacency order, so edits in place (a weight
    changed, an edge moved) change it.  One pass over the edge dicts (≈ 20 ms
    on the Jerusalem graph); an in-process key (Python's ``hash``).
    """
    return content_keys(graph, weight)[0]


def content_keys(graph: nx.Graph, weight: str) -> tuple[tuple[int, int, int], tuple[int, ...]]:
    """``(fingerprint, geometry key)`` from one pass over the graph.

    The geometry key (node ids, successors, edge count, node coordinates) is
    the one :func:`siting.network._geo.geo_key` computes.
    """
    from itertools import chain
    from operator import itemgetter

    adj = getattr(graph, "_succ", None)
    attrs = getattr(graph, "_node", None)
    if not isinstance(adj, dict) or not isinstance(attrs, dict):  # pragma: no cover
        items = list(graph.edges(data=True))
        n, m = graph.number_of_nodes(), len(items)
        h = hash(tuple((u, v, d.get(weight), d.get("length")) for u, v, d in items))
        xy = hash(tuple((d.get("x"), d.get("y")) for _, d in graph.nodes(data=True)))
        return (n, m, h), (n, m, h, 0, xy)
    if graph.is_multigraph():
        datas = [d for nbrs in adj.values() for keys in nbrs.values() for d in keys.values()]
    else:
        datas = [d for nbrs in adj.values() for d in nbrs.values()]
    n, m = len(adj), len(datas)
    try:
        values = hash(
            (tuple(map(itemgetter(weight), datas)), tuple(map(itemgetter("length"), datas)))
        )
    except KeyError:  # missing values are reported by prepare
        values = hash(tuple((d.get(weight), d.get("length")) for d in datas))
    try:
        xy = hash(tuple(map(itemgetter("x", "y"), attrs.values())))
    except KeyError:  # reported by check_coordinates
        xy = hash(tuple((d.get("x"), d.get("y")) for d in attrs.values()))
    nodes_h = hash(tuple(adj))
    succ_h = hash(tuple(chain.from_iterable(adj.values())))
    return (n, m, hash((nodes_h, succ_h, values))), (n, m, nodes_h, succ_h, xy)


def prepare(
    graph: nx.MultiDiGraph, weight: str, *, key: tuple[int, int, int] | None = None
) -> Prepared:
    """Return the cached :class:`Prepared` for ``(graph, weight)``, building it if needed.

    ``key`` is the graph's :func:`fingerprint` when the caller has just computed it.
    """
    if not graph.is_directed():
        raise LayerError("road network", "the graph must be directed (a MultiDiGraph or DiGraph)")
    signature_ = key if key is not None else fingerprint(graph, weight)
    per_graph = _CACHE.setdefault(graph, {})
    hit = per_graph.get(weight)
    if hit is not None and hit.signature == signature_:
        return hit
    n = signature_[0]
    nodes = np.empty(n, dtype=object)
    nodes[:] = list(graph.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    m = signature_[1]
    u = np.empty(m, dtype=np.int64)
    v = np.empty(m, dtype=np.int64)
    w = np.empty(m, dtype=np.float64)
    length = np.zeros(m, dtype=np.float64)
    missing: list[str] = []
    for i, (a, b, data) in enumerate(graph.edges(data=True)):
        u[i] = index[a]
        v[i] = index[b]
        x = data.get(weight)
        if x is None:
            if len(missing) < 20:
                missing.append(f"edge ({a}, {b}): field '{weight}' is missing")
            x = math.nan
        w[i] = x
        length[i] = data.get("length", 0.0) or 0.0
    problems = list(missing)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any() and not missing:
        for i in np.flatnonzero(bad)[:20]:
            problems.append(
                f"edge ({nodes[u[i]]}, {nodes[v[i]]}): field '{weight}' = {w[i]!r} "
                "(must be finite and >= 0)"
            )
    if problems:
        raise LayerError("road network", problems)
    forward = make_csr(u, v, w, length, n)
    reverse = make_csr(v, u, w, length, n)
    # trees and chains depend on the undirected topology only: found once, used twice
    pruned, parent, order = _pendant_trees(forward)
    forests = [_forest(full, pruned, parent, order) for full in (forward, reverse)]
    chain_of, chain_nodes = _chain_topology(forests[0].core)
    directions = [
        Direction(full, forest, _chains(forest.core, chain_of, chain_nodes))
        for full, forest in zip((forward, reverse), forests, strict=True)
    ]
    prep = Prepared(
        nodes=nodes,
        index=index,
        forward=directions[0],
        reverse=directions[1],
        signature=signature_,
    )
    per_graph[weight] = prep
    return prep


def _pendant_trees(csr: Csr) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Peel nodes with one distinct neighbour (ignoring direction), repeatedly.

    Returns ``(pruned mask, parent toward the core, pruning order)``.  A
    component that is a tree keeps its last node as a core node.
    """
    n = csr.n
    ptr_l, nbr = _neighbours(csr)
    deg = [ptr_l[x + 1] - ptr_l[x] for x in range(n)]
    pruned = [False] * n
    parent = [-1] * n
    order: list[int] = []
    stack = [x for x in range(n) if deg[x] == 1]
    while stack:
        x = stack.pop()
        if pruned[x] or deg[x] != 1:
            continue
        y = next(y for y in nbr[ptr_l[x] : ptr_l[x + 1]] if not pruned[y])
        pruned[x] = True
        parent[x] = y
        order.append(x)
        deg[x] = 0
        deg[y] -= 1
        if deg[y] == 1:
            stack.append(y)
    return np.array(pruned, dtype=bool), np.array(parent, dtype=np.int64), order


def _edge_lookup(csr: Csr, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Position of edge ``src → dst`` in ``csr``, ``-1`` where there is none."""
    keys = csr.rows() * csr.n + csr.indices
    want = src.astype(np.int64) * csr.n + dst
    pos = np.searchsorted(keys, want)
    pos_ok = np.minimum(pos, max(len(keys) - 1, 0))
    found = (pos < len(keys)) & (keys[pos_ok] == want) if len(keys) else np.zeros(len(want), bool)
    return np.where(found, pos_ok, -1)


def _forest(csr: Csr, pruned: np.ndarray, parent: np.ndarray, order: list[int]) -> Forest:
    n = csr.n
    root = np.arange(n, dtype=np.int64)
    depth = np.zeros(n, dtype=np.int64)
    up = np.zeros((n, 2))
    down = np.zeros((n, 2))
    up_step = np.zeros((n, 2))
    down_step = np.zeros((n, 2))
    if order:
        xs = np.array(order[::-1], dtype=np.int64)  # nearest the core first
        ps = parent[xs]
        for step, (src, dst) in ((up_step, (xs, ps)), (down_step, (ps, xs))):
            e = _edge_lookup(csr, src, dst)
            ok = e >= 0
            step[xs, 0] = np.where(ok, csr.weight[np.maximum(e, 0)], np.inf)
            step[xs, 1] = np.where(ok, csr.length[np.maximum(e, 0)], np.inf)
        root_l, depth_l = root.tolist(), depth.tolist()
        uc, ul, dc, dl = ([0.0] * n for _ in range(4))
        usc, usl = up_step[:, 0].tolist(), up_step[:, 1].tolist()
        dsc, dsl = down_step[:, 0].tolist(), down_step[:, 1].tolist()
        for x, p in zip(xs.tolist(), ps.tolist(), strict=True):
            root_l[x] = root_l[p]
            depth_l[x] = depth_l[p] + 1
            # additions in path order, as a search along the tree would do them
            dc[x] = dc[p] + dsc[x]
            dl[x] = dl[p] + dsl[x]
            uc[x] = usc[x] + uc[p]
            ul[x] = usl[x] + ul[p]
        root, depth = np.array(root_l), np.array(depth_l)
        up, down = np.column_stack([uc, ul]), np.column_stack([dc, dl])
    core_index = np.full(n, -1, dtype=np.int64)
    core_index[~pruned] = np.arange(int((~pruned).sum()))
    return Forest(
        pruned=pruned,
        parent=parent,
        depth=depth,
        root=root,
        up_cost=up[:, 0].copy(),
        up_len=up[:, 1].copy(),
        down_cost=down[:, 0].copy(),
        down_len=down[:, 1].copy(),
        up_step=up_step,
        down_step=down_step,
        core=_subgraph(csr, ~pruned),
        core_index=core_index,
    )


def tree_path(f: Forest, s: int, t: int) -> tuple[float, float]:
    """Cost and length from ``s`` to ``t`` along the tree they share (same root)."""
    a, b = s, t
    ups: list[int] = []
    downs: list[int] = []
    while f.depth[a] > f.depth[b]:
        ups.append(a)
        a = int(f.parent[a])
    while f.depth[b] > f.depth[a]:
        downs.append(b)
        b = int(f.parent[b])
    while a != b:
        ups.append(a)
        downs.append(b)
        a, b = int(f.parent[a]), int(f.parent[b])
    cost = length = 0.0
    for x in ups:
        cost += f.up_step[x, 0]
        length += f.up_step[x, 1]
    for x in reversed(downs):
        cost += f.down_step[x, 0]
        length += f.down_step[x, 1]
    return cost, length


def _subgraph(csr: Csr, keep: np.ndarray) -> Csr:
    """The CSR restricted to ``keep`` nodes, renumbered in order (sorting is preserved)."""
    new = np.cumsum(keep) - 1
    rows = csr.rows()
    mask = keep[rows] & keep[csr.indices]
    n_new = int(keep.sum())
    indptr = np.zeros(n_new + 1, dtype=np.int32)
    np.cumsum(np.bincount(new[rows[mask]], minlength=n_new), out=indptr[1:])
    return Csr(
        indptr,
        new[csr.indices[mask]].astype(np.int32),
        csr.weight[mask],
        csr.length[mask],
        n_new,
    )


def _neighbours(csr: Csr) -> tuple[list[int], list[int]]:
    """Distinct neighbours ignoring direction and self-loops: ``(ptr, nbr)`` lists."""
    n = csr.n
    rows = csr.rows()
    cols = csr.indices.astype(np.int64)
    a = np.concatenate([rows, cols])
    b = np.concatenate([cols, rows])
    keep = a != b
    pairs = np.unique(a[keep] * n + b[keep])
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(pairs // n, minlength=n), out=ptr[1:])
    return ptr.tolist(), (pairs % n).tolist()


def _chain_topology(core: Csr) -> tuple[np.ndarray, list[list[int]]]:
    """Maximal chains ``[A, x1, …, xk, B]`` of degree-2 nodes (rings without an anchor stay)."""
    ptr, nbr = _neighbours(core)
    n = core.n
    deg2 = [ptr[x + 1] - ptr[x] == 2 for x in range(n)]
    chain_of = np.full(n, -1, dtype=np.int64)
    chains: list[list[int]] = []
    seen = [False] * n
    for x in range(n):
        if not deg2[x] or seen[x]:
            continue
        seen[x] = True
        sides = []
        ring = False
        for first in nbr[ptr[x] : ptr[x] + 2]:
            prev, cur, walk = x, first, []
            while deg2[cur] and cur != x:
                walk.append(cur)
                seen[cur] = True
                a, b = nbr[ptr[cur] : ptr[cur] + 2]
                prev, cur = cur, (b if a == prev else a)
            if cur == x:
                ring = True
                break
            sides.append((walk, cur))
        if ring:
            continue
        (left, a_end), (right, b_end) = sides
        nodes = [a_end, *left[::-1], x, *right, b_end]
        chain_of[nodes[1:-1]] = len(chains)
        chains.append(nodes)
    return chain_of, chains


def _chains(core: Csr, chain_of: np.ndarray, chains: list[list[int]]) -> Chains:
    n = core.n
    from_a = np.zeros((n, 2))
    from_b = np.zeros((n, 2))
    rows = core.rows()
    cols = core.indices.astype(np.int64)
    interior = chain_of >= 0
    chain_e = np.where(interior[rows], chain_of[rows], chain_of[cols])
    kind = np.where(chain_e >= 0, 2, 0)
    anchor_a = np.array([c[0] for c in chains], dtype=np.int64)
    anchor_b = np.array([c[-1] for c in chains], dtype=np.int64)
    cu: list[int] = []
    cv: list[int] = []
    cw: list[float] = []
    cl: list[float] = []
    cc: list[int] = []
    if chains:
        src = np.array([a for c in chains for a in c[:-1]], dtype=np.int64)
        dst = np.array([b for c in chains for b in c[1:]], dtype=np.int64)
        fwd = _edge_values(core, src, dst).tolist()
        bwd = _edge_values(core, dst, src).tolist()
        pos = 0
        fa, fb = from_a.tolist(), from_b.tolist()
        for cid, nodes in enumerate(chains):
            k = len(nodes) - 1  # edges along the chain
            steps_f, steps_b = fwd[pos : pos + k], bwd[pos : pos + k]
            pos += k
            acc = [0.0, 0.0]
            for x, st in zip(nodes[1:-1], steps_f[:-1], strict=True):
                acc = [acc[0] + st[0], acc[1] + st[1]]
                fa[x] = acc
            total_ab = [acc[0] + steps_f[-1][0], acc[1] + steps_f[-1][1]]
            acc = [0.0, 0.0]
            for x, st in zip(nodes[-2:0:-1], steps_b[:0:-1], strict=True):
                acc = [acc[0] + st[0], acc[1] + st[1]]
                fb[x] = acc
            total_ba = [acc[0] + steps_b[0][0], acc[1] + steps_b[0][1]]
            a, b = nodes[0], nodes[-1]
            if a == b:
                continue  # a loop back to its anchor never shortens a path
            for (p, q), tot in (((a, b), total_ab), ((b, a), total_ba)):
                if math.isfinite(tot[0]):
                    cu.append(p)
                    cv.append(q)
                    cw.append(tot[0])
                    cl.append(tot[1])
                    cc.append(cid)
        from_a, from_b = np.array(fa), np.array(fb)
    u = np.concatenate([rows, np.array(cu, dtype=np.int64)])
    v = np.concatenate([cols, np.array(cv, dtype=np.int64)])
    w = np.concatenate([core.weight, np.array(cw, dtype=float)])
    ln = np.concatenate([core.length, np.array(cl, dtype=float)])
    kind = np.concatenate([kind, np.ones(len(cu), dtype=np.int64)])
    chain = np.concatenate([chain_e, np.array(cc, dtype=np.int64)])
    base_use = kind != 2
    return Chains(
        chain_of=chain_of,
        anchor_a=anchor_a,
        anchor_b=anchor_b,
        from_a=from_a,
        from_b=from_b,
        edges=(u, v, w, ln),
        kind=kind,
        chain=chain,
        base=_compact(chain_of < 0, u[base_use], v[base_use], w[base_use], ln[base_use]),
    )


def _edge_values(csr: Csr, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """``(len, 2)`` cost and length of edges ``src → dst`` (``inf`` where missing)."""
    e = _edge_lookup(csr, src, dst)
    ok = e >= 0
    safe = np.maximum(e, 0)
    return np.column_stack(
        [np.where(ok, csr.weight[safe], np.inf), np.where(ok, csr.length[safe], np.inf)]
    )


def node_positions(prep: Prepared, nodes: Any, what: str) -> np.ndarray:
    """Map node ids to CSR positions; one error lists every unknown id."""
    nodes = list(nodes)
    out = np.empty(len(nodes), dtype=np.int64)
    missing = []
    for i, n in enumerate(nodes):
        j = prep.index.get(n)
        if j is None:
            missing.append(f"{what} node {n!r}: not in the graph")
            out[i] = -1
        else:
            out[i] = j
    if missing:
        raise LayerError("road network", missing)
    return out


def many_to_many(
    direction: Direction,
    sources: np.ndarray,
    targets: np.ndarray,
    *,
    limit: float = np.inf,
    want_length: bool = False,
    n_jobs: int = 1,
    max_memory_mb: float = 512.0,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Costs (and lengths) from each source to each target (full-graph positions).

    Searches run on the core only, from the distinct roots of the sources;
    ``cost(s, t) = up(s) + core_cost(root(s), root(t)) + down(t)``, except for
    pairs in trees hanging from the same root, which take their tree path.
    """
    k, m = len(sources), len(targets)
    if k == 0 or m == 0:
        empty = np.full((k, m), np.inf)
        return empty, (empty.copy() if want_length else None)
    f, ch = direction.forest, direction.chains
    s_root, t_root = f.root[sources], f.root[targets]
    core_s, s_inv = np.unique(f.core_index[s_root], return_inverse=True)
    core_t, t_inv = np.unique(f.core_index[t_root], return_inverse=True)
    cost_c, len_c = _core_costs(
        ch,
        core_s,
        core_t,
        want_length=want_length,
        opts={"limit": limit, "n_jobs": n_jobs, "max_memory_mb": max_memory_mb},
    )
    cost = (f.up_cost[sources][:, None] + cost_c[s_inv][:, t_inv]) + f.down_cost[targets]
    along = None
    if len_c is not None:
        along = (f.up_len[sources][:, None] + len_c[s_inv][:, t_inv]) + f.down_len[targets]
    # pairs inside the trees of one root: the tree path, not a detour via the root
    s_tree = np.flatnonzero(f.pruned[sources])
    if len(s_tree):
        t_tree = np.flatnonzero(f.pruned[targets])
        by_root: dict[int, list[int]] = {}
        for j in t_tree.tolist():
            by_root.setdefault(int(t_root[j]), []).append(j)
        for i in s_tree.tolist():
            for j in by_root.get(int(s_root[i]), []):
                c, ln = tree_path(f, int(sources[i]), int(targets[j]))
                cost[i, j] = c
                if along is not None:
                    along[i, j] = ln
    if np.isfinite(limit):
        cost[cost > limit] = np.inf
    if along is not None:
        along[~np.isfinite(cost)] = np.inf
    return cost, along


def _core_costs(
    ch: Chains,
    sources: np.ndarray,
    targets: np.ndarray,
    *,
    want_length: bool,
    opts: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray | None]:
    """Core-to-core costs (unique core positions) through the contracted chains."""
    reinstated = np.unique(ch.chain_of[sources])
    reinstated = reinstated[reinstated >= 0]
    graph, search_pos = ch.graph_for(reinstated)
    ends = chain_ends(ch, targets, reinstated)
    cost, along = run(
        graph, search_pos[sources], search_pos[ends.cols], want_length=want_length, **opts
    )
    return ends.combine(cost, along)


@dataclass(frozen=True)
class ChainEnds:
    """Targets seen through the contracted chains they lie on.

    A target inside a chain that the search graph keeps contracted is reached
    through either end of its chain (anchors ``a`` and ``b``); ``cols`` are the
    distinct search columns (the targets themselves or those anchors), ``inv_a``
    / ``inv_b`` index them per target.
    """

    ch: Chains
    targets: np.ndarray
    contracted: np.ndarray
    cols: np.ndarray
    inv_a: np.ndarray
    inv_b: np.ndarray

    def combine(
        self, cost: np.ndarray, along: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Per target, the cheaper way in: via anchor ``a`` or ``b`` plus the chain leg."""
        contracted, targets = self.contracted[:, None], self.targets
        add_a = np.where(contracted, self.ch.from_a[targets], 0.0)
        add_b = np.where(contracted, self.ch.from_b[targets], 0.0)
        via_a = cost[:, self.inv_a] + add_a[:, 0]
        via_b = cost[:, self.inv_b] + add_b[:, 0]
        use_a = via_a <= via_b
        best = np.where(use_a, via_a, via_b)
        if along is None:
            return best, None
        length = np.where(
            use_a, along[:, self.inv_a] + add_a[:, 1], along[:, self.inv_b] + add_b[:, 1]
        )
        return best, length


def chain_ends(ch: Chains, targets: np.ndarray, reinstated: np.ndarray) -> ChainEnds:
    """The search columns for ``targets`` (core positions) with chains ``reinstated`` expanded."""
    t_chain = ch.chain_of[targets]
    contracted = (t_chain >= 0) & ~np.isin(t_chain, reinstated)
    safe = np.where(contracted, t_chain, 0)
    col_a, col_b = targets.copy(), targets.copy()
    if contracted.any():
        col_a[contracted] = ch.anchor_a[safe[contracted]]
        col_b[contracted] = ch.anchor_b[safe[contracted]]
    cols, inv = np.unique(np.concatenate([col_a, col_b]), return_inverse=True)
    return ChainEnds(ch, targets, contracted, cols, inv[: len(targets)], inv[len(targets) :])


def predecessors(
    direction: Direction, source: int, *, limit: float = np.inf
) -> tuple[np.ndarray, np.ndarray]:
    """Distances and predecessor array of one search on the full graph."""
    dist, pred = dijkstra(
        direction.full.matrix(),
        directed=True,
        indices=[source],
        limit=limit,
        return_predecessors=True,
    )
    return dist[0], pred[0]
